/*
 * lower: pass 3 of the BPF back end - kernel-side probe handlers lowered
 * from the elaborated AST to the machine IR (ir.h), one BPF program per
 * attachment point.
 *
 * Input: the plan (plan.h).  Output: `struct bpf_translation`: programs
 * (IR, then encoded by asm_build), the sites kernel records refer to
 * (print and error sites: what user space needs to print them), and the
 * tagger that turns instruction tags (tokens) into listing annotations.
 *
 * Grouping: derived probes that attach to the same event share one
 * program, run one after another in it, each with its own locals and
 * statement budget (syscall tracepoints share raw_syscalls:sys_enter or
 * sys_exit, with the syscall number tested first).
 *
 * Files: lower.c (programs, statements, locals, errors, records),
 * lower_expr.c (expressions), lower_str.c (strings), lower_map.c (arrays,
 * statistics), lower_builtin.c (builtins), lower_target.c ($vars).
 */
#ifndef CTAP_BPF_LOWER_H
#define CTAP_BPF_LOWER_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/plan.h"
#include "bpf/translation.h"

struct asm_prog;

/* Pass 3: lowers every kernel-side probe; NULL after reporting errors. */
struct bpf_translation *lower_program(struct bpf_plan *pl);
/* -p3: the listing (programs with annotated instructions) and the maps. */
void lower_listing(struct bpf_translation *t, struct strbuf *out);

#endif
