/*
 * probe_perf: per-CPU perf counters whose overflow runs a probe:
 * perf.type(T).config(C).sample(N), and timer.profile when the tick hook
 * is unavailable (always on current kernels): the software cpu-clock
 * event sampled every 1,000,000 ns (probes.md §2.2, §2.9).
 *
 * Counters are created for the CPUs online at arming time (CPU hotplug is
 * not followed).  Software cpu-clock overflows arrive from an hrtimer
 * interrupt with the interrupted registers; hardware counters overflow in
 * NMI context, where the runner refuses to run handlers (counted as
 * skipped), so only software events are useful here.
 */
#include <linux/perf_event.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include "kmod/families.h"
#include "kmod/module.h"
#include "kmod/probe.h"

static void _ctap_perf_overflow(struct perf_event *ev, struct perf_sample_data *data,
				struct pt_regs *regs)
{
	struct _ctap_perf *p = ev->overflow_handler_context;

	_ctap_probe_run(p->probe, regs, NULL);
}

static int _ctap_perf_arm(struct _ctap_perf *p)
{
	struct perf_event_attr attr = {
		.type = p->type,
		.size = sizeof(attr),
		.config = p->config,
		.sample_period = p->sample_period,
		.pinned = 1,
	};
	int cpu;

	p->events = kcalloc(nr_cpu_ids, sizeof(*p->events), GFP_KERNEL);
	if (!p->events)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct perf_event *ev;

		ev = perf_event_create_kernel_counter(&attr, cpu, NULL,
						      _ctap_perf_overflow, p);
		if (IS_ERR(ev))
			return PTR_ERR(ev);
		p->events[cpu] = ev;
	}
	return 0;
}

static void _ctap_perf_disarm(struct _ctap_perf *p)
{
	unsigned int cpu;

	if (!p->events)
		return;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (p->events[cpu])
			perf_event_release_kernel(p->events[cpu]);
	kfree(p->events);
	p->events = NULL;
}

int _ctap_perfs_register(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nperfs; i++) {
		struct _ctap_perf *p = &_ctap_module.perfs[i];
		int rc = _ctap_perf_arm(p);

		if (rc) {
			_ctap_perf_disarm(p);
			_ctap_registration_error(p->probe, rc);
			return rc;
		}
	}
	return 0;
}

void _ctap_perfs_unregister(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nperfs; i++)
		_ctap_perf_disarm(&_ctap_module.perfs[i]);
}
