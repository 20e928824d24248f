/*
 * preproc: command-line arguments, macros, conditionals and string gluing
 * on the token stream (see preproc.h for the layering).
 *
 * Input is a stack of frames: the file's lexer at the bottom, then lexers
 * over argument text ($N) and token lists (macro bodies, macro arguments).
 * A macro body frame carries the parameter bindings of its invocation;
 * each binding remembers the bindings and scope it was written in, so an
 * argument is expanded lazily in its caller's context (closures).
 * Tokens from a macro body are copied with `chain` pointing at the
 * invocation token, which gives "in expansion of macro" in diagnostics.
 */
#include "parse/preproc.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "parse/grammar.h"
#include "parse/lexer.h"
#include "util/arena.h"
#include "util/intern.h"

/* Bounds that keep hostile input (self-recursive or exponential macros)
 * from running away; each is reported as an error naming the limit. */
#define PP_MAX_FRAMES 1000
#define PP_MAX_EXPANDED_TOKENS (256u * 1024) /* ~40 MB of tokens and tree */

struct pp_binding {
	const char *name;              /* "@param" (interned) */
	struct token **toks;
	uint32_t n;
	struct pp_binding *env;        /* bindings in force where the argument was written */
	uint32_t nenv;
	bool library_scope;
	bool in_macro_body;
};

struct pp_macro {
	const char *name;              /* "@name" (interned) */
	const struct token *tok;
	const char **params;           /* "@p" (interned) */
	uint32_t nparams;
	struct token **body;
	uint32_t nbody;
	bool library;
};

struct pp_frame {
	struct lexer *lx;              /* lexer frame, else token list */
	struct token **toks;
	uint32_t n, pos;
	const struct token *chain;     /* copy tokens with this chain (macro bodies) */
	struct pp_binding *bindings;
	uint32_t nbindings;
	bool library_scope;
	bool in_macro_body;
};

/* The context of the token last returned by pp_raw. */
struct pp_ctx {
	struct pp_binding *bindings;
	uint32_t nbindings;
	bool library_scope;
	bool in_macro_body;
};

struct pp_cond {
	const struct token *open;
	bool in_else;
};

struct preproc {
	struct arena *arena;
	struct intern_table *names;
	struct diag_sink *diag;
	struct source_table *sources;
	const struct pp_env *env;
	struct pp_library *lib;
	struct source_file *src;
	bool library_file;             /* reading a .stpm file */
	VEC(struct pp_frame) frames;
	pp_macro_vec file_macros;
	struct ptrmap file_macro_names;  /* "@name" -> struct pp_macro * */
	VEC(struct pp_cond) conds;
	struct token *peeked;
	struct token *eof;
	uint32_t expanded;             /* tokens produced by macro expansion */
	bool gave_up;                  /* a limit was hit: everything is EOF now */
	bool gave_up_told;             /* the parser got its error token */
	const char *s_define, *s_lparen;
};

static const char *const builtin_at[] = {
	"@cast", "@var", "@defined", "@entry", "@probewrite", "@perf", "@count",
	"@sum", "@min", "@max", "@avg", "@variance", "@hist_linear", "@hist_log",
	"@const", "@kregister", "@uregister", "@kderef", "@uderef", "@define",
};

bool preproc_is_builtin_at(const char *word)
{
	for (size_t i = 0; i < sizeof(builtin_at) / sizeof(builtin_at[0]); i++)
		if (strcmp(word, builtin_at[i]) == 0)
			return true;
	return false;
}

static struct token *error_token(struct preproc *pp, const struct token *at)
{
	struct token *t = arena_memdup(pp->arena, at, sizeof(*at));
	t->type = T_LEX_ERROR;
	return t;
}

/* --------------------------------------------------------------- frames */

/* Where a runaway expansion began: the invocation in the text itself,
 * at the end of the chain (printing the chain would repeat one line a
 * thousand times). */
static const struct token *outermost(const struct preproc *pp, const struct token *t)
{
	for (uint32_t i = pp->frames.len; !t && i-- > 0;)
		t = pp->frames.items[i].chain;
	while (t && t->chain)
		t = t->chain;
	return t;
}

static void give_up(struct preproc *pp, const struct token *at, const char *what, unsigned limit)
{
	if (!pp->gave_up)
		diag_parse_error(pp->diag, D_PARSE_LIMIT, outermost(pp, at), DIAG_AT,
				 "macro expansion %s %u (does a macro expand to itself?)", what, limit);
	pp->gave_up = true;
}

