/* timer: the data of timer.* derived probes (probes.md §2.2). */
#ifndef CTAP_PROBES_TIMER_H
#define CTAP_PROBES_TIMER_H

#include <stdint.h>

#include "elab/family.h"

enum timer_kind {
	TIMER_HRTIMER,   /* s/ms/us/ns and hz: period in nanoseconds */
	TIMER_JIFFIES,   /* jiffies: period in jiffies */
};

struct timer_data {
	enum timer_kind kind;
	int64_t period_ns;       /* TIMER_HRTIMER */
	int64_t randomize_ns;    /* +/- this much, uniformly */
	int64_t jiffies;         /* TIMER_JIFFIES */
	int64_t randomize_jiffies;
};

extern const struct probe_family timer_family;
/* timer.profile.tick: every tick on every CPU; its probes have no data */
extern const struct probe_family timer_profile_family;

#endif
