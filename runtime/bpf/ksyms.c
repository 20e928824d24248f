/*
 * ksyms: the kernel's symbol table read from /proc/kallsyms (see ksyms.h).
 */
#include "bpf/ksyms.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

struct ksyms {
	struct ksym *v;
	size_t n, cap;
	char **mods;          /* distinct module names (pointers compare) */
	size_t nmods;
	char *names;          /* one block: every name, NUL-separated */
};

struct kentry {
	struct ksym s;
	size_t line;
};

static const char *mod_intern(struct ksyms *k, const char *name, size_t len)
{
	for (size_t i = 0; i < k->nmods; i++)
		if (strlen(k->mods[i]) == len && !memcmp(k->mods[i], name, len))
			return k->mods[i];
	k->mods = xrealloc(k->mods, sizeof(*k->mods) * (k->nmods + 1));
	k->mods[k->nmods] = xmalloc(len + 1);
	memcpy(k->mods[k->nmods], name, len);
	k->mods[k->nmods][len] = 0;
	return k->mods[k->nmods++];
}

static int by_mod_addr(const void *a, const void *b)
{
	const struct kentry *x = a, *y = b;
	if (x->s.mod != y->s.mod)
		return x->s.mod < y->s.mod ? -1 : 1;
	if (x->s.addr != y->s.addr)
		return x->s.addr < y->s.addr ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int by_addr(const void *a, const void *b)
{
	const struct kentry *x = a, *y = b;
	if (x->s.addr != y->s.addr)
		return x->s.addr < y->s.addr ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* One line "ADDR TYPE NAME[\t[MOD]]", split in place: *mod is NULL for
 * the kernel image's; false for lines to skip. */
static bool split_line(char *line, uint64_t *addr, char **name_out, const char **mod_out,
		       size_t *mlen_out)
{
	char *p = line, *end;
	uint64_t a = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return false;
	p = end + 1;
	if (!*p || p[1] != ' ')
		return false;
	p += 2;
	char *name = p;
	p += strcspn(p, " \t\n");
	char *mod = NULL;
	size_t mlen = 0;
	if (*p == '\t' || *p == ' ') {
		*p++ = 0;
		p += strspn(p, " \t");
		if (*p == '[') {
			mod = p + 1;
			mlen = strcspn(mod, "]\n");
		}
	} else {
		*p = 0;
	}
	if (!*name)
		return false;
	*addr = a;
	*name_out = name;
	*mod_out = mod;
	*mlen_out = mlen;
	return true;
}

/* One line into e; false for lines to skip. */
static bool parse_line(struct ksyms *k, char *line, struct kentry *e, const char *kernel)
{
	char *name;
	const char *mod;
	size_t mlen;
	if (!split_line(line, &e->s.addr, &name, &mod, &mlen))
		return false;
	e->s.size = 0;
	e->s.name = name;
	e->s.mod = mod ? mod_intern(k, mod, mlen) : kernel;
	return true;
}

/* Drops the kernel image's entries outside [_stext, _end] (per-CPU
 * offsets and absolute values), as the kernel's lookup ignores them. */
static size_t clip_kernel(struct kentry *v, size_t n, const char *kernel)
{
	uint64_t lo = 0, hi = UINT64_MAX;
	bool have_lo = false, have_hi = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i].s.mod != kernel)
			continue;
		if (!strcmp(v[i].s.name, "_stext"))
			lo = v[i].s.addr, have_lo = true;
		else if (!strcmp(v[i].s.name, "_end"))
			hi = v[i].s.addr, have_hi = true;
	}
	if (!have_lo || !have_hi)
		return n;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].s.mod != kernel || (v[i].s.addr >= lo && v[i].s.addr <= hi))
			v[m++] = v[i];
	return m;
}

