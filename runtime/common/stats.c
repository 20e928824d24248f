/*
 * stats: accumulators, merge, extractors, bucket mapping (see stats.h).
 * Input: samples (probe context) and per-CPU accumulators (readers).
 * Output: extractor values, bucket counts, @hist_linear validation.
 *
 * The @variance algorithm is language.md §10's, to the bit:
 *   per CPU, sample v, n = count after the increment, s = SHIFT:
 *     n == 1: avg_s = v<<s, m2 = 0
 *     else:   d = (v<<s) - avg_s; avg_s += d/n; m2 += d*((v<<s) - avg_s)
 *     var_s = m2/(n-1)
 *   extraction: N = Σn_i, A = (Σsum_i << s)/N,
 *     S1 = Σ n_i (avg_s_i - A)², S2 = Σ (n_i-1) var_s_i,
 *     result = ((S1+S2)/(N-1)) >> 2s          (x/0 = 0)
 * All of it is 64-bit two's-complement arithmetic.  S1 needs A, which is
 * only known once every CPU has been seen; instead of a second pass we
 * keep Σn_i·a_i and Σn_i·a_i² and expand
 *     S1 = Σn_i a_i² - 2A Σn_i a_i + A² N
 * which is an identity in the ring of integers modulo 2^64, so the result
 * is bit-identical to the two-pass form even when the sums wrap (the
 * unit test checks this against a literal two-pass reference).
 *
 * 2s can exceed 63 (SHIFT up to 62): the shift count is taken modulo 64,
 * as the x86 shift instruction SystemTap's compiled C ends up using does.
 */
#include "common/stats.h"

/* Wrapping arithmetic on int64 values, without signed-overflow UB. */
static inline int64_t stats_wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t stats_wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static inline int64_t stats_wmul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static inline int64_t stats_wshl(int64_t a, uint32_t s)
{
	return (int64_t)((uint64_t)a << (s & 63));
}

/* Arithmetic shift right; gcc and clang shift signed values arithmetically. */
static inline int64_t stats_sar(int64_t a, uint32_t s)
{
	return a >> (s & 63);
}

static uint32_t stats_bitlength(uint64_t x)
{
	return x ? 64 - (uint32_t)__builtin_clzll(x) : 0;
}

uint32_t stats_log_bucket(int64_t v)
{
	if (v == 0)
		return STATS_LOG_ZERO;
	if (v > 0)
		return STATS_LOG_ZERO + stats_bitlength((uint64_t)v);
	/* |INT64_MIN| = 2^63 has bit length 64: bucket 0 */
	return STATS_LOG_ZERO - stats_bitlength(0 - (uint64_t)v);
}

uint32_t stats_linear_bucket(const struct stats_desc *d, int64_t v)
{
	uint64_t diff, q, interior = d->nbuckets - 2;

	if (d->nbuckets < 3 || v < d->start)
		return 0;
	/* v >= start, so the difference is exact in 64 unsigned bits */
	diff = (uint64_t)v - (uint64_t)d->start;
	if (d->interval > 0) {
		q = compat_udiv64(diff, (uint64_t)d->interval);
	} else {
		/*
		 * A negative interval (STOP < START) passes SystemTap's count
		 * check; values at or above START then count as overflow,
		 * except those within one interval of it.
		 */
		q = diff < 0 - (uint64_t)d->interval ? 0 : interior;
	}
	return q < interior ? (uint32_t)q + 1 : d->nbuckets - 1;
}

uint32_t stats_linear_buckets(int64_t start, int64_t stop, int64_t interval,
			      uint32_t max_buckets, enum stats_linear_check *why)
{
	int64_t diff, n;

	*why = STATS_LINEAR_OK;
	if (interval == 0) {
		*why = STATS_LINEAR_ZERO_INTERVAL;
		return 0;
	}
	if (__builtin_sub_overflow(stop, start, &diff)) {
		*why = STATS_LINEAR_BAD_COUNT;
		return 0;
	}
	n = compat_sdiv64(diff, interval);
	if (n < 0 || n > (int64_t)max_buckets - 3) {
		*why = STATS_LINEAR_BAD_COUNT;
		return 0;
	}
	return (uint32_t)n + 3;
}

