/*
 * syntax_error: SystemTap-shaped messages for what bison reports as a
 * syntax error - "expected literal string or number", "saw: ..." - from
 * the tokens the grammar expected and the symbols on its stack.
 */
#include "parse/parser.h"

#include <stdio.h>
#include <string.h>

#include "diag/diag.h"
#include "parse/grammar.h"

/* Bison names a token by its alias: older releases keep the quotes
 * ("\"probe\""), 3.6 and later with parse.error custom do not ("probe").
 * Names compare without the quotes; characters stay quoted ("'+'"). */
static bool same_name(const char *bison, const char *want)
{
	size_t n = strlen(bison);
	if (n >= 2 && bison[0] == '"' && bison[n - 1] == '"')
		return strlen(want) == n - 2 && memcmp(bison + 1, want, n - 2) == 0;
	return strcmp(bison, want) == 0;
}

/* Descriptive token names are shown bare, literal ones quoted: 'probe'. */
static void token_display(const char *name, char *buf, size_t size)
{
	static const char *const descriptive[] = {
		"identifier", "number", "string literal", "embedded-code", "target variable",
		"pretty-print suffix", "statistic operator", "@operator", "end of file",
	};
	size_t n = strlen(name);
	if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
		name++;
		n -= 2;
	}
	for (size_t i = 0; i < sizeof(descriptive) / sizeof(descriptive[0]); i++) {
		if (strlen(descriptive[i]) == n && memcmp(descriptive[i], name, n) == 0) {
			snprintf(buf, size, "%.*s", (int)n, name);
			return;
		}
	}
	if (name[0] == '\'')
		snprintf(buf, size, "%.*s", (int)n, name);
	else
		snprintf(buf, size, "'%.*s'", (int)n, name);
}

static bool has(const char **expected, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (same_name(expected[i], name))
			return true;
	return false;
}

static bool on_stack(const char **stack, int nstack, int from, int to, const char *name)
{
	for (int i = from; i < nstack && i <= to; i++)
		if (same_name(stack[i], name))
			return true;
	return false;
}

