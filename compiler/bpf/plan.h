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

#include "common/fmt_spec.h"
#include "common/stats.h"
#include "elab/program.h"
#include "util/vec.h"

struct session;
struct ir_map;
struct arena;

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
	/* maps (created at run time; arrays hang off their bvar) */
	struct ir_map *gmap;          /* globals: ARRAY, 1 entry, mmap-able */
	struct ir_map *smap;          /* statistics scalars: PERCPU_ARRAY, 1 entry (or NULL) */
	struct ir_map *ring;          /* records to user space (kernel probes only) */
	struct ir_map *lost;          /* lost-record counters */
	struct ir_map *rodata;        /* strings kernel helpers need read-only */
	struct ir_map *scratch;       /* per-CPU scratch for large strings (or NULL) */
	struct ir_map *fmtbuf;        /* per-CPU buffers of in-kernel formatting (lower_fmt.c) */
	struct ir_map *outq;          /* per-CPU output queue of the running hit */
	uint32_t scratch_size;
	int ncpus;                    /* possible CPUs (per-CPU value arrays) */
	int hz;                       /* CONFIG_HZ of the target (jiffies) */
};

/* Builds the plan; NULL after reporting errors. */
struct bpf_plan *plan_build(struct session *s, struct program *p);

static inline struct bvar *plan_var(const struct vardecl *v)
{
	return (struct bvar *)v->backend;
}

static inline struct bfunc *plan_func(const struct functiondecl *f)
{
	return (struct bfunc *)f->backend;
}

/* Width bound of a string expression (bytes incl. NUL); MAXSTRINGLEN for
 * anything not tracked. */
uint32_t plan_width(const struct bpf_plan *pl, const struct expr *e);

/* The value of -D NAME (NULL if not given; "" for a bare -D NAME). */
const char *plan_define(const struct session *s, const char *name);

/* "probe begin" style name of a derived probe for messages. */
const char *plan_probe_name(const struct derived_probe *dp);

/* Description of a token the way run-time messages show it:
 * "operator '/' at t.stp:3:13" (file always named). */
void plan_describe_token(const struct session *s, const struct token *tok, char *buf,
			 size_t size);

#endif
