/*
 * probe_kprobe: function entry (kprobe) and return (kretprobe) probes by
 * symbol name + offset (probes.md §2.3, §2.4).
 *
 * Entry handlers run with the probed registers; return handlers with the
 * registers at return, so regs_return_value() is $return / returnval().
 * Return instances beyond maxactive are missed by the kernel; at disarm
 * the misses (and kprobe misses) are added to the skipped count, as they
 * are hits the script did not see.
 */
#include <linux/kprobes.h>
#include <linux/cpumask.h>
#include "kmod/config.h"
#include "kmod/families.h"
#include "kmod/module.h"
#include "kmod/probe.h"
#include "kmod/session.h"

static int _ctap_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct _ctap_kprobe *k = container_of(kp, struct _ctap_kprobe, u.kp);

	_ctap_probe_run_trapped(k->probe, regs);
	return 0;
}

static int _ctap_kretprobe_fn(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct _ctap_kprobe *k;

	if (!rp)
		return 0;
	k = container_of(rp, struct _ctap_kprobe, u.rp);
	_ctap_probe_run_trapped(k->probe, regs);
	return 0;
}

static int _ctap_kprobe_arm(struct _ctap_kprobe *k)
{
	if (k->is_return) {
		struct kretprobe *rp = &k->u.rp;

		memset(rp, 0, sizeof(*rp));
		rp->kp.symbol_name = k->symbol;
		rp->kp.offset = k->offset;
		rp->handler = _ctap_kretprobe_fn;
		rp->maxactive = k->maxactive;
		if (rp->maxactive <= 0)
			rp->maxactive = KRETACTIVE ? KRETACTIVE :
					max_t(int, 15, 6 * num_possible_cpus());
		return register_kretprobe(rp);
	}
	memset(&k->u.kp, 0, sizeof(k->u.kp));
	k->u.kp.symbol_name = k->symbol;
	k->u.kp.offset = k->offset;
	k->u.kp.pre_handler = _ctap_kprobe_pre;
	return register_kprobe(&k->u.kp);
}

int _ctap_kprobes_register(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nkprobes; i++) {
		struct _ctap_kprobe *k = &_ctap_module.kprobes[i];
		int rc = _ctap_kprobe_arm(k);

		if (!rc)
			k->armed = true;
		else if (!k->optional) {
			_ctap_registration_error(k->probe, rc);
			return rc;
		}
	}
	return 0;
}

void _ctap_kprobes_unregister(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nkprobes; i++) {
		struct _ctap_kprobe *k = &_ctap_module.kprobes[i];
		unsigned long missed;

		if (!k->armed)
			continue;
		if (k->is_return) {
			unregister_kretprobe(&k->u.rp);
			missed = k->u.rp.nmissed + k->u.rp.kp.nmissed;
		} else {
			unregister_kprobe(&k->u.kp);
			missed = k->u.kp.nmissed;
		}
		atomic_add(missed, &_ctap_session.skipped);
		k->armed = false;
	}
}
