/*
 * translation: what pass 3 of the BPF back end (compiler/bpf) hands to
 * this runtime: the plan (limits, where each probe runs, the data layout
 * shared by programs and user space) and the translation proper (one BPF
 * program per attachment point, encoded, with what attaching it needs, and
 * the print and error sites kernel records refer to).
 *
 * These are descriptions only: the runtime reads them, and only the
 * compiler builds them (plan_build, lower_program).  Side tables hang off
 * the AST through the `backend` pointers pass 2 leaves for back ends:
 * vardecl->backend is a struct bvar, functiondecl->backend a struct bfunc.
 */
#ifndef CTAP_BPF_TRANSLATION_H
#define CTAP_BPF_TRANSLATION_H

#include <stdbool.h>
#include <stdint.h>

#include "bpfmc/ir.h"
#include "common/fmt_spec.h"
#include "common/stats.h"
#include "elab/program.h"
#include "util/vec.h"

struct session;
struct asm_prog;

/* ------------------------------------------------------------ the plan */

#define BPF_MAX_KEYS 9

struct bpf_limits {
	uint32_t maxstringlen;     /* MAXSTRINGLEN (512) */
	uint32_t maxmapentries;    /* MAXMAPENTRIES (2048) */
	int64_t maxaction;         /* statement budget per hit (MAXACTION_INTERRUPTIBLE) */
	int64_t maxerrors;         /* MAXERRORS (0) */
	int64_t maxskipped;        /* MAXSKIPPED (100) */
	uint32_t maxnesting;       /* MAXNESTING (static depth + 1, +10 if recursive) */
	uint32_t max_buckets;      /* STP_MAX_BUCKETS (128) */
	int64_t hist_width;        /* HIST_WIDTH (50) */
	int64_t hist_elision;      /* HIST_ELISION (2) */
	uint32_t ringbuf_bytes;    /* size of the record ring (-s MB, default 1 MiB) */
	bool no_action_limit;      /* --suppress-time-limits */
	/* the verifier budget pass 3 checks each program against (-D
	 * BPF_STACK_LIMIT, -D BPF_INSN_LIMIT; bpfmc/budget.h): combined stack
	 * along a call chain, encoded instructions */
	uint32_t stack_limit;
	uint32_t insn_limit;
	uint32_t ustack_size;      /* BPF_USTACK_SIZE: user stack bytes per RTR_USTACK */
};

/* Where a derived probe's handler runs. */
enum bprobe_where {
	BP_NEVER,       /* `never`: compiled for checks, never run */
	BP_USER,        /* begin/end/error and interval timers: interpreted in stap */
	BP_KERNEL,      /* event probes: a BPF program */
};

enum bprobe_ukind { BPU_BEGIN, BPU_END, BPU_ERROR, BPU_TIMER };

struct bprobe {
	struct derived_probe *dp;
	enum bprobe_where where;
	enum bprobe_ukind ukind;      /* BP_USER */
	int64_t sequence;             /* begin/end/error(N) */
	/* timers (BP_USER) */
	int64_t period_ns, randomize_ns;
	uint32_t nslots;              /* interpreter: locals */
	uint32_t index;               /* in plan->probes */
	bool process_end;             /* process.end: only the thread-group leader's exit */
};

/* A global variable (vardecl->backend). */
enum bvar_kind {
	BV_LOCAL,      /* local or parameter: slot in the interpreter frame */
	BV_LONG,       /* scalar long: u64 at `off` in the globals map value */
	BV_STRING,     /* scalar string: `width` bytes at `off` in the globals map value */
	BV_STATS,      /* scalar statistics: accumulator at `off` in the per-CPU stats map */
	BV_ARRAY,      /* array: its own hash map */
};

struct bvar {
	enum bvar_kind kind;
	struct vardecl *decl;
	enum stap_type type;          /* value type */
	uint32_t width;               /* strings: bound in bytes incl. NUL */
	uint32_t slot;                /* BV_LOCAL */
	uint32_t off;                 /* BV_LONG / BV_STRING / BV_STATS */
	struct stats_desc sdesc;      /* BV_STATS, or arrays of stats */
	enum hist_kind hist;          /* from the uses */
	int64_t hist_start, hist_stop, hist_interval;
	bool want_variance;
	uint32_t var_shift;
	bool hist_bad;                /* @hist_linear parameters invalid (warned) */
	/* BV_ARRAY */
	struct ir_map *map;
	uint32_t nkeys;
	enum stap_type ktype[BPF_MAX_KEYS];
	uint32_t kwidth[BPF_MAX_KEYS];  /* string key columns: bytes */
	uint32_t koff[BPF_MAX_KEYS];
	uint32_t key_size;            /* packed keys, rounded up to 8 */
	uint32_t value_size;          /* per entry (per CPU for stats): seq + value */
	uint32_t capacity;            /* max entries */
	bool wrap;                    /* global a% */
	bool sized;                   /* global a[N]: the overflow message names N */
	bool percpu;                  /* statistics arrays */
	/* -G value, if any */
	const char *init_text;
};

/* Array map values start with the insertion sequence number. */
#define BV_VALUE_OFF 8

/* A function (functiondecl->backend). */
struct bfunc {
	uint32_t ret_width;           /* string results */
	uint32_t nslots;              /* params then locals */
	bool recursive;               /* reaches itself */
};

typedef VEC(struct bprobe *) bprobe_vec;
typedef VEC(struct bvar *) bvar_vec;

