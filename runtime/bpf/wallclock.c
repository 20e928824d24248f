/*
 * wallclock: keeps CLOCK_REALTIME - CLOCK_BOOTTIME in the globals map for
 * gettimeofday_* in kernel-side handlers (see wallclock.h).
 *
 * The slot is written with one atomic 64-bit store, so a program reading
 * it concurrently sees the old or the new offset, never a torn value.
 */
#include "bpf/wallclock.h"

#include <errno.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bpf/loop.h"

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int64_t wallclock_offset_ns(void)
{
	/* boot, real, boot: the real read is bracketed, and the try with the
	 * narrowest bracket is the one taken (its midpoint is the boot time
	 * of the real read to within half the bracket). */
	int64_t best = 0, width = -1;
	for (int i = 0; i < 3; i++) {
		struct timespec b0, r, b1;
		clock_gettime(CLOCK_BOOTTIME, &b0);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_BOOTTIME, &b1);
		int64_t w = ts_ns(&b1) - ts_ns(&b0);
		if (width < 0 || w < width) {
			width = w;
			best = ts_ns(&r) - (ts_ns(&b0) + w / 2);
		}
	}
	return best;
}

static void store(uint64_t *slot)
{
	__atomic_store_n(slot, (uint64_t)wallclock_offset_ns(), __ATOMIC_RELEASE);
}

/* Armed on CLOCK_REALTIME with TFD_TIMER_CANCEL_ON_SET: fires every second,
 * and a read fails with ECANCELED when the clock was set; either way the
 * offset is measured again (and the timer re-armed after a cancel). */
static int arm(int fd)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct itimerspec its = { .it_interval = { 1, 0 } };
	its.it_value.tv_sec = now.tv_sec + 1;
	its.it_value.tv_nsec = now.tv_nsec;
	return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static void refresh(void *ctx, int fd)
{
	struct wallclock *w = ctx;
	uint64_t n;
	if (read(fd, &n, sizeof(n)) < 0 && errno == ECANCELED)
		arm(fd);
	store(w->slot);
}

int wallclock_start(struct wallclock *w, struct loop *lp, uint64_t *slot)
{
	w->slot = slot;
	w->fd = -1;
	store(slot);
	int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	int rc = arm(fd) < 0 ? -errno : loop_add_fd(lp, fd, refresh, w);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	w->fd = fd;
	return 0;
}

void wallclock_stop(struct wallclock *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
