/*
 * wallclock: the realtime clock for kernel-side handlers.
 *
 * BPF programs have no helper for CLOCK_REALTIME on every kernel
 * (bpf_ktime_get_tai_ns is TAI, not UTC, and is 6.1+), so gettimeofday_*
 * in a kernel-side handler is bpf_ktime_get_boot_ns() plus the offset
 * CLOCK_REALTIME - CLOCK_BOOTTIME that this module keeps in the globals
 * map's header (rt_head.wall, read by compiler/bpf/lower_builtin.c).
 *
 * The offset moves when the clock is set (settimeofday, NTP steps) and
 * drifts when NTP slews it, so the session loop refreshes it once a
 * second and at once when the realtime clock is set (a CLOCK_REALTIME
 * timerfd with TFD_TIMER_CANCEL_ON_SET reports ECANCELED then).
 *
 * Lifetime: wallclock_start() after the globals are initialised (they
 * share the map value), wallclock_stop() on every exit path.
 */
#ifndef CTAP_BPF_WALLCLOCK_H
#define CTAP_BPF_WALLCLOCK_H

#include <stdint.h>

struct loop;

/* CLOCK_REALTIME - CLOCK_BOOTTIME in ns, sampled so that the two reads
 * are as close together as three tries allow. */
int64_t wallclock_offset_ns(void);

/* The refresher: owned by the session (run.c), which must keep it alive
 * while the loop runs. */
struct wallclock {
	uint64_t *slot;
	int fd;
};

/* Stores the offset in *slot now and keeps it fresh from the loop.
 * Returns 0, or -errno when the refresh timer could not be added (the
 * offset is stored anyway, only not refreshed; w->fd is then -1). */
int wallclock_start(struct wallclock *w, struct loop *lp, uint64_t *slot);
void wallclock_stop(struct wallclock *w);

#endif
