/*
 * token: what a diagnostic locates by.  Every AST node points back to the
 * token it was made from, and the sink describes it in SystemTap's words
 * ("identifier 'x' at t.stp:3:7"), quotes its source line and follows its
 * chain ("in expansion of macro").  The lexer fills tokens in (pass 1),
 * but the shape lives here, at the bottom, so that diagnostics depend on
 * nothing above them; parse/token.h adds the lexer's flags.
 *
 * `kind` is the SystemTap-level description used in messages; `type` is the
 * parser's token code, opaque here.  A token made by expanding a macro or a
 * command-line argument records in `chain` the token it was expanded from.
 */
#ifndef CTAP_DIAG_TOKEN_H
#define CTAP_DIAG_TOKEN_H

#include <stdint.h>

enum tok_kind {
	TK_IDENT,     /* also $var, @word, $$vars */
	TK_NUMBER,
	TK_STRING,
	TK_OPERATOR,
	TK_KEYWORD,
	TK_EMBEDDED,  /* %{ ... %} */
	TK_JUNK,
	TK_EOF,
};

struct loc {
	uint32_t file;  /* source_table id */
	uint32_t line;  /* 1-based */
	uint32_t col;   /* 1-based, in bytes */
	uint32_t off;   /* byte offset of the token's first byte */
};

struct token {
	enum tok_kind kind;
	int type;                  /* parser token code */
	const char *text;          /* interned for names; decoded value for strings */
	uint32_t len;              /* length of text (strings may hold NULs) */
	uint32_t flags;            /* enum token_flags (parse/token.h) */
	struct loc loc;
	uint32_t src_len;          /* bytes the token spans in its source */
	int64_t num_value;         /* TK_NUMBER: the value (wrapped to 64 bits) */
	const struct token *chain; /* the macro/argument token this came from */
	const char *chain_what;    /* "macro", ... (message wording for chain) */
};

#endif
