/*
 * parser: what the grammar's actions build (see parser.h), the token feed
 * from the preprocessor, and SystemTap-shaped syntax error messages.
 *
 * Checks that SystemTap makes while parsing are made here too: embedded C
 * only in privileged files, `return` only in functions, literal printf
 * formats with valid conversions, histogram operators only where they may
 * stand, probe-point suffix rules, alias shapes.
 */
#include "parse/parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fmt_spec.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "parse/grammar.h"
#include "parse/preproc.h"
#include "util/arena.h"
#include "util/intern.h"

#define A (P->arena)

static void check_wildcards(struct parser *P, struct expr *e, bool top_allowed);
static void check_hist(struct parser *P, struct expr *e);
static void check_index_keys(struct parser *P, struct expr *e);

void parser_error(struct parser *P, enum diag_code code, const struct token *t,
		  enum diag_tok_style style, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(P->diag, DIAG_PARSE, code, t, style, fmt, ap);
	va_end(ap);
	P->errors++;
}

static void too_deep(struct parser *P, const struct token *tok)
{
	if (!P->depth_reported)
		parser_error(P, D_PARSE_LIMIT, tok, DIAG_AT, "expression or statement nested deeper than %d levels",
			  PARSER_MAX_DEPTH);
	P->depth_reported = true;
}

/* Links a child into its parent: checks where it may stand and keeps the
 * tree's height bounded so that every later (recursive) pass is safe. */
struct expr *parser_operand(struct parser *P, struct expr *parent, struct expr *e)
{
	if (!e)
		return e;
	check_hist(P, e);
	check_index_keys(P, e);
	if (e->depth + 1 > parent->depth) {
		parent->depth = e->depth + 1;
		if (parent->depth > PARSER_MAX_DEPTH)
			too_deep(P, parent->tok);
	}
	return e;
}

static struct stmt *sub_stmt(struct parser *P, struct stmt *parent, struct stmt *s)
{
	if (s && s->depth + 1 > parent->depth) {
		parent->depth = s->depth + 1;
		if (parent->depth > PARSER_MAX_DEPTH)
			too_deep(P, parent->tok);
	}
	return s;
}

static struct expr *stmt_expr(struct parser *P, struct stmt *parent, struct expr *e)
{
	if (e && e->depth + 1 > parent->depth)
		parent->depth = e->depth + 1;
	return e;
}

void parser_init(struct parser *P, struct arena *a, struct intern_table *names,
		 struct diag_sink *diag, struct preproc *pp, struct stapfile *file,
		 bool privileged, bool guru)
{
	memset(P, 0, sizeof(*P));
	P->arena = a;
	P->names = names;
	P->diag = diag;
	P->pp = pp;
	P->file = file;
	P->privileged = privileged;
	P->guru = guru;
	P->n_dollar = intern(names, "$");
	P->n_dollar2 = intern(names, "$$");
}

void parser_fini(struct parser *P)
{
	vec_free_heap(&P->head_lists);
	vec_free_heap(&P->head_seps);
}

/* ---------------------------------------------------------- token feed */

struct at_word {
	const char *word;
	int type;
};

static const struct at_word at_words[] = {
	{ "@cast", T_AT_CAST },           { "@var", T_AT_VAR },
	{ "@defined", T_AT_DEFINED },     { "@entry", T_AT_ENTRY },
	{ "@probewrite", T_AT_PROBEWRITE }, { "@perf", T_AT_PERF },
	{ "@count", T_AT_STAT },          { "@sum", T_AT_STAT },
	{ "@min", T_AT_STAT },            { "@max", T_AT_STAT },
	{ "@avg", T_AT_STAT },            { "@variance", T_AT_VARIANCE },
	{ "@hist_linear", T_AT_HIST_LINEAR }, { "@hist_log", T_AT_HIST_LOG },
	{ "@const", T_AT_CONST },         { "@kregister", T_AT_REGISTER },
	{ "@uregister", T_AT_REGISTER },  { "@kderef", T_AT_DEREF },
	{ "@uderef", T_AT_DEREF },
};

int gram_lex(GRAM_STYPE *lval, struct parser *P)
{
	struct token *t = P->pending ? P->pending : preproc_next(P->pp);
	P->pending = NULL;
	if (t->type == T_RETURN) {
		/* As in 4.8, `return` has no value only when ';' or '}' follows
		 * (`return return` is an error, not two statements). */
		P->pending = preproc_next(P->pp);
		int next = P->pending->type;
		if (next == ';' || next == '}' || next == T_EOF)
			t->type = T_RETURN_VOID;
	}
	if (t->type == T_AT_WORD) {
		for (size_t i = 0; i < sizeof(at_words) / sizeof(at_words[0]); i++) {
			if (strcmp(t->text, at_words[i].word) == 0) {
				t->type = at_words[i].type;
				break;
			}
		}
		/* 4.8 refuses these before parsing their operands */
		if (!P->privileged && (t->type == T_AT_CONST || ((t->type == T_AT_REGISTER ||
								   t->type == T_AT_DEREF) &&
								  t->text[1] == 'k')))
			parser_error(P, D_PARSE_GURU, t, DIAG_SAW, "using %s operator not permitted; need stap -g",
				  t->text);
	} else if (t->type == T_TARGET && (t->text == P->n_dollar || t->text == P->n_dollar2) &&
		   !(P->last && P->last->type == T_ARROW)) {
		/* a lone $ or $$ is never a variable: it is a pretty-print
		 * suffix (`@cast(...)$`, `x $$`) unless it names a member */
		t->type = T_PRETTY;
	}
	if (t->type == '(' || t->type == '[' || t->type == '{') {
		if (++P->depth > PARSER_MAX_DEPTH) {
			if (P->depth == PARSER_MAX_DEPTH + 1)
				parser_error(P, D_PARSE_LIMIT, t, DIAG_AT, "nesting deeper than %d levels",
					  PARSER_MAX_DEPTH);
			t->type = T_LEX_ERROR;
		}
	} else if ((t->type == ')' || t->type == ']' || t->type == '}') && P->depth) {
		P->depth--;
	}
	P->prev2 = P->prev;
	P->prev = P->last;
	P->last = t;
	lval->tok = t;
	return t->type;
}

