/*
 * lock: all-or-none acquisition of a handler's global locks with bounded
 * retries (see lock.h).
 */
#include <linux/delay.h>
#include <linux/errno.h>
#include "kmod/config.h"
#include "kmod/lock.h"

static bool _ctap_lock_try(const struct _ctap_lock_req *r)
{
	if (r->mode == CTAP_LOCK_WRITE)
		return write_trylock(&r->g->lock);
	return read_trylock(&r->g->lock);
}

static void _ctap_lock_drop(const struct _ctap_lock_req *r)
{
	if (r->mode == CTAP_LOCK_WRITE)
		write_unlock(&r->g->lock);
	else
		read_unlock(&r->g->lock);
}

int _ctap_locks_acquire(const struct _ctap_lock_req *req, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int tries = 0;

		while (!_ctap_lock_try(&req[i])) {
			if (++tries >= MAXTRYLOCK) {
				atomic_inc(&req[i].g->skipped);
				_ctap_locks_release(req, i);
				return -EBUSY;
			}
			udelay(TRYLOCKDELAY);
		}
		if (tries)
			atomic_inc(&req[i].g->contended);
	}
	return 0;
}

void _ctap_locks_release(const struct _ctap_lock_req *req, unsigned int n)
{
	while (n-- > 0)
		_ctap_lock_drop(&req[n]);
}

int _ctap_locks_check(const struct _ctap_lock_req *req, unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++)
		if ((unsigned long)req[i].g <= (unsigned long)req[i - 1].g)
			return -EINVAL;
	return 0;
}
