/*
 * transport: the /proc/ctap_NAME/{data,ctl} files over two rings (see
 * transport.h and transport_proto.h).
 *
 * Invariants: each file has at most one opener (staprun), and reads of a
 * file are serialised by its mutex, which makes the ring's consumer side
 * single-threaded.  Readers never block module unload: _ctap_transport_exit
 * sets `closing` and wakes everyone before removing the entries.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/kernel.h>
#include <linux/bitops.h>
#include "kmod/config.h"
#include "kmod/ring.h"
#include "kmod/session.h"
#include "kmod/transport.h"

enum {
	CTAP_PEND_STARTED,
	CTAP_PEND_EXIT_REQUEST,
	CTAP_PEND_DONE,
};

static struct {
	struct _ctap_ring data, ctl;
	struct mutex data_mutex, ctl_mutex;
	atomic_t data_open, ctl_open;
	atomic_t failures;	/* data pieces refused */
	atomic_t lost;		/* ctl records refused, not yet reported */
	unsigned long pending;	/* CTAP_PEND_* bits */
	int started_status;
	bool eof;		/* DONE queued: data ends once drained */
	bool closing;		/* module unloading */
	bool detached;		/* staprun -L / SIGQUIT: closing ctl keeps running */
	u64 data_base;		/* data consumed before the current reader opened */
	char ctl_payload[CTAP_MSG_MAX];	/* a record on its way out (ctl_mutex) */
	unsigned int bufsize_mb;
	struct proc_dir_entry *dir;
	char dirname[MODULE_NAME_LEN + sizeof(CTAP_PROC_PREFIX)];
} _ctap_tp;

void _ctap_transport_data(const char *p, u32 n)
{
	if (n && _ctap_ring_write(&_ctap_tp.data, p, n))
		atomic_inc(&_ctap_tp.failures);
}

void _ctap_transport_msg(u32 type, const char *text, u32 len)
{
	struct ctap_msg_hdr h = { .type = type, .len = min_t(u32, len, CTAP_MSG_MAX),
				  .data_pos = smp_load_acquire(&_ctap_tp.data.head) };

	if (_ctap_ring_write2(&_ctap_tp.ctl, &h, sizeof(h), text, h.len)) {
		atomic_inc(&_ctap_tp.lost);
		_ctap_ring_kick(&_ctap_tp.ctl);
	}
}

static void _ctap_transport_pend(int bit)
{
	set_bit(bit, &_ctap_tp.pending);
	_ctap_ring_kick(&_ctap_tp.ctl);
}

void _ctap_transport_started(int status)
{
	_ctap_tp.started_status = status;
	smp_wmb();
	_ctap_transport_pend(CTAP_PEND_STARTED);
}

void _ctap_transport_exit_request(void)
{
	_ctap_transport_pend(CTAP_PEND_EXIT_REQUEST);
}

void _ctap_transport_done(void)
{
	WRITE_ONCE(_ctap_tp.eof, true);
	_ctap_transport_pend(CTAP_PEND_DONE);
	_ctap_ring_kick(&_ctap_tp.data);
}

int _ctap_transport_failures(void)
{
	return atomic_read(&_ctap_tp.failures);
}

unsigned int _ctap_transport_bufsize_mb(void)
{
	return _ctap_tp.bufsize_mb;
}

/* ---- data file ---- */

static bool _ctap_data_at_eof(void)
{
	return READ_ONCE(_ctap_tp.closing) ||
	       (READ_ONCE(_ctap_tp.eof) && !_ctap_ring_used(&_ctap_tp.data));
}

/*
 * The output the reader may take now: all of it but what was made after
 * the oldest WARNING/ERROR record staprun has not read (its data_pos), so
 * that staprun prints each message after the output made before it and
 * before the output made after it.  The record is peeked without the ctl
 * mutex (a blocked ctl reader holds it): a tail that moved meanwhile
 * means a torn look, taken again.
 */
