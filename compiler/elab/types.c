/*
 * types: type inference to a fixed point (language.md §8).
 *
 * Each round walks every probe body, arming condition and function body,
 * pushing known types into declarations (variables, array index and value
 * types, function parameters and results) and from declarations into
 * expressions; the context of an expression says what it must be ("want").
 * Rounds repeat while anything changes.  A final round reports what is
 * still unknown.  Mismatches are reported where found, chained to where
 * the other type was first inferred, as SystemTap does.
 */
#include <string.h>

#include "common/fmt_spec.h"
#include "diag/diag.h"
#include "elab/elab.h"
#include "session.h"
#include "util/arena.h"

struct typer {
	struct elab *E;
	bool changed;
	bool final;                     /* report what remains unknown */
	struct functiondecl *fn;        /* function being typed, for return */
};

static void infer(struct typer *T, struct expr *e, enum stap_type want);
static void infer_stmt(struct typer *T, struct stmt *s);

static const char *tname(enum stap_type t)
{
	return stap_type_name(t);
}

/* An expression whose type is fixed by what it is, checked against what
 * its context wants. */
static void set_type(struct typer *T, struct expr *e, enum stap_type t, enum stap_type want)
{
	if (t == TYPE_UNKNOWN)
		return;
	if (e->type == TYPE_UNKNOWN) {
		e->type = t;
		T->changed = true;
	}
	if (want != TYPE_UNKNOWN && want != e->type)
		diag_error(T->E->diag, D_SEM_TYPE_MISMATCH, e->tok,
			   "type mismatch: expected %s but found %s", tname(want), tname(e->type));
}

/* A declaration's type (variable value, function result). */
static void unify_decl(struct typer *T, enum stap_type *slot, const struct token **slot_tok,
		       enum stap_type t, const struct token *at)
{
	if (t == TYPE_UNKNOWN)
		return;
	if (*slot == TYPE_UNKNOWN) {
		*slot = t;
		*slot_tok = at;
		T->changed = true;
		return;
	}
	if (*slot != t) {
		diag_error(T->E->diag, D_SEM_TYPE_MISMATCH, at, "type mismatch (%s)", tname(t));
		diag_chain(T->E->diag, *slot_tok, "type was first inferred here (%s)", tname(*slot));
	}
}

static void unify_var(struct typer *T, struct vardecl *v, enum stap_type t, const struct token *at)
{
	unify_decl(T, &v->type, &v->type_tok, t, at);
}

/* Array arity: -1 unknown, 0 scalar. */
static bool unify_arity(struct typer *T, struct vardecl *v, int arity, const struct token *at)
{
	if (arity == 0 && v->kind == VAR_GLOBAL && (v->maxsize || v->wrap)) {
		diag_error(T->E->diag, D_SEM_ARITY, v->tok,
			   v->maxsize ? "inconsistent arity" : "wrapping not supported for scalars");
		return false;
	}
	if (v->arity < 0) {
		v->arity = arity;
		v->arity_tok = at;
		T->changed = true;
		if (arity > 0 && !v->index_types)
			v->index_types = arena_new_array(T->E->arena, enum stap_type, (size_t)arity);
		return true;
	}
	if (v->arity != arity) {
		diag_error(T->E->diag, D_SEM_ARITY, at, "inconsistent arity (%d vs %d)", v->arity,
			   arity);
		diag_chain(T->E->diag, v->arity_tok, "arity %d first inferred here", v->arity);
		return false;
	}
	if (arity > 0 && !v->index_types)
		v->index_types = arena_new_array(T->E->arena, enum stap_type, (size_t)arity);
	return true;
}

/* index_types are stored per decl; remember where each was inferred */
struct index_origin {
	const struct token *tok[9];
};

static const struct token **index_tok(struct typer *T, struct vardecl *v, int i)
{
	struct index_origin *o = v->backend_index_origin;
	if (!o) {
		o = arena_new_obj(T->E->arena, struct index_origin);
		v->backend_index_origin = o;
	}
	return &o->tok[i < 9 ? i : 8];
}

