/*
 * process_bpf: the process family's hooks for the BPF back end
 * (bpf/family.h).  Uprobes of one file share a uprobe_multi link (the
 * attach cookie picks the handler) or get one uprobe each where the kernel
 * has no uprobe_multi; lifecycle and syscall probes sit on the sched and
 * raw_syscalls tracepoints, filtered on the process id or by the guard
 * pass 2 put in front of their bodies (process_lifecycle.c).
 */
#include "probes/process.h"

#include "bpf/family.h"
#include "bpf/feature.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

/* process(...) probes: uprobes batched per file into uprobe_multi links
 * (dispatch on the attach cookie), lifecycle probes on the sched
 * tracepoints, syscall probes on raw_syscalls. */
static bool bpf_group(struct bpf_translation *t, struct bprobe *bp)
{
	struct bpf_plan *pl = t->pl;
	struct derived_probe *dp = bp->dp;
	const struct process_data *d = dp->family_data;
	switch (d->kind) {
	case PROCESS_UPROBE: {
		if (d->absolute) {
			diag_error(&pl->s->diag, D_TRANS_PROBE, dp->tok,
				   "probe %s: .absolute statement probes are not supported by the BPF runtime",
				   dp->pp);
			return false;
		}
		bool multi = feature_available(FEATURE_UPROBE_MULTI);
		if (!multi && !feature_available(FEATURE_UPROBE)) {
			if (pl->refused_point == dp->tok)
				return false;
			pl->refused_point = dp->tok;
			static const enum feature alts[] = { FEATURE_UPROBE_MULTI, FEATURE_UPROBE };
			feature_require(&pl->s->diag, dp->tok, "process probes", "uprobes", alts, 2);
			return false;
		}
		/* one program per file, return flag and attach filter: one
		 * uprobe_multi link, or (before 6.6) one perf-event uprobe per
		 * point, each with its cookie */
		enum kattach how = multi ? KA_UPROBE_MULTI : KA_UPROBE;
		const char *key = arena_printf(pl->arena, "%s%s pid %lld%s", d->path,
					       d->is_return ? " return" : "", (long long)d->pid,
					       d->target ? " target" : "");
		struct kprog *kp = bpf_group_find(t, how, key);
		if (!kp) {
			kp = bpf_group_new(t, how, key, dp->tok);
			kp->path = d->path;
			kp->retprobe = d->is_return;
			kp->pid = (int)d->pid;
			kp->attach_target = d->target;
			kp->cookie_dispatch = true;
		}
		uint32_t i = bpf_group_add_site(t, kp, d->offset, NULL, d->semaphore_offset);
		/* the attach filter does the pid/target test */
		bpf_group_add(t, kp, bp, (int32_t)i, 0, false);
		return true;
	}
	default: {
		const char *ev = process_event_tracepoint(d->event);
		struct kprog *kp = bpf_group_find(t, KA_RAW_TP, ev);
		if (!kp) {
			kp = bpf_group_new(t, KA_RAW_TP, ev, dp->tok);
			if (d->event == PROCESS_AT_SYS_ENTER || d->event == PROCESS_AT_SYS_EXIT) {
				kp->syscall_group = true;
				kp->syscall_exit = d->event == PROCESS_AT_SYS_EXIT;
			}
		}
		/* a guarded probe's guard does the filtering
		 * (tapset/linux/process_lifecycle.stp) */
		bp->process_end = d->kind == PROCESS_END && !d->guarded;
		bpf_group_add(t, kp, bp, -1, d->guarded ? 0 : d->pid, d->target && !d->guarded);
		return true;
	}
	}
}

/* syscall probes' $syscall, $return, $arg1..$arg6, from raw_syscalls */
static enum bpf_base bpf_target_base(struct lower *L, struct expr *e,
				     const struct target_access *acc, ir_reg *out)
{
	if (acc->base != ACCESS_FAMILY)
		return BPF_BASE_GENERIC;
	bool exit = false;
	if (lower_at_syscall(L, &exit)) {
		bool ok;
		if (acc->index == PROCESS_VAR_SYSCALL) {
			/* sys_enter passes the number; at sys_exit it is orig_ax */
			*out = exit ? lower_regs_field(L, lower_ctx_word(L, 0), 120)
				    : lower_ctx_word(L, 1);
			return BPF_BASE_READ;
		}
		if (acc->index == PROCESS_VAR_RETURN) {
			ok = lower_return_value(L, e->tok, out);
			return ok ? BPF_BASE_READ : BPF_BASE_FAILED;
		}
		if (acc->index >= PROCESS_VAR_ARG1 && acc->index < PROCESS_VAR_ARG1 + 6 && !exit) {
			ok = lower_func_arg(L, e->tok, IR_NOREG, acc->index - PROCESS_VAR_ARG1, out);
			return ok ? BPF_BASE_READ : BPF_BASE_FAILED;
		}
	}
	lower_unsupported(L, e->tok, "this context value");
	return BPF_BASE_FAILED;
}

const struct bpf_family process_bpf_hooks = {
	.group = bpf_group,
	.target_base = bpf_target_base,
};
