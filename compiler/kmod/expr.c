/*
 * expr: lowering of expressions (language.md §7).
 *
 * km_expr() writes the statements an expression needs (calls, checks,
 * temporaries) and returns a C expression for its value (struct val):
 * int64_t for longs, const char * for strings.  Returned C expressions
 * have no side effects and cannot fail; everything that can is a
 * statement followed by `if (_ctap_failed(c)) goto ERR;`.
 *
 * Evaluation order is left to right, as in SystemTap: when a later operand
 * has side effects (an assignment, a call, ...), the earlier operand's
 * value is first copied into a temporary (km_stabilize), so that
 * `x + f()` adds the x read before f() ran.
 *
 * Arithmetic is 64-bit two's complement: the kernel is built with
 * -fno-strict-overflow (wrapping signed arithmetic); shifts, `/` and `%`
 * go through the runtime's arith.h, which masks shift counts to 0..63,
 * raises `division by 0` and never traps on INT64_MIN / -1.
 */
#include <inttypes.h>
#include <string.h>

#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

struct val kv_long(const char *c, bool stable)
{
	struct val v = { c, TYPE_LONG, stable };
	return v;
}

struct val kv_str(const char *c, bool stable)
{
	struct val v = { c, TYPE_STRING, stable };
	return v;
}

static struct val bad(struct km_lower *L, struct expr *e, const char *what)
{
	kmod_error(L->K, e->tok, "%s", what);
	L->failed = true;
	return e->type == TYPE_STRING ? kv_str("\"\"", true) : kv_long("0", true);
}

static const char *num_literal(struct arena *a, int64_t v)
{
	if (v == INT64_MIN)
		return "(-9223372036854775807LL - 1)";
	if (v < 0)
		return arena_printf(a, "(%" PRId64 "LL)", v);
	return arena_printf(a, "%" PRId64 "LL", v);
}

/* ---------------------------------------------------------- effects */

static enum walk_result effects_pre(struct ast_walker *w, struct expr *e)
{
	switch (e->kind) {
	case EXPR_ASSIGN:
	case EXPR_INCDEC:
	case EXPR_CALL:
	case EXPR_EMBEDDED:
		*(bool *)w->data = true;
		return WALK_STOP;
	case EXPR_PRINT:
		if (!(e->u.print->flags & PRINT_TO_STRING)) {
			*(bool *)w->data = true;
			return WALK_STOP;
		}
		return WALK_NEXT;
	default:
		return WALK_NEXT;
	}
}

bool km_has_effects(const struct expr *e)
{
	bool any = false;
	if (!e)
		return false;
	struct ast_walker w = { .expr_pre = effects_pre, .data = &any };
	ast_walk_expr(&w, (struct expr *)e);
	return any;
}

/* ---------------------------------------------------------- values */

struct val km_stabilize(struct km_lower *L, struct val v)
{
	if (v.stable)
		return v;
	if (v.t == TYPE_STRING) {
		const char *t = arena_printf(L->K->a, "l->%s", kframe_str(L->K->a, L->f));
		kw_line(L->w, "_ctap_strcpy(%s, %s);", t, v.c);
		return kv_str(t, true);
	}
	const char *t = arena_printf(L->K->a, "l->%s", kframe_temp(L->K->a, L->f, "int64_t", 0));
	kw_line(L->w, "%s = %s;", t, v.c);
	return kv_long(t, true);
}

void km_store(struct km_lower *L, const char *dst, enum stap_type t, struct val v)
{
	if (t == TYPE_STRING)
		kw_line(L->w, "_ctap_strcpy(%s, %s);", dst, v.c);
	else
		kw_line(L->w, "%s = %s;", dst, v.c);
}

const char *km_var(struct km_lower *L, struct vardecl *v)
{
	if (v->kind == VAR_GLOBAL) {
		struct kglobal *g = v->backend;
		return g ? g->cname : "0 /* unknown global */";
	}
	if (!v->backend) {
		/* a local pass 2 did not list: give it a slot here */
		v->backend = (void *)km_local_name(L->K->a, v->name);
		kframe_add(L->K->a, L->f, "int64_t", v->backend, 0, v->type == TYPE_STRING);
	}
	return arena_printf(L->K->a, "l->%s", (const char *)v->backend);
}

/* The value of e as a long, with a type check. */
static struct val want_long(struct km_lower *L, struct expr *e)
{
	struct val v = km_expr(L, e);
	if (v.t != TYPE_LONG && !L->failed)
		return bad(L, e, "expected a long value");
	return v;
}

/* ---------------------------------------------------------- sub-writers */

/* Lowers e into a separate buffer at the current indent + extra; the
 * caller decides where the statements go (short-circuit operators). */
