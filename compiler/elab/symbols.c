/*
 * symbols: identifiers -> variables, calls -> functions, and the tapset
 * files that define them pulled into the program.
 *
 * Lookup order for a name used in code of file F: the function's
 * parameters, the probe's or function's locals, a global of F (private
 * ones included), a non-private global of the user's files, a non-private
 * global of any tapset file (which pulls that file in).  A name found
 * nowhere becomes a new local; one used as an array must be a global.
 * Functions: F's own (private ones included), then the user's files, then
 * tapsets; several with the same name and arity form a runtime overload
 * chain ordered by priority.
 */
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "elab/elab.h"
#include "parse/library.h"
#include "session.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

struct scope {
	struct elab *E;
	struct stapfile *file;          /* fallback file (the probe's or function's) */
	vardecl_vec *locals;
	struct functiondecl *fn;
	struct derived_probe *dp;
	bool globals_only;              /* probe arming conditions */
};

/* The stapfile a token was written in (code from alias prologues and
 * macros carries its own file), else the scope's. */
static struct stapfile *file_of(struct scope *sc, const struct token *tok)
{
	struct elab *E = sc->E;
	if (!tok)
		return sc->file;
	for (uint32_t i = 0; i < E->user_files.len; i++)
		if (E->user_files.items[i]->source_id == tok->loc.file)
			return E->user_files.items[i];
	for (uint32_t i = 0; i < E->parsed->library.len; i++)
		if (E->parsed->library.items[i]->source_id == tok->loc.file)
			return E->parsed->library.items[i];
	return sc->file;
}

static void use_global(struct elab *E, struct vardecl *v)
{
	if (v->used)
		return;
	v->used = true;
	vec_push(E->arena, &E->globals, v);
	if (v->file && v->file->is_tapset)
		elab_use_file(E, v->file);
}

static struct vardecl *find_in(const stapfile_vec *files, struct stapfile *from, const char *name,
			       bool allow_private_of_from)
{
	for (uint32_t i = 0; i < files->len; i++) {
		struct stapfile *f = files->items[i];
		for (uint32_t j = 0; j < f->globals.len; j++) {
			struct vardecl *v = f->globals.items[j];
			if (v->name != name)
				continue;
			if (v->is_private && !(allow_private_of_from && f == from))
				continue;
			return v;
		}
	}
	return NULL;
}

struct vardecl *elab_find_global(struct elab *E, struct stapfile *from, const char *name)
{
	if (from) {
		for (uint32_t j = 0; j < from->globals.len; j++)
			if (from->globals.items[j]->name == name)
				return from->globals.items[j];
	}
	/* library code sees only library globals: a user's `global n` must
	 * not capture a tapset function's local n */
	struct vardecl *v = NULL;
	if (!from || !from->is_tapset)
		v = find_in(&E->user_files, from, name, false);
	if (!v && library_load(E->parsed, LIBRARY_GLOBAL, name))
		elab_sync_library(E);
	if (!v)
		v = find_in(&E->parsed->library, from, name, false);
	return v;
}

static void collect_functions(const stapfile_vec *files, struct stapfile *from, const char *name,
			      unsigned nargs, functiondecl_vec *out, struct arena *a)
{
	for (uint32_t i = 0; i < files->len; i++) {
		struct stapfile *f = files->items[i];
		for (uint32_t j = 0; j < f->functions.len; j++) {
			struct functiondecl *fn = f->functions.items[j];
			if (fn->name != name || fn->params.len != nargs)
				continue;
			if (fn->is_private && f != from)
				continue;
			vec_push(a, out, fn);
		}
	}
}

/* Links same-name same-arity functions by priority (stable: declaration
 * order breaks ties) and returns the head. */
static struct functiondecl *overload_chain(functiondecl_vec *v)
{
	for (uint32_t i = 1; i < v->len; i++) {
		struct functiondecl *x = v->items[i];
		uint32_t j = i;
		while (j > 0 && v->items[j - 1]->priority > x->priority) {
			v->items[j] = v->items[j - 1];
			j--;
		}
		v->items[j] = x;
	}
	for (uint32_t i = 0; i + 1 < v->len; i++)
		v->items[i]->next_overload = v->items[i + 1];
	return v->len ? v->items[0] : NULL;
}

