/* intern: open-addressing hash set of strings (FNV-1a, power-of-two size). */
#include "util/intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

struct intern_slot {
	const char *str;
	size_t len;
	uint32_t hash;
};

struct intern_table {
	struct arena *arena;
	struct intern_slot *slots;
	size_t cap, count;
};

static uint32_t intern_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

struct intern_table *intern_new(struct arena *a)
{
	struct intern_table *t = xcalloc(1, sizeof(*t));
	t->arena = a;
	t->cap = 1024;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	return t;
}

void intern_free(struct intern_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

static void intern_rehash(struct intern_table *t)
{
	size_t ncap = t->cap * 2;
	struct intern_slot *ns = xcalloc(ncap, sizeof(*ns));
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].str)
			continue;
		size_t j = t->slots[i].hash & (ncap - 1);
		while (ns[j].str)
			j = (j + 1) & (ncap - 1);
		ns[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
}

const char *intern_n(struct intern_table *t, const char *s, size_t len)
{
	uint32_t h = intern_hash(s, len);
	size_t j = h & (t->cap - 1);
	while (t->slots[j].str) {
		struct intern_slot *sl = &t->slots[j];
		if (sl->hash == h && sl->len == len && memcmp(sl->str, s, len) == 0)
			return sl->str;
		j = (j + 1) & (t->cap - 1);
	}
	const char *copy = arena_strndup(t->arena, s, len);
	t->slots[j] = (struct intern_slot){ copy, len, h };
	if (++t->count * 2 > t->cap)
		intern_rehash(t);
	return copy;
}

const char *intern(struct intern_table *t, const char *s)
{
	return intern_n(t, s, strlen(s));
}
