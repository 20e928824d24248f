/*
 * lowstack: what the translator emits for (built with
 * -DMINSTACKSPACE=65536 -DSTP_TIMING, so no task stack is ever big enough)
 *
 *   lowstack.stp  (run as: staprun -c "sh reads.sh" MODULE)
 *   1  probe begin { println("begin: skipped") }
 *   2  probe kprobe.function("vfs_read") { }
 *   3  probe error { println("error: skipped") }
 *
 * Every hit on a task stack is skipped for low stack; beyond MAXSKIPPED
 * the session fails with `Skipped too many probes`.  Begin and error
 * probes run on staprun's stack, so they are skipped too.
 */
#include "kmod/runtime.h"

static void probe_begin(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "begin: skipped\n");
}

static void probe_read(struct _ctap_context *c)
{
}

static void probe_error(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "error: skipped\n");
}

static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin" },
	{ .handler = probe_read, .pp = "kprobe.function(\"vfs_read\")" },
	{ .handler = probe_error, .kind = CTAP_PROBE_ERROR, .pp = "error" },
};

static const struct _ctap_probe *const be[] = { &probes[0], &probes[2] };
static struct _ctap_kprobe kprobes[] = { { .probe = &probes[1], .symbol = "vfs_read" } };

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.kprobes = kprobes, .nkprobes = ARRAY_SIZE(kprobes),
};

#include "kmod/runtime.c"
