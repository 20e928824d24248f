/*
 * lower_group: which program each kernel-side probe runs in.
 *
 * Derived probes that attach to the same event share one BPF program and
 * run one after another in it (lower.c dispatches among them): syscall
 * aliases and syscalls:* tracepoints all sit on raw_syscalls, uprobes of
 * one file share a uprobe_multi link.  The probe's family decides its
 * attachment (its `bpf->group` hook, bpf/family.h) with the functions
 * here; a family without one does not run on this back end.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include <bpf/btf.h>

#include "bpf/feature.h"
#include "bpf/syscalls_x86_64.h"
#include "diag/diag.h"
#include "elab/family.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"

int bpf_group_syscall_number(const char *name)
{
	for (size_t i = 0; i < sizeof(syscalls_x86_64) / sizeof(syscalls_x86_64[0]); i++)
		if (!strcmp(syscalls_x86_64[i].name, name))
			return syscalls_x86_64[i].nr;
	return -1;
}

/*
 * Tracepoints attach as raw tracepoints: handlers read memory through
 * bpf_probe_read_kernel (so that faults are SystemTap's catchable errors),
 * so the BTF typing of tp_btf would buy nothing, and raw_tp needs no
 * vmlinux BTF at load time (~15 ms and ~10 MB less per run).  tp_btf
 * remains for kernels without raw tracepoint programs.
 */
static bool has_tp_btf(struct bpf_plan *pl, const char *name)
{
	if (feature_available(FEATURE_RAW_TP) || !feature_available(FEATURE_TP_BTF))
		return false;
	struct target *t = session_target(pl->s);
	struct btf *btf = t ? target_btf(t) : NULL;
	if (!btf)
		return false;
	char tn[256];
	snprintf(tn, sizeof(tn), "btf_trace_%s", name);
	return btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF) > 0;
}

enum kattach bpf_group_tracepoint_kind(struct bpf_plan *pl, const char *name)
{
	return has_tp_btf(pl, name) ? KA_TP_BTF : KA_RAW_TP;
}

struct kprog *bpf_group_find(struct bpf_translation *t, enum kattach a, const char *event)
{
	vec_foreach(&t->progs, i) {
		struct kprog *kp = t->progs.items[i];
		if (kp->attach == a && !strcmp(kp->event, event))
			return kp;
	}
	return NULL;
}

struct kprog *bpf_group_new(struct bpf_translation *t, enum kattach a, const char *event,
			    const struct token *tok)
{
	struct kprog *kp = arena_new_obj(t->pl->arena, struct kprog);
	kp->attach = a;
	kp->event = event;
	kp->tok = tok;
	kp->fd = -1;
	vec_push(t->pl->arena, &t->progs, kp);
	return kp;
}

void bpf_group_add(struct bpf_translation *t, struct kprog *kp, struct bprobe *bp, int32_t nr,
		   int64_t pid, bool target)
{
	struct arena *a = t->pl->arena;
	vec_push(a, &kp->probes, bp);
	uint32_t n = kp->probes.len;
	int32_t *nrs = arena_alloc(a, sizeof(int32_t) * n);
	int64_t *pids = arena_alloc(a, sizeof(int64_t) * n);
	bool *tgts = arena_alloc(a, sizeof(bool) * n);
	for (uint32_t i = 0; i + 1 < n; i++) {
		nrs[i] = kp->syscall_nr[i];
		pids[i] = kp->pid_filter[i];
		tgts[i] = kp->target_filter[i];
	}
	nrs[n - 1] = nr;
	pids[n - 1] = pid;
	tgts[n - 1] = target;
	kp->syscall_nr = nrs;
	kp->pid_filter = pids;
	kp->target_filter = tgts;
}

uint32_t bpf_group_add_site(struct bpf_translation *t, struct kprog *kp, uint64_t offset,
			    const char *symbol, uint64_t ref_ctr)
{
	struct arena *a = t->pl->arena;
	uint32_t n = ++kp->noffsets;
	uint64_t *offs = arena_alloc(a, sizeof(uint64_t) * n);
	uint64_t *cks = arena_alloc(a, sizeof(uint64_t) * n);
	uint64_t *refs = arena_alloc(a, sizeof(uint64_t) * n);
	const char **syms = symbol ? arena_alloc(a, sizeof(char *) * n) : NULL;
	for (uint32_t i = 0; i + 1 < n; i++) {
		offs[i] = kp->offsets[i];
		cks[i] = kp->cookies[i];
		refs[i] = kp->ref_ctr_offsets[i];
		if (syms)
			syms[i] = kp->symbols[i];
	}
	offs[n - 1] = offset;
	cks[n - 1] = n - 1;
	refs[n - 1] = ref_ctr;
	if (syms)
		syms[n - 1] = symbol;
	kp->offsets = offs;
	kp->cookies = cks;
	kp->ref_ctr_offsets = refs;
	kp->symbols = syms;
	return n - 1;
}

bool lower_group_probe(struct bpf_translation *t, struct bprobe *bp)
{
	struct derived_probe *dp = bp->dp;
	const struct bpf_family *fam = dp->family->bpf;
	if (!fam || !fam->group) {
		diag_error(&t->pl->s->diag, D_TRANS_FAMILY, dp->tok,
			   "probe %s: the %s probe family is not supported by the BPF runtime yet",
			   dp->pp, dp->family->name);
		return false;
	}
	return fam->group(t, bp);
}