static void push_frame(struct preproc *pp, struct pp_frame f)
{
	if (pp->frames.len >= PP_MAX_FRAMES) {
		if (f.lx)
			lexer_close(f.lx); /* never pushed, so never closed by the stack */
		give_up(pp, f.chain, "nested deeper than", PP_MAX_FRAMES);
		return;
	}
	vec_push_heap(&pp->frames, f);
}

/* Next raw token (no expansion), with the context it came from. */
static struct token *pp_raw(struct preproc *pp, struct pp_ctx *ctx)
{
	if (pp->gave_up) {
		/* once an error token, so that the parser ends quietly */
		if (!pp->gave_up_told) {
			pp->gave_up_told = true;
			return error_token(pp, pp->eof);
		}
		return pp->eof;
	}
	for (;;) {
		struct pp_frame *f = &pp->frames.items[pp->frames.len - 1];
		struct token *t = NULL;
		if (f->lx) {
			t = lexer_next(f->lx);
			if (t->type == T_EOF) {
				if (pp->frames.len == 1)
					return pp->eof = t;
				lexer_close(f->lx);
				pp->frames.len--;
				continue;
			}
		} else if (f->pos < f->n) {
			t = f->toks[f->pos++];
			if (f->chain) {
				if (++pp->expanded > PP_MAX_EXPANDED_TOKENS) {
					give_up(pp, f->chain, "produced more tokens than",
						PP_MAX_EXPANDED_TOKENS);
					pp->gave_up_told = true;
					return error_token(pp, pp->eof);
				}
				struct token *c = arena_memdup(pp->arena, t, sizeof(*t));
				c->chain = f->chain;
				c->chain_what = "macro";
				c->flags |= TF_FROM_MACRO;
				t = c;
			}
		} else {
			pp->frames.len--;
			continue;
		}
		if (ctx) {
			ctx->bindings = f->bindings;
			ctx->nbindings = f->nbindings;
			ctx->library_scope = f->library_scope;
			ctx->in_macro_body = f->in_macro_body;
		}
		return t;
	}
}

/* ------------------------------------------------------------ arguments */

/* 4.8 turns a bad $N/@N into a junk token with no text and reports that */
static const struct token *arg_junk(struct preproc *pp, const struct token *t)
{
	struct token *j = arena_memdup(pp->arena, t, sizeof(*t));
	j->kind = TK_JUNK;
	j->text = "";
	j->len = 0;
	return j;
}

static bool arg_index(struct preproc *pp, const struct token *t, uint32_t *idx)
{
	const char *digits = t->text + 1;
	char *end;
	unsigned long n = strtoul(digits, &end, 10);
	if (*end)
		n = 0; /* "$12A3": not a number, so out of range */
	if (t->flags & TF_FROM_ARG) {
		diag_parse_error(pp->diag, D_LEX_ARG, arg_junk(pp, t), DIAG_AT,
				 "invalid nested substitution of command line arguments");
		return false;
	}
	if (n < 1 || n > pp->env->nargs) {
		diag_parse_error(pp->diag, D_LEX_ARG, arg_junk(pp, t), DIAG_AT,
				 "command line argument out of range [1-%u]", pp->env->nargs);
		return false;
	}
	*idx = (uint32_t)(n - 1);
	if (pp->env->args_used)
		pp->env->args_used[*idx / 64] |= 1ull << (*idx % 64);
	return true;
}

static struct token *make_string_token(struct preproc *pp, const struct token *at,
				       const char *s, size_t len)
{
	struct token *t = arena_memdup(pp->arena, at, sizeof(*at));
	t->kind = TK_STRING;
	t->type = T_STRING;
	t->text = arena_strndup(pp->arena, s, len);
	t->len = (uint32_t)len;
	t->flags |= TF_FROM_ARG;
	return t;
}

static struct token *make_number_token(struct preproc *pp, const struct token *at, int64_t v)
{
	struct token *t = arena_memdup(pp->arena, at, sizeof(*at));
	t->kind = TK_NUMBER;
	t->type = T_NUMBER;
	t->text = arena_printf(pp->arena, "%lld", (long long)v);
	t->len = (uint32_t)strlen(t->text);
	t->num_value = v;
	t->flags |= TF_FROM_ARG;
	return t;
}

/* $N: re-lex the argument's text in place of the token. */
static void push_argument_text(struct preproc *pp, const struct token *t, uint32_t idx)
{
	const char *text = pp->env->args[idx];
	struct source_file *src = source_add(pp->sources, SOURCE_ARG,
					     arena_printf(pp->arena, "<argument %u>", idx + 1),
					     text, strlen(text));
	struct lexer *lx = lexer_open(pp->arena, pp->names, pp->diag, src);
	/* tokens point at the $N token for locations in messages */
	lexer_set_origin(lx, TF_FROM_ARG, NULL, NULL);
	struct pp_frame f = { .lx = lx };
	(void)t;
	push_frame(pp, f);
}

