/*
 * stats: the statistics (`<<<`) accumulators, their per-CPU merge, the
 * extractors and histogram bucket arithmetic (language.md §10,
 * output-formats.md §5 "Bucket mapping").
 *
 * Shapes and ownership:
 *   struct stats_desc  one per statistics variable (or array), immutable,
 *                      filled from what the compiler knows: histogram kind
 *                      and parameters, @variance SHIFT, what to maintain.
 *   struct stats_acc   one per CPU per variable/element; the storage is the
 *                      runtime's (kernel: per-CPU memory allocated at module
 *                      init; BPF: a per-CPU map value).  Its size depends
 *                      on the bucket count: stats_acc_size().
 *   struct stats_agg   the merged view a reader builds on its own stack
 *                      (plus a caller-provided bucket array of nbuckets).
 *
 * Calls:
 *   probe context      stats_add(desc, acc, v)           (x <<< v)
 *   reader             stats_agg_init(); stats_agg_add() for every CPU's
 *                      acc; then stats_count/sum/min/max/avg/variance,
 *                      stats_hist_get() or hist_print()
 *   module init        stats_linear_buckets() to validate @hist_linear
 *                      parameters (the warning text: stats_linear_warning)
 *
 * All arithmetic is 64-bit integer with wrap-around (done in unsigned
 * types, so no C undefined behaviour); divisions go through compat.h.
 * Errors are enum stats_status values; stats_strerror() gives the
 * run-time message (`empty aggregate`, `histogram index out of range`).
 */
#ifndef CTAP_COMMON_STATS_H
#define CTAP_COMMON_STATS_H

#include "common/compat.h"
#include "common/outbuf.h"

#define STATS_LOG_BUCKETS 128	/* @hist_log: bucket 64 holds 0 */
#define STATS_LOG_ZERO 64
#define STATS_MAX_BUCKETS_DEFAULT 128	/* STP_MAX_BUCKETS */
#define STATS_MAX_SHIFT 62

enum stats_hist {
	STATS_HIST_NONE,
	STATS_HIST_LOG,
	STATS_HIST_LINEAR,
};

enum stats_want {
	STATS_WANT_VARIANCE = 1,	/* maintain avg_s/m2 (costs a division) */
};

struct stats_desc {
	enum stats_hist hist;
	uint32_t nbuckets;	/* 0 (none or invalid linear), 128, or linear B */
	int64_t start, stop, interval;	/* @hist_linear parameters */
	uint32_t shift;		/* @variance SHIFT, 0..62 */
	unsigned want;		/* enum stats_want bits */
};

/* Per-CPU accumulator.  Zero-filled memory is a valid empty accumulator. */
struct stats_acc {
	int64_t count, sum, min, max;
	int64_t avg_s;		/* running mean << shift (valid if count > 0) */
	int64_t m2;		/* running sum of squared deviations */
	int64_t buckets[];	/* desc->nbuckets counts */
};

/* Merged view over all CPUs. */
struct stats_agg {
	int64_t count, sum, min, max;
	/* @variance partial sums, see stats.c */
	uint64_t na, na2, s2;
	int64_t *buckets;	/* caller's array of nbuckets, or NULL */
	uint32_t nbuckets;
};

enum stats_status {
	STATS_OK = 0,
	STATS_E_EMPTY = -1,	/* "empty aggregate" */
	STATS_E_INDEX = -2,	/* "histogram index out of range" */
};

enum stats_linear_check {
	STATS_LINEAR_OK = 0,
	STATS_LINEAR_ZERO_INTERVAL,	/* interval cannot be zero */
	STATS_LINEAR_BAD_COUNT,	/* bucket count outside 3..max_buckets */
};

/* Bytes of one accumulator with desc->nbuckets buckets. */
static inline uint32_t stats_acc_size(const struct stats_desc *d)
{
	return (uint32_t)(sizeof(struct stats_acc) + d->nbuckets * sizeof(int64_t));
}

/*
 * Fills a descriptor.  hist = STATS_HIST_LINEAR validates the parameters;
 * on failure nbuckets is 0 (no histogram) and the reason is returned so
 * the runtime can warn once (stats_linear_warning).
 */
enum stats_linear_check stats_desc_init(struct stats_desc *d, enum stats_hist hist,
					int64_t start, int64_t stop, int64_t interval,
					uint32_t shift, unsigned want,
					uint32_t max_buckets);

/*
 * @hist_linear bucket count: (stop-start)/interval + 3 if interval != 0
 * and the count is within 3..max_buckets (STP_MAX_BUCKETS), else 0 with
 * *why set.
 */
uint32_t stats_linear_buckets(int64_t start, int64_t stop, int64_t interval,
			      uint32_t max_buckets, enum stats_linear_check *why);

/*
 * The warning text for a failed check (no "WARNING: " prefix, no final
 * newline; multi-line for STATS_LINEAR_BAD_COUNT, naming max_buckets-2).
 */
void stats_linear_warning(struct outbuf *ob, enum stats_linear_check why,
			  uint32_t max_buckets);

/* Bucket of v in @hist_log: 0 → 64, ±2^(k-1)..±(2^k-1) → 64±k. */
uint32_t stats_log_bucket(int64_t v);

/* Bucket of v in @hist_linear (0 = underflow, nbuckets-1 = overflow). */
uint32_t stats_linear_bucket(const struct stats_desc *d, int64_t v);

/* Empties an accumulator (delete; or first use of zeroed memory). */
void stats_acc_clear(const struct stats_desc *d, struct stats_acc *a);

/* x <<< v on this CPU's accumulator. */
void stats_add(const struct stats_desc *d, struct stats_acc *a, int64_t v);

/*
 * Starts a merge; buckets (nbuckets = desc->nbuckets entries, may be NULL
 * if no histogram is read) is zeroed and filled by stats_agg_add.
 */
void stats_agg_init(const struct stats_desc *d, struct stats_agg *g, int64_t *buckets);

/* Adds one CPU's accumulator to the merge (order does not matter). */
void stats_agg_add(const struct stats_desc *d, struct stats_agg *g,
		   const struct stats_acc *a);

/* Extractors.  @count and @sum never fail (0 when empty). */
int64_t stats_count(const struct stats_agg *g);
int64_t stats_sum(const struct stats_agg *g);
int stats_min(const struct stats_agg *g, int64_t *out);
int stats_max(const struct stats_agg *g, int64_t *out);
int stats_avg(const struct stats_agg *g, int64_t *out);
/* @variance(v, SHIFT): the shift must be the descriptor's (one per variable). */
int stats_variance(const struct stats_desc *d, const struct stats_agg *g, int64_t *out);

/* @hist_xxx(v)[i]: empty → STATS_E_EMPTY; i outside 0..B-1 → STATS_E_INDEX. */
int stats_hist_get(const struct stats_agg *g, int64_t i, int64_t *out);

/* "empty aggregate", "histogram index out of range", or "" for STATS_OK. */
const char *stats_strerror(int status);

#endif
