/*
 * bpf/backend: the BPF back end's hooks (backend.h).
 *
 *   pass 3  plan (plan.c), user-space handler checks (interp.c), kernel
 *           handlers lowered to IR, allocated and encoded (lower*.c)
 *   -p3     the annotated listing of every program, and the maps
 *   pass 4  nothing left to build: the programs are loaded (verified and
 *           JIT-compiled) by pass 5, which needs the privileges that
 *           loading needs; -p4 prints a summary
 *   pass 5  the session (run.c)
 */
#include "backend.h"

#include <stdio.h>

#include "diag/diag.h"
#include "bpf/interp.h"
#include "bpf/lower.h"
#include "bpf/plan.h"
#include "bpf/run.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

struct bpf_product {
	struct bpf_plan *pl;
	struct bpf_translation *t;
};

static bool bpf_translate(struct session *s, struct program *p, void **out)
{
	/* the kmod runtime's probe hit report counts cycles per handler;
	 * the BPF runtime keeps no per-probe timing */
	if (s->opts.timing) {
		diag_error(&s->diag, D_TRANS_OPTION, NULL,
			   "-t (the probe timing report) is not supported by the BPF runtime; "
			   "use --runtime=kmod");
		return false;
	}
	struct bpf_plan *pl = plan_build(s, p);
	if (!pl)
		return false;
	bool ok = interp_check(pl);
	struct bpf_translation *t = lower_program(pl);
	if (!ok || !t)
		return false;
	struct bpf_product *bp = arena_new_obj(s->arena, struct bpf_product);
	bp->pl = pl;
	bp->t = t;
	*out = bp;
	return true;
}

static void bpf_print_translation(struct session *s, void *translation, FILE *out)
{
	(void)s;
	struct bpf_product *bp = translation;
	struct strbuf sb = STRBUF_INIT;
	lower_listing(bp->t, &sb);
	fputs(strbuf_str(&sb), out);
	strbuf_free(&sb);
}

static bool bpf_build(struct session *s, void *translation, void **built)
{
	(void)s;
	*built = translation;
	return true;
}

static void bpf_print_build(struct session *s, void *built, FILE *out)
{
	(void)s;
	struct bpf_product *bp = built;
	fprintf(out, "bpf: %u programs, %u instructions, %u user-space probes\n",
		bp->t->progs.len, bp->t->ninsns, bp->pl->nuser);
}

static bool bpf_run(struct session *s, void *built)
{
	struct bpf_product *bp = built;
	return run_session(s, bp->t, bp->pl);
}

static void bpf_report(struct session *s, int pass, void *product, FILE *out)
{
	(void)s;
	struct bpf_product *bp = product;
	if (pass == 3)
		fprintf(out, "Pass 3: translated to BPF: %u programs (%u instructions) for %u kernel "
			"probes, %u user-space probes", bp->t->progs.len, bp->t->ninsns,
			bp->pl->nkernel, bp->pl->nuser);
	else
		fprintf(out, "Pass 4: nothing to compile for the BPF runtime (programs load in pass 5)");
}

const struct backend bpf_backend = {
	.name = "bpf",
	.translate = bpf_translate,
	.print_translation = bpf_print_translation,
	.build = bpf_build,
	.print_build = bpf_print_build,
	.run = bpf_run,
	.report = bpf_report,
};
