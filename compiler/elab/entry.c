/*
 * entry: values a .return probe reads as they were at the function's
 * entry - @entry(e), and parameters ($var resolved to ACCESS_ENTRY) - are
 * saved by a companion probe at the entry and taken back on return.
 *
 * For a return probe P with entry values e0..en the family makes P's twin
 * at the same function's entry (shown as ".call" in pp(), as SystemTap
 * shows it), whose body is
 *
 *     __entry_P_ctr[tid()]++
 *     __entry_P_K[tid(), __entry_P_ctr[tid()]] = eK        (each K)
 *
 * and P's body starts with
 *
 *     __entry_depth = __entry_P_ctr[tid()]
 *     __entry_K = __entry_P_K[tid(), __entry_depth]; delete ...   (each K)
 *     if (__entry_depth > 1) __entry_P_ctr[tid()] = __entry_depth - 1
 *     else delete __entry_P_ctr[tid()]
 *
 * with each eK replaced by __entry_K.  A per-thread stack makes recursion
 * and nesting pair each return with its own entry; entries whose return
 * never comes (longjmp, a kretprobe out of instances) stay below and are
 * never read.  This is program text, so both back ends run it as they run
 * any script; the same expression read twice is saved once.
 */
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "parse/ast_print.h"
#include "session.h"
#include "util/arena.h"
#include "util/intern.h"
#include "util/strbuf.h"

struct saved {
	struct expr *value;     /* evaluated at entry (moved out of the body) */
	const char *text;       /* its printed form: the same text is saved once */
	struct vardecl *local;  /* the return probe's copy */
	struct vardecl *global; /* [tid, depth] -> value */
};

struct entry_walk {
	struct elab *E;
	struct derived_probe *dp;
	unsigned id;            /* names this probe's globals */
	VEC(struct saved) saved;
	bool failed;
};

static bool is_target(const struct expr *e)
{
	return e->kind == EXPR_TARGET || e->kind == EXPR_CAST;
}

static const struct target_access *access_of(const struct expr *e)
{
	return is_target(e) ? e->u.target.resolved : NULL;
}

static struct vardecl *new_var(struct elab *E, enum vardecl_kind kind, const struct token *tok,
			       const char *var_name, int arity)
{
	struct vardecl *v = arena_new_obj(E->arena, struct vardecl);
	v->kind = kind;
	v->tok = tok;
	v->name = intern(E->s->names, var_name); /* names compare with == */
	v->arity = arity;
	v->is_array = arity > 0;
	v->synthetic = true;
	return v;
}

static struct vardecl *new_global(struct elab *E, const struct token *tok, const char *var_name,
				  int arity)
{
	struct vardecl *v = new_var(E, VAR_GLOBAL, tok, var_name, arity);
	v->used = true;
	v->index = E->globals.len;
	vec_push(E->arena, &E->globals, v);
	return v;
}

static struct vardecl *new_local(struct elab *E, struct derived_probe *dp, const char *var_name)
{
	struct vardecl *v = new_var(E, VAR_LOCAL, dp->tok, var_name, 0);
	v->index = dp->locals.len;
	vec_push(E->arena, &dp->locals, v);
	return v;
}

/* ------------------------------------------------ building the text */

struct builder {
	struct elab *E;
	const struct token *tok;
	bool failed;
};

static struct expr *sym(struct builder *b, struct vardecl *v)
{
	struct expr *e = ast_symbol(b->E->arena, b->tok, v->name);
	e->u.sym.decl = v;
	return e;
}

static struct expr *tid(struct builder *b)
{
	struct expr *e = ast_expr_new(b->E->arena, EXPR_CALL, b->tok);
	e->u.call.name = intern(b->E->s->names, "tid");
	if (!elab_call_library(b->E, e))
		b->failed = true;
	return e;
}

