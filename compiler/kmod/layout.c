/*
 * layout: names and storage of everything the module declares, decided
 * before any code is lowered.
 *
 * Input: the program's used globals and functions.  Output: a struct
 * kglobal per global (vardecl->backend) and a struct kfunc per function
 * (functiondecl->backend); the C name of every local and parameter
 * (vardecl->backend, a string).
 *
 * Naming: globals g_NAME, functions f_NAME, locals l_NAME, so no script
 * name can meet a C keyword, a kernel macro (`current`, `HZ`) or a
 * temporary (`__t1`, `__s1`).  '$' (legal in script identifiers) becomes
 * "_24_".  Private globals or overloads that share a script name get the
 * declaration index appended.
 */
#include <string.h>

#include "elab/program.h"
#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

static const char *mangle(struct arena *a, const char *prefix, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, prefix);
	for (const char *p = name; *p; p++) {
		if (*p == '$')
			strbuf_puts(&sb, "_24_");
		else
			strbuf_putc(&sb, *p);
	}
	const char *r = arena_strdup(a, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

const char *km_local_name(struct arena *a, const char *name)
{
	return mangle(a, "l_", name);
}

/* A C name not used yet among names[0..n). */
static const char *unique(struct arena *a, const char **names, unsigned n, const char *want,
			  unsigned index)
{
	for (unsigned i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], want) == 0)
			return arena_printf(a, "%s_%u", want, index);
	return want;
}

/*
 * What the script reads from a statistics variable: the @variance shift,
 * and every histogram kind with its parameters.  The runtime keeps one
 * histogram per statistics object, so each further kind gets a shadow
 * object that `<<<` feeds too (SystemTap lets one variable have several).
 */
struct stat_walk {
	struct kmod *K;
	struct kglobal *g;
	int64_t shift;
	bool variance;
};

static struct vardecl *stat_var(struct expr *o)
{
	if (o->kind == EXPR_INDEX)
		o = o->u.index.base;
	return o->kind == EXPR_SYMBOL ? o->u.sym.decl : NULL;
}

static void add_variant(struct stat_walk *sw, const struct expr *h)
{
	struct kglobal *g = sw->g;
	for (unsigned i = 0; i < g->nhv; i++) {
		const struct hvariant *v = &g->hv[i];
		if (v->kind == h->u.hist.kind &&
		    (v->kind != HIST_LINEAR || (v->start == h->u.hist.start &&
						v->stop == h->u.hist.stop &&
						v->interval == h->u.hist.interval)))
			return;
	}
	struct hvariant *nv = arena_new_array(sw->K->a, struct hvariant, g->nhv + 1);
	if (g->nhv)
		memcpy(nv, g->hv, sizeof(*nv) * g->nhv);
	struct hvariant *v = &nv[g->nhv];
	v->kind = h->u.hist.kind;
	v->start = h->u.hist.start;
	v->stop = h->u.hist.stop;
	v->interval = h->u.hist.interval;
	v->cname = g->nhv ? arena_printf(sw->K->a, "%s__h%u", g->cname, g->nhv) : g->cname;
	g->hv = nv;
	g->nhv++;
}

static enum walk_result stat_pre(struct ast_walker *w, struct expr *e)
{
	struct stat_walk *sw = w->data;
	if (e->kind == EXPR_HIST && stat_var(e->u.hist.operand) == sw->g->decl)
		add_variant(sw, e);
	if (e->kind == EXPR_STAT && e->u.stat.op == STAT_VARIANCE &&
	    stat_var(e->u.stat.operand) == sw->g->decl) {
		sw->variance = true;
		if (e->u.stat.has_shift)
			sw->shift = e->u.stat.shift;
	}
	return WALK_NEXT;
}

static enum walk_result stat_stmt(struct ast_walker *w, struct stmt *s)
{
	struct stat_walk *sw = w->data;
	if (s->kind == STMT_FOREACH && s->u.foreach.sort_agg == STAT_VARIANCE &&
	    stat_var(s->u.foreach.base) == sw->g->decl)
		sw->variance = true;
	return WALK_NEXT;
}

