/*
 * session: set-up and tear-down of one compilation (see session.h).
 */
#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/target.h"
#include "target/target_desc.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "util/fileutil.h"
#include "util/intern.h"

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	options_init(&s->opts);
	s->arena = arena_new();
	s->names = intern_new(s->arena);
	source_table_init(&s->sources, s->arena);
	diag_init(&s->diag, &s->sources, stderr);
	s->dwarf = udwarf_cache_new();
}

void session_fini(struct session *s)
{
	if (s->tmpdir && !s->opts.keep_tmp)
		remove_tree(s->tmpdir);
	free(s->tmpdir);
	if (s->target)
		target_close(s->target);
	free(s->target_error);
	udwarf_cache_free(s->dwarf);
	diag_fini(&s->diag);
	source_table_fini(&s->sources);
	intern_free(s->names);
	arena_free(s->arena);
	options_fini(&s->opts);
}

/* The directory of the running executable. */
static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	return xstrdup(buf);
}

/* TMPDIR ends up in shell commands and makefiles (pass 4), so it must be
 * plain; and a temporary directory must be creatable there. */
static bool session_check_tmpdir(struct session *s)
{
	const char *base = s->opts.tmpdir ? s->opts.tmpdir : getenv("TMPDIR");
	if (!base || !*base)
		return true;
	for (const char *p = base; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("-/._", *p)) {
			diag_report(&s->diag, DIAG_ERROR, D_INPUT, NULL,
				    "TMPDIR '%s' contains characters that are not safe in the "
				    "shell commands and makefiles of later passes "
				    "(allowed: letters, digits, '-', '/', '.', '_')", base);
			return false;
		}
	}
	struct stat st;
	if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || access(base, W_OK | X_OK) != 0) {
		diag_report(&s->diag, DIAG_ERROR, D_INPUT, NULL,
			    "cannot create temporary directory in TMPDIR '%s': %s", base,
			    stat(base, &st) != 0 ? strerror(errno)
			    : !S_ISDIR(st.st_mode) ? "Not a directory" : strerror(EACCES));
		return false;
	}
	return true;
}

bool session_setup(struct session *s)
{
	struct options *o = &s->opts;

	s->diag.no_warnings = o->suppress_warnings;
	s->diag.warnings_are_errors = o->warnings_as_errors;
	s->diag.print_codes = o->diag_codes;
	s->diag.verbose = options_verbose(o, 2);
	s->diag.no_dedup = options_verbose(o, 1) > 0 || options_verbose(o, 2) > 0;
	if (!options_check(o, &s->diag))
		return false;

	/* The build tree when running uninstalled (./stap), else the
	 * installed data directory. */
	char *dir = exe_dir();
	s->uninstalled = dir && (strcmp(dir, CTAP_ABS_BUILDDIR) == 0 ||
				 strcmp(dir, CTAP_ABS_SRCDIR) == 0);
	const char *base = s->uninstalled ? CTAP_ABS_SRCDIR : CTAP_PKGDATADIR;
	/* messages name tapset files by this path: "/src/tapset", not the
	 * "/src/build/../tapset" of a build directory inside the source */
	char canonical[PATH_MAX];
	if (realpath(base, canonical))
		base = arena_strdup(s->arena, canonical);
	s->tapset_dir = arena_printf(s->arena, "%s/tapset", base);
	s->runtime_dir = arena_printf(s->arena, "%s/runtime", base);
	s->libexec_dir = s->uninstalled ? CTAP_ABS_BUILDDIR : arena_strdup(s->arena, dir ? dir : "");
	free(dir);

	const char *env;
	if ((env = getenv("SYSTEMTAP_TAPSET")) && *env)
		s->tapset_dir = env;
	if ((env = getenv("SYSTEMTAP_RUNTIME")) && *env)
		s->runtime_dir = env;
	if (o->runtime_dir)
		s->runtime_dir = o->runtime_dir;
	if (!o->release && (env = getenv("SYSTEMTAP_RELEASE")) && *env)
		o->release = env;
	const char *fixture = o->target_fixture;
	if (!fixture && (env = getenv("CTAP_TARGET_FIXTURE")))
		fixture = env;
	struct target_options to = {
		.release = o->release,
		.arch = o->arch,
		.fixture_dir = fixture && *fixture ? fixture : NULL,
	};
	s->target_desc = target_desc_resolve(s->arena, &to, &s->target_error);

	s->compat_version = o->compatible ? o->compatible : "5.0";
	s->runtime = o->runtime;
	return session_check_tmpdir(s);
}