/* v[tid()] or v[tid(), depth] */
static struct expr *slot(struct builder *b, struct vardecl *v, struct expr *depth)
{
	struct expr *e = ast_expr_new(b->E->arena, EXPR_INDEX, b->tok);
	e->u.index.base = sym(b, v);
	vec_push(b->E->arena, &e->u.index.keys, tid(b));
	if (depth)
		vec_push(b->E->arena, &e->u.index.keys, depth);
	return e;
}

static struct expr *assign(struct builder *b, struct expr *lhs, struct expr *rhs)
{
	struct expr *e = ast_expr_new(b->E->arena, EXPR_ASSIGN, b->tok);
	e->u.assign.op = ASSIGN_SET;
	e->u.assign.lhs = lhs;
	e->u.assign.rhs = rhs;
	return e;
}

static struct stmt *stmt_of(struct builder *b, struct expr *e)
{
	struct stmt *s = ast_stmt_new(b->E->arena, STMT_EXPR, b->tok);
	s->u.expr = e;
	return s;
}

static struct stmt *delete_of(struct builder *b, struct expr *target)
{
	struct stmt *s = ast_stmt_new(b->E->arena, STMT_DELETE, b->tok);
	s->u.del.target = target;
	return s;
}

static struct stmt *block(struct builder *b)
{
	return ast_stmt_new(b->E->arena, STMT_BLOCK, b->tok);
}

static void add(struct builder *b, struct stmt *blk, struct stmt *s)
{
	vec_push(b->E->arena, &blk->u.block.stmts, s);
}

/* ------------------------------------------- moving entry values out */

/* What an ACCESS_ENTRY target reads when evaluated at the entry itself:
 * the access it saves (`inner`), or its argument register. */
static const struct target_access *at_entry(struct elab *E, const struct target_access *acc)
{
	if (acc->inner)
		return acc->inner;
	struct target_access *a = arena_new_obj(E->arena, struct target_access);
	*a = *acc;
	a->base = ACCESS_FUNC_ARG;
	return a;
}

static enum walk_result to_entry_pre(struct ast_walker *w, struct expr *e)
{
	struct entry_walk *x = w->data;
	if (e->kind == EXPR_ENTRY) {
		*e = *e->u.op1.operand; /* @entry(@entry(v)) is @entry(v) */
		return to_entry_pre(w, e);
	}
	if (e->kind == EXPR_SYMBOL && e->u.sym.decl && e->u.sym.decl->kind != VAR_GLOBAL) {
		diag_error(x->E->diag, D_SEM_TARGET_VAR, e->tok,
			   "@entry() cannot read the local variable '%s': it is evaluated when the "
			   "function is entered, before the probe's locals exist", e->u.sym.name);
		x->failed = true;
		return WALK_SKIP;
	}
	const struct target_access *acc = access_of(e);
	if (acc && acc->base == ACCESS_ENTRY)
		e->u.target.resolved = (void *)at_entry(x->E, acc);
	return WALK_NEXT;
}

