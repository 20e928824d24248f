/*
 * keptstr: handle -> text (see keptstr.h).  The texts are interned
 * (util/intern.h: each distinct one stored once); the handles are an
 * open-addressing table grown at half full.
 */
#include "bpf/keptstr.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/intern.h"

struct keptstr_slot {
	uint64_t handle;               /* 0: empty (handles start at 1) */
	const char *text;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void slots_grow(struct keptstr *k)
{
	size_t n = k->nslots ? 2 * k->nslots : 256;
	struct keptstr_slot *t = xcalloc(n, sizeof(*t));
	for (size_t i = 0; i < k->nslots; i++) {
		if (!k->slots[i].handle)
			continue;
		size_t j = mix(k->slots[i].handle) & (n - 1);
		while (t[j].handle)
			j = (j + 1) & (n - 1);
		t[j] = k->slots[i];
	}
	free(k->slots);
	k->slots = t;
	k->nslots = n;
}

void keptstr_put(struct keptstr *k, uint64_t handle, const char *text, size_t len)
{
	if (!handle)
		return;
	if (!k->texts) {
		k->arena = arena_new();
		k->texts = intern_new(k->arena);
	}
	if (2 * (k->used + 1) > k->nslots)
		slots_grow(k);
	const char *x = intern_n(k->texts, text, len);
	size_t j = mix(handle) & (k->nslots - 1);
	while (k->slots[j].handle && k->slots[j].handle != handle)
		j = (j + 1) & (k->nslots - 1);
	if (!k->slots[j].handle)
		k->used++;
	k->slots[j] = (struct keptstr_slot){ handle, x };
}

int keptstr_get(const struct keptstr *k, uint64_t handle, const char **text, size_t *len)
{
	if (!handle || !k->nslots)
		return 0;
	size_t j = mix(handle) & (k->nslots - 1);
	for (; k->slots[j].handle; j = (j + 1) & (k->nslots - 1))
		if (k->slots[j].handle == handle) {
			*text = k->slots[j].text;
			*len = strlen(*text);
			return 1;
		}
	return 0;
}

void keptstr_free(struct keptstr *k)
{
	if (k->texts)
		intern_free(k->texts);
	if (k->arena)
		arena_free(k->arena);
	free(k->slots);
	memset(k, 0, sizeof(*k));
}
