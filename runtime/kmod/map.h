/*
 * map: the script's associative arrays (language.md §9).
 *
 * A map has a fixed capacity (its declared size, else MAXMAPENTRIES)
 * allocated in one block at module init; probe context only links and
 * unlinks nodes, never allocates.  Keys are 1..9 columns, each a long or
 * a string (stored inline, MAXSTRINGLEN bytes); the value is a long, a
 * string, or a statistics accumulator (per-CPU maps of a stats array,
 * pmap.h) or aggregate (the merged map of a stats array).
 *
 * Nodes sit on a hash chain (lookup) and on one doubly linked list in
 * insertion order (iteration; the head is the oldest entry, which a full
 * `%` array overwrites).  _ctap_map_sort() reorders that list in place,
 * so an unsorted foreach after a sorted one sees the sorted order (as in
 * SystemTap), and a foreach nested in a sorted foreach over the same
 * array, which re-sorts, leaves the outer loop walking the new order.
 *
 * Locking is the caller's: reads, `in` and unsorted iteration need the
 * global's read lock; anything that changes the map, including sorting,
 * needs its write lock.  Functions that can fail take the context and
 * raise the run-time error there (`Array overflow, check MAXMAPENTRIES`
 * or `... check size limit (N)`); they return NULL / nonzero.
 *
 * Generated code declares a map as a static struct _ctap_map with only
 * the declaration fields set, e.g.
 *
 *   static struct _ctap_map g_a = {
 *           .name = "a", .nkeys = 2,
 *           .ktype = { CTAP_T_STRING, CTAP_T_LONG }, .vtype = CTAP_T_LONG,
 *   };
 *
 * and lists it in _ctap_module.maps.  Keys are passed as an array of
 * union _ctap_key, one per column: { { .s = str }, { .l = 42 } }.
 */
#ifndef CTAP_KMOD_MAP_H
#define CTAP_KMOD_MAP_H

#include <linux/types.h>
#include "common/stats.h"
#include "kmod/config.h"

struct _ctap_context;

enum _ctap_type {
	CTAP_T_LONG = 1,
	CTAP_T_STRING = 2,
	CTAP_T_STATS = 3,	/* struct stats_acc (per-CPU maps of a pmap) */
	CTAP_T_STATS_AGG = 4,	/* struct _ctap_map_agg (merged pmap view) */
};

union _ctap_key {
	int64_t l;
	const char *s;
};

/* Node header; key columns and the value follow at m->koff[] / m->voff. */
struct _ctap_mnode {
	u32 hnext;		/* hash chain / free list */
	u32 prev, next;		/* insertion-order list */
	u32 hash;
};

/* Value of a CTAP_T_STATS_AGG node: the merge and its bucket counts. */
struct _ctap_map_agg {
	struct stats_agg agg;
	int64_t buckets[];
};

#define CTAP_NIL ((u32)~0u)

struct _ctap_map {
	/* declaration, filled in by generated code */
	const char *name;
	u8 nkeys;
	u8 ktype[CTAP_MAX_KEYS];
	u8 vtype;
	bool wrap;		/* `%` array: overwrite the oldest entry when full */
	u32 size;		/* declared size; 0 = MAXMAPENTRIES */
	/* runtime */
	const struct stats_desc *stat;	/* CTAP_T_STATS / STATS_AGG values */
	u32 cap, count, mask, node_size, voff, koff[CTAP_MAX_KEYS];
	u32 head, tail, free;
	u32 *buckets;
	char *nodes;
};

/* Module init / exit. */
int _ctap_map_alloc(struct _ctap_map *m);
void _ctap_map_free(struct _ctap_map *m);

/* Lookup; NULL if absent.  Never creates. */
struct _ctap_mnode *_ctap_map_find(struct _ctap_map *m, const union _ctap_key *k);
/* Lookup or create (value 0 / "" / empty); NULL with an error raised if
 * the map is full and not wrapping. */
struct _ctap_mnode *_ctap_map_insert(struct _ctap_context *c, struct _ctap_map *m,
				     const union _ctap_key *k);

/* A[k] reads: 0 / "" when absent. */
int64_t _ctap_map_get_long(struct _ctap_map *m, const union _ctap_key *k);
const char *_ctap_map_get_str(struct _ctap_map *m, const union _ctap_key *k);
/* A[k] = v; 0 or -1 with an error raised. */
int _ctap_map_set_long(struct _ctap_context *c, struct _ctap_map *m,
		       const union _ctap_key *k, int64_t v);
