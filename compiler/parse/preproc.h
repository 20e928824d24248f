/*
 * preproc: the token-stream layers between the lexer and the parser.
 *
 *   lexer --> arguments ($N @N $# @#) and macros (@define / @name)
 *         --> conditionals (%( COND %? ... %: ... %))
 *         --> adjacent string literals glued ("a" "b" -> "ab")
 *         --> parser
 *
 * Conditions are evaluated against a pp_env (kernel version, arch, runtime,
 * CONFIG_* values, guru mode, privilege, compatibility level), so the same
 * script parses differently for different targets, as in SystemTap.
 * Macros defined in a file are visible to the end of that file; macros from
 * library macro files (*.stpm) are visible everywhere (preproc_library).
 */
#ifndef CTAP_PREPROC_H
#define CTAP_PREPROC_H

#include <stdbool.h>
#include <stdint.h>

#include "parse/ptrmap.h"
#include "parse/token.h"
#include "util/vec.h"

struct arena;
struct intern_table;
struct diag_sink;
struct source_table;
struct source_file;

/* What conditions may ask about. */
struct pp_env {
	const char *kernel_v;        /* "6.1.0" */
	const char *kernel_vr;       /* "6.1.0-56-amd64" */
	const char *arch;            /* "x86_64" */
	const char *systemtap_v;     /* compatibility level, "5.0" */
	const char *privilege;       /* "stapdev" ... */
	bool guru;
	bool glue_strings;           /* "a" "b" -> "ab" (compatibility >= 2.0) */
	/* "kernel" or "bpf"; asked only when a condition uses `runtime` */
	const char *(*runtime)(void *ctx);
	/* CONFIG_X value or NULL when unset; asked lazily */
	const char *(*config)(void *ctx, const char *name);
	void *ctx;
	/* command-line arguments */
	const char *const *args;
	uint32_t nargs;
	uint64_t *args_used;         /* bitmap (nargs bits), set on use; may be NULL */
};

struct pp_macro;
typedef VEC(struct pp_macro *) pp_macro_vec;

/* The library macros (from *.stpm files), shared by every file; the
 * vector grows in the arena given to preproc_library_file. */
struct pp_library {
	pp_macro_vec macros;
	struct ptrmap by_name;      /* "@name" -> struct pp_macro * */
};

struct preproc;

struct preproc *preproc_open(struct arena *a, struct intern_table *names,
			     struct diag_sink *diag, struct source_table *sources,
			     const struct pp_env *env, struct pp_library *lib,
			     struct source_file *src);
/* The next token for the parser; TK_EOF at the end (repeatedly). */
struct token *preproc_next(struct preproc *pp);
void preproc_close(struct preproc *pp);

/*
 * Reads a library macro file: only @define (possibly inside conditionals)
 * is allowed.  Its macros are added to lib unless the file has errors or
 * redefines a library macro (then the whole file is ignored, as stap does).
 * Returns false if the file was rejected.
 */
bool preproc_library_file(struct arena *a, struct intern_table *names,
			  struct diag_sink *diag, struct source_table *sources,
			  const struct pp_env *env, struct pp_library *lib,
			  struct source_file *src);

/* Whether "@name" is a built-in operator (@cast, @count, ...). */
bool preproc_is_builtin_at(const char *word);

#endif
