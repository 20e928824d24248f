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

#include "bpf/ir.h"
#include "bpf/plan.h"

struct asm_prog;

enum kattach {
	KA_TP_BTF,          /* tp_btf: tracepoint by BTF */
	KA_RAW_TP,          /* raw tracepoint (no BTF for it) */
	KA_PERF_TP,         /* tracepoint through a perf event */
	KA_CPU_CLOCK,       /* perf cpu-clock on every CPU (timer.profile) */
	KA_PERF_EVENT,      /* any perf event on every CPU (perf.*.sample) */
	KA_UPROBE,          /* uprobe / uretprobe (one offset) */
	KA_UPROBE_MULTI,    /* uprobe_multi over many offsets of one file */
};

/* One BPF program: a group of derived probes on one event. */
struct kprog {
	enum kattach attach;
	const char *event;            /* tracepoint name, "cpu-clock", path */
	const char *tp_system;        /* KA_PERF_TP */
	uint64_t period_ns;           /* KA_CPU_CLOCK */
	uint32_t perf_type;           /* KA_PERF_EVENT */
	uint64_t perf_config, perf_period, perf_freq;
	bool syscall_group;           /* raw_syscalls with per-probe syscall numbers */
	bool syscall_exit;
	bool cookie_dispatch;         /* uprobe_multi: probe i has attach cookie i */
	bprobe_vec probes;
	int32_t *syscall_nr;          /* per probe: syscall number (or cookie), -1 = any */
	int64_t *pid_filter;          /* per probe: only this tgid (0 = any) */
	bool *target_filter;          /* per probe: only the -c/-x target */
	/* uprobes */
	const char *path;
	uint64_t *offsets;
	uint64_t *cookies;
	uint32_t noffsets;
	bool retprobe;
	int pid;                      /* attach filter (0 = any) */
	bool attach_target;           /* attach filtered on the target pid */
	/* products */
	struct ir *ir;
	struct asm_prog *code;
	const struct token *tok;      /* for messages: the first probe's point */
	int fd;                       /* run time */
};

/* A print (or histogram print) in a kernel handler: what its record holds. */
struct psite {
	struct expr *e;               /* EXPR_PRINT */
	uint32_t nargs;
	struct psite_arg {
		enum stap_type type;
		uint32_t off;             /* in the payload */
		uint32_t width;           /* strings */
	} *args;
	uint32_t size;                /* payload bytes */
	struct expr *hist;            /* RTR_HIST: the @hist_xxx expression */
	uint8_t *hist_key;            /* RTR_HIST of an array element: no, keys ride in payload */
};

/* A run-time error a kernel handler may raise. */
enum esite_detail {
	ES_NONE,                      /* fixed text */
	ES_ADDR,                      /* "{addr}" in msg from a u64 in the payload */
	ES_STRING,                    /* error(msg): the payload is the message */
	ES_ERRNO_ADDR,                /* "{err}" and "{addr}" from two u64s */
};

struct esite {
	const char *msg;              /* text, with {addr} / {err} placeholders */
	const struct token *tok;      /* NULL: no " near ..." */
	enum esite_detail detail;
	uint32_t width;               /* ES_STRING */
};

typedef VEC(struct kprog *) kprog_vec;

struct bpf_translation {
	struct bpf_plan *pl;
	kprog_vec progs;
	VEC(struct psite *) psites;
	VEC(struct esite *) esites;
	struct ir_tagger tagger;
	uint32_t ninsns;
};

/* Pass 3: lowers every kernel-side probe; NULL after reporting errors. */
struct bpf_translation *lower_program(struct bpf_plan *pl);
/* -p3: the listing (programs with annotated instructions) and the maps. */
void lower_listing(struct bpf_translation *t, struct strbuf *out);

#endif
