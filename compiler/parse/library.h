/*
 * library: the tapset library, parsed only as far as a script needs it.
 *
 * Every run used to parse the whole library (~400 KB of tapsets) although a
 * script touches a handful of files.  Pass 1 now only lists the tapset
 * files and reads their definition index — the functions, globals and
 * probe-alias heads each file defines after preprocessing for this target —
 * from a cache ($SYSTEMTAP_DIR/cache/tapset-index-HASH, keyed by ctap's
 * version, the target, and every library file's path, size and mtime), or
 * builds it by preprocessing the files (no parsing).  Pass 2 asks for the
 * files that define what it looks up; they are parsed then and appended to
 * parse_result.library.  -W and the --dump-* listings load everything, and
 * the user's own -I tapsets are parsed up front (their errors are reported
 * on every run, as stap does).
 *
 * The index may over-approximate (a name in a skipped conditional branch
 * of a file is harmless: the file is parsed and does not define it) but
 * never under-approximate: macros are expanded and conditionals evaluated
 * exactly as the parser will see them.
 */
#ifndef CTAP_LIBRARY_H
#define CTAP_LIBRARY_H

#include <stdbool.h>

struct parse_result;

enum library_need {
	LIBRARY_FUNCTION,   /* a function of that name */
	LIBRARY_GLOBAL,     /* a (non-private) global of that name */
	LIBRARY_ALIAS,      /* a probe alias whose first component matches (glob) */
};

/* Parses the files defining `name`; returns how many were newly parsed
 * (appended to r->library). */
unsigned library_load(struct parse_result *r, enum library_need what, const char *name);
/* Parses every library file (listings, -W). */
void library_load_all(struct parse_result *r);
/* Calls cb for each function name the library defines (for "similar:"
 * hints without parsing anything). */
void library_each_function(struct parse_result *r, void (*cb)(void *ctx, const char *name),
			   void *ctx);

#endif
