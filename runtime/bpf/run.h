/*
 * run: pass 5 of the BPF back end (run.c: the session; run_kernel.c:
 * creating maps, loading and attaching the kernel programs).
 */
#ifndef CTAP_BPF_RUN_H
#define CTAP_BPF_RUN_H

#include <stdbool.h>

#include "bpf/translation.h"

struct session;
struct load_ctx;

/* The whole session; false when it failed (errors, -c command failed). */
bool run_session(struct session *s, struct bpf_translation *t, struct bpf_plan *pl);

/* run_kernel.c */
bool run_create_maps(struct bpf_translation *t, struct load_ctx *lc);
bool run_load_programs(struct bpf_translation *t, struct load_ctx *lc);
/* target: the -c/-x pid (uprobes of the target's process tree attach on it) */
bool run_attach_programs(struct bpf_translation *t, struct load_ctx *lc, int64_t target);

#endif
