/*
 * lower_ctx: what a kernel-side handler reads from its probe's context -
 * function and system-call arguments, return values, saved registers,
 * the raw context words - for $vars (lower_target.c), int_arg() & co.
 * (lower_builtin.c) and the families' own context values (bpf/family.h).
 *
 * The context is struct pt_regs for uprobes and kprobes (the program's own context)
 * and for raw_syscalls (a pointer in args[0], read with
 * bpf_probe_read_kernel), u64 args[] for raw and BTF tracepoints.
 */
#include "bpf/lower_int.h"

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
	return kp->attach == KA_UPROBE || kp->attach == KA_UPROBE_MULTI || kp->attach == KA_KPROBE;
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
		/* on the (user or kernel) stack, above the return address */
		ir_reg sp = ir_new_vreg(ir);
		ir_emit_load(ir, 8, sp, ir_ctx(ir), PT_SP);
		ir_emit_alu_imm(ir, IR_ADD, sp, 8 * (int64_t)(n - 5));
		int16_t tmp = lower_stack(L, 8);
		ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
		ir_call_helper(ir, IR_NOREG,
			       kp->attach == KA_KPROBE ? BPF_FUNC_probe_read_kernel
						       : BPF_FUNC_probe_read_user, ir_arg_stack(tmp),
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

/* DWARF register numbers (x86_64) -> struct pt_regs offsets */
static const int16_t dwarf_regs[] = {
	PT_AX, PT_DX, PT_CX, 40 /* bx */, PT_SI, PT_DI, 32 /* bp */, PT_SP,
	PT_R8, PT_R9, PT_R10, 48, 24, 16, 8, 0 /* r11..r15 */, 128 /* ip */,
};

bool lower_dwarf_register(struct lower *L, const struct token *tok, int regno, ir_reg v)
{
	if (!ctx_is_regs(L->kp) || regno < 0 || regno >= (int)(sizeof(dwarf_regs) / sizeof(dwarf_regs[0])))
		return lower_unsupported(L, tok, "this register in this probe");
	ir_emit_load(L->ir, 8, v, ir_ctx(L->ir), dwarf_regs[regno]);
	return true;
}