/* The saved slot for value v (moved here, evaluated at entry). */
static struct saved *save(struct entry_walk *x, struct expr *v)
{
	struct elab *E = x->E;
	struct strbuf sb = STRBUF_INIT;
	ast_print_expr(&sb, v);
	const char *text = arena_strdup(E->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	for (uint32_t i = 0; i < x->saved.len; i++)
		if (!strcmp(x->saved.items[i].text, text))
			return &x->saved.items[i];
	struct ast_walker w = { .expr_pre = to_entry_pre, .data = x };
	ast_walk_expr(&w, v);
	unsigned k = x->saved.len;
	struct saved s = {
		.value = v,
		.text = text,
		.local = new_local(E, x->dp, arena_printf(E->arena, "__entry_%u", k)),
		.global = new_global(E, x->dp->tok,
				     arena_printf(E->arena, "__entry_%u_%u", x->id, k), 2),
	};
	vec_push(E->arena, &x->saved, s);
	return &x->saved.items[k];
}

/* Replaces e (in place) by a read of the local holding value v at entry. */
static void replace(struct entry_walk *x, struct expr *e, struct expr *v)
{
	struct saved *s = save(x, v);
	const struct token *tok = e->tok;
	memset(e, 0, sizeof(*e));
	e->kind = EXPR_SYMBOL;
	e->tok = tok;
	e->u.sym.name = s->local->name;
	e->u.sym.decl = s->local;
}

static bool reads_entry(const struct expr *e);

static enum walk_result find_entry(struct ast_walker *w, struct expr *e)
{
	const struct target_access *acc = access_of(e);
	if (e->kind == EXPR_ENTRY || (acc && acc->base == ACCESS_ENTRY) ||
	    (acc && acc->base == ACCESS_VARS && acc->vars_sprintf && reads_entry(acc->vars_sprintf))) {
		*(bool *)w->data = true;
		return WALK_STOP;
	}
	return WALK_NEXT;
}

static bool reads_entry(const struct expr *e)
{
	bool found = false;
	struct ast_walker w = { .expr_pre = find_entry, .data = &found };
	ast_walk_expr(&w, (struct expr *)e);
	return found;
}

static bool body_reads_entry(struct stmt *s)
{
	bool found = false;
	struct ast_walker w = { .expr_pre = find_entry, .data = &found };
	ast_walk_stmt(&w, s);
	return found;
}

static enum walk_result from_return_pre(struct ast_walker *w, struct expr *e)
{
	struct entry_walk *x = w->data;
	if (e->kind == EXPR_ENTRY) {
		replace(x, e, e->u.op1.operand);
		return WALK_SKIP;
	}
	const struct target_access *acc = access_of(e);
	if (!acc)
		return WALK_NEXT;
	if (acc->base == ACCESS_VARS && acc->vars_sprintf && reads_entry(acc->vars_sprintf)) {
		/* $$parms in a return probe: each parameter saved at entry,
		 * the text made on return */
		*e = *acc->vars_sprintf;
		return WALK_NEXT;
	}
	if (acc->base != ACCESS_ENTRY)
		return WALK_NEXT;
	/* $param$ saves its text; $param its value */
	struct expr *v = e->u.target.pretty;
	if (!v) {
		v = arena_new_obj(x->E->arena, struct expr);
		*v = *e;
	}
	replace(x, e, v);
	return WALK_SKIP;
}

/* ------------------------------------------------------ the two probes */

/* "...function("f").return.maxactive(8)" -> "...function("f").call" */
static const char *call_pp(struct elab *E, const char *pp)
{
	const char *r = strstr(pp, ".return");
	if (!r)
		return pp;
	const char *rest = r + strlen(".return");
	if (!strncmp(rest, ".maxactive(", 11)) {
		const char *close = strchr(rest, ')');
		rest = close ? close + 1 : rest;
	}
	return arena_printf(E->arena, "%.*s.call%s", (int)(r - pp), pp, rest);
}

/* The probe at the entry, with its body; P's body starts taking back
 * what it saved. */
static struct derived_probe *make_twin(struct entry_walk *x, void *family_data)
{
	struct elab *E = x->E;
	struct derived_probe *ret = x->dp;
	struct builder b = { .E = E, .tok = ret->tok };
	struct vardecl *ctr = new_global(E, ret->tok,
					 arena_printf(E->arena, "__entry_%u_ctr", x->id), 1);

	struct derived_probe *twin = arena_new_obj(E->arena, struct derived_probe);
	*twin = *ret;
	twin->pp = call_pp(E, ret->pp);
	twin->locals = (vardecl_vec){ 0 };
	twin->condition = NULL;
	twin->is_return = false;
	twin->family_data = family_data;
	twin->body = block(&b);
	struct expr *push = ast_expr_new(E->arena, EXPR_INCDEC, b.tok);
	push->u.incdec.increment = true;
	push->u.incdec.operand = slot(&b, ctr, NULL);
	add(&b, twin->body, stmt_of(&b, push));
	for (uint32_t i = 0; i < x->saved.len; i++) {
		struct saved *s = &x->saved.items[i];
		add(&b, twin->body,
		    stmt_of(&b, assign(&b, slot(&b, s->global, slot(&b, ctr, NULL)), s->value)));
	}

