/*
 * compat: the one place where runtime/common learns whether it is built
 * into a kernel module (__KERNEL__, kbuild), into user space (libctap.a,
 * unit tests) or into BPF (__bpf__: the helpers of runtime/bpf/fmt_helpers.bpf.c,
 * compiled by clang -target bpf, which has no libc).  Everything else in
 * runtime/common includes only this header for types and the handful of
 * library calls it uses (memcpy, memset, strlen), so the same source
 * compiles in all three worlds.
 *
 * Invariants for code built on this header (it runs in probe context):
 * no floating point, no varargs printf, no allocation, no recursion, and
 * 64-bit division only through compat_sdiv64/compat_udiv64 below, so a
 * 32-bit port would need to touch one place (the kernel has no libgcc
 * __divdi3 there; x86_64 is the only architecture we build for today).
 */
#ifndef CTAP_COMMON_COMPAT_H
#define CTAP_COMMON_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/limits.h>
#include <linux/math64.h>
#define COMPAT_S64_MAX S64_MAX
#define COMPAT_S64_MIN S64_MIN
#define COMPAT_U64_MAX U64_MAX
#elif defined(__bpf__)
/* clang's own freestanding headers; the builtins become inline code (a
 * constant length is required: BPF has no memcpy to call) */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#define memcpy __builtin_memcpy
#define memset __builtin_memset
#define COMPAT_S64_MAX INT64_MAX
#define COMPAT_S64_MIN INT64_MIN
#define COMPAT_U64_MAX UINT64_MAX
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#define COMPAT_S64_MAX INT64_MAX
#define COMPAT_S64_MIN INT64_MIN
#define COMPAT_U64_MAX UINT64_MAX
#endif

/*
 * Signed 64-bit division with the script language's rules made total:
 * x/0 = 0 (callers that must raise "division by 0" check first) and
 * INT64_MIN/-1 = INT64_MIN instead of a trap.  Truncates toward zero.
 */
static inline int64_t compat_sdiv64(int64_t a, int64_t b)
{
	if (b == 0)
		return 0;
	if (b == -1)
		return (int64_t)(0 - (uint64_t)a);
#ifdef __KERNEL__
	return div64_s64(a, b);
#else
	return a / b;
#endif
}

/* Unsigned 64-bit division; x/0 = 0. */
static inline uint64_t compat_udiv64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return 0;
#ifdef __KERNEL__
	return div64_u64(a, b);
#else
	return a / b;
#endif
}

/*
 * Copies n <= max bytes.  BPF cannot copy a variable length inline, so
 * there it copies all `max`: callers give the destination that much room
 * (the BPF helpers' output areas have it), and the bytes past n are
 * overwritten by the next piece or ignored.
 */
#ifdef __bpf__
#define compat_copy_small(dst, src, n, max) __builtin_memcpy((dst), (src), (max))
#else
#define compat_copy_small(dst, src, n, max) memcpy((dst), (src), (n))
#endif

/*
 * A static helper BPF must inline: a call would pass its operands through
 * the stack, where the verifier loses their bounds, and each call frame
 * counts against the 512 bytes of the calling program.
 */
#ifdef __bpf__
#define COMPAT_INLINE static inline __attribute__((always_inline))
#else
#define COMPAT_INLINE static
#endif

/*
 * x & m where x is an array index the code has already checked: a no-op
 * the compiler would drop, kept in BPF (behind an empty asm the compiler
 * cannot see through) because the verifier loses the bound of a check in
 * some cases (6.1 after a 32-bit compare) but never that of an AND.
 */
#ifdef __bpf__
#define COMPAT_MASK(x, m) ({ __typeof__(x) compat_v_ = (x); \
	asm volatile("" : "+r"(compat_v_)); compat_v_ & (m); })
#else
#define COMPAT_MASK(x, m) ((x) & (m))
#endif

/* Remainder of an unsigned division (used for digit extraction). */
static inline uint64_t compat_umod64(uint64_t a, uint64_t b)
{
	return a - compat_udiv64(a, b) * b;
}

#endif