int64_t parser_number(struct parser *P, const struct token *t)
{
	if (t->flags & TF_BAD_NUMBER)
		parser_error(P, D_LEX_NUMBER, t, DIAG_SAW, "number invalid or out of range");
	return t->num_value;
}

void parser_fatal(struct parser *P, const char *msg)
{
	parser_error(P, D_PARSE, P->last, DIAG_SAW, "%s", msg);
}

void parser_recovered(struct parser *P)
{
	P->fn = NULL;
	P->next_private = false;
	P->head_lists.len = 0;
	P->head_seps.len = 0;
}

/* -------------------------------------------------------- declarations */

static bool check_embedded(struct parser *P, const struct token *code, const char *what)
{
	if (P->privileged)
		return true;
	/* code a library macro expanded into the script is the library's */
	const struct source_file *src = P->sources ? source_get(P->sources, code->loc.file) : NULL;
	if (src && (src->kind == SOURCE_MACROS || src->kind == SOURCE_TAPSET))
		return true;
	parser_error(P, D_PARSE_EMBEDDED_PRIV, code, DIAG_SAW, "%s in unprivileged script; need stap -g", what);
	return false;
}

void parser_global(struct parser *P, struct token *name)
{
	const struct vardecl *old = ptrmap_get(&P->global_names, name->text);
	if (old) {
		if (old->is_private != P->next_private)
			parser_error(P, D_PARSE_DUPLICATE, name, DIAG_SAW, "global versus private variable declaration conflict");
		else
			parser_error(P, D_PARSE_DUPLICATE, name, DIAG_SAW, "duplicate global name");
		return;
	}
	if (P->g_init && P->g_size_tok) {
		parser_error(P, D_PARSE, P->g_init_tok ? P->g_init_tok : P->g_init->tok, DIAG_SAW,
			  "only scalar globals can be initialized");
		P->g_init = NULL;
	}
	struct vardecl *v = arena_new_obj(A, struct vardecl);
	v->kind = VAR_GLOBAL;
	v->tok = name;
	v->name = name->text;
	v->file = P->file;
	v->is_private = P->next_private;
	v->wrap = P->g_wrap;
	v->arity = -1;
	if (P->g_size_tok) {
		int64_t n = parser_number(P, P->g_size_tok);
		if (n < 1 || n > 0x7fffffff)
			parser_error(P, D_PARSE, P->g_size_tok, DIAG_AT, "array size out of range");
		v->maxsize = n;
	}
	if (P->g_init) {
		v->init = P->g_init;
		v->type = P->g_init->type;
		v->type_tok = P->g_init->tok;
	}
	vec_push(A, &P->file->globals, v);
	ptrmap_put(A, &P->global_names, v->name, v);
	P->g_wrap = false;
	P->g_size_tok = NULL;
	P->g_init = NULL;
}

void parser_embedded_toplevel(struct parser *P, struct token *code)
{
	if (!check_embedded(P, code, "embedded code"))
		return;
	struct embedded_code *e = arena_new_obj(A, struct embedded_code);
	e->tok = code;
	e->code = code->text;
	e->file = P->file;
	vec_push(A, &P->file->embeds, e);
}

void parser_function_begin(struct parser *P, struct token *kw, struct token *name,
			   enum stap_type type)
{
	struct functiondecl *f = arena_new_obj(A, struct functiondecl);
	f->tok = name;
	f->name = name->text;
	f->file = P->file;
	f->is_private = P->next_private;
	f->declared_type = type;
	f->type_annot_tok = type != TYPE_UNKNOWN ? P->type_tok : NULL;
	f->priority = P->file->is_tapset ? 1 : 0;
	(void)kw;
	P->fn = f;
}

void parser_param(struct parser *P, struct token *name, enum stap_type type)
{
	if (!P->fn)
		return;
	for (uint32_t i = 0; i < P->fn->params.len; i++) {
		if (P->fn->params.items[i]->name == name->text) {
			parser_error(P, D_PARSE_DUPLICATE, name, DIAG_SAW, "duplicate parameter names");
			return;
		}
	}
	struct vardecl *v = arena_new_obj(A, struct vardecl);
	v->kind = VAR_PARAM;
	v->tok = name;
	v->name = name->text;
	v->declared_type = type;
	v->arity = 0;
	if (type != TYPE_UNKNOWN) {
		v->type = type;
		v->type_tok = name;
	}
	v->index = P->fn->params.len;
	vec_push(A, &P->fn->params, v);
}

