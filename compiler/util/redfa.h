/*
 * redfa: regular expressions (POSIX ERE as SystemTap's =~ accepts them)
 * compiled into a DFA, independent of any back end.  The kernel-module
 * back end prints the tables as C (kmod/regex.c), the BPF back end puts
 * them in the program's read-only data and walks them in a bounded loop
 * (bpf/lower_regex.c), user-space BPF handlers walk them as they are, and
 * pass 2 compiles every pattern first to report a bad or too complex one
 * at its token.
 *
 * The match is a search (some substring matches unless anchored).  A walk:
 * st = 0; for each byte c of the string: if acc[st] & REDFA_NOW: match;
 * if acc[st] & REDFA_DEAD: no match; st = next[st * nclasses + cls[c]].
 * At the string's end: match iff acc[st] & REDFA_END (which includes NOW).
 * Rows of accepting states are all 0 (the walk stops there), and every
 * entry of `next` is < nstates.
 */
#ifndef CTAP_UTIL_REDFA_H
#define CTAP_UTIL_REDFA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

enum {
	REDFA_NOW = 1,    /* accepts as soon as reached */
	REDFA_END = 2,    /* accepts if the string ends here */
	REDFA_DEAD = 4,   /* never accepts: stop */
};

/* The default bound on DFA states (a pattern needing more is refused). */
#define REDFA_MAX_STATES 1500

/* Limits of the submatch program (runtime/common/submatch.h has the same). */
#define REDFA_SUB_MAX_STATES 64
#define REDFA_SUB_MAX_SLOTS 32
#define REDFA_SUB_MAX_ITEMS 4096

enum redfa_sub_kind { REDFA_SUB_SET, REDFA_SUB_EOL, REDFA_SUB_MATCH };

struct redfa_sub_item {
	uint32_t target;        /* a state */
	uint64_t slots;         /* bit k: slot k takes the position */
};

/*
 * The tagged NFA with every epsilon closure precomputed, for the submatch
 * engine (runtime/common/submatch.h says what it means; elab/regex_sub.c
 * lays it out for the runtimes).  Slots 2k and 2k+1 are where group k
 * starts and ends, group 0 being the whole match.
 */
struct redfa_sub {
	uint32_t nstates, nslots, nlists, nitems;
	uint32_t seed_first, seed_later;   /* lists */
	uint8_t (*set)[32];     /* per state (SET) */
	uint8_t *kind;          /* per state: enum redfa_sub_kind */
	uint32_t *list;         /* per state: SET: after its byte; EOL: on to MATCH at the end */
	uint32_t *first, *count;           /* per list: its items */
	struct redfa_sub_item *items;
};

struct redfa {
	uint32_t nstates;       /* state 0 is the start */
	uint32_t nclasses;      /* bytes that behave alike share a class */
	uint8_t cls[256];       /* byte -> class */
	uint16_t *next;         /* nstates x nclasses */
	uint8_t *acc;           /* nstates: REDFA_* bits */
	uint32_t ngroups;       /* parenthesised groups + 1 (the whole match) */
	const struct redfa_sub *sub;   /* NULL: too large to track groups, */
	const char *sub_why;           /* ... for this reason */
};

enum redfa_status {
	REDFA_OK,
	REDFA_SYNTAX,           /* err/errpos say what and where */
	REDFA_TOO_COMPLEX,      /* more than max_states DFA states */
};

struct redfa_error {
	const char *msg;        /* static text */
	uint32_t pos;           /* byte offset in the pattern */
};

/* Compiles pat[0..len) into *out (tables in the arena).  max_states 0 means
 * REDFA_MAX_STATES. */
enum redfa_status redfa_compile(struct arena *A, const char *pat, size_t len,
				uint32_t max_states, struct redfa *out, struct redfa_error *err);

/* Walks the DFA over the NUL-terminated s (the reference of every back
 * end's walk). */
bool redfa_match(const struct redfa *d, const char *s);

#endif
