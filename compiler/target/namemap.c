/*
 * target/namemap: a string-keyed hash map (open addressing, FNV-1a) for
 * the target's indexes: BTF function and btf_trace_* names, prototypes
 * already built.  Keys are not copied: they must outlive the map (BTF
 * strings, target arena strings).  Values are opaque pointers; NULL
 * cannot be stored.
 */
#include "target/target_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void grow(struct namemap *m)
{
	struct namemap old = *m;
	m->cap = old.cap ? old.cap * 2 : 1024;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->n = 0;
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			namemap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

void namemap_put(struct namemap *m, const char *key, void *val)
{
	if ((m->n + 1) * 4 >= m->cap * 3)
		grow(m);
	uint32_t mask = m->cap - 1;
	for (uint32_t i = hash(key) & mask;; i = (i + 1) & mask) {
		if (!m->keys[i]) {
			m->keys[i] = key;
			m->vals[i] = val;
			m->n++;
			return;
		}
		if (strcmp(m->keys[i], key) == 0) {
			m->vals[i] = val;
			return;
		}
	}
}

void *namemap_get(const struct namemap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	uint32_t mask = m->cap - 1;
	for (uint32_t i = hash(key) & mask; m->keys[i]; i = (i + 1) & mask)
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	return NULL;
}

void namemap_free(struct namemap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