static struct val km_into(struct km_lower *L, struct expr *e, struct strbuf *buf, int extra)
{
	struct writer sub = { buf, L->w->indent + extra };
	struct writer *saved = L->w;
	L->w = &sub;
	struct val v = km_expr(L, e);
	L->w = saved;
	return v;
}

/* && || : the right operand runs only when needed. */
static struct val km_logical(struct km_lower *L, struct expr *e)
{
	bool is_and = e->u.binary.op == OP_AND;
	struct val a = want_long(L, e->u.binary.lhs);
	struct strbuf rb = STRBUF_INIT;
	struct val b = km_into(L, e->u.binary.rhs, &rb, 1);
	struct val r;
	if (rb.len == 0) {
		r = kv_long(arena_printf(L->K->a, "(%s %s %s)", a.c, is_and ? "&&" : "||", b.c),
			     false);
	} else {
		const char *t = arena_printf(L->K->a, "l->%s",
					     kframe_temp(L->K->a, L->f, "int64_t", 0));
		kw_line(L->w, "%s = !!(%s);", t, a.c);
		kw_open(L->w, "if (%s%s)", is_and ? "" : "!", t);
		strbuf_add(L->w->sb, rb.buf, rb.len);
		kw_line(L->w, "%s = !!(%s);", t, b.c);
		kw_close(L->w, NULL);
		r = kv_long(t, true);
	}
	strbuf_free(&rb);
	return r;
}

static struct val km_ternary(struct km_lower *L, struct expr *e)
{
	struct val c = want_long(L, e->u.ternary.cond);
	struct strbuf tb = STRBUF_INIT, ob = STRBUF_INIT;
	struct val x = km_into(L, e->u.ternary.then, &tb, 1);
	struct val y = km_into(L, e->u.ternary.otherwise, &ob, 1);
	struct val r;
	if (tb.len == 0 && ob.len == 0) {
		r.c = arena_printf(L->K->a, "(%s ? %s : %s)", c.c, x.c, y.c);
		r.t = x.t;
		r.stable = false;
	} else {
		bool str = e->type == TYPE_STRING;
		const char *t = arena_printf(L->K->a, "l->%s",
					     str ? kframe_str(L->K->a, L->f)
						 : kframe_temp(L->K->a, L->f, "int64_t", 0));
		kw_open(L->w, "if (%s)", c.c);
		strbuf_add(L->w->sb, tb.buf, tb.len);
		km_store(L, t, e->type, x);
		L->w->indent--;
		kw_open(L->w, "} else");
		strbuf_add(L->w->sb, ob.buf, ob.len);
		km_store(L, t, e->type, y);
		kw_close(L->w, NULL);
		r.c = t;
		r.t = e->type;
		r.stable = true;
	}
	strbuf_free(&tb);
	strbuf_free(&ob);
	return r;
}

/* ---------------------------------------------------------- arithmetic */

/* Made of number literals only: C would fold it at compile time and warn
 * about signed overflow (-Woverflow, an error with -Werror), so such
 * arithmetic is written in uint64_t, which wraps silently. */
static bool is_const(const struct expr *e)
{
	switch (e->kind) {
	case EXPR_NUMBER:
		return true;
	case EXPR_UNARY:
		return is_const(e->u.unary.operand);
	case EXPR_BINARY:
		return is_const(e->u.binary.lhs) && is_const(e->u.binary.rhs);
	default:
		return false;
	}
}

/* a / b or a % b: the runtime raises `division by 0` at the operator. */
static const char *km_division(struct km_lower *L, const struct token *op, bool mod,
			       const char *a, const char *b)
{
	const char *t = arena_printf(L->K->a, "l->%s", kframe_temp(L->K->a, L->f, "int64_t", 0));
	km_where(L, op);
	kw_line(L->w, "%s = _ctap_%s(c, %s, %s);", t, mod ? "mod" : "div", a, b);
	km_check(L);
	return t;
}

static const char *arith(struct km_lower *L, enum binary_op op, const struct token *tok,
			 struct val *a, struct val *b, bool konst)
{
	struct arena *A = L->K->a;
	if (konst && (op == OP_ADD || op == OP_SUB || op == OP_MUL))
		return arena_printf(A, "(int64_t)((uint64_t)%s %s (uint64_t)%s)", a->c,
				    op == OP_ADD ? "+" : op == OP_SUB ? "-" : "*", b->c);
	switch (op) {
	case OP_ADD: return arena_printf(A, "(%s + %s)", a->c, b->c);
	case OP_SUB: return arena_printf(A, "(%s - %s)", a->c, b->c);
	case OP_MUL: return arena_printf(A, "(%s * %s)", a->c, b->c);
	case OP_BITAND: return arena_printf(A, "(%s & %s)", a->c, b->c);
	case OP_BITOR: return arena_printf(A, "(%s | %s)", a->c, b->c);
	case OP_BITXOR: return arena_printf(A, "(%s ^ %s)", a->c, b->c);
	case OP_SHL: return arena_printf(A, "_ctap_shl(%s, %s)", a->c, b->c);
	case OP_SHR: return arena_printf(A, "_ctap_shr(%s, %s)", a->c, b->c);
	case OP_USHR: return arena_printf(A, "_ctap_ushr(%s, %s)", a->c, b->c);
	case OP_DIV:
	case OP_MOD:
		return km_division(L, tok, op == OP_MOD, a->c, b->c);
	default:
		return "0";
	}
}