void parser_function_priority(struct parser *P, struct token *tok, int64_t prio)
{
	if (!P->fn)
		return;
	if (prio < 1)
		parser_error(P, D_PARSE, tok, DIAG_SAW, "specified priority must be > 0");
	P->fn->priority = prio;
	P->fn->has_priority = true;
}

void parser_function_body(struct parser *P, struct stmt *body)
{
	if (P->fn)
		P->fn->body = body;
}

/* Pragmas are comments inside the embedded code: "/\* pure *\/" etc. */
static unsigned embedded_pragmas(const char *code)
{
	static const struct {
		const char *text;
		unsigned flag;
	} pragmas[] = {
		{ "/* pure */", FNP_PURE },
		{ "/* stable */", FNP_STABLE },
		{ "/* unprivileged */", FNP_UNPRIVILEGED },
		{ "/* myproc-unprivileged */", FNP_MYPROC_UNPRIVILEGED },
		{ "/* guru */", FNP_GURU },
		{ "/* unmodified-fnargs */", FNP_UNMODIFIED_FNARGS },
		{ "/* unmangled */", FNP_UNMANGLED },
	};
	unsigned flags = 0;
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
		if (strstr(code, pragmas[i].text))
			flags |= pragmas[i].flag;
	return flags;
}

/* "/\* bpf: NAME *\/" names the BPF back end's builtin for this function. */
static const char *bpf_pragma(struct parser *P, const char *code)
{
	const char *p = strstr(code, "/* bpf:");
	if (!p)
		return NULL;
	p += 7;
	while (*p == ' ')
		p++;
	size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	if (n == 0)
		return NULL;
	return intern_n(P->names, p, n);
}

void parser_function_embedded(struct parser *P, struct token *code)
{
	if (!check_embedded(P, code, "embedded code"))
		return;
	if (!P->fn)
		return;
	P->fn->embedded = code->text;
	P->fn->embedded_tok = code;
	P->fn->pragmas = embedded_pragmas(code->text);
	P->fn->bpf_builtin = bpf_pragma(P, code->text);
}

void parser_function_end(struct parser *P)
{
	if (P->fn) {
		P->fn->index = P->file->functions.len;
		vec_push(A, &P->file->functions, P->fn);
	}
	P->fn = NULL;
	P->next_private = false;
}

/* -------------------------------------------------------------- probes */

void parser_probe_head(struct parser *P, struct token *probe_kw, probe_point_vec *points)
{
	P->probe_tok = probe_kw;
	P->head_lists.len = 0;
	P->head_seps.len = 0;
	vec_push_heap(&P->head_lists, points);
}

void parser_probe_head_more(struct parser *P, struct token *sep, probe_point_vec *points,
			    bool epilogue)
{
	(void)epilogue;
	vec_push_heap(&P->head_seps, sep);
	vec_push_heap(&P->head_lists, points);
}

/* An alias name is one probe point (4.8: a list or a brace group before
 * '=' is "expected probe point specifier" at the '='), never optional.
 * A condition on it is accepted and ignored, as 4.8 does. */
static bool plain_alias_name(struct parser *P, const probe_point_vec *names,
			     const struct token *sep)
{
	if (names->len != 1) {
		parser_error(P, D_PARSE_EXPECTED, sep, DIAG_SAW, "expected probe point specifier");
		return false;
	}
	const struct probe_point *n = names->items[0];
	if (n->optional || n->sufficient) {
		parser_error(P, D_PARSE, n->tok, DIAG_AT,
			  "probe point alias name cannot be optional nor sufficient");
		return false;
	}
	return true;
}

void parser_probe(struct parser *P, struct stmt *body, const struct token *comma,
		  struct stmt *second)
{
	uint32_t nlists = P->head_lists.len;
	if (nlists == 0)
		return;
	if (nlists == 1) {
		/* 4.8 ends the probe at its block and chokes on the ',' */
		if (second)
			parser_error(P, D_PARSE_EXPECTED, comma, DIAG_SAW,
				  "expected 'probe', 'global', 'private', 'function', or '%%{'");
		struct probe *p = arena_new_obj(A, struct probe);
		p->tok = P->probe_tok;
		p->file = P->file;
		p->points = *P->head_lists.items[0];
		p->body = body;
		p->index = P->file->probes.len;
		vec_push(A, &P->file->probes, p);
		return;
	}
	/* one '+=' anywhere makes the alias epilogue-style (`a += b = c` is
	 * accepted by 4.8 and printed `a = b += c`) */
	bool epilogue_style = false;
	for (uint32_t i = 0; i < P->head_seps.len; i++)
		if (P->head_seps.items[i]->type == T_ADD_ASSIGN)
			epilogue_style = true;
	if (epilogue_style && second) {
		parser_error(P, D_PARSE, comma, DIAG_SAW,
			  "Combined prologue and epilogue cannot be defined with '+='");
		return;
	}
	struct probe_alias *al = arena_new_obj(A, struct probe_alias);
	al->tok = P->probe_tok;
	al->file = P->file;
	for (uint32_t i = 0; i + 1 < nlists; i++) {
		if (!plain_alias_name(P, P->head_lists.items[i], P->head_seps.items[i]))
			return;
		vec_push(A, &al->names, P->head_lists.items[i]->items[0]);
	}
	al->points = *P->head_lists.items[nlists - 1];
	al->is_epilogue_style = epilogue_style;
	if (epilogue_style) {
		al->epilogue = body;
	} else {
		al->prologue = body;
		al->epilogue = second;
	}
	al->index = P->file->aliases.len;
	vec_push(A, &P->file->aliases, al);
}

