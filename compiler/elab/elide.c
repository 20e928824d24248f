/*
 * elide: dead code removal that changes what users see (language.md §11).
 *
 * Unless -u: assignments to locals nobody reads lose their target (the
 * right side stays if it has side effects), expression statements without
 * side effects go, probes left empty go, then functions and globals no
 * longer referenced.  Repeats until nothing changes.  Only code written in
 * the user's files warns ("Eliding assignment to 'x'", "Probe 'begin' has
 * been elided"); library code is trimmed silently.
 */
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "elab/elab.h"
#include "session.h"
#include "util/arena.h"

struct elider {
	struct elab *E;
	bool changed;
};

static bool user_code(struct elab *E, const struct token *tok)
{
	if (!tok)
		return false;
	const struct source_file *f = source_get(&E->s->sources, tok->loc.file);
	return f && (f->kind == SOURCE_USER || f->kind == SOURCE_EXTRA || f->kind == SOURCE_ARG);
}

/* ------------------------------------------------------- read / written */

static void mark_write(struct expr *lhs)
{
	if (lhs->kind == EXPR_SYMBOL && lhs->u.sym.decl)
		lhs->u.sym.decl->written = true;
	else if (lhs->kind == EXPR_INDEX && lhs->u.index.base->kind == EXPR_SYMBOL &&
		 lhs->u.index.base->u.sym.decl)
		lhs->u.index.base->u.sym.decl->written = true;
}

static enum walk_result usage_expr(struct ast_walker *w, struct expr *e)
{
	(void)w;
	switch (e->kind) {
	case EXPR_SYMBOL:
		if (e->u.sym.decl)
			e->u.sym.decl->read = true;
		break;
	case EXPR_ASSIGN:
		mark_write(e->u.assign.lhs);
		/* '=' and '<<<' do not read their target (compound ops do) */
		if (e->u.assign.op == ASSIGN_SET || e->u.assign.op == ASSIGN_STATS) {
			/* the plain target of '=' is not a read; its keys are */
			struct expr *l = e->u.assign.lhs;
			if (l->kind == EXPR_SYMBOL) {
				ast_walk_expr(w, e->u.assign.rhs);
				return WALK_SKIP;
			}
			if (l->kind == EXPR_INDEX && l->u.index.base->kind == EXPR_SYMBOL) {
				for (uint32_t i = 0; i < l->u.index.keys.len; i++)
					if (l->u.index.keys.items[i])
						ast_walk_expr(w, l->u.index.keys.items[i]);
				ast_walk_expr(w, e->u.assign.rhs);
				return WALK_SKIP;
			}
		}
		break;
	case EXPR_INCDEC:
		mark_write(e->u.incdec.operand);
		break;
	default:
		break;
	}
	return WALK_NEXT;
}

static enum walk_result usage_stmt(struct ast_walker *w, struct stmt *s)
{
	(void)w;
	if (s->kind == STMT_FOREACH) {
		for (uint32_t i = 0; i < s->u.foreach.keys.len; i++)
			mark_write(s->u.foreach.keys.items[i]);
		if (s->u.foreach.value)
			mark_write(s->u.foreach.value);
	} else if (s->kind == STMT_TRY && s->u.try_.catch_var) {
		mark_write(s->u.try_.catch_var);
	} else if (s->kind == STMT_DELETE) {
		mark_write(s->u.del.target);
	}
	return WALK_NEXT;
}

static void clear_usage(vardecl_vec *v)
{
	for (uint32_t i = 0; i < v->len; i++)
		v->items[i]->read = v->items[i]->written = false;
}

static void compute_usage(struct elab *E)
{
	clear_usage(&E->globals);
	for (uint32_t i = 0; i < E->prog->probes.len; i++)
		clear_usage(&E->prog->probes.items[i]->locals);
	for (uint32_t i = 0; i < E->functions.len; i++) {
		clear_usage(&E->functions.items[i]->locals);
		clear_usage(&E->functions.items[i]->params);
	}
	struct ast_walker w = { .expr_pre = usage_expr, .stmt_pre = usage_stmt };
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct derived_probe *dp = E->prog->probes.items[i];
		ast_walk_stmt(&w, dp->body);
		if (dp->condition)
			ast_walk_expr(&w, dp->condition);
	}
	for (uint32_t i = 0; i < E->functions.len; i++)
		if (E->functions.items[i]->body)
			ast_walk_stmt(&w, E->functions.items[i]->body);
	/* -G may set any scalar global at load time */
	for (uint32_t i = 0; i < E->globals.len; i++)
		if (E->globals.items[i]->init)
			E->globals.items[i]->written = true;
}

