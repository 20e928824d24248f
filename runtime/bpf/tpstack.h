/*
 * tpstack: the functions of BPF machinery that may sit between a raw
 * tracepoint's BPF program (below bpf_trace_runN) and the function that
 * hit the tracepoint, in the stack bpf_get_stack reports: the event's
 * __bpf_trace_EVENT (a frame on 6.1; tail-called away on 6.18, but for
 * the syscall events) and __traceiter_EVENT (when the event has several
 * callbacks, as when perf records it too).  Whether they are there
 * depends on the kernel and on the moment, so a program capturing a
 * kernel stack compares its first frames with their address ranges
 * (compiler/bpf/lower_stack.c), which the session reads from kallsyms at
 * load into the globals (kprog.machinery_off): the stack then starts at
 * the tracepoint's caller, as perf's and the kernel's own WARN() do.
 */
#ifndef CTAP_BPF_TPSTACK_H
#define CTAP_BPF_TPSTACK_H

#include <stdint.h>

#include "bpf/ksyms.h"

#define TPSTACK_RANGES 2
#define TPSTACK_RANGES_SIZE (16 * TPSTACK_RANGES)

/* The ranges of event's machinery as (start, size) pairs; a function
 * kallsyms does not list gives (0, 0), which holds no address. */
void tpstack_ranges(const struct ksyms *ks, const char *event, uint64_t out[2 * TPSTACK_RANGES]);

#endif
