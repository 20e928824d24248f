/*
 * checks: the semantic rules that are neither resolution nor typing.
 *
 *   - assignment targets must be lvalues; writing a target variable needs -g
 *   - a foreach body must not modify the array it iterates
 *   - break/continue only inside loops
 *   - arrays take at most 9 indexes; @variance's shift is 0..62
 *   - =~ patterns must be valid regular expressions (POSIX ERE as
 *     util/redfa.c reads them, the compiler both back ends use)
 */
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/regex_sub.h"
#include "session.h"
#include "util/redfa.h"

#define MAX_ARRAY_INDEXES 9
#define MAX_PRINT_ARGS 32

struct checker {
	struct elab *E;
	struct derived_probe *dp;         /* NULL in functions */
	int loop_depth;
	bool uses_groups;                 /* matched() or ngroups() is called */
	VEC(struct vardecl *) iterating;  /* arrays of enclosing foreach loops */
};

/* ------------------------------------------ what functions write and need */

static void fn_writes(struct elab *E, struct functiondecl *fn);

static void add_write(struct elab *E, struct functiondecl *fn, struct vardecl *v)
{
	if (!v || v->kind != VAR_GLOBAL)
		return;
	for (uint32_t i = 0; i < fn->global_writes.len; i++)
		if (fn->global_writes.items[i] == v)
			return;
	vec_push(E->arena, &fn->global_writes, v);
}

static struct vardecl *written_var(struct expr *lhs)
{
	if (lhs->kind == EXPR_SYMBOL)
		return lhs->u.sym.decl;
	if (lhs->kind == EXPR_INDEX && lhs->u.index.base->kind == EXPR_SYMBOL)
		return lhs->u.index.base->u.sym.decl;
	return NULL;
}

struct wctx {
	struct elab *E;
	struct functiondecl *fn;
};

static enum walk_result writes_expr(struct ast_walker *w, struct expr *e)
{
	struct wctx *c = w->data;
	if (e->kind == EXPR_ASSIGN)
		add_write(c->E, c->fn, written_var(e->u.assign.lhs));
	else if (e->kind == EXPR_INCDEC)
		add_write(c->E, c->fn, written_var(e->u.incdec.operand));
	else if (e->kind == EXPR_CALL)
		for (struct functiondecl *f = e->u.call.decl; f; f = f->next_overload) {
			fn_writes(c->E, f);
			for (uint32_t i = 0; i < f->global_writes.len; i++)
				add_write(c->E, c->fn, f->global_writes.items[i]);
		}
	return WALK_NEXT;
}

static enum walk_result writes_stmt(struct ast_walker *w, struct stmt *s)
{
	struct wctx *c = w->data;
	if (s->kind == STMT_DELETE)
		add_write(c->E, c->fn, written_var(s->u.del.target));
	return WALK_NEXT;
}

static void fn_writes(struct elab *E, struct functiondecl *fn)
{
	if (fn->writes_state)
		return; /* known, or being computed (recursion adds nothing new) */
	fn->writes_state = 1;
	struct wctx c = { E, fn };
	struct ast_walker w = { .expr_pre = writes_expr, .stmt_pre = writes_stmt, .data = &c };
	if (fn->body)
		ast_walk_stmt(&w, fn->body);
	fn->writes_state = 2;
}

static bool fn_needs_guru(struct functiondecl *fn);

static enum walk_result guru_expr(struct ast_walker *w, struct expr *e)
{
	bool *needs = w->data;
	if (e->kind == EXPR_CALL && e->u.call.decl && fn_needs_guru(e->u.call.decl)) {
		*needs = true;
		return WALK_STOP;
	}
	return WALK_NEXT;
}

/* A function needs -g if its embedded body says /\* guru *\/, or it calls
 * one that does. */
static bool fn_needs_guru(struct functiondecl *fn)
{
	if (fn->guru_state >= 2)
		return fn->guru_state == 3;
	if (fn->guru_state == 1)
		return false;
	fn->guru_state = 1;
	bool needs = fn->embedded && (fn->pragmas & FNP_GURU);
	if (!needs && fn->body) {
		struct ast_walker w = { .expr_pre = guru_expr, .data = &needs };
		ast_walk_stmt(&w, fn->body);
	}
	fn->guru_state = needs ? 3 : 2;
	return needs;
}

