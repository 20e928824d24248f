/*
 * families: the per-family probe tables a generated module fills in, and
 * the arm/disarm calls the session makes on them.  One implementation
 * file per family: probe_timer.c, probe_tracepoint.c, probe_kprobe.c,
 * probe_perf.c, probe_uprobe.c (begin/end/error/never need no registration: session.c
 * runs them; `never` probes are simply not emitted).
 *
 * Each entry holds a pointer to its struct _ctap_probe (shared description
 * and handler) plus the family's parameters, followed by kernel objects
 * the runtime owns (timer, kprobe, ...).  The tables are therefore
 * writable; generated code initialises only the parameter fields.
 *
 * Registration happens after the begin probes, in this order: tracepoints,
 * kprobes, uprobes, perf events, timers; unregistration runs in reverse and waits
 * until no callback of the family can still be running.  A registration
 * failure of a non-optional probe reports
 * `probe PP registration error [man warning::pass5] (rc N)` and fails the
 * session start.
 */
#ifndef CTAP_KMOD_FAMILIES_H
#define CTAP_KMOD_FAMILIES_H

#include <linux/types.h>
#include <linux/hrtimer.h>
#include <linux/timer.h>
#include <linux/kprobes.h>
#include <linux/perf_event.h>
#include <linux/uprobes.h>

struct _ctap_probe;
struct tracepoint;

/* timer.{s,ms,us,ns,hz}(N)[.randomize(M)] and timer.jiffies(N)[.randomize(M)]. */
struct _ctap_timer {
	const struct _ctap_probe *probe;
	u64 period;		/* ns (hrtimer) or jiffies */
	u64 randomize;		/* same unit: each period is period ± [0, randomize] */
	bool jiffies;		/* timer_list in jiffies instead of an hrtimer */
	/* runtime */
	bool armed;
	union {
		struct hrtimer hr;
		struct timer_list tl;
	} u;
};

/*
 * kernel.trace("SYS:NAME").  callback is a generated function with exactly
 * the tracepoint's prototype, void cb(void *data, ARGS...); data is this
 * struct _ctap_tracepoint.  It packs ARGS into a struct on its stack and
 * calls _ctap_probe_run_tracepoint(tp->probe, &args).
 */
struct _ctap_tracepoint {
	const struct _ctap_probe *probe;
	const char *name;	/* the kernel's name without the system: "sched_switch" */
	void *callback;
	bool optional;
	/* runtime */
	struct tracepoint *tp;
	bool armed;
};

/* kprobe.function("SYM")[.return] (and DWARF function entry/return points
 * once the translator resolves them to a symbol + offset). */
struct _ctap_kprobe {
	const struct _ctap_probe *probe;
	const char *symbol;
	unsigned long offset;
	bool is_return;		/* kretprobe: handler runs at function return */
	int maxactive;		/* .maxactive(N); 0: KRETACTIVE */
	bool optional;
	/* runtime */
	bool armed;
	union {
		struct kprobe kp;
		struct kretprobe rp;
	} u;
};

/* perf.type(T).config(C).sample(N) and timer.profile: a per-CPU counter
 * whose overflow runs the probe with the interrupted registers. */
struct _ctap_perf {
	const struct _ctap_probe *probe;
	u32 type;		/* PERF_TYPE_* */
	u64 config;
	u64 sample_period;
	/* runtime */
	struct perf_event **events;	/* [nr_cpu_ids] */
};

/* process(PATH|PID).function/.statement/.plt/.mark[.return]: a uprobe (or
 * uretprobe) at a file offset of `path`. */
struct _ctap_uprobe {
	const struct _ctap_probe *probe;
	const char *path;
	loff_t offset;		/* file offset of the probed instruction */
	loff_t ref_ctr_offset;	/* file offset of the SDT semaphore, 0 = none */
	bool is_return;		/* uretprobe: the handler runs at return */
	bool optional;
	pid_t pid;		/* process(PID): only that process; 0 = any */
	bool target;		/* -c/-x: only the target process */
	/* runtime */
	bool armed;
	struct inode *inode;
	struct uprobe_consumer uc;
};

int _ctap_timers_register(void);
void _ctap_timers_unregister(void);
int _ctap_tracepoints_register(void);
void _ctap_tracepoints_unregister(void);
int _ctap_kprobes_register(void);
void _ctap_kprobes_unregister(void);
int _ctap_uprobes_register(void);
void _ctap_uprobes_unregister(void);
int _ctap_perfs_register(void);
void _ctap_perfs_unregister(void);

/* Reports a registration failure (see head comment). */
void _ctap_registration_error(const struct _ctap_probe *p, int rc);

#endif
