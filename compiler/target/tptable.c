/*
 * target/tptable: the in-memory table of a target's tracepoints, as the
 * symbol table (symtab.c) is for functions.  Sources (fixture.c, tracefs.c,
 * trace_headers.c) add entries; tracepoints.c finishes the table once and
 * looks names up in it.  Strings live in the target's arena; the entry
 * array is malloc'd because it moves while it grows.
 */
#include "target/target_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

struct tp_entry *tptable_add(struct tptable *tt, struct arena *a, const char *system,
			     const char *name, int32_t id)
{
	if (tt->n == tt->cap) {
		tt->cap = tt->cap ? tt->cap * 2 : 1024;
		tt->e = xrealloc(tt->e, sizeof(*tt->e) * tt->cap);
	}
	struct tp_entry *e = &tt->e[tt->n++];
	memset(e, 0, sizeof(*e));
	e->tp.system = arena_strdup(a, system);
	e->tp.name = arena_strdup(a, name);
	e->tp.tracefs_id = id;
	e->tp.syscall = strcmp(system, "syscalls") == 0;
	return e;
}

static int cmp_tp(const void *pa, const void *pb)
{
	const struct tp_entry *a = pa, *b = pb;
	int c = strcmp(a->tp.system, b->tp.system);
	return c ? c : strcmp(a->tp.name, b->tp.name);
}

void tptable_finish(struct tptable *tt)
{
	if (tt->n <= 1)
		return;
	qsort(tt->e, tt->n, sizeof(*tt->e), cmp_tp);
	/* one entry per system:name, whatever listed it twice */
	uint32_t w = 1;
	for (uint32_t r = 1; r < tt->n; r++)
		if (cmp_tp(&tt->e[w - 1], &tt->e[r]) != 0)
			tt->e[w++] = tt->e[r];
	tt->n = w;
}

struct tp_entry *tptable_find(const struct tptable *tt, const char *system, const char *name)
{
	struct tp_entry key;
	key.tp.system = system;
	key.tp.name = name;
	return bsearch(&key, tt->e, tt->n, sizeof(*tt->e), cmp_tp);
}

void tptable_free(struct tptable *tt)
{
	free(tt->e);
	tt->e = NULL;
	tt->n = tt->cap = 0;
}
