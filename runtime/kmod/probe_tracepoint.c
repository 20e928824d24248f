/*
 * probe_tracepoint: kernel.trace("SYS:NAME") on the kernel's own
 * tracepoints (probes.md §2.5).
 *
 * The tracepoint is found by name among the core kernel's tracepoints
 * (for_each_kernel_tracepoint; tracepoints of modules are not searched)
 * and the generated callback is attached with tracepoint_probe_register,
 * with the table entry as its data.  Unregistering ends with
 * tracepoint_synchronize_unregister() so that no callback still runs when
 * the module goes away.
 */
#include <linux/tracepoint.h>
#include <linux/string.h>
#include "kmod/error.h"
#include "kmod/families.h"
#include "kmod/module.h"
#include "kmod/probe.h"

struct _ctap_tp_lookup {
	const char *name;
	struct tracepoint *found;
};

static void _ctap_tp_match(struct tracepoint *tp, void *priv)
{
	struct _ctap_tp_lookup *l = priv;

	if (!l->found && !strcmp(tp->name, l->name))
		l->found = tp;
}

void _ctap_registration_error(const struct _ctap_probe *p, int rc)
{
	_ctap_err("probe %s registration error [man warning::pass5] (rc %d)", p->pp, rc);
}

int _ctap_tracepoints_register(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.ntracepoints; i++) {
		struct _ctap_tracepoint *t = &_ctap_module.tracepoints[i];
		struct _ctap_tp_lookup l = { .name = t->name };
		int rc = -ENOENT;

		for_each_kernel_tracepoint(_ctap_tp_match, &l);
		if (l.found)
			rc = tracepoint_probe_register(l.found, t->callback, t);
		if (!rc) {
			t->tp = l.found;
			t->armed = true;
		} else if (!t->optional) {
			_ctap_registration_error(t->probe, rc);
			return rc;
		}
	}
	return 0;
}

void _ctap_tracepoints_unregister(void)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < _ctap_module.ntracepoints; i++) {
		struct _ctap_tracepoint *t = &_ctap_module.tracepoints[i];

		if (!t->armed)
			continue;
		tracepoint_probe_unregister(t->tp, t->callback, t);
		t->armed = false;
		any = true;
	}
	if (any)
		tracepoint_synchronize_unregister();
}
