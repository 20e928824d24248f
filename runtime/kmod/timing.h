/*
 * timing: `stap -t` (the module is built with -DSTP_TIMING): per-probe hit
 * counts and handler cycles, reported at the end of the session as the
 * "probe hit report" on the output, plus lock contention counts and the
 * breakdown of skipped hits as warnings (output-formats.md §8.4).
 *
 * Without STP_TIMING every call here compiles to nothing.
 */
#ifndef CTAP_KMOD_TIMING_H
#define CTAP_KMOD_TIMING_H

#include <linux/types.h>

struct _ctap_probe;

#ifdef STP_TIMING
int _ctap_timing_alloc(unsigned int nprobes);
void _ctap_timing_free(void);
/* One hit of p that spent `cycles` in the runner (this CPU, preemption off). */
void _ctap_timing_hit(const struct _ctap_probe *p, u64 cycles);
/* The probe hit report on the output; process context, after the end
 * probes. */
void _ctap_timing_report(void);
/* Why hits were skipped, as warnings (after "Number of errors"). */
void _ctap_timing_skips(void);
#else
static inline int _ctap_timing_alloc(unsigned int nprobes)
{
	return 0;
}

static inline void _ctap_timing_free(void)
{
}

static inline void _ctap_timing_hit(const struct _ctap_probe *p, u64 cycles)
{
}

static inline void _ctap_timing_report(void)
{
}

static inline void _ctap_timing_skips(void)
{
}
#endif

#endif
