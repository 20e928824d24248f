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
struct target_desc;
struct udwarf_cache;

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

	/* the target kernel: described once by session_setup() (release,
	 * arch, where its files are; nothing overwrites it), its facts opened
	 * on first use by session_target() */
	const struct target_desc *target_desc; /* NULL: the kernel named does not
						  exist (target_error says why) */
	char *target_error;
	struct target *target;
	bool target_failed;
	enum runtime_kind runtime;    /* resolved: RUNTIME_KMOD or RUNTIME_BPF */

	/* the user-space DWARF open for pass 2 (target/user/udwarf.h), closed
	 * with the session */
	struct udwarf_cache *dwarf;
	/* session_kernel_debuginfo(): 0 not checked yet, 1 usable, -1 not */
	int kernel_debuginfo_state;

	/* the compatibility level (systemtap_v): --compatible or ours */
	const char *compat_version;

	/* temporary directory for passes 3-5 (created on demand) */
	char *tmpdir;
};

void session_init(struct session *s);
void session_fini(struct session *s);
/* Locates the tapset and runtime directories and describes the target. */
bool session_setup(struct session *s);
/* The target's description; NULL (with the error reported once) when the
 * kernel named does not exist. */
const struct target_desc *session_target_desc(struct session *s);
/* The facts about the target kernel; NULL (with an error reported once) if
 * unavailable. */
struct target *session_target(struct session *s);
/* The back end pass 3 will choose: --runtime, or kernel modules where the
 * target kernel can load them (and for -p3, which shows the module's C),
 * else BPF.  Pass 2 asks too: a point a back end cannot attach does not
 * end an alias's `!`/`?` alternatives. */
enum runtime_kind session_runtime_expected(struct session *s);
/* Creates (once) and returns the session's temporary directory. */
const char *session_tmpdir(struct session *s);

/* The kernel's DWARF (target_desc.debuginfo) when it describes the
 * target's build: its GNU build-id is the kernel's, or the kernel's cannot
 * be read (then said with -v).  A file of another build is an error,
 * reported once, and NULL: its addresses and layouts would be wrong.
 * NULL too when there is none. */
const char *session_kernel_debuginfo(struct session *s);

/* $SYSTEMTAP_DIR, else ~/.systemtap: where caches live (SystemTap's). */
const char *session_systemtap_dir(struct session *s);

/* Compare version strings like "4.8", "6.1.0" the way strverscmp does. */
int session_compat_cmp(const struct session *s, const char *version);

#endif
