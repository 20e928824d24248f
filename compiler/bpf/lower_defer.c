/*
 * lower_defer: strings formatted in user space from the integers a record
 * carries ("deferred" print arguments).
 *
 * A script function of longs returning a string that reads nothing but its
 * arguments (errno_str, return_str, the *_str flag decoders of the syscall
 * aliases) gives the same text wherever it runs.  Lowered into a kernel
 * handler it is a tree of compares and string copies (errno_str: ~1,500
 * instructions per call site, verified per handler: `syscall.*.return`
 * with errno_str was 549k instructions and ~9 s to load).  When such a call
 * is a print argument, the record carries its arguments instead and user
 * space runs the function with the interpreter when it prints the record
 * (runtime/bpf/record.c; psite_arg.defer).
 *
 * Locals too: a string local of the probe assigned exactly once, by such
 * a call, in a statement that always runs before any use (a top-level
 * statement of the body, blocks aside), and read only as print arguments
 * (the syscall aliases' `retstr = return_str(1, retval)`) keeps the call's
 * arguments in vregs and never exists as a string in the kernel.
 *
 * Pure means: literals, the function's parameters and locals, arithmetic
 * without division (so no run-time error can move from kernel to user
 * space), comparisons, concatenation, the conditional operator, sprintf,
 * calls of pure script functions; statements: blocks, expressions, if,
 * return.  No loops (so the statement budget the kernel would have charged
 * is small and bounded), no globals, no context, no builtins.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "util/arena.h"

#define DEFER_MAX_ARGS 5
#define DEFER_MAX_DEPTH 8

static bool pure_stmt(const struct stmt *s, uint32_t depth);

static bool pure_fn(const struct functiondecl *f, uint32_t depth)
{
	if (!f || depth > DEFER_MAX_DEPTH || f->bpf_builtin || f->embedded || !f->body ||
	    f->next_overload)
		return false;
	return pure_stmt(f->body, depth);
}

static bool pure_expr(const struct expr *e, uint32_t depth)
{
	if (!e)
		return true;
	switch (e->kind) {
	case EXPR_NUMBER:
	case EXPR_STRING:
		return true;
	case EXPR_SYMBOL:
		return e->u.sym.decl && (e->u.sym.decl->kind == VAR_LOCAL ||
					 e->u.sym.decl->kind == VAR_PARAM);
	case EXPR_UNARY:
		return pure_expr(e->u.unary.operand, depth);
	case EXPR_BINARY:
		if (e->u.binary.op == OP_DIV || e->u.binary.op == OP_MOD)
			return false;
		/* fallthrough */
	case EXPR_LOGICAL:
	case EXPR_COMPARE:
	case EXPR_CONCAT:
		return pure_expr(e->u.binary.lhs, depth) && pure_expr(e->u.binary.rhs, depth);
	case EXPR_TERNARY:
		return pure_expr(e->u.ternary.cond, depth) && pure_expr(e->u.ternary.then, depth) &&
		       pure_expr(e->u.ternary.otherwise, depth);
	case EXPR_ASSIGN:
		return e->u.assign.op != ASSIGN_STATS && e->u.assign.op != ASSIGN_DIV &&
		       e->u.assign.op != ASSIGN_MOD && pure_expr(e->u.assign.lhs, depth) &&
		       pure_expr(e->u.assign.rhs, depth);
	case EXPR_INCDEC:
		return pure_expr(e->u.incdec.operand, depth);
	case EXPR_PRINT: {
		const struct print_format *pf = e->u.print;
		if (!(pf->flags & PRINT_TO_STRING) || pf->hist)
			return false;
		vec_foreach(&pf->args, i)
			if (!pure_expr(pf->args.items[i], depth))
				return false;
		return true;
	}
	case EXPR_CALL:
		vec_foreach(&e->u.call.args, i)
			if (!pure_expr(e->u.call.args.items[i], depth))
				return false;
		return pure_fn(e->u.call.decl, depth + 1);
	default:
		return false;
	}
}

static bool pure_stmt(const struct stmt *s, uint32_t depth)
{
	if (!s)
		return true;
	switch (s->kind) {
	case STMT_BLOCK:
		vec_foreach(&s->u.block.stmts, i)
			if (!pure_stmt(s->u.block.stmts.items[i], depth))
				return false;
		return true;
	case STMT_EXPR:
		return pure_expr(s->u.expr, depth);
	case STMT_NULL:
		return true;
	case STMT_IF:
		return pure_expr(s->u.if_.cond, depth) && pure_stmt(s->u.if_.then, depth) &&
		       pure_stmt(s->u.if_.otherwise, depth);
	case STMT_RETURN:
		return pure_expr(s->u.ret.value, depth);
	default:
		return false;
	}
}

