/*
 * target/sysmap: where a target's function symbols come from, loaded on the
 * first question about a kernel function (never at target_open).
 *
 *   fixture:          DIR/kallsyms (or kallsyms.gz)
 *   running kernel:   /proc/kallsyms (vmlinux and loaded modules; addresses
 *                     read as 0 without CAP_SYSLOG, names still count)
 *   -r RELEASE:       BUILDDIR/System.map, /boot/System.map-R, then the
 *                     kallsyms table inside /boot/vmlinuz-R (Debian ships a
 *                     placeholder System.map), cached as RELEASE-...-map
 *
 * With none of these the answer is "no symbol table" (-1 from the match),
 * which pass 2 reports as SystemTap does: "WARNING: Kernel function symbol
 * table missing [man warning::symbols]".
 *
 * What a symbol table cannot tell: whether a function was inlined into
 * all its callers (it then has no symbol of its own and simply does not
 * match, as in SystemTap without debuginfo), nor .callees/.statement
 * details; those need DWARF, which ctap does not read for the kernel.
 */
#include "target/target_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/fileutil.h"

/* Reads a System.map candidate; placeholders count as missing. */
static bool try_map_file(struct target *t, const char *path)
{
	char *text = file_read_all(path, NULL);
	if (!text)
		return false;
	if (kallsyms_is_placeholder(text)) {
		free(text);
		return false;
	}
	kallsyms_parse(&t->syms, text);
	t->syms_source = arena_strdup(t->arena, path);
	return true;
}

static bool load_release_symbols(struct target *t)
{
	char *path = NULL;
	if (t->d->build_dir) {
		if (asprintf(&path, "%s/System.map", t->d->build_dir) < 0)
			xoom();
		bool ok = try_map_file(t, path);
		free(path);
		if (ok)
			return true;
	}
	if (t->d->system_map && try_map_file(t, t->d->system_map))
		return true;
	size_t size;
	char *why = NULL;
	char *map = cache_artefact(t, "map", &size, &why);
	if (!map) {
		why_set(&t->syms_why, "no System.map for %s (only a placeholder or none "
			"in /boot) and %s", t->d->release, why);
		free(why);
		return false;
	}
	kallsyms_parse(&t->syms, map);
	t->syms_source = arena_printf(t->arena, "kallsyms of %s", t->d->vmlinuz);
	return true;
}

static bool load_symbols(struct target *t)
{
	if (t->syms_tried)
		return t->syms_found;
	t->syms_tried = true;
	symtab_init(&t->syms);
	bool ok;
	if (t->d->fixture_dir) {
		ok = fixture_load_symbols(t);
	} else if (t->d->running) {
		char *text = file_read_all("/proc/kallsyms", NULL);
		ok = text != NULL;
		if (ok) {
			kallsyms_parse(&t->syms, text);
			t->syms_source = "/proc/kallsyms";
		} else {
			why_set(&t->syms_why, "cannot read /proc/kallsyms: %m");
		}
	} else {
		ok = load_release_symbols(t);
	}
	if (ok && t->syms.n == 0) {
		why_set(&t->syms_why, "%s lists no text symbols", t->syms_source);
		ok = false;
	}
	symtab_finish(&t->syms);
	t->syms_found = ok;
	return ok;
}

int target_functions_match(struct target *t, const char *glob,
			   void (*cb)(void *ctx, const struct target_symbol *sym), void *ctx)
{
	if (!load_symbols(t))
		return -1;
	return symtab_match(&t->syms, NULL, glob, cb, ctx);
}

int target_module_functions_match(struct target *t, const char *module_glob, const char *glob,
				  void (*cb)(void *ctx, const struct target_symbol *sym),
				  void *ctx)
{
	if (!load_symbols(t))
		return -1;
	return symtab_match(&t->syms, module_glob ? module_glob : "*", glob, cb, ctx);
}

bool target_function_exists(struct target *t, const char *name)
{
	return load_symbols(t) && symtab_find(&t->syms, name) != NULL;
}

const struct target_symbol *target_function(struct target *t, const char *name)
{
	return load_symbols(t) ? symtab_find(&t->syms, name) : NULL;
}

bool target_has_symbols(struct target *t)
{
	return load_symbols(t);
}

bool target_has_addresses(struct target *t)
{
	return load_symbols(t) && t->syms.have_addrs;
}

const struct target_symbol *target_symbol_at(struct target *t, uint64_t addr, uint64_t *offset)
{
	if (!load_symbols(t))
		return NULL;
	return symtab_at(&t->syms, addr, offset);
}

const char *target_symbols_source(struct target *t)
{
	return load_symbols(t) ? t->syms_source : NULL;
}

const char *target_symbols_missing(struct target *t)
{
	return load_symbols(t) ? NULL : t->syms_why;
}