static u32 _ctap_data_available(void)
{
	struct _ctap_ring *ctl = &_ctap_tp.ctl;
	u32 used = _ctap_ring_used(&_ctap_tp.data);
	u64 tail, done = _ctap_tp.data.tail;
	struct ctap_msg_hdr h;

	if (!used || !atomic_read(&_ctap_tp.ctl_open) || READ_ONCE(_ctap_tp.closing))
		return used;
	do {
		tail = smp_load_acquire(&ctl->tail);
		if (_ctap_ring_used(ctl) < sizeof(h))
			return used;
		_ctap_ring_peek(ctl, 0, &h, sizeof(h));
		smp_rmb();
	} while (READ_ONCE(ctl->tail) != tail);
	/* a record behind the reader (attached after it was made) holds
	 * nothing back; one right at it holds everything */
	if (h.data_pos < done)
		return used;
	return (u32)min_t(u64, used, h.data_pos - done);
}

static bool _ctap_data_readable(void)
{
	_ctap_ring_want_wakeup(&_ctap_tp.data);
	return _ctap_data_available() || _ctap_data_at_eof();
}

static ssize_t _ctap_data_read(struct file *f, char __user *ubuf, size_t n, loff_t *pos)
{
	ssize_t rc;

	if (mutex_lock_interruptible(&_ctap_tp.data_mutex))
		return -ERESTARTSYS;
	for (;;) {
		u32 avail = _ctap_data_available();

		if (avail) {
			rc = _ctap_ring_read_user(&_ctap_tp.data, ubuf, min_t(size_t, n, avail));
			break;
		}
		if (_ctap_data_at_eof()) {
			rc = 0;
			break;
		}
		if (f->f_flags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		rc = wait_event_interruptible(_ctap_tp.data.wq, _ctap_data_readable());
		if (rc)
			break;
	}
	mutex_unlock(&_ctap_tp.data_mutex);
	return rc;
}

static __poll_t _ctap_data_poll(struct file *f, struct poll_table_struct *wait)
{
	__poll_t mask = 0;

	poll_wait(f, &_ctap_tp.data.wq, wait);
	_ctap_ring_want_wakeup(&_ctap_tp.data);
	if (_ctap_data_available())
		mask |= EPOLLIN | EPOLLRDNORM;
	else if (_ctap_data_at_eof())
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLHUP;
	return mask;
}

static int _ctap_data_open(struct inode *inode, struct file *f)
{
	if (atomic_cmpxchg(&_ctap_tp.data_open, 0, 1))
		return -EBUSY;
	/* a reader attaching again (-A) counts from here */
	WRITE_ONCE(_ctap_tp.data_base, _ctap_tp.data.tail);
	return 0;
}

static int _ctap_data_release(struct inode *inode, struct file *f)
{
	atomic_set(&_ctap_tp.data_open, 0);
	return 0;
}

static const struct proc_ops _ctap_data_ops = {
	.proc_open = _ctap_data_open,
	.proc_read = _ctap_data_read,
	.proc_poll = _ctap_data_poll,
	.proc_release = _ctap_data_release,
	.proc_lseek = noop_llseek,
};

/* ---- ctl file ---- */

static bool _ctap_ctl_has_events(void)
{
	return READ_ONCE(_ctap_tp.pending) || atomic_read(&_ctap_tp.lost) ||
	       _ctap_ring_used(&_ctap_tp.ctl);
}

static bool _ctap_ctl_readable(void)
{
	_ctap_ring_want_wakeup(&_ctap_tp.ctl);
	return _ctap_ctl_has_events() || READ_ONCE(_ctap_tp.closing);
}

/* Copies one synthesized record; bytes used, 0 if it does not fit. */
static ssize_t _ctap_ctl_put(char __user *ubuf, size_t room, u32 type, const char *text)
{
	struct ctap_msg_hdr h = { .type = type, .len = text ? strlen(text) : 0 };

	if (room < sizeof(h) + h.len)
		return 0;
	if (copy_to_user(ubuf, &h, sizeof(h)) ||
	    (h.len && copy_to_user(ubuf + sizeof(h), text, h.len)))
		return -EFAULT;
	return sizeof(h) + h.len;
}

/* Ring records first, then the pending events in protocol order. */
static ssize_t _ctap_ctl_fill(char __user *ubuf, size_t n)
{
	struct _ctap_ring *r = &_ctap_tp.ctl;
	size_t done = 0;
	ssize_t k;
	char num[24];
	int lost;

	for (;;) {
		struct ctap_msg_hdr h;
		u32 used = _ctap_ring_used(r);

		if (used < sizeof(h))
			break;
		_ctap_ring_peek(r, 0, &h, sizeof(h));
		if (n - done < sizeof(h) + h.len)
			return done ? done : -EINVAL;
		/* the record leaves the ring whole (the data side peeks at
		 * the first one), its position counted from what this data
		 * reader was the first to see */
		_ctap_ring_peek(r, sizeof(h), _ctap_tp.ctl_payload, h.len);
		h.data_pos = h.data_pos > _ctap_tp.data_base ? h.data_pos - _ctap_tp.data_base : 0;
		if (copy_to_user(ubuf + done, &h, sizeof(h)) ||
		    copy_to_user(ubuf + done + sizeof(h), _ctap_tp.ctl_payload, h.len))
			return -EFAULT;
		_ctap_ring_consume(r, sizeof(h) + h.len);
		done += sizeof(h) + h.len;
	}
	lost = atomic_read(&_ctap_tp.lost);
	if (lost) {
		snprintf(num, sizeof(num), "%d", lost);
		k = _ctap_ctl_put(ubuf + done, n - done, CTAP_MSG_LOST, num);
		if (k <= 0)
			return done ? done : (k ? k : -EINVAL);
		atomic_sub(lost, &_ctap_tp.lost);
		done += k;
	}
	if (test_bit(CTAP_PEND_STARTED, &_ctap_tp.pending)) {
		smp_rmb();
		snprintf(num, sizeof(num), "%d", _ctap_tp.started_status);
		k = _ctap_ctl_put(ubuf + done, n - done, CTAP_MSG_STARTED, num);
		if (k <= 0)
			return done ? done : (k ? k : -EINVAL);
		clear_bit(CTAP_PEND_STARTED, &_ctap_tp.pending);
		done += k;
	}
	if (test_bit(CTAP_PEND_EXIT_REQUEST, &_ctap_tp.pending)) {
		k = _ctap_ctl_put(ubuf + done, n - done, CTAP_MSG_EXIT_REQUEST, NULL);
		if (k <= 0)
			return done ? done : (k ? k : -EINVAL);
		clear_bit(CTAP_PEND_EXIT_REQUEST, &_ctap_tp.pending);
		done += k;
	}
	/* DONE only once every record before it was delivered. */
	if (test_bit(CTAP_PEND_DONE, &_ctap_tp.pending) && !_ctap_ring_used(r) &&
	    !atomic_read(&_ctap_tp.lost)) {
		k = _ctap_ctl_put(ubuf + done, n - done, CTAP_MSG_DONE, NULL);
		if (k <= 0)
			return done ? done : (k ? k : -EINVAL);
		clear_bit(CTAP_PEND_DONE, &_ctap_tp.pending);
		done += k;
	}
	return done;
}

static ssize_t _ctap_ctl_read(struct file *f, char __user *ubuf, size_t n, loff_t *pos)
{
	ssize_t rc;

	if (mutex_lock_interruptible(&_ctap_tp.ctl_mutex))
		return -ERESTARTSYS;
	for (;;) {
		rc = _ctap_ctl_fill(ubuf, n);
		if (rc)
			break;
		if (READ_ONCE(_ctap_tp.closing))
			break;
		if (f->f_flags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		rc = wait_event_interruptible(_ctap_tp.ctl.wq, _ctap_ctl_readable());
		if (rc)
			break;
	}
	mutex_unlock(&_ctap_tp.ctl_mutex);
	/* output held back behind the records read may go now */
	if (rc > 0)
		wake_up_interruptible_all(&_ctap_tp.data.wq);
	return rc;
}

static ssize_t _ctap_ctl_write(struct file *f, const char __user *ubuf, size_t n, loff_t *pos)
{
	char cmd[64];
	long target = 0;
	int rc;

	if (n >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, n))
		return -EFAULT;
	cmd[n] = '\0';
	strim(cmd);
	if (!strncmp(cmd, "start", 5) && (cmd[5] == '\0' || cmd[5] == ' ')) {
		if (cmd[5] && kstrtol(cmd + 6, 10, &target))
			return -EINVAL;
		WRITE_ONCE(_ctap_session.staprun_pid, task_tgid_nr(current));
		WRITE_ONCE(_ctap_session.staprun_uid, from_kuid(&init_user_ns, current_uid()));
		rc = _ctap_session_start(target);
	} else if (!strcmp(cmd, "exit")) {
		_ctap_session_stop();
		rc = 0;
	} else if (!strcmp(cmd, "detach")) {
		WRITE_ONCE(_ctap_tp.detached, true);
		rc = 0;
	} else {
		rc = -EINVAL;
	}
	return rc ? rc : n;
}

static __poll_t _ctap_ctl_poll(struct file *f, struct poll_table_struct *wait)
{
	poll_wait(f, &_ctap_tp.ctl.wq, wait);
	_ctap_ring_want_wakeup(&_ctap_tp.ctl);
	if (_ctap_ctl_has_events())
		return EPOLLIN | EPOLLRDNORM;
	return READ_ONCE(_ctap_tp.closing) ? EPOLLHUP : 0;
}

static int _ctap_ctl_open(struct inode *inode, struct file *f)
{
	if (atomic_cmpxchg(&_ctap_tp.ctl_open, 0, 1))
		return -EBUSY;
	WRITE_ONCE(_ctap_tp.detached, false);
	/* An exit() the previous (detached) reader saw is owed again. */
	if (atomic_read(&_ctap_session.exit_requested))
		_ctap_transport_exit_request();
	return 0;
}

/*
 * The controlling process went away (or closed the file without "exit")
 * without detaching: disarm the probes so that an abandoned module is at
 * least inert.
 */
static int _ctap_ctl_release(struct inode *inode, struct file *f)
{
	if (!READ_ONCE(_ctap_tp.detached))
		_ctap_session_stop();
	atomic_set(&_ctap_tp.ctl_open, 0);
	return 0;
}

static const struct proc_ops _ctap_ctl_ops = {
	.proc_open = _ctap_ctl_open,
	.proc_read = _ctap_ctl_read,
	.proc_write = _ctap_ctl_write,
	.proc_poll = _ctap_ctl_poll,
	.proc_release = _ctap_ctl_release,
	.proc_lseek = noop_llseek,
};

int _ctap_transport_init(unsigned int bufsize_mb)
{
	int rc;

	mutex_init(&_ctap_tp.data_mutex);
	mutex_init(&_ctap_tp.ctl_mutex);
	if (bufsize_mb == 0)
		bufsize_mb = CTAP_DATA_RING_MB;
	if (bufsize_mb > 4095)
		bufsize_mb = 4095;
	_ctap_tp.bufsize_mb = bufsize_mb;
	rc = _ctap_ring_init(&_ctap_tp.data, bufsize_mb << 20);
	if (rc)
		return rc;
	rc = _ctap_ring_init(&_ctap_tp.ctl, CTAP_CTL_RING_SIZE);
	if (rc)
		goto fail;
	snprintf(_ctap_tp.dirname, sizeof(_ctap_tp.dirname), "%s%s",
		 CTAP_PROC_PREFIX, THIS_MODULE->name);
	rc = -ENOMEM;
	_ctap_tp.dir = proc_mkdir(_ctap_tp.dirname, NULL);
	if (!_ctap_tp.dir)
		goto fail;
	if (!proc_create("data", 0600, _ctap_tp.dir, &_ctap_data_ops) ||
	    !proc_create("ctl", 0600, _ctap_tp.dir, &_ctap_ctl_ops))
		goto fail;
	return 0;
fail:
	_ctap_transport_exit();
	return rc;
}

void _ctap_transport_exit(void)
{
	WRITE_ONCE(_ctap_tp.closing, true);
	if (_ctap_tp.data.buf)
		_ctap_ring_wake_now(&_ctap_tp.data);
	if (_ctap_tp.ctl.buf)
		_ctap_ring_wake_now(&_ctap_tp.ctl);
	proc_remove(_ctap_tp.dir);
	_ctap_tp.dir = NULL;
	_ctap_ring_free(&_ctap_tp.ctl);
	_ctap_ring_free(&_ctap_tp.data);
}
