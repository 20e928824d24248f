/*
 * code: handler and function bodies to C - statements and expressions;
 * the dispatcher of the kernel-module lowering.  Kinds of their own go to
 * arrays.c (globals, arrays, statistics), print.c (printf and friends),
 * regex.c (=~), target.c ($vars); those call back here for their
 * operands and never each other, and all use the primitives of emit.c.
 *
 * Statements (language.md §6, §12).  Control flow is explicit: loops are
 * `for (;;)` with `goto` to numbered labels for break/continue (so a
 * foreach nested in a for keeps its targets), failures jump to
 * L->errlabel (`out`, or the catch label of the innermost try).
 *
 * MAXACTION (language.md §12): every executed statement costs one unit:
 * a `{}` block, an expression statement, if, delete, return, next, break,
 * continue, try; a loop costs one plus one for its init expression, and each
 * iteration costs one (the body block itself is not charged again) plus its
 * statements.  Costs are counted at translation time along straight-line
 * code (L->pending) and checked with one `_ctap_actions(c, N)` before every
 * branch, jump and label and at the end of the body, so each check sits at
 * the end of a basic block or at a loop back edge; the failing check names
 * the statement that closed the block (`MAXACTION exceeded near keyword at
 * t.stp:1:15`).  --suppress-time-limits drops the checks.
 *
 * Expressions (language.md §7).  km_expr() writes the statements an
 * expression needs (calls, checks, temporaries) and returns a C expression
 * for its value (struct val): int64_t for longs, const char * for strings.
 * Returned C expressions have no side effects and cannot fail; everything
 * that can is a statement followed by `if (_ctap_failed(c)) goto ERR;`.
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

static struct val km_call(struct km_lower *L, struct expr *e);
static struct val km_embedded_expr(struct km_lower *L, struct expr *e);
static struct val km_print(struct km_lower *L, struct expr *e);

/* ========================================================== statements */

/* Evaluates a long condition for a test; its temporaries die after it. */
static const char *km_cond(struct km_lower *L, struct expr *e)
{
	struct val v = km_expr(L, e);
	if (v.t != TYPE_LONG) {
		kmod_error(L->K, D_TRANS_PROGRAM, e->tok, "condition is not a number");
		L->failed = true;
	}
	return v.c;
}

static void km_block(struct km_lower *L, struct stmt *s, bool charge_block)
{
	if (charge_block)
		km_charge(L, 1);
	vec_foreach(&s->u.block.stmts, i)
		km_stmt(L, s->u.block.stmts.items[i]);
}

/* The statement a branch or a loop runs: a block is not charged as such
 * when it is a loop body (the iteration is). */
static void km_branch(struct km_lower *L, struct stmt *s, bool loop_body)
{
	if (s->kind == STMT_BLOCK)
		km_block(L, s, !loop_body);
	else
		km_stmt(L, s);
}

static void km_if(struct km_lower *L, struct stmt *s)
{
	km_charge(L, 1);
	km_flush(L, s->tok);
	unsigned mark = kframe_mark(L->f);
	const char *c = km_cond(L, s->u.if_.cond);
	kframe_release(L->f, mark);
	kw_open(L->w, "if (%s)", c);
	km_branch(L, s->u.if_.then, false);
	km_flush(L, s->u.if_.then->tok);
	if (s->u.if_.otherwise) {
		L->w->indent--;
		kw_open(L->w, "} else");
		km_branch(L, s->u.if_.otherwise, false);
		km_flush(L, s->u.if_.otherwise->tok);
	}
	kw_close(L->w, NULL);
}

