/*
 * ast: node construction, deep copy and the generic walker (see ast.h).
 */
#include "parse/ast.h"

#include <string.h>

#include "util/arena.h"

const char *stap_type_name(enum stap_type t)
{
	switch (t) {
	case TYPE_LONG: return "long";
	case TYPE_STRING: return "string";
	case TYPE_STATS: return "stats";
	case TYPE_UNKNOWN: break;
	}
	return "unknown";
}

struct expr *ast_expr_new(struct arena *a, enum expr_kind kind, const struct token *tok)
{
	struct expr *e = arena_new_obj(a, struct expr);
	e->kind = kind;
	e->tok = tok;
	return e;
}

struct stmt *ast_stmt_new(struct arena *a, enum stmt_kind kind, const struct token *tok)
{
	struct stmt *s = arena_new_obj(a, struct stmt);
	s->kind = kind;
	s->tok = tok;
	return s;
}

struct expr *ast_number(struct arena *a, const struct token *tok, int64_t v)
{
	struct expr *e = ast_expr_new(a, EXPR_NUMBER, tok);
	e->u.num = v;
	e->type = TYPE_LONG;
	return e;
}

struct expr *ast_string(struct arena *a, const struct token *tok, const char *s, uint32_t len)
{
	struct expr *e = ast_expr_new(a, EXPR_STRING, tok);
	e->u.str.val = s;
	e->u.str.len = len;
	e->type = TYPE_STRING;
	return e;
}

struct expr *ast_symbol(struct arena *a, const struct token *tok, const char *name)
{
	struct expr *e = ast_expr_new(a, EXPR_SYMBOL, tok);
	e->u.sym.name = name;
	return e;
}

