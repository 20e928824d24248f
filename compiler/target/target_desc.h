/*
 * target_desc: which kernel a compilation is for, resolved once.
 *
 * Input: what the user named (-r RELEASE or -r /BUILDDIR, -a, a recorded
 * fixture, or nothing for the running kernel).  Output: one immutable
 * description -- release, version, arch, and where each of the release's
 * files is (kbuild tree, System.map, vmlinuz, a vmlinux that may carry
 * DWARF, BTF) -- that every pass reads and nothing overwrites.  The session
 * resolves it in session_setup() and holds a const pointer to it; the
 * facts about the kernel (symbols, BTF, tracepoints: target.h) are opened
 * from it and loaded lazily.
 *
 * Resolving reads only uname(2), a fixture's release/arch files, a build
 * tree's include/config/kernel.release and a few stat()s, so start-up
 * costs nothing measurable.  Everything lives in the arena given.
 *
 * The one place in compiler/ that spells /lib/modules/R/build is here
 * (kbuild_dir): the kmod back end compiles against it, compiler/target
 * reads headers, System.map and .config from it.
 */
#ifndef CTAP_TARGET_DESC_H
#define CTAP_TARGET_DESC_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct target_options {
	const char *release;      /* -r value: release name or build-dir path; NULL = running kernel */
	const char *arch;         /* -a value or NULL (= host arch; a fixture's own arch wins) */
	const char *fixture_dir;  /* tests: read everything from here */
	const char *cache_dir;    /* where BTF and symbols extracted from a vmlinuz are
				   cached; NULL = $SYSTEMTAP_DIR/cache/btf, with
				   SYSTEMTAP_DIR defaulting to ~/.systemtap */
	bool no_cache;            /* neither read nor write a cache */
};

/* Where BTF comes from; btf_path names the file. */
enum target_btf_from {
	TARGET_BTF_SYSFS,    /* raw BTF of the running kernel (/sys/kernel/btf/vmlinux) */
	TARGET_BTF_ELF,      /* .BTF of the build tree's vmlinux, the vmlinuz if that fails */
	TARGET_BTF_VMLINUZ,  /* .BTF of the vmlinuz (extracted and cached); path NULL
				when there is no vmlinuz either */
	TARGET_BTF_FIXTURE,  /* DIR/btf[.gz], else prototypes as text (DIR/protos) */
};

struct target_desc {
	const char *release;        /* "6.1.0-56-amd64" */
	const char *kernel_version; /* "6.1.0" (kernel_v) */
	const char *arch;           /* "x86_64" */
	bool running;               /* the running kernel (a fixture never is) */
	const char *fixture_dir;    /* NULL unless a recorded fixture stands for the kernel */
	const char *cache_dir;      /* NULL: no caching */

	/* Where pass 4 compiles: -r /BUILDDIR, else /lib/modules/R/build,
	 * whether or not it exists (messages name it when it does not). */
	const char *kbuild_dir;
	/* kbuild_dir when it exists and the target is not a fixture (a
	 * fixture reads no host files in pass 2), else NULL. */
	const char *build_dir;
	const char *source_dir;     /* /lib/modules/R/source beside a build_dir, or NULL */
	const char *system_map;     /* /boot/System.map-R if present (not for fixtures) */
	const char *vmlinuz;        /* /boot/vmlinuz-R if present (-r targets) */
	/* The first vmlinux image where elfutils looks for one (the build
	 * tree's, /boot/vmlinux-R, /lib/modules/R/vmlinux, and those under
	 * /usr/lib/debug), or NULL: the kernel's DWARF, if it was built with
	 * any.  Only its presence is known here; nothing reads it yet. */
	const char *debuginfo;
	enum target_btf_from btf_from;
	const char *btf_path;
};

/* The description of the kernel o names, or NULL with *err (malloc'd)
 * when it names none: a fixture without a release file, or a -r /BUILDDIR
 * that is not a configured tree.  A release that is not installed still
 * resolves (a script that asks nothing of the kernel compiles for it);
 * target_open() refuses it. */
const struct target_desc *target_desc_resolve(struct arena *a, const struct target_options *o,
					      char **err);

/* The directories of SYSTEMTAP_DEBUGINFO_PATH (':'-separated, SystemTap's
 * default "+:.debug:/usr/lib/debug:build") that hold kernel debuginfo, in
 * order, at most max: absolute ones (DIR/boot/vmlinux-R,
 * DIR/lib/modules/R/...), and "build" (the build tree); "+" and relative
 * entries are about user binaries' separate debuginfo. */
size_t target_debuginfo_dirs(struct arena *a, const char **dirs, size_t max);

/* Whether anything of the release is on this machine (running, fixture,
 * build tree, System.map or vmlinuz). */
bool target_desc_installed(const struct target_desc *d);

#endif
