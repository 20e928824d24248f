/*
 * display: the lines of the automatic end-of-session display of globals
 * that were written but never read (output-formats.md §6).
 *
 * Pure line formatting: each back end decides which globals qualify,
 * iterates arrays, sorts elements (by value descending, stats arrays by
 * @count descending: see sort.h) and calls one function per line.  Every
 * function writes one complete line including its "\n".
 *
 *   long scalar      name=%d            (DISPLAY_F_POINTER: name=%#x)
 *   string scalar    name="%s"          (no escaping)
 *   array element    name[K1,K2]=V      (long keys %d, string keys "%s",
 *                                        string values ="%s")
 *   stats            name @count=N @min=N @max=N @sum=N @avg=N
 *                    name @count=0x0    (when empty)
 *   stats element    name[K] @count=N …
 */
#ifndef CTAP_COMMON_DISPLAY_H
#define CTAP_COMMON_DISPLAY_H

#include "common/format.h"
#include "common/outbuf.h"
#include "common/stats.h"

enum display_flag {
	DISPLAY_F_POINTER = 1,	/* a pointer-typed $var value: print %#x */
};

/* name=VALUE for a scalar global. */
void display_scalar(struct outbuf *ob, const char *name, const struct fmt_arg *v,
		    unsigned flags);

/* name[KEYS]=VALUE for one array element. */
void display_elem(struct outbuf *ob, const char *name, const struct fmt_arg *keys,
		  uint32_t nkeys, const struct fmt_arg *v, unsigned flags);

/*
 * The statistics line of a stats scalar (nkeys = 0) or of one element of
 * a stats array; g is the merged aggregate.
 */
void display_stats(struct outbuf *ob, const char *name, const struct fmt_arg *keys,
		   uint32_t nkeys, const struct stats_agg *g);

#endif