/* --------------------------------------------------------------- macros */

static struct pp_macro *find_macro(struct preproc *pp, const char *name, bool library_scope)
{
	struct pp_macro *m = library_scope ? NULL : ptrmap_get(&pp->file_macro_names, name);
	return m ? m : ptrmap_get(&pp->lib->by_name, name);
}

/* The last parameter of that name (4.8 keeps its parameters in a map,
 * so with `@define m(a, a)` the second argument is @a). */
static struct pp_binding *find_binding(struct pp_ctx *ctx, const char *name)
{
	for (uint32_t i = ctx->nbindings; i-- > 0;)
		if (ctx->bindings[i].name == name)
			return &ctx->bindings[i];
	return NULL;
}

/* @define NAME[(p, ...)] %( BODY %) */
/* @define NAME[(p, ...)] %( BODY %).  Returns false after an error (the
 * parser then recovers as from any parse error, as 4.8's throw makes it
 * do); a definition that is refused once its name is read is still read
 * to its end and dropped, so that its body does not cascade. */
static bool pp_define(struct preproc *pp, const struct token *def, struct pp_ctx *ctx)
{
	bool ok = true;
	if (ctx->in_macro_body) {
		diag_parse_error(pp->diag, D_PP_MACRO, def, DIAG_AT,
				 "'@define' forbidden inside macro body");
		ok = false;
	}
	struct token *name = pp_raw(pp, NULL);
	if (name->type != T_IDENT) {
		diag_parse_error(pp->diag, D_PP_MACRO, name, DIAG_AT, "expected identifier");
		return false;
	}
	if (strcmp(name->text, "define") == 0) {
		diag_parse_error(pp->diag, D_PP_MACRO, name, DIAG_AT,
				 "attempt to redefine '@define'");
		ok = false;
	}
	struct pp_macro *m = arena_new_obj(pp->arena, struct pp_macro);
	m->name = intern(pp->names, arena_printf(pp->arena, "@%s", name->text));
	m->tok = name;
	m->library = pp->library_file;
	/* checked at the name, as 4.8 does; the definition is still read
	 * (and dropped) so that its body does not cascade into errors */
	bool redefined = !ok;
	const struct pp_macro *old = ok ? ptrmap_get(&pp->file_macro_names, m->name) : NULL;
	if (old) {
		diag_parse_error(pp->diag, D_PP_MACRO, name, DIAG_AT,
				 "attempt to redefine macro '%s' in the same file", m->name);
		diag_parse_chain(pp->diag, old->tok, "macro '%s' first defined here", m->name);
		redefined = true;
	}

	struct token *t = pp_raw(pp, NULL);
	if (t->type == '(') {
		VEC(const char *) params = { 0 };
		for (;;) {
			t = pp_raw(pp, NULL);
			if (t->type == ')' && params.len == 0)
				break;
			if (t->type != T_IDENT) {
				diag_parse_error(pp->diag, D_PP_MACRO, t, DIAG_AT, "expected identifier");
				return false;
			}
			/* 4.8 accepts a repeated name (the last binding wins) */
			const char *p = intern(pp->names, arena_printf(pp->arena, "@%s", t->text));
			vec_push(pp->arena, &params, p);
			t = pp_raw(pp, NULL);
			if (t->type == ')')
				break;
			if (t->type != ',') {
				diag_parse_error(pp->diag, D_PP_MACRO, t, DIAG_AT, "expected ',' or ')'");
				return false;
			}
		}
		m->params = params.items;
		m->nparams = params.len;
		t = pp_raw(pp, NULL);
	}
	if (t->type != T_PP_OPEN) {
		diag_parse_error(pp->diag, D_PP_MACRO, t, DIAG_AT,
				 m->nparams || m->params ? "expected '%%('" : "expected '%%(' or '('");
		return false;
	}
	VEC(struct token *) body = { 0 };
	int depth = 1;
	for (;;) {
		t = pp_raw(pp, NULL);
		if (t->type == T_EOF) {
			diag_parse_error(pp->diag, D_PP_MACRO, name, DIAG_AT,
					 "incomplete macro definition - missing '%%)'");
			return false;
		}
		if (t->type == T_PP_OPEN)
			depth++;
		else if (t->type == T_PP_CLOSE && --depth == 0)
			break;
		vec_push(pp->arena, &body, t);
	}
	m->body = body.items;
	m->nbody = body.len;

	if (redefined)
		return false;
	if (preproc_is_builtin_at(m->name))
		diag_warning(pp->diag, W_MACRO, name, "macro redefines built-in operator '%s'",
			     m->name);
	vec_push_heap(&pp->file_macros, m);
	ptrmap_put(pp->arena, &pp->file_macro_names, m->name, m);
	return true;
}

