/*
 * parser_target: what the grammar's actions build for target expressions
 * - $var, $$vars, @cast, @var, member and index chains, pretty-printing
 * suffixes ($, $$) - and the rules SystemTap checks while parsing them.
 */
#include "parse/parser.h"

#include <string.h>

#include "diag/diag.h"
#include "util/arena.h"
#include "util/intern.h"

#define A (P->arena)

/* "$var$$" -> name "$var", pretty TCOMP_PRETTY_DEEP */
static const char *split_pretty(struct parser *P, const char *text, enum target_comp_kind *pretty)
{
	size_t n = strlen(text);
	size_t lead = 0;
	while (lead < n && text[lead] == '$')
		lead++;
	size_t trail = 0;
	while (trail < n - lead && text[n - 1 - trail] == '$')
		trail++;
	if (trail == 0 || lead == n) {
		*pretty = TCOMP_MEMBER; /* none */
		return text;
	}
	*pretty = trail >= 2 ? TCOMP_PRETTY_DEEP : TCOMP_PRETTY;
	return intern_n(P->names, text, n - (trail >= 2 ? 2 : 1));
}

static void add_pretty(struct parser *P, struct expr *t, const struct token *tok,
		       enum target_comp_kind kind)
{
	struct target_comp c = { .kind = kind, .tok = tok };
	vec_push(A, &t->u.target.comps, c);
}

struct expr *parser_target(struct parser *P, struct token *tok)
{
	struct expr *e = ast_expr_new(A, EXPR_TARGET, tok);
	enum target_comp_kind pretty;
	e->u.target.name = split_pretty(P, tok->text, &pretty);
	if (pretty != TCOMP_MEMBER)
		add_pretty(P, e, tok, pretty);
	return e;
}

struct expr *parser_cast(struct parser *P, struct token *tok, struct expr *x, struct token *type,
			 struct token *module)
{
	struct expr *e = ast_expr_new(A, EXPR_CAST, tok);
	e->u.target.operand = parser_operand(P, e, x);
	e->u.target.type_name = type->text;
	e->u.target.module = module ? module->text : NULL;
	return e;
}

struct expr *parser_at_var(struct parser *P, struct token *tok, struct token *name,
			   struct token *module)
{
	struct expr *e = ast_expr_new(A, EXPR_TARGET, tok);
	e->u.target.is_at_var = true;
	e->u.target.name = name->text;
	e->u.target.module = module ? module->text : NULL;
	return e;
}

static bool has_pretty(const struct expr *t)
{
	const target_comp_vec *c = &t->u.target.comps;
	return c->len && (c->items[c->len - 1].kind == TCOMP_PRETTY ||
			  c->items[c->len - 1].kind == TCOMP_PRETTY_DEEP);
}

/* `x->m`, `f()[1]`, `(a+b)$` on a non-target value: an autocast, whose
 * type pass 2 takes from the value's own (DWARF/BTF) type. */
static struct expr *autocast(struct parser *P, struct expr *x, const struct token *tok)
{
	if (x->kind == EXPR_TARGET || x->kind == EXPR_CAST)
		return x;
	if (!P->autocast)
		parser_error(P, D_PARSE_EXPECTED, tok, DIAG_SAW, "expected literal string or number");
	struct expr *e = ast_expr_new(A, EXPR_CAST, x->tok);
	e->u.target.operand = parser_operand(P, e, x);
	e->u.target.type_name = NULL;
	return e;
}

struct expr *parser_target_member(struct parser *P, struct expr *t, struct token *arrow,
				  struct token *name)
{
	t = autocast(P, t, arrow);
	if (has_pretty(t)) {
		parser_error(P, D_PARSE, arrow, DIAG_AT, "unexpected member access after pretty-print suffix");
		return t;
	}
	enum target_comp_kind pretty;
	if (name->text == P->n_dollar || name->text == P->n_dollar2) {
		add_pretty(P, t, name, name->text == P->n_dollar ? TCOMP_PRETTY : TCOMP_PRETTY_DEEP);
		return t;
	}
	const char *member = split_pretty(P, name->text, &pretty);
	if (member[0] == '$') {
		parser_error(P, D_PARSE_EXPECTED, name, DIAG_SAW, "expected identifier");
		return t;
	}
	struct target_comp c = { .kind = TCOMP_MEMBER, .tok = name, .name = member };
	vec_push(A, &t->u.target.comps, c);
	if (pretty != TCOMP_MEMBER)
		add_pretty(P, t, name, pretty);
	return t;
}

struct expr *parser_target_index(struct parser *P, struct expr *t, struct token *bracket,
				 struct expr *index)
{
	t = autocast(P, t, bracket);
	if (has_pretty(t)) {
		parser_error(P, D_PARSE, bracket, DIAG_AT, "unexpected index after pretty-print suffix");
		return t;
	}
	struct target_comp c = { .tok = bracket };
	if (index->kind == EXPR_NUMBER) {
		c.kind = TCOMP_INDEX_NUM;
		c.num = index->u.num;
	} else {
		c.kind = TCOMP_INDEX_EXPR;
		c.index = parser_operand(P, t, index);
	}
	vec_push(A, &t->u.target.comps, c);
	return t;
}

struct expr *parser_target_pretty(struct parser *P, struct expr *t, struct token *suffix)
{
	t = autocast(P, t, suffix);
	if (has_pretty(t)) {
		parser_error(P, D_PARSE_DUPLICATE, suffix, DIAG_AT, "duplicate pretty-print suffix");
		return t;
	}
	add_pretty(P, t, suffix, suffix->text == P->n_dollar ? TCOMP_PRETTY : TCOMP_PRETTY_DEEP);
	return t;
}
