/*
 * ring: implementation of the many-producer, one-consumer byte ring (see
 * ring.h for the locking and wake-up protocol).
 */
#include <linux/hardirq.h>
#include <linux/vmalloc.h>
#include <linux/log2.h>
#include <linux/uaccess.h>
#include <linux/errno.h>
#include "kmod/ring.h"

static void _ctap_ring_wake_fn(struct irq_work *w)
{
	struct _ctap_ring *r = container_of(w, struct _ctap_ring, wake);

	wake_up_interruptible_all(&r->wq);
}

int _ctap_ring_init(struct _ctap_ring *r, u32 size)
{
	r->size = roundup_pow_of_two(size < PAGE_SIZE ? PAGE_SIZE : size);
	r->buf = vmalloc(r->size);
	if (!r->buf)
		return -ENOMEM;
	r->head = 0;
	r->tail = 0;
	r->reader_waiting = 0;
	raw_spin_lock_init(&r->lock);
	init_waitqueue_head(&r->wq);
	init_irq_work(&r->wake, _ctap_ring_wake_fn);
	return 0;
}

void _ctap_ring_free(struct _ctap_ring *r)
{
	if (!r->buf)
		return;
	irq_work_sync(&r->wake);
	vfree(r->buf);
	r->buf = NULL;
}

/* Copies n bytes into the ring at absolute position pos (may wrap). */
static void _ctap_ring_put(struct _ctap_ring *r, u64 pos, const void *p, u32 n)
{
	u32 off = pos & (r->size - 1);
	u32 first = min_t(u32, n, r->size - off);

	memcpy(r->buf + off, p, first);
	if (n > first)
		memcpy(r->buf, (const char *)p + first, n - first);
}

int _ctap_ring_write2(struct _ctap_ring *r, const void *p1, u32 n1,
		      const void *p2, u32 n2)
{
	unsigned long flags;
	u64 head;
	int rc = 0;

	/* in a trap (a kprobe's int3 counts as NMI) the lock may be held by
	 * the code trapped: never wait for it there */
	if (in_nmi()) {
		if (!raw_spin_trylock_irqsave(&r->lock, flags))
			return -EBUSY;
	} else {
		raw_spin_lock_irqsave(&r->lock, flags);
	}
	head = r->head;
	if ((u64)n1 + n2 > r->size - (head - smp_load_acquire(&r->tail))) {
		rc = -ENOSPC;
	} else {
		_ctap_ring_put(r, head, p1, n1);
		if (n2)
			_ctap_ring_put(r, head + n1, p2, n2);
		smp_store_release(&r->head, head + n1 + n2);
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
	_ctap_ring_kick(r);
	return rc;
}

void _ctap_ring_kick(struct _ctap_ring *r)
{
	/* Pairs with the barrier in _ctap_ring_want_wakeup(). */
	smp_mb();
	if (READ_ONCE(r->reader_waiting) && xchg(&r->reader_waiting, 0))
		irq_work_queue(&r->wake);
}

u32 _ctap_ring_used(struct _ctap_ring *r)
{
	return (u32)(smp_load_acquire(&r->head) - r->tail);
}

void _ctap_ring_peek(struct _ctap_ring *r, u32 off, void *dst, u32 n)
{
	u32 pos = (r->tail + off) & (r->size - 1);
	u32 first = min_t(u32, n, r->size - pos);

	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy((char *)dst + first, r->buf, n - first);
}

void _ctap_ring_consume(struct _ctap_ring *r, u32 n)
{
	smp_store_release(&r->tail, r->tail + n);
}

ssize_t _ctap_ring_read_user(struct _ctap_ring *r, char __user *ubuf, size_t n)
{
	u32 used = _ctap_ring_used(r);
	u32 pos = r->tail & (r->size - 1);
	u32 take = (u32)min_t(size_t, n, used);
	u32 first = min_t(u32, take, r->size - pos);

	if (copy_to_user(ubuf, r->buf + pos, first))
		return -EFAULT;
	if (take > first && copy_to_user(ubuf + first, r->buf, take - first))
		return -EFAULT;
	_ctap_ring_consume(r, take);
	return take;
}
