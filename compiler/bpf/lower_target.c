/*
 * lower_target: target variables ($var, $p->f[i], @cast, $$name) and the
 * registers behind int_arg() & co. in kernel-side handlers.
 *
 * A `struct target_access` (elab/program.h) says where the base value
 * comes from - tracepoint argument N (ctx = u64 args[] for tp_btf and raw
 * tracepoints), function argument N or the return value (pt_regs: the
 * uprobe context itself, or the pt_regs pointer raw_syscalls passes),
 * an expression (@cast) - and which offsets and loads follow.  Loads go
 * through bpf_probe_read_kernel/_user so that a bad pointer is
 * SystemTap's catchable "read fault [man error::fault] at 0x...".
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "diag/diag.h"
#include "elab/family.h"
#include "session.h"
#include "util/arena.h"

/* x86_64 struct pt_regs */
#define PT_R9 64
#define PT_R8 72
#define PT_AX 80
#define PT_CX 88
#define PT_DX 96
#define PT_SI 104
#define PT_DI 112
#define PT_R10 56
#define PT_SP 152

static bool ctx_is_regs(const struct kprog *kp)
{
	return kp->attach == KA_UPROBE || kp->attach == KA_UPROBE_MULTI;
}

/* Offset in pt_regs of function argument n (0-based) under the C ABI;
 * system calls pass the fourth in r10. */
static int arg_reg_off(uint32_t n, bool syscall)
{
	static const int abi[] = { PT_DI, PT_SI, PT_DX, PT_CX, PT_R8, PT_R9 };
	if (n >= 6)
		return -1;
	if (syscall && n == 3)
		return PT_R10;
	return abi[n];
}

ir_reg lower_regs_field(struct lower *L, ir_reg regs, int off)
{
	struct ir *ir = L->ir;
	int16_t tmp = lower_stack(L, 8);
	ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
	ir_reg a = ir_new_vreg(ir), v = ir_new_vreg(ir);
	ir_emit_mov(ir, a, regs);
	ir_emit_alu_imm(ir, IR_ADD, a, off);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_stack(tmp), ir_arg_imm(8),
		       ir_arg_reg(a));
	ir_emit_load(ir, 8, v, IR_FP, tmp);
	return v;
}

static bool arg_imm(struct lower *L, const struct token *tok, uint32_t n, ir_reg *out)
{
	struct ir *ir = L->ir;
	struct kprog *kp = L->kp;
	if (ctx_is_regs(kp)) {
		int off = arg_reg_off(n, false);
		ir_reg v = ir_new_vreg(ir);
		if (off >= 0) {
			ir_emit_load(ir, 8, v, ir_ctx(ir), (int16_t)off);
			*out = v;
			return true;
		}
		/* on the user stack, above the return address */
		ir_reg sp = ir_new_vreg(ir);
		ir_emit_load(ir, 8, sp, ir_ctx(ir), PT_SP);
		ir_emit_alu_imm(ir, IR_ADD, sp, 8 * (int64_t)(n - 5));
		int16_t tmp = lower_stack(L, 8);
		ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
		ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_user, ir_arg_stack(tmp),
			       ir_arg_imm(8), ir_arg_reg(sp));
		ir_emit_load(ir, 8, v, IR_FP, tmp);
		*out = v;
		return true;
	}
	if (kp->syscall_group && !kp->syscall_exit) {
		int off = arg_reg_off(n, true);
		if (off < 0)
			return lower_unsupported(L, tok, "a system call argument beyond the sixth");
		ir_reg regs = ir_new_vreg(ir);
		ir_emit_load(ir, 8, regs, ir_ctx(ir), 0);
		*out = lower_regs_field(L, regs, off);
		return true;
	}
	return lower_unsupported(L, tok, "function arguments in a probe without registers");
}