/* --------------------------------------------------------- side effects */

static bool fx_of(struct elab *E, const struct expr *e, bool in_function);

static bool function_has_side_effects(struct elab *E, struct functiondecl *fn);
static bool lhs_matters_in(const struct expr *lhs, bool in_function);

struct fx {
	struct elab *E;
	bool effects;
	bool in_function;
};

static enum walk_result fx_expr(struct ast_walker *w, struct expr *e)
{
	struct fx *f = w->data;
	switch (e->kind) {
	case EXPR_ASSIGN:
		if (lhs_matters_in(e->u.assign.lhs, f->in_function))
			f->effects = true;
		break;
	case EXPR_INCDEC:
		if (lhs_matters_in(e->u.incdec.operand, f->in_function))
			f->effects = true;
		break;
	case EXPR_CALL:
		if (!e->u.call.decl || function_has_side_effects(f->E, e->u.call.decl))
			f->effects = true;
		break;
	case EXPR_PRINT:
		if (!(e->u.print->flags & PRINT_TO_STRING))
			f->effects = true;
		break;
	case EXPR_EMBEDDED:
		if (!strstr(e->u.embedded.code, "/* pure */"))
			f->effects = true;
		break;
	case EXPR_DEREF:
	case EXPR_REGISTER:
		break;
	default:
		break;
	}
	return f->effects ? WALK_STOP : WALK_NEXT;
}

/* Whether calling fn can be seen outside it.  Writes to its own locals and
 * parameters cannot; loops and try/catch are effects only through what
 * they contain; `next` (run-time overloading) and deleting globals are. */
static enum walk_result fn_fx_stmt(struct ast_walker *w, struct stmt *s);

static bool function_has_side_effects(struct elab *E, struct functiondecl *fn)
{
	if (fn->embedded)
		return !(fn->pragmas & FNP_PURE);
	if (fn->side_effects == 1)
		return true; /* being computed: recursion, assume the worst */
	if (fn->side_effects)
		return fn->side_effects == 3;
	fn->side_effects = 1;
	struct fx f = { E, false, true };
	struct ast_walker w = { .expr_pre = fx_expr, .stmt_pre = fn_fx_stmt, .data = &f };
	if (fn->body)
		ast_walk_stmt(&w, fn->body);
	fn->side_effects = f.effects ? 3 : 2;
	return f.effects;
}

static enum walk_result fn_fx_stmt(struct ast_walker *w, struct stmt *s)
{
	struct fx *f = w->data;
	if (s->kind == STMT_NEXT) {
		f->effects = true;
	} else if (s->kind == STMT_DELETE) {
		const struct expr *t = s->u.del.target;
		const struct expr *sym = t->kind == EXPR_INDEX ? t->u.index.base : t;
		if (sym->kind != EXPR_SYMBOL || !sym->u.sym.decl ||
		    sym->u.sym.decl->kind == VAR_GLOBAL)
			f->effects = true;
	}
	return f->effects ? WALK_STOP : WALK_NEXT;
}

/* Whether assigning to lhs is observable: globals, arrays and target
 * variables always; locals only if read (and never, seen from outside a
 * function, its own locals). */
static bool lhs_matters_in(const struct expr *lhs, bool in_function)
{
	if (lhs->kind == EXPR_SYMBOL) {
		const struct vardecl *v = lhs->u.sym.decl;
		if (!v || v->kind == VAR_GLOBAL)
			return true;
		return in_function ? false : v->read;
	}
	return true;
}

static bool lhs_matters(const struct expr *lhs)
{
	return lhs_matters_in(lhs, false);
}

static bool fx_of(struct elab *E, const struct expr *e, bool in_function)
{
	struct fx f = { E, false, in_function };
	struct ast_walker w = { .expr_pre = fx_expr, .data = &f };
	ast_walk_expr(&w, (struct expr *)e);
	return f.effects;
}

static bool expr_has_side_effects(struct elab *E, const struct expr *e)
{
	return fx_of(E, e, false);
}

/* ------------------------------------------------------------- trimming */

static bool keep_warnings(struct elider *X)
{
	return !X->E->s->opts.suppress_warnings;
}

static bool empty_body(const struct stmt *s)
{
	if (!s)
		return true;
	if (s->kind == STMT_BLOCK) {
		for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
			if (!empty_body(s->u.block.stmts.items[i]))
				return false;
		return true;
	}
	return s->kind == STMT_NULL;
}

