/*
 * hist_print: histogram bar charts (see hist_print.h).
 * Input: merged bucket counts, the variable's descriptor, HIST_WIDTH and
 * HIST_ELISION.  Output: the chart text, byte for byte as
 * output-formats.md §5 specifies (the numbered steps below are its steps).
 * Invariants: no allocation; every bucket index used is within
 * [0, nbuckets); all label arithmetic wraps in unsigned 64-bit.
 */
#include "common/hist_print.h"
#include "common/format.h"

/* Characters of v in decimal, counting a leading '-' (digits(0) = 1). */
static uint32_t hist_digits(int64_t v)
{
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	uint32_t n = v < 0 ? 1 : 0;

	do {
		n++;
		m = compat_udiv64(m, 10);
	} while (m);
	return n;
}

static uint32_t hist_max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* Row label of log bucket i: 0, ±2^(k-1). */
static int64_t hist_log_label(uint32_t i)
{
	if (i == STATS_LOG_ZERO)
		return 0;
	if (i > STATS_LOG_ZERO)
		return (int64_t)((uint64_t)1 << (i - STATS_LOG_ZERO - 1));
	return (int64_t)(0 - ((uint64_t)1 << (STATS_LOG_ZERO - i - 1)));
}

/* START + k*INTERVAL, wrapping. */
static int64_t hist_linear_at(const struct stats_desc *d, int64_t k)
{
	return (int64_t)((uint64_t)d->start + (uint64_t)k * (uint64_t)d->interval);
}

/* Step 8's label: the value and its '<' / '>' prefix (0 for none). */
static int64_t hist_label(const struct stats_desc *d, uint32_t i, char *prefix)
{
	*prefix = 0;
	if (d->hist == STATS_HIST_LOG)
		return hist_log_label(i);
	if (i == 0) {
		*prefix = '<';
		return d->start;
	}
	if (i == d->nbuckets - 1) {
		*prefix = '>';
		return hist_linear_at(d, (int64_t)i - 2);
	}
	return hist_linear_at(d, (int64_t)i - 1);
}

/* v right-aligned in a field of `width` characters, after an optional prefix. */
static void hist_put_right(struct outbuf *ob, uint32_t width, char prefix, int64_t v)
{
	uint32_t used = hist_digits(v) + (prefix ? 1 : 0);

	if (width > used)
		outbuf_fill(ob, ' ', width - used);
	if (prefix)
		outbuf_putc(ob, prefix);
	format_long(ob, v);
}

/* Whether every bucket within `e` of i, inside [low, high], is empty. */
static int hist_elided(const int64_t *h, int64_t i, int64_t low, int64_t high, int64_t e)
{
	int64_t k, from, to;

	if (e < 0)
		return 0;
	from = e >= i - low ? low : i - e;
	to = e >= high - i ? high : i + e;
	for (k = from; k <= to; k++)
		if (h[k] != 0)
			return 0;
	return 1;
}

struct hist_range {
	int64_t low, high;
	int under, over;
	uint64_t valmax;
};

/* Steps 1-3: the rows to print. */
static void hist_find_range(const struct stats_desc *d, const int64_t *h,
			    uint32_t nb, struct hist_range *r)
{
	int log = d->hist == STATS_HIST_LOG;
	uint32_t i;
	int step;

	r->low = -1;
	r->high = 0;
	r->valmax = 0;
	for (i = 0; i < nb; i++) {
		if (h[i] <= 0)
			continue;
		if (r->low < 0)
			r->low = i;
		r->high = i;
		if ((uint64_t)h[i] > r->valmax)
			r->valmax = (uint64_t)h[i];
	}
	if (r->low < 0)
		r->low = 0;
	for (step = 0; step < 2; step++) {
		if (r->low > 0 && !(log && r->low == STATS_LOG_ZERO))
			r->low--;
		if (r->high < (int64_t)nb - 1)
			r->high++;
	}
	r->under = r->over = 0;
	if (log)
		return;
	if (r->low == 0 && h[0] == 0)
		r->low = 1;
	if (r->high == (int64_t)nb - 1 && h[nb - 1] == 0)
		r->high = nb - 2;
	r->under = r->low == 0;
	r->over = r->high == (int64_t)nb - 1;
}

/* Step 6: width of the value column. */
static uint32_t hist_val_space(const struct stats_desc *d, const struct hist_range *r)
{
	uint32_t w;

	if (d->hist == STATS_HIST_LOG)
		w = hist_max_u32(hist_digits(hist_log_label((uint32_t)r->high)),
				 hist_digits(hist_log_label((uint32_t)r->low)));
	else
		w = hist_max_u32(hist_digits(d->start) + r->under,
				 hist_digits(hist_linear_at(d, r->high)) + r->over);
	return hist_max_u32(w, 5);
}

int hist_print(struct outbuf *ob, const struct stats_desc *d,
	       const struct stats_agg *g, const struct hist_params *p)
{
	const int64_t *h = g->buckets;
	uint32_t nb = g->nbuckets, val_space, cnt_space;
	uint64_t width, scale;
	struct hist_range r;
	int64_t i;
	int skipped = 0;

	if (g->count == 0)
		return STATS_E_EMPTY;
	if (!h || nb < 3 || nb != d->nbuckets || d->hist == STATS_HIST_NONE)
		return STATS_OK;

	width = p->width < 1 ? 1 : p->width > HIST_WIDTH_MAX ? HIST_WIDTH_MAX
							     : (uint64_t)p->width;
	hist_find_range(d, h, nb, &r);
	scale = r.valmax <= width ? 1 : compat_udiv64(r.valmax - 1, width) + 1;
	cnt_space = hist_digits((int64_t)r.valmax);
	val_space = hist_val_space(d, &r);

	outbuf_fill(ob, ' ', val_space - 5);
	outbuf_puts(ob, "value |");
	outbuf_fill(ob, '-', (uint32_t)width);
	outbuf_puts(ob, " count\n");

	for (i = r.low; i <= r.high; i++) {
		uint64_t bars;
		int64_t label;
		char prefix;

		if (hist_elided(h, i, r.low, r.high, p->elision)) {
			skipped = 1;
			continue;
		}
		if (skipped) {
			outbuf_fill(ob, ' ', val_space);
			outbuf_puts(ob, " ~\n");
			skipped = 0;
		}
		label = hist_label(d, (uint32_t)i, &prefix);
		hist_put_right(ob, val_space, prefix, label);
		outbuf_puts(ob, " |");
		bars = compat_udiv64((uint64_t)h[i], scale);
		outbuf_fill(ob, '@', (uint32_t)bars);
		hist_put_right(ob, (uint32_t)(width - bars + 1 + cnt_space), 0, h[i]);
		outbuf_putc(ob, '\n');
	}
	outbuf_putc(ob, '\n');
	return STATS_OK;
}
