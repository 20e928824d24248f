/*
 * session: one module, several ways for a session to end, selected by the
 * global `mode` (-G).  What the translator emits for
 *
 *   session.stp
 *   1  global mode = 0
 *   2  probe begin { printf("begin target=%d\n", target() > 0) }
 *   3  probe timer.ms(20) { if (mode == 1) exit() }
 *   4  probe end { println("end") }
 *
 * mode 0: the session lasts until a signal or the -c command's exit.
 * mode 1: exit() from a timer.
 */
#include "kmod/runtime.h"

static long g_mode;
CTAP_PARAM_LONG(mode, g_mode);
static struct _ctap_global_lock glocks[] = { CTAP_GLOBAL_LOCK("mode") };

static void probe_begin(struct _ctap_context *c)
{
	struct fmt_arg a[1] = { fmt_arg_long(_ctap_target() > 0) };

	_ctap_printf(c, _ctap_out(c), "begin target=%d\n", a, 1);
}

static void probe_timer(struct _ctap_context *c)
{
	if (g_mode == 1)
		_ctap_exit();
}

static void probe_end(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "end\n");
}

static const struct _ctap_lock_req l_timer[] = { { &glocks[0], CTAP_LOCK_READ } };

static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin" },
	{ .handler = probe_timer, .pp = "timer.ms(20)", .locks = l_timer, .nlocks = 1 },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end" },
};

static const struct _ctap_probe *const be[] = { &probes[0], &probes[2] };
static struct _ctap_timer timers[] = { { .probe = &probes[1], .period = 20 * NSEC_PER_MSEC } };

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.timers = timers, .ntimers = ARRAY_SIZE(timers),
};

#include "kmod/runtime.c"