static void km_for(struct km_lower *L, struct stmt *s)
{
	if (s->u.for_.init) {
		km_expr_stmt(L, s->u.for_.init);
		km_charge(L, 1);
	}
	km_charge(L, 1);
	km_flush(L, s->tok);
	struct loop_ctx *lc = km_loop_begin(L, s->tok);
	kw_open(L->w, "for (;;)");
	if (s->u.for_.cond) {
		unsigned mark = kframe_mark(L->f);
		const char *c = km_cond(L, s->u.for_.cond);
		kframe_release(L->f, mark);
		kw_line(L->w, "if (!(%s))", c);
		kw_line(L->w, "\tbreak;");
	}
	km_branch(L, s->u.for_.body, true);
	km_loop_backedge(L, lc, s->tok);
	if (s->u.for_.incr)
		km_expr_stmt(L, s->u.for_.incr);
	kw_close(L->w, NULL);
	km_loop_end(L, lc);
}

static void km_return(struct km_lower *L, struct stmt *s)
{
	if (!L->fn) {
		kmod_error(L->K, D_TRANS_PROGRAM, s->tok, "found 'return' not in function context");
		L->failed = true;
		return;
	}
	struct expr *e = s->u.ret.value;
	if (e) {
		unsigned mark = kframe_mark(L->f);
		struct val v = km_expr(L, e);
		if (L->fn->decl->type == TYPE_STRING || L->fn->decl->type == TYPE_LONG)
			km_store(L, "l->__retvalue", L->fn->decl->type, v);
		kframe_release(L->f, mark);
	}
	km_charge(L, 1);
	km_flush(L, s->tok);
	kw_line(L->w, "goto out;");
}

static void km_next(struct km_lower *L, struct stmt *s)
{
	km_charge(L, 1);
	km_flush(L, s->tok);
	if (L->fn) {
		L->fn->uses_next = true;
		kw_line(L->w, "__next = 1;");
	}
	kw_line(L->w, "goto out;");
}

static void km_jump(struct km_lower *L, struct stmt *s, bool is_break)
{
	if (!L->nloops) {
		kmod_error(L->K, D_TRANS_PROGRAM, s->tok, "cannot '%s' outside loop", is_break ? "break" : "continue");
		L->failed = true;
		return;
	}
	struct loop_ctx *lc = &L->loops[L->nloops - 1];
	km_charge(L, 1);
	km_flush(L, s->tok);
	if (is_break) {
		lc->used_break = true;
		kw_line(L->w, "goto break_%u;", lc->id);
	} else {
		lc->used_continue = true;
		kw_line(L->w, "goto continue_%u;", lc->id);
	}
}

/*
 * try { A } catch (msg) { B }: failures in A jump to the catch label;
 * _ctap_catch() takes a catchable error (copying its text into msg) or
 * refuses an uncatchable one, which keeps unwinding to the outer label.
 */
static void km_try(struct km_lower *L, struct stmt *s)
{
	km_flush(L, s->tok);
	unsigned id = ++L->labels;
	const char *outer = L->errlabel;
	L->errlabel = arena_printf(L->K->a, "catch_%u", id);
	kw_line(L->w, "/* try */");
	km_branch(L, s->u.try_.body, false);
	km_flush(L, s->u.try_.body->tok);
	L->errlabel = outer;
	kw_line(L->w, "goto tried_%u;", id);
	kw_label(L->w, "catch_%u:", id);
	const char *msg = "NULL";
	if (s->u.try_.catch_var)
		msg = km_var(L, s->u.try_.catch_var->u.sym.decl);
	kw_line(L->w, "if (!_ctap_catch(c, %s))", msg);
	kw_line(L->w, "\tgoto %s;", outer);
	km_charge(L, 1);
	km_flush(L, s->tok);
	if (s->u.try_.handler) {
		km_branch(L, s->u.try_.handler, false);
		km_flush(L, s->u.try_.handler->tok);
	}
	kw_label(L->w, "tried_%u: ;", id);
}

