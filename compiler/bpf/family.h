/*
 * bpf/family: what a probe family provides for the BPF back end (its
 * `bpf` hooks, see elab/family.h), and what the hooks may use.
 *
 * A family's file (compiler/probes/NAME.c) defines one `struct bpf_family`
 * next to its pass-2 code.  Planning asks it where a probe runs, lowering
 * asks it which program (attachment) a probe joins and, for the context
 * values only the family can read, how to read them.  The back end never
 * asks which family a probe belongs to.
 */
#ifndef CTAP_BPF_FAMILY_H
#define CTAP_BPF_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/translation.h"

struct bpf_plan;
struct derived_probe;
struct expr;
struct lower;
struct target_access;
struct token;

/* What a family's target_base hook did with a $var base. */
enum bpf_base {
	BPF_BASE_GENERIC,   /* not the family's: the back end reads it */
	BPF_BASE_READ,      /* read into *out */
	BPF_BASE_FAILED,    /* reported */
};

struct bpf_family {
	/* planning: where the probe runs and, for user-space probes, what
	 * kind (begin/end/error, timers); NULL = in the kernel, as a BPF
	 * program */
	void (*place)(struct bpf_plan *pl, struct bprobe *bp);
	/* lowering: puts a kernel probe into the program it runs in
	 * (bpf_group_*); false after reporting why it cannot run */
	bool (*group)(struct bpf_translation *t, struct bprobe *bp);
	/* $var bases only the family can read (acc->base ACCESS_FAMILY, or a
	 * meaning of its own for another base); NULL = none */
	enum bpf_base (*target_base)(struct lower *L, struct expr *e,
				     const struct target_access *acc, ir_reg *out);
};

/* ---- for group hooks (lower_group.c) ---- */

/* The program of kind a on event, or NULL. */
struct kprog *bpf_group_find(struct bpf_translation *t, enum kattach a, const char *event);
/* A new program of kind a on event (tok: for messages). */
struct kprog *bpf_group_new(struct bpf_translation *t, enum kattach a, const char *event,
			    const struct token *tok);
/* Adds the probe to kp: nr = the syscall number or attach cookie it
 * dispatches on (-1: none); pid / target: run only in that process (0:
 * any) / only in the -c/-x target. */
void bpf_group_add(struct bpf_translation *t, struct kprog *kp, struct bprobe *bp, int32_t nr,
		   int64_t pid, bool target);
/* Adds an attachment site to kp, a uprobe at file offset or a kprobe on
 * symbol (NULL for uprobes), whose attach cookie is its index; returns
 * the index.  ref_ctr: a uprobe's SDT semaphore (file offset; 0: none),
 * which the kernel increments while the uprobe is attached. */
uint32_t bpf_group_add_site(struct bpf_translation *t, struct kprog *kp, uint64_t offset,
			    const char *symbol, uint64_t ref_ctr);
/* How a tracepoint attaches here: KA_RAW_TP, or KA_TP_BTF where raw
 * tracepoints are missing and BTF has the tracepoint. */
enum kattach bpf_group_tracepoint_kind(struct bpf_plan *pl, const char *name);
/* The x86_64 number of a system call, or -1. */
int bpf_group_syscall_number(const char *name);

/* ---- for target_base hooks (lower_target.c) ---- */

/* The probe's return value (uretprobe, syscall exit); false after reporting. */
bool lower_return_value(struct lower *L, const struct token *tok, ir_reg *out);
/* Function or system-call argument n (0-based) of the probe. */
bool lower_func_arg(struct lower *L, const struct token *tok, ir_reg n_reg, int64_t n_imm,
		    ir_reg *out);
/* 8 bytes at offset off of the struct pt_regs that regs points to (the
 * pointer raw_syscalls passes), read with bpf_probe_read_kernel. */
ir_reg lower_regs_field(struct lower *L, ir_reg regs, int off);
/* The program's raw context: u64 args[] of a raw tracepoint (word n). */
ir_reg lower_ctx_word(struct lower *L, uint32_t n);
/* Whether the program runs on raw_syscalls (and *exit: at sys_exit). */
bool lower_at_syscall(const struct lower *L, bool *exit);
/* The derived probe whose handler is being lowered. */
const struct derived_probe *lower_probe(const struct lower *L);
/* "... is not supported by the BPF runtime" at tok (a pass-3 error). */
bool lower_unsupported(struct lower *L, const struct token *tok, const char *what);

#endif
