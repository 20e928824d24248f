/*
 * map: fixed-capacity hash maps with insertion-order lists (see map.h).
 *
 * Invariants: every node is either on the free list (linked by hnext) or
 * on exactly one hash chain and on the order list; count is the number of
 * nodes on the order list; buckets has mask + 1 entries, a power of two
 * at least the capacity (scaled by MAPHASHBIAS).
 */
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kmod/error.h"
#include "kmod/map.h"

static u32 _ctap_map_value_size(const struct _ctap_map *m)
{
	switch (m->vtype) {
	case CTAP_T_STRING:
		return MAXSTRINGLEN;
	case CTAP_T_STATS:
		return stats_acc_size(m->stat);
	case CTAP_T_STATS_AGG:
		return sizeof(struct _ctap_map_agg) + m->stat->nbuckets * sizeof(int64_t);
	default:
		return sizeof(int64_t);
	}
}

static void _ctap_map_reset(struct _ctap_map *m)
{
	u32 i;

	memset(m->buckets, 0xff, (m->mask + 1) * sizeof(u32));
	for (i = 0; i < m->cap; i++)
		_ctap_map_node(m, i)->hnext = i + 1 < m->cap ? i + 1 : CTAP_NIL;
	m->free = 0;
	m->head = m->tail = CTAP_NIL;
	m->count = 0;
}

int _ctap_map_alloc(struct _ctap_map *m)
{
	u32 off = sizeof(struct _ctap_mnode), nb;
	unsigned int i;
	int bits;

	if (m->nkeys < 1 || m->nkeys > CTAP_MAX_KEYS)
		return -EINVAL;
	for (i = 0; i < m->nkeys; i++) {
		m->koff[i] = off;
		off += m->ktype[i] == CTAP_T_STRING ? ALIGN(MAXSTRINGLEN, 8) : 8;
	}
	m->voff = off;
	m->node_size = ALIGN(off + _ctap_map_value_size(m), 8);
	m->cap = m->size ? m->size : MAXMAPENTRIES;

	bits = order_base_2(m->cap) + MAPHASHBIAS;
	nb = 1u << clamp(bits, 4, 24);
	m->mask = nb - 1;
	m->buckets = kvmalloc_array(nb, sizeof(u32), GFP_KERNEL);
	m->nodes = kvmalloc_array(m->cap, m->node_size, GFP_KERNEL | __GFP_ZERO);
	if (!m->buckets || !m->nodes) {
		_ctap_map_free(m);
		return -ENOMEM;
	}
	_ctap_map_reset(m);
	return 0;
}

void _ctap_map_free(struct _ctap_map *m)
{
	kvfree(m->buckets);
	kvfree(m->nodes);
	m->buckets = NULL;
	m->nodes = NULL;
}

static u32 _ctap_map_hash(const struct _ctap_map *m, const union _ctap_key *k)
{
	u32 h = 0;
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		if (m->ktype[i] == CTAP_T_STRING)
			h = jhash(k[i].s, strnlen(k[i].s, MAXSTRINGLEN - 1), h);
		else
			h = jhash_2words((u32)k[i].l, (u32)((u64)k[i].l >> 32), h);
	}
	return h;
}

bool _ctap_mnode_matches(const struct _ctap_map *m, const struct _ctap_mnode *n,
			 const union _ctap_key *k, u32 wild)
{
	unsigned int i;

	for (i = 0; i < m->nkeys; i++) {
		if (wild & (1u << i))
			continue;
		if (m->ktype[i] == CTAP_T_STRING) {
			if (strncmp(_ctap_mnode_key_str(m, n, i), k[i].s, MAXSTRINGLEN - 1))
				return false;
		} else if (_ctap_mnode_key_long(m, n, i) != k[i].l) {
			return false;
		}
	}
	return true;
}

static struct _ctap_mnode *_ctap_map_lookup(struct _ctap_map *m, const union _ctap_key *k,
					    u32 hash)
{
	u32 i = m->buckets[hash & m->mask];

	while (i != CTAP_NIL) {
		struct _ctap_mnode *n = _ctap_map_node(m, i);

		if (n->hash == hash && _ctap_mnode_matches(m, n, k, 0))
			return n;
		i = n->hnext;
	}
	return NULL;
}

struct _ctap_mnode *_ctap_map_find(struct _ctap_map *m, const union _ctap_key *k)
{
	return _ctap_map_lookup(m, k, _ctap_map_hash(m, k));
}

static void _ctap_map_clear_value(struct _ctap_map *m, struct _ctap_mnode *n)
{
	memset((char *)n + m->voff, 0, m->node_size - m->voff);
	if (m->vtype == CTAP_T_STATS_AGG) {
		struct _ctap_map_agg *a = _ctap_mnode_agg(m, n);

		stats_agg_init(m->stat, &a->agg, m->stat->nbuckets ? a->buckets : NULL);
	}
}

/* Removes node i from its hash chain and the order list (not freed). */
static void _ctap_map_unlink(struct _ctap_map *m, u32 i)
{
	struct _ctap_mnode *n = _ctap_map_node(m, i);
	u32 *p = &m->buckets[n->hash & m->mask];

	while (*p != i)
		p = &_ctap_map_node(m, *p)->hnext;
	*p = n->hnext;
	if (n->prev != CTAP_NIL)
		_ctap_map_node(m, n->prev)->next = n->next;
	else
		m->head = n->next;
	if (n->next != CTAP_NIL)
		_ctap_map_node(m, n->next)->prev = n->prev;
	else
		m->tail = n->prev;
	m->count--;
}

