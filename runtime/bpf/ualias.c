/*
 * ualias: libdwfl's symbol names mapped to the kernel-module back end's
 * choice among aliases (see ualias.h).  Per object, read once: its
 * symbols and its debuginfo's (uelf), sorted by name for the lookup of
 * libdwfl's name, and by address (as uelf keeps them) for its aliases.
 */
#include "bpf/ualias.h"

#include <stdlib.h>
#include <string.h>

#include "target/user/uelf.h"
#include "util/arena.h"
#include "util/vec.h"

struct uobject {
	const char *path;
	struct uelf *files[2];              /* the object, its debuginfo (or NULL) */
	const struct uelf_symbol **by_name; /* every symbol of both */
	uint32_t n;
};

struct ualias {
	struct arena *a;
	VEC(struct uobject) objs;
};

struct ualias *ualias_new(void)
{
	struct ualias *ua = xcalloc(1, sizeof(*ua));
	ua->a = arena_new();
	return ua;
}

void ualias_free(struct ualias *ua)
{
	if (!ua)
		return;
	arena_free(ua->a);
	vec_free_heap(&ua->objs);
	free(ua);
}

static int by_name(const void *x, const void *y)
{
	const struct uelf_symbol *a = *(const struct uelf_symbol *const *)x;
	const struct uelf_symbol *b = *(const struct uelf_symbol *const *)y;
	return strcmp(a->name, b->name);
}

static struct uobject *object(struct ualias *ua, const char *path)
{
	vec_foreach(&ua->objs, i)
		if (!strcmp(ua->objs.items[i].path, path))
			return &ua->objs.items[i];
	struct uobject o = { .path = arena_strdup(ua->a, path) };
	const char *why = NULL;
	o.files[0] = uelf_open(ua->a, path, &why);
	const char *dbg = o.files[0] ? uelf_debug_file(ua->a, o.files[0]) : NULL;
	o.files[1] = dbg ? uelf_open(ua->a, dbg, &why) : NULL;
	for (int f = 0; f < 2; f++)
		o.n += o.files[f] ? o.files[f]->nsyms : 0;
	o.by_name = arena_new_array(ua->a, const struct uelf_symbol *, o.n + 1);
	uint32_t k = 0;
	for (int f = 0; f < 2; f++)
		for (uint32_t i = 0; o.files[f] && i < o.files[f]->nsyms; i++)
			o.by_name[k++] = &o.files[f]->syms[i];
	qsort(o.by_name, o.n, sizeof(*o.by_name), by_name);
	vec_push_heap(&ua->objs, o);
	return &ua->objs.items[ua->objs.len - 1];
}

/* the preferred of file f's symbols at vaddr, against best */
static const struct uelf_symbol *best_at(const struct uelf *u, uint64_t vaddr,
					 const struct uelf_symbol *best)
{
	uint32_t lo = 0, hi = u->nsyms;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (u->syms[mid].vaddr < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < u->nsyms && u->syms[i].vaddr == vaddr; i++)
		if (!best || uelf_alias_cmp(&u->syms[i], best) < 0)
			best = &u->syms[i];
	return best;
}

const char *ualias_name(struct ualias *ua, const char *path, const char *name)
{
	if (!ua || !path || !name)
		return name;
	struct uobject *o = object(ua, path);
	struct uelf_symbol key = { .name = name };
	const struct uelf_symbol *kp = &key;
	const struct uelf_symbol **hit = bsearch(&kp, o->by_name, o->n, sizeof(*o->by_name), by_name);
	if (!hit)
		return name;
	const struct uelf_symbol *best = NULL;
	for (int f = 0; f < 2; f++)
		if (o->files[f])
			best = best_at(o->files[f], (*hit)->vaddr, best);
	return best ? best->name : name;
}
