/*
 * probe: the description of one derived probe (what the translator emits
 * per probe point) and the runner every probe family calls on a hit.
 *
 * The runner (_ctap_probe_run) is the only way a handler is entered.  In
 * order it: disables preemption (interrupts too if INTERRUPTIBLE is 0),
 * refuses NMI context, checks that the session state admits this kind of
 * probe, claims this CPU's context (a hit on a busy CPU is skipped and
 * counted as reentrant), checks MINSTACKSPACE, resets the context, takes
 * the probe's global locks (timeout: skipped), calls the handler, releases
 * the locks, reports an error the handler left in the context, flushes the
 * print buffer to the transport, does overload accounting, releases the
 * context and enforces MAXSKIPPED.
 */
#ifndef CTAP_KMOD_PROBE_H
#define CTAP_KMOD_PROBE_H

#include <linux/types.h>
#include "kmod/lock.h"

struct _ctap_context;
struct pt_regs;

enum _ctap_probe_kind {
	CTAP_PROBE_NORMAL,	/* runs while RUNNING */
	CTAP_PROBE_BEGIN,	/* runs while STARTING */
	CTAP_PROBE_END,		/* runs while STOPPING */
	CTAP_PROBE_ERROR,	/* runs in ERROR */
};

struct _ctap_probe {
	void (*handler)(struct _ctap_context *c);
	enum _ctap_probe_kind kind;
	const char *pp;		/* pp(): "timer.ms(100)", "kernel.trace(\"sched:sched_switch\")" */
	const char *pn;		/* pn(): script-level name; may be NULL (= pp) */
	const char *location;	/* "t.stp:3:1" of the probe in the script */
	const char *derivation;	/* -t report: " from: a.x from: a.*" (may be NULL) */
	const struct _ctap_lock_req *locks;	/* ascending order, see lock.h */
	unsigned int nlocks;
};

/*
 * Runs p's handler for one hit.  regs: the probed context's registers
 * (NULL when the family has none); args: family data for the handler
 * (tracepoint arguments), NULL otherwise.
 */
void _ctap_probe_run(const struct _ctap_probe *p, struct pt_regs *regs, void *args);
/* The same for a tracepoint's callback: no registers, but backtrace()
 * walks the current stack from the function that hit the tracepoint. */
void _ctap_probe_run_tracepoint(const struct _ctap_probe *p, void *args);
/* The same for a kprobe's handler: an int3 trap, which the kernel counts
 * as NMI context, runs (real NMIs are skipped). */
void _ctap_probe_run_trapped(const struct _ctap_probe *p, struct pt_regs *regs);

#endif
