/*
 * dwarf_lines: statement points by source line (see dwarf_lines.h).
 */
#include "probes/dwarf_lines.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "elab/elab.h"
#include "probes/fpat.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "util/vec.h"

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
		*why = "a statement takes FUNC@FILE:LINE (or :N-M, :*, +N)";
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
	struct elab *E;
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
	r.file = arena_strdup(s->E->arena, l->file);
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

int dwarf_line_points(struct elab *E, struct udwarf *dw, const char *spec, const char **why,
		      bool (*add)(void *ctx, const struct dwarf_line_point *p), void *ctx)
{
	struct lsearch s = { .E = E };
	if (!parse_lines(E->arena, spec, &s.spec, why))
		return -1;
	struct udwarf_filter named = { fpat_want_name, NULL, fpat_want_unit, &s.spec.pat };
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
	struct done { const char *file; int line; uint64_t die; };
	VEC(struct done) done = { 0 };
	VEC(uint64_t) taken = { 0 };
	bool one_line = s.spec.lo == s.spec.hi;
	int count = 0;
	vec_foreach(&s.rows, i) {
		const struct udwarf_line *r = &s.rows.items[i];
		const struct udwarf_func *f = func_of(&s, dw, r->pc, r->line);
		if (!f || (s.spec.relative && r->line != f->decl_line + s.spec.lo))
			continue;
		bool seen = false;
		vec_foreach(&done, j)
			seen = seen || (done.items[j].line == r->line && done.items[j].die == f->die_offset &&
					!strcmp(done.items[j].file, r->file));
		if (seen)
			continue;
		seen = false;
		vec_foreach(&taken, j)
			seen = seen || taken.items[j] == r->pc;
		/* this line's probe address in f is decided: the lowest one
		 * the caller takes (a symbol holds it) */
		struct done here = { r->file, r->line, f->die_offset };
		if (seen && !one_line) {
			vec_push_heap(&done, here);
			continue;
		}
		/* f lives in s.funcs, freed below: the caller gets a copy */
		struct udwarf_func *fc = arena_new_obj(E->arena, struct udwarf_func);
		*fc = *f;
		if (!add(ctx, &(struct dwarf_line_point){ fc, r->pc, r->file, r->line }))
			continue;
		vec_push_heap(&done, here);
		vec_push_heap(&taken, r->pc);
		count++;
	}
	vec_free_heap(&taken);
	vec_free_heap(&done);
	vec_free_heap(&s.rows);
	vec_free_heap(&s.funcs);
	return count;
}
