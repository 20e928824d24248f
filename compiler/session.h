/*
 * session: one compilation, from command line to exit status.
 *
 * Holds what every pass needs to read (options, allocator, names, sources,
 * diagnostics, the target kernel, where the tapsets and runtime are).
 * Pass results are not stored here: each pass returns a struct that the
 * next pass takes as its argument (see driver.c).
 */
#ifndef CTAP_SESSION_H
#define CTAP_SESSION_H

#include <stdbool.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "options.h"

struct arena;
struct intern_table;
struct target;

struct session {
	struct options opts;
	struct arena *arena;
	struct intern_table *names;
	struct source_table sources;
	struct diag_sink diag;

	/* where things are */
	const char *tapset_dir;       /* the library: tapset/ (in tree or installed) */
	const char *runtime_dir;      /* runtime/ sources */
	const char *libexec_dir;      /* directory holding staprun */
	bool uninstalled;             /* running from the build tree */

	/* the target kernel (opened lazily by session_target()) */
	struct target *target;
	bool target_failed;
	const char *kernel_release;   /* -r or uname */
	const char *arch;             /* "x86_64" */
	enum runtime_kind runtime;    /* resolved: RUNTIME_KMOD or RUNTIME_BPF */

	/* the compatibility level (systemtap_v): --compatible or ours */
	const char *compat_version;

	/* temporary directory for passes 3-5 (created on demand) */
	char *tmpdir;
};

void session_init(struct session *s);
void session_fini(struct session *s);
/* Locates the tapset and runtime directories and the target release. */
bool session_setup(struct session *s);
/* The target kernel; NULL (with an error reported once) if unavailable. */
struct target *session_target(struct session *s);
/* Creates (once) and returns the session's temporary directory. */
const char *session_tmpdir(struct session *s);

/* Compare version strings like "4.8", "6.1.0" the way strverscmp does. */
int session_compat_cmp(const struct session *s, const char *version);

#endif
