/*
 * ring: a byte ring buffer with many producers and one consumer, the
 * storage under both transport channels (transport.c).
 *
 * Producers (probe handlers on any CPU, any context but NMI) append whole
 * records under a raw spinlock with interrupts off; a record that does not
 * fit is refused whole (the caller counts it), so the consumer never sees
 * a partial record.  The single consumer (a reader of the /proc file,
 * serialised by the file's mutex) copies out and advances the tail without
 * the lock: head is published with release semantics after the bytes are
 * written, tail with release semantics after they were read.
 *
 * Wake-ups: probe context must never call wake_up() (a probe inside the
 * scheduler would deadlock on the runqueue lock), so a producer that sees
 * a waiting reader queues an irq_work, which wakes the reader from its own
 * interrupt.  A reader announces itself by setting reader_waiting before
 * it checks for data (poll, blocking read); the full barriers on both
 * sides guarantee that either the reader sees the data or the producer
 * sees the flag.
 *
 * Storage is allocated once (vmalloc) and never in probe context.
 */
#ifndef CTAP_KMOD_RING_H
#define CTAP_KMOD_RING_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/irq_work.h>

struct _ctap_ring {
	char *buf;
	u32 size;		/* power of two */
	u64 head;		/* bytes ever written (producer side) */
	u64 tail;		/* bytes ever consumed (consumer side) */
	raw_spinlock_t lock;	/* serialises producers */
	int reader_waiting;
	wait_queue_head_t wq;
	struct irq_work wake;
};

/* Allocates size bytes (rounded up to a power of two); 0 or -ENOMEM. */
int _ctap_ring_init(struct _ctap_ring *r, u32 size);
/* Waits for a queued wake-up and frees the storage.  Accepts an unused ring. */
void _ctap_ring_free(struct _ctap_ring *r);

/* Appends p1[0..n1) then p2[0..n2) as one unit; 0, or -ENOSPC if it does
 * not fit (nothing written). */
int _ctap_ring_write2(struct _ctap_ring *r, const void *p1, u32 n1,
		      const void *p2, u32 n2);

static inline int _ctap_ring_write(struct _ctap_ring *r, const void *p, u32 n)
{
	return _ctap_ring_write2(r, p, n, NULL, 0);
}

/* Wakes a waiting reader after state it polls for changed; any context. */
void _ctap_ring_kick(struct _ctap_ring *r);

/* Consumer side. */
u32 _ctap_ring_used(struct _ctap_ring *r);
/* Copies n bytes starting off bytes past the tail; the caller checked used. */
void _ctap_ring_peek(struct _ctap_ring *r, u32 off, void *dst, u32 n);
/* Copies up to n bytes to user space and consumes them; bytes or -EFAULT. */
ssize_t _ctap_ring_read_user(struct _ctap_ring *r, char __user *ubuf, size_t n);
void _ctap_ring_consume(struct _ctap_ring *r, u32 n);

/*
 * Announces a reader about to sleep or poll.  Call before testing for
 * data; see the head comment.
 */
static inline void _ctap_ring_want_wakeup(struct _ctap_ring *r)
{
	WRITE_ONCE(r->reader_waiting, 1);
	smp_mb();
}

/* Wakes readers directly: process context only (never from a probe). */
static inline void _ctap_ring_wake_now(struct _ctap_ring *r)
{
	wake_up_interruptible_all(&r->wq);
}

#endif
