/*
 * kcompat: the few kernel interfaces that changed name or shape across the
 * kernels we build for (6.1 is the reference; newer ones are covered where
 * the change is known).  Every other runtime file calls the names defined
 * here, never a version test of its own.
 */
#ifndef CTAP_KMOD_KCOMPAT_H
#define CTAP_KMOD_KCOMPAT_H

#include <linux/version.h>
#include <linux/hrtimer.h>
#include <linux/timer.h>

/* hrtimer_setup() replaced hrtimer_init() + ->function in 6.13. */
static inline void _ctap_hrtimer_setup(struct hrtimer *t,
				       enum hrtimer_restart (*fn)(struct hrtimer *))
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
#else
	hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	t->function = fn;
#endif
}

/* from_timer() became timer_container_of() in 6.16. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define _ctap_timer_container(var, t, field) timer_container_of(var, t, field)
#else
#define _ctap_timer_container(var, t, field) from_timer(var, t, field)
#endif

#endif
