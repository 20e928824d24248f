/*
 * keptstr: handle -> text, with each distinct text stored once (see
 * keptstr.h).  Two open-addressing tables, both grown at half full.
 */
#include "bpf/keptstr.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

struct keptstr_text {
	size_t len;
	uint64_t hash;
	char s[];
};

struct keptstr_slot {
	uint64_t handle;               /* 0: empty (handles start at 1) */
	const struct keptstr_text *text;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t text_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;       /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
	return h;
}

static void texts_grow(struct keptstr *k)
{
	size_t n = k->ntexts ? 2 * k->ntexts : 64;
	struct keptstr_text **t = xcalloc(n, sizeof(*t));
	for (size_t i = 0; i < k->ntexts; i++) {
		struct keptstr_text *x = k->texts[i];
		if (!x)
			continue;
		size_t j = x->hash & (n - 1);
		while (t[j])
			j = (j + 1) & (n - 1);
		t[j] = x;
	}
	free(k->texts);
	k->texts = t;
	k->ntexts = n;
}

static const struct keptstr_text *intern(struct keptstr *k, const char *s, size_t len)
{
	if (2 * (k->tused + 1) > k->ntexts)
		texts_grow(k);
	uint64_t h = text_hash(s, len);
	size_t j = h & (k->ntexts - 1);
	for (; k->texts[j]; j = (j + 1) & (k->ntexts - 1)) {
		const struct keptstr_text *x = k->texts[j];
		if (x->hash == h && x->len == len && !memcmp(x->s, s, len))
			return x;
	}
	struct keptstr_text *x = xmalloc(sizeof(*x) + len + 1);
	x->len = len;
	x->hash = h;
	memcpy(x->s, s, len);
	x->s[len] = 0;
	k->texts[j] = x;
	k->tused++;
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
	if (2 * (k->used + 1) > k->nslots)
		slots_grow(k);
	const struct keptstr_text *x = intern(k, text, len);
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
			*text = k->slots[j].text->s;
			*len = k->slots[j].text->len;
			return 1;
		}
	return 0;
}

void keptstr_free(struct keptstr *k)
{
	for (size_t i = 0; i < k->ntexts; i++)
		free(k->texts[i]);
	free(k->texts);
	free(k->slots);
	memset(k, 0, sizeof(*k));
}