/* Collects "(a, b, ...)" raw, one argument per parameter, as 4.8 does:
 * () and [] nest; `@m()` passes one empty argument; a ',' after the last
 * parameter is "too many", a ')' before it "too few".  False on error. */
static bool collect_args(struct preproc *pp, const struct token *inv, const struct pp_macro *m,
			 struct pp_ctx *ctx, struct pp_binding *out)
{
	struct token *t = pp_raw(pp, NULL);
	if (t->type != '(') {
		diag_parse_error(pp->diag, D_PP_MACRO, t, DIAG_AT,
				 "expected '(' in invocation of macro '%s' taking %u parameter%s",
				 m->name, m->nparams, m->nparams == 1 ? "" : "s");
		/* the token was not ours: put it back */
		struct token **one = arena_new_array(pp->arena, struct token *, 1);
		one[0] = t;
		push_frame(pp, (struct pp_frame){ .toks = one, .n = 1,
						  .bindings = ctx->bindings,
						  .nbindings = ctx->nbindings,
						  .library_scope = ctx->library_scope,
						  .in_macro_body = ctx->in_macro_body });
		return false;
	}
	for (uint32_t i = 0; i < m->nparams; i++) {
		VEC(struct token *) cur = { 0 };
		int depth = 0;
		for (;;) {
			t = pp_raw(pp, NULL);
			if (t->type == T_EOF) {
				diag_parse_error(pp->diag, D_PP_MACRO, inv, DIAG_AT,
						 "could not find end of macro invocation");
				return false;
			}
			if (depth == 0 && (t->type == ',' || t->type == ')'))
				break;
			if (t->type == '(' || t->type == '[')
				depth++;
			else if ((t->type == ')' || t->type == ']') && depth > 0)
				depth--;
			vec_push(pp->arena, &cur, t);
		}
		out[i] = (struct pp_binding){
			.name = m->params[i], .toks = cur.items, .n = cur.len,
			.env = ctx->bindings, .nenv = ctx->nbindings,
			.library_scope = ctx->library_scope, .in_macro_body = ctx->in_macro_body,
		};
		if (t->type == ',' && i + 1 == m->nparams) {
			diag_parse_error(pp->diag, D_PP_MACRO, t, DIAG_AT,
					 "too many parameters for macro '%s' (expected %u)", m->name,
					 m->nparams);
			return false;
		}
		if (t->type == ')' && i + 1 != m->nparams) {
			diag_parse_error(pp->diag, D_PP_MACRO, t, DIAG_AT,
					 "too few parameters for macro '%s' (expected %u)", m->name,
					 m->nparams);
			return false;
		}
	}
	return true;
}

/* False when the arguments were wrong (reported). */
static bool invoke_macro(struct preproc *pp, const struct token *inv, const struct pp_macro *m,
			 struct pp_ctx *ctx)
{
	struct pp_binding *b = NULL;
	if (m->nparams) {
		b = arena_new_array(pp->arena, struct pp_binding, m->nparams);
		if (!collect_args(pp, inv, m, ctx, b))
			return false;
	}
	push_frame(pp, (struct pp_frame){
		.toks = m->body, .n = m->nbody, .chain = inv,
		.bindings = b, .nbindings = m->nparams,
		.library_scope = m->library, .in_macro_body = true,
	});
	return true;
}

/* Tokens after arguments and macros: the layer conditionals read. */
static struct token *pp_expand(struct preproc *pp)
{
	for (;;) {
		struct pp_ctx ctx;
		struct token *t = pp_raw(pp, &ctx);
		uint32_t idx;
		switch (t->type) {
		case T_ARG_DOLLAR:
			if (!arg_index(pp, t, &idx))
				return error_token(pp, t);
			push_argument_text(pp, t, idx);
			continue;
		case T_ARG_AT:
			if (!arg_index(pp, t, &idx))
				return error_token(pp, t);
			return make_string_token(pp, t, pp->env->args[idx], strlen(pp->env->args[idx]));
		case T_ARG_COUNT:
			return make_number_token(pp, t, pp->env->nargs);
		case T_ARG_COUNT_STR: {
			char buf[16];
			int n = snprintf(buf, sizeof(buf), "%u", pp->env->nargs);
			return make_string_token(pp, t, buf, (size_t)n);
		}
		case T_AT_WORD: {
			if (t->text == pp->s_define) {
				if (!pp_define(pp, t, &ctx))
					return error_token(pp, t);
				continue;
			}
			struct pp_binding *b = find_binding(&ctx, t->text);
			if (b) {
				push_frame(pp, (struct pp_frame){
					.toks = b->toks, .n = b->n,
					.bindings = b->env, .nbindings = b->nenv,
					.library_scope = b->library_scope,
					.in_macro_body = b->in_macro_body,
				});
				continue;
			}
			struct pp_macro *m = find_macro(pp, t->text, ctx.library_scope);
			if (m) {
				if (!invoke_macro(pp, t, m, &ctx))
					return error_token(pp, t);
				continue;
			}
			if (preproc_is_builtin_at(t->text))
				return t;
			diag_parse_error(pp->diag, D_PP_MACRO, t, DIAG_SAW, "unknown operator %s",
					 t->text);
			return error_token(pp, t);
		}
		default:
			return t;
		}
	}
}

