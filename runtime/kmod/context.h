/*
 * context: the per-CPU state of the handler running on that CPU.
 *
 * One context per possible CPU, allocated at module init (never in probe
 * context) with room for the generated module's locals: generated code
 * declares a union of every probe's and function's locals frame and gives
 * its size in _ctap_module.locals_size; c->locals points at that storage.
 * Locals live here rather than on the kernel stack because strings are
 * MAXSTRINGLEN bytes each.  The runtime does not clear locals between
 * hits: a handler initialises the locals it uses (0 / "") on entry.
 *
 * A context is owned by exactly one handler at a time: busy is claimed
 * with atomic_inc_return() == 1 and released on exit, so a probe that fires
 * on a CPU while that CPU's handler runs (an interrupt, a kprobe inside a
 * function the handler calls) sees it busy and is skipped.
 */
#ifndef CTAP_KMOD_CONTEXT_H
#define CTAP_KMOD_CONTEXT_H

#include <linux/atomic.h>
#include <linux/smp.h>
#include <linux/threads.h>
#include "common/outbuf.h"
#include <linux/ptrace.h>
#include <linux/kallsyms.h>
#include "kmod/config.h"
#include "kmod/regex.h"
#include "kmod/probe.h"
#include "kmod/transport_proto.h"

struct _ctap_probe;
struct pt_regs;
struct sort_item;

struct _ctap_context {
	atomic_t busy;

	/* Per hit, set by the runner. */
	const struct _ctap_probe *probe;
	struct pt_regs *regs;		/* NULL for begin/end/timers */
	void *args;			/* family data (tracepoint arguments) */
	bool in_tracepoint;		/* called by a tracepoint: backtrace() walks
					 * the current stack (sym.c) */

	/* Per hit, used by generated code (see error.h). */
	const char *last_error;		/* NULL: no error */
	const char *last_stmt;		/* token description of the failing spot */
	long actions_left;		/* MAXACTION budget still available */
	int nesting;			/* script function call depth */
	bool uncatchable;		/* last_error must not be caught (MAXACTION) */
	bool aborted;			/* abort(): unwinding, nothing to report */

	/* tokenize() (str.c): a copy of its input and where it stopped,
	 * NULL until the hit's first call. */
	const char *tok_pos;
	char tok_buf[MAXSTRINGLEN];

	/* matched(), ngroups() (regex.c): the hit's last successful =~ */
	struct _ctap_match match;

	void *locals;			/* generated locals union */
	struct outbuf out;		/* print buffer of this CPU */

	/* foreach sorting (map_sort.c): sort_cap entries each. */
	struct sort_item *sort_items, *sort_scratch;
	u32 sort_cap;

	/* Overload accounting (cycles). */
	u64 overload_window_start;
	u64 overload_used;

	char error_buf[MAXSTRINGLEN];	/* formatted last_error */
	char msg_buf[CTAP_MSG_MAX];	/* formatting of ERROR records */
	char sym_buf[KSYM_SYMBOL_LEN];	/* sym.c scratch */
	char quote_in[MAXSTRINGLEN];	/* quote.c: memory read for escaping */
	char quote_piece[MAXSTRINGLEN];	/* quote.c: one argument's rendering */
	char print_buf[STP_BUFFER_SIZE];
};

extern struct _ctap_context *_ctap_contexts[NR_CPUS];

int _ctap_contexts_alloc(size_t locals_size);
/* Gives every context sort arrays for maps of up to cap elements. */
int _ctap_contexts_alloc_sort(u32 cap);
void _ctap_contexts_free(void);

/* This CPU's context, claimed; NULL if it is busy.  Preemption is off. */
static inline struct _ctap_context *_ctap_context_get(void)
{
	struct _ctap_context *c = _ctap_contexts[smp_processor_id()];

	if (unlikely(!c))
		return NULL;
	if (atomic_inc_return(&c->busy) != 1) {
		atomic_dec(&c->busy);
		return NULL;
	}
	return c;
}

static inline void _ctap_context_put(struct _ctap_context *c)
{
	atomic_dec(&c->busy);
}

/* Waits until no CPU runs a handler (after the probes were disarmed). */
void _ctap_contexts_quiesce(void);

/* Probe-context queries for the tapset functions. */
static inline const char *_ctap_pp(const struct _ctap_context *c)
{
	return c->probe->pp;
}

static inline const char *_ctap_pn(const struct _ctap_context *c)
{
	return c->probe->pn ? c->probe->pn : c->probe->pp;
}

/* The probed registers (kprobes, perf), or NULL (begin, timers, ...). */
static inline struct pt_regs *_ctap_regs(const struct _ctap_context *c)
{
	return c->regs;
}

/* The n-th (0-based) argument of the probed function at entry (kprobes). */
static inline unsigned long _ctap_kernel_arg(const struct _ctap_context *c, unsigned int n)
{
	return regs_get_kernel_argument(c->regs, n);
}

/* returnval() / $return in a .return probe (regs are non-NULL there). */
static inline long _ctap_returnval(const struct _ctap_context *c)
{
	return regs_return_value(c->regs);
}

#endif