probe_point_vec *parser_pp_list(struct parser *P, probe_point_vec *list, probe_point_vec *more)
{
	if (!list)
		return more;
	for (uint32_t i = 0; i < more->len; i++)
		vec_push(A, list, more->items[i]);
	return list;
}

probe_point_vec *parser_pp(struct parser *P, struct pp_alts *path, struct token *mark,
			   struct token *if_kw, struct expr *cond)
{
	probe_point_vec *out = arena_new_obj(A, probe_point_vec);
	(void)if_kw;
	for (uint32_t i = 0; i < path->alts.len; i++) {
		struct probe_point *pp = arena_new_obj(A, struct probe_point);
		pp->comps = path->alts.items[i];
		pp->tok = pp->comps.len ? pp->comps.items[0].tok : mark;
		if (mark) {
			pp->optional = true;
			pp->sufficient = mark->type == '!';
		}
		pp->condition = i == 0 ? cond : ast_expr_copy(A, cond);
		vec_push(A, out, pp);
	}
	return out;
}

struct pp_alts *parser_pp_product(struct parser *P, struct pp_alts *a, struct pp_alts *b)
{
	struct pp_alts *r = arena_new_obj(A, struct pp_alts);
	for (uint32_t i = 0; i < a->alts.len; i++) {
		for (uint32_t j = 0; j < b->alts.len; j++) {
			probe_point_comp_vec seq = { 0 };
			for (uint32_t k = 0; k < a->alts.items[i].len; k++)
				vec_push(A, &seq, a->alts.items[i].items[k]);
			for (uint32_t k = 0; k < b->alts.items[j].len; k++)
				vec_push(A, &seq, b->alts.items[j].items[k]);
			vec_push(A, &r->alts, seq);
		}
	}
	return r;
}

struct pp_alts *parser_pp_union(struct parser *P, struct pp_alts *a, struct pp_alts *b)
{
	for (uint32_t j = 0; j < b->alts.len; j++)
		vec_push(A, &a->alts, b->alts.items[j]);
	return a;
}

struct token_list *parser_toks(struct parser *P, struct token_list *l, struct token *t)
{
	if (!l)
		l = arena_new_obj(A, struct token_list);
	else if (t->flags & TF_SPACE_BEFORE)
		parser_error(P, D_PARSE_EXPECTED, t, DIAG_SAW, "expected one of ', { } = +='");
	vec_push(A, &l->toks, t);
	return l;
}

struct pp_alts *parser_pp_comp(struct parser *P, struct token_list *name, struct expr *arg)
{
	char buf[1024];
	size_t n = 0;
	for (uint32_t i = 0; i < name->toks.len; i++) {
		const struct token *t = name->toks.items[i];
		size_t l = strlen(t->text);
		if (n + l >= sizeof(buf))
			l = sizeof(buf) - 1 - n;
		memcpy(buf + n, t->text, l);
		n += l;
	}
	buf[n] = 0;
	struct probe_point_comp c = {
		.tok = name->toks.items[0],
		.functor = intern(P->names, buf),
		.arg = arg,
	};
	struct pp_alts *r = arena_new_obj(A, struct pp_alts);
	probe_point_comp_vec seq = { 0 };
	vec_push(A, &seq, c);
	vec_push(A, &r->alts, seq);
	return r;
}

/* ---------------------------------------------------------- statements */

struct stmt *parser_if(struct parser *P, struct token *kw, struct expr *cond, struct stmt *then,
		       struct stmt *otherwise)
{
	struct stmt *s = ast_stmt_new(A, STMT_IF, kw);
	s->u.if_.cond = stmt_expr(P, s, cond);
	s->u.if_.then = sub_stmt(P, s, then);
	s->u.if_.otherwise = sub_stmt(P, s, otherwise);
	return s;
}

struct stmt *parser_for(struct parser *P, struct token *kw, struct expr *init, struct expr *cond,
			struct expr *incr, struct stmt *body, bool is_while)
{
	struct stmt *s = ast_stmt_new(A, STMT_FOR, kw);
	s->u.for_.init = stmt_expr(P, s, init);
	/* a missing condition is true; stap prints it as 1 */
	s->u.for_.cond = stmt_expr(P, s, cond ? cond : ast_number(A, kw, 1));
	s->u.for_.incr = stmt_expr(P, s, incr);
	s->u.for_.body = sub_stmt(P, s, body);
	s->u.for_.is_while = is_while;
	return s;
}