static bool is_formatted_print(const char *name)
{
	static const char *const names[] = {
		"printf", "sprintf", "printd", "printdln", "sprintd", "sprintdln",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static bool is_eof(const struct token *t)
{
	return t->type == T_EOF;
}

/*
 * The message SystemTap 4.8 gives at this point.  4.8 parses by recursive
 * descent, so its message depends on the construct being parsed, which
 * the top of bison's stack tells (stack[0] is the innermost symbol); the
 * set of expected tokens tells the rest.  *at is set when the message
 * names a token other than the lookahead (printed with "at:").
 */
/* Tokens that may continue an expression; what is left of an expected
 * set without them is what closes the construct (')' after `if (x`). */
static bool continues_expression(const char *name)
{
	static const char *const ops[] = {
		"'+'", "'-'", "'*'", "'/'", "'%'", "'.'", "'&'", "'|'", "'^'", "'<'", "'>'",
		"'?'", "'='", "'['", "<<", ">>", ">>>", "&&", "||", "<=", ">=", "==", "!=", "=~",
		"!~", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", ".=", "<<<", "<<=", ">>=",
		"++", "--", "->", "in", "pretty-print suffix", "'('",
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (same_name(name, ops[i]))
			return true;
	return false;
}

/* The innermost open '(' on the stack and the symbol before it. */
static const char *before_paren(const char **stack, int ns)
{
	for (int i = 0; i + 1 < ns; i++)
		if (same_name(stack[i], "'('"))
			return stack[i + 1];
	return "";
}

static const char *list_message(const char **exp, int n, char *buf, size_t size)
{
	if (n < 1 || n > 4)
		return "syntax error";
	size_t off = (size_t)snprintf(buf, size, "expected ");
	for (int i = 0; i < n && off < size; i++) {
		char tn[64];
		token_display(exp[i], tn, sizeof(tn));
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
					i == 0 ? "" : (i == n - 1 ? " or " : ", "), tn);
	}
	return buf;
}

/* After an expression: what 4.8 says is missing, from the closers left. */
static const char *closer_message(const char **stack, int ns, const char **rest, int nr,
				  char *buf, size_t size)
{
	if (nr == 2 && has(rest, nr, "')'") && has(rest, nr, "','"))
		return "expected one of ') ,'";
	if (nr == 2 && has(rest, nr, "']'") && has(rest, nr, "','")) {
		/* ARRAY[k, ... (4.8: expect_op_any) or [k, ...] in / foreach */
		for (int i = 0; i + 1 < ns; i++)
			if (same_name(stack[i], "'['"))
				return same_name(stack[i + 1], "identifier") ||
				       same_name(stack[i + 1], "postfix")
				       ? "expected one of '] ,'" : "expected ',' or ']'";
		return "expected one of '] ,'";
	}
	return list_message(rest, nr, buf, size);
}

/*
 * The message SystemTap 4.8 gives at this point.  4.8 parses by recursive
 * descent, so its message depends on the construct being parsed, which
 * the top of bison's stack tells (stack[0] is the innermost symbol); the
 * set of expected tokens tells the rest.  *at is set when the message
 * names a token other than the lookahead (printed with "at:").
 */
static const char *syntax_message(struct parser *P, const char **exp, int n, const char **stack,
				  int ns, char *buf, size_t size, const struct token **at)
{
	const struct token *la = P->last;
	const char *top = ns ? stack[0] : "";
	*at = NULL;
	if (has(exp, n, "probe") && has(exp, n, "global") && !has(exp, n, "identifier"))
		return "expected 'probe', 'global', 'private', 'function', or '%{'";
	bool statement_start = has(exp, n, "'}'") && has(exp, n, "if");
	bool after_point = has(exp, n, "'{'") && has(exp, n, "'='") && has(exp, n, "+=");
	if (is_eof(la)) {
		/* where 4.8 peeks it names the construct, elsewhere it reads
		 * past the end */
		if (statement_start)
			return "expected statement";
		if (after_point)
			return "expected one of ', { } = +='";
		if (has(exp, n, "number") && has(exp, n, "identifier"))
			return "expected value";
		return "unexpected end-of-file";
	}
	if (after_point)
		return "expected one of ', { } = +='";
	if (same_name(top, "->"))
		return "expected identifier or keyword";
	if (same_name(top, "in"))
		return "expected identifier or statistical operation";
	if (statement_start)
		return la->kind == TK_KEYWORD ? "expected statement"
					      : "expected literal string or number";
	if (same_name(top, "private_kw"))
		return "expected 'function' or identifier";
	if (same_name(top, "'('") && (on_stack(stack, ns, 1, 1, "foreach") ||
				      on_stack(stack, ns, 1, 4, "function")))
		return "expected identifier";
	if (la->type == ',' && same_name(before_paren(stack, ns), "statistic operator")) {
		*at = la;
		return "not more than 1 parameter allowed";
	}
	if (same_name(top, "hist_op") && P->hist_tok) {
		*at = P->hist_tok;
		return "base histogram operator where expression expected";
	}
	if (same_name(top, "statistic operator") && has(exp, n, "'+'") && has(exp, n, "'-'"))
		return "expected sort directive";
	if (on_stack(stack, ns, 0, 7, "@hist_linear") && has(exp, n, "number") &&
	    !has(exp, n, "identifier"))
		return "expected number";
	if (same_name(top, "'('") && ns >= 2 && same_name(stack[1], "identifier") && P->prev2 &&
	    is_formatted_print(P->prev2->text))
		return "expected literal string"; /* printf( needs its format first */
	if (has(exp, n, "number") && has(exp, n, "string literal"))
		return "expected literal string or number";
	if (has(exp, n, "number") && has(exp, n, "'-'") && n == 2)
		return "expected literal string or number"; /* function priority */
	if (n == 1 && same_name(exp[0], "string literal"))
		return same_name(top, "=~") || same_name(top, "!~") ||
		       (same_name(top, "'('") && ns >= 2 &&
			(same_name(stack[1], "@perf") || same_name(stack[1], "@const")))
		       ? "expected literal string" : "expected string";
	if (has(exp, n, "'{'") && has(exp, n, "embedded-code") && !has(exp, n, "identifier"))
		return "expected '{'"; /* a function body (4.8 names only the block) */
	if (n == 1 && same_name(exp[0], "number"))
		return "expected number";
	if (has(exp, n, "identifier") && has(exp, n, "'*'") && has(exp, n, "'{'"))
		return "expected identifier or '*' or '{'";
	if (has(exp, n, "in") && on_stack(stack, ns, 0, 7, "foreach"))
		return "expected 'in'"; /* sort marks and '=' are optional */
	if (n == 2 && has(exp, n, "')'") && has(exp, n, "limit"))
		return "expected ')'"; /* foreach (... SORT: limit is optional */

	/* after an expression: name what closes it */
	const char *rest[64];
	int nr = 0;
	bool continued = false;
	for (int i = 0; i < n; i++) {
		if (continues_expression(exp[i]))
			continued = true;
		else if (nr < 64)
			rest[nr++] = exp[i];
	}
	if (continued && nr > 0)
		return closer_message(stack, ns, rest, nr, buf, size);
	return list_message(exp, n, buf, size);
}

void parser_syntax_error(struct parser *P, const char **expected, int n, const char **stack,
			 int nstack)
{
	const struct token *t = P->last;
	if (!t || t->type == T_LEX_ERROR)
		return; /* already reported where it was found */
	char buf[512];
	const struct token *at;
	const char *msg = syntax_message(P, expected, n, stack, nstack, buf, sizeof(buf), &at);
	if (at)
		parser_error(P, D_PARSE_EXPECTED, at, DIAG_AT, "%s", msg);
	else
		parser_error(P, D_PARSE_EXPECTED, t, DIAG_SAW, "%s", msg);
}