static void check_expr(struct checker *C, struct expr *e);
static void check_stmt(struct checker *C, struct stmt *s);

static struct vardecl *array_of(const struct expr *e)
{
	if (e->kind == EXPR_INDEX && e->u.index.base->kind == EXPR_SYMBOL)
		return e->u.index.base->u.sym.decl;
	if (e->kind == EXPR_SYMBOL)
		return e->u.sym.decl;
	return NULL;
}

static void check_modified(struct checker *C, const struct expr *target)
{
	struct vardecl *v = array_of(target);
	if (!v)
		return;
	for (uint32_t i = 0; i < C->iterating.len; i++) {
		if (C->iterating.items[i] == v) {
			diag_error(C->E->diag, D_SEM, target->tok,
				   "variable '%s' modified during 'foreach' iteration", v->name);
			return;
		}
	}
}

static void check_lvalue(struct checker *C, struct expr *lhs)
{
	switch (lhs->kind) {
	case EXPR_SYMBOL:
	case EXPR_INDEX:
		check_modified(C, lhs);
		return;
	case EXPR_TARGET:
	case EXPR_CAST: {
		const struct target_access *acc = lhs->u.target.resolved;
		if (acc && acc->writable)
			return; /* the family allows it (procfs $value) */
		if (!C->E->s->opts.guru)
			diag_error(C->E->diag, D_SEM_LVALUE, lhs->tok,
				   "write to target variable not permitted; need stap -g");
		return;
	}
	default:
		diag_error(C->E->diag, D_SEM_LVALUE, lhs->tok, "invalid lvalue type");
	}
}

static void check_regex(struct checker *C, struct expr *e)
{
	struct redfa_error err;
	struct redfa *dfa = arena_new_obj(C->E->arena, struct redfa);
	const struct token *at = e->u.regex.pattern_tok ? e->u.regex.pattern_tok : e->tok;
	switch (redfa_compile(C->E->arena, e->u.regex.pattern, e->u.regex.pattern_len, 0, dfa, &err)) {
	case REDFA_OK:
		e->u.regex.dfa = dfa;
		e->u.regex.sub = regex_sub_prog(C->E->arena, dfa, &e->u.regex.sub_size);
		/* every =~ sets the groups matched() reads, on every back end */
		if (C->uses_groups && !e->u.regex.sub)
			diag_error(C->E->diag, D_SEM_REGEX, at,
				   "regular expression too complex to track its groups for matched(): %s",
				   dfa->sub_why);
		break;
	case REDFA_SYNTAX:
		diag_error(C->E->diag, D_SEM_REGEX, at, "regex compilation error (at position %u): %s",
			   err.pos, err.msg);
		return;
	case REDFA_TOO_COMPLEX:
		/* every back end walks the same DFA: refuse it here for all */
		diag_error(C->E->diag, D_SEM_REGEX, at,
			   "regular expression too complex (more than %d DFA states)", REDFA_MAX_STATES);
		return;
	}
	C->E->prog->uses_regex = true;
}

