/*
 * probe_uprobe: process(...).function / .return / .statement / .plt /
 * .mark probes (probes.md §2.6) through the kernel's uprobes: one
 * consumer per probe on (inode, file offset), with the SDT semaphore as
 * the uprobe's reference counter so that the kernel raises it in every
 * process mapping the file, as long as the probe is armed.
 *
 * The kernel plants the breakpoint in every process that maps the file;
 * process(PID) and -c/-x are tested in the handler (the task's thread
 * group, as the BPF back end's attach filter does), so a hit of another
 * process costs a trap and no handler run.
 *
 * Handlers run in the probed task's context with its user registers, so
 * $vars in registers, int_arg() and user_* readers see the probed state.
 */
#include <linux/uprobes.h>
#include <linux/namei.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include "kmod/error.h"
#include "kmod/families.h"
#include "kmod/module.h"
#include "kmod/probe.h"
#include "kmod/session.h"

/* Linux 6.12 changed uprobe_register() (it returns the uprobe, and
 * unregistering is split into _nosync and _sync); the kmod runtime uses
 * the earlier interface.  Pass 3 refuses process probes for those kernels,
 * so a module reaching _ctap_uprobe_arm() there is a bug: it fails. */
#define _CTAP_UPROBES_OLD_API (LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0))

static bool _ctap_uprobe_wanted(const struct _ctap_uprobe *u)
{
	pid_t tgid = task_tgid_nr(current);

	if (u->pid && tgid != u->pid)
		return false;
	if (u->target && tgid != _ctap_target())
		return false;
	return true;
}

static int _ctap_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct _ctap_uprobe *u = container_of(uc, struct _ctap_uprobe, uc);

	if (_ctap_uprobe_wanted(u))
		_ctap_probe_run(u->probe, regs, NULL);
	return 0;
}

static int _ctap_uretprobe_hit(struct uprobe_consumer *uc, unsigned long func,
			       struct pt_regs *regs)
{
	return _ctap_uprobe_hit(uc, regs);
}

/* The inode of the probed file, referenced until the probe is disarmed. */
static struct inode *_ctap_uprobe_inode(const char *path, int *rc)
{
	struct path p;
	struct inode *inode;

	*rc = kern_path(path, LOOKUP_FOLLOW, &p);
	if (*rc)
		return NULL;
	inode = igrab(d_real_inode(p.dentry));
	path_put(&p);
	if (!inode)
		*rc = -ENOENT;
	return inode;
}

static int _ctap_uprobe_arm(struct _ctap_uprobe *u)
{
	int rc = -EOPNOTSUPP;

	if (!_CTAP_UPROBES_OLD_API)
		return -EOPNOTSUPP;

	u->inode = _ctap_uprobe_inode(u->path, &rc);
	if (!u->inode)
		return rc;
	memset(&u->uc, 0, sizeof(u->uc));
	if (u->is_return)
		u->uc.ret_handler = _ctap_uretprobe_hit;
	else
		u->uc.handler = _ctap_uprobe_hit;
#if _CTAP_UPROBES_OLD_API
	rc = uprobe_register_refctr(u->inode, u->offset, u->ref_ctr_offset, &u->uc);
#endif
	if (rc) {
		iput(u->inode);
		u->inode = NULL;
	}
	return rc;
}

int _ctap_uprobes_register(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nuprobes; i++) {
		struct _ctap_uprobe *u = &_ctap_module.uprobes[i];
		int rc = _ctap_uprobe_arm(u);

		if (!rc)
			u->armed = true;
		else if (!u->optional) {
			_ctap_registration_error(u->probe, rc);
			return rc;
		}
	}
	return 0;
}

void _ctap_uprobes_unregister(void)
{
	unsigned int i;

	/* uprobe_unregister() returns once no handler of the consumer can
	 * still be running (it takes the uprobe's register_rwsem). */
	for (i = 0; i < _ctap_module.nuprobes; i++) {
		struct _ctap_uprobe *u = &_ctap_module.uprobes[i];

		if (!u->armed)
			continue;
#if _CTAP_UPROBES_OLD_API
		uprobe_unregister(u->inode, u->offset, &u->uc);
#endif
		iput(u->inode);
		u->inode = NULL;
		u->armed = false;
	}
}