/* Rewrites one statement in place; returns NULL when it disappears. */
static struct stmt *trim_stmt(struct elider *X, struct stmt *s);

static struct stmt *trim_expr_stmt(struct elider *X, struct stmt *s)
{
	struct elab *E = X->E;
	struct expr *e = s->u.expr;
	/* x = rhs with x a local nobody reads */
	while (e->kind == EXPR_ASSIGN && e->u.assign.lhs->kind == EXPR_SYMBOL &&
	       !lhs_matters(e->u.assign.lhs)) {
		if (user_code(E, e->tok) && keep_warnings(X))
			diag_warning(E->diag, W_ELIDE, e->tok, "Eliding assignment to '%s'",
				     e->u.assign.lhs->u.sym.name);
		e = e->u.assign.rhs;
		s->u.expr = e;
		X->changed = true;
	}
	if (!expr_has_side_effects(E, e)) {
		if (user_code(E, e->tok) && keep_warnings(X))
			diag_warning(E->diag, W_ELIDE, e->tok, "Eliding side-effect-free expression ");
		X->changed = true;
		return NULL;
	}
	return s;
}

static struct stmt *trim_block(struct elider *X, struct stmt *s)
{
	uint32_t out = 0;
	for (uint32_t i = 0; i < s->u.block.stmts.len; i++) {
		struct stmt *t = trim_stmt(X, s->u.block.stmts.items[i]);
		if (t)
			s->u.block.stmts.items[out++] = t;
	}
	s->u.block.stmts.len = out;
	return s;
}

static struct stmt *trim_stmt(struct elider *X, struct stmt *s)
{
	if (!s)
		return NULL;
	switch (s->kind) {
	case STMT_BLOCK:
		return trim_block(X, s);
	case STMT_EXPR:
		return trim_expr_stmt(X, s);
	case STMT_NULL:
		return NULL;
	case STMT_IF:
		s->u.if_.then = trim_stmt(X, s->u.if_.then);
		s->u.if_.otherwise = trim_stmt(X, s->u.if_.otherwise);
		if (empty_body(s->u.if_.then) && empty_body(s->u.if_.otherwise) &&
		    !expr_has_side_effects(X->E, s->u.if_.cond)) {
			X->changed = true;
			return NULL;
		}
		if (!s->u.if_.then)
			s->u.if_.then = ast_stmt_new(X->E->arena, STMT_BLOCK, s->tok);
		return s;
	case STMT_FOR:
		if (s->u.for_.init && !expr_has_side_effects(X->E, s->u.for_.init)) {
			s->u.for_.init = NULL;
			X->changed = true;
		}
		if (s->u.for_.incr && !expr_has_side_effects(X->E, s->u.for_.incr)) {
			s->u.for_.incr = NULL;
			X->changed = true;
		}
		s->u.for_.body = trim_stmt(X, s->u.for_.body);
		if (!s->u.for_.body)
			s->u.for_.body = ast_stmt_new(X->E->arena, STMT_BLOCK, s->tok);
		return s;
	case STMT_FOREACH:
		s->u.foreach.body = trim_stmt(X, s->u.foreach.body);
		/* iterating to do nothing does nothing */
		if (empty_body(s->u.foreach.body) &&
		    !(s->u.foreach.limit && expr_has_side_effects(X->E, s->u.foreach.limit))) {
			X->changed = true;
			return NULL;
		}
		if (!s->u.foreach.body)
			s->u.foreach.body = ast_stmt_new(X->E->arena, STMT_BLOCK, s->tok);
		return s;
	case STMT_TRY:
		s->u.try_.body = trim_stmt(X, s->u.try_.body);
		s->u.try_.handler = trim_stmt(X, s->u.try_.handler);
		if (!s->u.try_.body)
			s->u.try_.body = ast_stmt_new(X->E->arena, STMT_BLOCK, s->tok);
		if (!s->u.try_.handler)
			s->u.try_.handler = ast_stmt_new(X->E->arena, STMT_BLOCK, s->tok);
		return s;
	default:
		return s;
	}
}

static void drop_empty_probes(struct elider *X)
{
	struct elab *E = X->E;
	derived_probe_vec *v = &E->prog->probes;
	uint32_t out = 0;
	for (uint32_t i = 0; i < v->len; i++) {
		struct derived_probe *dp = v->items[i];
		if (empty_body(dp->body) && !dp->keep_empty) {
			const struct token *kw = dp->origin ? dp->origin->tok : dp->tok;
			if (user_code(E, kw) && keep_warnings(X))
				diag_warning(E->diag, W_ELIDE, kw, "Probe '%s' has been elided", dp->pp);
			X->changed = true;
			continue;
		}
		dp->index = out;
		v->items[out++] = dp;
	}
	v->len = out;
}

