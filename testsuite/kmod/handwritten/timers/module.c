/*
 * timers: what the translator emits for
 *
 *   timers.stp  (run as: staprun -x 1 MODULE limit=20 label=ticks)
 *   1  global limit = 3, label = "none", n, j, h, r
 *   2  probe begin { printf("target=%d limit=%d label=%s\n", target(), limit, label) }
 *   3  probe timer.ms(10) { n++; if (n == limit) exit() }
 *   4  probe timer.jiffies(2) { j++ }
 *   5  probe timer.hz(100) { h++ }
 *   6  probe timer.us(500).randomize(100) { r++ }
 *   7  probe end { printf("n=%d j>0=%d h>0=%d r>0=%d\n", n, j > 0, h > 0, r > 0) }
 *
 * Globals set at load (-G), target(), hrtimers with and without
 * randomization, a jiffies timer, exit() from a timer: no timer handler
 * runs after exit(), so n ends exactly at the limit.
 */
#include "kmod/runtime.h"

static long g_limit = 3;
CTAP_PARAM_LONG(limit, g_limit);
static char g_label[MAXSTRINGLEN] = "none";
CTAP_PARAM_STRING(label, g_label);
static int64_t g_n, g_j, g_h, g_r;

static struct _ctap_global_lock glocks[] = {
	CTAP_GLOBAL_LOCK("limit"), CTAP_GLOBAL_LOCK("label"), CTAP_GLOBAL_LOCK("n"),
	CTAP_GLOBAL_LOCK("j"), CTAP_GLOBAL_LOCK("h"), CTAP_GLOBAL_LOCK("r"),
};

static void probe_begin(struct _ctap_context *c)
{
	struct fmt_arg a[3];

	if (_ctap_actions(c, 2))
		return;
	a[0] = fmt_arg_long(_ctap_target());
	a[1] = fmt_arg_long(g_limit);
	a[2] = fmt_arg_str(g_label);
	_ctap_printf(c, _ctap_out(c), "target=%d limit=%d label=%s\n", a, 3);
}

static void probe_ms(struct _ctap_context *c)
{
	if (_ctap_actions(c, 4))
		return;
	g_n++;
	if (g_n == g_limit)
		_ctap_exit();
}

static void probe_jiffies(struct _ctap_context *c)
{
	if (!_ctap_actions(c, 2))
		g_j++;
}

static void probe_hz(struct _ctap_context *c)
{
	if (!_ctap_actions(c, 2))
		g_h++;
}

static void probe_us(struct _ctap_context *c)
{
	if (!_ctap_actions(c, 2))
		g_r++;
}

static void probe_end(struct _ctap_context *c)
{
	struct fmt_arg a[4];

	if (_ctap_actions(c, 2))
		return;
	a[0] = fmt_arg_long(g_n);
	a[1] = fmt_arg_long(g_j > 0);
	a[2] = fmt_arg_long(g_h > 0);
	a[3] = fmt_arg_long(g_r > 0);
	_ctap_printf(c, _ctap_out(c), "n=%d j>0=%d h>0=%d r>0=%d\n", a, 4);
}

static const struct _ctap_lock_req begin_locks[] = {
	{ &glocks[0], CTAP_LOCK_READ }, { &glocks[1], CTAP_LOCK_READ },
};
static const struct _ctap_lock_req ms_locks[] = {
	{ &glocks[0], CTAP_LOCK_READ }, { &glocks[2], CTAP_LOCK_WRITE },
};
static const struct _ctap_lock_req j_locks[] = { { &glocks[3], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req h_locks[] = { { &glocks[4], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req r_locks[] = { { &glocks[5], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req end_locks[] = {
	{ &glocks[2], CTAP_LOCK_READ }, { &glocks[3], CTAP_LOCK_READ },
	{ &glocks[4], CTAP_LOCK_READ }, { &glocks[5], CTAP_LOCK_READ },
};

#define LOCKS(x) .locks = x, .nlocks = ARRAY_SIZE(x)
static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin",
	  .location = "timers.stp:2:1", LOCKS(begin_locks) },
	{ .handler = probe_ms, .pp = "timer.ms(10)", .location = "timers.stp:3:1", LOCKS(ms_locks) },
	{ .handler = probe_jiffies, .pp = "timer.jiffies(2)", .location = "timers.stp:4:1",
	  LOCKS(j_locks) },
	{ .handler = probe_hz, .pp = "timer.hz(100)", .location = "timers.stp:5:1", LOCKS(h_locks) },
	{ .handler = probe_us, .pp = "timer.us(500).randomize(100)", .location = "timers.stp:6:1",
	  LOCKS(r_locks) },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end",
	  .location = "timers.stp:7:1", LOCKS(end_locks) },
};

static const struct _ctap_probe *const be[] = { &probes[0], &probes[5] };

static struct _ctap_timer timers[] = {
	{ .probe = &probes[1], .period = 10 * NSEC_PER_MSEC },
	{ .probe = &probes[2], .period = 2, .jiffies = true },
	{ .probe = &probes[3], .period = 10000000 /* ceil(1e9 / 100) */ },
	{ .probe = &probes[4], .period = 500 * NSEC_PER_USEC, .randomize = 100 * NSEC_PER_USEC },
};

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.timers = timers, .ntimers = ARRAY_SIZE(timers),
};

#include "kmod/runtime.c"
