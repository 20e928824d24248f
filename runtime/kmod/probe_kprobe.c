/*
 * probe_kprobe: function entry (kprobe) and return (kretprobe) probes by
 * symbol name + offset (probes.md §2.3, §2.4).
 *
 * Entry handlers run with the probed registers; return handlers with the
 * registers at return, so regs_return_value() is $return / returnval().
 * Return instances beyond maxactive are missed by the kernel; at disarm
 * the misses (and kprobe misses) are added to the skipped count, as they
 * are hits the script did not see.
 *
 * A probe on a module's function ("M:SYMBOL") whose module is not loaded
 * when the session starts waits for it, as SystemTap's do: a module
 * notifier arms it when M comes (before M's init function runs) and
 * disarms it when M goes, so that M may come and go during the session.
 */
#include <linux/kprobes.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include "kmod/config.h"
#include "kmod/families.h"
#include "kmod/module.h"
#include "kmod/probe.h"
#include "kmod/session.h"

static int _ctap_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct _ctap_kprobe *k = container_of(kp, struct _ctap_kprobe, u.kp);
	unsigned long ip = instruction_pointer(regs);

	/* The handler sees the probed address, as if no breakpoint had been
	 * hit (the trap and ftrace-based kprobes leave it one past): addr(),
	 * the first frame of a backtrace.  Restored before the kernel goes on. */
	instruction_pointer_set(regs, (unsigned long)kp->addr);
	_ctap_probe_run_trapped(k->probe, regs);
	instruction_pointer_set(regs, ip);
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

/* arming and disarming, from the session and from the module notifier */
static DEFINE_MUTEX(_ctap_kprobe_mutex);

static void _ctap_kprobe_disarm(struct _ctap_kprobe *k)
{
	unsigned long missed;

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

/* The module k's symbol is in ("M" of "M:SYMBOL"), as a length; 0: the
 * kernel's own */
static size_t _ctap_kprobe_module_len(const struct _ctap_kprobe *k)
{
	const char *colon = strchr(k->symbol, ':');

	return colon ? colon - k->symbol : 0;
}

static int _ctap_kprobe_module_event(struct notifier_block *nb, unsigned long event, void *data)
{
	struct module *mod = data;
	unsigned int i;

	if (event != MODULE_STATE_COMING && event != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&_ctap_kprobe_mutex);
	for (i = 0; i < _ctap_module.nkprobes; i++) {
		struct _ctap_kprobe *k = &_ctap_module.kprobes[i];
		size_t n = _ctap_kprobe_module_len(k);

		if (!n || strlen(mod->name) != n || strncmp(k->symbol, mod->name, n))
			continue;
		if (event == MODULE_STATE_COMING && !k->armed &&
		    (_ctap_session_state() == CTAP_SESSION_STARTING ||
		     _ctap_session_state() == CTAP_SESSION_RUNNING))
			k->armed = !_ctap_kprobe_arm(k);
		else if (event == MODULE_STATE_GOING && k->armed)
			_ctap_kprobe_disarm(k);
	}
	mutex_unlock(&_ctap_kprobe_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block _ctap_kprobe_module_nb = {
	.notifier_call = _ctap_kprobe_module_event,
};
static bool _ctap_kprobe_module_nb_on;

int _ctap_kprobes_register(void)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < _ctap_module.nkprobes; i++)
		if (_ctap_kprobe_module_len(&_ctap_module.kprobes[i]))
			break;
	/* before arming: a module that comes meanwhile is not missed */
	if (i < _ctap_module.nkprobes && !register_module_notifier(&_ctap_kprobe_module_nb))
		_ctap_kprobe_module_nb_on = true;
	mutex_lock(&_ctap_kprobe_mutex);
	for (i = 0; i < _ctap_module.nkprobes; i++) {
		struct _ctap_kprobe *k = &_ctap_module.kprobes[i];

		if (k->armed)
			continue;
		rc = _ctap_kprobe_arm(k);
		if (!rc) {
			k->armed = true;
			continue;
		}
		/* a module that is not loaded (yet): armed when it comes */
		if (rc == -ENOENT && _ctap_kprobe_module_len(k) && _ctap_kprobe_module_nb_on) {
			rc = 0;
			continue;
		}
		if (!k->optional) {
			_ctap_registration_error(k->probe, rc);
			break;
		}
		rc = 0;
	}
	mutex_unlock(&_ctap_kprobe_mutex);
	return rc;
}

void _ctap_kprobes_unregister(void)
{
	unsigned int i;

	/* not under the mutex: a notifier call in progress may wait for it */
	if (_ctap_kprobe_module_nb_on) {
		unregister_module_notifier(&_ctap_kprobe_module_nb);
		_ctap_kprobe_module_nb_on = false;
	}
	mutex_lock(&_ctap_kprobe_mutex);
	for (i = 0; i < _ctap_module.nkprobes; i++)
		if (_ctap_module.kprobes[i].armed)
			_ctap_kprobe_disarm(&_ctap_module.kprobes[i]);
	mutex_unlock(&_ctap_kprobe_mutex);
}