struct stmt *parser_return(struct parser *P, struct token *kw, struct expr *value)
{
	if (!P->fn)
		parser_error(P, D_PARSE_RETURN, kw, DIAG_SAW, "found 'return' not in function context");
	struct stmt *s = ast_stmt_new(A, STMT_RETURN, kw);
	s->u.ret.value = stmt_expr(P, s, value);
	check_hist(P, value);
	check_index_keys(P, value);
	return s;
}

struct stmt *parser_delete(struct parser *P, struct token *kw, struct expr *target)
{
	struct stmt *s = ast_stmt_new(A, STMT_DELETE, kw);
	s->u.del.target = stmt_expr(P, s, target);
	check_hist(P, target);
	check_wildcards(P, target, true);
	return s;
}

/* '*' keys are allowed only in `delete` and `in` (and foreach slices). */
static enum walk_result no_wildcard(struct ast_walker *w, struct expr *e)
{
	struct parser *P = w->data;
	if (e->kind == EXPR_INDEX) {
		for (uint32_t i = 0; i < e->u.index.keys.len; i++) {
			if (!e->u.index.keys.items[i]) {
				parser_error(P, D_PARSE, e->tok, DIAG_AT,
					  "wildcard '*' not allowed in an array index here");
				return WALK_STOP;
			}
		}
	}
	return WALK_NEXT;
}

static void check_wildcards(struct parser *P, struct expr *e, bool top_allowed)
{
	if (!e)
		return;
	struct ast_walker w = { .expr_pre = no_wildcard, .data = P };
	if (top_allowed && e->kind == EXPR_INDEX) {
		for (uint32_t i = 0; i < e->u.index.keys.len; i++)
			if (e->u.index.keys.items[i])
				ast_walk_expr(&w, e->u.index.keys.items[i]);
		return;
	}
	ast_walk_expr(&w, e);
}

struct stmt *parser_block_add(struct parser *P, struct stmt *block, struct stmt *s)
{
	if (s)
		vec_push(A, &block->u.block.stmts, sub_stmt(P, block, s));
	return block;
}

struct stmt *parser_expr_stmt(struct parser *P, struct expr *e)
{
	struct stmt *s = ast_stmt_new(A, STMT_EXPR, e->tok);
	s->u.expr = stmt_expr(P, s, e);
	check_hist(P, e);
	check_index_keys(P, e);
	return s;
}

struct stmt *parser_try(struct parser *P, struct token *kw, struct stmt *body,
			struct token *var, struct stmt *handler)
{
	struct stmt *s = ast_stmt_new(A, STMT_TRY, kw);
	s->u.try_.body = sub_stmt(P, s, body);
	s->u.try_.catch_var = var ? ast_symbol(A, var, var->text) : NULL;
	s->u.try_.handler = sub_stmt(P, s, handler);
	return s;
}

struct foreach_head *parser_foreach_key(struct parser *P, struct foreach_head *h,
					struct token *name, int sort, bool bracketed)
{
	if (!h)
		h = arena_new_obj(A, struct foreach_head);
	h->keys_bracketed = bracketed;
	vec_push(A, &h->keys, ast_symbol(A, name, name->text));
	if (sort) {
		if (h->key_sort_dir && !h->sort_reported) {
			parser_error(P, D_PARSE_DUPLICATE, P->sort_tok ? P->sort_tok : name, DIAG_SAW,
				  "multiple sort directives");
			h->sort_reported = true;
		}
		h->key_sort_dir = sort;
		h->key_sort_column = (int)h->keys.len;
		h->key_sort_tok = name;
	}
	return h;
}

struct foreach_head *parser_foreach_value(struct parser *P, struct foreach_head *h,
					  struct token *name, int sort)
{
	h->value = ast_symbol(A, name, name->text);
	h->value_sort_dir = sort; /* a second sort mark is reported by parser_foreach_base */
	return h;
}

static enum stat_op stat_op_of(const char *w)
{
	if (strcmp(w, "@count") == 0) return STAT_COUNT;
	if (strcmp(w, "@sum") == 0) return STAT_SUM;
	if (strcmp(w, "@min") == 0) return STAT_MIN;
	if (strcmp(w, "@max") == 0) return STAT_MAX;
	if (strcmp(w, "@avg") == 0) return STAT_AVG;
	if (strcmp(w, "@variance") == 0) return STAT_VARIANCE;
	return STAT_NONE;
}

struct foreach_head *parser_foreach_base(struct parser *P, struct foreach_head *h,
					 struct expr *base, expr_vec *slice)
{
	h->base = base;
	if (slice) {
		h->slice = *slice;
		h->has_slice = true;
	}
	h->limit = P->flimit;
	int nsorts = (h->key_sort_dir != 0) + (h->value_sort_dir != 0) + (P->fsort_dir != 0);
	if (nsorts > 1 && !h->sort_reported)
		parser_error(P, D_PARSE_DUPLICATE, P->sort_tok ? P->sort_tok : base->tok, DIAG_SAW,
			  "multiple sort directives");
	if (h->key_sort_dir) {
		h->sort_dir = h->key_sort_dir;
		h->sort_column = h->key_sort_column;
	} else if (h->value_sort_dir) {
		h->sort_dir = h->value_sort_dir;
		h->sort_column = 0;
	} else if (P->fsort_dir) {
		h->sort_dir = P->fsort_dir;
		h->sort_column = 0;
	}
	if (P->fsort_agg)
		h->sort_agg = stat_op_of(P->fsort_agg->text);
	P->fsort_dir = 0;
	P->fsort_agg = NULL;
	P->flimit = NULL;
	return h;
}

