/*
 * stat: scalar statistics globals (`s <<< v`, @count(s), @hist_log(s)...,
 * language.md §10) on top of the shared accumulator maths in
 * runtime/common/stats.h.
 *
 * Each CPU accumulates into its own struct stats_acc (per-CPU memory
 * allocated at load), so `<<<` needs only the global's read lock and
 * never contends.  Reading merges every CPU's accumulator into s->agg,
 * which needs the write lock (the merge result is shared).
 *
 * Generated code declares
 *
 *   static struct _ctap_stat g_s = {
 *           .name = "s",
 *           .decl = { .hist = STATS_HIST_LINEAR, .start = 0, .stop = 100,
 *                     .interval = 10, .shift = 0, .want = STATS_WANT_VARIANCE },
 *   };
 *
 * and lists it in _ctap_module.stats.  A bad @hist_linear declaration
 * warns at load (`histogram: interval cannot be zero.`) and keeps no
 * histogram, as SystemTap does.
 */
#ifndef CTAP_KMOD_STAT_H
#define CTAP_KMOD_STAT_H

#include <linux/percpu.h>
#include "common/stats.h"
#include "kmod/map.h"

struct _ctap_context;

/* What the translator knows about a statistics variable. */
struct _ctap_stat_decl {
	enum stats_hist hist;
	int64_t start, stop, interval;	/* @hist_linear parameters */
	u32 shift;			/* @variance SHIFT */
	unsigned int want;		/* enum stats_want bits */
};

struct _ctap_stat {
	const char *name;
	struct _ctap_stat_decl decl;
	/* runtime */
	struct stats_desc desc;
	struct stats_acc __percpu *acc;
	struct _ctap_map_agg *agg;	/* merge result, with nbuckets buckets */
};

/* Fills d from decl, warning once about bad histogram parameters. */
void _ctap_stat_desc_init(struct stats_desc *d, const struct _ctap_stat_decl *decl);

int _ctap_stat_alloc(struct _ctap_stat *s);
void _ctap_stat_free(struct _ctap_stat *s);

/* s <<< v (read lock). */
static inline void _ctap_stat_add(struct _ctap_stat *s, int64_t v)
{
	stats_add(&s->desc, this_cpu_ptr(s->acc), v);
}

/* The merge over all CPUs (write lock); valid until the next call. */
const struct stats_agg *_ctap_stat_get(struct _ctap_stat *s);

/* delete s (write lock). */
void _ctap_stat_clear(struct _ctap_stat *s);

/*
 * @count/@sum/@min/@max/@avg/@variance of a merge.  Raises `empty
 * aggregate` in c (returning 0) where the extractor is undefined.
 */
int64_t _ctap_stat_extract(struct _ctap_context *c, const struct stats_desc *d,
			   const struct stats_agg *g, enum _ctap_stat_op op);

/* The same without raising: 0 and *out = 0 on an empty aggregate. */
int _ctap_stat_value(const struct stats_desc *d, const struct stats_agg *g,
		     enum _ctap_stat_op op, int64_t *out);

/* print(@hist_xxx(s)) into ob; raises `empty aggregate` (and prints
 * nothing) if there are no samples. */
int _ctap_hist_print(struct _ctap_context *c, struct outbuf *ob,
		     const struct stats_desc *d, const struct stats_agg *g);

/* @hist_xxx(s)[i] with its run-time errors. */
int64_t _ctap_stat_bucket(struct _ctap_context *c, const struct stats_agg *g, int64_t i);

#endif
