/*
 * token: what the lexer produces and what every AST node points back to.
 *
 * `kind` is the SystemTap-level description used in messages ("identifier
 * 'x'", "operator '/'", "keyword", ...); `type` is the parser's token code.
 * A token made by expanding a macro or a command-line argument records in
 * `chain` the token it was expanded from, so diagnostics can say "in
 * expansion of macro".
 */
#ifndef CTAP_TOKEN_H
#define CTAP_TOKEN_H

#include <stdbool.h>
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

enum token_flags {
	TF_SPACE_BEFORE = 1u << 0,  /* whitespace or a comment precedes it */
	TF_FROM_ARG = 1u << 1,      /* produced by $N / @N substitution */
	TF_FROM_MACRO = 1u << 2,    /* produced by macro expansion */
	TF_BAD_NUMBER = 1u << 3,    /* a number token strtoull refuses (08, 1a) */
};

struct token {
	enum tok_kind kind;
	int type;                  /* parser token code */
	const char *text;          /* interned for names; decoded value for strings */
	uint32_t len;              /* length of text (strings may hold NULs) */
	uint32_t flags;
	struct loc loc;
	uint32_t src_len;          /* bytes the token spans in its source */
	int64_t num_value;         /* TK_NUMBER: the value (wrapped to 64 bits) */
	const struct token *chain; /* the macro/argument token this came from */
	const char *chain_what;    /* "macro", ... (message wording for chain) */
};

#endif