int _ctap_map_set_str(struct _ctap_context *c, struct _ctap_map *m,
		      const union _ctap_key *k, const char *v);
/* For A[k] += v, A[k]++ ...: the value slot, created if absent; NULL on error. */
int64_t *_ctap_map_ref_long(struct _ctap_context *c, struct _ctap_map *m,
			    const union _ctap_key *k);

/* `k in A` and `[k1, *] in A` (bit i of wild set: column i is `*`). */
bool _ctap_map_exists(struct _ctap_map *m, const union _ctap_key *k);
bool _ctap_map_exists_slice(struct _ctap_map *m, const union _ctap_key *k, u32 wild);

/* delete A[k], delete A[k1, *], delete A. */
void _ctap_map_delete(struct _ctap_map *m, const union _ctap_key *k);
void _ctap_map_delete_slice(struct _ctap_map *m, const union _ctap_key *k, u32 wild);
void _ctap_map_clear(struct _ctap_map *m);
void _ctap_map_delete_node(struct _ctap_map *m, struct _ctap_mnode *n);

static inline u32 _ctap_map_size(const struct _ctap_map *m)
{
	return m->count;
}

/* Node access. */
static inline struct _ctap_mnode *_ctap_map_node(const struct _ctap_map *m, u32 i)
{
	return i == CTAP_NIL ? NULL :
	       (struct _ctap_mnode *)(m->nodes + (size_t)i * m->node_size);
}

static inline u32 _ctap_map_index(const struct _ctap_map *m, const struct _ctap_mnode *n)
{
	return (u32)(((const char *)n - m->nodes) / m->node_size);
}

static inline int64_t _ctap_mnode_key_long(const struct _ctap_map *m,
					   const struct _ctap_mnode *n, unsigned int i)
{
	return *(const int64_t *)((const char *)n + m->koff[i]);
}

static inline const char *_ctap_mnode_key_str(const struct _ctap_map *m,
					      const struct _ctap_mnode *n, unsigned int i)
{
	return (const char *)n + m->koff[i];
}

static inline int64_t *_ctap_mnode_long(const struct _ctap_map *m, struct _ctap_mnode *n)
{
	return (int64_t *)((char *)n + m->voff);
}

static inline char *_ctap_mnode_str(const struct _ctap_map *m, struct _ctap_mnode *n)
{
	return (char *)n + m->voff;
}

static inline struct stats_acc *_ctap_mnode_acc(const struct _ctap_map *m,
						struct _ctap_mnode *n)
{
	return (struct stats_acc *)((char *)n + m->voff);
}

static inline struct _ctap_map_agg *_ctap_mnode_agg(const struct _ctap_map *m,
						    struct _ctap_mnode *n)
{
	return (struct _ctap_map_agg *)((char *)n + m->voff);
}

/* Whether n's keys equal k in every column not set in wild. */
bool _ctap_mnode_matches(const struct _ctap_map *m, const struct _ctap_mnode *n,
			 const union _ctap_key *k, u32 wild);

/* Iteration in list order: for (n = first; n; n = next(n)). */
static inline struct _ctap_mnode *_ctap_map_first(const struct _ctap_map *m)
{
	return _ctap_map_node(m, m->head);
}

static inline struct _ctap_mnode *_ctap_map_next(const struct _ctap_map *m,
						 const struct _ctap_mnode *n)
{
	return _ctap_map_node(m, n->next);
}

/*
 * foreach sorting (map_sort.c): column 0 sorts by value, 1..nkeys by that
 * key column; dir > 0 ascending, < 0 descending; stable (ties keep the
 * list order).  For statistics values agg picks the aggregate (@count by
 * default).  Uses c's per-CPU sort arrays.
 */
enum _ctap_stat_op {
	CTAP_STAT_COUNT,
	CTAP_STAT_SUM,
	CTAP_STAT_MIN,
	CTAP_STAT_MAX,
	CTAP_STAT_AVG,
	CTAP_STAT_VARIANCE,
};

void _ctap_map_sort(struct _ctap_context *c, struct _ctap_map *m, unsigned int column,
		    int dir, enum _ctap_stat_op agg);

#endif
