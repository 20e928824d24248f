/*
 * tracepoint: kernel.trace("NAME") / kernel.trace("SYSTEM:NAME"), globs in
 * both parts (probes.md §2.5).  Arguments are the TP_PROTO parameters,
 * typed from BTF: $prev->pid etc.  $$name, $$system, $$vars, $$parms.
 */
#include "probes/tracepoint.h"

#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/typeinfo.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

static const char *const patterns[] = { "kernel.trace(string)", NULL };

struct collect {
	struct derive_ctx *ctx;
	const struct pp_match *m;
	int count;
};

static void add_one(void *arg, const struct target_tracepoint *tp)
{
	struct collect *c = arg;
	struct elab *E = c->ctx->E;
	struct tracepoint_data *d = arena_new_obj(E->arena, struct tracepoint_data);
	d->tp = tp;
	const char *functors[2] = { "kernel", "trace" };
	struct expr *args[2] = {
		NULL,
		elab_string(E, c->m->args[1]->tok, arena_printf(E->arena, "%s:%s", tp->system, tp->name)),
	};
	struct probe_point *pp = elab_make_point(E, c->m->point, 2, functors, args);
	elab_add_probe(c->ctx, &tracepoint_family, pp, d);
	c->count++;
}

struct near {
	struct similar *sim;
};

static void offer(void *arg, const struct target_tracepoint *tp)
{
	similar_offer(((struct near *)arg)->sim, tp->name);
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	const char *spec = m->args[1]->u.str.val;
	struct target *t = elab_target(E);
	if (!t)
		return -1;
	char *sys = NULL;
	const char *name = spec;
	const char *colon = strchr(spec, ':');
	if (colon) {
		sys = arena_strndup(E->arena, spec, (size_t)(colon - spec));
		name = colon + 1;
	}
	struct collect c = { ctx, m, 0 };
	int n = target_tracepoints_match(t, sys, name, add_one, &c);
	if (n < 0) {
		const char *why = target_tracepoints_missing(t);
		elab_point_error(E, m, NULL, "no tracepoint list for kernel %s%s%s",
				 target_description(t)->release, why ? ": " : "", why ? why : "");
		return -1;
	}
	if (n == 0 && !ctx->optional && !E->listing) {
		struct similar sim;
		similar_init(&sim, name);
		struct near nr = { &sim };
		target_tracepoints_match(t, NULL, "*", offer, &nr);
		struct strbuf sb = STRBUF_INIT;
		strbuf_puts(&sb, "no match");
		similar_append(&sim, &sb, "similar tracepoints");
		elab_point_error(E, m, NULL, "%s", strbuf_str(&sb));
		strbuf_free(&sb);
		return -1;
	}
	return c.count;
}

static void alternatives(struct elab *E, const struct target_tracepoint *tp, struct expr *e)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "unable to find tracepoint variable '%s' (alternatives:", e->u.target.name);
	for (uint32_t i = 0; i < tp->nargs; i++)
		strbuf_printf(&sb, " $%s,", tp->args[i].name);
	strbuf_puts(&sb, " $$name, $$system, $$parms, $$vars)");
	diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

static bool target_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	if (e->kind != EXPR_TARGET)
		return false;
	const struct target_tracepoint *tp = ((struct tracepoint_data *)dp->family_data)->tp;
	const char *name = e->u.target.name;
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	if (e->u.target.is_at_var) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "@var is not available in kernel.trace probes");
		return true;
	}
	if (!strcmp(name, "$$name") || !strcmp(name, "$$system")) {
		acc->base = ACCESS_CONST_STRING;
		acc->const_string = name[2] == 'n' ? tp->name : tp->system;
		acc->is_string = true;
		e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!strcmp(name, "$$vars") || !strcmp(name, "$$parms") || !strcmp(name, "$$locals")) {
		acc->base = ACCESS_VARS;
		acc->is_string = true;
		e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!tp->args_known) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "the arguments of tracepoint %s:%s are unknown (no BTF for it)",
				   tp->system, tp->name);
		return true;
	}
	for (uint32_t i = 0; i < tp->nargs; i++) {
		const struct target_param *p = &tp->args[i];
		if (strcmp(p->name, name + 1) != 0)
			continue;
		acc->base = ACCESS_TP_ARG;
		acc->index = (int)i;
		acc->base_size = p->size;
		acc->base_signed = p->is_signed;
		acc->ctype = p->ctype;
		acc->btf_id = p->btf_type_id;
		acc->module = "kernel";
		if (e->u.target.comps.len || e->u.target.addressof) {
			struct target *t = elab_target(E);
			struct btf *btf = t ? target_btf(t) : NULL;
			int32_t id = p->btf_type_id;
			bool is_address = false;
			if (btf && !id)
				typeinfo_from_ctype(btf, p->ctype, &id, &is_address);
			if (!btf || !id) {
				if (!E->quiet_targets)
					diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
						   "no type information (BTF) for '%s'", name);
				return true;
			}
			if (!typeinfo_walk(E, btf, id, is_address, e, acc))
				return true;
		}
		if (acc->is_string)
			e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!E->quiet_targets)
		alternatives(E, tp, e);
	return true;
}

static void list_vars(struct elab *E, struct derived_probe *dp, struct strbuf *out)
{
	(void)E;
	const struct target_tracepoint *tp = ((struct tracepoint_data *)dp->family_data)->tp;
	for (uint32_t i = 0; i < tp->nargs; i++)
		strbuf_printf(out, " $%s:%s", tp->args[i].name, tp->args[i].ctype);
}

const struct probe_family tracepoint_family = {
	.name = "kernel.trace",
	.patterns = patterns,
	.build = build,
	.target_var = target_var,
	.list_vars = list_vars,
};
