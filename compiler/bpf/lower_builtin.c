/*
 * lower_builtin: kernel-side implementations of BPF builtins (builtin.h),
 * emitted inline into handlers.  Names are those of tapset/BPF_BUILTINS.md.
 *
 * Context: pid/tid from bpf_get_current_pid_tgid, execname from
 * bpf_get_current_comm, uid/gid from bpf_get_current_uid_gid, cpu from
 * bpf_get_smp_processor_id.  Wall-clock time is the monotonic clock plus
 * the offset user space stores at session start (BPF has no wall clock).
 * exit(), warn(), system() and error() send records to user space.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "diag/diag.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"

#define ARGS struct lower *L, const struct expr *call, struct lval *out

typedef bool (*builtin_kernel_fn)(ARGS);

static struct lval reg_val(ir_reg r)
{
	return (struct lval){ .kind = LV_REG, .reg = r };
}

static ir_reg helper0(struct lower *L, int helper)
{
	ir_reg r = ir_new_vreg(L->ir);
	ir_call_helper_n(L->ir, r, helper, NULL, 0);
	return r;
}

static struct expr *arg(const struct expr *call, uint32_t i)
{
	return call->u.call.args.items[i];
}

static bool k_pid(ARGS)
{
	(void)call;
	ir_reg r = helper0(L, BPF_FUNC_get_current_pid_tgid);
	ir_emit_alu_imm(L->ir, IR_RSH, r, 32);
	*out = reg_val(r);
	return true;
}

static bool k_tid(ARGS)
{
	(void)call;
	ir_reg r = helper0(L, BPF_FUNC_get_current_pid_tgid);
	ir_emit_alu_imm(L->ir, IR_LSH, r, 32);
	ir_emit_alu_imm(L->ir, IR_RSH, r, 32);
	*out = reg_val(r);
	return true;
}

static bool k_uid(ARGS)
{
	(void)call;
	ir_reg r = helper0(L, BPF_FUNC_get_current_uid_gid);
	ir_emit_alu_imm(L->ir, IR_LSH, r, 32);
	ir_emit_alu_imm(L->ir, IR_RSH, r, 32);
	*out = reg_val(r);
	return true;
}

static bool k_gid(ARGS)
{
	(void)call;
	ir_reg r = helper0(L, BPF_FUNC_get_current_uid_gid);
	ir_emit_alu_imm(L->ir, IR_RSH, r, 32);
	*out = reg_val(r);
	return true;
}

static bool k_cpu(ARGS)
{
	(void)call;
	*out = reg_val(helper0(L, BPF_FUNC_get_smp_processor_id));
	return true;
}

/* execname() into dst (16 bytes or more, zero-padded to its width) */
void lower_execname_into(struct lower *L, struct smem dst)
{
	/* zeroed first: older kernels (6.1 among them) copy comm with
	 * strscpy, which does not pad, and word-wise comparison and hashing
	 * rely on the zero tail */
	lower_zero(L, dst, lw_align8(dst.width));
	ir_call_helper(L->ir, IR_NOREG, BPF_FUNC_get_current_comm, lower_addr_arg(L, dst),
		       ir_arg_imm(16));
}