static void unify_index(struct typer *T, struct vardecl *v, int i, struct expr *key)
{
	if (!key || i >= v->arity)
		return;
	infer(T, key, v->index_types[i]);
	if (key->type == TYPE_UNKNOWN)
		return;
	const struct token **origin = index_tok(T, v, i);
	if (v->index_types[i] == TYPE_UNKNOWN) {
		v->index_types[i] = key->type;
		*origin = key->tok;
		T->changed = true;
	} else if (v->index_types[i] != key->type) {
		diag_error(T->E->diag, D_SEM_TYPE_MISMATCH, key->tok, "index %d type mismatch (%s)", i,
			   tname(key->type));
		diag_chain(T->E->diag, *origin, "type of index %d was first inferred here (%s)", i,
			   tname(v->index_types[i]));
	}
}

static struct vardecl *sym_decl(const struct expr *e)
{
	return e && e->kind == EXPR_SYMBOL ? e->u.sym.decl : NULL;
}

static void infer_symbol(struct typer *T, struct expr *e, enum stap_type want)
{
	struct vardecl *v = e->u.sym.decl;
	if (!v)
		return;
	if (!unify_arity(T, v, 0, e->tok))
		return;
	if (want == TYPE_STATS && v->kind != VAR_GLOBAL) {
		diag_error(T->E->diag, D_SEM_STATS, e->tok,
			   "stat locals not supported, missing global declaration? ");
		return;
	}
	unify_var(T, v, want, e->tok);
	if (v->type != TYPE_UNKNOWN && e->type != v->type) {
		e->type = v->type;
		T->changed = true;
	}
}