	struct stmt *pro = block(&b);
	struct vardecl *depth = new_local(E, ret, "__entry_depth");
	add(&b, pro, stmt_of(&b, assign(&b, sym(&b, depth), slot(&b, ctr, NULL))));
	for (uint32_t i = 0; i < x->saved.len; i++) {
		struct saved *s = &x->saved.items[i];
		add(&b, pro, stmt_of(&b, assign(&b, sym(&b, s->local),
						slot(&b, s->global, sym(&b, depth)))));
		add(&b, pro, delete_of(&b, slot(&b, s->global, sym(&b, depth))));
	}
	struct stmt *pop = ast_stmt_new(E->arena, STMT_IF, b.tok);
	struct expr *nested = ast_expr_new(E->arena, EXPR_COMPARE, b.tok);
	nested->u.binary.op = OP_GT;
	nested->u.binary.lhs = sym(&b, depth);
	nested->u.binary.rhs = ast_number(E->arena, b.tok, 1);
	struct expr *below = ast_expr_new(E->arena, EXPR_BINARY, b.tok);
	below->u.binary.op = OP_SUB;
	below->u.binary.lhs = sym(&b, depth);
	below->u.binary.rhs = ast_number(E->arena, b.tok, 1);
	pop->u.if_.cond = nested;
	pop->u.if_.then = stmt_of(&b, assign(&b, slot(&b, ctr, NULL), below));
	pop->u.if_.otherwise = delete_of(&b, slot(&b, ctr, NULL));
	add(&b, pro, pop);
	if (ret->body)
		add(&b, pro, ret->body);
	ret->body = pro;
	if (b.failed) {
		diag_error(E->diag, D_SEM_TARGET_VAR, ret->tok,
			   "probe %s: entry values need the tapset function tid(), which is missing",
			   ret->pp);
		return NULL;
	}
	return twin;
}

/* dp's twin, or NULL when dp reads no entry value or after an error */
static struct derived_probe *save_entry_values(struct elab *E, struct derived_probe *dp,
					       unsigned id)
{
	if (!dp->body || !body_reads_entry(dp->body))
		return NULL;
	void *entry_data = dp->family->entry_twin ? dp->family->entry_twin(E, dp) : NULL;
	if (!entry_data) {
		if (!dp->family->entry_twin)
			diag_error(E->diag, D_SEM_TARGET_VAR, dp->tok,
				   "probe %s cannot read entry values (@entry, parameters): the "
				   "%s family has no probe at the function's entry", dp->pp,
				   dp->family->name);
		return NULL;
	}
	struct entry_walk x = { .E = E, .dp = dp, .id = id };
	struct ast_walker w = { .expr_pre = from_return_pre, .data = &x };
	ast_walk_stmt(&w, dp->body);
	return x.failed ? NULL : make_twin(&x, entry_data);
}

bool elab_save_entry_values(struct elab *E)
{
	struct diag_mark before = diag_mark(E->diag);
	derived_probe_vec all = { 0 };
	unsigned twins = 0;
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct derived_probe *dp = E->prog->probes.items[i];
		/* the twin goes first: registered before its return probe, it
		 * has saved whatever a return finds */
		struct derived_probe *twin = dp->is_return ? save_entry_values(E, dp, twins) : NULL;
		if (twin) {
			twins++;
			twin->index = all.len;
			vec_push(E->arena, &all, twin);
		}
		dp->index = all.len;
		vec_push(E->arena, &all, dp);
	}
	E->prog->probes = all;
	/* the twins are resolved already */
	E->resolved_probes = E->prog->probes.len;
	return !diag_errors_since(E->diag, &before);
}
