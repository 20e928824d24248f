/*
 * lower_ustack: kernel-side capture of a user stack, unwound in user space
 * (runtime/bpf/ustack.c), as perf --call-graph=dwarf does.
 *
 * BPF cannot unwind code built without frame pointers: that takes the
 * objects' CFI (.eh_frame/.debug_frame), which lives in user space.  So a
 * handler copies what an unwinder needs and sends it as one RTR_USTACK
 * record (rtdata.h): the task (pid_tgid), its user registers - the whole
 * x86_64 struct pt_regs of the current task (bpf_task_pt_regs), whatever
 * the probe's own context is (uprobe, tracepoint, perf sample) - and up to
 * BPF_USTACK_SIZE bytes of its user stack from regs->sp
 * (bpf_probe_read_user).
 *
 * A read that crosses the end of the stack's mapping fails as a whole, and
 * near the top of a stack (main's frame lies a few KiB below the
 * environment) the full slice may cross it: the copy is retried up to each
 * page boundary below, and the size copied rides in the record (0 if
 * nothing could be read).
 *
 * The record is bigger than half the output queue, so it is built in
 * per-CPU scratch and goes out on its own (lower_rec_open flushes what the
 * hit queued before it, so output stays in order).
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "bpf/symdefer.h"
#include "diag/diag.h"
#include "util/arena.h"

#define USTACK_PAGE 4096

/*
 * The stack slice at head + RT_USTACK_HEAD from sp; its size at head+8.
 * The whole slice first (a deep stack); when that read fails it crossed
 * the end of the stack's mapping, which is page aligned: then the slices
 * that end at the page boundaries below sp + N, from the highest down.
 */
static void copy_stack(struct lower *L, ir_reg base, int32_t head, ir_reg sp)
{
	struct ir *ir = L->ir;
	uint32_t n = L->pl->lim.ustack_size;
	ir_label done = ir_new_label(ir), none = ir_new_label(ir);
	ir_reg dst = lower_addr(L, (struct smem){ base, head + RT_USTACK_HEAD, n });
	ir_reg rc = ir_new_vreg(ir);
	ir_call_helper(ir, rc, BPF_FUNC_probe_read_user, ir_arg_reg(dst), ir_arg_imm(n),
		       ir_arg_reg(sp));
	ir_label partial = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JNE, rc, 0, partial);
	ir_emit_store_imm(ir, 8, base, (int16_t)(head + 8), (int32_t)n);
	ir_emit_jmp(ir, done);

	ir_bind_label(ir, partial);
	/* size = page_floor(sp + n) - sp, less a page a try */
	ir_reg end = ir_new_vreg(ir);
	ir_emit_mov(ir, end, sp);
	ir_emit_alu_imm(ir, IR_ADD, end, n);
	ir_emit_alu_imm(ir, IR_AND, end, -(int64_t)USTACK_PAGE);
	ir_emit_alu(ir, IR_SUB, end, sp);
	for (uint32_t k = 0; k <= n / USTACK_PAGE; k++) {
		ir_reg size = ir_new_vreg(ir), rc2 = ir_new_vreg(ir);
		ir_emit_mov(ir, size, end);
		if (k)
			ir_emit_alu_imm(ir, IR_SUB, size, (int64_t)k * USTACK_PAGE);
		/* 1 .. n - 1, unsigned: also what the verifier checks the
		 * destination against */
		ir_emit_jcc_imm(ir, IR_JEQ, size, 0, none);
		ir_emit_jcc_imm(ir, IR_JGE, size, n, none);
		ir_reg d = lower_addr(L, (struct smem){ base, head + RT_USTACK_HEAD, n });
		ir_call_helper(ir, rc2, BPF_FUNC_probe_read_user, ir_arg_reg(d), ir_arg_reg(size),
			       ir_arg_reg(sp));
		ir_label next = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JNE, rc2, 0, next);
		ir_emit_store(ir, 8, base, (int16_t)(head + 8), size);
		ir_emit_jmp(ir, done);
		ir_bind_label(ir, next);
	}
	ir_bind_label(ir, none);
	ir_emit_store_imm(ir, 8, base, (int16_t)(head + 8), 0);
	ir_bind_label(ir, done);
}

