/*
 * lock: the per-global reader/writer locks that make a handler's accesses
 * to globals atomic (language.md §6 "Execution model").
 *
 * Every global the translator keeps has one struct _ctap_global_lock.  A
 * probe lists the locks its handler (and the functions it calls) needs,
 * read or write, in one fixed global order (ascending address, which the
 * translator gets by putting all locks in one array in declaration order;
 * _ctap_locks_check() verifies it at load).  The runner takes them all
 * before the handler and releases them after: all or none, each with at
 * most MAXTRYLOCK attempts TRYLOCKDELAY microseconds apart.  A timeout
 * releases what was taken and skips the hit (counted per global).
 *
 * Trylock rather than lock because handlers run in any context, including
 * interrupts that arrive while this CPU's or another CPU's handler holds
 * the lock; spinning unboundedly there could deadlock.
 */
#ifndef CTAP_KMOD_LOCK_H
#define CTAP_KMOD_LOCK_H

#include <linux/spinlock.h>
#include <linux/atomic.h>

struct _ctap_global_lock {
	rwlock_t lock;
	const char *name;	/* the global's script name, for reports */
	atomic_t skipped;	/* hits skipped because this lock timed out */
	atomic_t contended;	/* acquisitions that needed more than one try */
};

#define CTAP_GLOBAL_LOCK(NAME) { .lock = __RW_LOCK_UNLOCKED(NAME), .name = NAME }

enum _ctap_lock_mode {
	CTAP_LOCK_READ,
	CTAP_LOCK_WRITE,
};

struct _ctap_lock_req {
	struct _ctap_global_lock *g;
	enum _ctap_lock_mode mode;
};

/* 0 with every lock held, or -EBUSY with none held after a timeout. */
int _ctap_locks_acquire(const struct _ctap_lock_req *req, unsigned int n);
void _ctap_locks_release(const struct _ctap_lock_req *req, unsigned int n);

/* 0 if req[] is in strictly ascending lock order, else -EINVAL. */
int _ctap_locks_check(const struct _ctap_lock_req *req, unsigned int n);

#endif
