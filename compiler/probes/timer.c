/*
 * timer: timer.{s,sec,ms,msec,us,usec,ns,nsec}(N)[.randomize(M)],
 * timer.jiffies(N)[.randomize(M)], timer.hz(N) (timer_family), and
 * timer.profile.tick (timer_profile_family: a per-CPU perf event, not a
 * timer, on both back ends) (probes.md §2.2).
 *
 * Interval timers must lie in [100 us, 1 day] once converted; the error
 * gives the bounds in the probe's own unit, as SystemTap does.
 */
#include "probes/timer.h"

#include <string.h>

#include "bpf/family.h"
#include "bpf/interp.h"
#include "diag/diag.h"
#include "session.h"
#include "elab/elab.h"
#include "kmod/kmod.h"
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
	NULL,
};

static const char *const profile_patterns[] = { "timer.profile.tick", NULL };

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

	if (!strcmp(unit, "hz")) {
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

/* timer.profile.tick: every tick on every CPU (no data of its own). */
static int build_profile(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	struct probe_point *pp = elab_make_point(E, m->point, m->ncomps, m->functors,
						 (struct expr *const[PP_MAX_COMPS]){ 0 });
	elab_add_probe(ctx, &timer_profile_family, pp, NULL);
	return 1;
}

/* ------------------------------------------------ kernel-module back end */

static bool kmod_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct timer_data *d = p->dp->family_data;
	if (d->kind == TIMER_HRTIMER && d->period_ns <= 0) {
		kmod_error(K, D_TRANS_PROBE, p->dp->tok, "timer period must be positive");
		return false;
	}
	if (d->kind == TIMER_JIFFIES && d->jiffies <= 0) {
		kmod_error(K, D_TRANS_PROBE, p->dp->tok, "timer period must be positive");
		return false;
	}
	return true;
}

static void kmod_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	const struct timer_data *d = p->dp->family_data;
	switch (d->kind) {
	case TIMER_HRTIMER:
		if (d->randomize_ns)
			kw_line(w, "{ .probe = &probes[%u], .period = %lldULL, .randomize = %lldULL },",
			       p->index, (long long)d->period_ns, (long long)d->randomize_ns);
		else
			kw_line(w, "{ .probe = &probes[%u], .period = %lldULL },", p->index,
			       (long long)d->period_ns);
		break;
	case TIMER_JIFFIES:
		kw_line(w, "{ .probe = &probes[%u], .period = %lld, .randomize = %lld, "
		       ".jiffies = true },", p->index, (long long)d->jiffies,
		       (long long)d->randomize_jiffies);
		break;
	}
}

/* timer.profile: a per-CPU cpu-clock perf event at the tick rate. */
static void kmod_profile_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	kw_line(w, "{ .probe = &probes[%u], .type = PERF_TYPE_SOFTWARE, "
	       ".config = PERF_COUNT_SW_CPU_CLOCK, .sample_period = NSEC_PER_SEC / HZ },",
	       p->index);
}

static const struct kmod_family kmod_hooks = {
	.check = kmod_check,
	.emit_entry = kmod_entry,
	.table = "timers",
};

static const struct kmod_family kmod_profile_hooks = {
	.emit_entry = kmod_profile_entry,
	.table = "perfs",
};

/* ------------------------------------------------------- BPF back end */

/* Interval timers run in user space (one timerfd each), where they can
 * do everything a script may, unless their handler wants the kernel's
 * context (a $var, task_current(), kernel memory, a kernel stack): then,
 * as in a kernel module, they interrupt whatever one CPU runs, through a
 * cpu-clock perf event whose period is the timer's. */
static void bpf_place(struct bpf_plan *pl, struct bprobe *bp)
{
	const struct timer_data *d = bp->dp->family_data;
	if (d->kind == TIMER_JIFFIES) {
		int64_t jns = 1000000000LL / pl->hz;
		bp->period_ns = d->jiffies * jns;
		bp->randomize_ns = d->randomize_jiffies * jns;
	} else {
		bp->period_ns = d->period_ns;
		bp->randomize_ns = d->randomize_ns;
	}
	if (!interp_needs_kernel(bp)) {
		bp->where = BP_USER;
		bp->ukind = BPU_TIMER;
		return;
	}
	if (bp->randomize_ns)
		diag_error(&pl->s->diag, D_TRANS_UNSUPPORTED, bp->dp->tok,
			   "probe %s needs kernel context, where the BPF runtime runs a timer "
			   "as a perf event of fixed period: .randomize cannot be honoured",
			   bp->dp->pp);
}

/* A timer in the kernel: one cpu-clock program of its own, on one CPU. */
static bool bpf_timer_group(struct bpf_translation *t, struct bprobe *bp)
{
	struct kprog *kp = bpf_group_new(t, KA_CPU_CLOCK, "cpu-clock", bp->dp->tok);
	kp->period_ns = (uint64_t)bp->period_ns;
	kp->one_cpu = true;
	bpf_group_add(t, kp, bp, -1, 0, false);
	return true;
}

/* timer.profile.tick: a cpu-clock perf event per CPU at the tick rate,
 * one program for all such probes */
static bool bpf_profile_group(struct bpf_translation *t, struct bprobe *bp)
{
	struct kprog *kp = bpf_group_find(t, KA_CPU_CLOCK, "cpu-clock");
	if (!kp) {
		kp = bpf_group_new(t, KA_CPU_CLOCK, "cpu-clock", bp->dp->tok);
		kp->period_ns = (uint64_t)(1000000000LL / t->pl->hz);
	}
	bpf_group_add(t, kp, bp, -1, 0, false);
	return true;
}

static const struct bpf_family bpf_hooks = {
	.place = bpf_place,
	.group = bpf_timer_group,
};

static const struct bpf_family bpf_profile_hooks = {
	.group = bpf_profile_group,
};

const struct probe_family timer_family = {
	.name = "timer",
	.patterns = patterns,
	.build = build,
	.unprivileged = true,
	.kmod = &kmod_hooks,
	.bpf = &bpf_hooks,
};

const struct probe_family timer_profile_family = {
	.name = "timer",
	.patterns = profile_patterns,
	.build = build_profile,
	.unprivileged = true,
	.kmod = &kmod_profile_hooks,
	.bpf = &bpf_profile_hooks,
};