static enum walk_result check_pre(struct ast_walker *w, struct expr *e)
{
	struct checker *C = w->data;
	switch (e->kind) {
	case EXPR_CALL:
		if (!e->u.call.decl)
			break;
		if (!C->E->s->opts.guru && C->dp && fn_needs_guru(e->u.call.decl))
			diag_error(C->E->diag, D_SEM_PRIVILEGE, e->tok,
				   "function may not be used unless -g is specified");
		for (uint32_t i = 0; i < C->iterating.len; i++) {
			struct functiondecl *f = e->u.call.decl;
			fn_writes(C->E, f);
			for (uint32_t j = 0; j < f->global_writes.len; j++)
				if (f->global_writes.items[j] == C->iterating.items[i])
					diag_error(C->E->diag, D_SEM, e->tok,
						   "function call modifies var '%s' during 'foreach' "
						   "iteration", C->iterating.items[i]->name);
		}
		break;
	case EXPR_ENTRY:
		if (!C->dp || !C->dp->is_return)
			diag_error(C->E->diag, D_SEM, e->tok,
				   "@entry can only be used in .return probes");
		break;
	case EXPR_ASSIGN:
		check_lvalue(C, e->u.assign.lhs);
		break;
	case EXPR_INCDEC:
		check_lvalue(C, e->u.incdec.operand);
		break;
	case EXPR_INDEX:
		if (e->u.index.keys.len > MAX_ARRAY_INDEXES)
			diag_error(C->E->diag, D_SEM_ARITY, e->tok,
				   "too many array indexes (%u; at most %d)", e->u.index.keys.len,
				   MAX_ARRAY_INDEXES);
		break;
	case EXPR_STAT:
		if (e->u.stat.has_shift && (e->u.stat.shift < 0 || e->u.stat.shift > 62))
			diag_error(C->E->diag, D_SEM_STATS, e->tok,
				   "the shift of @variance must be between 0 and 62");
		break;
	case EXPR_REGEX:
		check_regex(C, e);
		break;
	case EXPR_PRINT:
		/* a translation error in SystemTap: -p2 lets it through */
		if (e->u.print->args.len > MAX_PRINT_ARGS && C->E->s->opts.last_pass >= 3)
			diag_error(C->E->diag, D_SEM_ARITY, e->tok, "too many arguments to print (%u)",
				   e->u.print->args.len);
		break;
	default:
		break;
	}
	return WALK_NEXT;
}

static void check_expr(struct checker *C, struct expr *e)
{
	if (!e)
		return;
	struct ast_walker w = { .expr_pre = check_pre, .data = C };
	ast_walk_expr(&w, e);
}

static void check_stmt(struct checker *C, struct stmt *s)
{
	if (!s)
		return;
	switch (s->kind) {
	case STMT_BLOCK:
		for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
			check_stmt(C, s->u.block.stmts.items[i]);
		break;
	case STMT_EXPR:
		check_expr(C, s->u.expr);
		break;
	case STMT_IF:
		check_expr(C, s->u.if_.cond);
		check_stmt(C, s->u.if_.then);
		check_stmt(C, s->u.if_.otherwise);
		break;
	case STMT_FOR:
		check_expr(C, s->u.for_.init);
		check_expr(C, s->u.for_.cond);
		check_expr(C, s->u.for_.incr);
		C->loop_depth++;
		check_stmt(C, s->u.for_.body);
		C->loop_depth--;
		break;
	case STMT_FOREACH: {
		struct vardecl *v = s->u.foreach.base->kind == EXPR_SYMBOL
					    ? s->u.foreach.base->u.sym.decl : NULL;
		for (uint32_t i = 0; i < s->u.foreach.slice.len; i++)
			check_expr(C, s->u.foreach.slice.items[i]);
		if (s->u.foreach.has_slice && s->u.foreach.slice.len != s->u.foreach.keys.len)
			diag_error(C->E->diag, D_SEM_ARITY, s->u.foreach.base->tok,
				   "inconsistent arity between the foreach keys (%u) and the "
				   "array slice (%u)", s->u.foreach.keys.len, s->u.foreach.slice.len);
		check_expr(C, s->u.foreach.base);
		check_expr(C, s->u.foreach.limit);
		if (v)
			vec_push_heap(&C->iterating, v);
		C->loop_depth++;
		check_stmt(C, s->u.foreach.body);
		C->loop_depth--;
		if (v)
			C->iterating.len--;
		break;
	}
	case STMT_RETURN:
		check_expr(C, s->u.ret.value);
		break;
	case STMT_DELETE:
		check_modified(C, s->u.del.target);
		check_expr(C, s->u.del.target);
		break;
	case STMT_TRY:
		check_stmt(C, s->u.try_.body);
		check_stmt(C, s->u.try_.handler);
		break;
	case STMT_BREAK:
	case STMT_CONTINUE:
		/* a translation error in SystemTap: -p2 lets it through */
		if (C->loop_depth == 0 && C->E->s->opts.last_pass >= 3)
			diag_error(C->E->diag, D_SEM, s->tok, "cannot '%s' outside loop",
				   s->kind == STMT_BREAK ? "break" : "continue");
		break;
	case STMT_NULL:
	case STMT_NEXT:
		break;
	}
}

