/*
 * begin_end: begin, end, error and never (probes.md §2.1).
 *
 * begin(N)/end(N)/error(N) carry a sequence number (default 0) ordering
 * the handlers; ties keep script order.  `never` never fires, but its body
 * is still checked.
 */
#include "probes/begin_end.h"

#include <string.h>

#include "bpf/family.h"
#include "elab/elab.h"
#include "kmod/kmod.h"
#include "util/arena.h"

static const char *const patterns[] = {
	"begin", "begin(number)", "end", "end(number)", "error", "error(number)", "never", NULL,
};

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	struct begin_end_data *d = arena_new_obj(E->arena, struct begin_end_data);
	const char *f = m->functors[0];
	d->kind = strcmp(f, "begin") == 0 ? BE_BEGIN
		: strcmp(f, "end") == 0	  ? BE_END
		: strcmp(f, "error") == 0 ? BE_ERROR
					  : BE_NEVER;
	const struct expr *arg = m->args[0];
	d->sequence = arg ? arg->u.num : 0;
	struct expr *args[1] = { arg ? ast_expr_copy(E->arena, arg) : NULL };
	struct probe_point *pp = elab_make_point(E, m->point, 1, &f, args);
	struct derived_probe *dp = elab_add_probe(ctx, &begin_end_family, pp, d);
	dp->sequence = d->sequence;
	return 1;
}

/* ------------------------------------------------ kernel-module back end */

static int kmod_kind(struct derived_probe *dp)
{
	const struct begin_end_data *d = dp->family_data;
	switch (d->kind) {
	case BE_BEGIN: return KP_BEGIN;
	case BE_END: return KP_END;
	case BE_ERROR: return KP_ERROR;
	case BE_NEVER: return KP_NEVER;
	}
	return KP_NEVER;
}

static const struct kmod_family kmod_hooks = {
	.kind = kmod_kind,
};

/* ------------------------------------------------------- BPF back end */

/* begin, end and error probes run in user space, in SystemTap's order;
 * never runs nowhere */
static void bpf_place(struct bpf_plan *pl, struct bprobe *bp)
{
	(void)pl;
	const struct begin_end_data *d = bp->dp->family_data;
	bp->sequence = d->sequence;
	switch (d->kind) {
	case BE_BEGIN: bp->where = BP_USER; bp->ukind = BPU_BEGIN; break;
	case BE_END: bp->where = BP_USER; bp->ukind = BPU_END; break;
	case BE_ERROR: bp->where = BP_USER; bp->ukind = BPU_ERROR; break;
	case BE_NEVER: bp->where = BP_NEVER; break;
	}
}

static const struct bpf_family bpf_hooks = {
	.place = bpf_place,
};

const struct probe_family begin_end_family = {
	.name = "begin/end",
	.patterns = patterns,
	.build = build,
	.unprivileged = true,
	.kmod = &kmod_hooks,
	.bpf = &bpf_hooks,
};