struct stmt *parser_foreach(struct parser *P, struct token *kw, struct foreach_head *h,
			    struct stmt *body)
{
	struct stmt *s = ast_stmt_new(A, STMT_FOREACH, kw);
	s->u.foreach.keys = h->keys;
	s->u.foreach.keys_bracketed = h->keys_bracketed;
	s->u.foreach.value = h->value;
	s->u.foreach.base = h->base;
	s->u.foreach.slice = h->slice;
	s->u.foreach.has_slice = h->has_slice;
	s->u.foreach.sort_dir = h->sort_dir;
	s->u.foreach.sort_column = h->sort_column;
	s->u.foreach.sort_agg = h->sort_agg;
	s->u.foreach.limit = stmt_expr(P, s, h->limit);
	s->u.foreach.body = sub_stmt(P, s, body);
	return s;
}

/* --------------------------------------------------------- expressions */

static void check_hist(struct parser *P, struct expr *e)
{
	if (e && e->kind == EXPR_HIST)
		parser_error(P, D_PARSE, e->tok, DIAG_AT, "base histogram operator where expression expected");
}

static void check_index_keys(struct parser *P, struct expr *e)
{
	/* an indexed array used as a value may not contain '*' */
	if (e && e->kind == EXPR_INDEX)
		check_wildcards(P, e, false);
}

static const struct {
	int token;
	enum assign_op op;
} assign_ops[] = {
	{ '=', ASSIGN_SET }, { T_ADD_ASSIGN, ASSIGN_ADD }, { T_SUB_ASSIGN, ASSIGN_SUB },
	{ T_MUL_ASSIGN, ASSIGN_MUL }, { T_DIV_ASSIGN, ASSIGN_DIV }, { T_MOD_ASSIGN, ASSIGN_MOD },
	{ T_SHL_ASSIGN, ASSIGN_SHL }, { T_SHR_ASSIGN, ASSIGN_SHR }, { T_AND_ASSIGN, ASSIGN_AND },
	{ T_XOR_ASSIGN, ASSIGN_XOR }, { T_OR_ASSIGN, ASSIGN_OR },
	{ T_CONCAT_ASSIGN, ASSIGN_CONCAT }, { T_STATS_ADD, ASSIGN_STATS },
};

struct expr *parser_assign(struct parser *P, struct token *op, struct expr *lhs, struct expr *rhs)
{
	struct expr *e = ast_expr_new(A, EXPR_ASSIGN, op);
	for (size_t i = 0; i < sizeof(assign_ops) / sizeof(assign_ops[0]); i++)
		if (assign_ops[i].token == op->type)
			e->u.assign.op = assign_ops[i].op;
	e->u.assign.lhs = parser_operand(P, e, lhs);
	e->u.assign.rhs = parser_operand(P, e, rhs);
	return e;
}

struct expr *parser_ternary(struct parser *P, struct token *q, struct expr *c, struct expr *t,
			    struct expr *f)
{
	struct expr *e = ast_expr_new(A, EXPR_TERNARY, q);
	e->u.ternary.cond = parser_operand(P, e, c);
	e->u.ternary.then = parser_operand(P, e, t);
	e->u.ternary.otherwise = parser_operand(P, e, f);
	return e;
}

struct expr *parser_binary(struct parser *P, enum expr_kind kind, enum binary_op op,
			   struct token *tok, struct expr *l, struct expr *r)
{
	struct expr *e = ast_expr_new(A, kind, tok);
	e->u.binary.op = op;
	e->u.binary.lhs = parser_operand(P, e, l);
	e->u.binary.rhs = parser_operand(P, e, r);
	return e;
}

struct expr *parser_compare(struct parser *P, struct token *op, struct expr *l, struct expr *r)
{
	enum binary_op bop = OP_EQ;
	switch (op->type) {
	case '<': bop = OP_LT; break;
	case '>': bop = OP_GT; break;
	case T_LE: bop = OP_LE; break;
	case T_GE: bop = OP_GE; break;
	case T_EQ: bop = OP_EQ; break;
	case T_NE: bop = OP_NE; break;
	}
	return parser_binary(P, EXPR_COMPARE, bop, op, l, r);
}

struct expr *parser_regex(struct parser *P, struct token *op, struct expr *l, struct token *re,
			  bool negated)
{
	struct expr *e = ast_expr_new(A, EXPR_REGEX, op);
	e->u.regex.lhs = parser_operand(P, e, l);
	e->u.regex.negated = negated;
	e->u.regex.pattern = re->text;
	e->u.regex.pattern_len = re->len;
	e->u.regex.pattern_tok = re;
	return e;
}

