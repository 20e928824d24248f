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

#include "diag/diag.h"
#include "elab/elab.h"
#include "probes/process.h"
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
		for (uint32_t i = 0; i < E->prog->probes.len; i++) {
			const struct derived_probe *o = E->prog->probes.items[i];
			if (o->family == &perf_family &&
			    ((const struct perf_data *)o->family_data)->counter &&
			    !strcmp(((const struct perf_data *)o->family_data)->counter, d->counter)) {
				elab_point_error(E, m, pp_match_tok(m, "counter"),
						 "perf counter '%s' is defined twice", d->counter);
				return -1;
			}
		}
	}
	struct derived_probe *dp = elab_add_probe(ctx, &perf_family, pp, d);
	dp->keep_empty = d->counter != NULL;
	return 1;
}

struct derived_probe *perf_counter_probe(const struct program *p, const char *name)
{
	for (uint32_t i = 0; i < p->probes.len; i++) {
		struct derived_probe *o = p->probes.items[i];
		const struct perf_data *d = o->family_data;
		if (o->family == &perf_family && d->counter && !strcmp(d->counter, name))
			return o;
	}
	return NULL;
}

void perf_resolve_use(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	const char *name = e->u.str.val;
	if (!dp || dp->family != &process_family) {
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
			   "@perf(\"%s\") can only be used in a process probe", name);
		return;
	}
	struct derived_probe *c = perf_counter_probe(E->prog, name);
	if (!c) {
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
			   "no perf counter named '%s' (define one with "
			   "perf.TYPE.process(\"PATH\").counter(\"%s\"))", name, name);
		return;
	}
	const struct perf_data *d = c->family_data;
	const struct process_data *pd = dp->family_data;
	const char *mine = pd->exe ? pd->exe : pd->path;
	if (!d->process || !mine || strcmp(d->process, mine) != 0) {
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
			   "perf counter '%s' counts %s%s%s, not this probe's process", name,
			   d->process ? "process \"" : "every process",
			   d->process ? d->process : "", d->process ? "\"" : "");
		return;
	}
	if (dp->uses_target_vars == false)
		dp->uses_target_vars = true;
}

const struct probe_family perf_family = {
	.name = "perf",
	.patterns = patterns,
	.build = build,
};