struct ksyms *ksyms_open(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct ksyms *k = xcalloc(1, sizeof(*k));
	const char *kernel = mod_intern(k, "kernel", 6);
	/* names are copied into one block once the count is known */
	struct kentry *v = NULL;
	size_t n = 0, cap = 0, line_no = 0, bytes = 0;
	char *line = NULL;
	size_t lcap = 0;
	char **lines = NULL;
	bool all_zero = true;
	while (getline(&line, &lcap, f) > 0) {
		struct kentry e;
		char *copy = xstrdup(line);
		if (!parse_line(k, copy, &e, kernel)) {
			free(copy);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			v = xrealloc(v, sizeof(*v) * cap);
			lines = xrealloc(lines, sizeof(*lines) * cap);
		}
		e.line = line_no++;
		lines[n] = copy;
		bytes += strlen(e.s.name) + 1;
		v[n++] = e;
		if (e.s.addr)
			all_zero = false;
	}
	free(line);
	fclose(f);
	k->names = xmalloc(bytes + 1);
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i].s.name) + 1;
		memcpy(k->names + at, v[i].s.name, l);
		v[i].s.name = k->names + at;
		at += l;
		free(lines[i]);
	}
	free(lines);
	if (all_zero)
		n = 0;
	n = clip_kernel(v, n, kernel);
	if (n) {
		qsort(v, n, sizeof(*v), by_mod_addr);
		for (size_t i = 0; i < n; i++) {
			size_t j = i + 1;
			while (j < n && v[j].s.mod == v[i].s.mod && v[j].s.addr == v[i].s.addr)
				j++;
			if (j < n && v[j].s.mod == v[i].s.mod)
				v[i].s.size = v[j].s.addr - v[i].s.addr;
		}
		qsort(v, n, sizeof(*v), by_addr);
	}
	k->v = xmalloc(sizeof(*k->v) * (n ? n : 1));
	for (size_t i = 0; i < n; i++)
		k->v[i] = v[i].s;
	k->n = n;
	free(v);
	return k;
}

void ksyms_close(struct ksyms *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nmods; i++)
		free(k->mods[i]);
	free(k->mods);
	free(k->names);
	free(k->v);
	free(k);
}

size_t ksyms_count(const struct ksyms *k)
{
	return k ? k->n : 0;
}

const struct ksym *ksyms_lookup(const struct ksyms *k, uint64_t addr, uint64_t *off)
{
	if (!k || !k->n || addr < k->v[0].addr)
		return NULL;
	/* the last entry at or below addr */
	size_t lo = 0, hi = k->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* the first listed of its aliases (sorted by line among equals) */
	while (lo > 0 && k->v[lo - 1].addr == k->v[lo].addr)
		lo--;
	const struct ksym *s = &k->v[lo];
	if (addr - s->addr >= s->size)
		return NULL;
	if (off)
		*off = addr - s->addr;
	return s;
}

const struct ksym *ksyms_find(const struct ksyms *k, const char *name)
{
	for (size_t i = 0; k && i < k->n; i++)
		if (!strcmp(k->v[i].name, name))
			return &k->v[i];
	return NULL;
}

int ksyms_format(const struct ksyms *k, char *dst, size_t size, uint64_t addr, int style)
{
	uint64_t off = 0;
	const struct ksym *s = ksyms_lookup(k, addr, &off);
	if (!s)
		return style == 3 ? snprintf(dst, size, "%s", "")
				  : snprintf(dst, size, "0x%" PRIx64, addr);
	switch (style) {
	case 0:
		return snprintf(dst, size, "%s", s->name);
	case 1:
		return snprintf(dst, size, "%s+0x%" PRIx64 "/0x%" PRIx64 " [%s]", s->name, off,
				s->size, s->mod);
	case 2:
		return snprintf(dst, size, "%s+0x%" PRIx64 " [%s]", s->name, off, s->mod);
	case 3:
		return snprintf(dst, size, "%s", s->mod);
	default:
		return snprintf(dst, size, "%s+0x%" PRIx64, s->name, off);
	}
}

bool ksyms_address_of(const char *path, const char *name, uint64_t *addr)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		uint64_t a;
		char *sym;
		const char *mod;
		size_t mlen;
		if (split_line(line, &a, &sym, &mod, &mlen) && !mod && !strcmp(sym, name)) {
			*addr = a;
			found = a != 0;
		}
	}
	fclose(f);
	return found;
}
