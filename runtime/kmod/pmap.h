/*
 * pmap: arrays of statistics (`a[k] <<< v`), kept as one map per CPU plus
 * a merged map built when the script reads them (language.md §10).
 *
 * `<<<` inserts into this CPU's map only, under the global's read lock.
 * Every read — an extractor on one element, foreach, `in` — merges across
 * CPUs and needs the write lock.  The merged map (pm->agg, values
 * CTAP_T_STATS_AGG) is what foreach iterates and sorts; its order is the
 * order in which CPU 0, 1, ... first saw the keys.
 *
 * Generated code declares the declaration fields of the merged map and the
 * statistics parameters:
 *
 *   static struct _ctap_pmap g_lat = {
 *           .agg = { .name = "lat", .nkeys = 1, .ktype = { CTAP_T_STRING } },
 *           .decl = { .hist = STATS_HIST_LOG },
 *   };
 *
 * and lists it in _ctap_module.pmaps.
 */
#ifndef CTAP_KMOD_PMAP_H
#define CTAP_KMOD_PMAP_H

#include "kmod/map.h"
#include "kmod/stat.h"

struct _ctap_pmap {
	struct _ctap_map agg;		/* declaration + merged view */
	struct _ctap_stat_decl decl;
	/* runtime */
	struct stats_desc desc;
	struct _ctap_map *cpu;		/* [nr_cpu_ids] */
	struct _ctap_map_agg *one;	/* merge of one element */
};

int _ctap_pmap_alloc(struct _ctap_pmap *pm);
void _ctap_pmap_free(struct _ctap_pmap *pm);

/* a[k] <<< v (read lock); 0, or -1 with an overflow error raised. */
int _ctap_pmap_add(struct _ctap_context *c, struct _ctap_pmap *pm,
		   const union _ctap_key *k, int64_t v);

/* Merge of one element (write lock): empty if absent; valid until the
 * next call on pm. */
const struct stats_agg *_ctap_pmap_get(struct _ctap_pmap *pm, const union _ctap_key *k);

/* Rebuilds and returns the merged map (write lock); NULL with
 * `aggregation overflow in NAME` raised if the keys of all CPUs do not
 * fit. */
struct _ctap_map *_ctap_pmap_aggregate(struct _ctap_context *c, struct _ctap_pmap *pm);

bool _ctap_pmap_exists(struct _ctap_pmap *pm, const union _ctap_key *k);
bool _ctap_pmap_exists_slice(struct _ctap_pmap *pm, const union _ctap_key *k, u32 wild);
void _ctap_pmap_delete(struct _ctap_pmap *pm, const union _ctap_key *k);
void _ctap_pmap_delete_slice(struct _ctap_pmap *pm, const union _ctap_key *k, u32 wild);
void _ctap_pmap_clear(struct _ctap_pmap *pm);

#endif
