/*
 * kmodule: which file holds the DWARF of kernel module M, for
 * module("M").function/.statement (see kprobe.h).
 *
 * As SystemTap looks: M.ko under DIR/lib/modules/RELEASE for each
 * debuginfo directory (SYSTEMTAP_DEBUGINFO_PATH; by default
 * /usr/lib/debug, Debian's linux-image-RELEASE-dbg), then under
 * /lib/modules/RELEASE (a module built with -g and installed, in extra/
 * or updates/); module names treat '-' and '_' alike, as the kernel does.
 * A debuginfo .ko whose build-id is not the installed module's is refused.
 * module("/path/M.ko") names the file itself.
 */
#include "probes/kprobe.h"

#include <fts.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elab/elab.h"
#include "session.h"
#include "target/target.h"
#include "target/target_desc.h"
#include "util/arena.h"
#include "util/strbuf.h"

const char *kmodule_name(struct arena *a, const char *module)
{
	const char *base = strrchr(module, '/');
	base = base ? base + 1 : module;
	size_t n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".ko"))
		n -= 3;
	char *name = arena_strndup(a, base, n);
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

/* Whether file name `base` is want.ko, '-' read as '_' */
static bool is_module_file(const char *base, const char *want)
{
	size_t n = strlen(base);
	if (n <= 3 || strcmp(base + n - 3, ".ko") != 0 || n - 3 != strlen(want))
		return false;
	for (size_t i = 0; i < n - 3; i++)
		if ((base[i] == '-' ? '_' : base[i]) != want[i])
			return false;
	return true;
}

/* The first want.ko below root, or NULL */
static const char *find_below(struct arena *a, const char *root, const char *want)
{
	char *const roots[] = { (char *)root, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOSTAT, NULL);
	if (!fts)
		return NULL;
	const char *found = NULL;
	for (FTSENT *e; !found && (e = fts_read(fts));)
		if ((e->fts_info == FTS_F || e->fts_info == FTS_NSOK) &&
		    is_module_file(e->fts_name, want))
			found = arena_strdup(a, e->fts_path);
	fts_close(fts);
	return found;
}

/* Whether the debuginfo .ko is the installed module's build (the same
 * GNU build-id), where the installed file can be read (a compressed one,
 * .ko.xz, cannot: then it is not checked); else false with *why. */
static bool same_build(struct elab *E, const char *debug, const char *installed, const char **why)
{
	char *a = target_elf_build_id(debug), *b = target_elf_build_id(installed);
	bool same = !a || !b || !strcmp(a, b);
	if (!same)
		*why = arena_printf(E->arena, "%s is not the build of %s: its build-id is %s, the "
				    "module's %s", debug, installed, a, b);
	free(a);
	free(b);
	return same;
}

const char *kmodule_debuginfo(struct elab *E, const char *module, const char **why)
{
	const struct target_desc *d = E->s->target_desc;
	struct stat st;
	if (strchr(module, '/')) {
		if (stat(module, &st) != 0 || !S_ISREG(st.st_mode)) {
			*why = arena_printf(E->arena, "no module file '%s'", module);
			return NULL;
		}
		return module;
	}
	if (!d || d->fixture_dir) {
		*why = "kernel modules' DWARF is not part of a recorded target";
		return NULL;
	}
	const char *dirs[16], *roots[17];
	size_t ndirs = target_debuginfo_dirs(E->arena, dirs, 16), nroots = 0;
	for (size_t i = 0; i < ndirs; i++)
		if (dirs[i][0] == '/')
			roots[nroots++] = arena_printf(E->arena, "%s/lib/modules/%s", dirs[i], d->release);
	const char *installed = arena_printf(E->arena, "/lib/modules/%s", d->release);
	roots[nroots++] = installed;
	const char *want = kmodule_name(E->arena, module);
	for (size_t i = 0; i < nroots; i++) {
		const char *found = find_below(E->arena, roots[i], want);
		if (found && roots[i] != installed &&
		    !same_build(E, found, arena_printf(E->arena, "%s%s", installed,
							 found + strlen(roots[i])), why))
			return NULL;
		if (found)
			return found;
	}
	struct strbuf where = STRBUF_INIT;
	for (size_t i = 0; i < nroots; i++)
		strbuf_printf(&where, "%s%s", i ? (i + 1 < nroots ? ", " : " or ") : "", roots[i]);
	*why = arena_printf(E->arena, "no %s.ko for kernel %s under %s (on Debian its DWARF is in "
			    "linux-image-%s-dbg)", want, d->release, where.buf, d->release);
	strbuf_free(&where);
	return NULL;
}
