/*
 * derive: probe statements -> derived probes.
 *
 * Each point of a probe statement is matched in the match tree.  An alias
 * match wraps the body in the alias's prologue/epilogue, appends the rest
 * of the point to each of the alias's points and resolves those in turn;
 * a family match asks the family to build derived probes.  `!` stops the
 * list at the first point that resolved; `?` (inherited through aliases)
 * makes a point that resolves to nothing silent.
 */
#include <stdarg.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "parse/library.h"
#include "parse/ast_print.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

#define MAX_ALIAS_DEPTH 32

static struct derivation *derivation_new(struct elab *E, const char *text, const struct derivation *next)
{
	struct derivation *d = arena_new_obj(E->arena, struct derivation);
	d->text = text;
	d->next = next;
	return d;
}

static const char *point_text(struct elab *E, const struct probe_point *pp, bool suffix)
{
	struct strbuf sb = STRBUF_INIT;
	ast_print_probe_point(&sb, pp, suffix);
	const char *r = arena_strdup(E->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

static const char *points_text(struct elab *E, const probe_point_vec *v, const char *sep)
{
	struct strbuf sb = STRBUF_INIT;
	for (uint32_t i = 0; i < v->len; i++) {
		if (i)
			strbuf_puts(&sb, sep);
		ast_print_probe_point(&sb, v->items[i], true);
	}
	const char *r = arena_strdup(E->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

struct expr *elab_number(struct elab *E, const struct token *tok, int64_t v)
{
	return ast_number(E->arena, tok, v);
}

struct expr *elab_string(struct elab *E, const struct token *tok, const char *s)
{
	return ast_string(E->arena, tok, arena_strdup(E->arena, s), (uint32_t)strlen(s));
}

struct probe_point *elab_make_point(struct elab *E, const struct probe_point *like, unsigned n,
				    const char *const *functors, struct expr *const *args)
{
	struct probe_point *pp = arena_new_obj(E->arena, struct probe_point);
	if (like) {
		pp->tok = like->tok;
		pp->optional = like->optional;
		pp->sufficient = like->sufficient;
		pp->condition = like->condition;
	}
	for (unsigned i = 0; i < n; i++) {
		struct probe_point_comp c = {
			.tok = like && i < like->comps.len ? like->comps.items[i].tok : pp->tok,
			.functor = functors[i],
			.arg = args ? args[i] : NULL,
		};
		vec_push(E->arena, &pp->comps, c);
	}
	return pp;
}

static void report_point_error(struct elab *E, const struct token *at, const char *cause,
			       const struct token *cause_tok)
{
	if (E->listing && E->s->opts.verbose[1] < 2)
		return;
	diag_error(E->diag, D_SEM_PROBE_POINT, at, "while resolving probe point");
	if (cause)
		diag_chain(E->diag, cause_tok, "%s", cause);
}

void elab_target_error(struct elab *E, const struct token *tok, const char *fmt, ...)
{
	if (E->quiet_targets)
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	diag_error(E->diag, D_SEM_TARGET_VAR, tok, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

void elab_point_error(struct elab *E, const struct pp_match *m, const struct token *tok,
		      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	const struct token *at = m->point->comps.len ? m->point->comps.items[0].tok : m->point->tok;
	report_point_error(E, at, strbuf_str(&sb), tok);
	strbuf_free(&sb);
}

struct derived_probe *elab_add_probe(struct derive_ctx *ctx, const struct probe_family *family,
				     struct probe_point *point, void *family_data)
{
	struct elab *E = ctx->E;
	struct derived_probe *dp = arena_new_obj(E->arena, struct derived_probe);
	dp->family = family;
	dp->point = point;
	dp->point->optional = ctx->optional && dp->point->optional;
	dp->pp = point_text(E, point, true);
	dp->pn = ctx->pn ? ctx->pn : point_text(E, point, false);
	dp->derivation = ctx->derivation;
	dp->origin = ctx->origin;
	dp->tok = ctx->tok;
	dp->body = ast_stmt_copy(E->arena, ctx->body);
	dp->condition = ctx->condition ? ast_expr_copy(E->arena, ctx->condition) : NULL;
	dp->optional = ctx->optional;
	dp->family_data = family_data;
	dp->index = E->prog->probes.len;
	vec_push(E->arena, &E->prog->probes, dp);
	return dp;
}

/* AND of two arming conditions (either may be NULL). */
static struct expr *and_conditions(struct elab *E, struct expr *a, struct expr *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	struct expr *e = ast_expr_new(E->arena, EXPR_LOGICAL, a->tok);
	e->u.binary.op = OP_AND;
	e->u.binary.lhs = a;
	e->u.binary.rhs = b;
	return e;
}

/* { prologue; body; epilogue } */
static struct stmt *wrap_body(struct elab *E, const struct probe_alias *al, struct stmt *body)
{
	if (!al->prologue && !al->epilogue)
		return body;
	struct stmt *b = ast_stmt_new(E->arena, STMT_BLOCK, body ? body->tok : al->tok);
	if (al->prologue)
		vec_push(E->arena, &b->u.block.stmts, ast_stmt_copy(E->arena, al->prologue));
	if (body)
		vec_push(E->arena, &b->u.block.stmts, body);
	if (al->epilogue)
		vec_push(E->arena, &b->u.block.stmts, ast_stmt_copy(E->arena, al->epilogue));
	return b;
}

static int resolve_point(struct elab *E, struct probe_point *pp, struct derive_ctx *ctx, int depth);

/* alias name with the point's concrete names, plus the suffix */
static const char *alias_use_text(struct elab *E, const struct match_result *r,
				  const struct probe_point *pp)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned n = r->nfunctors + (pp->comps.len - r->prefix_len);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			strbuf_putc(&sb, '.');
		bool named = i < r->nfunctors;
		unsigned k = named ? i : r->prefix_len + (i - r->nfunctors);
		strbuf_puts(&sb, named ? r->functors[i] : pp->comps.items[k].functor);
		const struct expr *arg = named ? r->args[i] : pp->comps.items[k].arg;
		if (arg) {
			strbuf_putc(&sb, '(');
			ast_print_expr(&sb, arg);
			strbuf_putc(&sb, ')');
		}
	}
	const char *s = arena_strdup(E->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	return s;
}

static int expand_alias(struct elab *E, struct probe_point *pp, const struct match_result *r,
			struct derive_ctx *ctx, int depth)
{
	struct probe_alias *al = r->alias;
	if (al->file && al->file->is_tapset)
		elab_use_file(E, al->file);

	const char *use = alias_use_text(E, r, pp);
	struct strbuf def = STRBUF_INIT;
	strbuf_puts(&def, use);
	strbuf_puts(&def, al->is_epilogue_style ? " += " : " = ");
	strbuf_puts(&def, points_text(E, &al->points, ", "));

	struct derive_ctx sub = *ctx;
	sub.derivation = derivation_new(E, arena_strdup(E->arena, strbuf_str(&def)),
					ctx->derivation);
	strbuf_free(&def);
	sub.body = wrap_body(E, al, ctx->body);
	if (!ctx->pn)
		sub.pn = use;

	int total = 0;
	for (uint32_t i = 0; i < al->points.len; i++) {
		const struct probe_point *ap = al->points.items[i];
		struct probe_point *np = ast_probe_point_copy(E->arena, ap);
		for (unsigned k = r->prefix_len; k < pp->comps.len; k++)
			vec_push(E->arena, &np->comps, pp->comps.items[k]);
		np->optional = ap->optional || pp->optional;
		np->sufficient = ap->sufficient;
		np->condition = NULL;
		sub.optional = ctx->optional || ap->optional || pp->optional;
		sub.condition = and_conditions(E, ctx->condition,
					       ap->condition ? ast_expr_copy(E->arena, ap->condition)
							     : NULL);
		int n = resolve_point(E, np, &sub, depth + 1);
		if (n < 0)
			return -1;
		total += n;
		if (n > 0 && ap->sufficient)
			break;
	}
	return total;
}

static void report_mismatch(struct elab *E, const struct probe_point *pp)
{
	struct similar sim;
	bool invalid_suffix;
	unsigned at = match_tree_mismatch(&E->tree, pp, &sim, &invalid_suffix);
	const struct token *first = pp->comps.len ? pp->comps.items[0].tok : pp->tok;
	if (at >= pp->comps.len) {
		report_point_error(E, first, "no match", NULL);
		return;
	}
	const struct token *bad = pp->comps.items[at].tok;
	struct strbuf sb = STRBUF_INIT;
	if (invalid_suffix) {
		strbuf_puts(&sb, "invalid suffix for probe");
	} else {
		strbuf_puts(&sb, "probe point mismatch");
		similar_append(&sim, &sb, "similar");
	}
	report_point_error(E, first, strbuf_str(&sb), bad);
	strbuf_free(&sb);
}

static int resolve_point(struct elab *E, struct probe_point *pp, struct derive_ctx *ctx, int depth)
{
	const struct token *first = pp->comps.len ? pp->comps.items[0].tok : pp->tok;
	if (depth > MAX_ALIAS_DEPTH) {
		report_point_error(E, first, "probe alias expansion too deep (recursive alias?)",
				   NULL);
		return -1;
	}
	/* aliases starting with this point's first component may be in
	 * library files not parsed yet */
	if (pp->comps.len && library_load(E->parsed, LIBRARY_ALIAS, pp->comps.items[0].functor))
		elab_sync_library(E);
	match_result_vec matches = { 0 };
	const char *why = NULL;
	if (!match_tree_find(&E->tree, pp, &matches, &why)) {
		report_point_error(E, first, why, NULL);
		return -1;
	}
	bool optional = ctx->optional || pp->optional;
	struct derive_ctx here = *ctx;
	here.optional = optional;
	int total = 0;
	bool failed = false;
	struct diag_mark before = diag_mark(E->diag);
	for (uint32_t i = 0; i < matches.len && !failed; i++) {
		const struct match_result *r = &matches.items[i];
		int n;
		if (r->kind == MR_ALIAS) {
			n = expand_alias(E, pp, r, &here, depth);
		} else if (!r->match.family->unprivileged && options_stapusr(&E->s->opts)) {
			/* kernel-wide probes are for stapsys and stapdev */
			report_point_error(E, first,
					   "probe point is not allowed for --privilege=stapusr", NULL);
			n = -1;
		} else {
			n = r->match.family->build(&here, &r->match);
		}
		if (n < 0)
			failed = true;
		else
			total += n;
	}
	vec_free_heap(&matches);
	if (failed) {
		/* an optional point that fails to resolve is dropped quietly */
		if (optional) {
			diag_forgive(E->diag, &before);
			return 0;
		}
		return -1;
	}
	if (total == 0 && !optional) {
		if (!diag_errors_since(E->diag, &before))
			report_mismatch(E, pp);
		return -1;
	}
	return total;
}

static void derive_probe(struct elab *E, struct probe *p)
{
	struct derive_ctx ctx = {
		.E = E,
		.origin = p,
		.body = p->body,
		.derivation = derivation_new(E, points_text(E, &p->points, ","), NULL),
	};
	for (uint32_t i = 0; i < p->points.len; i++) {
		struct probe_point *pp = p->points.items[i];
		ctx.tok = pp->tok;
		ctx.condition = pp->condition ? ast_expr_copy(E->arena, pp->condition) : NULL;
		ctx.optional = pp->optional;
		ctx.pn = NULL;
		int n = resolve_point(E, pp, &ctx, 0);
		if (n > 0 && pp->sufficient)
			break;
	}
}

bool elab_derive_pending(struct elab *E)
{
	struct diag_mark before = diag_mark(E->diag);
	/* new pending probes may appear while deriving (aliases pulling in
	 * tapset files that carry probes of their own) */
	for (uint32_t i = 0; i < E->pending.len; i++)
		derive_probe(E, E->pending.items[i]);
	E->pending.len = 0;
	return !diag_errors_since(E->diag, &before);
}
