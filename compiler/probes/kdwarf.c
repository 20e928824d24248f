/*
 * kdwarf: kernel.function points from the kernel's DWARF (see kprobe.h).
 *
 * The DWARF is the target's debuginfo vmlinux (target_desc.debuginfo:
 * the build tree's vmlinux, /usr/lib/debug/boot/vmlinux-R, ...), read with
 * the same reader as a user binary's (target/user/udwarf.h): functions by
 * name, their declaration file and line, and their variables at the probe
 * address (probes/uvars.h, in kernel memory).  A function is probed at
 * its kernel symbol: the one at its entry address when the symbol table
 * has link-time addresses (-r RELEASE), else the one of its name.  An
 * inlined instance is probed at an offset into the function that holds
 * it, which only link-time addresses can give.
 *
 * Functions kprobes cannot take (the kprobes code, entry and noinstr
 * sections) are left out, as SystemTap leaves them.
 *
 * Not yet: module("M").function, lines inside a function (FUNC@FILE:N
 * takes the function declared at line N), and a check that the
 * debuginfo's build-id is the target kernel's.
 */
#include "probes/kprobe.h"

#include <fnmatch.h>
#include <string.h>

#include "elab/elab.h"
#include "probes/fpat.h"
#include "session.h"
#include "target/target_desc.h"
#include "target/user/udwarf.h"
#include "util/arena.h"

struct udwarf *kdwarf_open(struct elab *E)
{
	const struct target_desc *d = E->s->target_desc;
	if (!d || !d->debuginfo)
		return NULL;
	return udwarf_open(E->s->dwarf, d->debuginfo, NULL);
}

struct ksearch {
	struct elab *E;
	struct udwarf *dw;
	struct target *t;
	struct fpat pat;
	void (*add)(void *ctx, const struct kdwarf_func *f);
	void *ctx;
	int count;
};

static bool want_name(void *arg, const char *name)
{
	const struct ksearch *k = arg;
	return fnmatch(k->pat.func, name, 0) == 0;
}

static bool want_file(void *arg, const char *decl_file)
{
	const struct ksearch *k = arg;
	return fpat_file_matches(decl_file, k->pat.file);
}

/* A function declared in a .c file is defined in that file's unit: the
 * others need not be read (functions of headers are in every unit). */
static bool want_unit(void *arg, const char *cu_name)
{
	const struct ksearch *k = arg;
	return !cu_name || fpat_file_matches(cu_name, k->pat.file);
}

static bool names_c_file(const char *file)
{
	size_t n = file ? strlen(file) : 0;
	return n > 2 && !strcmp(file + n - 2, ".c");
}

/* Code kprobes cannot take, which SystemTap leaves out of a match: the
 * kprobes machinery itself and the sections the kernel keeps kprobes off
 * (entry code, noinstr, its own .kprobes.text). */
static bool blocklisted(struct ksearch *k, const struct udwarf_func *f)
{
	static const char *const files[] = {
		"kernel/kprobes.c", "arch/*/kernel/kprobes.c", "arch/*/kernel/kprobes/*",
	};
	static const char *const sections[] = {
		".kprobes.text", ".noinstr.text", ".entry.text", ".init.text",
	};
	for (size_t i = 0; f->decl_file && i < sizeof(files) / sizeof(files[0]); i++)
		if (fpat_file_matches(f->decl_file, files[i]))
			return true;
	const char *sec = udwarf_section_at(k->dw, f->entry);
	for (size_t i = 0; sec && i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(sec, sections[i]))
			return true;
	return false;
}

static void on_function(void *arg, const struct udwarf_func *f)
{
	struct ksearch *k = arg;
	if (blocklisted(k, f))
		return;
	if (k->pat.line && f->decl_line != k->pat.line)
		return;
	uint64_t off = 1;
	const struct target_symbol *sym = target_symbol_at(k->t, f->entry, &off);
	if (sym && sym->module)
		sym = NULL;
	if (!f->is_inline && (!sym || off != 0)) {
		sym = target_function(k->t, f->name);
		off = 0;
	}
	if (!sym || (f->is_inline && (!off || !sym->addr)))
		return; /* code no symbol holds (it cannot be a kprobe's) */
	struct kdwarf_func kf = {
		.symbol = sym->name,
		.offset = f->is_inline ? off : 0,
		.addr = f->entry,
		.die_offset = f->die_offset,
		.pc = f->probe_pc,
		.point = f->decl_file && f->decl_line
				 ? arena_printf(k->E->arena, "%s@%s:%d", f->name, f->decl_file,
						f->decl_line)
				 : f->name,
	};
	k->add(k->ctx, &kf);
	k->count++;
}

int kdwarf_functions(struct elab *E, struct udwarf *dw, const char *spec, bool inlines,
		     const char **why, void (*add)(void *ctx, const struct kdwarf_func *f),
		     void *ctx)
{
	struct ksearch k = { .E = E, .dw = dw, .t = elab_target(E), .add = add, .ctx = ctx };
	if (!k.t || !fpat_parse(E->arena, spec, &k.pat, why))
		return -1;
	struct udwarf_filter want = { want_name, k.pat.file ? want_file : NULL,
				      names_c_file(k.pat.file) ? want_unit : NULL, &k };
	udwarf_functions(dw, E->arena, inlines, &want, on_function, &k);
	return k.count;
}
