/*
 * registry: probe-point families and the match tree that finds them.
 *
 * Each family (one file in compiler/probes/) declares the patterns it
 * serves, e.g. "timer.ms(number).randomize(number)", and a build hook that
 * turns a matched point into derived probes.  Patterns and probe aliases
 * (library or user) live in one tree keyed by component name; a point is
 * matched component by component, globs in the point's names matching the
 * names in the tree (like SystemTap's match_node).  An alias matched by a
 * prefix of the point gets the rest of the point as a suffix.
 */
#ifndef CTAP_REGISTRY_H
#define CTAP_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "elab/program.h"

struct elab;
struct strbuf;
struct arena;

enum pp_arg_kind { PPA_NONE, PPA_NUMBER, PPA_STRING };

#define PP_MAX_COMPS 16

/* A point as matched against one pattern: concrete names, the point's
 * argument for each component (NULL when the component takes none). */
struct pp_match {
	const struct probe_family *family;
	const char *pattern;               /* the pattern text */
	unsigned ncomps;
	const char *functors[PP_MAX_COMPS];
	const struct expr *args[PP_MAX_COMPS];
	const struct token *toks[PP_MAX_COMPS];
	struct probe_point *point;         /* the point being resolved (with suffix marks) */
};

/* Helpers for build hooks. */
bool pp_match_has(const struct pp_match *m, const char *functor);
const struct expr *pp_match_arg(const struct pp_match *m, const char *functor);
int64_t pp_match_num(const struct pp_match *m, const char *functor, int64_t dflt);
const char *pp_match_str(const struct pp_match *m, const char *functor);
const struct token *pp_match_tok(const struct pp_match *m, const char *functor);

/* What a family gets to build with: where to add probes and the context
 * of the probe statement being resolved. */
struct derive_ctx {
	struct elab *E;
	struct probe *origin;
	const struct token *tok;           /* user's probe point token */
	struct stmt *body;                 /* body with alias prologues/epilogues */
	struct expr *condition;
	const struct derivation *derivation;
	const char *pn;
	bool optional;
};

struct probe_family {
	const char *name;
	/* NULL-terminated: "begin", "begin(number)", "timer.ms(number)" */
	const char *const *patterns;
	/*
	 * Adds derived probes for the match with elab_add_probe().  Returns the
	 * number added (0 = nothing matched: the caller reports "no match"
	 * unless optional) or -1 after reporting an error itself.
	 */
	int (*build)(struct derive_ctx *ctx, const struct pp_match *m);
	/*
	 * Resolves a target expression ($var, $$vars, @var, @cast...) used in
	 * a probe of this family.  Returns true when it handled it (resolved or
	 * reported an error); NULL hook = family has no context variables.
	 */
	bool (*target_var)(struct elab *E, struct derived_probe *dp, struct expr *e);
	/* -L: appends " $name:type ..." for the probe's context variables */
	void (*list_vars)(struct elab *E, struct derived_probe *dp, struct strbuf *out);
	/* -p2: appends what the probe attaches to ("pc=.dynamic+0x1144"),
	 * printed as a comment after pp(); NULL = nothing */
	void (*dump_comment)(const struct derived_probe *dp, struct strbuf *out);
	/* -p2 sort key / listing: families that print like "kernel.trace(...)" */
	bool unprivileged;                 /* allowed for --privilege=stapusr */
};

/* All families, in registration order (registry.c lists them). */
extern const struct probe_family *const probe_families[];

/* The match tree. */
struct match_node;
struct match_tree {
	struct match_node *root;
	struct arena *arena;
};

void match_tree_init(struct match_tree *t, struct arena *a);
/* Registers every family pattern. */
void match_tree_add_families(struct match_tree *t);
/* Registers an alias under each of its names. */
void match_tree_add_alias(struct match_tree *t, struct probe_alias *al, struct probe_point *name);

/* What matching a point found. */
struct match_result {
	enum { MR_FAMILY, MR_ALIAS } kind;
	struct pp_match match;               /* MR_FAMILY */
	struct probe_alias *alias;           /* MR_ALIAS */
	const struct probe_point *alias_name;
	unsigned prefix_len;                 /* components consumed by the alias name */
	const char *functors[PP_MAX_COMPS];  /* concrete names of those components */
};
typedef VEC(struct match_result) match_result_vec;

/* Collects every match of the point (several for globs).  Returns false and
 * sets *why when the point has too many components. */
bool match_tree_find(struct match_tree *t, struct probe_point *pp, match_result_vec *out,
		     const char **why);

/* Where a point that matched nothing went wrong: the index of the first
 * component nothing continues (names offered to sim), and whether the
 * components before it already formed a complete point ("invalid suffix"). */
struct similar;
unsigned match_tree_mismatch(struct match_tree *t, const struct probe_point *pp,
			     struct similar *sim, bool *invalid_suffix);

/* --dump-probe-types: every pattern, sorted. */
void registry_dump_types(FILE *out);

#endif
