/*
 * match: the tree that finds what a probe point names.
 *
 * Family patterns (family.h) and probe aliases (library or user) live in
 * one tree keyed by component name; a point is matched component by
 * component, globs in the point's names matching the names in the tree
 * (like SystemTap's match_node).  An alias matched by a prefix of the
 * point gets the rest of the point as a suffix.
 */
#ifndef CTAP_ELAB_MATCH_H
#define CTAP_ELAB_MATCH_H

#include <stdbool.h>

#include "elab/family.h"
#include "util/vec.h"

struct arena;

/* The match tree. */
struct match_node;
struct match_tree {
	struct match_node *root;
	struct arena *arena;
};

void match_tree_init(struct match_tree *t, struct arena *a);
/* Registers every pattern of the families (a NULL-terminated list). */
void match_tree_add_families(struct match_tree *t, const struct probe_family *const *families);
/* Registers an alias under each of its names. */
void match_tree_add_alias(struct match_tree *t, struct probe_alias *al, struct probe_point *name);

/* What matching a point found. */
struct match_result {
	enum { MR_FAMILY, MR_ALIAS } kind;
	struct pp_match match;               /* MR_FAMILY */
	struct probe_alias *alias;           /* MR_ALIAS */
	const struct probe_point *alias_name;
	unsigned prefix_len;                 /* point components consumed by the alias name */
	unsigned nfunctors;                  /* components of the alias name (more than
					      * prefix_len where a `**` spans several) */
	const char *functors[PP_MAX_COMPS];  /* their concrete names */
	const struct expr *args[PP_MAX_COMPS]; /* and the point's arguments for them */
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

#endif
