/*
 * interp: runs user-space probe handlers (begin/end/error, interval
 * timers) of a BPF-back-end session by walking the elaborated AST.
 *
 * It reads and writes the same data the kernel programs use (urt.h: the
 * mmap-ed globals, the per-CPU statistics, the array hash maps), so
 * everything BPF cannot do - foreach with sorting and limits, printing
 * whole histograms, deleting whole arrays, the end-of-session display -
 * happens here, in SystemTap's order and with its run-time errors
 * ("division by 0", "Array overflow, check MAXMAPENTRIES", MAXACTION,
 * MAXNESTING, "empty aggregate", error()...) printed as
 * "ERROR: TEXT near TOKEN".
 *
 * Statement budget (MAXACTION), the model both halves of the back end
 * follow (README.md §MAXACTION): every executed statement costs 1 ({}
 * blocks, expression statements, if, loops, delete, next, return, break,
 * continue, try; a for loop's init expression 1 more; `;` nothing).
 * Charges accumulate and are checked when a loop starts, at each loop
 * back edge (both at the loop's keyword) and when the handler ends (at
 * its opening brace); the error is `MAXACTION exceeded` and not
 * catchable.
 *
 * Strings are byte ranges living in a per-hit pool (reset after each
 * hit); values stored into globals are copied into their map slots.
 */
#ifndef CTAP_BPF_INTERP_H
#define CTAP_BPF_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/translation.h"
#include "bpf/urt.h"

struct interp;

/* Pass 3: every user-space handler can run here (each builtin it calls
 * has a user-space implementation; no target variables or embedded C).
 * Errors name the construct and the probe. */
bool interp_check(struct bpf_plan *pl);

/* Whether user-space handlers can call the BPF builtin NAME (a tapset
 * function's "bpf: NAME"; tapset/BPF_BUILTINS.md). */
bool interp_builtin_available(const char *name);

/* Whether the builtin NAME gives its real value only in the probed
 * context: it has no user-space implementation, or that one stands in
 * with a zero or a fault (current_task, kernel_read, stack_addrs...). */
bool interp_builtin_wants_kernel(const char *name);

/* Whether a probe that may run in either place (timer.*) needs kernel
 * context: its condition, body or a function they call reads a $var, a
 * @cast, a register or memory through a builtin that wants the kernel. */
bool interp_needs_kernel(const struct bprobe *bp);

struct interp *interp_new(struct urt *u);
void interp_free(struct interp *I);

/* One hit of a user-space probe.  False if it ended with an error (already
 * reported and counted). */
bool interp_run(struct interp *I, struct bprobe *bp);

/* A script function that reads nothing but its long parameters (a
 * deferred print argument, psite_arg.defer_fn) applied to args; the
 * result lives until interp_release. */
bool interp_apply(struct interp *I, const struct functiondecl *fn, const int64_t *args,
		  uint32_t nargs, struct ival *out);
/* Frees the strings of interp_apply results. */
void interp_release(struct interp *I);

#endif