static void store_pid_tgid(struct lower *L, ir_reg base, int32_t at)
{
	L->pl->user_stacks = true;
	ir_reg id = ir_new_vreg(L->ir);
	ir_call_helper_n(L->ir, id, BPF_FUNC_get_current_pid_tgid, NULL, 0);
	ir_emit_store(L->ir, 8, base, (int16_t)at, id);
}

/* struct rt_ustack and its stack slice at base+head; arg: RTU_CALLERS' n */
static void capture(struct lower *L, ir_reg base, int32_t head, ir_reg arg)
{
	struct ir *ir = L->ir;
	store_pid_tgid(L, base, head);
	if (arg != IR_NOREG)
		ir_emit_store(ir, 8, base, (int16_t)(head + 16), arg);
	else
		ir_emit_store_imm(ir, 8, base, (int16_t)(head + 16), -1);

	/* the registers; a failed read leaves zeros, which user space takes
	 * as "no user context" (cs is not a user segment) */
	int32_t regs = head + 24;
	ir_reg cur = ir_new_vreg(ir), pt = ir_new_vreg(ir), rc = ir_new_vreg(ir);
	ir_call_helper_n(ir, cur, BPF_FUNC_get_current_task_btf, NULL, 0);
	ir_call_helper(ir, pt, BPF_FUNC_task_pt_regs, ir_arg_reg(cur));
	ir_reg dst = lower_addr(L, (struct smem){ base, regs, 8 * RT_PTREGS_WORDS });
	ir_call_helper(ir, rc, BPF_FUNC_probe_read_kernel, ir_arg_reg(dst),
		       ir_arg_imm(8 * RT_PTREGS_WORDS), ir_arg_reg(pt));

	ir_reg sp = ir_new_vreg(ir);
	ir_emit_load(ir, 8, sp, base, (int16_t)(regs + 8 * RT_PTREGS_SP));
	copy_stack(L, base, head, sp);
}

bool lower_ustack_record(struct lower *L, uint32_t op, ir_reg operand)
{
	uint32_t payload = RT_USTACK_HEAD + L->pl->lim.ustack_size;
	uint32_t site = op | L->bp->index << 8;
	lower_point_bound(L);
	struct smem rec = lower_rec_open(L, RTR_USTACK, site, payload);
	capture(L, rec.base, rec.off + RT_REC_HDR, operand);
	lower_rec_close(L, rec);
	return true;
}

/* ------------------------------------------------------------ print arguments */

/*
 * The tapset functions whose string is a user stack or a user symbol can
 * only be computed in user space.  As a print's argument (print, printf,
 * println... of the call itself) the record carries what user space needs
 * - the stack as above, or the pid and the address - and record.c makes
 * the string there (psite_arg.ustack).  Anywhere else (a variable, an
 * array element, an operand) it is a value user space makes and keeps
 * (lower_ustack_value, below); as an array key directly, a pass-3 error
 * (lower_ustack_unkeyable).  Like the capture above, this file only emits
 * primitives: the caller evaluates the call's operand (n, addr).
 */
static const struct {
	const char *name;
	uint32_t op;
	uint32_t nargs;
} deferred[] = {
	{ "ubacktrace", RTU_ADDRS, 0 },
	{ "ucallers", RTU_CALLERS, 1 },
	{ "sprint_ubacktrace", RTU_SPRINT, 0 },
	{ "usymname", RTU_USYMNAME, 1 },
	{ "usymdata", RTU_USYMDATA, 1 },
	{ "umodname", RTU_UMODNAME, 1 },
	{ "usymfileline", RTU_USYMFILELINE, 1 },
	/* and sprint_usyms(ubacktrace() or ucallers(n)): syms_of_stack */
};

/* a call of the tapset's function (a script may define its own of the
 * same name, which is then the one called) */
static bool tapset_call(const struct expr *a)
{
	return a->kind == EXPR_CALL && a->u.call.decl && !a->u.call.decl->bpf_builtin &&
	       a->u.call.decl->file && a->u.call.decl->file->is_tapset;
}

