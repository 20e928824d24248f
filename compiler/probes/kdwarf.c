/*
 * kdwarf: kernel.function points from the kernel's DWARF (see kprobe.h).
 *
 * The DWARF is the target's debuginfo vmlinux (target_desc.debuginfo:
 * the build tree's vmlinux, /usr/lib/debug/boot/vmlinux-R, ...), read with
 * the same reader as a user binary's (target/user/udwarf.h): functions by
 * name, their declaration file and line, and their variables at the probe
 * address (elab/uvars.h, in kernel memory).  A function is probed at
 * its kernel symbol: the one at its entry address when the symbol table
 * has link-time addresses (-r RELEASE), else the one of its name.  An
 * inlined instance is probed at an offset into the function that holds
 * it, which only link-time addresses can give.
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
};

/* udwarf_filter callbacks over a struct fpat (its func and file) */
static bool want_name(void *arg, const char *name)
{
	const struct fpat *p = arg;
	return fnmatch(p->func, name, 0) == 0;
}

static bool want_file(void *arg, const char *decl_file)
{
	const struct fpat *p = arg;
	return fpat_file_matches(decl_file, p->file);
}

static bool names_c_file(const char *file)
{
	size_t n = file ? strlen(file) : 0;
	return n > 2 && !strcmp(file + n - 2, ".c");
}

/* A function declared in a .c file is defined in that file's unit: the
 * others need not be read (functions of headers are in every unit). */
