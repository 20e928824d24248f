/*
 * probe_timer: timer.{s,ms,us,ns,hz}(N) on hrtimers and timer.jiffies(N)
 * on timer_lists, each with optional .randomize(M) (probes.md §2.2).
 *
 * One timer per probe (not per CPU): it fires on whichever CPU the timer
 * core picks.  The first expiry is one (randomised) period after arming.
 * The handler runs in the timer's interrupt without registers (pp()-only
 * context, like SystemTap's interval timers).  Disarming sets `armed`
 * false first so that a callback racing with the cancel does not re-arm.
 */
#include <linux/hrtimer.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include "kmod/families.h"
#include "kmod/kcompat.h"
#include "kmod/module.h"
#include "kmod/probe.h"

/* period ± uniform [0, randomize], never below 1. */
static u64 _ctap_timer_next(const struct _ctap_timer *t)
{
	u64 span, r;

	if (!t->randomize)
		return t->period;
	span = 2 * t->randomize + 1;
	r = ((u64)get_random_u32() << 32 | get_random_u32());
	r = t->period - t->randomize + (r % span);
	return (s64)r < 1 ? 1 : r;
}

static enum hrtimer_restart _ctap_hrtimer_fn(struct hrtimer *hr)
{
	struct _ctap_timer *t = container_of(hr, struct _ctap_timer, u.hr);

	if (!READ_ONCE(t->armed))
		return HRTIMER_NORESTART;
	_ctap_probe_run(t->probe, NULL, NULL);
	hrtimer_forward_now(hr, ns_to_ktime(_ctap_timer_next(t)));
	return READ_ONCE(t->armed) ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

static void _ctap_jiffies_fn(struct timer_list *tl)
{
	struct _ctap_timer *t = _ctap_timer_container(t, tl, u.tl);

	if (!READ_ONCE(t->armed))
		return;
	_ctap_probe_run(t->probe, NULL, NULL);
	if (READ_ONCE(t->armed))
		mod_timer(tl, jiffies + _ctap_timer_next(t));
}

int _ctap_timers_register(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.ntimers; i++) {
		struct _ctap_timer *t = &_ctap_module.timers[i];

		WRITE_ONCE(t->armed, true);
		if (t->jiffies) {
			timer_setup(&t->u.tl, _ctap_jiffies_fn, 0);
			mod_timer(&t->u.tl, jiffies + _ctap_timer_next(t));
		} else {
			_ctap_hrtimer_setup(&t->u.hr, _ctap_hrtimer_fn);
			hrtimer_start(&t->u.hr, ns_to_ktime(_ctap_timer_next(t)),
				      HRTIMER_MODE_REL);
		}
	}
	return 0;
}

void _ctap_timers_unregister(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.ntimers; i++) {
		struct _ctap_timer *t = &_ctap_module.timers[i];

		if (!READ_ONCE(t->armed))
			continue;
		WRITE_ONCE(t->armed, false);
		if (t->jiffies)
			timer_delete_sync(&t->u.tl);
		else
			hrtimer_cancel(&t->u.hr);
	}
}
