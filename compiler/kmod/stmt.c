/*
 * stmt: lowering of statements, the MAXACTION accounting and the error
 * flow of a body (language.md §6, §12).
 *
 * Control flow is explicit: loops are `for (;;)` with `goto` to numbered
 * labels for break/continue (so a foreach nested in a for keeps its
 * targets), failures jump to L->errlabel (`out`, or the catch label of the
 * innermost try).
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
 */
#include <string.h>

#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

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

/* Evaluates a long condition for a test; its temporaries die after it. */
static const char *km_cond(struct km_lower *L, struct expr *e)
{
	struct val v = km_expr(L, e);
	if (v.t != TYPE_LONG) {
		kmod_error(L->K, e->tok, "condition is not a number");
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

static struct loop_ctx *loop_push(struct km_lower *L, const struct token *tok)
{
	if (L->nloops == sizeof(L->loops) / sizeof(L->loops[0])) {
		kmod_error(L->K, tok, "loops nested too deeply");
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

static void km_for(struct km_lower *L, struct stmt *s)
{
	if (s->u.for_.init) {
		km_expr_stmt(L, s->u.for_.init);
		km_charge(L, 1);
	}
	km_charge(L, 1);
	km_flush(L, s->tok);
	struct loop_ctx *lc = loop_push(L, s->tok);
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
		kmod_error(L->K, s->tok, "found 'return' not in function context");
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
		kmod_error(L->K, s->tok, "cannot '%s' outside loop", is_break ? "break" : "continue");
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