static bool k_execname(ARGS)
{
	(void)call;
	struct smem m = lower_mem(L, 16, true);
	m.width = 16;
	lower_execname_into(L, m);
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

static bool k_target(ARGS)
{
	(void)call;
	ir_reg h = lower_head(L), r = ir_new_vreg(L->ir);
	ir_emit_load(L->ir, 8, r, h, RT_OFF_TARGET);
	*out = reg_val(r);
	return true;
}

static bool k_stp_pid(ARGS)
{
	(void)call;
	ir_reg h = lower_head(L), r = ir_new_vreg(L->ir);
	ir_emit_load(L->ir, 8, r, h, RT_OFF_STP_PID);
	*out = reg_val(r);
	return true;
}

/* current->cred->FIELD.val, at the target kernel's BTF offsets: euid(),
 * egid().  The kernel's own ids, exact for tasks of the initial user
 * namespace (SystemTap maps them into the task's namespace). */
static bool cred_id(struct lower *L, const struct expr *call, struct lval *out, const char *field)
{
	struct target *t = session_target(L->pl->s);
	uint32_t cred_off, id_off;
	if (!t || !target_member_offset(t, "task_struct", "cred", &cred_off) ||
	    !target_member_offset(t, "cred", field, &id_off))
		return lower_unsupported(L, call->tok, "this id without task_struct.cred and cred "
					 "in the kernel's BTF");
	struct ir *ir = L->ir;
	int16_t tmp = lower_stack(L, 8);
	ir_reg task = helper0(L, BPF_FUNC_get_current_task), rc = ir_new_vreg(ir),
	       cred = ir_new_vreg(ir), v = ir_new_vreg(ir);
	ir_emit_alu_imm(ir, IR_ADD, task, cred_off);
	ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
	ir_call_helper(ir, rc, BPF_FUNC_probe_read_kernel, ir_arg_stack(tmp), ir_arg_imm(8),
		       ir_arg_reg(task));
	ir_emit_load(ir, 8, cred, IR_FP, tmp);
	ir_emit_alu_imm(ir, IR_ADD, cred, id_off);
	ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
	ir_call_helper(ir, rc, BPF_FUNC_probe_read_kernel, ir_arg_stack(tmp), ir_arg_imm(4),
		       ir_arg_reg(cred));
	ir_emit_load(ir, 4, v, IR_FP, tmp);
	*out = reg_val(v);
	return true;
}

static bool k_euid(ARGS) { return cred_id(L, call, out, "euid"); }
static bool k_egid(ARGS) { return cred_id(L, call, out, "egid"); }

static bool k_session_uid(ARGS)
{
	(void)call;
	ir_reg h = lower_head(L), r = ir_new_vreg(L->ir);
	ir_emit_load(L->ir, 8, r, h, RT_OFF_STP_UID);
	*out = reg_val(r);
	return true;
}

static bool k_task_current(ARGS)
{
	(void)call;
	*out = reg_val(helper0(L, BPF_FUNC_get_current_task));
	return true;
}

static bool k_mono_ns(ARGS)
{
	(void)call;
	*out = reg_val(helper0(L, BPF_FUNC_ktime_get_ns));
	return true;
}

/* CLOCK_BOOTTIME plus the realtime - boottime offset that the session
 * keeps fresh in the header (runtime/bpf/wallclock.h). */
static ir_reg wall_ns(struct lower *L)
{
	ir_reg r = helper0(L, BPF_FUNC_ktime_get_boot_ns), h = lower_head(L), o = ir_new_vreg(L->ir);
	ir_emit_load(L->ir, 8, o, h, RT_OFF_WALL);
	ir_emit_alu(L->ir, IR_ADD, r, o);
	return r;
}

static bool wall_div(struct lower *L, struct lval *out, int64_t div)
{
	ir_reg r = wall_ns(L);
	if (div > 1) {
		ir_reg d = ir_new_vreg(L->ir);
		ir_emit_mov_imm(L->ir, d, div);
		ir_emit_alu(L->ir, IR_DIV, r, d);
	}
	*out = reg_val(r);
	return true;
}

static bool k_time_ns(ARGS) { (void)call; return wall_div(L, out, 1); }
static bool k_time_us(ARGS) { (void)call; return wall_div(L, out, 1000); }
static bool k_time_ms(ARGS) { (void)call; return wall_div(L, out, 1000000); }
static bool k_time_s(ARGS) { (void)call; return wall_div(L, out, 1000000000); }

static bool k_jiffies(ARGS)
{
	(void)call;
	*out = reg_val(helper0(L, BPF_FUNC_jiffies64));
	return true;
}

static bool const_long(struct lower *L, struct lval *out, int64_t v)
{
	ir_reg r = ir_new_vreg(L->ir);
	ir_emit_mov_imm(L->ir, r, v);
	*out = reg_val(r);
	return true;
}

/* its argument, unchanged: the body of a /\* guru *\/ embedded function
 * that only marks its callers as guru-mode (tapset: _guru_value) */
static bool k_value(ARGS)
{
	bool ok;
	ir_reg v = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	*out = reg_val(v);
	return true;
}

static bool k_hz(ARGS) { (void)call; return const_long(L, out, L->pl->hz); }

static bool k_page_size(ARGS) { (void)call; return const_long(L, out, RT_PAGE_SIZE); }

static bool const_string(struct lower *L, struct lval *out, const char *s)
{
	return lower_str_const(L, s, strlen(s), out);
}

static bool k_tz_name(ARGS) { (void)call; return const_string(L, out, L->pl->tz_name); }

/* remote_id(), remote_uri(): a BPF session is never one host of --remote */
static bool k_remote_id(ARGS) { (void)call; return const_long(L, out, -1); }

static bool k_remote_uri(ARGS) { (void)call; return const_string(L, out, ""); }

static bool k_tz_gmtoff(ARGS) { (void)call; return const_long(L, out, L->pl->tz_gmtoff); }

static bool k_pp(ARGS) { (void)call; return lower_point_text(L, POINT_PP, out); }
static bool k_pn(ARGS) { (void)call; return lower_point_text(L, POINT_PN, out); }

static bool k_exit(ARGS)
{
	(void)call;
	struct ir *ir = L->ir;
	ir_reg h = lower_head(L), st = ir_new_vreg(ir);
	ir_label skip = ir_new_label(ir);
	ir_emit_load(ir, 8, st, h, RT_OFF_STATE);
	ir_emit_jcc_imm(ir, IR_JNE, st, RT_RUNNING, skip);
	ir_emit_store_imm(ir, 8, h, RT_OFF_STATE, RT_STOPPING);
	ir_bind_label(ir, skip);
	lower_rec_close(L, lower_rec_open(L, RTR_EXIT, 0, 0));
	*out = (struct lval){ .kind = LV_IMM };
	return true;
}

static bool k_error(ARGS)
{
	struct smem s;
	if (!lower_str(L, arg(call, 0), &s))
		return false;
	lower_raise(L, NULL, "", ES_STRING, IR_NOREG, IR_NOREG, &s);
	*out = (struct lval){ .kind = LV_IMM };
	return true;
}

/* a record whose payload is one string: warn(), system() */
static bool string_record(struct lower *L, const struct expr *call, uint32_t kind,
			  struct lval *out)
{
	struct expr *a = arg(call, 0);
	uint32_t w = plan_width(L->pl, a);
	struct smem t = lower_mem(L, w, false);
	t.width = w;
	if (!lower_str_into(L, a, t))
		return false;
	struct smem rec = lower_rec_open(L, kind, lw_align8(w), lw_align8(w));
	lower_str_copy(L, (struct smem){ rec.base, rec.off + RT_REC_HDR, w }, t);
	lower_rec_close(L, rec);
	*out = (struct lval){ .kind = LV_IMM };
	return true;
}

static bool k_warn(ARGS) { return string_record(L, call, RTR_WARN, out); }
static bool k_system(ARGS) { return string_record(L, call, RTR_SYSTEM, out); }

/* _ustack_print(style): the stack goes to user space (lower_ustack.c) */
static bool k_ustack_print(ARGS)
{
	struct expr *a = arg(call, 0);
	if (a->kind != EXPR_NUMBER || (a->u.num != RTU_PRINT && a->u.num != RTU_PRINT_BRIEF &&
				       a->u.num != RTU_PRINT_FILELINE))
		return lower_unsupported(L, call->tok, "_ustack_print with a style that is not a literal 1, 5 or 7");
	*out = (struct lval){ .kind = LV_IMM };
	return lower_ustack_record(L, (uint32_t)a->u.num, IR_NOREG);
}

static bool k_strlen(ARGS)
{
	struct smem s;
	if (!lower_str(L, arg(call, 0), &s))
		return false;
	*out = reg_val(lower_str_len(L, s));
	return true;
}

static bool k_randint(ARGS)
{
	ir_reg n;
	if (!lower_long(L, arg(call, 0), &n))
		return false;
	struct ir *ir = L->ir;
	ir_reg r = helper0(L, BPF_FUNC_get_prandom_u32), d = ir_new_vreg(ir);
	ir_label ok = ir_new_label(ir);
	ir_emit_mov(ir, d, n);
	ir_emit_jcc_imm(ir, IR_JSGT, d, 0, ok);
	ir_emit_mov_imm(ir, d, 1);
	ir_bind_label(ir, ok);
	ir_emit_alu(ir, IR_MOD, r, d);
	*out = reg_val(r);
	return true;
}

/* kernel_string(addr[, err]) / user_string(addr[, err]) and the _n forms */
static bool read_string(struct lower *L, const struct expr *call, struct lval *out, bool user,
			bool has_n)
{
	struct ir *ir = L->ir;
	uint32_t nargs = call->u.call.args.len;
	ir_reg addr, n = IR_NOREG;
	bool ok;
	addr = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	uint32_t w = L->pl->lim.maxstringlen;
	struct expr *nexp = has_n ? arg(call, 1) : NULL;
	if (nexp && nexp->kind == EXPR_NUMBER) {
		int64_t k = nexp->u.num;
		w = k < 0 ? 1 : k + 1 < (int64_t)w ? (uint32_t)k + 1 : w;
	} else if (nexp) {
		n = lower_long_tmp(L, nexp, &ok);
		if (!ok)
			return false;
		ir_label lo = ir_new_label(ir), hi = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JSGE, n, 0, lo);
		ir_emit_mov_imm(ir, n, 0);
		ir_bind_label(ir, lo);
		ir_emit_jcc_imm(ir, IR_JSLE, n, w - 1, hi);
		ir_emit_mov_imm(ir, n, w - 1);
		ir_bind_label(ir, hi);
		ir_emit_alu_imm(ir, IR_ADD, n, 1);
	}
	uint32_t width = plan_width(L->pl, call);
	if (width > w)
		width = w;
	struct smem m = lower_mem(L, width, true);
	m.width = width;
	lower_zero(L, m, width);
	ir_reg rc = ir_new_vreg(ir);
	ir_call_helper(ir, rc, user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str,
		       lower_addr_arg(L, m), n == IR_NOREG ? ir_arg_imm(width) : ir_arg_reg(n),
		       ir_arg_reg(addr));
	ir_label good = ir_new_label(ir), done = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSGE, rc, 0, good);
	uint32_t errarg = has_n ? 2 : 1;
	if (nargs > errarg) {
		/* the caller's replacement text */
		if (!lower_str_into(L, arg(call, errarg), m))
			return false;
		ir_emit_jmp(ir, done);
	} else if (user) {
		lower_raise(L, call->tok, "user string copy fault {err} at {addr} [man error::fault]",
			    ES_ERRNO_ADDR, rc, addr, NULL);
	} else {
		lower_raise(L, call->tok, "kernel string copy fault at {addr} [man error::fault]",
			    ES_ADDR, addr, IR_NOREG, NULL);
	}
	ir_bind_label(ir, good);
	ir_bind_label(ir, done);
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

