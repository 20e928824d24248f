/*
 * timing: per-probe cycle statistics for `stap -t` (see timing.h).  Each
 * CPU accumulates into its own stats_acc per probe (common/stats.h), so a
 * hit costs no shared write; the report merges them.
 */
#ifdef STP_TIMING
#include <linux/percpu.h>
#include "common/stats.h"
#include "kmod/context.h"
#include "kmod/error.h"
#include "kmod/lock.h"
#include "kmod/module.h"
#include "kmod/print.h"
#include "kmod/probe.h"
#include "kmod/session.h"
#include "kmod/timing.h"

static struct stats_acc __percpu *_ctap_timing_acc;	/* [nprobes] per CPU */
static struct stats_desc _ctap_timing_desc;

int _ctap_timing_alloc(unsigned int nprobes)
{
	stats_desc_init(&_ctap_timing_desc, STATS_HIST_NONE, 0, 0, 0, 0,
			STATS_WANT_VARIANCE, STP_MAX_BUCKETS);
	if (!nprobes)
		return 0;
	_ctap_timing_acc = __alloc_percpu(nprobes * sizeof(struct stats_acc),
					  __alignof__(struct stats_acc));
	return _ctap_timing_acc ? 0 : -ENOMEM;
}

void _ctap_timing_free(void)
{
	free_percpu(_ctap_timing_acc);
	_ctap_timing_acc = NULL;
}

void _ctap_timing_hit(const struct _ctap_probe *p, u64 cycles)
{
	unsigned long i = p - _ctap_module.probes;

	if (_ctap_timing_acc && i < _ctap_module.nprobes)
		stats_add(&_ctap_timing_desc, this_cpu_ptr(_ctap_timing_acc) + i, (int64_t)cycles);
}

static void _ctap_timing_probes(struct _ctap_context *c)
{
	struct fmt_arg a[9];
	unsigned int i;
	int cpu;

	outbuf_puts(_ctap_out(c), "----- probe hit report: \n");
	for (i = 0; _ctap_timing_acc && i < _ctap_module.nprobes; i++) {
		const struct _ctap_probe *p = &_ctap_module.probes[i];
		struct stats_agg g;
		int64_t min = 0, max = 0, avg = 0, var = 0;

		stats_agg_init(&_ctap_timing_desc, &g, NULL);
		for_each_possible_cpu(cpu)
			stats_agg_add(&_ctap_timing_desc, &g, per_cpu_ptr(_ctap_timing_acc, cpu) + i);
		if (!stats_count(&g))
			continue;
		stats_min(&g, &min);
		stats_max(&g, &max);
		stats_avg(&g, &avg);
		stats_variance(&_ctap_timing_desc, &g, &var);
		a[0] = fmt_arg_str(p->pp);
		a[1] = fmt_arg_str(p->location ? p->location : "");
		a[2] = fmt_arg_long(stats_count(&g));
		a[3] = fmt_arg_long(min);
		a[4] = fmt_arg_long(avg);
		a[5] = fmt_arg_long(max);
		a[6] = fmt_arg_long(var);
		a[7] = fmt_arg_str(p->derivation ? p->derivation : "");
		a[8] = fmt_arg_long(i);
		_ctap_printf(c, _ctap_out(c),
			     "%s, (%s), hits: %d, cycles: %dmin/%davg/%dmax, variance: %d,%s, index: %d\n",
			     a, 9);
	}
	outbuf_puts(_ctap_out(c), "----- refresh report:\n");
	for (i = 0; i < _ctap_module.nglobal_locks; i++) {
		struct _ctap_global_lock *g = &_ctap_module.global_locks[i];

		if (!atomic_read(&g->contended))
			continue;
		a[0] = fmt_arg_str(g->name);
		a[1] = fmt_arg_long(atomic_read(&g->contended));
		_ctap_printf(c, _ctap_out(c), "'%s' lock contention occurred %d times\n", a, 2);
	}
}

void _ctap_timing_report(void)
{
	struct _ctap_context *c;

	preempt_disable();
	c = _ctap_context_get();
	if (c) {
		c->probe = NULL;
		c->last_error = NULL;
		_ctap_timing_probes(c);
		_ctap_print_flush(c);
		_ctap_context_put(c);
	}
	preempt_enable();
}

void _ctap_timing_skips(void)
{
	unsigned int i;
	int n;

	for (i = 0; i < _ctap_module.nglobal_locks; i++) {
		struct _ctap_global_lock *g = &_ctap_module.global_locks[i];

		n = atomic_read(&g->skipped);
		if (n)
			_ctap_warn("Skipped due to global '%s' lock timeout: %d", g->name, n);
	}
	n = atomic_read(&_ctap_session.skipped_lowstack);
	if (n)
		_ctap_warn("Skipped due to low stack: %d", n);
	n = atomic_read(&_ctap_session.skipped_reentrant);
	if (n)
		_ctap_warn("Skipped due to reentrancy: %d", n);
	n = atomic_read(&_ctap_session.skipped_nmi);
	if (n)
		_ctap_warn("Skipped due to NMI context: %d", n);
}
#endif
