/*
 * lexer: turns one source text into tokens (flex, reentrant).
 *
 * Knows SystemTap's lexical rules (language.md §2): identifiers may contain
 * '$'; $words and @words; numbers take every following alphanumeric and are
 * checked with strtoull semantics; strings are decoded here (C escapes) and
 * carry their byte length (they may hold NULs); %{ ... %} is one token.
 * Errors (unterminated string/comment/embedded code, bad numbers) are
 * reported through the diag sink and the lexer goes on.
 *
 * Command-line argument tokens ($1, @1, $#, @#), preprocessor operators
 * (%( %? %: %)) and @define are returned as ordinary tokens: preproc.c
 * acts on them.
 */
#ifndef CTAP_LEXER_H
#define CTAP_LEXER_H

#include <stdbool.h>

#include "parse/token.h"

struct arena;
struct intern_table;
struct diag_sink;
struct source_file;

struct lexer;

struct lexer *lexer_open(struct arena *a, struct intern_table *names, struct diag_sink *diag,
			 struct source_file *src);
/* Next token; a TK_EOF token (type 0) at the end, again on every call. */
struct token *lexer_next(struct lexer *lx);
void lexer_close(struct lexer *lx);

/* For the preprocessor's re-lexing of $N arguments: marks every token
 * from this lexer with these flags and chain. */
void lexer_set_origin(struct lexer *lx, uint32_t flags, const struct token *chain,
		      const char *chain_what);

#endif
