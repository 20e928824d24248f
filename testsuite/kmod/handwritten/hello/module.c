/*
 * hello: the smallest generated module: probe begin { print("hello\n"); exit() }
 */
#include "kmod/runtime.h"

static void probe_0(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "hello world\n");
	_ctap_exit();
}

static const struct _ctap_probe probes[] = {
	{ .handler = probe_0, .kind = CTAP_PROBE_BEGIN, .pp = "begin", .location = "hello.stp:1:1" },
};

static const struct _ctap_probe *const be[] = { &probes[0] };

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
};

#include "kmod/runtime.c"
