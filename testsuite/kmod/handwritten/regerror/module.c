/*
 * regerror: what the translator emits for
 *
 *   regerror.stp
 *   1  probe begin { println("begin") }
 *   2  probe kprobe.function("vfs_read")? { }
 *   3  probe kprobe.function("ctap_no_such_function") { }
 *   4  probe end { println("end: not reached") }
 *   5  probe error { println("error probe") }
 *
 * A probe that cannot be registered fails the session start: the error
 * names the probe point and rc, probes armed before it are disarmed, the
 * error probe runs.  An optional probe (`?`) that fails is skipped.
 */
#include "kmod/runtime.h"

static void probe_begin(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "begin\n");
}

static void probe_nop(struct _ctap_context *c)
{
}

static void probe_end(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "end: not reached\n");
}

static void probe_error(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "error probe\n");
}

static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin" },
	{ .handler = probe_nop, .pp = "kprobe.function(\"vfs_read\")?" },
	{ .handler = probe_nop, .pp = "kprobe.function(\"ctap_no_such_function\")" },
	{ .handler = probe_nop, .pp = "kprobe.function(\"ctap_no_such_either\")?" },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end" },
	{ .handler = probe_error, .kind = CTAP_PROBE_ERROR, .pp = "error" },
};

static const struct _ctap_probe *const be[] = { &probes[0], &probes[4], &probes[5] };

static struct _ctap_kprobe kprobes[] = {
	{ .probe = &probes[1], .symbol = "vfs_read", .optional = true },
	{ .probe = &probes[3], .symbol = "ctap_no_such_either", .optional = true },
	{ .probe = &probes[2], .symbol = "ctap_no_such_function" },
};

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.kprobes = kprobes, .nkprobes = ARRAY_SIZE(kprobes),
};

#include "kmod/runtime.c"