const struct target_desc *session_target_desc(struct session *s)
{
	if (!s->target_desc && s->target_error) {
		diag_report(&s->diag, DIAG_PLAIN, D_TARGET, NULL, "%s", s->target_error);
		free(s->target_error);
		s->target_error = NULL;
	}
	return s->target_desc;
}

struct target *session_target(struct session *s)
{
	if (s->target || s->target_failed)
		return s->target;
	s->target_failed = true;
	const struct target_desc *d = session_target_desc(s);
	if (!d)
		return NULL;
	char *err = NULL;
	s->target = target_open(d, &err);
	if (!s->target)
		diag_report(&s->diag, DIAG_PLAIN, D_TARGET, NULL, "%s",
			    err ? err : "cannot open the target kernel");
	free(err);
	s->target_failed = !s->target;
	return s->target;
}

enum runtime_kind session_runtime_expected(struct session *s)
{
	if (s->opts.runtime == RUNTIME_BPF || s->opts.runtime == RUNTIME_KMOD)
		return s->opts.runtime;
	struct target *t = session_target(s);
	if ((t && target_can_load_modules(t)) || s->opts.last_pass == 3)
		return RUNTIME_KMOD;
	return RUNTIME_BPF;
}

const char *session_kernel_debuginfo(struct session *s)
{
	const struct target_desc *d = s->target_desc;
	if (!d || !d->debuginfo || s->kernel_debuginfo_state < 0)
		return NULL;
	if (s->kernel_debuginfo_state > 0)
		return d->debuginfo;
	s->kernel_debuginfo_state = 1;
	struct target *t = session_target(s);
	const char *why = NULL;
	const char *kernel = t ? target_kernel_build_id(t, &why) : NULL;
	if (!kernel) {
		if (options_verbose(&s->opts, 2) >= 1)
			fprintf(stderr, "Kernel %s's build-id is unknown (%s): %s is used unchecked\n",
				d->release, why ? why : "no target", d->debuginfo);
		return d->debuginfo;
	}
	char *dbg = target_elf_build_id(d->debuginfo);
	if (!dbg || strcmp(dbg, kernel) != 0) {
		diag_report(&s->diag, DIAG_ERROR, D_TARGET, NULL,
			    "the kernel's debuginfo %s is not kernel %s's build: its build-id is %s, "
			    "the kernel's %s (install the debuginfo of the same package version; "
			    "Debian: linux-image-%s-dbg)",
			    d->debuginfo, d->release, dbg ? dbg : "missing", kernel, d->release);
		s->kernel_debuginfo_state = -1;
	}
	free(dbg);
	return s->kernel_debuginfo_state > 0 ? d->debuginfo : NULL;
}

const char *session_systemtap_dir(struct session *s)
{
	const char *base = getenv("SYSTEMTAP_DIR");
	if (base && *base)
		return base;
	const char *home = getenv("HOME");
	return arena_printf(s->arena, "%s/.systemtap", home && *home ? home : "/tmp");
}

const char *session_tmpdir(struct session *s)
{
	if (s->tmpdir)
		return s->tmpdir;
	const char *base = s->opts.tmpdir ? s->opts.tmpdir : getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	char *templ = NULL;
	if (asprintf(&templ, "%s/stapXXXXXX", base) < 0)
		xoom();
	if (!mkdtemp(templ)) {
		diag_report(&s->diag, DIAG_ERROR, D_INPUT, NULL,
			    "cannot create temporary directory in %s: %s", base, strerror(errno));
		free(templ);
		return NULL;
	}
	s->tmpdir = templ;
	if (options_verbose(&s->opts, 1) >= 2 || s->opts.keep_tmp)
		fprintf(stderr, "Created temporary directory \"%s\"\n", templ);
	return s->tmpdir;
}

int session_compat_cmp(const struct session *s, const char *version)
{
	return strverscmp(s->compat_version, version);
}