static void _ctap_map_overflow(struct _ctap_context *c, const struct _ctap_map *m)
{
	if (m->size)
		_ctap_errorf(c, "Array overflow, check size limit (%u)", m->size);
	else
		_ctap_error(c, "Array overflow, check MAXMAPENTRIES");
}

struct _ctap_mnode *_ctap_map_insert(struct _ctap_context *c, struct _ctap_map *m,
				     const union _ctap_key *k)
{
	u32 hash = _ctap_map_hash(m, k), i;
	struct _ctap_mnode *n = _ctap_map_lookup(m, k, hash);
	unsigned int col;

	if (n)
		return n;
	if (m->free == CTAP_NIL) {
		if (!m->wrap || m->head == CTAP_NIL) {
			_ctap_map_overflow(c, m);
			return NULL;
		}
		i = m->head;
		_ctap_map_unlink(m, i);
	} else {
		i = m->free;
		m->free = _ctap_map_node(m, i)->hnext;
	}
	n = _ctap_map_node(m, i);
	for (col = 0; col < m->nkeys; col++) {
		if (m->ktype[col] == CTAP_T_STRING)
			strscpy((char *)n + m->koff[col], k[col].s, MAXSTRINGLEN);
		else
			*(int64_t *)((char *)n + m->koff[col]) = k[col].l;
	}
	_ctap_map_clear_value(m, n);
	n->hash = hash;
	n->hnext = m->buckets[hash & m->mask];
	m->buckets[hash & m->mask] = i;
	n->next = CTAP_NIL;
	n->prev = m->tail;
	if (m->tail != CTAP_NIL)
		_ctap_map_node(m, m->tail)->next = i;
	else
		m->head = i;
	m->tail = i;
	m->count++;
	return n;
}

int64_t _ctap_map_get_long(struct _ctap_map *m, const union _ctap_key *k)
{
	struct _ctap_mnode *n = _ctap_map_find(m, k);

	return n ? *_ctap_mnode_long(m, n) : 0;
}

const char *_ctap_map_get_str(struct _ctap_map *m, const union _ctap_key *k)
{
	struct _ctap_mnode *n = _ctap_map_find(m, k);

	return n ? _ctap_mnode_str(m, n) : "";
}

int _ctap_map_set_long(struct _ctap_context *c, struct _ctap_map *m,
		       const union _ctap_key *k, int64_t v)
{
	struct _ctap_mnode *n = _ctap_map_insert(c, m, k);

	if (!n)
		return -1;
	*_ctap_mnode_long(m, n) = v;
	return 0;
}

int _ctap_map_set_str(struct _ctap_context *c, struct _ctap_map *m,
		      const union _ctap_key *k, const char *v)
{
	struct _ctap_mnode *n = _ctap_map_insert(c, m, k);

	if (!n)
		return -1;
	strscpy(_ctap_mnode_str(m, n), v, MAXSTRINGLEN);
	return 0;
}

int64_t *_ctap_map_ref_long(struct _ctap_context *c, struct _ctap_map *m,
			    const union _ctap_key *k)
{
	struct _ctap_mnode *n = _ctap_map_insert(c, m, k);

	return n ? _ctap_mnode_long(m, n) : NULL;
}

bool _ctap_map_exists(struct _ctap_map *m, const union _ctap_key *k)
{
	return _ctap_map_find(m, k) != NULL;
}

bool _ctap_map_exists_slice(struct _ctap_map *m, const union _ctap_key *k, u32 wild)
{
	struct _ctap_mnode *n;

	if (!wild)
		return _ctap_map_exists(m, k);
	for (n = _ctap_map_first(m); n; n = _ctap_map_next(m, n))
		if (_ctap_mnode_matches(m, n, k, wild))
			return true;
	return false;
}

void _ctap_map_delete_node(struct _ctap_map *m, struct _ctap_mnode *n)
{
	u32 i = _ctap_map_index(m, n);

	_ctap_map_unlink(m, i);
	n->hnext = m->free;
	m->free = i;
}

void _ctap_map_delete(struct _ctap_map *m, const union _ctap_key *k)
{
	struct _ctap_mnode *n = _ctap_map_find(m, k);

	if (n)
		_ctap_map_delete_node(m, n);
}

void _ctap_map_delete_slice(struct _ctap_map *m, const union _ctap_key *k, u32 wild)
{
	struct _ctap_mnode *n = _ctap_map_first(m);

	if (!wild) {
		_ctap_map_delete(m, k);
		return;
	}
	while (n) {
		struct _ctap_mnode *next = _ctap_map_next(m, n);

		if (_ctap_mnode_matches(m, n, k, wild))
			_ctap_map_delete_node(m, n);
		n = next;
	}
}

void _ctap_map_clear(struct _ctap_map *m)
{
	u32 i = m->head;

	/* O(count): only the used nodes go back; buckets are reset per node. */
	while (i != CTAP_NIL) {
		struct _ctap_mnode *n = _ctap_map_node(m, i);
		u32 next = n->next;

		m->buckets[n->hash & m->mask] = CTAP_NIL;
		n->hnext = m->free;
		m->free = i;
		i = next;
	}
	m->head = m->tail = CTAP_NIL;
	m->count = 0;
}
