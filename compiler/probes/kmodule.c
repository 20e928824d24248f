/*
 * kmodule: which file holds the DWARF of kernel module M, for
 * module("M").function/.statement (see kprobe.h).
 *
 * As SystemTap looks: M.ko under /usr/lib/debug/lib/modules/RELEASE
 * (Debian's linux-image-RELEASE-dbg), then under /lib/modules/RELEASE
 * (a module built with -g and installed, in extra/ or updates/); module
 * names treat '-' and '_' alike, as the kernel does.  module("/path/M.ko")
 * names the file itself.
 */
#include "probes/kprobe.h"

#include <fts.h>
#include <string.h>
#include <sys/stat.h>

#include "elab/elab.h"
#include "session.h"
#include "target/target_desc.h"
#include "util/arena.h"

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
	const char *roots[] = {
		arena_printf(E->arena, "/usr/lib/debug/lib/modules/%s", d->release),
		arena_printf(E->arena, "/lib/modules/%s", d->release),
	};
	const char *want = kmodule_name(E->arena, module);
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		const char *found = find_below(E->arena, roots[i], want);
		if (found)
			return found;
	}
	*why = arena_printf(E->arena, "no %s.ko for kernel %s under %s or %s (on Debian its "
			    "DWARF is in linux-image-%s-dbg)", want, d->release, roots[0], roots[1],
			    d->release);
	return NULL;
}