struct functiondecl *elab_find_function(struct elab *E, struct stapfile *from, const char *name,
					unsigned nargs)
{
	functiondecl_vec found = { 0 };
	/* private functions of the calling file come first and alone */
	if (from) {
		for (uint32_t j = 0; j < from->functions.len; j++) {
			struct functiondecl *fn = from->functions.items[j];
			if (fn->name == name && fn->params.len == nargs && fn->is_private)
				vec_push(E->arena, &found, fn);
		}
		if (found.len)
			return overload_chain(&found);
	}
	collect_functions(&E->user_files, from, name, nargs, &found, E->arena);
	if (!found.len && library_load(E->parsed, LIBRARY_FUNCTION, name))
		elab_sync_library(E);
	if (!found.len)
		collect_functions(&E->parsed->library, from, name, nargs, &found, E->arena);
	return overload_chain(&found);
}

static void use_function(struct elab *E, struct functiondecl *fn)
{
	for (struct functiondecl *f = fn; f; f = f->next_overload) {
		if (f->used)
			continue;
		f->used = true;
		vec_push(E->arena, &E->functions, f);
		if (f->file && f->file->is_tapset)
			elab_use_file(E, f->file);
	}
}

bool elab_call_library(struct elab *E, struct expr *call)
{
	struct functiondecl *fn = elab_find_function(E, NULL, call->u.call.name, call->u.call.args.len);
	if (!fn)
		return false;
	call->u.call.decl = fn;
	use_function(E, fn);
	return true;
}

/* ---------------------------------------------------------------- walk */

static struct vardecl *new_local(struct scope *sc, const struct token *tok, const char *name)
{
	struct vardecl *v = arena_new_obj(sc->E->arena, struct vardecl);
	v->kind = VAR_LOCAL;
	v->tok = tok;
	v->name = name;
	v->arity = 0;
	v->index = sc->locals->len;
	vec_push(sc->E->arena, sc->locals, v);
	return v;
}

static struct vardecl *lookup(struct scope *sc, const struct token *tok, const char *name)
{
	if (sc->fn) {
		for (uint32_t i = 0; i < sc->fn->params.len; i++)
			if (sc->fn->params.items[i]->name == name)
				return sc->fn->params.items[i];
	}
	if (!sc->globals_only) {
		for (uint32_t i = 0; i < sc->locals->len; i++)
			if (sc->locals->items[i]->name == name)
				return sc->locals->items[i];
	}
	struct vardecl *g = elab_find_global(sc->E, file_of(sc, tok), name);
	if (g)
		use_global(sc->E, g);
	return g;
}

/* Arity is settled while resolving, as SystemTap does, so that a mismatch
 * is reported even in code that elision later removes.  arity < 0: the
 * use says nothing (delete X). */
static void note_arity(struct scope *sc, struct vardecl *v, int arity, const struct token *tok)
{
	if (arity < 0)
		return;
	if (arity > 0 && v->kind != VAR_GLOBAL) {
		diag_error(sc->E->diag, D_SEM_UNRESOLVED_VAR, tok,
			   "unresolved arity-%d global array %s, missing global declaration?", arity,
			   v->name);
		return;
	}
	if (arity == 0 && v->kind == VAR_GLOBAL && (v->maxsize || v->wrap))
		return; /* reported by the type pass with its own wording */
	if (v->arity < 0) {
		v->arity = arity;
		v->arity_tok = tok;
		return;
	}
	if (v->arity != arity) {
		diag_error(sc->E->diag, D_SEM_ARITY, tok, "inconsistent arity (%d vs %d)", v->arity,
			   arity);
		diag_chain(sc->E->diag, v->arity_tok, "arity %d first inferred here", v->arity);
	}
}

static void resolve_symbol(struct scope *sc, struct expr *e, int arity)
{
	if (e->u.sym.decl)
		return;
	struct vardecl *v = lookup(sc, e->tok, e->u.sym.name);
	if (v) {
		note_arity(sc, v, arity, e->tok);
		e->u.sym.decl = v;
		return;
	}
	if (arity > 0) {
		diag_error(sc->E->diag, D_SEM_UNRESOLVED_VAR, e->tok,
			   "unresolved arity-%d global array %s, missing global declaration?", arity,
			   e->u.sym.name);
		return;
	}
	if (!v && sc->globals_only) {
		diag_error(sc->E->diag, D_SEM_UNRESOLVED_VAR, e->tok,
			   "probe condition must not reference the local variable '%s'",
			   e->u.sym.name);
		return;
	}
	v = new_local(sc, e->tok, e->u.sym.name);
	e->u.sym.decl = v;
}

static void offer_name(void *sim, const char *name)
{
	similar_offer(sim, name);
}