/* --------------------------------------------------------- conditionals */

/* 4.8's message, line breaks and all. */
static const char generic_cond_msg[] =
	"expected 'arch', 'kernel_v', 'kernel_vr', 'systemtap_v',\n"
	"             'runtime', 'systemtap_privilege', 'CONFIG_...', or\n"
	"             comparison between strings or integers";

static bool is_cmp_op(int type)
{
	return type == '<' || type == '>' || type == T_LE || type == T_GE || type == T_EQ ||
	       type == T_NE;
}

static bool cmp_result(int op, int c)
{
	switch (op) {
	case '<': return c < 0;
	case '>': return c > 0;
	case T_LE: return c <= 0;
	case T_GE: return c >= 0;
	case T_EQ: return c == 0;
	case T_NE: return c != 0;
	}
	return false;
}

static int sign64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Reports a bad condition at the token it is about (4.8 says "at:"). */
static bool cond_fail_code(struct preproc *pp, enum diag_code code, bool *ok,
			   const struct token *at, const char *msg)
{
	if (*ok)
		diag_parse_error(pp->diag, code, at, DIAG_AT, "%s", msg);
	*ok = false;
	return false;
}

static bool cond_fail(struct preproc *pp, bool *ok, const struct token *at, const char *msg)
{
	if (*ok)
		diag_parse_error(pp->diag, D_PP_CONDITIONAL, at, DIAG_AT, "%s", msg);
	*ok = false;
	return false;
}

static bool compare(struct preproc *pp, const struct token *op, int c, bool *ok)
{
	if (!is_cmp_op(op->type))
		return cond_fail(pp, ok, op, "expected comparison operator");
	return cmp_result(op->type, c);
}

static bool eq_or_ne(struct preproc *pp, const struct token *op, bool match, bool *ok)
{
	if (op->type == T_EQ)
		return match;
	if (op->type == T_NE)
		return !match;
	return cond_fail(pp, ok, op, "expected '==' or '!='");
}

static bool glob_match(const char *pattern, const char *have)
{
	return fnmatch(pattern, have, FNM_NOESCAPE) == 0;
}

/* kernel_v, kernel_vr, systemtap_v: versions ordered by strverscmp;
 * == and != with a wildcard pattern glob-match instead. */
static bool cmp_version(struct preproc *pp, const char *have, const struct token *op,
			const struct token *r, bool *ok)
{
	if (r->type != T_STRING)
		return cond_fail(pp, ok, r, "expected string literal");
	if (!is_cmp_op(op->type))
		return cond_fail(pp, ok, op, "expected comparison operator");
	if (has_glob(r->text)) {
		if (op->type != T_EQ && op->type != T_NE)
			return cond_fail(pp, ok, op,
					 "wildcard not allowed with order comparison operators");
		return glob_match(r->text, have) == (op->type == T_EQ);
	}
	return cmp_result(op->type, strverscmp(have, r->text));
}

/* A CONFIG_ value as a number: strtoll with base 0 to the end; an unset
 * option reads as "" and so as 0, as in 4.8. */
static bool config_number(const char *v, int64_t *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 0);
	if (errno == ERANGE || errno == EINVAL || *end)
		return false;
	*out = n;
	return true;
}

static const char *config_value(struct preproc *pp, const char *name)
{
	const char *v = pp->env->config ? pp->env->config(pp->env->ctx, name) : NULL;
	return v ? v : "";
}

