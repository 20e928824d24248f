/*
 * upath: which executable or library a user-space probe point names
 * (probes.md §2.6), shared by process(...) and perf....process(...).
 * Knows files, not scripts: callers pass the arena and the -c command.
 *
 *   "/abs/path"   used as is
 *   "rel/path"    (contains '/') relative to the current directory
 *   "name"        searched in $PATH
 *   globs         expanded with glob(3) (no $PATH search)
 * then canonicalised (realpath: symlinks resolved), and a "#!" script is
 * replaced by its interpreter.  With -c CMD, the command's executable is
 * what an unqualified point names.
 */
#ifndef CTAP_TARGET_USER_UPATH_H
#define CTAP_TARGET_USER_UPATH_H

#include <stdbool.h>

struct arena;

typedef void (*upath_cb)(void *ctx, const char *path);

/*
 * Calls cb with each canonical path `spec` names (several for a glob).
 * Returns the number of paths, 0 when nothing exists.  Paths live in a.
 */
int upath_resolve(struct arena *a, const char *spec, upath_cb cb, void *ctx);

/* The canonical executable of a -c command (its first word, resolved as
 * above), or NULL when cmd is NULL or names nothing. */
const char *upath_command(struct arena *a, const char *cmd);


/* The directories the loader searches after a library's own run path
 * (Debian's multiarch directories first), NULL-terminated. */
extern const char *const upath_library_dirs[];

/*
 * The canonical path of the DT_NEEDED library `name` of the object at
 * `from` whose run path (DT_RUNPATH or DT_RPATH, may be NULL) is
 * `runpath`: a name with '/' as is, else the run path's directories
 * ($ORIGIN is from's directory), then upath_library_dirs.  NULL when
 * nothing is found.
 */
const char *upath_library(struct arena *a, const char *from, const char *runpath,
			  const char *name);

#endif
