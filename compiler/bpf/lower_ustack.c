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
 * environment) the full slice may cross it: the copy is retried with half
 * the size, down to a sixteenth, and the size copied rides in the record
 * (0 if nothing could be read).
 *
 * The record is bigger than half the output queue, so it is built in
 * per-CPU scratch and goes out on its own (lower_rec_open); records of the
 * same hit queued before it are flushed first, so output stays in order.
 */
#include "bpf/lower_int.h"

#include "util/arena.h"

#define USTACK_TRIES 5 /* N, N/2, N/4, N/8, N/16 */

/* The stack slice at rec's payload + RT_USTACK_HEAD from sp: `size` at
 * rec+8+8 gets the bytes copied. */
static void copy_stack(struct lower *L, struct smem rec, ir_reg sp)
{
	struct ir *ir = L->ir;
	uint32_t n = L->pl->lim.ustack_size;
	int32_t head = rec.off + RT_REC_HDR;
	ir_label done = ir_new_label(ir);
	for (int i = 0; i < USTACK_TRIES && n >= 8; i++, n = (n / 2) & ~7u) {
		ir_reg dst = lower_addr(L, (struct smem){ rec.base, head + RT_USTACK_HEAD, n });
		ir_reg rc = ir_new_vreg(ir);
		ir_call_helper(ir, rc, BPF_FUNC_probe_read_user, ir_arg_reg(dst), ir_arg_imm(n),
			       ir_arg_reg(sp));
		ir_label next = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JNE, rc, 0, next);
		ir_emit_store_imm(ir, 8, rec.base, (int16_t)(head + 8), (int32_t)n);
		ir_emit_jmp(ir, done);
		ir_bind_label(ir, next);
	}
	ir_emit_store_imm(ir, 8, rec.base, (int16_t)(head + 8), 0);
	ir_bind_label(ir, done);
}

bool lower_ustack_record(struct lower *L, uint32_t op)
{
	struct ir *ir = L->ir;
	uint32_t payload = RT_USTACK_HEAD + L->pl->lim.ustack_size;
	uint32_t site = op | L->bp->index << 8;
	if (RT_REC_HDR + payload > OUTQ_SIZE / 2 && !L->in_guard) {
		/* it goes out on its own: what the hit queued before goes first */
		L->need_outq = true;
		lower_outq_flush(L);
	}
	struct smem rec = lower_rec_open(L, RTR_USTACK, site, payload);
	int32_t head = rec.off + RT_REC_HDR;

	ir_reg id = ir_new_vreg(ir);
	ir_call_helper_n(ir, id, BPF_FUNC_get_current_pid_tgid, NULL, 0);
	ir_emit_store(ir, 8, rec.base, (int16_t)head, id);

	/* the registers; a failed read leaves zeros, which user space takes
	 * as "no user context" (cs is not a user segment) */
	int32_t regs = head + 16;
	ir_reg cur = ir_new_vreg(ir), pt = ir_new_vreg(ir), rc = ir_new_vreg(ir);
	ir_call_helper_n(ir, cur, BPF_FUNC_get_current_task_btf, NULL, 0);
	ir_call_helper(ir, pt, BPF_FUNC_task_pt_regs, ir_arg_reg(cur));
	ir_reg dst = lower_addr(L, (struct smem){ rec.base, regs, 8 * RT_PTREGS_WORDS });
	ir_call_helper(ir, rc, BPF_FUNC_probe_read_kernel, ir_arg_reg(dst),
		       ir_arg_imm(8 * RT_PTREGS_WORDS), ir_arg_reg(pt));

	ir_reg sp = ir_new_vreg(ir);
	ir_emit_load(ir, 8, sp, rec.base, (int16_t)(regs + 8 * RT_PTREGS_SP));
	copy_stack(L, rec, sp);
	lower_rec_close(L, rec);
	return true;
}