static void stat_params(struct kmod *K, struct kglobal *g)
{
	struct stat_walk sw = { K, g, 0, false };
	struct ast_walker w = { .expr_pre = stat_pre, .stmt_pre = stat_stmt, .data = &sw };
	vec_foreach(&K->prog->probes, i) {
		struct derived_probe *dp = K->prog->probes.items[i];
		ast_walk_stmt(&w, dp->body);
	}
	vec_foreach(&K->prog->functions, i) {
		struct functiondecl *f = K->prog->functions.items[i];
		if (f->body)
			ast_walk_stmt(&w, f->body);
	}
	if (!g->nhv) {
		/* no histogram read: one object without one */
		g->hv = arena_new_obj(K->a, struct hvariant);
		g->hv->kind = HIST_NONE;
		g->hv->cname = g->cname;
		g->nhv = 1;
	}
	g->variance_shift = sw.shift;
	g->want_variance = sw.variance || (g->decl->stat_ops & (1u << STAT_VARIANCE));
}

/* The statistics object that keeps histogram h of g. */
const char *km_hist_object(struct kglobal *g, const struct expr *h)
{
	for (unsigned i = 0; i < g->nhv; i++) {
		const struct hvariant *v = &g->hv[i];
		if (v->kind == h->u.hist.kind &&
		    (v->kind != HIST_LINEAR || (v->start == h->u.hist.start &&
						v->stop == h->u.hist.stop &&
						v->interval == h->u.hist.interval)))
			return v->cname;
	}
	return g->cname;
}

static bool layout_global(struct kmod *K, struct vardecl *v, unsigned i, const char **names)
{
	struct kglobal *g = arena_new_obj(K->a, struct kglobal);
	g->decl = v;
	g->index = i;
	g->cname = unique(K->a, names, i, mangle(K->a, "g_", v->name), i);
	names[i] = g->cname;
	bool array = v->arity > 0;
	switch (v->type) {
	case TYPE_LONG:
		g->kind = array ? KG_MAP : KG_LONG;
		break;
	case TYPE_STRING:
		g->kind = array ? KG_MAP : KG_STRING;
		break;
	case TYPE_STATS:
		g->kind = array ? KG_PMAP : KG_STAT;
		stat_params(K, g);
		break;
	default:
		kmod_error(K, D_TRANS_PROGRAM, v->tok, "global '%s' has no type", v->name);
		return false;
	}
	if (array && v->arity > 9) {
		kmod_error(K, D_TRANS_LIMIT, v->tok, "array '%s' has %d index columns (at most 9)", v->name,
			   v->arity);
		return false;
	}
	/* scalars are module parameters (stap -G, staprun NAME=VALUE); the
	 * first of several private globals of one name gets it */
	g->param = (g->kind == KG_LONG || g->kind == KG_STRING) &&
		   strcmp(g->cname + 2, v->name) == 0 && strncmp(v->name, "_ctap", 5) != 0;
	for (unsigned j = 0; j < i && g->param; j++)
		if (strcmp(K->globals[j]->decl->name, v->name) == 0)
			g->param = false;
	v->backend = g;
	K->globals[i] = g;
	return true;
}

static void layout_function(struct kmod *K, struct functiondecl *f, unsigned i, const char **names)
{
	struct kfunc *kf = arena_new_obj(K->a, struct kfunc);
	kf->decl = f;
	kf->cname = unique(K->a, names, i, mangle(K->a, "f_", f->name), i);
	names[i] = kf->cname;
	kf->impl = kf->cname;
	kf->frame = arena_printf(K->a, "ck_%s", kf->cname);
	if (f->embedded)
		K->has_embedded = true;
	f->backend = kf;
	K->funcs[i] = kf;
	vec_foreach(&f->params, j)
		f->params.items[j]->backend = (void *)((f->pragmas & FNP_UNMANGLED)
			? f->params.items[j]->name
			: km_local_name(K->a, f->params.items[j]->name));
	vec_foreach(&f->locals, j)
		f->locals.items[j]->backend = (void *)km_local_name(K->a, f->locals.items[j]->name);
}

