/*
 * urt: the user-space run-time of the BPF back end - everything the stap
 * process needs to act on a running script's data, shared by the
 * interpreter (user-space handlers), the record printer (output of kernel
 * handlers) and the pass-5 loop:
 *
 *   - the script's output stream (stdout or -o FILE), written per handler
 *     or per batch of records, never interleaving inside one;
 *   - run-time messages on stderr (ERROR:/WARNING:, deduplicated
 *     warnings), error counting against MAXERRORS, session state;
 *   - globals: scalars in the mmap-ed globals map, statistics in per-CPU
 *     maps (merged here with runtime/common/stats), arrays in hash maps
 *     (lookup, insert with capacity and `%` wrap semantics, delete,
 *     snapshot iteration in insertion order).
 *
 * Ownership: urt_open() after the maps are created by load_map();
 * urt_close() unmaps and flushes.  The maps themselves belong to the
 * load_ctx.
 */
#ifndef CTAP_BPF_URT_H
#define CTAP_BPF_URT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/outfile.h"
#include "bpf/translation.h"
#include "bpf/rtdata.h"
#include "bpf/symdefer.h"
#include "common/outbuf.h"
#include "common/stats.h"

struct load_ctx;
struct loop;
struct token;

struct urt {
	struct bpf_plan *pl;
	struct session *s;
	struct load_ctx *lc;
	struct loop *lp;              /* set while the session loop runs */
	uint8_t *gmem;                /* the globals map value, mmap-ed */
	size_t gmem_len;
	struct rt_head *head;
	/* output */
	struct outfile out;           /* stdout or -o FILE, rotated with -S */
	char *obuf;
	uint32_t ocap;
	struct outbuf ob;             /* the script's output stream */
	/* messages */
	VEC(char *) warned;           /* distinct WARNING texts already printed */
	uint64_t errors_printed;
	/* scratch for per-CPU values */
	uint8_t *pcpu;
	size_t pcpu_len;
	/* arrays whose order a sorted foreach changed (urt_set_order) */
	VEC(struct urt_order *) orders;
	/* kernel addresses BPF handlers left in strings (symdefer.h) */
	struct symdefer syms;
	struct strbuf *expanded;      /* URT_EXPAND_MAX texts of the arguments being printed */
	VEC(char *) system_held;      /* system() commands of begin probes (urt_system.c) */
};

/* A value of a user-space evaluation (interp.h uses it too). */
struct ival {
	int64_t n;
	const char *s;                /* strings: bytes (not necessarily NUL-terminated) */
	uint32_t len;
};

/* Maps must exist (load_map) before.  NULL after reporting. */
struct urt *urt_open(struct bpf_plan *pl, struct load_ctx *lc);
void urt_close(struct urt *u);
/* Applies global initialisers and -G values (before begin probes). */
bool urt_init_globals(struct urt *u);

/* ---- output ---- */
struct outbuf *urt_out(struct urt *u);
void urt_flush(struct urt *u);
/* The string arguments among args[0..n) that hold kernel addresses a BPF
 * handler deferred (symdefer.h) replaced by their text, for printing; the
 * text lives until the next call.  At most URT_EXPAND_MAX of them. */
#define URT_EXPAND_MAX 16
struct fmt_arg;
void urt_expand_args(struct urt *u, struct fmt_arg *args, uint32_t n);

/* A print-family call's text for already evaluated arguments (not the
 * histogram form).  Returns a format_status (FORMAT_E_FAULT: %m/%M, which
 * user space cannot read; *fault_addr says where). */
struct print_format;
struct fmt_arg;
int urt_format(struct outbuf *ob, const struct print_format *pf, const struct fmt_arg *args,
	       uint32_t n, uint64_t *fault_addr);

/* ---- messages and state ---- */

/* "ERROR: MSG near TOKEN" (tok may be NULL), counted; past MAXERRORS
 * the session state becomes RT_ERROR.  `print` false: count only. */
void urt_error(struct urt *u, const char *msg, uint32_t len, const struct token *tok,
	       bool print);
