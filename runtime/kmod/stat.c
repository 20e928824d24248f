/*
 * stat: per-CPU accumulation and read-time merge of scalar statistics,
 * extractors with run-time errors (see stat.h).
 */
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include "common/outbuf.h"
#include "common/hist_print.h"
#include "kmod/error.h"
#include "kmod/stat.h"

void _ctap_stat_desc_init(struct stats_desc *d, const struct _ctap_stat_decl *decl)
{
	enum stats_linear_check why;

	why = stats_desc_init(d, decl->hist, decl->start, decl->stop, decl->interval,
			      decl->shift, decl->want, STP_MAX_BUCKETS);
	if (why != STATS_LINEAR_OK) {
		char buf[256];
		struct outbuf ob;

		outbuf_init(&ob, buf, sizeof(buf) - 1);
		stats_linear_warning(&ob, why, STP_MAX_BUCKETS);
		_ctap_warn("%.*s", (int)ob.len, buf);
	}
}

static struct _ctap_map_agg *_ctap_stat_agg_alloc(const struct stats_desc *d)
{
	return kzalloc(sizeof(struct _ctap_map_agg) + d->nbuckets * sizeof(int64_t),
		       GFP_KERNEL);
}

int _ctap_stat_alloc(struct _ctap_stat *s)
{
	_ctap_stat_desc_init(&s->desc, &s->decl);
	s->acc = __alloc_percpu(stats_acc_size(&s->desc), __alignof__(struct stats_acc));
	s->agg = _ctap_stat_agg_alloc(&s->desc);
	if (!s->acc || !s->agg) {
		_ctap_stat_free(s);
		return -ENOMEM;
	}
	return 0;
}

void _ctap_stat_free(struct _ctap_stat *s)
{
	free_percpu(s->acc);
	kfree(s->agg);
	s->acc = NULL;
	s->agg = NULL;
}

const struct stats_agg *_ctap_stat_get(struct _ctap_stat *s)
{
	struct stats_agg *g = &s->agg->agg;
	int cpu;

	stats_agg_init(&s->desc, g, s->desc.nbuckets ? s->agg->buckets : NULL);
	for_each_possible_cpu(cpu)
		stats_agg_add(&s->desc, g, per_cpu_ptr(s->acc, cpu));
	return g;
}

void _ctap_stat_clear(struct _ctap_stat *s)
{
	int cpu;

	for_each_possible_cpu(cpu)
		stats_acc_clear(&s->desc, per_cpu_ptr(s->acc, cpu));
}

int _ctap_stat_value(const struct stats_desc *d, const struct stats_agg *g,
		     enum _ctap_stat_op op, int64_t *out)
{
	*out = 0;
	switch (op) {
	case CTAP_STAT_COUNT:
		*out = stats_count(g);
		return STATS_OK;
	case CTAP_STAT_SUM:
		*out = stats_sum(g);
		return STATS_OK;
	case CTAP_STAT_MIN:
		return stats_min(g, out);
	case CTAP_STAT_MAX:
		return stats_max(g, out);
	case CTAP_STAT_AVG:
		return stats_avg(g, out);
	case CTAP_STAT_VARIANCE:
		return stats_variance(d, g, out);
	}
	return STATS_OK;
}

int64_t _ctap_stat_extract(struct _ctap_context *c, const struct stats_desc *d,
			   const struct stats_agg *g, enum _ctap_stat_op op)
{
	int64_t v;
	int rc = _ctap_stat_value(d, g, op, &v);

	if (rc) {
		_ctap_error(c, stats_strerror(rc));
		return 0;
	}
	return v;
}

int64_t _ctap_stat_bucket(struct _ctap_context *c, const struct stats_agg *g, int64_t i)
{
	int64_t v = 0;
	int rc = stats_hist_get(g, i, &v);

	if (rc)
		_ctap_error(c, stats_strerror(rc));
	return rc ? 0 : v;
}

int _ctap_hist_print(struct _ctap_context *c, struct outbuf *ob,
		     const struct stats_desc *d, const struct stats_agg *g)
{
	static const struct hist_params p = { HIST_WIDTH, HIST_ELISION };
	int rc = hist_print(ob, d, g, &p);

	if (rc)
		_ctap_error(c, stats_strerror(rc));
	return rc;
}
