/*
 * targets: context variables ($var, $$vars, @var, @cast, autocast) and the
 * @defined/@entry operators, resolved by the family of each derived probe.
 *
 * @defined(e) becomes 1 or 0 here: e is resolved quietly and the operator
 * is replaced by the literal.  Anything else unresolvable is an error, or 0
 * with --skip-badvars.  Functions have no context of their own: target
 * expressions there are unresolvable (so @defined gives 0).
 */
#include <string.h>

#include "diag/diag.h"
#include "elab/typeinfo.h"
#include "target/target.h"
#include "elab/elab.h"
#include "session.h"
#include "util/arena.h"

struct tctx {
	struct elab *E;
	struct derived_probe *dp;       /* NULL in functions */
};

static bool is_target(const struct expr *e)
{
	return e->kind == EXPR_TARGET || e->kind == EXPR_CAST;
}

/* @cast(p, "type"[, "module"]) and autocasts work in any probe and in
 * functions: they need only the type of the base. */
static void resolve_cast(struct elab *E, struct expr *e)
{
	struct expr *base = e->u.target.operand;
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->base = ACCESS_EXPR;
	acc->base_expr = base;
	acc->base_size = 8;
	struct target *t = elab_target(E);
	struct btf *btf = t ? target_btf(t) : NULL;
	if (!btf) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "no kernel type information (BTF) for %s",
				   e->u.target.type_name ? "@cast" : "this autocast");
		return;
	}
	int32_t id;
	bool is_address;
	if (e->u.target.type_name) {
		id = typeinfo_find_type(btf, e->u.target.type_name);
		if (!id) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "type definition '%s' not found in '%s'",
					   e->u.target.type_name,
					   e->u.target.module ? e->u.target.module : "kernel");
			return;
		}
		is_address = true;
	} else {
		const struct target_access *b =
			(base->kind == EXPR_TARGET || base->kind == EXPR_CAST)
				? base->u.target.resolved : NULL;
		if (!b || !b->btf_id) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "autocast: the type of this value is unknown");
			return;
		}
		id = b->btf_id;
		is_address = false;
	}
	if (!typeinfo_walk(E, btf, id, is_address, e, acc))
		return;
	if (acc->is_string)
		e->type = TYPE_STRING;
	e->u.target.resolved = acc;
}

/* Resolves one target expression; quiet: no messages. */
static bool resolve_target(struct tctx *c, struct expr *e, bool quiet)
{
	struct elab *E = c->E;
	if (e->u.target.resolved)
		return true;
	bool saved = E->quiet_targets;
	E->quiet_targets = quiet;
	unsigned before = E->diag->errors;
	bool ok = false;
	const struct probe_family *f = c->dp ? c->dp->family : NULL;
	if (e->kind == EXPR_CAST) {
		resolve_cast(E, e);
		ok = E->diag->errors == before && e->u.target.resolved != NULL;
	} else if (f && f->target_var) {
		ok = f->target_var(E, c->dp, e) && E->diag->errors == before &&
		     e->u.target.resolved != NULL;
	} else if (!quiet) {
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "unresolved target-symbol expression");
	}
	E->quiet_targets = saved;
	if (quiet)
		E->diag->errors = before;
	if (ok && c->dp)
		c->dp->uses_target_vars = true;
	return ok;
}

static void make_number(struct expr *e, int64_t v)
{
	e->kind = EXPR_NUMBER;
	e->u.num = v;
	e->type = TYPE_LONG;
}

static enum walk_result target_expr(struct ast_walker *w, struct expr *e)
{
	struct tctx *c = w->data;
	if (e->kind == EXPR_ADDROF && is_target(e->u.op1.operand))
		e->u.op1.operand->u.target.addressof = true;
	if (e->kind == EXPR_DEFINED) {
		struct expr *x = e->u.op1.operand;
		bool defined = true;
		if (is_target(x)) {
			/* an autocast/@cast base must resolve first */
			if (x->u.target.operand) {
				struct ast_walker inner = *w;
				ast_walk_expr(&inner, x->u.target.operand);
			}
			defined = resolve_target(c, x, true);
		} else if (x->kind == EXPR_DEFINED) {
			defined = true;
		}
		make_number(e, defined ? 1 : 0);
		return WALK_SKIP;
	}
	return WALK_NEXT;
}

static enum walk_result target_expr_post(struct ast_walker *w, struct expr *e)
{
	struct tctx *c = w->data;
	if (!is_target(e))
		return WALK_NEXT;
	if (resolve_target(c, e, c->E->s->opts.skip_badvars))
		return WALK_NEXT;
	if (c->E->s->opts.skip_badvars)
		make_number(e, 0);
	return WALK_NEXT;
}

/* A ternary whose condition became a literal keeps only the live branch,
 * so that @choose_defined($x, y) never resolves $x when it is undefined. */
static enum walk_result fold_defined_ternary(struct ast_walker *w, struct expr *e)
{
	if (e->kind != EXPR_TERNARY)
		return WALK_NEXT;
	struct expr *cond = e->u.ternary.cond;
	target_expr(w, cond);
	if (cond->kind != EXPR_NUMBER)
		return WALK_NEXT;
	struct expr *live = cond->u.num ? e->u.ternary.then : e->u.ternary.otherwise;
	*e = *live;
	ast_walk_expr(w, e);
	return WALK_SKIP;
}

static enum walk_result pre(struct ast_walker *w, struct expr *e)
{
	if (e->kind == EXPR_TERNARY)
		return fold_defined_ternary(w, e);
	return target_expr(w, e);
}

static enum walk_result stmt_pre(struct ast_walker *w, struct stmt *s)
{
	/* if (@defined(...)) keeps only the live branch as well */
	if (s->kind == STMT_IF) {
		struct expr *cond = s->u.if_.cond;
		target_expr(w, cond);
		if (cond->kind == EXPR_UNARY && cond->u.unary.op == UOP_NOT) {
			target_expr(w, cond->u.unary.operand);
			if (cond->u.unary.operand->kind == EXPR_NUMBER)
				*cond = (struct expr){ .kind = EXPR_NUMBER, .tok = cond->tok,
						       .u.num = !cond->u.unary.operand->u.num,
						       .type = TYPE_LONG };
		}
		if (cond->kind == EXPR_NUMBER) {
			struct stmt *live = cond->u.num ? s->u.if_.then : s->u.if_.otherwise;
			if (!live)
				live = ast_stmt_new(((struct tctx *)w->data)->E->arena, STMT_BLOCK, s->tok);
			*s = *live;
			ast_walk_stmt(w, s);
			return WALK_SKIP;
		}
	}
	return WALK_NEXT;
}

bool elab_resolve_targets(struct elab *E)
{
	unsigned before = E->diag->errors;
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct tctx c = { E, E->prog->probes.items[i] };
		struct ast_walker w = { .expr_pre = pre, .expr_post = target_expr_post,
					.stmt_pre = stmt_pre, .data = &c };
		ast_walk_stmt(&w, c.dp->body);
	}
	for (uint32_t i = 0; i < E->functions.len; i++) {
		struct functiondecl *fn = E->functions.items[i];
		if (!fn->body)
			continue;
		struct tctx c = { E, NULL };
		struct ast_walker w = { .expr_pre = pre, .expr_post = target_expr_post,
					.stmt_pre = stmt_pre, .data = &c };
		ast_walk_stmt(&w, fn->body);
	}
	return E->diag->errors == before;
}
