/*
 * kdwarf: kernel.function points from the kernel's DWARF (see kprobe.h).
 *
 * The DWARF is the target's debuginfo vmlinux (target_desc.debuginfo:
 * the build tree's vmlinux, /usr/lib/debug/boot/vmlinux-R, ...), read with
 * the same reader as a user binary's (target/user/udwarf.h): functions by
 * name, their declaration file and line, and their variables at the probe
 * address (elab/uvars.h, in kernel memory).  A function is probed at
 * its kernel symbol: the one at its entry address (the running kernel's
 * symbol table is slid by KASLR: kernel_slide), else the one of its name.
 * An inlined instance or a statement is probed at an offset into the
 * function that holds it.
 *
 * Functions kprobes cannot take (the kprobes code, entry and noinstr
 * sections) are left out, as SystemTap leaves them.
 *
 * A module's functions (module("M").function) come from its own .ko,
 * relocated by libdwfl (kmodule.c finds it), and are probed at "M:SYMBOL"
 * (+offset), which the kernel resolves once M is loaded.
 *
 * The debuginfo is used only when its build-id is the kernel's
 * (session_kernel_debuginfo).
 *
 * Not yet: lines inside a function (FUNC@FILE:N takes the function
 * declared at line N).
 */
#include "probes/kprobe.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "elab/elab.h"
#include "probes/dwarf_lines.h"
#include "probes/fpat.h"
#include "elab/uvars.h"
#include "session.h"
#include "target/target_desc.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "util/vec.h"

struct udwarf *kdwarf_open(struct elab *E)
{
	const char *debuginfo = session_kernel_debuginfo(E->s);
	return debuginfo ? udwarf_open(E->s->dwarf, debuginfo, NULL) : NULL;
}

struct ksearch {
	struct elab *E;
	struct udwarf *dw;
	struct target *t;
	const char *module;        /* a module's name, or NULL: the kernel */
	struct fpat pat;
	void (*add)(void *ctx, const struct kdwarf_func *f);
	void *ctx;
	int count;
	int64_t slide;             /* the symbol table's addresses minus DWARF's */
	bool slide_known;
};

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

/* "NAME@FILE:LINE": the declaration, or for code without one (assembly)
 * the line table's place of its entry, as SystemTap names it */
static const char *point_of(struct ksearch *k, const struct udwarf_func *f)
{
	const char *file = f->decl_file;
	int line = f->decl_line;
	if ((!file || !line) && !udwarf_addr_line(k->dw, k->E->arena, f->entry, &file, &line))
		return f->name;
	return arena_printf(k->E->arena, "%s@%s:%d", f->name, file, line);
}

/* How far the kernel's symbol table is from its DWARF: 0 for link-time
 * addresses (-r RELEASE), the KASLR slide for the running kernel's
 * /proc/kallsyms (the build-ids matched, so one symbol tells it). */
static int64_t kernel_slide(struct ksearch *k)
{
	static const char *const anchors[] = { "_stext", "_text", "startup_64" };
	if (k->slide_known)
		return k->slide;
	k->slide_known = true;
	for (size_t i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++) {
		const struct target_symbol *s = target_function(k->t, anchors[i]);
		uint64_t link;
		if (s && s->addr && !s->module && udwarf_elf_symbol(k->dw, anchors[i], &link)) {
			k->slide = (int64_t)(s->addr - link);
			break;
		}
	}
	return k->slide;
}

/* The symbol holding link-time address addr, as kprobes name it
 * ("SYMBOL", a module's "M:SYMBOL"), and addr's offset into it; NULL if
 * none, or if the symbol table has no addresses (kallsyms hidden) */
static const char *symbol_holding(struct ksearch *k, uint64_t addr, uint64_t *off)
{
	if (k->module) {
		const char *name = udwarf_symbol_at(k->dw, addr, off);
		return name ? arena_printf(k->E->arena, "%s:%s", k->module, name) : NULL;
	}
	const struct target_symbol *sym =
		target_symbol_at(k->t, addr + (uint64_t)kernel_slide(k), off);
	return sym && !sym->module && sym->addr ? sym->name : NULL;
}