static bool want_unit(void *arg, const char *cu_name)
{
	const struct fpat *p = arg;
	return !cu_name || !names_c_file(p->file) || fpat_file_matches(cu_name, p->file);
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

/* The symbol holding link-time address addr, as kprobes name it
 * ("SYMBOL", a module's "M:SYMBOL"), and addr's offset into it; NULL if
 * none, or if the symbol table has no link-time addresses (no -r) */
static const char *symbol_holding(struct ksearch *k, uint64_t addr, uint64_t *off)
{
	if (k->module) {
		const char *name = udwarf_symbol_at(k->dw, addr, off);
		return name ? arena_printf(k->E->arena, "%s:%s", k->module, name) : NULL;
	}
	const struct target_symbol *sym = target_symbol_at(k->t, addr, off);
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
	struct udwarf_filter want = { want_name, k.pat.file ? want_file : NULL, want_unit, &k.pat };
	udwarf_functions(dw, E->arena, inlines, &want, on_function, &k);
	return k.count;
}

/* ------------------------------------------------------------ statements */

/* FUNC@FILE:N, :N-M, :* (every line of FUNC), or FUNC@FILE+N (line N
 * of FUNC counted from its declaration's) */
struct lspec {
	struct fpat pat;           /* func and file (pat.line unused) */
	int lo, hi;
	bool relative;             /* +N: lo = hi = N, from each function's decl_line */
};

static bool parse_lines(struct arena *a, const char *spec, struct lspec *l, const char **why)
{
	const char *at = strchr(spec, '@');
	const char *colon = at ? strrchr(at, ':') : NULL;
	const char *plus = at && !colon ? strrchr(at, '+') : NULL;
	if (plus) {
		char *end;
		long n = strtol(plus + 1, &end, 10);
		if (*end || plus[1] < '0' || plus[1] > '9' || n > INT_MAX) {
			*why = "the relative line is +N, a number";
			return false;
		}
		l->pat.func = at > spec ? arena_strndup(a, spec, (size_t)(at - spec)) : "*";
		l->pat.file = arena_strndup(a, at + 1, (size_t)(plus - at - 1));
		l->lo = l->hi = (int)n;
		l->relative = true;
		return true;
	}
	if (!at || !colon) {
		*why = "kernel.statement takes FUNC@FILE:LINE (or :N-M, :*, +N)";
		return false;
	}
	l->pat.func = at > spec ? arena_strndup(a, spec, (size_t)(at - spec)) : "*";
	l->pat.file = arena_strndup(a, at + 1, (size_t)(colon - at - 1));
	const char *n = colon + 1;
	char *end;
	if (!strcmp(n, "*")) {
		l->lo = 1;
		l->hi = INT_MAX;
		return true;
	}
	long lo = strtol(n, &end, 10), hi = lo;
	if (*end == '-')
		hi = strtol(end + 1, &end, 10);
	if (*end || lo <= 0 || hi < lo || hi > INT_MAX) {
		*why = "the line is a number N, a range N-M or *";
		return false;
	}
	l->lo = (int)lo;
	l->hi = (int)hi;
	return true;
}

struct lsearch {
	struct ksearch *k;
	struct lspec spec;
	int lo, hi;                    /* the lines whose rows are read */
	VEC(struct udwarf_line) rows;
	VEC(struct udwarf_func) funcs; /* the functions named, and their inlined copies */
};

static void on_func(void *arg, const struct udwarf_func *f)
{
	struct lsearch *s = arg;
	vec_push_heap(&s->funcs, *f);
}

/* The function named whose code holds pc, and of which `line` can be a
 * line (not one of a function inlined into it); NULL if none. */
static const struct udwarf_func *func_of(struct lsearch *s, struct udwarf *dw, uint64_t pc,
					 int line)
{
	vec_foreach(&s->funcs, i) {
		const struct udwarf_func *f = &s->funcs.items[i];
		if (line >= f->decl_line && udwarf_func_has_pc(dw, f->die_offset, pc))
			return f;
	}
	return NULL;
}

/* Whether a row's file is the declaration file of a function named: a
 * file pattern with wildcards means the functions' own source files, not
 * the headers whose inlined code is among their rows (SystemTap's) */
static bool in_own_file(struct lsearch *s, const char *file)
{
	if (!strpbrk(s->spec.pat.file, "*?["))
		return true;
	vec_foreach(&s->funcs, i) {
		const char *decl = s->funcs.items[i].decl_file;
		if (decl && (!strcmp(decl, file) || fpat_file_matches(file, decl)))
			return true;
	}
	return false;
}

/* every row on a wanted line: kdwarf_statements probes each line at the
 * lowest of its addresses that is in the function named, as SystemTap */
static void on_row(void *arg, const struct udwarf_line *l)
{
	struct lsearch *s = arg;
	if (l->end || l->line < s->lo || l->line > s->hi ||
	    !fpat_file_matches(l->file, s->spec.pat.file) || !in_own_file(s, l->file))
		return;
	struct udwarf_line r = *l;
	r.file = arena_strdup(s->k->E->arena, l->file);
	vec_push_heap(&s->rows, r);
}

static int by_line_pc(const void *a, const void *b)
{
	const struct udwarf_line *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

int kdwarf_statements(struct elab *E, struct udwarf *dw, const char *module, const char *spec,
		      const char **why, void (*add)(void *ctx, const struct kdwarf_func *f),
		      void *ctx)
{
	struct ksearch k = { .E = E, .dw = dw, .t = elab_target(E), .module = module, .add = add,
			     .ctx = ctx };
	struct lsearch s = { .k = &k };
	if (!k.t || !parse_lines(E->arena, spec, &s.spec, why))
		return -1;
	struct udwarf_filter named = { want_name, NULL, want_unit, &s.spec.pat };
	udwarf_functions(dw, E->arena, true, &named, on_func, &s);
	s.lo = s.spec.lo;
	s.hi = s.spec.hi;
	if (s.spec.relative) {
		/* the rows of every function's line: decl_line + N */
		s.lo = INT_MAX;
		s.hi = 0;
		vec_foreach(&s.funcs, i) {
			int line = s.funcs.items[i].decl_line + s.spec.lo;
			s.lo = line < s.lo ? line : s.lo;
			s.hi = line > s.hi ? line : s.hi;
		}
	}
	udwarf_line_rows(dw, &named, on_row, &s);
	qsort(s.rows.items, s.rows.len, sizeof(struct udwarf_line), by_line_pc);
	/* Each line of each function instance (out of line, inlined copies)
	 * is probed once, at its lowest address there.  A range or * gives
	 * each address to one line, the first that has it, as SystemTap does
	 * (lines sharing their first instruction with an earlier line get no
	 * probe of their own); a line named alone, or relative, is probed
	 * wherever it is. */
	struct done { const char *file; int line; uint64_t die; };
	VEC(struct done) done = { 0 };
	VEC(uint64_t) taken = { 0 };
	bool one_line = s.spec.lo == s.spec.hi;
	vec_foreach(&s.rows, i) {
		const struct udwarf_line *r = &s.rows.items[i];
		const struct udwarf_func *f = func_of(&s, dw, r->pc, r->line);
		uint64_t off = 0;
		const char *symbol = f ? symbol_holding(&k, r->pc, &off) : NULL;
		if (!symbol || (s.spec.relative && r->line != f->decl_line + s.spec.lo))
			continue;
		bool seen = false;
		vec_foreach(&done, j)
			seen = seen || (done.items[j].line == r->line && done.items[j].die == f->die_offset &&
					!strcmp(done.items[j].file, r->file));
		if (seen)
			continue;
		/* this line's probe address in f is decided: the lowest */
		vec_push_heap(&done, ((struct done){ r->file, r->line, f->die_offset }));
		seen = false;
		vec_foreach(&taken, j)
			seen = seen || taken.items[j] == r->pc;
		if (seen && !one_line)
			continue;
		vec_push_heap(&taken, r->pc);
		struct kdwarf_func kf = {
			.symbol = symbol,
			.offset = off,
			.addr = module ? 0 : r->pc,
			.die_offset = f->die_offset,
			.pc = r->pc,
			.point = arena_printf(E->arena, "%s@%s:%d", f->name, r->file, r->line),
		};
		add(ctx, &kf);
		k.count++;
	}
	vec_free_heap(&taken);
	vec_free_heap(&done);
	vec_free_heap(&s.rows);
	vec_free_heap(&s.funcs);
	return k.count;
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