static void stats_put_uint(struct outbuf *ob, uint32_t v)
{
	char d[10];
	uint32_t n = 0;

	do {
		d[sizeof d - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	outbuf_put(ob, d + sizeof d - n, n);
}

void stats_linear_warning(struct outbuf *ob, enum stats_linear_check why,
			  uint32_t max_buckets)
{
	if (why == STATS_LINEAR_ZERO_INTERVAL) {
		outbuf_puts(ob, "histogram: interval cannot be zero.");
	} else if (why == STATS_LINEAR_BAD_COUNT) {
		outbuf_puts(ob, "histogram: Number of buckets must be between 1 and ");
		stats_put_uint(ob, max_buckets >= 2 ? max_buckets - 2 : 0);
		outbuf_puts(ob, "\nNumber_of_buckets = (stop - start) / interval.\n"
			    "Please adjust your start, stop, and interval values.");
	}
}

enum stats_linear_check stats_desc_init(struct stats_desc *d, enum stats_hist hist,
					int64_t start, int64_t stop, int64_t interval,
					uint32_t shift, unsigned want,
					uint32_t max_buckets)
{
	enum stats_linear_check why = STATS_LINEAR_OK;

	d->hist = hist;
	d->start = start;
	d->stop = stop;
	d->interval = interval;
	d->shift = shift > STATS_MAX_SHIFT ? STATS_MAX_SHIFT : shift;
	d->want = want;
	d->nbuckets = 0;
	if (hist == STATS_HIST_LOG)
		d->nbuckets = STATS_LOG_BUCKETS;
	else if (hist == STATS_HIST_LINEAR)
		d->nbuckets = stats_linear_buckets(start, stop, interval, max_buckets, &why);
	return why;
}

void stats_acc_clear(const struct stats_desc *d, struct stats_acc *a)
{
	memset(a, 0, stats_acc_size(d));
}

static void stats_add_variance(const struct stats_desc *d, struct stats_acc *a,
			       int64_t v)
{
	int64_t vs = stats_wshl(v, d->shift);
	int64_t delta;

	if (a->count == 1) {
		a->avg_s = vs;
		a->m2 = 0;
		return;
	}
	delta = stats_wsub(vs, a->avg_s);
	a->avg_s = stats_wadd(a->avg_s, compat_sdiv64(delta, a->count));
	a->m2 = stats_wadd(a->m2, stats_wmul(delta, stats_wsub(vs, a->avg_s)));
}

void stats_add(const struct stats_desc *d, struct stats_acc *a, int64_t v)
{
	a->count = stats_wadd(a->count, 1);
	a->sum = stats_wadd(a->sum, v);
	if (a->count == 1 || v < a->min)
		a->min = v;
	if (a->count == 1 || v > a->max)
		a->max = v;
	if (d->want & STATS_WANT_VARIANCE)
		stats_add_variance(d, a, v);
	if (d->nbuckets) {
		uint32_t b = d->hist == STATS_HIST_LOG ? stats_log_bucket(v)
						       : stats_linear_bucket(d, v);
		a->buckets[b] = stats_wadd(a->buckets[b], 1);
	}
}

void stats_agg_init(const struct stats_desc *d, struct stats_agg *g, int64_t *buckets)
{
	g->count = g->sum = g->min = g->max = 0;
	g->na = g->na2 = g->s2 = 0;
	g->buckets = buckets;
	g->nbuckets = buckets ? d->nbuckets : 0;
	if (buckets)
		memset(buckets, 0, d->nbuckets * sizeof(int64_t));
}

void stats_agg_add(const struct stats_desc *d, struct stats_agg *g,
		   const struct stats_acc *a)
{
	uint64_t n = (uint64_t)a->count, av = (uint64_t)a->avg_s;
	uint32_t i;

	if (a->count <= 0)
		return;
	if (g->count == 0 || a->min < g->min)
		g->min = a->min;
	if (g->count == 0 || a->max > g->max)
		g->max = a->max;
	g->count = stats_wadd(g->count, a->count);
	g->sum = stats_wadd(g->sum, a->sum);
	g->na += n * av;
	g->na2 += n * av * av;
	/* (n_i - 1) * var_s_i with var_s_i = m2 / (n_i - 1) */
	g->s2 += (n - 1) * (uint64_t)compat_sdiv64(a->m2, a->count - 1);
	for (i = 0; i < g->nbuckets; i++)
		g->buckets[i] = stats_wadd(g->buckets[i], a->buckets[i]);
}

int64_t stats_count(const struct stats_agg *g)
{
	return g->count;
}

int64_t stats_sum(const struct stats_agg *g)
{
	return g->sum;
}

int stats_min(const struct stats_agg *g, int64_t *out)
{
	if (g->count == 0)
		return STATS_E_EMPTY;
	*out = g->min;
	return STATS_OK;
}

int stats_max(const struct stats_agg *g, int64_t *out)
{
	if (g->count == 0)
		return STATS_E_EMPTY;
	*out = g->max;
	return STATS_OK;
}

int stats_avg(const struct stats_agg *g, int64_t *out)
{
	if (g->count == 0)
		return STATS_E_EMPTY;
	*out = compat_sdiv64(g->sum, g->count);
	return STATS_OK;
}

int stats_variance(const struct stats_desc *d, const struct stats_agg *g, int64_t *out)
{
	uint64_t n = (uint64_t)g->count, a, s1;
	uint32_t s = d->shift;

	if (g->count == 0)
		return STATS_E_EMPTY;
	a = (uint64_t)compat_sdiv64(stats_wshl(g->sum, s), g->count);
	s1 = g->na2 - 2 * a * g->na + a * a * n;
	*out = stats_sar(compat_sdiv64((int64_t)(s1 + g->s2), g->count - 1), 2 * s);
	return STATS_OK;
}

int stats_hist_get(const struct stats_agg *g, int64_t i, int64_t *out)
{
	if (g->count == 0)
		return STATS_E_EMPTY;
	if (!g->buckets || i < 0 || i >= (int64_t)g->nbuckets)
		return STATS_E_INDEX;
	*out = g->buckets[i];
	return STATS_OK;
}

const char *stats_strerror(int status)
{
	switch (status) {
	case STATS_E_EMPTY: return "empty aggregate";
	case STATS_E_INDEX: return "histogram index out of range";
	default: return "";
	}
}