/* A call that can run in user space from its long arguments. */
static bool defer_call(const struct expr *e)
{
	if (e->kind != EXPR_CALL || e->type != TYPE_STRING)
		return false;
	const struct functiondecl *f = e->u.call.decl;
	if (!f || f->type != TYPE_STRING || e->u.call.args.len > DEFER_MAX_ARGS ||
	    e->u.call.args.len != f->params.len)
		return false;
	vec_foreach(&e->u.call.args, i)
		if (e->u.call.args.items[i]->type != TYPE_LONG ||
		    f->params.items[i]->type != TYPE_LONG)
			return false;
	return pure_fn(f, 0);
}

/* ------------------------------------------------------------ locals */

struct dscan {
	struct ast_walker w;
	const struct vardecl *d;
	const struct expr *assign;       /* the one assignment allowed */
	bool assigned, bad;
};

static enum walk_result dscan_expr(struct ast_walker *w, struct expr *e)
{
	struct dscan *ds = w->data;
	if (e == ds->assign) {
		ds->assigned = true;
		vec_foreach(&e->u.assign.rhs->u.call.args, i)
			ast_walk_expr(w, e->u.assign.rhs->u.call.args.items[i]);
		return ds->bad ? WALK_STOP : WALK_SKIP;
	}
	if (e->kind == EXPR_PRINT && !(e->u.print->flags & PRINT_TO_STRING)) {
		expr_vec *args = &e->u.print->args;
		vec_foreach(args, i) {
			struct expr *a = args->items[i];
			if (a->kind == EXPR_SYMBOL && a->u.sym.decl == ds->d) {
				if (!ds->assigned)
					ds->bad = true;
			} else {
				ast_walk_expr(w, a);
			}
		}
		if (e->u.print->hist)
			ast_walk_expr(w, e->u.print->hist);
		return ds->bad ? WALK_STOP : WALK_SKIP;
	}
	if (e->kind == EXPR_SYMBOL && e->u.sym.decl == ds->d) {
		ds->bad = true;
		return WALK_STOP;
	}
	return WALK_NEXT;
}

/* The assignment of d in a top-level statement of body (blocks aside):
 * exactly one, `d = call(...)` with a deferrable call; else NULL. */
static const struct expr *top_assign(const struct stmt *s, const struct vardecl *d, uint32_t *n)
{
	const struct expr *found = NULL;
	if (s->kind == STMT_BLOCK) {
		vec_foreach(&s->u.block.stmts, i) {
			const struct expr *f = top_assign(s->u.block.stmts.items[i], d, n);
			if (f)
				found = f;
		}
		return found;
	}
	if (s->kind != STMT_EXPR || s->u.expr->kind != EXPR_ASSIGN)
		return NULL;
	const struct expr *e = s->u.expr;
	if (e->u.assign.lhs->kind != EXPR_SYMBOL || e->u.assign.lhs->u.sym.decl != d)
		return NULL;
	(*n)++;
	return e->u.assign.op == ASSIGN_SET && defer_call(e->u.assign.rhs) ? e : NULL;
}

void lower_defer_scan(struct lower *L, struct derived_probe *dp)
{
	L->defers.len = 0;
	vec_foreach(&dp->locals, i) {
		const struct vardecl *d = dp->locals.items[i];
		if (d->type != TYPE_STRING)
			continue;
		uint32_t n = 0;
		const struct expr *as = top_assign(dp->body, d, &n);
		if (!as || n != 1)
			continue;
		struct dscan ds = { .d = d, .assign = as };
		ds.w.expr_pre = dscan_expr;
		ds.w.data = &ds;
		if (dp->condition)
			ast_walk_expr(&ds.w, dp->condition);
		if (!ds.bad)
			ast_walk_stmt(&ds.w, dp->body);
		if (ds.bad)
			continue;
		struct ldefer df = { .decl = d, .fn = as->u.assign.rhs->u.call.decl,
				     .nargs = as->u.assign.rhs->u.call.args.len };
		for (uint32_t k = 0; k < df.nargs; k++)
			df.regs[k] = ir_new_vreg(L->ir);
		vec_push(L->pl->arena, &L->defers, df);
	}
}

struct ldefer *lower_defer_local(struct lower *L, const struct vardecl *d)
{
	if (!L->scope || L->scope->fn)
		return NULL;
	vec_foreach(&L->defers, i)
		if (L->defers.items[i].decl == d)
			return &L->defers.items[i];
	return NULL;
}

/* ------------------------------------------------------------ arguments */

const struct functiondecl *lower_defer_arg(struct lower *L, const struct expr *a, uint32_t *nargs)
{
	struct ldefer *df;
	if (a->kind == EXPR_SYMBOL && (df = lower_defer_local(L, a->u.sym.decl))) {
		*nargs = df->nargs;
		return df->fn;
	}
	if (defer_call(a)) {
		*nargs = a->u.call.args.len;
		return a->u.call.decl;
	}
	return NULL;
}
