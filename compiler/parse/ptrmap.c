/*
 * ptrmap: see ptrmap.h.  Capacity is a power of two, at most half full.
 */
#include "parse/ptrmap.h"

#include <stddef.h>

#include "util/arena.h"

static uint32_t slot_of(const char *name, uint32_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)name * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32) & (cap - 1);
}

void *ptrmap_get(const struct ptrmap *m, const char *name)
{
	if (!m->cap)
		return NULL;
	for (uint32_t i = slot_of(name, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == name)
			return m->vals[i];
		if (!m->keys[i])
			return NULL;
	}
}

static void insert(struct ptrmap *m, const char *name, void *val)
{
	for (uint32_t i = slot_of(name, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == name) {
			m->vals[i] = val;
			return;
		}
		if (!m->keys[i]) {
			m->keys[i] = name;
			m->vals[i] = val;
			m->len++;
			return;
		}
	}
}

void ptrmap_put(struct arena *a, struct ptrmap *m, const char *name, void *val)
{
	if (2 * (m->len + 1) > m->cap) {
		struct ptrmap old = *m;
		m->cap = old.cap ? old.cap * 2 : 16;
		m->keys = arena_new_array(a, const char *, m->cap);
		m->vals = arena_new_array(a, void *, m->cap);
		m->len = 0;
		for (uint32_t i = 0; i < old.cap; i++)
			if (old.keys[i])
				insert(m, old.keys[i], old.vals[i]);
	}
	insert(m, name, val);
}