/* Arming conditions are re-evaluated whenever globals change: they must
 * be side-effect free and may not call functions. */
static enum walk_result condition_pre(struct ast_walker *w, struct expr *e)
{
	struct checker *C = w->data;
	switch (e->kind) {
	case EXPR_ASSIGN:
	case EXPR_INCDEC:
		diag_error(C->E->diag, D_SEM, e->tok, "probe condition must not modify any variables");
		return WALK_STOP;
	case EXPR_CALL:
	case EXPR_PRINT:
		diag_error(C->E->diag, D_SEM, e->tok, "probe condition must not reference function");
		return WALK_STOP;
	case EXPR_EMBEDDED:
		diag_error(C->E->diag, D_SEM, e->tok, "probe condition must not use embedded code");
		return WALK_STOP;
	default:
		return WALK_NEXT;
	}
}

/* Embedded C reading or writing a global through pragmas: not statistics. */
static void check_pragmas(struct checker *C, const char *code)
{
	static const char *const kinds[] = { "/* pragma:read:", "/* pragma:write:" };
	for (int k = 0; k < 2; k++) {
		for (const char *p = strstr(code, kinds[k]); p; p = strstr(p + 1, kinds[k])) {
			p += strlen(kinds[k]);
			size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
			for (uint32_t i = 0; i < C->E->globals.len; i++) {
				struct vardecl *v = C->E->globals.items[i];
				if (strlen(v->name) == n && !strncmp(v->name, p, n) &&
				    v->type == TYPE_STATS)
					diag_error(C->E->diag, D_SEM_STATS, v->tok,
						   "Aggregates not available in embedded-C");
			}
		}
	}
}

static enum walk_result embedded_pre(struct ast_walker *w, struct expr *e)
{
	if (e->kind == EXPR_EMBEDDED)
		check_pragmas(w->data, e->u.embedded.code);
	return WALK_NEXT;
}

bool elab_check(struct elab *E)
{
	struct diag_mark before = diag_mark(E->diag);
	struct checker C = { .E = E };
	for (uint32_t i = 0; i < E->functions.len; i++) {
		const char *b = E->functions.items[i]->bpf_builtin;
		if (b && (!strcmp(b, "matched") || !strcmp(b, "ngroups")))
			C.uses_groups = true;
	}
	struct ast_walker cw = { .expr_pre = condition_pre, .data = &C };
	struct ast_walker ew = { .expr_pre = embedded_pre, .data = &C };
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct derived_probe *dp = E->prog->probes.items[i];
		C.dp = dp;
		check_stmt(&C, dp->body);
		check_expr(&C, dp->condition);
		if (dp->condition)
			ast_walk_expr(&cw, dp->condition);
		ast_walk_stmt(&ew, dp->body);
	}
	C.dp = NULL;
	bool stapusr = options_stapusr(&E->s->opts);
	for (uint32_t i = 0; i < E->functions.len; i++) {
		struct functiondecl *fn = E->functions.items[i];
		/* embedded C runs in the kernel: only bodies marked safe for an
		 * unprivileged user may run for one (reported where declared,
		 * as SystemTap does) */
		if (stapusr && fn->embedded &&
		    !(fn->pragmas & (FNP_UNPRIVILEGED | FNP_MYPROC_UNPRIVILEGED)))
			diag_error(E->diag, D_SEM_PRIVILEGE, fn->tok,
				   "function may not be used when --privilege=stapusr is specified");
		check_stmt(&C, fn->body);
		if (fn->body)
			ast_walk_stmt(&ew, fn->body);
		if (fn->embedded)
			check_pragmas(&C, fn->embedded);
		/* same name, arity and priority after a function that never
		 * falls through with `next`: the later one can't run */
		struct functiondecl *n = fn->next_overload;
		if (n && n->priority == fn->priority && fn->body && !E->s->opts.suppress_warnings)
			diag_warning(E->diag, W_GENERIC, n->tok,
				     "function '%s' is hidden by an earlier overload of the same "
				     "priority", n->name);
	}
	vec_free_heap(&C.iterating);
	return !diag_errors_since(E->diag, &before);
}