static bool cmp_config(struct preproc *pp, const struct token *l, const struct token *op,
		       const struct token *r, bool *ok)
{
	const char *have = config_value(pp, l->text);
	if (r->type == T_STRING)
		return eq_or_ne(pp, op, glob_match(r->text, have), ok);
	if (r->type == T_NUMBER) {
		int64_t v;
		if (!config_number(have, &v))
			return cond_fail_code(pp, D_PP_CONFIG, ok, l, "Config option value not a number");
		return compare(pp, op, sign64(v, r->num_value), ok);
	}
	if (r->type == T_IDENT && strncmp(r->text, "CONFIG_", 7) == 0) {
		const char *other = config_value(pp, r->text);
		int64_t a, b;
		if (config_number(have, &a) && config_number(other, &b))
			return compare(pp, op, sign64(a, b), ok);
		return compare(pp, op, strcmp(have, other), ok);
	}
	return cond_fail_code(pp, D_PP_CONFIG, ok, r,
			      "expected string, number literal or other CONFIG_... as right side operand");
}

/* One "LEFT OP RIGHT", read as 4.8 reads it: three tokens, whatever they
 * are, judged by what LEFT and RIGHT turn out to be. */
static bool eval_comparison(struct preproc *pp, const struct token *l, const struct token *op,
			    const struct token *r, bool *ok)
{
	const struct pp_env *env = pp->env;
	if (l->type == T_LEX_ERROR || op->type == T_LEX_ERROR || r->type == T_LEX_ERROR) {
		*ok = false; /* reported where it was read */
		return false;
	}
	const struct token *bad = (l->flags & TF_BAD_NUMBER) ? l
				  : (r->flags & TF_BAD_NUMBER) ? r : NULL;
	if (bad && bad->type == T_NUMBER) {
		if (*ok)
			diag_parse_error(pp->diag, D_LEX_NUMBER, bad, DIAG_SAW,
					 "number invalid or out of range");
		*ok = false;
		return false;
	}
	if (l->type == T_IDENT) {
		const char *n = l->text;
		if (strcmp(n, "kernel_v") == 0)
			return cmp_version(pp, env->kernel_v, op, r, ok);
		if (strcmp(n, "kernel_vr") == 0)
			return cmp_version(pp, env->kernel_vr, op, r, ok);
		if (strcmp(n, "systemtap_v") == 0)
			return cmp_version(pp, env->systemtap_v, op, r, ok);
		if (strcmp(n, "systemtap_privilege") == 0) {
			if (r->type != T_STRING)
				return cond_fail(pp, ok, r, "expected string literal");
			return eq_or_ne(pp, op, strcmp(env->privilege, r->text) == 0, ok);
		}
		if (strcmp(n, "guru_mode") == 0) {
			if (r->type != T_NUMBER)
				return cond_fail(pp, ok, r, "expected number");
			if (r->num_value != 0 && r->num_value != 1)
				return cond_fail(pp, ok, op, "expected 0 or 1");
			if (op->type != T_EQ && op->type != T_NE)
				return cond_fail(pp, ok, op, "expected '==' or '!='");
			return cmp_result(op->type, sign64(env->guru ? 1 : 0, r->num_value));
		}
		if (strcmp(n, "arch") == 0 || strcmp(n, "runtime") == 0) {
			if (r->type != T_STRING)
				return cond_fail(pp, ok, r, "expected string literal");
			const char *have = n[0] == 'a' ? env->arch
					   : env->runtime ? env->runtime(env->ctx) : "kernel";
			return eq_or_ne(pp, op, glob_match(r->text, have), ok);
		}
		if (strncmp(n, "CONFIG_", 7) == 0)
			return cmp_config(pp, l, op, r, ok);
	}
	if (l->type == T_STRING && r->type == T_STRING) {
		size_t n = l->len < r->len ? l->len : r->len;
		int c = memcmp(l->text, r->text, n);
		if (c == 0)
			c = l->len < r->len ? -1 : l->len > r->len;
		return compare(pp, op, c, ok);
	}
	if (l->type == T_NUMBER && r->type == T_NUMBER)
		return compare(pp, op, sign64(l->num_value, r->num_value), ok);
	if (l->type == T_STRING && r->type == T_NUMBER)
		return cond_fail(pp, ok, r, "expected string literal as right value");
	if (l->type == T_NUMBER && r->type == T_STRING)
		return cond_fail(pp, ok, r, "expected number literal as right value");
	return cond_fail(pp, ok, l, generic_cond_msg);
}

/*
 * Evaluates COND (comparisons joined by && and ||) through its '%?'.
 * Returns 1 or 0; -1 after an error, which is reported and ends the
 * conditional as in 4.8: what was read is gone, nothing is skipped, and
 * the '%?', '%:' and '%)' that follow are stray.
 */
