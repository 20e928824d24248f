/*
 * submatch: where the groups of a successful `=~` are (matched(),
 * ngroups(); language.md §14), one engine for every runtime: user-space
 * handlers of the BPF back end, kernel modules, and kernel-side BPF
 * handlers (runtime/bpf/fmt_helpers.bpf.c runs submatch_step as the body
 * of a bpf_loop callback, its state in a per-CPU map).
 *
 * The match itself is decided by the DFA (compiler/util/redfa.h); this
 * engine runs only after the DFA said yes, to find the positions.  It is a
 * Pike VM: threads of a tagged NFA, at most one per NFA state, in priority
 * order, each carrying its group positions.  The compiler precomputes
 * every epsilon closure (compiler/elab/regex_sub.c), so a thread's step is
 * a walk over a list of (next state, slots to set here) items.
 *
 * Semantics: the overall match is POSIX's leftmost-longest (the earliest
 * start, then the longest match from it); among the ways of matching that
 * text the groups are those of the highest-priority path, where `x*`,
 * `x+`, `x?` and `x{m,n}` prefer one more iteration and `a|b` prefers a.
 * A group that took no part is (-1, -1); a repeated group keeps its last
 * iteration.
 *
 * Program layout (submatch_prog, then the arrays it counts, each 8-byte
 * aligned): states[nstates], lists[nlists], items[nitems].  A SET state
 * consumes a byte of its set and continues with the items of its list; an
 * EOL state matches only at the end of the subject, where its list holds
 * the ways on to the match; the MATCH state accepts.  Seed lists start a
 * thread at position 0 (seed_first) and at later positions (seed_later).
 *
 * Steps: submatch_begin(), then submatch_step() until it returns 0 (at
 * most submatch_steps_max() calls), then submatch_end() copies the
 * positions (nslots int16_t) and says whether a match was found.
 */
#ifndef CTAP_COMMON_SUBMATCH_H
#define CTAP_COMMON_SUBMATCH_H

#include "common/compat.h"

#define SUBMATCH_MAX_STATES 64u	/* NFA states a program may have */
#define SUBMATCH_MAX_SLOTS 32u	/* 2 per group: 16 groups with the whole match */
#define SUBMATCH_MAX_ITEMS 4096u
#define SUBMATCH_MAX_LEN 32767u	/* positions are int16_t */

enum submatch_kind {
	SUBMATCH_SET = 0,
	SUBMATCH_EOL = 1,
	SUBMATCH_MATCH = 2,
};

struct submatch_prog {
	uint32_t nstates;
	uint32_t nslots;	/* 2 x the groups, whole match included */
	uint32_t nlists;
	uint32_t nitems;
	uint32_t seed_first;
	uint32_t seed_later;
};

struct submatch_pstate {
	uint8_t set[32];	/* SET: the bytes it consumes */
	uint32_t kind;		/* enum submatch_kind */
	uint32_t list;		/* SET: what follows the byte; EOL: the ways to MATCH */
};

struct submatch_list {
	uint32_t first;
	uint32_t count;
};

struct submatch_item {
	uint32_t target;	/* a state */
	uint32_t pad;
	uint64_t slots;		/* bit k: slot k takes the current position */
};

#define SUBMATCH_ALIGN8(x) (((x) + 7u) & ~7u)
#define SUBMATCH_STATES_OFF SUBMATCH_ALIGN8((uint32_t)sizeof(struct submatch_prog))
#define SUBMATCH_LISTS_OFF(ns) \
	(SUBMATCH_STATES_OFF + (ns) * (uint32_t)sizeof(struct submatch_pstate))
#define SUBMATCH_ITEMS_OFF(ns, nl) \
	(SUBMATCH_LISTS_OFF(ns) + (nl) * (uint32_t)sizeof(struct submatch_list))
#define SUBMATCH_PROG_SIZE(ns, nl, ni) \
	(SUBMATCH_ITEMS_OFF(ns, nl) + (ni) * (uint32_t)sizeof(struct submatch_item))

/* Positions are copied 8 bytes at a time (submatch.c): arrays of them are
 * 8-byte aligned. */
#define SUBMATCH_SLOTS_ALIGN __attribute__((aligned(8)))

struct submatch_thread {
	int16_t slot[SUBMATCH_MAX_SLOTS] SUBMATCH_SLOTS_ALIGN;
	uint32_t state;
	uint32_t pad;
};

struct submatch_state {
	int32_t pos;		/* position of the current list's threads */
	uint32_t len;		/* the subject's length */
	uint32_t cur;		/* the current list (0 or 1); the other is the next */
	uint32_t count[2];
	uint32_t thread;	/* the current list's thread being stepped (count: the seed) */
	uint32_t item;		/* its list's item */
	uint32_t found;
	int16_t none[SUBMATCH_MAX_SLOTS] SUBMATCH_SLOTS_ALIGN;	/* all -1: a new thread's positions */
	int16_t best[SUBMATCH_MAX_SLOTS] SUBMATCH_SLOTS_ALIGN;
	uint16_t stamp[SUBMATCH_MAX_STATES];	/* pos + 2 when added to the next list */
	struct submatch_thread list[2][SUBMATCH_MAX_STATES];
};

/* Starts a search of the subject's first len bytes (len <= SUBMATCH_MAX_LEN). */
void submatch_begin(struct submatch_state *st, uint32_t len);
/* One unit of work; returns 0 when the search is over.  The subject's
 * buffer holds `size` bytes, a power of two above len (so that BPF's
 * verifier sees every read in bounds). */
int submatch_step(struct submatch_state *st, const struct submatch_prog *p, const char *subject,
		  uint32_t size);
/* Copies the positions of the match (p->nslots of them) into slot; returns
 * whether there was one. */
int submatch_end(const struct submatch_state *st, const struct submatch_prog *p, int16_t *slot);

/* The most submatch_step() calls a subject of len bytes can take. */
static inline uint64_t submatch_steps_max(const struct submatch_prog *p, uint32_t len)
{
	return ((uint64_t)len + 2) * ((uint64_t)p->nstates + p->nitems + 2);
}

#endif