static bool k_kernel_string(ARGS) { return read_string(L, call, out, false, false); }
static bool k_kernel_string_n(ARGS) { return read_string(L, call, out, false, true); }
static bool k_user_string(ARGS) { return read_string(L, call, out, true, false); }
static bool k_user_string_n(ARGS) { return read_string(L, call, out, true, true); }

/* int_arg(n) & co.: n is 1-based */
static bool reg_arg(struct lower *L, const struct expr *call, struct lval *out, int bits,
		    bool is_signed)
{
	struct expr *a = arg(call, 0);
	ir_reg v;
	if (a->kind == EXPR_NUMBER) {
		if (a->u.num < 1)
			return lower_unsupported(L, call->tok, "an argument number below 1");
		if (!lower_func_arg(L, call->tok, IR_NOREG, a->u.num - 1, &v))
			return false;
	} else {
		bool ok;
		ir_reg n = lower_long_tmp(L, a, &ok);
		if (!ok)
			return false;
		ir_emit_alu_imm(L->ir, IR_SUB, n, 1);
		if (!lower_func_arg(L, call->tok, n, 0, &v))
			return false;
	}
	ir_reg r = ir_new_vreg(L->ir);
	ir_emit_mov(L->ir, r, v);
	if (bits < 64) {
		ir_emit_alu_imm(L->ir, IR_LSH, r, 64 - bits);
		ir_emit_alu_imm(L->ir, is_signed ? IR_ARSH : IR_RSH, r, 64 - bits);
	}
	*out = reg_val(r);
	return true;
}

