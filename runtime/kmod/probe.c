/*
 * probe: the runner that wraps every handler invocation (see probe.h for
 * the sequence).  Callable from any context but NMI, with or without
 * preemption disabled by the caller.
 */
#include <linux/preempt.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/sched/task_stack.h>
#include <linux/timex.h>
#include "kmod/config.h"
#include "kmod/context.h"
#include "kmod/error.h"
#include "kmod/lock.h"
#include "kmod/print.h"
#include "kmod/probe.h"
#include "kmod/session.h"
#include "kmod/timing.h"

static const int _ctap_kind_state[] = {
	[CTAP_PROBE_NORMAL] = CTAP_SESSION_RUNNING,
	[CTAP_PROBE_BEGIN] = CTAP_SESSION_STARTING,
	[CTAP_PROBE_END] = CTAP_SESSION_STOPPING,
	[CTAP_PROBE_ERROR] = CTAP_SESSION_ERROR,
};

/* True if less than MINSTACKSPACE bytes of the task stack are left.  On
 * other stacks (interrupt stacks) nothing is checked. */
static bool _ctap_stack_low(void)
{
	unsigned long sp = (unsigned long)&sp;
	unsigned long base = (unsigned long)task_stack_page(current);

	if (sp < base || sp >= base + THREAD_SIZE)
		return false;
	return sp - base < MINSTACKSPACE;
}

#ifndef STP_NO_OVERLOAD
/* More than STP_OVERLOAD_THRESHOLD cycles in handlers of this CPU within
 * STP_OVERLOAD_INTERVAL cycles ends the session. */
static void _ctap_overload_check(struct _ctap_context *c, cycles_t start)
{
	u64 now = get_cycles();

	if (now - c->overload_window_start > (u64)STP_OVERLOAD_INTERVAL) {
		c->overload_window_start = now;
		c->overload_used = 0;
		return;
	}
	c->overload_used += now - start;
	if (c->overload_used > (u64)STP_OVERLOAD_THRESHOLD &&
	    _ctap_session_state() == CTAP_SESSION_RUNNING) {
		_ctap_err("probe overhead (%llu cycles) exceeded threshold (%llu cycles) in last %llu cycles",
			  c->overload_used, (u64)STP_OVERLOAD_THRESHOLD,
			  now - c->overload_window_start);
		_ctap_session_fail();
	}
}
#endif

static void _ctap_probe_invoke(struct _ctap_context *c, const struct _ctap_probe *p,
			       struct pt_regs *regs, void *args, bool in_tracepoint)
{
	cycles_t start;

	c->probe = p;
	c->regs = regs;
	c->args = args;
	c->in_tracepoint = in_tracepoint;
	c->last_error = NULL;
	c->last_stmt = NULL;
	c->actions_left = CTAP_ACTION_BUDGET;
	c->nesting = 0;
	c->uncatchable = false;
	c->aborted = false;
	c->tok_pos = NULL;
	c->match.groups = -1;

	start = get_cycles();
	if (p->nlocks && _ctap_locks_acquire(p->locks, p->nlocks)) {
		atomic_inc(&_ctap_session.skipped);
		return;
	}
	p->handler(c);
	if (p->nlocks)
		_ctap_locks_release(p->locks, p->nlocks);
	if (unlikely(c->last_error))
		_ctap_error_report(c);
	_ctap_print_flush(c);
	_ctap_timing_hit(p, get_cycles() - start);
#ifndef STP_NO_OVERLOAD
	if (p->kind == CTAP_PROBE_NORMAL)
		_ctap_overload_check(c, start);
#endif
	c->probe = NULL;
	c->regs = NULL;
	c->args = NULL;
	c->in_tracepoint = false;
}

static void _ctap_probe_enter(const struct _ctap_probe *p, struct pt_regs *regs, void *args,
			      bool trapped, bool in_tracepoint)
{
	struct _ctap_context *c;
#if !INTERRUPTIBLE
	unsigned long flags;

	local_irq_save(flags);
#endif
	preempt_disable();
	/* The transport's spinlocks are not NMI-safe: such hits are skipped.
	 * A kprobe away from a function's ftrace site is an int3 trap, which
	 * the kernel also counts as NMI context: those run (they trap in
	 * process context, and the ring only try-locks there). */
	if (unlikely(in_nmi() && !trapped)) {
		atomic_inc(&_ctap_session.skipped_nmi);
		atomic_inc(&_ctap_session.skipped);
		goto out;
	}
	if (_ctap_session_state() != _ctap_kind_state[p->kind])
		goto out;

	c = _ctap_context_get();
	if (!c) {
		atomic_inc(&_ctap_session.skipped_reentrant);
		if (!INTERRUPTIBLE)
			atomic_inc(&_ctap_session.skipped);
	} else {
		if (unlikely(_ctap_stack_low())) {
			atomic_inc(&_ctap_session.skipped_lowstack);
			atomic_inc(&_ctap_session.skipped);
		} else {
			_ctap_probe_invoke(c, p, regs, args, in_tracepoint);
		}
		_ctap_context_put(c);
	}

	if (unlikely(atomic_read(&_ctap_session.skipped) > MAXSKIPPED) &&
	    _ctap_session_move(CTAP_SESSION_RUNNING, CTAP_SESSION_ERROR)) {
		_ctap_err("Skipped too many probes, check MAXSKIPPED or try again with stap -t for more details.");
		_ctap_request_exit();
	}
out:
	preempt_enable();
#if !INTERRUPTIBLE
	local_irq_restore(flags);
#endif
}

void _ctap_probe_run(const struct _ctap_probe *p, struct pt_regs *regs, void *args)
{
	_ctap_probe_enter(p, regs, args, false, false);
}

void _ctap_probe_run_tracepoint(const struct _ctap_probe *p, void *args)
{
	_ctap_probe_enter(p, NULL, args, false, true);
}

void _ctap_probe_run_trapped(const struct _ctap_probe *p, struct pt_regs *regs)
{
	_ctap_probe_enter(p, regs, NULL, true, false);
}