struct expr *parser_in(struct parser *P, struct token *kw, expr_vec *keys, struct expr *array)
{
	struct expr *e = ast_expr_new(A, EXPR_IN, kw);
	for (uint32_t i = 0; i < keys->len; i++)
		if (keys->items[i])
			parser_operand(P, e, keys->items[i]);
	e->u.in.keys = *keys;
	e->u.in.array = array; /* a symbol, or @hist_xxx(v) (is the bucket valid?) */
	return e;
}

struct expr *parser_unary(struct parser *P, enum unary_op op, struct token *tok, struct expr *x)
{
	struct expr *e = ast_expr_new(A, EXPR_UNARY, tok);
	e->u.unary.op = op;
	e->u.unary.operand = parser_operand(P, e, x);
	return e;
}

struct expr *parser_incdec(struct parser *P, struct token *tok, struct expr *x, bool inc,
			   bool prefix)
{
	struct expr *e = ast_expr_new(A, EXPR_INCDEC, tok);
	e->u.incdec.increment = inc;
	e->u.incdec.prefix = prefix;
	e->u.incdec.operand = parser_operand(P, e, x);
	return e;
}

struct expr *parser_addressof(struct parser *P, struct token *amp, struct expr *x)
{
	if (!P->autocast && x->kind != EXPR_TARGET && x->kind != EXPR_CAST)
		parser_error(P, D_PARSE_EXPECTED, x->tok, DIAG_SAW, "expected @cast, @var or $var");
	struct expr *e = ast_expr_new(A, EXPR_ADDROF, amp);
	e->u.op1.operand = parser_operand(P, e, x);
	return e;
}

struct expr *parser_embedded_expr(struct parser *P, struct token *code)
{
	if (!check_embedded(P, code, "embedded expression code"))
		return ast_number(A, code, 0);
	struct expr *e = ast_expr_new(A, EXPR_EMBEDDED, code);
	e->u.embedded.code = code->text;
	return e;
}

struct expr *parser_index(struct parser *P, struct expr *base, expr_vec *keys)
{
	struct expr *e = ast_expr_new(A, EXPR_INDEX, base->tok);
	e->u.index.base = base;
	if (base->depth + 1 > e->depth)
		e->depth = base->depth + 1;
	for (uint32_t i = 0; i < keys->len; i++)
		if (keys->items[i])
			parser_operand(P, e, keys->items[i]);
	e->u.index.keys = *keys;
	return e;
}

struct print_name {
	const char *name;
	unsigned flags;
};

static const struct print_name print_names[] = {
	{ "print", 0 },
	{ "println", PRINT_NEWLINE },
	{ "printd", PRINT_DELIM },
	{ "printdln", PRINT_DELIM | PRINT_NEWLINE },
	{ "printf", PRINT_FORMAT },
	{ "sprint", PRINT_TO_STRING },
	{ "sprintln", PRINT_TO_STRING | PRINT_NEWLINE },
	{ "sprintd", PRINT_TO_STRING | PRINT_DELIM },
	{ "sprintdln", PRINT_TO_STRING | PRINT_DELIM | PRINT_NEWLINE },
	{ "sprintf", PRINT_TO_STRING | PRINT_FORMAT },
};

static void check_format(struct parser *P, const struct token *tok, const char *fmt, uint32_t len)
{
	unsigned pos = 0;
	struct fmt_spec spec;
	const char *err = NULL;
	int r;
	while ((r = fmt_next(fmt, len, &pos, &spec, &err)) > 0)
		;
	if (r < 0)
		parser_error(P, D_PARSE_PRINTF, tok, DIAG_AT, "%s", err);
}

static struct expr *print_call(struct parser *P, struct token *name, unsigned flags,
			       expr_vec *args, struct expr *hist)
{
	struct print_format *pf = arena_new_obj(A, struct print_format);
	pf->flags = flags;
	pf->name = name->text;
	struct expr *e = ast_expr_new(A, EXPR_PRINT, name);
	e->u.print = pf;
	if (hist) {
		if (flags & (PRINT_FORMAT | PRINT_DELIM))
			parser_error(P, D_PARSE, hist->tok, DIAG_AT,
				  "base histogram operator where expression expected");
		pf->hist = hist;
		return e;
	}
	uint32_t first = 0;
	if (flags & (PRINT_FORMAT | PRINT_DELIM)) {
		struct expr *f = args->len ? args->items[0] : NULL;
		if (!f || f->kind != EXPR_STRING) {
			parser_error(P, D_PARSE_EXPECTED, f ? f->tok : P->last, DIAG_SAW, "expected literal string");
			return e;
		}
		if (flags & PRINT_FORMAT) {
			pf->format = f->u.str.val;
			pf->format_len = f->u.str.len;
			pf->format_tok = f->tok;
			check_format(P, f->tok, f->u.str.val, f->u.str.len);
		} else {
			pf->delim = f->u.str.val;
			pf->delim_len = f->u.str.len;
			pf->format_tok = f->tok;
		}
		first = 1;
	}
	for (uint32_t i = first; i < args->len; i++)
		vec_push(A, &pf->args, parser_operand(P, e, args->items[i]));
	if ((flags & PRINT_DELIM) && pf->args.len < 2)
		parser_error(P, D_PARSE_EXPECTED, P->last, DIAG_SAW, "expected literal string or number");
	else if (!(flags & (PRINT_FORMAT | PRINT_DELIM | PRINT_NEWLINE)) && pf->args.len == 0)
		parser_error(P, D_PARSE_EXPECTED, P->last, DIAG_SAW, "expected literal string or number");
	return e;
}

