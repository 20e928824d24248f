/*
 * divzero: what the translator emits for
 *
 *   divzero.stp
 *   1  global n
 *   2  probe begin { printf("begin\n"); x = 10; y = 0; n = x / y; printf("not reached\n") }
 *   3  probe begin { printf("second begin: not reached\n") }
 *   4  probe end { printf("end: not reached\n") }
 *   5  probe error { printf("error probe, n=%d\n", n) }
 *
 * A run-time error in a begin probe: the handler stops at the error, the
 * session goes to ERROR, later begin probes and the end probe do not run,
 * the error probe does, staprun exits 1.
 */
#include "kmod/runtime.h"

static int64_t g_n;
static struct _ctap_global_lock glocks[] = { CTAP_GLOBAL_LOCK("n") };

struct probe_0_locals {
	int64_t x, y;
};

union ctap_locals {
	struct probe_0_locals p0;
};

static void probe_0(struct _ctap_context *c)
{
	struct probe_0_locals *l = c->locals;

	l->x = 0;
	l->y = 0;
	if (_ctap_actions(c, 6)) {
		c->last_stmt = "keyword at divzero.stp:2:7";
		return;
	}
	outbuf_puts(_ctap_out(c), "begin\n");
	l->x = 10;
	l->y = 0;
	c->last_stmt = "operator '/' at divzero.stp:2:58";
	g_n = _ctap_div(c, l->x, l->y);
	if (_ctap_failed(c))
		return;
	outbuf_puts(_ctap_out(c), "not reached\n");
}

static void probe_1(struct _ctap_context *c)
{
	if (_ctap_actions(c, 2))
		return;
	outbuf_puts(_ctap_out(c), "second begin: not reached\n");
}

static void probe_2(struct _ctap_context *c)
{
	if (_ctap_actions(c, 2))
		return;
	outbuf_puts(_ctap_out(c), "end: not reached\n");
}

static void probe_3(struct _ctap_context *c)
{
	struct fmt_arg args[1];

	if (_ctap_actions(c, 2))
		return;
	args[0] = fmt_arg_long(g_n);
	_ctap_printf(c, _ctap_out(c), "error probe, n=%d\n", args, 1);
}

static const struct _ctap_lock_req probe_0_locks[] = { { &glocks[0], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req probe_3_locks[] = { { &glocks[0], CTAP_LOCK_READ } };

static const struct _ctap_probe probes[] = {
	{ .handler = probe_0, .kind = CTAP_PROBE_BEGIN, .pp = "begin",
	  .location = "divzero.stp:2:1", .locks = probe_0_locks, .nlocks = 1 },
	{ .handler = probe_1, .kind = CTAP_PROBE_BEGIN, .pp = "begin",
	  .location = "divzero.stp:3:1" },
	{ .handler = probe_2, .kind = CTAP_PROBE_END, .pp = "end",
	  .location = "divzero.stp:4:1" },
	{ .handler = probe_3, .kind = CTAP_PROBE_ERROR, .pp = "error",
	  .location = "divzero.stp:5:1", .locks = probe_3_locks, .nlocks = 1 },
};

static const struct _ctap_probe *const be[] = {
	&probes[0], &probes[1], &probes[2], &probes[3],
};

const struct _ctap_module _ctap_module = {
	.locals_size = sizeof(union ctap_locals),
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
};

#include "kmod/runtime.c"
