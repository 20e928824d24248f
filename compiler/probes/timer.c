/*
 * timer: timer.{s,sec,ms,msec,us,usec,ns,nsec}(N)[.randomize(M)],
 * timer.jiffies(N)[.randomize(M)], timer.hz(N), timer.profile.tick
 * (probes.md §2.2).
 *
 * Interval timers must lie in [100 us, 1 day] once converted; the error
 * gives the bounds in the probe's own unit, as SystemTap does.
 */
#include "probes/timer.h"

#include <string.h>

#include "elab/elab.h"
#include "util/arena.h"

static const char *const patterns[] = {
	"timer.s(number)", "timer.s(number).randomize(number)",
	"timer.sec(number)", "timer.sec(number).randomize(number)",
	"timer.ms(number)", "timer.ms(number).randomize(number)",
	"timer.msec(number)", "timer.msec(number).randomize(number)",
	"timer.us(number)", "timer.us(number).randomize(number)",
	"timer.usec(number)", "timer.usec(number).randomize(number)",
	"timer.ns(number)", "timer.ns(number).randomize(number)",
	"timer.nsec(number)", "timer.nsec(number).randomize(number)",
	"timer.jiffies(number)", "timer.jiffies(number).randomize(number)",
	"timer.hz(number)",
	"timer.profile.tick",
	NULL,
};

#define NS_PER_S 1000000000LL
#define MIN_PERIOD_NS 100000LL           /* 100 us */
#define MAX_PERIOD_NS (86400LL * NS_PER_S) /* one day */
#define MAX_JIFFIES 1000000LL

static int64_t unit_ns(const char *unit)
{
	if (!strcmp(unit, "s") || !strcmp(unit, "sec"))
		return NS_PER_S;
	if (!strcmp(unit, "ms") || !strcmp(unit, "msec"))
		return 1000000;
	if (!strcmp(unit, "us") || !strcmp(unit, "usec"))
		return 1000;
	return 1;
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	const char *unit = m->functors[1];
	struct timer_data *d = arena_new_obj(E->arena, struct timer_data);

	if (!strcmp(unit, "profile")) {
		d->kind = TIMER_PROFILE;
	} else if (!strcmp(unit, "hz")) {
		int64_t hz = m->args[1]->u.num;
		if (hz <= 0) {
			elab_point_error(E, m, NULL, "frequency must be greater than 0");
			return -1;
		}
		if (hz > NS_PER_S / MIN_PERIOD_NS) {
			elab_point_error(E, m, NULL, "frequency must be at most %lld",
					 NS_PER_S / MIN_PERIOD_NS);
			return -1;
		}
		d->kind = TIMER_HRTIMER;
		d->period_ns = (NS_PER_S + hz - 1) / hz;
	} else if (!strcmp(unit, "jiffies")) {
		int64_t n = m->args[1]->u.num;
		int64_t r = pp_match_num(m, "randomize", 0);
		if (n < 1 || n > MAX_JIFFIES) {
			elab_point_error(E, m, NULL, "interval value out of range (1, %lld)", MAX_JIFFIES);
			return -1;
		}
		if (r < 0 || r > n) {
			elab_point_error(E, m, NULL, "randomization value out of range (0, %lld)",
					 (long long)n);
			return -1;
		}
		d->kind = TIMER_JIFFIES;
		d->jiffies = n;
		d->randomize_jiffies = r;
	} else {
		int64_t per = unit_ns(unit);
		int64_t n = m->args[1]->u.num;
		int64_t low = (MIN_PERIOD_NS + per - 1) / per, high = MAX_PERIOD_NS / per;
		if (low < 1)
			low = 1;
		if (n < low || n > high) {
			elab_point_error(E, m, NULL, "interval value out of range (%lld, %lld)",
					 (long long)low, (long long)high);
			return -1;
		}
		int64_t r = pp_match_num(m, "randomize", 0);
		if (r < 0 || r > n) {
			elab_point_error(E, m, NULL, "randomization value out of range (0, %lld)",
					 (long long)n);
			return -1;
		}
		d->kind = TIMER_HRTIMER;
		d->period_ns = n * per;
		d->randomize_ns = r * per;
	}

	struct expr *args[PP_MAX_COMPS] = { 0 };
	for (unsigned i = 0; i < m->ncomps; i++)
		args[i] = m->args[i] ? ast_expr_copy(E->arena, m->args[i]) : NULL;
	struct probe_point *pp = elab_make_point(E, m->point, m->ncomps, m->functors, args);
	elab_add_probe(ctx, &timer_family, pp, d);
	return 1;
}

const struct probe_family timer_family = {
	.name = "timer",
	.patterns = patterns,
	.build = build,
	.unprivileged = true,
};
