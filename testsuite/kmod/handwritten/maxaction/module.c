/*
 * maxaction: what the translator emits for (built with
 * -DMAXACTION_INTERRUPTIBLE=500)
 *
 *   maxaction.stp
 *   1  probe begin { for (i = 0; i < 400; i++) {} println("400 fit") }
 *   2  probe begin(1) { try { for (i = 0; i < 498; i++) {} } catch { println("caught?!") } }
 *   3  probe end { println("end: not reached") }
 *
 * The statement budget is per hit: 1 + 2 + 400 + 1 fits; 1 + 2 + 498 = 501
 * does not, the error is not catchable, and its location is the loop.
 */
#include "kmod/runtime.h"

struct probe_locals {
	int64_t i;
};

union ctap_locals {
	struct probe_locals p;
};

/* for (i = 0; i < n; i++) {}: the loop and its init cost 2, each
 * iteration 1 (its empty block), charged at the back edge. */
static bool loop(struct _ctap_context *c, int64_t n)
{
	struct probe_locals *l = c->locals;

	if (_ctap_actions(c, 2)) {
		c->last_stmt = "keyword at maxaction.stp:2:25";
		return false;
	}
	for (l->i = 0; l->i < n; l->i++) {
		if (_ctap_actions(c, 1)) {
			c->last_stmt = "keyword at maxaction.stp:2:25";
			return false;
		}
	}
	return true;
}

/* Each probe body is a block: 1 at entry. */
static void probe_0(struct _ctap_context *c)
{
	if (_ctap_actions(c, 1) || !loop(c, 400) || _ctap_actions(c, 1))
		return;
	outbuf_puts(_ctap_out(c), "400 fit\n");
}

static void probe_1(struct _ctap_context *c)
{
	if (_ctap_actions(c, 1))
		return;
	loop(c, 498);
	if (_ctap_failed(c)) {
		if (!_ctap_catch(c, NULL))
			return;
		outbuf_puts(_ctap_out(c), "caught?!\n");
	}
}

static void probe_2(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "end: not reached\n");
}

static const struct _ctap_probe probes[] = {
	{ .handler = probe_0, .kind = CTAP_PROBE_BEGIN, .pp = "begin" },
	{ .handler = probe_1, .kind = CTAP_PROBE_BEGIN, .pp = "begin(1)" },
	{ .handler = probe_2, .kind = CTAP_PROBE_END, .pp = "end" },
};

static const struct _ctap_probe *const be[] = { &probes[0], &probes[1], &probes[2] };

const struct _ctap_module _ctap_module = {
	.locals_size = sizeof(union ctap_locals),
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
};

#include "kmod/runtime.c"
