/*
 * perf: perf.type(T).config(C)[.sample(N)|.hz(F)],
 * perf.type(T).config(C).process[("PATH")][.counter("NAME")] and
 * perf.type(T).config(C).counter("NAME") (probes.md §2.9).
 *
 * pp() always shows the sampling: `.sample(1000000)` when omitted,
 * `.sample(F)` for `.hz(F)` and `.sample(0)` for counters, as SystemTap
 * prints it; `.process` shows the canonical path.
 */
#include "probes/perf.h"

#include <string.h>

#include "bpf/family.h"
#include "diag/diag.h"
#include "elab/elab.h"
#include "probes/process.h"
#include "kmod/kmod.h"
#include "session.h"
#include "target/user/upath.h"
#include "util/arena.h"

static const char *const patterns[] = {
	"perf.type(number).config(number)",
	"perf.type(number).config(number).sample(number)",
	"perf.type(number).config(number).hz(number)",
	"perf.type(number).config(number).process",
	"perf.type(number).config(number).process(string)",
	"perf.type(number).config(number).process.counter(string)",
	"perf.type(number).config(number).process(string).counter(string)",
	"perf.type(number).config(number).counter(string)",
	NULL,
};

struct paths {
	const char *first;
};

static void first_path(void *ctx, const char *path)
{
	struct paths *p = ctx;
	if (!p->first)
		p->first = path;
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	struct perf_data *d = arena_new_obj(E->arena, struct perf_data);
	d->type = pp_match_num(m, "type", 0);
	d->config = pp_match_num(m, "config", 0);
	d->period = PERF_DEFAULT_PERIOD;
	if (d->type < 0 || d->config < 0) {
		elab_point_error(E, m, NULL, "invalid perf event type/config");
		return -1;
	}
	if (pp_match_has(m, "sample")) {
		d->period = pp_match_num(m, "sample", 0);
		if (d->period <= 0) {
			const struct token *t = pp_match_arg(m, "sample")->tok;
			elab_point_error(E, m, t, "invalid perf sample period %lld",
					 (long long)d->period);
			return -1;
		}
	}
	if (pp_match_has(m, "hz")) {
		d->freq = pp_match_num(m, "hz", 0);
		d->period = 0;
		if (d->freq <= 0) {
			elab_point_error(E, m, pp_match_arg(m, "hz")->tok,
					 "invalid perf sampling frequency %lld", (long long)d->freq);
			return -1;
		}
	}
	if (pp_match_has(m, "counter")) {
		d->counter = pp_match_str(m, "counter");
		d->period = 0;
		if (!d->counter || !*d->counter) {
			elab_point_error(E, m, pp_match_tok(m, "process") ? pp_match_tok(m, "process")
									  : pp_match_tok(m, "counter"),
					 "missing perf probe counter component name");
			return -1;
		}
	}
	if (pp_match_has(m, "process")) {
		const char *spec = pp_match_str(m, "process");
		if (spec) {
			struct paths p = { 0 };
			if (upath_resolve(E->arena, spec, first_path, &p) == 0) {
				elab_point_error(E, m, pp_match_tok(m, "process"),
						 "cannot find executable '%s'", spec);
				return -1;
			}
			d->process = p.first;
		} else {
			d->process = upath_command(E->arena, E->s->opts.cmd);
			if (!d->process) {
				elab_point_error(E, m, pp_match_tok(m, "process"),
						 "unspecified process probe is invalid without a "
						 "-c COMMAND [man stapprobes]");
				return -1;
			}
		}
	}
	const char *functors[5] = { "perf", "type", "config", "sample", NULL };
	struct expr *args[5] = {
		NULL, ast_expr_copy(E->arena, pp_match_arg(m, "type")),
		ast_expr_copy(E->arena, pp_match_arg(m, "config")),
		elab_number(E, m->toks[2], d->counter ? 0 : d->freq ? d->freq : d->period), NULL,
	};
	unsigned n = 4;
	if (d->process) {
		functors[n] = "process";
		args[n++] = elab_string(E, pp_match_tok(m, "process"), d->process);
	}
	struct probe_point *pp = elab_make_point(E, m->point, n, functors, args);
	if (d->counter) {
		struct probe_point_comp c = { .tok = pp_match_tok(m, "counter"), .functor = "counter",
					      .arg = elab_string(E, pp_match_tok(m, "counter"),
								 d->counter) };
		vec_push(E->arena, &pp->comps, c);
		if (perf_counter_probe(E->prog, d->counter)) {
			elab_point_error(E, m, pp_match_tok(m, "counter"),
					 "perf counter '%s' is defined twice", d->counter);
			return -1;
		}
	}
	struct derived_probe *dp = elab_add_probe(ctx, &perf_family, pp, d);
	dp->keep_empty = d->counter != NULL;
	return 1;
}

struct derived_probe *perf_counter_probe(const struct program *p, const char *name)
{
	uint32_t i = 0;
	for (struct derived_probe *o; (o = family_next_probe(p, &perf_family, &i));) {
		const struct perf_data *d = o->family_data;
		if (d->counter && !strcmp(d->counter, name))
			return o;
	}
	return NULL;
}

/* ------------------------------------------------ kernel-module back end */

/* perf.type(T).config(C)[.sample(N)]: a per-CPU counter whose overflow
 * runs the probe; the runtime has no per-process or frequency mode yet. */
static bool kmod_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct perf_data *d = p->dp->family_data;
	if (d->counter || d->process || d->freq || d->period <= 0) {
		kmod_error(K, D_TRANS_PROBE, p->dp->tok, "perf probe '%s': only system-wide sampling by event "
			   "count is supported by the kernel-module back end yet", p->dp->pp);
		return false;
	}
	return true;
}

static void kmod_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	const struct perf_data *d = p->dp->family_data;
	kw_line(w, "{ .probe = &probes[%u], .type = %lld, .config = %lldULL, .sample_period = %lld },",
		p->index, (long long)d->type, (long long)d->config, (long long)d->period);
}

static const struct kmod_family kmod_hooks = {
	.check = kmod_check,
	.emit_entry = kmod_entry,
	.table = "perfs",
	.has_regs = true,
};

/* ------------------------------------------------------- BPF back end */

/* sampling probes: a perf event on every CPU, one program each */
static bool bpf_group(struct bpf_translation *t, struct bprobe *bp)
{
	struct bpf_plan *pl = t->pl;
	struct derived_probe *dp = bp->dp;
	const struct perf_data *d = dp->family_data;
	if (d->process || d->counter || (!d->period && !d->freq)) {
		diag_error(&pl->s->diag, D_TRANS_PROBE, dp->tok,
			   "probe %s: perf counters and per-process perf probes are not supported "
			   "by the BPF runtime yet (sampling probes are)", dp->pp);
		return false;
	}
	struct kprog *kp = bpf_group_new(t, KA_PERF_EVENT,
					 arena_printf(pl->arena, "perf%u", t->progs.len), dp->tok);
	kp->perf_type = (uint32_t)d->type;
	kp->perf_config = (uint64_t)d->config;
	kp->perf_period = (uint64_t)d->period;
	kp->perf_freq = (uint64_t)d->freq;
	bpf_group_add(t, kp, bp, -1, 0, false);
	return true;
}

static const struct bpf_family bpf_hooks = {
	.group = bpf_group,
};

const struct probe_family perf_family = {
	.name = "perf",
	.patterns = patterns,
	.build = build,
	.kmod = &kmod_hooks,
	.bpf = &bpf_hooks,
};