bool lower_func_arg(struct lower *L, const struct token *tok, ir_reg n_reg, int64_t n_imm,
		    ir_reg *out)
{
	struct ir *ir = L->ir;
	if (n_reg == IR_NOREG)
		return arg_imm(L, tok, (uint32_t)n_imm, out);
	/* a run-time argument number: try each register argument */
	ir_reg r = ir_new_vreg(ir);
	ir_label done = ir_new_label(ir);
	ir_emit_mov_imm(ir, r, 0);
	for (uint32_t i = 0; i < 6; i++) {
		ir_label next = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JNE, n_reg, i, next);
		ir_reg v;
		if (!arg_imm(L, tok, i, &v))
			return false;
		ir_emit_mov(ir, r, v);
		ir_emit_jmp(ir, done);
		ir_bind_label(ir, next);
	}
	ir_bind_label(ir, done);
	*out = r;
	return true;
}

ir_reg lower_ctx_word(struct lower *L, uint32_t n)
{
	ir_reg v = ir_new_vreg(L->ir);
	ir_emit_load(L->ir, 8, v, ir_ctx(L->ir), (int16_t)(8 * n));
	return v;
}

bool lower_at_syscall(const struct lower *L, bool *exit)
{
	*exit = L->kp->syscall_exit;
	return L->kp->syscall_group;
}

const struct derived_probe *lower_probe(const struct lower *L)
{
	return L->bp->dp;
}

bool lower_return_value(struct lower *L, const struct token *tok, ir_reg *out)
{
	struct ir *ir = L->ir;
	struct kprog *kp = L->kp;
	ir_reg v = ir_new_vreg(ir);
	if (ctx_is_regs(kp) && kp->retprobe) {
		ir_emit_load(ir, 8, v, ir_ctx(ir), PT_AX);
	} else if (kp->syscall_group && kp->syscall_exit) {
		ir_emit_load(ir, 8, v, ir_ctx(ir), 8);
	} else {
		return lower_unsupported(L, tok, "a return value in a probe that has none");
	}
	*out = v;
	return true;
}

static void extend(struct ir *ir, ir_reg v, uint32_t size, bool is_signed)
{
	if (size >= 8 || size == 0)
		return;
	int sh = 64 - 8 * (int)size;
	ir_emit_alu_imm(ir, IR_LSH, v, sh);
	ir_emit_alu_imm(ir, is_signed ? IR_ARSH : IR_RSH, v, sh);
}

static bool base_value(struct lower *L, struct expr *e, const struct target_access *acc,
		       ir_reg *out)
{
	struct ir *ir = L->ir;
	const struct bpf_family *fam = L->bp->dp->family->bpf;
	if (fam && fam->target_base) {
		switch (fam->target_base(L, e, acc, out)) {
		case BPF_BASE_READ: return true;
		case BPF_BASE_FAILED: return false;
		case BPF_BASE_GENERIC: break;
		}
	}
	ir_reg v = ir_new_vreg(ir);
	switch (acc->base) {
	case ACCESS_TP_ARG:
		if (L->kp->attach != KA_TP_BTF && L->kp->attach != KA_RAW_TP)
			return lower_unsupported(L, e->tok, "this tracepoint argument");
		ir_emit_load(ir, 8, v, ir_ctx(ir), (int16_t)(8 * acc->index));
		break;
	case ACCESS_FUNC_ARG:
		if (!arg_imm(L, e->tok, (uint32_t)acc->index, &v))
			return false;
		break;
	case ACCESS_RETURN:
		if (!lower_return_value(L, e->tok, &v))
			return false;
		break;
	case ACCESS_EXPR: {
		ir_reg b;
		if (!lower_long(L, acc->base_expr, &b))
			return false;
		ir_emit_mov(ir, v, b);
		break;
	}
	case ACCESS_SYMBOL:
		ir_emit_mov_imm(ir, v, (int64_t)acc->symbol_addr);
		break;
	case ACCESS_REGISTER: {
		/* DWARF register numbers (x86_64) -> struct pt_regs offsets */
		static const int16_t dwarf_regs[] = {
			PT_AX, PT_DX, PT_CX, 40 /* bx */, PT_SI, PT_DI, 32 /* bp */, PT_SP,
			PT_R8, PT_R9, PT_R10, 48, 24, 16, 8, 0 /* r11..r15 */, 128 /* ip */,
		};
		if (!ctx_is_regs(L->kp) || acc->index < 0 ||
		    acc->index >= (int)(sizeof(dwarf_regs) / sizeof(dwarf_regs[0])))
			return lower_unsupported(L, e->tok, "this register in this probe");
		ir_emit_load(ir, 8, v, ir_ctx(ir), dwarf_regs[acc->index]);
		break;
	}
	case ACCESS_FAMILY:
		return lower_unsupported(L, e->tok, "this context value");
	case ACCESS_ENTRY:
		return lower_unsupported(L, e->tok, "entry values (@entry, parameters) in .return probes");
	default:
		return lower_unsupported(L, e->tok, "this target variable");
	}
	extend(ir, v, acc->base_size, acc->base_signed);
	*out = v;
	return true;
}

