/*
 * reentrancy: what the translator emits for
 *
 *   reentrancy.stp
 *   1  global ticks, reads
 *   2  probe timer.ms(5) { s = kernel_string(task_comm_addr()); if (++ticks == 10) exit() }
 *   3  probe kprobe.function("copy_from_kernel_nofault") { reads++ }
 *   4  probe end { printf("ticks=%d\n", ticks) }
 *
 * The timer handler's own kernel_string() calls copy_from_kernel_nofault,
 * whose kprobe then fires on the same CPU while the handler runs: that hit
 * must be skipped (counted as reentrant, not against MAXSKIPPED), which
 * the closing warning reports.
 */
#include "kmod/runtime.h"
#include <linux/sched.h>

static int64_t g_ticks, g_reads;
static struct _ctap_global_lock glocks[] = {
	CTAP_GLOBAL_LOCK("ticks"), CTAP_GLOBAL_LOCK("reads"),
};

struct timer_locals {
	char s[MAXSTRINGLEN];
};

union ctap_locals {
	struct timer_locals t;
};

static void probe_timer(struct _ctap_context *c)
{
	struct timer_locals *l = c->locals;

	if (_ctap_actions(c, 3))
		return;
	if (_ctap_kstring(l->s, (unsigned long)current->comm, MAXSTRINGLEN) < 0) {
		_ctap_errorf(c, "kernel string copy fault at 0x%lx [man error::fault]",
			     (unsigned long)current->comm);
		return;
	}
	if (++g_ticks == 10)
		_ctap_exit();
}

static void probe_kprobe(struct _ctap_context *c)
{
	g_reads++;
}

static void probe_end(struct _ctap_context *c)
{
	struct fmt_arg a[1] = { fmt_arg_long(g_ticks) };

	_ctap_printf(c, _ctap_out(c), "ticks=%d\n", a, 1);
}

static const struct _ctap_lock_req l_timer[] = { { &glocks[0], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l_kprobe[] = { { &glocks[1], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l_end[] = { { &glocks[0], CTAP_LOCK_READ } };

static const struct _ctap_probe probes[] = {
	{ .handler = probe_timer, .pp = "timer.ms(5)", .locks = l_timer, .nlocks = 1 },
	{ .handler = probe_kprobe, .pp = "kprobe.function(\"copy_from_kernel_nofault\")",
	  .locks = l_kprobe, .nlocks = 1 },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end", .locks = l_end, .nlocks = 1 },
};

static const struct _ctap_probe *const be[] = { &probes[2] };
static struct _ctap_timer timers[] = { { .probe = &probes[0], .period = 5 * NSEC_PER_MSEC } };
static struct _ctap_kprobe kprobes[] = {
	{ .probe = &probes[1], .symbol = "copy_from_kernel_nofault" },
};

const struct _ctap_module _ctap_module = {
	.locals_size = sizeof(union ctap_locals),
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.global_locks = glocks, .nglobal_locks = ARRAY_SIZE(glocks),
	.be = be, .nbe = ARRAY_SIZE(be),
	.timers = timers, .ntimers = ARRAY_SIZE(timers),
	.kprobes = kprobes, .nkprobes = ARRAY_SIZE(kprobes),
};

#include "kmod/runtime.c"
