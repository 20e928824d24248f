/*
 * family: what a probe-point family is, seen from elaboration.
 *
 * A family (one file in compiler/probes/, e.g. timer.c) declares the
 * patterns it serves, e.g. "timer.ms(number).randomize(number)", and hooks:
 * pass 2's (build derived probes for a matched point, resolve $vars, list
 * them for -L, comment them for -p2) and one table of hooks per back end
 * (`kmod`, `bpf`), defined by the back ends (compiler/kmod/kmod.h,
 * compiler/bpf/family.h) and opaque here.  Back ends reach a probe's
 * family only through those tables, never by comparing family pointers;
 * a NULL table means the family cannot run on that back end, which is a
 * pass-3 error naming the probe and the family.
 *
 * The driver hands the list of families (compiler/probes/families.h) to
 * elaborate(); elaboration knows no family by name.
 */
#ifndef CTAP_ELAB_FAMILY_H
#define CTAP_ELAB_FAMILY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "elab/program.h"

struct elab;
struct udwarf;
struct strbuf;
struct kmod_family;
struct bpf_family;

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
	/*
	 * @cast(p, "T") without a module in a probe of this family: the DWARF
	 * whose types it names (a process probe's own file, named in *file),
	 * *user: whether objects of them are in user memory.  NULL hook or
	 * result: the kernel's types (BTF).
	 */
	struct udwarf *(*cast_dwarf)(struct elab *E, struct derived_probe *dp, bool *user,
				     const char **file);
	/*
	 * @perf("NAME") in a probe of this family: checks that a perf counter
	 * probe NAME counts this probe's process (elab_perf_counter finds it)
	 * and reports what is wrong; NULL = the family has no process to count
	 * in, and @perf is an error there.
	 */
	void (*perf_use)(struct elab *E, struct derived_probe *dp, struct expr *e);
	/*
	 * A .return probe that reads entry values (@entry, parameters): the
	 * family data of a probe at the same function's entry, where they are
	 * evaluated and saved (elab/entry.c); NULL after reporting why there
	 * is none.  NULL hook: the family has no entry to pair with.
	 */
	void *(*entry_twin)(struct elab *E, const struct derived_probe *ret);
	/* -L: appends " $name:type ..." for the probe's context variables */
	void (*list_vars)(struct elab *E, struct derived_probe *dp, struct strbuf *out);
	/* -p2: appends what the probe attaches to ("pc=.dynamic+0x1144"),
	 * printed as a comment after pp(); NULL = nothing */
	void (*dump_comment)(const struct derived_probe *dp, struct strbuf *out);
	bool unprivileged;                 /* allowed for --privilege=stapusr */
	/* the back ends' hooks (NULL: not supported by that back end) */
	const struct kmod_family *kmod;
	const struct bpf_family *bpf;
};

/* The probes of family f in p after *i (start with *i = 0), or NULL. */
struct derived_probe *family_next_probe(const struct program *p, const struct probe_family *f,
					uint32_t *i);

/* --dump-probe-types: every pattern of the families (a NULL-terminated
 * list), sorted, once each. */
void family_dump_patterns(const struct probe_family *const *families, FILE *out);

#endif