/* Functions of a runtime-overload chain dispatch through the first one. */
static void layout_chains(struct kmod *K)
{
	for (unsigned i = 0; i < K->nfuncs; i++) {
		struct functiondecl *f = K->funcs[i]->decl;
		if (!f->next_overload)
			continue;
		for (struct functiondecl *g = f; g; g = g->next_overload) {
			struct kfunc *kg = g->backend;
			if (kg)
				kg->chained = true;
		}
	}
	for (unsigned i = 0; i < K->nfuncs; i++) {
		struct kfunc *kf = K->funcs[i];
		if (kf->chained)
			kf->impl = arena_printf(K->a, "%s__impl", kf->cname);
	}
}

/*
 * MAXNESTING (language.md §12): the deepest static chain of calls from a
 * probe, plus one, plus ten when some function can recurse.
 */
struct depth_walk {
	struct kmod *K;
	unsigned max;
	bool recursive;
};

static unsigned fn_depth(struct depth_walk *dw, struct functiondecl *f);

static enum walk_result depth_pre(struct ast_walker *w, struct expr *e)
{
	struct depth_walk *dw = w->data;
	if (e->kind != EXPR_CALL)
		return WALK_NEXT;
	for (struct functiondecl *f = e->u.call.decl; f; f = f->next_overload) {
		unsigned d = fn_depth(dw, f);
		if (d > dw->max)
			dw->max = d;
	}
	return WALK_NEXT;
}

static unsigned body_depth(struct depth_walk *outer, struct stmt *body)
{
	struct depth_walk dw = { outer->K, 0, false };
	struct ast_walker w = { .expr_pre = depth_pre, .data = &dw };
	if (body)
		ast_walk_stmt(&w, body);
	outer->recursive |= dw.recursive;
	return dw.max;
}

static unsigned fn_depth(struct depth_walk *dw, struct functiondecl *f)
{
	struct kfunc *kf = f->backend;
	if (!kf)
		return 1;
	if (kf->depth_state == 1) {
		dw->recursive = true;
		return 1;
	}
	if (kf->depth_state == 2)
		return kf->depth;
	kf->depth_state = 1;
	kf->depth = 1 + body_depth(dw, f->body);
	kf->depth_state = 2;
	return kf->depth;
}

static void nesting(struct kmod *K)
{
	struct depth_walk dw = { K, 0, false };
	vec_foreach(&K->prog->probes, i) {
		unsigned d = body_depth(&dw, K->prog->probes.items[i]->body);
		if (d > dw.max)
			dw.max = d;
	}
	K->nesting = dw.max + 1 + (dw.recursive || K->prog->recursive ? 10 : 0);
}

bool km_layout(struct kmod *K)
{
	struct program *P = K->prog;
	K->nglobals = P->globals.len;
	K->globals = arena_new_array(K->a, struct kglobal *, K->nglobals + 1);
	const char **names = arena_new_array(K->a, const char *, K->nglobals + P->functions.len + 1);
	bool ok = true;
	vec_foreach(&P->globals, i)
		ok = layout_global(K, P->globals.items[i], i, names) && ok;

	K->nfuncs = P->functions.len;
	K->funcs = arena_new_array(K->a, struct kfunc *, K->nfuncs + 1);
	memset(names, 0, sizeof(*names) * (K->nfuncs + 1));
	vec_foreach(&P->functions, i)
		layout_function(K, P->functions.items[i], i, names);
	layout_chains(K);
	if (P->embeds.len)
		K->has_embedded = true;
	nesting(K);

	vec_foreach(&P->probes, i) {
		struct derived_probe *dp = P->probes.items[i];
		vec_foreach(&dp->locals, j)
			dp->locals.items[j]->backend =
				(void *)km_local_name(K->a, dp->locals.items[j]->name);
	}
	return ok;
}
