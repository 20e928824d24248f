/*
 * parse_internal: what parse.c shares with library.c (pass 1's files).
 */
#ifndef CTAP_PARSE_INTERNAL_H
#define CTAP_PARSE_INTERNAL_H

#include <stdbool.h>

#include "parse/parse.h"
#include "parse/preproc.h"

struct session;
struct source_file;
struct library;

struct parse_ctx {
	struct session *s;
	struct pp_env env;
	struct pp_library lib;        /* library macros (*.stpm) */
	struct parse_result *out;
};

/* *errors: every error while parsing; *parse_errors: the parse errors
 * alone ("N parse errors."). */
struct stapfile *parse_source(struct parse_ctx *c, struct source_file *src, bool tapset,
			      bool privileged, unsigned *errors, unsigned *parse_errors);
void parse_print_error_count(struct session *s, unsigned n);
struct source_file *parse_load_source(struct session *s, const char *path, int kind);

/* Sorted regular files in dir ending in suffix (malloc'd paths). */
char **parse_list_dir(const char *dir, const char *suffix, size_t *n);
void parse_free_list(char **names, size_t n);
/* Visits R/linux/ARCH, R/linux, R/ARCH, R for each tapset root, in order. */
void parse_for_each_tapset_dir(struct parse_ctx *c, void (*fn)(struct parse_ctx *, const char *dir));

/* library.c: lists the .stp files and reads or builds their index. */
struct library *library_open(struct parse_ctx *c);

#endif