static bool k_int_arg(ARGS) { return reg_arg(L, call, out, 32, true); }
static bool k_uint_arg(ARGS) { return reg_arg(L, call, out, 32, false); }
static bool k_long_arg(ARGS) { return reg_arg(L, call, out, 64, true); }
static bool k_ulong_arg(ARGS) { return reg_arg(L, call, out, 64, false); }

static bool k_returnval(ARGS)
{
	ir_reg v;
	if (!lower_return_value(L, call->tok, &v))
		return false;
	*out = reg_val(v);
	return true;
}

static bool k_maxstringlen(ARGS) { (void)call; return const_long(L, out, L->pl->lim.maxstringlen); }
static bool k_is_return(ARGS) { (void)call; return const_long(L, out, L->kp->retprobe); }

static bool k_registers_valid(ARGS)
{
	(void)call;
	enum kattach a = L->kp->attach;
	return const_long(L, out, a == KA_UPROBE || a == KA_UPROBE_MULTI || a == KA_KPROBE ||
				  a == KA_CPU_CLOCK ||
				  a == KA_PERF_EVENT);
}

static bool k_random_u32(ARGS)
{
	(void)call;
	*out = reg_val(helper0(L, BPF_FUNC_get_prandom_u32));
	return true;
}

static bool k_abort(ARGS)
{
	struct lval dummy;
	if (!k_exit(L, call, &dummy))
		return false;
	/* uncatchable, not reported: straight to the end of the handler */
	ir_emit_jmp(L->ir, L->hend);
	*out = (struct lval){ .kind = LV_IMM };
	return true;
}

