/*
 * emit: the primitives every part of the kernel-module lowering uses,
 * none of which looks at the AST beyond a node it is given: messages,
 * values (struct val), storing and stabilising them, arithmetic with the
 * runtime's checks, locations and failure checks, the MAXACTION charges
 * (language.md §12, described in code.c) and loop labels.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag/diag.h"
#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

void kmod_error(struct kmod *K, enum diag_code code, const struct token *tok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(K->a, fmt, ap);
	va_end(ap);
	diag_report(&K->s->diag, DIAG_SEMANTIC, code, tok, "%s", msg);
}

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

const char *km_arith(struct km_lower *L, enum binary_op op, const struct token *tok,
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
	const char *r = km_arith(L, bop, tok, &cur, &v, false);
	kw_line(L->w, "%s = %s;", lv, r);
}

void km_charge(struct km_lower *L, long n)
{
	L->pending += n;
}

/* The check closing a basic block; tok names the statement that closes it
 * (the failing check's location, as SystemTap reports it). */
void km_flush(struct km_lower *L, const struct token *tok)
{
	if (L->pending <= 0)
		return;
	long n = L->pending;
	L->pending = 0;
	if (L->K->s->opts.suppress_time_limits)
		return;
	kw_open(L->w, "if (_ctap_actions(c, %ld))", n);
	if (tok)
		kw_line(L->w, "c->last_stmt = %s;", km_where_c(L->K->s, tok));
	kw_line(L->w, "goto %s;", L->errlabel);
	kw_close(L->w, NULL);
}

void km_check(struct km_lower *L)
{
	kw_line(L->w, "if (_ctap_failed(c))");
	kw_line(L->w, "\tgoto %s;", L->errlabel);
}

void km_where(struct km_lower *L, const struct token *tok)
{
	if (tok)
		kw_line(L->w, "c->last_stmt = %s;", km_where_c(L->K->s, tok));
}

const char *km_label(struct km_lower *L, const char *what)
{
	return arena_printf(L->K->a, "%s_%u", what, ++L->labels);
}

static struct loop_ctx *loop_push(struct km_lower *L, const struct token *tok)
{
	if (L->nloops == sizeof(L->loops) / sizeof(L->loops[0])) {
		kmod_error(L->K, D_TRANS_LIMIT, tok, "loops nested too deeply");
		L->failed = true;
		L->nloops--;
	}
	struct loop_ctx *lc = &L->loops[L->nloops++];
	lc->id = ++L->labels;
	lc->used_continue = lc->used_break = false;
	return lc;
}

/* The end of a loop body: the continue label and the iteration's charge. */
void km_loop_backedge(struct km_lower *L, struct loop_ctx *lc, const struct token *tok)
{
	if (lc->used_continue) {
		km_flush(L, tok);
		kw_label(L->w, "continue_%u: ;", lc->id);
	}
	km_charge(L, 1);
	km_flush(L, tok);
}

void km_loop_end(struct km_lower *L, struct loop_ctx *lc)
{
	if (lc->used_break)
		kw_line(L->w, "break_%u: ;", lc->id);
	L->nloops--;
}

struct loop_ctx *km_loop_begin(struct km_lower *L, const struct token *tok)
{
	return loop_push(L, tok);
}