static struct val km_binary(struct km_lower *L, struct expr *e)
{
	struct val a = want_long(L, e->u.binary.lhs);
	if (km_has_effects(e->u.binary.rhs))
		a = km_stabilize(L, a);
	struct val b = want_long(L, e->u.binary.rhs);
	return kv_long(arith(L, e->u.binary.op, e->tok, &a, &b, is_const(e)), false);
}

static struct val km_compare(struct km_lower *L, struct expr *e)
{
	struct val a = km_expr(L, e->u.binary.lhs);
	if (km_has_effects(e->u.binary.rhs))
		a = km_stabilize(L, a);
	struct val b = km_expr(L, e->u.binary.rhs);
	const char *op = binary_op_str(e->u.binary.op);
	if (a.t == TYPE_STRING)
		return kv_long(arena_printf(L->K->a, "(strcmp(%s, %s) %s 0)", a.c, b.c, op), false);
	return kv_long(arena_printf(L->K->a, "(%s %s %s)", a.c, op, b.c), false);
}

static struct val km_concat(struct km_lower *L, struct expr *e)
{
	struct val a = km_expr(L, e->u.binary.lhs);
	if (km_has_effects(e->u.binary.rhs))
		a = km_stabilize(L, a);
	struct val b = km_expr(L, e->u.binary.rhs);
	const char *t = arena_printf(L->K->a, "l->%s", kframe_str(L->K->a, L->f));
	kw_line(L->w, "_ctap_concat(%s, %s, %s);", t, a.c, b.c);
	return kv_str(t, true);
}

static struct val km_unary(struct km_lower *L, struct expr *e)
{
	struct val v = want_long(L, e->u.unary.operand);
	switch (e->u.unary.op) {
	case UOP_NEG:
		if (is_const(e))
			return kv_long(arena_printf(L->K->a, "(int64_t)-(uint64_t)%s", v.c), false);
		return kv_long(arena_printf(L->K->a, "(-%s)", v.c), false);
	case UOP_PLUS: return v;
	case UOP_NOT: return kv_long(arena_printf(L->K->a, "(int64_t)!%s", v.c), false);
	case UOP_BITNOT: return kv_long(arena_printf(L->K->a, "(~%s)", v.c), false);
	}
	return v;
}

/* ---------------------------------------------------------- assignment */

static enum binary_op assign_binop(enum assign_op op)
{
	switch (op) {
	case ASSIGN_ADD: return OP_ADD;
	case ASSIGN_SUB: return OP_SUB;
	case ASSIGN_MUL: return OP_MUL;
	case ASSIGN_DIV: return OP_DIV;
	case ASSIGN_MOD: return OP_MOD;
	case ASSIGN_SHL: return OP_SHL;
	case ASSIGN_SHR: return OP_SHR;
	case ASSIGN_AND: return OP_BITAND;
	case ASSIGN_XOR: return OP_BITXOR;
	case ASSIGN_OR: return OP_BITOR;
	default: return OP_ADD;
	}
}

/* lv op= v for a long lvalue C expression; v is evaluated already. */
void km_compound(struct km_lower *L, const char *lv, enum assign_op op, const struct token *tok,
		    struct val v)
{
	struct val cur = kv_long(lv, false);
	enum binary_op bop = assign_binop(op);
	const char *r = arith(L, bop, tok, &cur, &v, false);
	kw_line(L->w, "%s = %s;", lv, r);
}

static struct val km_assign(struct km_lower *L, struct expr *e)
{
	struct expr *lhs = e->u.assign.lhs;
	if (e->u.assign.op == ASSIGN_STATS)
		return km_stat_add(L, e);
	if (lhs->kind == EXPR_INDEX)
		return km_index_assign(L, e);
	if (lhs->kind == EXPR_TARGET || lhs->kind == EXPR_CAST)
		return bad(L, lhs, "writing target variables is not supported by the "
			   "kernel-module back end yet");
	if (lhs->kind != EXPR_SYMBOL || !lhs->u.sym.decl)
		return bad(L, lhs, "invalid lvalue type");
	struct vardecl *var = lhs->u.sym.decl;
	const char *lv = km_var(L, var);
	struct val v = km_expr(L, e->u.assign.rhs);
	enum stap_type t = var->type;
	switch (e->u.assign.op) {
	case ASSIGN_SET:
		km_store(L, lv, t, v);
		break;
	case ASSIGN_CONCAT:
		kw_line(L->w, "_ctap_strcat(%s, %s);", lv, v.c);
		break;
	default:
		km_compound(L, lv, e->u.assign.op, e->tok, v);
		break;
	}
	return t == TYPE_STRING ? kv_str(lv, false) : kv_long(lv, false);
}