static bool k_cpu_clock(ARGS)
{
	ir_reg c;
	if (!lower_long(L, arg(call, 0), &c))
		return false;
	struct ir *ir = L->ir;
	ir_label bad = ir_new_label(ir), ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSLT, c, 0, bad);
	ir_emit_jcc_imm(ir, IR_JSLT, c, L->pl->ncpus, ok);
	ir_bind_label(ir, bad);
	lower_raise(L, call->tok, "cpu_clock_ns: no CPU {err}", ES_ERRNO_ADDR, c, c, NULL);
	ir_bind_label(ir, ok);
	*out = reg_val(helper0(L, BPF_FUNC_ktime_get_ns));
	return true;
}

/*
 * task_pt_regs(task): bpf_task_pt_regs wants a task pointer the verifier
 * trusts, which a script's long is not; the current task is the one
 * bpf_get_current_task_btf() returns, so the argument is compared with it
 * (user_long() and friends ask for the current task through
 * probing_32bit_app).  Any other task is a run-time error.
 */
static bool k_task_pt_regs(ARGS)
{
	bool ok;
	ir_reg t = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	struct ir *ir = L->ir;
	ir_reg cur = helper0(L, BPF_FUNC_get_current_task_btf), r = ir_new_vreg(ir);
	ir_label same = ir_new_label(ir);
	ir_emit_jcc(ir, IR_JEQ, t, cur, same);
	lower_raise(L, call->tok,
		    "task_pt_regs: only the current task's registers can be reached from BPF (task {addr})",
		    ES_ADDR, t, IR_NOREG, NULL);
	ir_bind_label(ir, same);
	ir_call_helper(ir, r, BPF_FUNC_task_pt_regs, ir_arg_reg(cur));
	*out = reg_val(r);
	return true;
}

/* x86_64 pt_regs offsets by register name (registers.stp's table) */
static int reg_offset(const char *name, bool *low32)
{
	static const struct { const char *n; int off; } regs[] = {
		{ "r15", 0 }, { "r14", 8 }, { "r13", 16 }, { "r12", 24 }, { "bp", 32 },
		{ "bx", 40 }, { "r11", 48 }, { "r10", 56 }, { "r9", 64 }, { "r8", 72 },
		{ "ax", 80 }, { "cx", 88 }, { "dx", 96 }, { "si", 104 }, { "di", 112 },
		{ "orig_ax", 120 }, { "ip", 128 }, { "cs", 136 }, { "flags", 144 },
		{ "sp", 152 }, { "ss", 160 },
	};
	*low32 = false;
	if (!strcmp(name, "eflags") || !strcmp(name, "rflags"))
		name = "flags";
	else if (!strcmp(name, "orig_rax") || !strcmp(name, "orig_eax"))
		name = "orig_ax";
	char buf[8];
	if ((name[0] == 'r' || name[0] == 'e') && strlen(name) == 3 &&
	    !(name[1] >= '0' && name[1] <= '9')) {
		*low32 = name[0] == 'e';
		snprintf(buf, sizeof(buf), "%s", name + 1);
		name = buf;
	}
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (!strcmp(regs[i].n, name))
			return regs[i].off;
	return -1;
}

