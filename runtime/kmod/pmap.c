/*
 * pmap: per-CPU maps of statistics and their merge (see pmap.h).
 */
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include "kmod/error.h"
#include "kmod/pmap.h"

int _ctap_pmap_alloc(struct _ctap_pmap *pm)
{
	unsigned int cpu;
	int rc;

	_ctap_stat_desc_init(&pm->desc, &pm->decl);
	pm->agg.vtype = CTAP_T_STATS_AGG;
	pm->agg.stat = &pm->desc;
	rc = _ctap_map_alloc(&pm->agg);
	if (rc)
		return rc;
	pm->one = kzalloc(sizeof(*pm->one) + pm->desc.nbuckets * sizeof(int64_t), GFP_KERNEL);
	pm->cpu = kcalloc(nr_cpu_ids, sizeof(*pm->cpu), GFP_KERNEL);
	if (!pm->one || !pm->cpu)
		goto fail;
	for_each_possible_cpu(cpu) {
		struct _ctap_map *m = &pm->cpu[cpu];

		*m = pm->agg;
		m->buckets = NULL;
		m->nodes = NULL;
		m->vtype = CTAP_T_STATS;
		if (_ctap_map_alloc(m))
			goto fail;
	}
	return 0;
fail:
	_ctap_pmap_free(pm);
	return -ENOMEM;
}

void _ctap_pmap_free(struct _ctap_pmap *pm)
{
	unsigned int cpu;

	if (pm->cpu) {
		for (cpu = 0; cpu < nr_cpu_ids; cpu++)
			_ctap_map_free(&pm->cpu[cpu]);
		kfree(pm->cpu);
		pm->cpu = NULL;
	}
	kfree(pm->one);
	pm->one = NULL;
	_ctap_map_free(&pm->agg);
}

int _ctap_pmap_add(struct _ctap_context *c, struct _ctap_pmap *pm,
		   const union _ctap_key *k, int64_t v)
{
	struct _ctap_map *m = &pm->cpu[smp_processor_id()];
	struct _ctap_mnode *n = _ctap_map_insert(c, m, k);

	if (!n)
		return -1;
	stats_add(&pm->desc, _ctap_mnode_acc(m, n), v);
	return 0;
}

const struct stats_agg *_ctap_pmap_get(struct _ctap_pmap *pm, const union _ctap_key *k)
{
	struct stats_agg *g = &pm->one->agg;
	int cpu;

	stats_agg_init(&pm->desc, g, pm->desc.nbuckets ? pm->one->buckets : NULL);
	for_each_possible_cpu(cpu) {
		struct _ctap_map *m = &pm->cpu[cpu];
		struct _ctap_mnode *n = _ctap_map_find(m, k);

		if (n)
			stats_agg_add(&pm->desc, g, _ctap_mnode_acc(m, n));
	}
	return g;
}

struct _ctap_map *_ctap_pmap_aggregate(struct _ctap_context *c, struct _ctap_pmap *pm)
{
	struct _ctap_map *agg = &pm->agg;
	int cpu;

	_ctap_map_clear(agg);
	for_each_possible_cpu(cpu) {
		struct _ctap_map *m = &pm->cpu[cpu];
		struct _ctap_mnode *n;

		for (n = _ctap_map_first(m); n; n = _ctap_map_next(m, n)) {
			union _ctap_key k[CTAP_MAX_KEYS];
			struct _ctap_mnode *a;
			unsigned int i;

			for (i = 0; i < m->nkeys; i++) {
				if (m->ktype[i] == CTAP_T_STRING)
					k[i].s = _ctap_mnode_key_str(m, n, i);
				else
					k[i].l = _ctap_mnode_key_long(m, n, i);
			}
			a = _ctap_map_find(agg, k);
			if (!a && agg->count == agg->cap) {
				_ctap_errorf(c, "aggregation overflow in %s", agg->name);
				return NULL;
			}
			if (!a)
				a = _ctap_map_insert(c, agg, k);
			stats_agg_add(&pm->desc, &_ctap_mnode_agg(agg, a)->agg,
				      _ctap_mnode_acc(m, n));
		}
	}
	return agg;
}

bool _ctap_pmap_exists(struct _ctap_pmap *pm, const union _ctap_key *k)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (_ctap_map_exists(&pm->cpu[cpu], k))
			return true;
	return false;
}

bool _ctap_pmap_exists_slice(struct _ctap_pmap *pm, const union _ctap_key *k, u32 wild)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (_ctap_map_exists_slice(&pm->cpu[cpu], k, wild))
			return true;
	return false;
}

void _ctap_pmap_delete(struct _ctap_pmap *pm, const union _ctap_key *k)
{
	int cpu;

	for_each_possible_cpu(cpu)
		_ctap_map_delete(&pm->cpu[cpu], k);
	_ctap_map_delete(&pm->agg, k);
}

void _ctap_pmap_delete_slice(struct _ctap_pmap *pm, const union _ctap_key *k, u32 wild)
{
	int cpu;

	for_each_possible_cpu(cpu)
		_ctap_map_delete_slice(&pm->cpu[cpu], k, wild);
	_ctap_map_delete_slice(&pm->agg, k, wild);
}

void _ctap_pmap_clear(struct _ctap_pmap *pm)
{
	int cpu;

	for_each_possible_cpu(cpu)
		_ctap_map_clear(&pm->cpu[cpu]);
	_ctap_map_clear(&pm->agg);
}
