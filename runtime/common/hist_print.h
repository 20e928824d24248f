/*
 * hist_print: the ASCII bar chart of print(@hist_log(v)) and
 * print(@hist_linear(v, START, STOP, INTERVAL)) (output-formats.md §5).
 *
 * Both runtimes merge the per-CPU accumulators first (stats_agg_init /
 * stats_agg_add with a bucket array) and then call hist_print() into an
 * outbuf: the kernel runtime into its print buffer (give the outbuf a
 * flush hook: a 128-row histogram is about 9 KB), BPF user space into its
 * output buffer, sprint(@hist…) into an outbuf_init_string buffer.
 * print and println (sprint and sprintln) of a histogram produce exactly
 * this text: println adds no newline of its own here.
 */
#ifndef CTAP_COMMON_HIST_PRINT_H
#define CTAP_COMMON_HIST_PRINT_H

#include "common/outbuf.h"
#include "common/stats.h"

#define HIST_WIDTH_DEFAULT 50
#define HIST_ELISION_DEFAULT 2
#define HIST_WIDTH_MAX (1 << 20)	/* larger HIST_WIDTH values act as this */

/* The -D HIST_WIDTH / -D HIST_ELISION values of the session. */
struct hist_params {
	int64_t width;		/* bar columns, clamped to 1..HIST_WIDTH_MAX */
	int64_t elision;	/* < 0: elide nothing; 0: every empty row */
};

/*
 * Prints the histogram of g (merged with a bucket array) as described by
 * d.  Returns STATS_E_EMPTY ("empty aggregate", nothing printed) if g has
 * no samples, else STATS_OK; a descriptor without buckets (an invalid
 * @hist_linear, already warned about) prints nothing.
 */
int hist_print(struct outbuf *ob, const struct stats_desc *d,
	       const struct stats_agg *g, const struct hist_params *p);

#endif