/* The symbol a kprobe on f is placed at, and the offset into it (an
 * inlined instance's); NULL for code no symbol holds */
static const char *symbol_of(struct ksearch *k, const struct udwarf_func *f, uint64_t *off)
{
	*off = 1;
	const char *name = symbol_holding(k, f->entry, off);
	if (f->is_inline)
		return name && *off ? name : NULL;
	if (name && !*off)
		return name;
	/* an out-of-line function at no symbol's start, or addresses unknown:
	 * the symbol of its own name */
	*off = 0;
	if (k->module)
		return arena_printf(k->E->arena, "%s:%s", k->module, f->name);
	const struct target_symbol *sym = target_function(k->t, f->name);
	return sym ? sym->name : NULL;
}

static void on_function(void *arg, const struct udwarf_func *f)
{
	struct ksearch *k = arg;
	if (blocklisted(k, f))
		return;
	if (k->pat.line && f->decl_line != k->pat.line)
		return;
	uint64_t off;
	const char *symbol = symbol_of(k, f, &off);
	if (!symbol)
		return; /* code no symbol holds (it cannot be a kprobe's) */
	struct kdwarf_func kf = {
		.symbol = symbol,
		.offset = f->is_inline ? off : 0,
		.addr = k->module ? 0 : f->entry,
		.die_offset = f->die_offset,
		.pc = f->probe_pc,
		.point = point_of(k, f),
	};
	k->add(k->ctx, &kf);
	k->count++;
}

int kdwarf_functions(struct elab *E, struct udwarf *dw, const char *module, const char *spec,
		     bool inlines, const char **why,
		     void (*add)(void *ctx, const struct kdwarf_func *f), void *ctx)
{
	struct ksearch k = { .E = E, .dw = dw, .t = elab_target(E), .module = module, .add = add,
			     .ctx = ctx };
	if (!k.t || !fpat_parse(E->arena, spec, &k.pat, why))
		return -1;
	struct udwarf_filter want = { fpat_want_name, k.pat.file ? fpat_want_file : NULL, fpat_want_unit, &k.pat };
	udwarf_functions(dw, E->arena, inlines, &want, on_function, &k);
	return k.count;
}

/* ------------------------------------------------------------ statements */

static bool kernel_line(void *ctx, const struct dwarf_line_point *p)
{
	struct ksearch *k = ctx;
	uint64_t off = 0;
	const char *symbol = symbol_holding(k, p->pc, &off);
	if (!symbol)
		return false;
	struct kdwarf_func kf = {
		.symbol = symbol,
		.offset = off,
		.addr = k->module ? 0 : p->pc,
		.die_offset = p->func->die_offset,
		.pc = p->pc,
		.point = arena_printf(k->E->arena, "%s@%s:%d", p->func->name, p->file, p->line),
	};
	k->add(k->ctx, &kf);
	return true;
}

int kdwarf_statements(struct elab *E, struct udwarf *dw, const char *module, const char *spec,
		      const char **why, void (*add)(void *ctx, const struct kdwarf_func *f),
		      void *ctx)
{
	struct ksearch k = { .E = E, .dw = dw, .t = elab_target(E), .module = module, .add = add,
			     .ctx = ctx };
	if (!k.t)
		return -1;
	return dwarf_line_points(E, dw, spec, why, kernel_line, &k);
}

/* ------------------------------------------------------------ @var */

bool kdwarf_at_var(struct elab *E, struct expr *e)
{
	const char *module = e->u.target.module;
	struct udwarf *dw = kdwarf_open(E);
	if (!dw || (module && strcmp(module, "kernel") != 0)) {
		if (!E->quiet_targets && dw)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "@var of module \"%s\" is not "
				   "supported yet (the kernel's are: \"kernel\")", module);
		else if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "@var needs the kernel's DWARF "
				   "debuginfo, which is not installed");
		return true;
	}
	const char *at = strchr(e->u.target.name, '@');
	struct udwarf_filter units = { .unit = fpat_unit_of_file, .ctx = (void *)(at ? at + 1 : "") };
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->module = "kernel";
	if (uvars_global(E, dw, 0, UVARS_KERNEL, at ? &units : NULL, e, acc))
		e->u.target.resolved = acc;
	return true;
}
