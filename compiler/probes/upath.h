/*
 * upath: which executable or library a user-space probe point names
 * (probes.md §2.6), shared by process(...) and perf....process(...).
 *
 *   "/abs/path"   used as is
 *   "rel/path"    (contains '/') relative to the current directory
 *   "name"        searched in $PATH
 *   globs         expanded with glob(3) (no $PATH search)
 * then canonicalised (realpath: symlinks resolved), and a "#!" script is
 * replaced by its interpreter.  With -c CMD, the command's executable is
 * what an unqualified point names.
 */
#ifndef CTAP_PROBES_UPATH_H
#define CTAP_PROBES_UPATH_H

#include <stdbool.h>

struct elab;

typedef void (*upath_cb)(void *ctx, const char *path);

/*
 * Calls cb with each canonical path `spec` names (several for a glob).
 * Returns the number of paths, 0 when nothing exists.  Paths live in the
 * elab arena.
 */
int upath_resolve(struct elab *E, const char *spec, upath_cb cb, void *ctx);

/* The canonical executable of -c CMD (its first word, resolved as above),
 * or NULL when there is no -c or it names nothing. */
const char *upath_command(struct elab *E);

/* Whether the file is a shared library rather than an executable: ELF
 * ET_DYN without DF_1_PIE and without PT_INTERP (libc, which has an
 * interpreter, is still a library: it has no DF_1_PIE). */
bool upath_is_shared_library(const char *path);

#endif
