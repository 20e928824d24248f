/*
 * budget: what the kernel's verifier will count in an encoded program,
 * computed by the compiler itself so that a program is refused (or
 * re-lowered) at pass 3 rather than by one kernel and not another.
 *
 * Input: an encoded `struct asm_prog` (asm.h) and the limits its IR
 * carries (ir->stack_limit, ir->insn_limit).  Output: `struct asm_budget`
 * in the program, listed by -p3, and an error (D_TRANS_LIMIT, at the tag
 * of the call that starts the offending chain) when a limit is passed.
 *
 * Stack: the verifier (check_max_stack_depth) walks every call chain from
 * the main function, following bpf-to-bpf calls and the addresses of
 * callbacks (bpf_loop), and adds up each function's frame rounded up: to
 * 16 bytes when the program is JIT-compiled, to 32 bytes (at least 32)
 * for the interpreter.  Kernels since 6.13 may instead give a frame of 64
 * bytes or more a private stack, which it does not add to the chain; so
 * the same program loads on one kernel and not on another.  This file
 * counts the strictest way on every kernel: frames rounded to 32, at
 * least 32, all of them added, at most 8 frames (MAX_CALL_FRAMES).
 *
 * Instructions: the encoded length against the program-size limit
 * (1,000,000 for a privileged loader since Linux 5.2).
 *
 * Branches: the verifier walks one path at a time and pushes one pending
 * state per conditional jump whose outcome it cannot tell; more than 8192
 * pending (BPF_COMPLEXITY_LIMIT_JMP_SEQ) is "the sequence of N jumps is
 * too complex".  Without loops the pending states on one path are at most
 * the conditional jumps along it, so `branch_depth` (the most conditional
 * jumps on any path, through callees and callbacks) bounds them; loops
 * (backward jumps) are walked once per iteration and reported apart.
 */
#ifndef CTAP_BPF_BUDGET_H
#define CTAP_BPF_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct asm_prog;
struct strbuf;

/* The verifier's limits (include/linux/bpf.h, kernel/bpf/verifier.c). */
#define BUDGET_STACK_MAX 512         /* MAX_BPF_STACK */
#define BUDGET_INSNS_MAX 1000000     /* BPF_COMPLEXITY_LIMIT_INSNS */
#define BUDGET_JMP_SEQ_MAX 8192      /* BPF_COMPLEXITY_LIMIT_JMP_SEQ */
#define BUDGET_FRAMES_MAX 8          /* MAX_CALL_FRAMES */

struct asm_budget {
	uint32_t stack_limit, insn_limit;   /* what this program was checked against */
	uint32_t combined;                  /* deepest chain, frames rounded as counted */
	/* the deepest chain: function indexes, main first; via_callback[i]:
	 * chain[i] is entered as a callback (its address passed to a helper) */
	uint32_t chain[BUDGET_FRAMES_MAX + 1];
	bool via_callback[BUDGET_FRAMES_MAX + 1];
	uint32_t chain_call[BUDGET_FRAMES_MAX + 1]; /* instruction entering chain[i] (i >= 1) */
	uint32_t chain_len;
	uint32_t cond_jumps;                /* conditional jumps in the program */
	uint32_t branch_depth;              /* most conditional jumps on one path */
	uint32_t back_edges;                /* backward jumps (loops the verifier unrolls) */
};

/* A frame as the strictest kernel counts it: rounded up to 32, at least 32. */
uint32_t budget_frame(uint32_t stack);

/* Fills p->budget; false (reported at the tag of the chain's first call,
 * or of the program) when the program is over one of its limits. */
bool budget_check(struct asm_prog *p);

/* "; budget: stack 240 + chain 176 = 416 of 512 (p0 -> fmt_esc_unit [callback] ->
 * escape_letter); 5684 of 1000000 instructions; ..." lines for -p3. */
void budget_listing(const struct asm_prog *p, struct strbuf *out);

#endif
