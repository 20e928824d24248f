/*
 * parse: pass 1.  Reads the user script (file, stdin or -e), the -E
 * scripts and every tapset file, runs them through the lexer (lexer.l),
 * the preprocessor (preproc.c: $1/@1, %( %) conditionals, @define macros)
 * and the parser (grammar.y), and returns one stapfile per input.
 */
#ifndef CTAP_PARSE_H
#define CTAP_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parse/ast.h"

struct session;
struct source_file;

struct parse_result {
	struct stapfile *user;       /* the script being compiled */
	stapfile_vec extra;          /* -E scripts */
	stapfile_vec library;        /* the tapset files parsed so far (library.h) */
	struct library *lib;         /* the whole library, loaded on demand */
	uint64_t *args_used;         /* bitmap: which $N/@N the script used */
	uint32_t nargs;
};

bool parse_pass(struct session *s, struct parse_result *out);

/* The -p1 dump of the user script ("# parse tree dump" ...). */
void parse_print(struct session *s, const struct parse_result *r, FILE *out);

/* Parses one text (for tests, the fuzzer and synthesized code). */
struct stapfile *parse_text(struct session *s, struct source_file *src, bool privileged,
			    unsigned *errors);

#endif