static int eval_condition(struct preproc *pp, const struct token *open)
{
	bool result = false, conj = true, ok = true;
	for (;;) {
		struct token *l = pp_expand(pp), *op = NULL, *r = NULL;
		if (l->type != T_EOF)
			op = pp_expand(pp);
		if (op && op->type != T_EOF)
			r = pp_expand(pp);
		if (!r || r->type == T_EOF) {
			diag_parse_error(pp->diag, D_PP_CONDITIONAL, open, DIAG_AT,
					 "incomplete condition after '%%('");
			pp->peeked = r ? r : op ? op : l;
			return -1;
		}
		bool c = eval_comparison(pp, l, op, r, &ok);
		if (!ok)
			return -1;
		conj = conj && c;
		struct token *n = pp_expand(pp);
		if (n->type == T_AND)
			continue;
		result = result || conj;
		conj = true;
		if (n->type == T_OR)
			continue;
		if (n->type == T_PP_THEN)
			return result;
		diag_parse_error(pp->diag, D_PP_CONDITIONAL, open, DIAG_AT,
				 "expected '%%?' marker for conditional");
		if (n->type == T_EOF)
			pp->peeked = n;
		return -1;
	}
}

/* Skips raw tokens of an unselected branch.  stop_at_else: the false branch
 * before '%:'.  Returns the token that ended the skip (%:, %) or EOF). */
static struct token *skip_branch(struct preproc *pp, bool stop_at_else)
{
	int depth = 0;
	for (;;) {
		struct token *t = pp_raw(pp, NULL);
		if (t->type == T_EOF)
			return t;
		if (t->type == T_PP_OPEN) {
			depth++;
		} else if (t->type == T_PP_CLOSE) {
			if (depth == 0)
				return t;
			depth--;
		} else if (t->type == T_PP_ELSE && depth == 0) {
			if (stop_at_else)
				return t;
			diag_parse_error(pp->diag, D_PP_CONDITIONAL, t, DIAG_AT,
					 "invalid conditional - duplicate '%%:'");
		} else if (t->type == T_PP_THEN && depth == 0) {
			diag_parse_error(pp->diag, D_PP_STRAY_THEN, t, DIAG_AT,
					 "incomplete conditional - missing '%%('");
		}
	}
}

/* Returns false when the condition had an error (the parser then gets
 * an error token, so it recovers as after any parse error). */
static bool pp_conditional(struct preproc *pp, const struct token *open)
{
	int taken = eval_condition(pp, open);
	if (taken < 0)
		return false;
	if (taken) {
		vec_push_heap(&pp->conds, ((struct pp_cond){ open, false }));
		return true;
	}
	struct token *end = skip_branch(pp, true);
	if (end->type == T_PP_ELSE)
		vec_push_heap(&pp->conds, ((struct pp_cond){ open, true }));
	else if (end->type == T_EOF)
		diag_parse_error(pp->diag, D_PP_CONDITIONAL, open, DIAG_AT,
				 "incomplete conditional at end of file");
	return true;
}

static struct token *pp_cond_next(struct preproc *pp)
{
	for (;;) {
		struct token *t = pp->peeked ? pp->peeked : pp_expand(pp);
		pp->peeked = NULL;
		switch (t->type) {
		case T_PP_OPEN:
			if (!pp_conditional(pp, t))
				return error_token(pp, t);
			continue;
		case T_PP_ELSE:
			if (pp->conds.len == 0) {
				diag_parse_error(pp->diag, D_PP_STRAY_ELSE, t, DIAG_AT,
						 "incomplete conditional - missing '%%('");
				continue;
			}
			if (vec_last(&pp->conds).in_else) {
				diag_parse_error(pp->diag, D_PP_CONDITIONAL, t, DIAG_AT,
						 "invalid conditional - duplicate '%%:'");
				continue;
			}
			/* end of a taken true branch: skip the false one */
			if (skip_branch(pp, false)->type == T_EOF)
				diag_parse_error(pp->diag, D_PP_CONDITIONAL, vec_last(&pp->conds).open,
						 DIAG_AT, "incomplete conditional at end of file");
			pp->conds.len--;
			continue;
		case T_PP_CLOSE:
			if (pp->conds.len == 0) {
				diag_parse_error(pp->diag, D_PP_STRAY_CLOSE, t, DIAG_AT,
						 "incomplete conditional - missing '%%('");
				continue;
			}
			pp->conds.len--;
			continue;
		case T_PP_THEN:
			diag_parse_error(pp->diag, D_PP_STRAY_THEN, t, DIAG_AT,
					 "incomplete conditional - missing '%%('");
			continue;
		case T_EOF:
			/* every conditional still open, innermost first (as 4.8) */
			while (pp->conds.len) {
				diag_parse_error(pp->diag, D_PP_CONDITIONAL, vec_last(&pp->conds).open,
						 DIAG_AT, "incomplete conditional at end of file");
				pp->conds.len--;
			}
			return t;
		default:
			return t;
		}
	}
}