static bool k_register(ARGS)
{
	struct expr *a = arg(call, 0);
	if (a->kind != EXPR_STRING)
		return lower_unsupported(L, call->tok, "register() of a name that is not a literal");
	bool low32;
	int off = reg_offset(a->u.str.val, &low32);
	if (off < 0)
		return lower_unsupported(L, call->tok, "register() of an unknown register name");
	struct ir *ir = L->ir;
	enum kattach k = L->kp->attach;
	ir_reg v = ir_new_vreg(ir);
	if (k == KA_UPROBE || k == KA_UPROBE_MULTI || k == KA_KPROBE) {
		ir_emit_load(ir, 8, v, ir_ctx(ir), (int16_t)off);
		if (off == 128 && lower_kprobe_ip_past(L))
			ir_emit_alu_imm(ir, IR_SUB, v, 1);
	} else if (k == KA_CPU_CLOCK || k == KA_PERF_EVENT) {
		/* struct bpf_perf_event_data starts with the regs */
		ir_emit_load(ir, 8, v, ir_ctx(ir), (int16_t)off);
	} else {
		char msg[256];
		snprintf(msg, sizeof(msg), "register: no registers are saved at %s", L->bp->dp->pp);
		lower_raise(L, call->tok, arena_strdup(L->pl->arena, msg), ES_NONE, IR_NOREG,
			    IR_NOREG, NULL);
		ir_emit_mov_imm(ir, v, 0);
	}
	if (low32) {
		ir_emit_alu_imm(ir, IR_LSH, v, 32);
		ir_emit_alu_imm(ir, IR_ARSH, v, 32);
	}
	*out = reg_val(v);
	return true;
}

/* kernel_read / user_read (addr, literal size) */
static bool mem_read(struct lower *L, const struct expr *call, struct lval *out, bool user)
{
	struct expr *sz = arg(call, 1);
	if (sz->kind != EXPR_NUMBER || (sz->u.num != 1 && sz->u.num != 2 && sz->u.num != 4 &&
					 sz->u.num != 8))
		return lower_unsupported(L, call->tok, "a memory read whose size is not a literal 1, 2, 4 or 8");
	bool ok;
	ir_reg addr = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	struct ir *ir = L->ir;
	int16_t tmp = lower_stack(L, 8);
	ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
	ir_reg rc = ir_new_vreg(ir), v = ir_new_vreg(ir);
	ir_call_helper(ir, rc, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel,
		       ir_arg_stack(tmp), ir_arg_imm(sz->u.num), ir_arg_reg(addr));
	ir_label good = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, rc, 0, good);
	lower_raise(L, call->tok, "read fault [man error::fault] at {addr}", ES_ADDR, addr, IR_NOREG,
		    NULL);
	ir_bind_label(ir, good);
	ir_emit_load(ir, 8, v, IR_FP, tmp);
	*out = reg_val(v);
	return true;
}

static bool k_kernel_read(ARGS) { return mem_read(L, call, out, false); }
static bool k_user_read(ARGS) { return mem_read(L, call, out, true); }

static bool k_substr(ARGS)
{
	struct smem s;
	bool ok;
	if (!lower_str(L, arg(call, 0), &s))
		return false;
	ir_reg start = lower_long_tmp(L, arg(call, 1), &ok);
	if (!ok)
		return false;
	ir_reg len = lower_long_tmp(L, arg(call, 2), &ok);
	if (!ok)
		return false;
	struct ir *ir = L->ir;
	struct smem m = lower_mem(L, s.width, false);
	m.width = s.width;
	lower_zero(L, m, s.width);
	ir_reg n = lower_str_len(L, s);
	ir_label done = ir_new_label(ir), fits = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSLT, start, 0, done);
	ir_emit_jcc(ir, IR_JSGE, start, n, done);
	ir_emit_jcc_imm(ir, IR_JSLE, len, 0, done);
	/* len = min(len, n - start); copy len bytes then the NUL stays */
	ir_reg rest = ir_new_vreg(ir);
	ir_emit_mov(ir, rest, n);
	ir_emit_alu(ir, IR_SUB, rest, start);
	ir_emit_jcc(ir, IR_JSLE, len, rest, fits);
	ir_emit_mov(ir, len, rest);
	ir_bind_label(ir, fits);
	/* bounds the verifier can see: start in [0, width), len in [1, width) */
	ir_emit_alu_imm(ir, IR_AND, start, lw_cover_mask(s.width));
	ir_label l1 = ir_new_label(ir), l2 = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLT, start, s.width, l1);
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, l1);
	ir_emit_jcc_imm(ir, IR_JLT, len, s.width, l2);
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, l2);
	ir_reg src = lower_addr(L, s);
	ir_emit_alu(ir, IR_ADD, src, start);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, lower_addr_arg(L, m), ir_arg_reg(len),
		       ir_arg_reg(src));
	ir_bind_label(ir, done);
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