/* ARR[k...] (value of an element) */
static void infer_index(struct typer *T, struct expr *e, enum stap_type want)
{
	struct expr *base = e->u.index.base;
	if (base->kind == EXPR_HIST) {
		infer(T, base, TYPE_UNKNOWN);
		for (uint32_t i = 0; i < e->u.index.keys.len; i++)
			infer(T, e->u.index.keys.items[i], TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		return;
	}
	struct vardecl *v = sym_decl(base);
	if (!v)
		return;
	if (!unify_arity(T, v, (int)e->u.index.keys.len, base->tok))
		return;
	for (uint32_t i = 0; i < e->u.index.keys.len; i++)
		unify_index(T, v, (int)i, e->u.index.keys.items[i]);
	unify_var(T, v, want, base->tok);
	if (v->type != TYPE_UNKNOWN && e->type == TYPE_UNKNOWN) {
		e->type = v->type;
		T->changed = true;
	}
}

static void infer_stats_operand(struct typer *T, struct expr *x)
{
	if (x->kind == EXPR_SYMBOL || x->kind == EXPR_INDEX) {
		infer(T, x, TYPE_STATS);
		return;
	}
	infer(T, x, TYPE_UNKNOWN);
	if (x->type != TYPE_UNKNOWN && x->type != TYPE_STATS)
		diag_error(T->E->diag, D_SEM_TYPE_MISMATCH, x->tok,
			   "type mismatch: expected stats but found %s", tname(x->type));
}

static void infer_call(struct typer *T, struct expr *e, enum stap_type want)
{
	struct functiondecl *fn = e->u.call.decl;
	if (!fn) {
		for (uint32_t i = 0; i < e->u.call.args.len; i++)
			infer(T, e->u.call.args.items[i], TYPE_UNKNOWN);
		return;
	}
	for (uint32_t i = 0; i < e->u.call.args.len && i < fn->params.len; i++) {
		struct expr *a = e->u.call.args.items[i];
		struct vardecl *p = fn->params.items[i];
		/* every function of an overload chain shares the signature */
		for (struct functiondecl *f = fn->next_overload; f; f = f->next_overload)
			if (i < f->params.len && f->params.items[i]->type == TYPE_UNKNOWN &&
			    p->type != TYPE_UNKNOWN) {
				f->params.items[i]->type = p->type;
				f->params.items[i]->type_tok = p->type_tok;
				T->changed = true;
			}
		infer(T, a, p->type);
		if (a->type == TYPE_UNKNOWN)
			continue;
		if (p->type == TYPE_UNKNOWN) {
			p->type = a->type;
			p->type_tok = a->tok;
			T->changed = true;
		} else if (p->type != a->type) {
			diag_error(T->E->diag, D_SEM_TYPE_MISMATCH, a->tok, "index %u type mismatch (%s)",
				   i, tname(a->type));
			diag_chain(T->E->diag, p->type_tok, "type of index %u was first inferred here (%s)",
				   i, tname(p->type));
		}
	}
	if (want != TYPE_UNKNOWN && fn->type == TYPE_UNKNOWN && fn->declared_type == TYPE_UNKNOWN &&
	    fn->body) {
		/* the caller's context types a function whose body does not */
		fn->type = want;
		fn->type_tok = e->tok;
		T->changed = true;
	}
	if (fn->type != TYPE_UNKNOWN)
		set_type(T, e, fn->type, want);
}

/* printf argument types from the format */
static void infer_print(struct typer *T, struct expr *e, enum stap_type want)
{
	struct print_format *pf = e->u.print;
	if (pf->hist) {
		infer(T, pf->hist, TYPE_UNKNOWN);
	} else if (pf->flags & PRINT_FORMAT) {
		unsigned pos = 0, argi = 0;
		struct fmt_spec spec;
		const char *err;
		int r;
		while ((r = fmt_next(pf->format, pf->format_len, &pos, &spec, &err)) > 0) {
			if (!fmt_takes_value(spec.conv))
				continue;
			if (spec.width == FMT_STAR && argi < pf->args.len)
				infer(T, pf->args.items[argi++], TYPE_LONG);
			if (spec.prec == FMT_STAR && argi < pf->args.len)
				infer(T, pf->args.items[argi++], TYPE_LONG);
			if (argi < pf->args.len)
				infer(T, pf->args.items[argi],
				      fmt_takes_string(spec.conv) ? TYPE_STRING : TYPE_LONG);
			argi++;
		}
		if (argi != pf->args.len) {
			diag_error(T->E->diag, D_SEM_ARITY, e->tok,
				   "Wrong number of args to formatted print operator");
			for (uint32_t i = argi; i < pf->args.len; i++)
				infer(T, pf->args.items[i], TYPE_UNKNOWN);
		}
	} else {
		for (uint32_t i = 0; i < pf->args.len; i++) {
			struct expr *a = pf->args.items[i];
			infer(T, a, TYPE_UNKNOWN);
		}
	}
	if (pf->flags & PRINT_TO_STRING)
		set_type(T, e, TYPE_STRING, want);
}

static bool pretty_target(const struct expr *e)
{
	const target_comp_vec *c = &e->u.target.comps;
	if (c->len && (c->items[c->len - 1].kind == TCOMP_PRETTY ||
		       c->items[c->len - 1].kind == TCOMP_PRETTY_DEEP))
		return true;
	if (e->kind == EXPR_TARGET && !e->u.target.is_at_var && e->u.target.name &&
	    strncmp(e->u.target.name, "$$", 2) == 0)
		return true; /* $$vars, $$parms, $$locals, $$return, $$name ... */
	return false;
}

static void infer_target(struct typer *T, struct expr *e, enum stap_type want)
{
	if (e->u.target.operand)
		infer(T, e->u.target.operand, TYPE_UNKNOWN);
	for (uint32_t i = 0; i < e->u.target.comps.len; i++)
		if (e->u.target.comps.items[i].index)
			infer(T, e->u.target.comps.items[i].index, TYPE_LONG);
	if (e->u.target.pretty)
		infer(T, e->u.target.pretty, TYPE_STRING);
	if (e->type != TYPE_UNKNOWN) {
		set_type(T, e, e->type, want); /* a family typed it */
		return;
	}
	set_type(T, e, pretty_target(e) ? TYPE_STRING : TYPE_LONG, want);
}

static void infer_assign(struct typer *T, struct expr *e, enum stap_type want)
{
	struct expr *l = e->u.assign.lhs, *r = e->u.assign.rhs;
	switch (e->u.assign.op) {
	case ASSIGN_SET:
		infer(T, l, want);
		infer(T, r, l->type);
		if (l->type == TYPE_UNKNOWN && r->type != TYPE_UNKNOWN)
			infer(T, l, r->type);
		if (r->type == TYPE_STATS)
			diag_error(T->E->diag, D_SEM_STATS, r->tok,
				   "statistics cannot be assigned: use <<<");
		set_type(T, e, l->type, want);
		return;
	case ASSIGN_CONCAT:
		infer(T, l, TYPE_STRING);
		infer(T, r, TYPE_STRING);
		set_type(T, e, TYPE_STRING, want);
		return;
	case ASSIGN_STATS:
		infer_stats_operand(T, l);
		infer(T, r, TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		return;
	default:
		infer(T, l, TYPE_LONG);
		infer(T, r, TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		return;
	}
}

static void infer_compare(struct typer *T, struct expr *e, enum stap_type want)
{
	struct expr *l = e->u.binary.lhs, *r = e->u.binary.rhs;
	infer(T, l, TYPE_UNKNOWN);
	infer(T, r, l->type);
	if (l->type == TYPE_UNKNOWN && r->type != TYPE_UNKNOWN)
		infer(T, l, r->type);
	if (l->type == TYPE_STATS || r->type == TYPE_STATS)
		diag_error(T->E->diag, D_SEM_STATS, l->type == TYPE_STATS ? l->tok : r->tok,
			   "statistics cannot be compared");
	set_type(T, e, TYPE_LONG, want);
}

static void infer(struct typer *T, struct expr *e, enum stap_type want)
{
	if (!e)
		return;
	switch (e->kind) {
	case EXPR_NUMBER:
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_STRING:
		set_type(T, e, TYPE_STRING, want);
		break;
	case EXPR_EMBEDDED:
		set_type(T, e, strstr(e->u.embedded.code, "/* string */") ? TYPE_STRING : TYPE_LONG,
			 want);
		break;
	case EXPR_SYMBOL:
		infer_symbol(T, e, want);
		break;
	case EXPR_INDEX:
		infer_index(T, e, want);
		break;
	case EXPR_CALL:
		infer_call(T, e, want);
		break;
	case EXPR_PRINT:
		infer_print(T, e, want);
		break;
	case EXPR_STAT:
		infer_stats_operand(T, e->u.stat.operand);
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_HIST:
		infer_stats_operand(T, e->u.hist.operand);
		break;
	case EXPR_UNARY:
		infer(T, e->u.unary.operand, TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_BINARY:
	case EXPR_LOGICAL:
		infer(T, e->u.binary.lhs, TYPE_LONG);
		infer(T, e->u.binary.rhs, TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_COMPARE:
		infer_compare(T, e, want);
		break;
	case EXPR_CONCAT:
		infer(T, e->u.binary.lhs, TYPE_STRING);
		infer(T, e->u.binary.rhs, TYPE_STRING);
		set_type(T, e, TYPE_STRING, want);
		break;
	case EXPR_REGEX:
		infer(T, e->u.regex.lhs, TYPE_STRING);
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_TERNARY: {
		infer(T, e->u.ternary.cond, TYPE_LONG);
		struct expr *a = e->u.ternary.then, *b = e->u.ternary.otherwise;
		infer(T, a, want);
		infer(T, b, a->type != TYPE_UNKNOWN ? a->type : want);
		if (a->type == TYPE_UNKNOWN && b->type != TYPE_UNKNOWN)
			infer(T, a, b->type);
		set_type(T, e, a->type != TYPE_UNKNOWN ? a->type : b->type, want);
		break;
	}
	case EXPR_ASSIGN:
		infer_assign(T, e, want);
		break;
	case EXPR_INCDEC:
		infer(T, e->u.incdec.operand, TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_IN: {
		struct expr *arr = e->u.in.array;
		if (arr->kind == EXPR_HIST) {
			infer(T, arr, TYPE_UNKNOWN);
			for (uint32_t i = 0; i < e->u.in.keys.len; i++)
				infer(T, e->u.in.keys.items[i], TYPE_LONG);
		} else if (sym_decl(arr)) {
			struct vardecl *v = sym_decl(arr);
			if (unify_arity(T, v, (int)e->u.in.keys.len, arr->tok))
				for (uint32_t i = 0; i < e->u.in.keys.len; i++)
					unify_index(T, v, (int)i, e->u.in.keys.items[i]);
		}
		set_type(T, e, TYPE_LONG, want);
		break;
	}
	case EXPR_TARGET:
	case EXPR_CAST:
		infer_target(T, e, want);
		break;
	case EXPR_DEFINED:
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_ENTRY:
		infer(T, e->u.op1.operand, want);
		set_type(T, e, e->u.op1.operand->type, want);
		break;
	case EXPR_PROBEWRITE:
	case EXPR_PERF:
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_REGISTER:
		infer(T, e->u.reg.num, TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_DEREF:
		infer(T, e->u.deref.size, TYPE_LONG);
		infer(T, e->u.deref.addr, TYPE_LONG);
		set_type(T, e, TYPE_LONG, want);
		break;
	case EXPR_ADDROF:
		infer(T, e->u.op1.operand, TYPE_UNKNOWN);
		set_type(T, e, TYPE_LONG, want);
		break;
	}
}

static void infer_foreach(struct typer *T, struct stmt *s)
{
	struct expr *base = s->u.foreach.base;
	expr_vec *keys = &s->u.foreach.keys;
	if (base->kind == EXPR_HIST) {
		infer(T, base, TYPE_UNKNOWN);
		for (uint32_t i = 0; i < keys->len; i++)
			infer(T, keys->items[i], TYPE_LONG);
		infer(T, s->u.foreach.value, TYPE_LONG);
	} else if (sym_decl(base)) {
		struct vardecl *v = sym_decl(base);
		if (unify_arity(T, v, (int)keys->len, base->tok)) {
			for (uint32_t i = 0; i < keys->len; i++) {
				struct expr *k = keys->items[i];
				/* the key variable takes the index type and gives it back */
				infer(T, k, v->index_types[i]);
				unify_index(T, v, (int)i, k);
			}
			for (uint32_t i = 0; i < s->u.foreach.slice.len; i++)
				unify_index(T, v, (int)i, s->u.foreach.slice.items[i]);
			if (s->u.foreach.value) {
				struct expr *val = s->u.foreach.value;
				infer(T, val, v->type == TYPE_STATS ? TYPE_UNKNOWN : v->type);
				if (v->type == TYPE_STATS)
					diag_error(T->E->diag, D_SEM_STATS, val->tok,
						   "cannot bind a statistics value to a variable");
				else if (val->type != TYPE_UNKNOWN)
					unify_var(T, v, val->type, val->tok);
			}
		}
	}
	if (s->u.foreach.sort_agg != STAT_NONE && sym_decl(base) && sym_decl(base)->type != TYPE_UNKNOWN &&
	    sym_decl(base)->type != TYPE_STATS)
		diag_error(T->E->diag, D_SEM_TYPE_MISMATCH, base->tok, "invalid type %s",
			   tname(sym_decl(base)->type));
	infer(T, s->u.foreach.limit, TYPE_LONG);
	infer_stmt(T, s->u.foreach.body);
}

static void infer_stmt(struct typer *T, struct stmt *s)
{
	if (!s)
		return;
	switch (s->kind) {
	case STMT_BLOCK:
		for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
			infer_stmt(T, s->u.block.stmts.items[i]);
		break;
	case STMT_EXPR:
		infer(T, s->u.expr, TYPE_UNKNOWN);
		break;
	case STMT_IF:
		infer(T, s->u.if_.cond, TYPE_LONG);
		infer_stmt(T, s->u.if_.then);
		infer_stmt(T, s->u.if_.otherwise);
		break;
	case STMT_FOR:
		infer(T, s->u.for_.init, TYPE_UNKNOWN);
		infer(T, s->u.for_.cond, TYPE_LONG);
		infer(T, s->u.for_.incr, TYPE_UNKNOWN);
		infer_stmt(T, s->u.for_.body);
		break;
	case STMT_FOREACH:
		infer_foreach(T, s);
		break;
	case STMT_RETURN:
		if (s->u.ret.value && T->fn) {
			struct functiondecl *fn = T->fn;
			infer(T, s->u.ret.value, fn->type);
			unify_decl(T, &fn->type, &fn->type_tok, s->u.ret.value->type, s->u.ret.value->tok);
		}
		break;
	case STMT_DELETE: {
		struct expr *t = s->u.del.target;
		if (t->kind == EXPR_INDEX && sym_decl(t->u.index.base)) {
			struct vardecl *v = sym_decl(t->u.index.base);
			if (unify_arity(T, v, (int)t->u.index.keys.len, t->tok))
				for (uint32_t i = 0; i < t->u.index.keys.len; i++)
					unify_index(T, v, (int)i, t->u.index.keys.items[i]);
		} else if (t->kind == EXPR_SYMBOL && t->u.sym.decl) {
			/* delete ARR or delete SCALAR: arity stays whatever it is */
		} else {
			infer(T, t, TYPE_UNKNOWN);
		}
		break;
	}
	case STMT_TRY:
		infer_stmt(T, s->u.try_.body);
		if (s->u.try_.catch_var)
			infer(T, s->u.try_.catch_var, TYPE_STRING);
		infer_stmt(T, s->u.try_.handler);
		break;
	case STMT_NULL:
	case STMT_NEXT:
	case STMT_BREAK:
	case STMT_CONTINUE:
		break;
	}
}

/* ------------------------------------------------------- final checks */

static void report_unknown_var(struct typer *T, struct vardecl *v, const struct token *use)
{
	if (v->type == TYPE_UNKNOWN && !v->reported) {
		v->reported = true;
		diag_error(T->E->diag, D_SEM_UNRESOLVED_TYPE, use ? use : v->tok, "unresolved type ");
	}
}

static enum walk_result final_expr(struct ast_walker *w, struct expr *e)
{
	struct typer *T = w->data;
	if (e->kind == EXPR_SYMBOL && e->u.sym.decl) {
		report_unknown_var(T, e->u.sym.decl, e->tok);
	} else if (e->kind == EXPR_INDEX && sym_decl(e->u.index.base)) {
		struct vardecl *v = sym_decl(e->u.index.base);
		report_unknown_var(T, v, e->u.index.base->tok);
		for (int i = 0; v->index_types && i < v->arity; i++)
			if (v->index_types[i] == TYPE_UNKNOWN && !v->reported) {
				v->reported = true;
				diag_error(T->E->diag, D_SEM_UNRESOLVED_TYPE, e->u.index.base->tok,
					   "unresolved type for index %d", i);
			}
		return WALK_SKIP; /* keys are checked below */
	} else if (e->kind == EXPR_CALL && e->u.call.decl) {
		struct functiondecl *fn = e->u.call.decl;
		for (uint32_t i = 0; i < fn->params.len; i++)
			if (fn->params.items[i]->type == TYPE_UNKNOWN && !fn->params.items[i]->reported) {
				fn->params.items[i]->reported = true;
				diag_error(T->E->diag, D_SEM_UNRESOLVED_TYPE, fn->params.items[i]->tok,
					   "unresolved type ");
			}
	}
	return WALK_NEXT;
}

static void final_walk(struct typer *T, struct stmt *body, struct expr *cond)
{
	struct ast_walker w = { .expr_pre = final_expr, .data = T };
	if (body)
		ast_walk_stmt(&w, body);
	if (cond)
		ast_walk_expr(&w, cond);
}

static void round_all(struct typer *T)
{
	struct elab *E = T->E;
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct derived_probe *dp = E->prog->probes.items[i];
		T->fn = NULL;
		infer_stmt(T, dp->body);
		infer(T, dp->condition, TYPE_LONG);
	}
	for (uint32_t i = 0; i < E->functions.len; i++) {
		struct functiondecl *fn = E->functions.items[i];
		if (fn->declared_type != TYPE_UNKNOWN && fn->type == TYPE_UNKNOWN) {
			fn->type = fn->declared_type;
			fn->type_tok = fn->type_annot_tok ? fn->type_annot_tok : fn->tok;
			T->changed = true;
		}
		T->fn = fn;
		infer_stmt(T, fn->body);
	}
	/* global initialisers type their globals */
	for (uint32_t i = 0; i < E->globals.len; i++) {
		struct vardecl *v = E->globals.items[i];
		if (v->init && v->type == TYPE_UNKNOWN) {
			v->type = v->init->type;
			v->type_tok = v->init->tok;
			T->changed = true;
		}
	}
}

bool elab_infer_types(struct elab *E)
{
	struct diag_mark before = diag_mark(E->diag);
	struct typer T = { .E = E };
	/* each round can only add information, and there is a finite amount
	 * of it; the bound is a guard, not a limit anyone should reach */
	for (int round = 0; round < 1000; round++) {
		T.changed = false;
		round_all(&T);
		if (!T.changed || diag_errors_since(E->diag, &before))
			break;
	}
	if (diag_errors_since(E->diag, &before))
		return false;
	T.final = true;
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct derived_probe *dp = E->prog->probes.items[i];
		final_walk(&T, dp->body, dp->condition);
	}
	for (uint32_t i = 0; i < E->functions.len; i++)
		final_walk(&T, E->functions.items[i]->body, NULL);
	for (uint32_t i = 0; i < E->globals.len; i++) {
		struct vardecl *v = E->globals.items[i];
		if (v->type == TYPE_UNKNOWN && !v->reported && (v->read || v->written)) {
			v->reported = true;
			diag_error(E->diag, D_SEM_UNRESOLVED_TYPE, v->tok, "unresolved type ");
		}
	}
	return !diag_errors_since(E->diag, &before);
}