static uint32_t table_op(const struct expr *a)
{
	if (!tapset_call(a))
		return 0;
	const struct functiondecl *fn = a->u.call.decl;
	for (size_t i = 0; i < sizeof(deferred) / sizeof(deferred[0]); i++)
		if (!strcmp(fn->name, deferred[i].name) && a->u.call.args.len == deferred[i].nargs)
			return deferred[i].op;
	return 0;
}

/* [s]print_usyms / [s]print_ustack of ubacktrace() or ucallers(n) */
static bool syms_of_stack(const struct expr *a)
{
	if (!tapset_call(a) || a->u.call.args.len != 1)
		return false;
	const char *n = a->u.call.decl->name;
	if (strcmp(n, "print_usyms") && strcmp(n, "sprint_usyms") && strcmp(n, "print_ustack") &&
	    strcmp(n, "sprint_ustack"))
		return false;
	uint32_t inner = table_op(a->u.call.args.items[0]);
	return inner == RTU_ADDRS || inner == RTU_CALLERS;
}

uint32_t lower_ustack_arg_op(const struct expr *a)
{
	return syms_of_stack(a) ? RTU_SYMS : table_op(a);
}

const struct expr *lower_ustack_operand(const struct expr *a)
{
	if (syms_of_stack(a))
		a = a->u.call.args.items[0];
	return a->u.call.args.len ? a->u.call.args.items[0] : NULL;
}

uint32_t lower_ustack_arg_size(struct lower *L, uint32_t op)
{
	return rt_ustack_payload(op, L->pl->lim.ustack_size);
}

void lower_ustack_arg_fill(struct lower *L, uint32_t op, ir_reg operand, ir_reg base, int32_t at)
{
	if (op >= RTU_USYMNAME) {
		store_pid_tgid(L, base, at);
		ir_emit_store(L->ir, 8, base, (int16_t)(at + 8), operand);
		return;
	}
	capture(L, base, at, operand);
}

/*
 * The same functions as a value (a variable, an array element, an
 * operand): the handler draws a handle from the session's sequence
 * (rt_head.seq, shared with array insertion: it only has to be unique),
 * sends what the text needs with the handle in an RTR_UKEEP record, and
 * its string is one SYMDEFER_KEPT item of the handle.  User space makes
 * the text when the record arrives and the item expands to it wherever
 * the string is output (runtime/bpf/keptstr.h).  The ring buffer keeps
 * records in the order they were reserved, so the text is there before
 * any print that could show it.
 */
void lower_ustack_value(struct lower *L, uint32_t op, ir_reg operand, struct lval *out)
{
	struct ir *ir = L->ir;
	ir_reg handle = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, handle, 1);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, lower_head(L), RT_OFF_SEQ, handle, true);
	ir_emit_alu_imm(ir, IR_ADD, handle, 1);

	uint32_t site = op | L->bp->index << 8;
	lower_point_bound(L);
	struct smem rec = lower_rec_open(L, RTR_UKEEP, site, 8 + lower_ustack_arg_size(L, op));
	ir_emit_store(ir, 8, rec.base, (int16_t)(rec.off + RT_REC_HDR), handle);
	lower_ustack_arg_fill(L, op, operand, rec.base, rec.off + RT_REC_HDR + 8);
	lower_rec_close(L, rec);

	struct smem dst = lower_mem(L, SYMDEFER_ITEM + 1, true);
	dst.width = SYMDEFER_ITEM + 1;
	lower_zero(L, dst, dst.width);
	lower_symdefer_item(L, lower_addr(L, dst), 0, handle, SYMDEFER_KEPT);
	*out = (struct lval){ .kind = LV_STR, .str = dst };
}

/* Each call's value is a handle of its own (lower_ustack_value): as a key,
 * equal stacks would each make an element, which is not what the script
 * asks for.  Through a variable it cannot be seen here; the documented
 * difference (compiler/bpf/README.md) covers that. */
bool lower_ustack_unkeyable(struct lower *L, const struct expr *call)
{
	diag_error(L->diag, D_TRANS_BUILTIN, call->tok,
		   "function '%s' cannot be an array key in kernel-side handlers of the BPF "
		   "runtime (probe %s): user stacks and symbols are made in user space, so "
		   "equal values would not share an element", call->u.call.decl->name,
		   L->bp->dp->pp);
	L->failed = true;
	return false;
}
