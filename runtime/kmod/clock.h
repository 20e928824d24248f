/*
 * clock: time sources for the time tapset (gettimeofday_*, local_clock_*,
 * get_cycles, jiffies).
 *
 * Only the NMI-safe "fast" timekeeping accessors are used: a probe may
 * fire inside the timekeeping code itself (with its sequence counter held
 * for writing), where ktime_get_real() would spin forever on this CPU.
 */
#ifndef CTAP_KMOD_CLOCK_H
#define CTAP_KMOD_CLOCK_H

#include <linux/timekeeping.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/timex.h>

/* Wall clock, ns since the epoch. */
static inline int64_t _ctap_time_ns(void)
{
	return ktime_get_real_fast_ns();
}

static inline int64_t _ctap_time_us(void)
{
	return div_s64(_ctap_time_ns(), NSEC_PER_USEC);
}

static inline int64_t _ctap_time_ms(void)
{
	return div_s64(_ctap_time_ns(), NSEC_PER_MSEC);
}

static inline int64_t _ctap_time_s(void)
{
	return div_s64(_ctap_time_ns(), NSEC_PER_SEC);
}

/* Monotonic, ns since boot (not counting suspend). */
static inline int64_t _ctap_monotonic_ns(void)
{
	return ktime_get_mono_fast_ns();
}

static inline int64_t _ctap_cycles(void)
{
	return (int64_t)get_cycles();
}

static inline int64_t _ctap_jiffies(void)
{
	return (int64_t)get_jiffies_64();
}

#endif
