/*
 * plan: what the BPF back end decides about a program before any
 * instruction is emitted or any handler is interpreted.
 *
 * Input: the elaborated program (elab/program.h) and the session's -D/-G
 * options.  Output: a `struct bpf_plan` in the session arena that both
 * halves of the back end read:
 *
 *   - limits (MAXSTRINGLEN, MAXMAPENTRIES, MAXACTION, MAXERRORS, ...);
 *   - where each derived probe runs: user space (begin/end/error, interval
 *     timers: interp.c) or the kernel (event probes: lower*.c);
 *   - the data layout shared by BPF programs and user space (rtdata.h):
 *     scalars in one mmap-able array map, statistics in one per-CPU
 *     array, one hash map per global array, a ring buffer for records;
 *   - string widths: an upper bound (bytes including the NUL, at most
 *     MAXSTRINGLEN) for every string variable, array key column, array
 *     value and function result, found by a fixpoint over all assignments
 *     in the program.  Widths size hash keys, map values and kernel
 *     buffers; they never truncate a string below what the language
 *     allows (MAXSTRINGLEN-1 bytes), because every store is accounted for.
 *
 * Side tables hang off the AST through the `backend` pointers pass 2
 * leaves for back ends: vardecl->backend is a struct bvar, and
 * functiondecl->backend a struct bfunc.
 */
#ifndef CTAP_BPF_PLAN_H
#define CTAP_BPF_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/translation.h"

struct session;
struct ir_map;
struct arena;

/* Builds the plan; NULL after reporting errors. */
struct bpf_plan *plan_build(struct session *s, struct program *p);

/* Width bound of a string expression (bytes incl. NUL); MAXSTRINGLEN for
 * anything not tracked. */
uint32_t plan_width(const struct bpf_plan *pl, const struct expr *e);

/* The value of -D NAME (NULL if not given; "" for a bare -D NAME). */
const char *plan_define(const struct session *s, const char *name);

#endif
