/*
 * timing: what the translator emits for `stap -t` (built with -DSTP_TIMING)
 *
 *   timing.stp
 *   1  global n
 *   2  probe begin { }
 *   3  probe timer.ms(10) { if (++n == 3) exit() }
 *   4  probe end { printf("n=%d\n", n) }
 *
 * The probe hit report (hits and cycle statistics per probe that ran) on
 * the output after the end probes.
 */
#include "kmod/runtime.h"

static int64_t g_n;
static struct _ctap_global_lock glocks[] = { CTAP_GLOBAL_LOCK("n") };

static void probe_begin(struct _ctap_context *c)
{
}

static void probe_timer(struct _ctap_context *c)
{
	if (++g_n == 3)
		_ctap_exit();
}

static void probe_end(struct _ctap_context *c)
{
	struct fmt_arg a[1] = { fmt_arg_long(g_n) };

	_ctap_printf(c, _ctap_out(c), "n=%d\n", a, 1);
}

static const struct _ctap_lock_req l_w[] = { { &glocks[0], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l_r[] = { { &glocks[0], CTAP_LOCK_READ } };

static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin",
	  .location = "timing.stp:2:1", .derivation = " from: begin" },
	{ .handler = probe_timer, .pp = "timer.ms(10)", .location = "timing.stp:3:1",
	  .derivation = " from: timer.ms(10)", .locks = l_w, .nlocks = 1 },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end",
	  .location = "timing.stp:4:1", .derivation = " from: end", .locks = l_r, .nlocks = 1 },
};

static const struct _ctap_probe *const be[] = { &probes[0], &probes[2] };
static struct _ctap_timer timers[] = { { .probe = &probes[1], .period = 10 * NSEC_PER_MSEC } };

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.global_locks = glocks, .nglobal_locks = ARRAY_SIZE(glocks),
	.be = be, .nbe = ARRAY_SIZE(be),
	.timers = timers, .ntimers = ARRAY_SIZE(timers),
};

#include "kmod/runtime.c"