/* ----------------------------------------------------------------- API */

struct token *preproc_next(struct preproc *pp)
{
	struct token *t = pp_cond_next(pp);
	if (t->type != T_STRING || !pp->env->glue_strings)
		return t;
	/* "a" "b" -> "ab" (also across comments and lines) */
	struct token *n = pp_cond_next(pp);
	if (n->type != T_STRING) {
		pp->peeked = n;
		return t;
	}
	struct token *g = arena_memdup(pp->arena, t, sizeof(*t));
	size_t cap = (size_t)t->len + n->len;
	char *buf = arena_alloc(pp->arena, cap + 1);
	memcpy(buf, t->text, t->len);
	memcpy(buf + t->len, n->text, n->len);
	size_t len = cap;
	for (;;) {
		n = pp_cond_next(pp);
		if (n->type != T_STRING) {
			pp->peeked = n;
			break;
		}
		char *nb = arena_alloc(pp->arena, len + n->len + 1);
		memcpy(nb, buf, len);
		memcpy(nb + len, n->text, n->len);
		buf = nb;
		len += n->len;
	}
	buf[len] = 0;
	g->text = buf;
	g->len = (uint32_t)len;
	return g;
}

static struct preproc *pp_new(struct arena *a, struct intern_table *names,
			      struct diag_sink *diag, struct source_table *sources,
			      const struct pp_env *env, struct pp_library *lib,
			      struct source_file *src)
{
	struct preproc *pp = arena_new_obj(a, struct preproc);
	pp->arena = a;
	pp->names = names;
	pp->diag = diag;
	pp->sources = sources;
	pp->env = env;
	pp->lib = lib;
	pp->src = src;
	pp->s_define = intern(names, "@define");
	struct lexer *lx = lexer_open(a, names, diag, src);
	vec_push_heap(&pp->frames, ((struct pp_frame){ .lx = lx }));
	/* returned only if a limit makes us stop early; the lexer's own EOF
	 * token replaces it when the end is reached normally */
	struct token *eof = arena_new_obj(a, struct token);
	eof->kind = TK_EOF;
	eof->type = T_EOF;
	eof->text = "";
	eof->loc.file = src->id;
	pp->eof = eof;
	return pp;
}

struct preproc *preproc_open(struct arena *a, struct intern_table *names,
			     struct diag_sink *diag, struct source_table *sources,
			     const struct pp_env *env, struct pp_library *lib,
			     struct source_file *src)
{
	return pp_new(a, names, diag, sources, env, lib, src);
}

void preproc_close(struct preproc *pp)
{
	if (!pp)
		return;
	for (uint32_t i = 0; i < pp->frames.len; i++)
		if (pp->frames.items[i].lx)
			lexer_close(pp->frames.items[i].lx);
	vec_free_heap(&pp->frames);
	vec_free_heap(&pp->file_macros);
	vec_free_heap(&pp->conds);
}

bool preproc_library_file(struct arena *a, struct intern_table *names,
			  struct diag_sink *diag, struct source_table *sources,
			  const struct pp_env *env, struct pp_library *lib,
			  struct source_file *src)
{
	struct diag_mark before = diag_mark(diag);
	struct preproc *pp = pp_new(a, names, diag, sources, env, lib, src);
	pp->library_file = true;
	for (;;) {
		struct token *t = preproc_next(pp);
		if (t->type == T_EOF)
			break;
		if (t->type == T_LEX_ERROR)
			continue;
		diag_parse_error(diag, D_PP_MACRO, t, DIAG_AT,
				 "unexpected token in library macro file '%s'", src->name);
		break;
	}
	bool ok = !diag_errors_since(diag, &before);
	for (uint32_t i = 0; ok && i < pp->file_macros.len; i++) {
		struct pp_macro *m = pp->file_macros.items[i];
		const struct pp_macro *old = ptrmap_get(&lib->by_name, m->name);
		if (old) {
			diag_parse_error(diag, D_PP_MACRO, m->tok, DIAG_AT,
					 "duplicate definition of library macro '%s'", m->name);
			diag_parse_chain(diag, old->tok, "macro '%s' first defined here", m->name);
			ok = false;
		}
	}
	/* the library lives as long as the arena (a heap vector here leaked
	 * once per run, and once per input in the fuzzer) */
	if (ok)
		for (uint32_t i = 0; i < pp->file_macros.len; i++) {
			vec_push(a, &lib->macros, pp->file_macros.items[i]);
			ptrmap_put(a, &lib->by_name, pp->file_macros.items[i]->name,
				    pp->file_macros.items[i]);
		}
	preproc_close(pp);
	return ok;
}