static struct val km_incdec(struct km_lower *L, struct expr *e)
{
	struct expr *o = e->u.incdec.operand;
	if (o->kind == EXPR_INDEX)
		return km_index_incdec(L, e);
	if (o->kind != EXPR_SYMBOL || !o->u.sym.decl)
		return bad(L, o, "invalid lvalue type");
	const char *lv = km_var(L, o->u.sym.decl);
	const char *op = e->u.incdec.increment ? "++" : "--";
	if (e->u.incdec.prefix) {
		kw_line(L->w, "%s%s;", op, lv);
		return kv_long(lv, false);
	}
	const char *t = arena_printf(L->K->a, "l->%s", kframe_temp(L->K->a, L->f, "int64_t", 0));
	kw_line(L->w, "%s = %s%s;", t, lv, op);
	return kv_long(t, true);
}

/* ---------------------------------------------------------- dispatch */

struct val km_expr(struct km_lower *L, struct expr *e)
{
	switch (e->kind) {
	case EXPR_NUMBER:
		return kv_long(num_literal(L->K->a, e->u.num), true);
	case EXPR_STRING:
		return kv_str(km_quote(L->K->a, e->u.str.val, strlen(e->u.str.val)), true);
	case EXPR_EMBEDDED:
		return km_embedded_expr(L, e);
	case EXPR_SYMBOL: {
		struct vardecl *v = e->u.sym.decl;
		if (!v)
			return bad(L, e, "unresolved symbol");
		if (v->arity > 0 || v->type == TYPE_STATS)
			return bad(L, e, "arrays and statistics cannot be used as values");
		const char *c = km_var(L, v);
		return v->type == TYPE_STRING ? kv_str(c, false) : kv_long(c, false);
	}
	case EXPR_INDEX:
		return km_index_read(L, e);
	case EXPR_CALL:
		return km_call(L, e);
	case EXPR_PRINT:
		return km_print(L, e);
	case EXPR_STAT:
		return km_stat(L, e);
	case EXPR_HIST:
		return bad(L, e, "a histogram can only be printed, indexed or iterated");
	case EXPR_UNARY:
		return km_unary(L, e);
	case EXPR_BINARY:
		return km_binary(L, e);
	case EXPR_LOGICAL:
		return km_logical(L, e);
	case EXPR_COMPARE:
		return km_compare(L, e);
	case EXPR_CONCAT:
		return km_concat(L, e);
	case EXPR_REGEX:
		return km_regex(L, e);
	case EXPR_TERNARY:
		return km_ternary(L, e);
	case EXPR_ASSIGN:
		return km_assign(L, e);
	case EXPR_INCDEC:
		return km_incdec(L, e);
	case EXPR_IN:
		return km_in(L, e);
	case EXPR_TARGET:
	case EXPR_CAST:
		return km_target(L, e);
	case EXPR_ADDROF:
		return km_expr(L, e->u.op1.operand);
	case EXPR_DEREF:
		return km_deref(L, e);
	case EXPR_REGISTER:
		return km_register(L, e);
	case EXPR_DEFINED:
		return bad(L, e, "@defined was not resolved in pass 2");
	case EXPR_ENTRY:
		return bad(L, e, "@entry is not supported by the kernel-module back end yet");
	case EXPR_PROBEWRITE:
		return bad(L, e, "@probewrite was not resolved in pass 2");
	case EXPR_PERF:
		return bad(L, e, "@perf is not supported by the kernel-module back end yet");
	}
	return bad(L, e, "unknown expression");
}

void km_expr_stmt(struct km_lower *L, struct expr *e)
{
	unsigned mark = kframe_mark(L->f);
	/* x++ as a statement: no copy of the old value */
	if (e->kind == EXPR_INCDEC && e->u.incdec.operand->kind == EXPR_SYMBOL &&
	    e->u.incdec.operand->u.sym.decl) {
		kw_line(L->w, "%s%s;", km_var(L, e->u.incdec.operand->u.sym.decl),
			e->u.incdec.increment ? "++" : "--");
		return;
	}
	struct val v = km_expr(L, e);
	/* a value with no effect still runs its statements (checks, calls);
	 * the C expression itself has no side effects and is dropped */
	(void)v;
	kframe_release(L->f, mark);
}