/* "WARNING: MSG" once per distinct text. */
void urt_warn(struct urt *u, const char *msg, uint32_t len);
/* exit(): RUNNING/STARTING -> STOPPING. */
void urt_request_exit(struct urt *u);
enum rt_state urt_state(const struct urt *u);
void urt_set_state(struct urt *u, enum rt_state st);

/* system(CMD): sh -c CMD in a detached grandchild of stap, the script's
 * output so far flushed first.  A begin probe's command waits for
 * urt_system_release(), once the probes are live (a module's commands
 * run in staprun after its init, which the begin probes are part of). */
void urt_system(struct urt *u, const char *cmd);
void urt_system_release(struct urt *u);

/* ---- scalars ---- */
int64_t urt_get_long(struct urt *u, const struct bvar *v);
void urt_set_long(struct urt *u, const struct bvar *v, int64_t x);
int64_t urt_add_long(struct urt *u, const struct bvar *v, int64_t x); /* returns the new value */
/* The string slot of a scalar (zero-padded, width bytes). */
const char *urt_get_string(struct urt *u, const struct bvar *v, uint32_t *len);
void urt_set_string(struct urt *u, const struct bvar *v, const char *s, uint32_t len);

/* ---- statistics ---- */

/* Merged view of a scalar (key NULL) or of an array element; buckets has
 * room for desc->nbuckets entries.  Returns false if the element does not
 * exist (an empty aggregate). */
bool urt_stats_get(struct urt *u, const struct bvar *v, const void *key, struct stats_agg *g,
		   int64_t *buckets);
/* x <<< n (on this process's CPU slot); -E2BIG when an array is full. */
int urt_stats_add(struct urt *u, const struct bvar *v, const void *key, int64_t n);
void urt_stats_clear(struct urt *u, const struct bvar *v);

/* ---- arrays ---- */

/* Encodes keys into buf (v->key_size bytes); false if a string key is too
 * long for its column (then no element can have it). */
bool urt_key(const struct bvar *v, const struct ival *keys, uint8_t *buf);
/* Decodes column i of an encoded key. */
struct ival urt_key_col(const struct bvar *v, const uint8_t *key, uint32_t i);

/* Reads an element's value (not for statistics); false if absent. */
bool urt_elem_get(struct urt *u, const struct bvar *v, const uint8_t *key, struct ival *out);
bool urt_elem_exists(struct urt *u, const struct bvar *v, const uint8_t *key);
/* Stores (creating with the next sequence number); -E2BIG when full
 * (wrap arrays drop their oldest element instead). */
int urt_elem_set(struct urt *u, const struct bvar *v, const uint8_t *key, const struct ival *val);
void urt_elem_delete(struct urt *u, const struct bvar *v, const uint8_t *key);
void urt_array_clear(struct urt *u, const struct bvar *v);

/* A snapshot of an array, in its order: insertion order until a sorted
 * foreach sorts it, as SystemTap sorts its arrays in place (the kernel
 * module back end too); elements inserted later follow. */
struct urt_elem {
	uint8_t *key;
	uint64_t seq;                 /* insertion number: names one incarnation */
	uint64_t order;               /* position in the array's order */
	struct ival val;              /* long/string arrays */
	struct stats_agg agg;         /* statistics arrays */
	int64_t *buckets;
};

struct urt_snapshot {
	struct urt_elem *elems;
	uint32_t n;
	uint8_t *mem;                 /* keys and values */
};

bool urt_snapshot(struct urt *u, const struct bvar *v, struct urt_snapshot *snap);
void urt_snapshot_free(struct urt_snapshot *snap);
/* The array's order from now on: the elements with these insertion
 * numbers, in this order, then those inserted later. */
void urt_set_order(struct urt *u, const struct bvar *v, const uint64_t *seqs, uint32_t n);

/* "Array overflow, check MAXMAPENTRIES" or "... size limit (N)". */
const char *urt_overflow_msg(const struct bvar *v, char *buf, size_t size);

#endif