/* Functions and globals still referenced from what is left. */
struct reach {
	struct elab *E;
	functiondecl_vec fns;
};

static enum walk_result reach_expr(struct ast_walker *w, struct expr *e)
{
	struct reach *r = w->data;
	if (e->kind == EXPR_CALL) {
		for (struct functiondecl *f = e->u.call.decl; f; f = f->next_overload) {
			if (f->used)
				continue;
			f->used = true;
			vec_push(r->E->arena, &r->fns, f);
			if (f->body)
				ast_walk_stmt(w, f->body);
		}
	}
	return WALK_NEXT;
}

static void drop_unreached(struct elab *E)
{
	for (uint32_t i = 0; i < E->functions.len; i++)
		E->functions.items[i]->used = false;
	struct reach r = { .E = E };
	struct ast_walker w = { .expr_pre = reach_expr, .data = &r };
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct derived_probe *dp = E->prog->probes.items[i];
		ast_walk_stmt(&w, dp->body);
		if (dp->condition)
			ast_walk_expr(&w, dp->condition);
	}
	/* keep declaration order */
	uint32_t out = 0;
	for (uint32_t i = 0; i < E->functions.len; i++)
		if (E->functions.items[i]->used)
			E->functions.items[out++] = E->functions.items[i];
	E->functions.len = out;

	compute_usage(E);
	out = 0;
	for (uint32_t i = 0; i < E->globals.len; i++) {
		struct vardecl *v = E->globals.items[i];
		if (v->read || v->written)
			E->globals.items[out++] = v;
		else
			v->used = false;
	}
	E->globals.len = out;
}

static void drop_unused_locals(vardecl_vec *locals)
{
	uint32_t out = 0;
	for (uint32_t i = 0; i < locals->len; i++) {
		struct vardecl *v = locals->items[i];
		if (v->read || v->written) {
			v->index = out;
			locals->items[out++] = v;
		}
	}
	locals->len = out;
}

static void warn_never_assigned(struct elab *E)
{
	if (E->s->opts.suppress_warnings)
		return;
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		vardecl_vec *l = &E->prog->probes.items[i]->locals;
		for (uint32_t j = 0; j < l->len; j++) {
			struct vardecl *v = l->items[j];
			if (v->read && !v->written && user_code(E, v->tok))
				diag_warning(E->diag, W_NEVER_ASSIGNED, v->tok,
					     "never-assigned local variable '%s'", v->name);
		}
	}
	for (uint32_t i = 0; i < E->globals.len; i++) {
		struct vardecl *v = E->globals.items[i];
		if (v->read && !v->written && user_code(E, v->tok))
			diag_warning(E->diag, W_NEVER_ASSIGNED, v->tok,
				     "never-assigned global variable '%s'", v->name);
	}
}

bool elab_elide(struct elab *E)
{
	struct diag_mark before = diag_mark(E->diag);
	compute_usage(E);
	if (!E->s->opts.unoptimized) {
		struct elider X = { .E = E };
		for (int round = 0; round < 100; round++) {
			X.changed = false;
			for (uint32_t i = 0; i < E->prog->probes.len; i++) {
				struct derived_probe *dp = E->prog->probes.items[i];
				if (!trim_stmt(&X, dp->body))
					dp->body = ast_stmt_new(E->arena, STMT_BLOCK, dp->tok);
			}
			for (uint32_t i = 0; i < E->functions.len; i++) {
				struct functiondecl *fn = E->functions.items[i];
				if (fn->body && !trim_stmt(&X, fn->body))
					fn->body = ast_stmt_new(E->arena, STMT_BLOCK, fn->tok);
			}
			drop_empty_probes(&X);
			compute_usage(E);
			if (!X.changed)
				break;
		}
		drop_unreached(E);
		for (uint32_t i = 0; i < E->prog->probes.len; i++)
			drop_unused_locals(&E->prog->probes.items[i]->locals);
		for (uint32_t i = 0; i < E->functions.len; i++)
			drop_unused_locals(&E->functions.items[i]->locals);
	}
	warn_never_assigned(E);
	if (E->prog->probes.len == 0 && !E->listing) {
		diag_error(E->diag, D_SEM_NO_PROBES, NULL, "no probes found");
		return false;
	}
	return !diag_errors_since(E->diag, &before);
}