bool lower_target(struct lower *L, struct expr *e, struct lval *out)
{
	struct ir *ir = L->ir;
	const struct target_access *acc = e->u.target.resolved;
	if (!acc)
		return lower_unsupported(L, e->tok, "an unresolved target variable");
	if (acc->base == ACCESS_CONST_STRING) {
		uint32_t len = (uint32_t)strlen(acc->const_string);
		struct smem m = lower_mem(L, len + 1, true);
		m.width = len + 1 < L->pl->lim.maxstringlen ? len + 1 : L->pl->lim.maxstringlen;
		lower_str_literal(L, m, acc->const_string, len);
		*out = (struct lval){ .kind = LV_STR, .str = m };
		return true;
	}
	if (acc->base == ACCESS_VARS)
		return lower_unsupported(L, e->tok, "$$vars/$$parms/$$locals");
	if (acc->pretty || acc->is_string)
		return lower_unsupported(L, e->tok, "pretty-printing target variables ($ and $$)");
	ir_reg v;
	if (!base_value(L, e, acc, &v))
		return false;
	for (uint32_t i = 0; i < acc->nsteps; i++) {
		const struct access_step *st = &acc->steps[i];
		if (st->offset)
			ir_emit_alu_imm(ir, IR_ADD, v, st->offset);
		if (st->index) {
			ir_reg ix;
			if (!lower_long(L, st->index, &ix))
				return false;
			ir_reg t = ir_new_vreg(ir);
			ir_emit_mov(ir, t, ix);
			if (st->elem_size != 1)
				ir_emit_alu_imm(ir, IR_MUL, t, st->elem_size);
			ir_emit_alu(ir, IR_ADD, v, t);
		}
		if (!st->load_size)
			continue;
		int16_t tmp = lower_stack(L, 8);
		ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
		ir_reg rc = ir_new_vreg(ir);
		ir_call_helper(ir, rc, acc->user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel,
			       ir_arg_stack(tmp), ir_arg_imm(st->load_size), ir_arg_reg(v));
		ir_label ok = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JEQ, rc, 0, ok);
		lower_raise(L, e->tok, "read fault [man error::fault] at {addr}", ES_ADDR, v, IR_NOREG,
			    NULL);
		ir_bind_label(ir, ok);
		ir_reg nv = ir_new_vreg(ir);
		ir_emit_load(ir, 8, nv, IR_FP, tmp);
		extend(ir, nv, st->load_size, st->load_signed);
		if (st->bit_size) {
			ir_emit_alu_imm(ir, IR_RSH, nv, st->bit_offset);
			extend(ir, nv, 0, false);
			int sh = 64 - st->bit_size;
			ir_emit_alu_imm(ir, IR_LSH, nv, sh);
			ir_emit_alu_imm(ir, st->load_signed ? IR_ARSH : IR_RSH, nv, sh);
		}
		v = nv;
	}
	*out = (struct lval){ .kind = LV_REG, .reg = v };
	return true;
}