const char *binary_op_str(enum binary_op op)
{
	static const char *const s[] = {
		[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
		[OP_MOD] = "%", [OP_SHL] = "<<", [OP_SHR] = ">>", [OP_USHR] = ">>>",
		[OP_BITAND] = "&", [OP_BITOR] = "|", [OP_BITXOR] = "^",
		[OP_AND] = "&&", [OP_OR] = "||", [OP_LT] = "<", [OP_GT] = ">",
		[OP_LE] = "<=", [OP_GE] = ">=", [OP_EQ] = "==", [OP_NE] = "!=",
		[OP_CONCAT] = ".",
	};
	return s[op];
}

const char *assign_op_str(enum assign_op op)
{
	static const char *const s[] = {
		[ASSIGN_SET] = "=", [ASSIGN_ADD] = "+=", [ASSIGN_SUB] = "-=",
		[ASSIGN_MUL] = "*=", [ASSIGN_DIV] = "/=", [ASSIGN_MOD] = "%=",
		[ASSIGN_SHL] = "<<=", [ASSIGN_SHR] = ">>=", [ASSIGN_AND] = "&=",
		[ASSIGN_XOR] = "^=", [ASSIGN_OR] = "|=", [ASSIGN_CONCAT] = ".=",
		[ASSIGN_STATS] = "<<<",
	};
	return s[op];
}

const char *unary_op_str(enum unary_op op)
{
	static const char *const s[] = {
		[UOP_NEG] = "-", [UOP_PLUS] = "+", [UOP_NOT] = "!", [UOP_BITNOT] = "~",
	};
	return s[op];
}

const char *stat_op_str(enum stat_op op)
{
	static const char *const s[] = {
		[STAT_NONE] = "", [STAT_COUNT] = "@count", [STAT_SUM] = "@sum",
		[STAT_MIN] = "@min", [STAT_MAX] = "@max", [STAT_AVG] = "@avg",
		[STAT_VARIANCE] = "@variance",
	};
	return s[op];
}

/* ------------------------------------------------------------------ copy */

static void copy_expr_vec(struct arena *a, expr_vec *dst, const expr_vec *src)
{
	memset(dst, 0, sizeof(*dst));
	for (uint32_t i = 0; i < src->len; i++) {
		struct expr *c = src->items[i] ? ast_expr_copy(a, src->items[i]) : NULL;
		vec_push(a, dst, c);
	}
}

static void copy_target_comps(struct arena *a, target_comp_vec *dst, const target_comp_vec *src)
{
	memset(dst, 0, sizeof(*dst));
	for (uint32_t i = 0; i < src->len; i++) {
		struct target_comp c = src->items[i];
		if (c.index)
			c.index = ast_expr_copy(a, c.index);
		vec_push(a, dst, c);
	}
}

#define COPY(field) ((field) ? ast_expr_copy(a, (field)) : NULL)

struct expr *ast_expr_copy(struct arena *a, const struct expr *e)
{
	if (!e)
		return NULL;
	struct expr *c = arena_memdup(a, e, sizeof(*e));
	switch (e->kind) {
	case EXPR_NUMBER:
	case EXPR_STRING:
	case EXPR_EMBEDDED:
	case EXPR_PERF:
		break;
	case EXPR_SYMBOL:
		c->u.sym.decl = NULL;
		c->type = TYPE_UNKNOWN;
		c->type_tok = NULL;
		break;
	case EXPR_INDEX:
		c->u.index.base = COPY(e->u.index.base);
		copy_expr_vec(a, &c->u.index.keys, &e->u.index.keys);
		break;
	case EXPR_CALL:
		copy_expr_vec(a, &c->u.call.args, &e->u.call.args);
		c->u.call.decl = NULL;
		break;
	case EXPR_PRINT: {
		struct print_format *pf = arena_memdup(a, e->u.print, sizeof(*pf));
		copy_expr_vec(a, &pf->args, &e->u.print->args);
		pf->hist = COPY(e->u.print->hist);
		c->u.print = pf;
		break;
	}
	case EXPR_STAT:
		c->u.stat.operand = COPY(e->u.stat.operand);
		break;
	case EXPR_HIST:
		c->u.hist.operand = COPY(e->u.hist.operand);
		break;
	case EXPR_UNARY:
		c->u.unary.operand = COPY(e->u.unary.operand);
		break;
	case EXPR_BINARY:
	case EXPR_LOGICAL:
	case EXPR_COMPARE:
	case EXPR_CONCAT:
		c->u.binary.lhs = COPY(e->u.binary.lhs);
		c->u.binary.rhs = COPY(e->u.binary.rhs);
		break;
	case EXPR_REGEX:
		c->u.regex.lhs = COPY(e->u.regex.lhs);
		break;
	case EXPR_TERNARY:
		c->u.ternary.cond = COPY(e->u.ternary.cond);
		c->u.ternary.then = COPY(e->u.ternary.then);
		c->u.ternary.otherwise = COPY(e->u.ternary.otherwise);
		break;
	case EXPR_ASSIGN:
		c->u.assign.lhs = COPY(e->u.assign.lhs);
		c->u.assign.rhs = COPY(e->u.assign.rhs);
		break;
	case EXPR_INCDEC:
		c->u.incdec.operand = COPY(e->u.incdec.operand);
		break;
	case EXPR_IN:
		copy_expr_vec(a, &c->u.in.keys, &e->u.in.keys);
		c->u.in.array = COPY(e->u.in.array);
		break;
	case EXPR_TARGET:
	case EXPR_CAST:
		c->u.target.operand = COPY(e->u.target.operand);
		copy_target_comps(a, &c->u.target.comps, &e->u.target.comps);
		c->u.target.resolved = NULL;
		c->u.target.pretty = NULL;
		break;
	case EXPR_DEFINED:
	case EXPR_ENTRY:
	case EXPR_PROBEWRITE:
	case EXPR_ADDROF:
		c->u.op1.operand = COPY(e->u.op1.operand);
		break;
	case EXPR_REGISTER:
		c->u.reg.num = COPY(e->u.reg.num);
		break;
	case EXPR_DEREF:
		c->u.deref.size = COPY(e->u.deref.size);
		c->u.deref.addr = COPY(e->u.deref.addr);
		break;
	}
	return c;
}

#define SCOPY(field) ((field) ? ast_stmt_copy(a, (field)) : NULL)

struct stmt *ast_stmt_copy(struct arena *a, const struct stmt *s)
{
	if (!s)
		return NULL;
	struct stmt *c = arena_memdup(a, s, sizeof(*s));
	switch (s->kind) {
	case STMT_BLOCK:
		memset(&c->u.block.stmts, 0, sizeof(c->u.block.stmts));
		for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
			vec_push(a, &c->u.block.stmts, ast_stmt_copy(a, s->u.block.stmts.items[i]));
		break;
	case STMT_EXPR:
		c->u.expr = COPY(s->u.expr);
		break;
	case STMT_NULL:
	case STMT_NEXT:
	case STMT_BREAK:
	case STMT_CONTINUE:
		break;
	case STMT_IF:
		c->u.if_.cond = COPY(s->u.if_.cond);
		c->u.if_.then = SCOPY(s->u.if_.then);
		c->u.if_.otherwise = SCOPY(s->u.if_.otherwise);
		break;
	case STMT_FOR:
		c->u.for_.init = COPY(s->u.for_.init);
		c->u.for_.cond = COPY(s->u.for_.cond);
		c->u.for_.incr = COPY(s->u.for_.incr);
		c->u.for_.body = SCOPY(s->u.for_.body);
		break;
	case STMT_FOREACH:
		copy_expr_vec(a, &c->u.foreach.keys, &s->u.foreach.keys);
		c->u.foreach.value = COPY(s->u.foreach.value);
		c->u.foreach.base = COPY(s->u.foreach.base);
		copy_expr_vec(a, &c->u.foreach.slice, &s->u.foreach.slice);
		c->u.foreach.limit = COPY(s->u.foreach.limit);
		c->u.foreach.body = SCOPY(s->u.foreach.body);
		break;
	case STMT_RETURN:
		c->u.ret.value = COPY(s->u.ret.value);
		break;
	case STMT_DELETE:
		c->u.del.target = COPY(s->u.del.target);
		break;
	case STMT_TRY:
		c->u.try_.body = SCOPY(s->u.try_.body);
		c->u.try_.catch_var = COPY(s->u.try_.catch_var);
		c->u.try_.handler = SCOPY(s->u.try_.handler);
		break;
	}
	return c;
}

struct probe_point *ast_probe_point_copy(struct arena *a, const struct probe_point *pp)
{
	struct probe_point *c = arena_memdup(a, pp, sizeof(*pp));
	memset(&c->comps, 0, sizeof(c->comps));
	for (uint32_t i = 0; i < pp->comps.len; i++) {
		struct probe_point_comp comp = pp->comps.items[i];
		comp.arg = COPY(comp.arg);
		vec_push(a, &c->comps, comp);
	}
	c->condition = COPY(pp->condition);
	return c;
}

/* ------------------------------------------------------------------ walk */

#define WALK_E(x)                                                  \
	do {                                                       \
		if ((x) && ast_walk_expr(w, (x)) == WALK_STOP)     \
			return WALK_STOP;                          \
	} while (0)
#define WALK_S(x)                                                  \
	do {                                                       \
		if ((x) && ast_walk_stmt(w, (x)) == WALK_STOP)     \
			return WALK_STOP;                          \
	} while (0)

static enum walk_result walk_expr_vec(struct ast_walker *w, expr_vec *v)
{
	for (uint32_t i = 0; i < v->len; i++)
		WALK_E(v->items[i]);
	return WALK_NEXT;
}

static enum walk_result walk_expr_children(struct ast_walker *w, struct expr *e)
{
	switch (e->kind) {
	case EXPR_NUMBER:
	case EXPR_STRING:
	case EXPR_EMBEDDED:
	case EXPR_SYMBOL:
	case EXPR_PERF:
		break;
	case EXPR_INDEX:
		WALK_E(e->u.index.base);
		return walk_expr_vec(w, &e->u.index.keys);
	case EXPR_CALL:
		return walk_expr_vec(w, &e->u.call.args);
	case EXPR_PRINT:
		if (walk_expr_vec(w, &e->u.print->args) == WALK_STOP)
			return WALK_STOP;
		WALK_E(e->u.print->hist);
		break;
	case EXPR_STAT:
		WALK_E(e->u.stat.operand);
		break;
	case EXPR_HIST:
		WALK_E(e->u.hist.operand);
		break;
	case EXPR_UNARY:
		WALK_E(e->u.unary.operand);
		break;
	case EXPR_BINARY:
	case EXPR_LOGICAL:
	case EXPR_COMPARE:
	case EXPR_CONCAT:
		WALK_E(e->u.binary.lhs);
		WALK_E(e->u.binary.rhs);
		break;
	case EXPR_REGEX:
		WALK_E(e->u.regex.lhs);
		break;
	case EXPR_TERNARY:
		WALK_E(e->u.ternary.cond);
		WALK_E(e->u.ternary.then);
		WALK_E(e->u.ternary.otherwise);
		break;
	case EXPR_ASSIGN:
		WALK_E(e->u.assign.lhs);
		WALK_E(e->u.assign.rhs);
		break;
	case EXPR_INCDEC:
		WALK_E(e->u.incdec.operand);
		break;
	case EXPR_IN:
		if (walk_expr_vec(w, &e->u.in.keys) == WALK_STOP)
			return WALK_STOP;
		WALK_E(e->u.in.array);
		break;
	case EXPR_TARGET:
	case EXPR_CAST:
		WALK_E(e->u.target.operand);
		for (uint32_t i = 0; i < e->u.target.comps.len; i++)
			WALK_E(e->u.target.comps.items[i].index);
		WALK_E(e->u.target.pretty);
		break;
	case EXPR_DEFINED:
	case EXPR_ENTRY:
	case EXPR_PROBEWRITE:
	case EXPR_ADDROF:
		WALK_E(e->u.op1.operand);
		break;
	case EXPR_REGISTER:
		WALK_E(e->u.reg.num);
		break;
	case EXPR_DEREF:
		WALK_E(e->u.deref.size);
		WALK_E(e->u.deref.addr);
		break;
	}
	return WALK_NEXT;
}

enum walk_result ast_walk_expr(struct ast_walker *w, struct expr *e)
{
	if (w->expr_pre) {
		enum walk_result r = w->expr_pre(w, e);
		if (r == WALK_STOP)
			return WALK_STOP;
		if (r == WALK_SKIP)
			return WALK_NEXT;
	}
	if (walk_expr_children(w, e) == WALK_STOP)
		return WALK_STOP;
	if (w->expr_post)
		return w->expr_post(w, e) == WALK_STOP ? WALK_STOP : WALK_NEXT;
	return WALK_NEXT;
}

static enum walk_result walk_stmt_children(struct ast_walker *w, struct stmt *s)
{
	switch (s->kind) {
	case STMT_BLOCK:
		for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
			WALK_S(s->u.block.stmts.items[i]);
		break;
	case STMT_EXPR:
		WALK_E(s->u.expr);
		break;
	case STMT_NULL:
	case STMT_NEXT:
	case STMT_BREAK:
	case STMT_CONTINUE:
		break;
	case STMT_IF:
		WALK_E(s->u.if_.cond);
		WALK_S(s->u.if_.then);
		WALK_S(s->u.if_.otherwise);
		break;
	case STMT_FOR:
		WALK_E(s->u.for_.init);
		WALK_E(s->u.for_.cond);
		WALK_E(s->u.for_.incr);
		WALK_S(s->u.for_.body);
		break;
	case STMT_FOREACH:
		if (walk_expr_vec(w, &s->u.foreach.keys) == WALK_STOP)
			return WALK_STOP;
		WALK_E(s->u.foreach.value);
		WALK_E(s->u.foreach.base);
		if (walk_expr_vec(w, &s->u.foreach.slice) == WALK_STOP)
			return WALK_STOP;
		WALK_E(s->u.foreach.limit);
		WALK_S(s->u.foreach.body);
		break;
	case STMT_RETURN:
		WALK_E(s->u.ret.value);
		break;
	case STMT_DELETE:
		WALK_E(s->u.del.target);
		break;
	case STMT_TRY:
		WALK_S(s->u.try_.body);
		WALK_E(s->u.try_.catch_var);
		WALK_S(s->u.try_.handler);
		break;
	}
	return WALK_NEXT;
}

enum walk_result ast_walk_stmt(struct ast_walker *w, struct stmt *s)
{
	if (w->stmt_pre) {
		enum walk_result r = w->stmt_pre(w, s);
		if (r == WALK_STOP)
			return WALK_STOP;
		if (r == WALK_SKIP)
			return WALK_NEXT;
	}
	if (walk_stmt_children(w, s) == WALK_STOP)
		return WALK_STOP;
	if (w->stmt_post)
		return w->stmt_post(w, s) == WALK_STOP ? WALK_STOP : WALK_NEXT;
	return WALK_NEXT;
}