static void report_unresolved_function(struct scope *sc, struct expr *e)
{
	struct elab *E = sc->E;
	struct similar sim;
	similar_init(&sim, e->u.call.name);
	for (uint32_t i = 0; i < E->user_files.len; i++)
		for (uint32_t j = 0; j < E->user_files.items[i]->functions.len; j++) {
			const struct functiondecl *fn = E->user_files.items[i]->functions.items[j];
			if (!fn->is_private)
				similar_offer(&sim, fn->name);
		}
	/* the library's names come from its index: nothing is parsed for a hint */
	library_each_function(E->parsed, offer_name, &sim);
	/* a function of that name with another arity is the better hint */
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "unresolved function %s", e->u.call.name);
	similar_append(&sim, &sb, "similar");
	diag_error(E->diag, D_SEM_UNRESOLVED_FUNCTION, e->tok, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

static enum walk_result resolve_expr(struct ast_walker *w, struct expr *e)
{
	struct scope *sc = w->data;
	switch (e->kind) {
	case EXPR_SYMBOL:
		resolve_symbol(sc, e, 0);
		break;
	case EXPR_INDEX:
		if (e->u.index.base->kind == EXPR_SYMBOL)
			resolve_symbol(sc, e->u.index.base, (int)e->u.index.keys.len);
		break;
	case EXPR_IN:
		if (e->u.in.array->kind == EXPR_SYMBOL)
			resolve_symbol(sc, e->u.in.array, (int)e->u.in.keys.len);
		break;
	case EXPR_CALL:
		if (!e->u.call.decl) {
			struct functiondecl *fn =
				elab_find_function(sc->E, file_of(sc, e->tok), e->u.call.name,
						   e->u.call.args.len);
			if (!fn) {
				report_unresolved_function(sc, e);
				break;
			}
			e->u.call.decl = fn;
			use_function(sc->E, fn);
		}
		break;
	case EXPR_TARGET:
	case EXPR_CAST:
	case EXPR_DEFINED:
	case EXPR_ENTRY:
		break;
	default:
		break;
	}
	return WALK_NEXT;
}

static enum walk_result resolve_stmt(struct ast_walker *w, struct stmt *s)
{
	struct scope *sc = w->data;
	if (s->kind == STMT_FOREACH && s->u.foreach.base->kind == EXPR_SYMBOL) {
		int arity = (int)s->u.foreach.keys.len;
		resolve_symbol(sc, s->u.foreach.base, arity);
	} else if (s->kind == STMT_DELETE && s->u.del.target->kind == EXPR_SYMBOL) {
		resolve_symbol(sc, s->u.del.target, -1);
	}
	return WALK_NEXT;
}

static void resolve_body(struct scope *sc, struct stmt *body)
{
	struct ast_walker w = { .expr_pre = resolve_expr, .stmt_pre = resolve_stmt, .data = sc };
	if (body)
		ast_walk_stmt(&w, body);
}

static void resolve_probe(struct elab *E, struct derived_probe *dp)
{
	struct scope sc = {
		.E = E,
		.file = dp->origin ? dp->origin->file : NULL,
		.locals = &dp->locals,
		.dp = dp,
	};
	resolve_body(&sc, dp->body);
	if (dp->condition) {
		struct scope cs = sc;
		cs.globals_only = true;
		struct ast_walker w = { .expr_pre = resolve_expr, .data = &cs };
		ast_walk_expr(&w, dp->condition);
	}
}

static void resolve_function(struct elab *E, struct functiondecl *fn)
{
	fn->resolved = true;
	if (!fn->body)
		return;
	struct scope sc = { .E = E, .file = fn->file, .locals = &fn->locals, .fn = fn };
	resolve_body(&sc, fn->body);
}

/*
 * Resolves every derived probe and reached function not yet done.  New
 * tapset files may be pulled in (their probes then wait in E->pending).
 */
bool elab_resolve_symbols(struct elab *E, bool *pulled_more)
{
	struct diag_mark before = diag_mark(E->diag);
	uint32_t pulled_before = E->pulled.len;
	for (uint32_t i = E->resolved_probes; i < E->prog->probes.len; i++)
		resolve_probe(E, E->prog->probes.items[i]);
	E->resolved_probes = E->prog->probes.len;
	for (uint32_t i = 0; i < E->functions.len; i++)
		if (!E->functions.items[i]->resolved)
			resolve_function(E, E->functions.items[i]);
	*pulled_more = E->pulled.len != pulled_before || E->pending.len;
	return !diag_errors_since(E->diag, &before);
}
