/*
 * run_kernel: the kernel half of pass 5 - maps, program loads (the
 * verifier runs here; a rejection is reported with the script location of
 * the failing instruction, load.c) and attachment by family.
 */
#include "bpf/run.h"

#include "bpf/attach.h"
#include "bpf/load.h"
#include "diag/diag.h"
#include "session.h"

bool run_create_maps(struct bpf_translation *t, struct load_ctx *lc)
{
	struct bpf_plan *pl = t->pl;
	struct ir_map *maps[] = { pl->ring, pl->lost, pl->scratch, pl->rodata, pl->fmtbuf, pl->outq };
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i] && load_map(lc, maps[i]) < 0)
			return false;
	return true;
}

bool run_load_programs(struct bpf_translation *t, struct load_ctx *lc)
{
	vec_foreach(&t->progs, i) {
		struct kprog *kp = t->progs.items[i];
		kp->fd = load_prog(lc, kp->code);
		if (kp->fd < 0)
			return false;
	}
	return true;
}

/* Where a timer in the kernel fires: as a module's hrtimer stays on the
 * CPU that started it, one CPU, the first online (CPU 0 if unlisted). */
static int first_online_cpu(void)
{
	int cpus[1024];
	return attach_online_cpus(cpus, 1024) > 0 ? cpus[0] : 0;
}

bool run_attach_programs(struct bpf_translation *t, struct load_ctx *lc, int64_t target)
{
	vec_foreach(&t->progs, i) {
		struct kprog *kp = t->progs.items[i];
		int rc = -1;
		switch (kp->attach) {
		case KA_TP_BTF:
			rc = attach_tp_btf(lc, kp->fd, kp->event, kp->tok);
			break;
		case KA_RAW_TP:
			rc = attach_raw_tp(lc, kp->fd, kp->event, kp->tok);
			break;
		case KA_PERF_TP:
			rc = attach_tracepoint(lc, kp->fd, kp->tp_system, kp->event, 0, kp->tok);
			break;
		case KA_CPU_CLOCK:
			rc = attach_cpu_clock(lc, kp->fd, kp->period_ns, kp->one_cpu ? first_online_cpu() : -1,
					      kp->tok);
			break;
		case KA_PERF_EVENT: {
			int cpus[1024];
			int n = attach_online_cpus(cpus, 1024);
			rc = n < 0 ? n : 0;
			for (int c = 0; c < n && rc >= 0; c++) {
				struct perf_event_attr attr = { .type = kp->perf_type, .size = sizeof(attr),
								.config = kp->perf_config };
				if (kp->perf_freq) {
					attr.freq = 1;
					attr.sample_freq = kp->perf_freq;
				} else {
					attr.sample_period = kp->perf_period;
				}
				rc = attach_perf_event(lc, kp->fd, &attr, -1, cpus[c], 0,
						       kp->probes.items[0]->dp->pp, kp->tok);
			}
			break;
		}
		case KA_UPROBE: {
			int pid = kp->attach_target && target > 0 ? (int)target : kp->pid ? kp->pid : -1;
			rc = 0;
			for (uint32_t k = 0; k < kp->noffsets && rc >= 0; k++) {
				struct attach_uprobe_spec sp = { .path = kp->path,
								 .offset = kp->offsets[k],
								 .ref_ctr_offset = kp->ref_ctr_offsets[k],
								 .retprobe = kp->retprobe, .pid = pid,
								 .cookie = kp->cookies[k] };
				rc = attach_uprobe(lc, kp->fd, &sp, kp->probes.items[k]->dp->tok);
			}
			break;
		}
		case KA_KPROBE:
			rc = 0;
			for (uint32_t k = 0; k < kp->noffsets && rc >= 0; k++)
				rc = attach_kprobe(lc, kp->fd, kp->symbols[k], kp->offsets[k],
						   kp->retprobe, kp->cookies[k],
						   kp->probes.items[k]->dp->tok);
			break;
		case KA_UPROBE_MULTI: {
			int pid = kp->attach_target && target > 0 ? (int)target : kp->pid ? kp->pid : -1;
			bool semaphores = false;
			for (uint32_t k = 0; k < kp->noffsets; k++)
				semaphores |= kp->ref_ctr_offsets[k] != 0;
			struct attach_uprobe_multi_spec sp = { .path = kp->path, .offsets = kp->offsets,
							       .ref_ctr_offsets = semaphores ? kp->ref_ctr_offsets
											     : NULL,
							       .cookies = kp->cookies, .n = kp->noffsets,
							       .retprobe = kp->retprobe, .pid = pid };
			rc = attach_uprobe_multi(lc, kp->fd, &sp, kp->tok);
			break;
		}
		}
		if (rc < 0)
			return false;
	}
	return true;
}