void km_stmt(struct km_lower *L, struct stmt *s)
{
	unsigned mark = kframe_mark(L->f);
	switch (s->kind) {
	case STMT_BLOCK:
		km_block(L, s, true);
		break;
	case STMT_EXPR:
		km_expr_stmt(L, s->u.expr);
		km_charge(L, 1);
		break;
	case STMT_NULL:
		break;
	case STMT_IF:
		km_if(L, s);
		break;
	case STMT_FOR:
		km_for(L, s);
		break;
	case STMT_FOREACH:
		km_foreach(L, s);
		break;
	case STMT_RETURN:
		km_return(L, s);
		break;
	case STMT_NEXT:
		km_next(L, s);
		break;
	case STMT_BREAK:
	case STMT_CONTINUE:
		km_jump(L, s, s->kind == STMT_BREAK);
		break;
	case STMT_DELETE:
		km_delete(L, s);
		km_charge(L, 1);
		break;
	case STMT_TRY:
		km_try(L, s);
		break;
	}
	kframe_release(L->f, mark);
}

void km_body(struct km_lower *L, struct stmt *body)
{
	if (!body)
		return;
	km_stmt(L, body);
	km_flush(L, body->tok);
}

/* ========================================================== expressions */

static struct val bad(struct km_lower *L, enum diag_code code, struct expr *e, const char *what)
{
	kmod_error(L->K, code, e->tok, "%s", what);
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

/* The value of e as a long, with a type check. */
static struct val want_long(struct km_lower *L, struct expr *e)
{
	struct val v = km_expr(L, e);
	if (v.t != TYPE_LONG && !L->failed)
		return bad(L, D_TRANS_PROGRAM, e, "expected a long value");
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

static struct val km_binary(struct km_lower *L, struct expr *e)
{
	struct val a = want_long(L, e->u.binary.lhs);
	if (km_has_effects(e->u.binary.rhs))
		a = km_stabilize(L, a);
	struct val b = want_long(L, e->u.binary.rhs);
	return kv_long(km_arith(L, e->u.binary.op, e->tok, &a, &b, is_const(e)), false);
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

static struct val km_assign(struct km_lower *L, struct expr *e)
{
	struct expr *lhs = e->u.assign.lhs;
	if (e->u.assign.op == ASSIGN_STATS)
		return km_stat_add(L, e);
	if (lhs->kind == EXPR_INDEX)
		return km_index_assign(L, e);
	if ((lhs->kind == EXPR_TARGET || lhs->kind == EXPR_CAST) && lhs->u.target.resolved)
		return km_target_assign(L, e);
	if (lhs->kind != EXPR_SYMBOL || !lhs->u.sym.decl)
		return bad(L, D_TRANS_PROGRAM, lhs, "invalid lvalue type");
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
		return bad(L, D_TRANS_PROGRAM, o, "invalid lvalue type");
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
			return bad(L, D_TRANS_PROGRAM, e, "unresolved symbol");
		if (v->arity > 0 || v->type == TYPE_STATS)
			return bad(L, D_TRANS_PROGRAM, e, "arrays and statistics cannot be used as values");
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
		return bad(L, D_TRANS_PROGRAM, e, "a histogram can only be printed, indexed or iterated");
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
		return bad(L, D_TRANS_PROGRAM, e, "@defined was not resolved in pass 2");
	case EXPR_ENTRY:
		return bad(L, D_TRANS_PROGRAM, e, "@entry was not resolved in pass 2");
	case EXPR_PROBEWRITE:
		return bad(L, D_TRANS_PROGRAM, e, "@probewrite was not resolved in pass 2");
	case EXPR_PERF:
		return bad(L, D_TRANS_UNSUPPORTED, e, "@perf is not supported by the kernel-module back end yet");
	}
	return bad(L, D_TRANS_PROGRAM, e, "unknown expression");
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

/* ---------------------------------------------------------- calls */

static struct val km_call(struct km_lower *L, struct expr *e)
{
	struct functiondecl *f = e->u.call.decl;
	struct kfunc *kf = f ? f->backend : NULL;
	if (!kf) {
		kmod_error(L->K, D_TRANS_PROGRAM, e->tok, "unresolved function call");
		L->failed = true;
		return kv_long("0", true);
	}
	const char *why = f->embedded ? strstr(f->embedded, "/* kmod: unavailable: ") : NULL;
	if (why) {
		/* a tapset function only other back ends implement */
		why += strlen("/* kmod: unavailable: ");
		const char *end = strstr(why, " */");
		kmod_error(L->K, D_TRANS_BUILTIN, e->tok,
			   "function '%s' is not available on the kernel-module back end (probe %s): %.*s",
			   f->name, L->probe ? L->probe->dp->pp : "?",
			   (int)(end ? end - why : (ptrdiff_t)strlen(why)), why);
		L->failed = true;
		return kv_long("0", true);
	}
	expr_vec *args = &e->u.call.args;
	struct val *v = arena_new_array(L->K->a, struct val, args->len + 1);
	for (unsigned i = 0; i < args->len; i++) {
		v[i] = km_expr(L, args->items[i]);
		bool later = false;
		for (unsigned j = i + 1; j < args->len && !later; j++)
			later = km_has_effects(args->items[j]);
		if (later)
			v[i] = km_stabilize(L, v[i]);
	}
	struct strbuf sb = STRBUF_INIT;
	const char *dst = NULL;
	strbuf_printf(&sb, "%s(c", kf->cname);
	if (f->type == TYPE_STRING) {
		dst = arena_printf(L->K->a, "l->%s", kframe_str(L->K->a, L->f));
		strbuf_printf(&sb, ", %s", dst);
	}
	for (unsigned i = 0; i < args->len; i++)
		strbuf_printf(&sb, ", %s", v[i].c);
	strbuf_putc(&sb, ')');
	struct val r;
	km_where(L, e->tok);
	if (f->type == TYPE_LONG) {
		const char *t = arena_printf(L->K->a, "l->%s",
					     kframe_temp(L->K->a, L->f, "int64_t", 0));
		kw_line(L->w, "%s = %s;", t, strbuf_str(&sb));
		r = kv_long(t, true);
	} else {
		kw_line(L->w, "%s;", strbuf_str(&sb));
		r = f->type == TYPE_STRING ? kv_str(dst, true) : kv_long("0", true);
	}
	strbuf_free(&sb);
	km_check(L);
	return r;
}

static struct val km_embedded_expr(struct km_lower *L, struct expr *e)
{
	const char *code = e->u.embedded.code;
	L->K->has_embedded = true;
	if (strstr(code, "/* string */")) {
		const char *t = arena_printf(L->K->a, "l->%s", kframe_str(L->K->a, L->f));
		kw_line(L->w, "_ctap_strcpy(%s, (%s));", t, code);
		return kv_str(t, true);
	}
	const char *t = arena_printf(L->K->a, "l->%s", kframe_temp(L->K->a, L->f, "int64_t", 0));
	kw_line(L->w, "%s = (int64_t)(%s);", t, code);
	return kv_long(t, true);
}

/* ---------------------------------------------------------- prints */

static struct val km_print(struct km_lower *L, struct expr *e)
{
	struct print_format *pf = e->u.print;
	bool to_string = pf->flags & PRINT_TO_STRING;
	const char *ob = "_ctap_out(c)";
	const char *dst = NULL;
	if (to_string) {
		dst = arena_printf(L->K->a, "l->%s", kframe_str(L->K->a, L->f));
		ob = arena_printf(L->K->a, "&l->%s", kframe_temp(L->K->a, L->f, "struct outbuf", 0));
	}
	/* the arguments never touch this temporary outbuf, so it can be set
	 * up before they are evaluated */
	if (to_string)
		kw_line(L->w, "_ctap_string_out(%s, %s);", ob, dst);
	if (pf->hist)
		km_hist_print(L, pf->hist, ob);
	else if (pf->flags & PRINT_FORMAT)
		km_printf(L, e, ob);
	else
		km_print_values(L, e, ob);
	if (to_string) {
		kw_line(L->w, "outbuf_cstr(%s);", ob);
		return kv_str(dst, true);
	}
	return kv_long("0", true);
}