struct bpf_plan {
	struct session *s;
	struct program *prog;
	struct arena *arena;
	struct bpf_limits lim;
	bprobe_vec probes;            /* every derived probe, in program order */
	bvar_vec globals;             /* every used global */
	uint32_t globals_size;        /* bytes of the globals map value (head included) */
	uint32_t stats_size;          /* bytes of the per-CPU stats map value */
	uint32_t nkernel, nuser;      /* probes by where */
	/* the source probe point last refused for a feature the kernel lacks:
	 * said once, not once per function it matched */
	const void *refused_point;
	/* maps (created at run time; arrays hang off their bvar) */
	struct ir_map *gmap;          /* globals: ARRAY, 1 entry, mmap-able */
	struct ir_map *smap;          /* statistics scalars: PERCPU_ARRAY, 1 entry (or NULL) */
	struct ir_map *ring;          /* records to user space (kernel probes only) */
	struct ir_map *lost;          /* lost-record counters */
	struct ir_map *rodata;        /* strings kernel helpers need read-only */
	struct ir_map *scratch;       /* per-CPU scratch for large strings (or NULL) */
	struct ir_map *fmtbuf;        /* per-CPU buffers of in-kernel formatting (lower_fmt.c) */
	struct ir_map *outq;          /* per-CPU output queue of the running hit */
	struct ir_map *matchbuf;      /* per-CPU last successful =~ (lower_match.c) */
	bool track_groups;            /* the script calls matched() or ngroups() */
	bool user_stacks;             /* handlers send user stacks or addresses to name
	                               * in user space (lower_ustack.c): the -c command
	                               * is held at its exit until they are made (loop.h) */
	uint32_t scratch_size;
	int ncpus;                    /* possible CPUs (per-CPU value arrays) */
	int hz;                       /* CONFIG_HZ of the target (jiffies) */
	int64_t tz_gmtoff;            /* seconds west of UTC where stap runs (tz_gmtoff) */
	const char *tz_name;          /* its abbreviation (tz_name) */
	const char *klines_path;      /* the kernel's line table (symfileline; symdefer.h) */
	uint64_t kaslr_anchor;        /* link-time address of `jiffies` when handlers read
	                               * kernel statics (the run-time one gives KASLR's
	                               * offset, head.kaslr), else 0 */
};

static inline struct bvar *plan_var(const struct vardecl *v)
{
	return (struct bvar *)v->backend;
}

static inline struct bfunc *plan_func(const struct functiondecl *f)
{
	return (struct bfunc *)f->backend;
}

/* ------------------------------------------------------------ the programs */

enum kattach {
	KA_TP_BTF,          /* tp_btf: tracepoint by BTF */
	KA_RAW_TP,          /* raw tracepoint (no BTF for it) */
	KA_PERF_TP,         /* tracepoint through a perf event */
	KA_CPU_CLOCK,       /* perf cpu-clock on every CPU (timer.profile) */
	KA_PERF_EVENT,      /* any perf event on every CPU (perf.*.sample) */
	KA_UPROBE,          /* uprobe / uretprobe (one offset) */
	KA_UPROBE_MULTI,    /* uprobe_multi over many offsets of one file */
	KA_KPROBE,          /* kprobes / kretprobes through the kprobe PMU, one
			     * perf event per function (symbols[i], cookie i) */
};

/* One BPF program: a group of derived probes on one event. */
struct kprog {
	enum kattach attach;
	const char *event;            /* tracepoint name, "cpu-clock", path */
	const char *tp_system;        /* KA_PERF_TP */
	uint64_t period_ns;           /* KA_CPU_CLOCK */
	bool one_cpu;                 /* KA_CPU_CLOCK: the first online CPU only
				       * (timer.*), not every CPU (timer.profile) */
	uint32_t perf_type;           /* KA_PERF_EVENT */
	uint64_t perf_config, perf_period, perf_freq;
	bool syscall_group;           /* raw_syscalls with per-probe syscall numbers */
	bool syscall_exit;
	bool cookie_dispatch;         /* uprobe_multi: probe i has attach cookie i */
	bprobe_vec probes;
	int32_t *syscall_nr;          /* per probe: syscall number (or cookie), -1 = any */
	int64_t *pid_filter;          /* per probe: only this tgid (0 = any) */
	bool *target_filter;          /* per probe: only the -c/-x target */
	/* kprobes: the function of cookie i (noffsets of them) */
	const char **symbols;
	/* uprobes */
	const char *path;
	uint64_t *offsets;
	uint64_t *cookies;
	uint64_t *ref_ctr_offsets;    /* per site: SDT semaphore file offset, 0 = none */
	uint32_t noffsets;
	bool retprobe;
	int pid;                      /* attach filter (0 = any) */
	bool attach_target;           /* attach filtered on the target pid */
	uint32_t machinery_off;       /* raw tracepoints capturing kernel stacks: where in
				       * the globals value the session puts the address
				       * ranges of the event's BPF machinery (tpstack.h);
				       * 0 = none */
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
		uint32_t ustack;          /* rt_ustack_op: a string user space makes
					   * from the payload (lower_ustack.c), or 0 */
		/* a string formatted in user space: defer_fn(the defer_nargs
		 * longs at off) run by the interpreter (compiler/bpf/lower_defer.c) */
		const struct functiondecl *defer_fn;
		uint32_t defer_nargs;
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

#endif
