/*
 * target/symtab: the in-memory table of kernel text symbols, whatever file
 * it came from (kallsyms.c parses, sysmap.c chooses the source).
 *
 * Input: symtab_add() calls in any order, then symtab_finish().
 * Output: glob matches in address order, de-duplicated by name within a
 * module (static functions of the same name in different files share one
 * probe point name, as in SystemTap); exact lookups; address lookups.
 *
 * Invariants after symtab_finish(): syms[] is sorted by address (ties keep
 * insertion order), by_name[] holds every index sorted by (name, module,
 * address), dup[i] is set when a lower-addressed symbol of the same name
 * and module exists.  Globs with a literal prefix ("vfs_*") binary-search
 * by_name instead of scanning: that is what makes "vfs_*" cost microseconds.
 */
#include "target/target_internal.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

void symtab_init(struct symtab *st)
{
	memset(st, 0, sizeof(*st));
}

void symtab_free(struct symtab *st)
{
	free(st->syms);
	free(st->by_name);
	free(st->dup);
	for (uint32_t i = 0; i < st->ntexts; i++)
		free(st->texts[i]);
	free(st->texts);
	free(st->syscalls);
	symtab_init(st);
}

void symtab_own_text(struct symtab *st, char *text)
{
	st->texts = xrealloc(st->texts, sizeof(char *) * (st->ntexts + 1));
	st->texts[st->ntexts++] = text;
}

void symtab_add(struct symtab *st, const char *name, uint64_t addr, const char *module)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 4096;
		st->syms = xrealloc(st->syms, sizeof(*st->syms) * st->cap);
	}
	st->syms[st->n++] = (struct target_symbol){ name, addr, module };
	if (addr)
		st->have_addrs = true;
}

static int cmp_module(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a)
		return -1;
	if (!b)
		return 1;
	return strcmp(a, b);
}

/* qsort is not stable: ties are broken by the original position, which
 * the callers encode as the element's address in the array being sorted. */
static int cmp_addr(const void *pa, const void *pb)
{
	const struct target_symbol *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Sorts indices into st->syms (the qsort_r context). */
static int cmp_name(const void *pa, const void *pb, void *ctx)
{
	const struct symtab *st = ctx;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const struct target_symbol *a = &st->syms[ia], *b = &st->syms[ib];
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	c = cmp_module(a->module, b->module);
	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

void symtab_finish(struct symtab *st)
{
	/* kallsyms and System.map are usually sorted already */
	bool sorted = true;
	for (uint32_t i = 1; i < st->n && sorted; i++)
		sorted = st->syms[i - 1].addr <= st->syms[i].addr;
	if (!sorted)
		qsort(st->syms, st->n, sizeof(*st->syms), cmp_addr);
	st->by_name = xmalloc(sizeof(uint32_t) * (st->n ? st->n : 1));
	st->dup = xcalloc(st->n ? st->n : 1, 1);
	for (uint32_t i = 0; i < st->n; i++)
		st->by_name[i] = i;
	if (st->n > 1)
		qsort_r(st->by_name, st->n, sizeof(uint32_t), cmp_name, st);
	for (uint32_t k = 1; k < st->n; k++) {
		const struct target_symbol *a = &st->syms[st->by_name[k - 1]];
		const struct target_symbol *b = &st->syms[st->by_name[k]];
		if (strcmp(a->name, b->name) == 0 && cmp_module(a->module, b->module) == 0)
			st->dup[st->by_name[k]] = 1;
	}
}

/* First position in by_name whose name is >= key (compared on n bytes,
 * n = 0 meaning the whole string). */
static uint32_t lower_bound(const struct symtab *st, const char *key, size_t n)
{
	uint32_t lo = 0, hi = st->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *name = st->syms[st->by_name[mid]].name;
		int c = n ? strncmp(name, key, n) : strcmp(name, key);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_stub(const char *name)
{
	return strncmp(name, "__pfx_", 6) == 0 || strncmp(name, "__cfi_", 6) == 0;
}

static bool wanted(const struct target_symbol *s, const char *module_glob, const char *glob,
		   bool skip_stubs)
{
	if (module_glob) {
		if (!s->module || fnmatch(module_glob, s->module, 0) != 0)
			return false;
	} else if (s->module) {
		return false;
	}
	if (skip_stubs && is_stub(s->name))
		return false;
	return fnmatch(glob, s->name, 0) == 0;
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return a < b ? -1 : a > b;
}

int symtab_match(const struct symtab *st, const char *module_glob, const char *glob,
		 void (*cb)(void *ctx, const struct target_symbol *sym), void *ctx)
{
	bool skip_stubs = !is_stub(glob);
	size_t plen = strcspn(glob, "*?[\\");
	int count = 0;

	if (plen == 0) {
		for (uint32_t i = 0; i < st->n; i++) {
			if (st->dup[i] || !wanted(&st->syms[i], module_glob, glob, skip_stubs))
				continue;
			count++;
			if (cb)
				cb(ctx, &st->syms[i]);
		}
		return count;
	}
	/* Literal prefix: the candidates are one by_name range; report them
	 * in address order like the full scan does. */
	uint32_t lo = lower_bound(st, glob, plen), hi = lo;
	while (hi < st->n && strncmp(st->syms[st->by_name[hi]].name, glob, plen) == 0)
		hi++;
	uint32_t *hits = xmalloc(sizeof(uint32_t) * (hi - lo + 1)), nhits = 0;
	for (uint32_t k = lo; k < hi; k++) {
		uint32_t i = st->by_name[k];
		if (!st->dup[i] && wanted(&st->syms[i], module_glob, glob, skip_stubs))
			hits[nhits++] = i;
	}
	qsort(hits, nhits, sizeof(uint32_t), cmp_u32);
	for (uint32_t k = 0; k < nhits; k++)
		if (cb)
			cb(ctx, &st->syms[hits[k]]);
	count = (int)nhits;
	free(hits);
	return count;
}

const struct target_symbol *symtab_find(const struct symtab *st, const char *name)
{
	for (uint32_t k = lower_bound(st, name, 0); k < st->n; k++) {
		const struct target_symbol *s = &st->syms[st->by_name[k]];
		if (strcmp(s->name, name) != 0)
			break;
		if (!s->module)
			return s;
	}
	return NULL;
}

/* A text symbol has no size in kallsyms: it extends to the next symbol.
 * The last one is given this much before an address counts as unknown. */
#define SYMTAB_LAST_SYMBOL_SPAN 0x10000

const struct target_symbol *symtab_at(const struct symtab *st, uint64_t addr, uint64_t *offset)
{
	if (!st->have_addrs || st->n == 0 || addr < st->syms[0].addr)
		return NULL;
	uint32_t lo = 0, hi = st->n;
	while (hi - lo > 1) { /* last index with syms[i].addr <= addr */
		uint32_t mid = lo + (hi - lo) / 2;
		if (st->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* Prefer the first of several aliases at one address, and a real
	 * function over its __pfx_ padding stub. */
	while (lo > 0 && st->syms[lo - 1].addr == st->syms[lo].addr)
		lo--;
	uint32_t best = lo;
	for (uint32_t i = lo; i < st->n && st->syms[i].addr == st->syms[lo].addr; i++)
		if (!is_stub(st->syms[i].name)) {
			best = i;
			break;
		}
	if (lo + 1 == st->n && addr - st->syms[lo].addr >= SYMTAB_LAST_SYMBOL_SPAN)
		return NULL;
	if (offset)
		*offset = addr - st->syms[best].addr;
	return &st->syms[best];
}