struct expr *parser_call(struct parser *P, struct token *name, expr_vec *args, struct expr *hist)
{
	for (size_t i = 0; i < sizeof(print_names) / sizeof(print_names[0]); i++)
		if (strcmp(name->text, print_names[i].name) == 0)
			return print_call(P, name, print_names[i].flags, args, hist);
	struct expr *e = ast_expr_new(A, EXPR_CALL, name);
	e->u.call.name = name->text;
	if (hist) {
		check_hist(P, hist);
		return e;
	}
	for (uint32_t i = 0; i < args->len; i++)
		parser_operand(P, e, args->items[i]);
	e->u.call.args = *args;
	return e;
}

struct expr *parser_perf(struct parser *P, struct token *tok, struct token *name)
{
	if (name->len == 0)
		parser_error(P, D_PARSE_EXPECTED, P->last, DIAG_SAW, "expected non-empty string");
	struct expr *e = ast_string(A, tok, name->text, name->len);
	e->kind = EXPR_PERF;
	e->type = TYPE_UNKNOWN; /* a counter's value: pass 2 types it long */
	return e;
}

struct expr *parser_op1(struct parser *P, enum expr_kind kind, struct token *tok, struct expr *x)
{
	struct expr *e = ast_expr_new(A, kind, tok);
	e->u.op1.operand = parser_operand(P, e, x);
	return e;
}

struct expr *parser_const(struct parser *P, struct token *tok, struct token *name)
{
	if (!P->privileged)
		return ast_number(A, tok, 0); /* reported by gram_lex */
	/* @const("X") is shorthand for a pure, stable embedded expression */
	struct expr *e = ast_expr_new(A, EXPR_EMBEDDED, tok);
	e->u.embedded.code = arena_printf(A, " /* pure */ /* unprivileged */ /* stable */ %s ",
					  name->text);
	return e;
}

struct expr *parser_register(struct parser *P, struct token *tok, struct expr *num)
{
	bool user = strcmp(tok->text, "@uregister") == 0;
	struct expr *e = ast_expr_new(A, EXPR_REGISTER, tok);
	e->u.reg.user = user;
	e->u.reg.num = parser_operand(P, e, num);
	return e;
}

struct expr *parser_deref(struct parser *P, struct token *tok, struct expr *size,
			  struct expr *addr)
{
	bool user = strcmp(tok->text, "@uderef") == 0;
	struct expr *e = ast_expr_new(A, EXPR_DEREF, tok);
	e->u.deref.user = user;
	e->u.deref.size = parser_operand(P, e, size);
	e->u.deref.addr = parser_operand(P, e, addr);
	return e;
}

struct expr *parser_stat(struct parser *P, struct token *tok, struct expr *x, struct token *shift)
{
	struct expr *e = ast_expr_new(A, EXPR_STAT, tok);
	e->u.stat.op = stat_op_of(tok->text);
	e->u.stat.operand = parser_operand(P, e, x);
	if (shift) {
		e->u.stat.has_shift = true;
		e->u.stat.shift = parser_number(P, shift);
	}
	return e;
}

struct expr *parser_hist_log(struct parser *P, struct token *tok, struct expr *x)
{
	struct expr *e = ast_expr_new(A, EXPR_HIST, tok);
	P->hist_tok = tok;
	e->u.hist.kind = HIST_LOG;
	e->u.hist.operand = parser_operand(P, e, x);
	return e;
}

static int64_t literal_number(struct parser *P, struct expr *lit)
{
	if (lit->kind != EXPR_NUMBER) {
		parser_error(P, D_PARSE_EXPECTED, lit->tok, DIAG_SAW, "expected number");
		return 0;
	}
	return lit->u.num;
}

struct expr *parser_hist_linear(struct parser *P, struct token *tok, struct expr *x,
				struct expr *start, struct expr *stop, struct expr *interval)
{
	struct expr *e = ast_expr_new(A, EXPR_HIST, tok);
	P->hist_tok = tok;
	e->u.hist.kind = HIST_LINEAR;
	e->u.hist.operand = parser_operand(P, e, x);
	e->u.hist.start = literal_number(P, start);
	e->u.hist.stop = literal_number(P, stop);
	e->u.hist.interval = literal_number(P, interval);
	return e;
}

expr_vec *parser_exprs(struct parser *P, expr_vec *v, struct expr *e)
{
	if (!v)
		v = arena_new_obj(A, expr_vec);
	vec_push(A, v, e);
	return v;
}

expr_vec *parser_exprs0(struct parser *P)
{
	return arena_new_obj(A, expr_vec);
}

expr_vec *parser_one(struct parser *P, struct expr *e)
{
	return parser_exprs(P, NULL, e);
}