static bool k_stringat(ARGS)
{
	struct smem s;
	bool ok;
	if (!lower_str(L, arg(call, 0), &s))
		return false;
	ir_reg pos = lower_long_tmp(L, arg(call, 1), &ok);
	if (!ok)
		return false;
	struct ir *ir = L->ir;
	ir_reg n = lower_str_len(L, s);
	ir_label bad = ir_new_label(ir), good = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSLT, pos, 0, bad);
	ir_emit_jcc(ir, IR_JSLT, pos, n, good);
	ir_bind_label(ir, bad);
	lower_raise(L, NULL, "stringat: position {err} is outside the string (length {len})",
		    ES_ERRNO_ADDR, pos, n, NULL);
	ir_bind_label(ir, good);
	ir_label in = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLT, pos, s.width, in);
	ir_emit_mov_imm(ir, pos, 0);
	ir_bind_label(ir, in);
	ir_reg p = lower_addr(L, s), v = ir_new_vreg(ir);
	ir_emit_alu(ir, IR_ADD, p, pos);
	ir_emit_load(ir, 1, v, p, 0);
	*out = reg_val(v);
	return true;
}

static bool k_text_strn(ARGS)
{
	struct smem s;
	if (!lower_str(L, arg(call, 0), &s))
		return false;
	bool ok;
	ir_reg len = lower_long_tmp(L, arg(call, 1), &ok);
	if (!ok)
		return false;
	struct expr *q = arg(call, 2);
	if (q->kind != EXPR_NUMBER)
		return lower_unsupported(L, call->tok, "text_strn with a quoting flag that is not a literal");
	uint32_t w = L->pl->lim.maxstringlen;
	struct smem m = lower_mem(L, w, false);
	m.width = w;
	if (!lower_escape(L, call->tok, s, len, q->u.num != 0, m))
		return false;
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

static bool k_buffer_quoted(ARGS)
{
	struct expr *u = arg(call, 3);
	if (u->kind != EXPR_NUMBER)
		return lower_unsupported(L, call->tok, "_buffer_quoted with a memory kind that is not a literal");
	bool ok;
	ir_reg addr = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	ir_reg inlen = lower_long_tmp(L, arg(call, 1), &ok);
	if (!ok)
		return false;
	ir_reg outlen = lower_long_tmp(L, arg(call, 2), &ok);
	if (!ok)
		return false;
	uint32_t w = L->pl->lim.maxstringlen;
	struct smem m = lower_mem(L, w, false);
	m.width = w;
	if (!lower_escape_buffer(L, call->tok, addr, inlen, outlen, u->u.num != 0, m))
		return false;
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

static bool k_matched(ARGS)
{
	bool ok;
	ir_reg n = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	struct smem m = lower_mem(L, L->pl->lim.maxstringlen, false);
	m.width = L->pl->lim.maxstringlen;
	if (!lower_matched(L, call->tok, n, m))
		return false;
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

static bool k_ngroups(ARGS)
{
	(void)call;
	*out = reg_val(lower_ngroups(L, call->tok));
	return true;
}

static bool k_argv_text(ARGS)
{
	bool ok;
	ir_reg argv = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	uint32_t w = L->pl->lim.maxstringlen;
	struct smem m = lower_mem(L, w, false);
	m.width = w;
	if (!lower_argv_text(L, call->tok, argv, m))
		return false;
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

static bool k_argv_count(ARGS)
{
	bool ok;
	ir_reg argv = lower_long_tmp(L, arg(call, 0), &ok);
	if (!ok)
		return false;
	ir_reg max = lower_long_tmp(L, arg(call, 1), &ok);
	if (!ok)
		return false;
	ir_reg n = lower_argv_count(L, call->tok, argv, max);
	if (n == IR_NOREG)
		return false;
	*out = reg_val(n);
	return true;
}

/* A builtin with no kernel-side lowering may say why (fn NULL, why set). */
static const struct {
	const char *name;
	builtin_kernel_fn fn;
	const char *why;
} table[] = {
	{ "matched", k_matched },
	{ "ngroups", k_ngroups },
	{ "buffer_quoted", k_buffer_quoted },
	{ "argv_text", k_argv_text },
	{ "argv_count", k_argv_count },
	{ "text_strn", k_text_strn },
	{ "maxstringlen", k_maxstringlen },
	{ "is_return", k_is_return },
	{ "registers_valid", k_registers_valid },
	{ "register", k_register },
	{ "random_u32", k_random_u32 },
	{ "abort", k_abort },
	{ "cpu_clock_ns", k_cpu_clock },
	{ "kernel_read", k_kernel_read },
	{ "user_read", k_user_read },
	{ "substr", k_substr },
	{ "stringat", k_stringat },
	{ "pid", k_pid },
	{ "tid", k_tid },
	{ "uid", k_uid },
	{ "gid", k_gid },
	{ "euid", k_euid },
	{ "egid", k_egid },
	{ "cpu", k_cpu },
	{ "execname", k_execname },
	{ "target", k_target },
	{ "current_task", k_task_current },
	{ "task_pt_regs", k_task_pt_regs },
	{ "gettimeofday_ns", k_time_ns },
	{ "gettimeofday_us", k_time_us },
	{ "gettimeofday_ms", k_time_ms },
	{ "gettimeofday_s", k_time_s },
	{ "local_clock_ns", k_mono_ns },
	{ "cpu_clock_ns", k_mono_ns },
	{ "ktime_get_ns", k_mono_ns },
	{ "jiffies", k_jiffies },
	{ "hz", k_hz },
	{ "page_size", k_page_size },
	{ "tz_gmtoff", k_tz_gmtoff },
	{ "tz_name", k_tz_name },
	{ "remote_id", k_remote_id },
	{ "stp_pid", k_stp_pid },
	{ "session_uid", k_session_uid },
	{ "remote_uri", k_remote_uri },
	{ "pp", k_pp },
	{ "pn", k_pn },
	{ "exit", k_exit },
	{ "error", k_error },
	{ "warn", k_warn },
	{ "system", k_system },
	{ "ustack_print", k_ustack_print },
	{ "strlen", k_strlen },
	{ "value", k_value },
	{ "randint", k_randint },
	{ "kernel_string", k_kernel_string },
	{ "kernel_string_n", k_kernel_string_n },
	{ "user_string", k_user_string },
	{ "user_string_n", k_user_string_n },
	{ "int_arg", k_int_arg },
	{ "s32_arg", k_int_arg },
	{ "uint_arg", k_uint_arg },
	{ "u32_arg", k_uint_arg },
	{ "long_arg", k_long_arg },
	{ "s64_arg", k_long_arg },
	{ "longlong_arg", k_long_arg },
	{ "ulong_arg", k_ulong_arg },
	{ "u64_arg", k_ulong_arg },
	{ "ulonglong_arg", k_ulong_arg },
	{ "pointer_arg", k_ulong_arg },
	{ "returnval", k_returnval },
};

/* The lowering of builtin name, or NULL (with the reason in *why, if the
 * table gives one). */
static builtin_kernel_fn kernel_impl(const char *name, const char **why)
{
	*why = NULL;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name)) {
			*why = table[i].why;
			return table[i].fn;
		}
	return NULL;
}

bool lower_builtin(struct lower *L, struct expr *call, struct lval *out)
{
	struct functiondecl *fn = call->u.call.decl;
	const char *why;
	builtin_kernel_fn impl = kernel_impl(fn->bpf_builtin, &why);
	if (!impl && why) {
		diag_error(L->diag, D_TRANS_BUILTIN, call->tok,
			   "function '%s' is not available in kernel-side handlers of the BPF "
			   "runtime (probe %s): %s", fn->name, L->bp->dp->pp, why);
		L->failed = true;
		return false;
	}
	if (!impl) {
		diag_error(L->diag, D_TRANS_BUILTIN, call->tok,
			   "function '%s' (BPF builtin '%s') is not available in kernel-side "
			   "handlers of the BPF runtime (probe %s)", fn->name, fn->bpf_builtin,
			   L->bp->dp->pp);
		L->failed = true;
		return false;
	}
	return impl(L, call, out);
}
