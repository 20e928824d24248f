/*
 * arith: the script's 64-bit integer operators where C differs from the
 * language (language.md §7.2): `/` and `%` by 0 raise `division by 0`,
 * `x / -1` and `x % -1` never trap (INT64_MIN / -1 = INT64_MIN), shift
 * counts are masked to 0..63, `>>>` is a logical shift.  `+ - *` wrap in
 * plain C because the kernel builds with -fno-strict-overflow.
 */
#ifndef CTAP_KMOD_ARITH_H
#define CTAP_KMOD_ARITH_H

#include "common/compat.h"
#include "kmod/error.h"

/* a / b; raises `division by 0` (the caller sets c->last_stmt first). */
static inline int64_t _ctap_div(struct _ctap_context *c, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		_ctap_error(c, "division by 0");
		return 0;
	}
	return compat_sdiv64(a, b);
}

/* a % b, with the sign of a (C99). */
static inline int64_t _ctap_mod(struct _ctap_context *c, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		_ctap_error(c, "division by 0");
		return 0;
	}
	if (b == -1)
		return 0;
	return a - compat_sdiv64(a, b) * b;
}

static inline int64_t _ctap_shl(int64_t a, int64_t n)
{
	return (int64_t)((uint64_t)a << (n & 63));
}

/* >> : arithmetic */
static inline int64_t _ctap_shr(int64_t a, int64_t n)
{
	return a >> (n & 63);
}

/* >>> : logical */
static inline int64_t _ctap_ushr(int64_t a, int64_t n)
{
	return (int64_t)((uint64_t)a >> (n & 63));
}

#endif
