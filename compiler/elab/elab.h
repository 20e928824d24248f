/*
 * elab: the state of pass 2 shared by its stages (elab/ files) and by the
 * probe families (probes/ files).  Not for back ends: they get struct program.
 *
 * Stages, in order (elaborate.c runs them):
 *   derive   probe points -> derived probes (aliases expanded, families built)
 *   symbols  identifiers -> locals/globals, calls -> functions; pulls in the
 *            tapset files that define what the script uses (repeats with
 *            derive until no new file is pulled in)
 *   targets  $vars, @cast, @defined resolved by the probes' families
 *   entry    entry values of .return probes saved by a probe at the entry
 *   elide    unused locals/assignments/functions/globals/probes dropped
 *   types    types inferred to a fixed point; mismatches reported
 *   checks   the remaining semantic rules
 */
#ifndef CTAP_ELAB_H
#define CTAP_ELAB_H

#include <stdbool.h>

#include "elab/program.h"
#include "parse/parse.h"
#include "elab/family.h"
#include "elab/match.h"

struct session;
struct diag_sink;
struct target;

/* What one identifier or function name resolves to across files. */
struct elab_global {
	const char *name;
	struct vardecl *decl;
};

struct elab {
	struct session *s;
	struct arena *arena;
	struct diag_sink *diag;
	struct parse_result *parsed;
	struct program *prog;
	const struct probe_family *const *families;  /* the driver's list */
	struct match_tree tree;

	stapfile_vec user_files;        /* the script and -E scripts */
	stapfile_vec pulled;            /* tapset files in use, in order pulled */
	VEC(struct probe *) pending;    /* probe statements still to derive */
	functiondecl_vec functions;     /* every function reached */
	vardecl_vec globals;            /* every global reached */

	uint32_t resolved_probes;       /* probes whose symbols are resolved */
	uint32_t library_registered;    /* parsed library files whose aliases are registered */
	bool listing;                   /* -l/-L: resolution errors are quiet */
	bool quiet_targets;             /* resolving inside @defined() */
	unsigned errors_before;
};

/* Registers the aliases of library files parsed since the last call (the
 * library is parsed on demand: parse/library.h). */
void elab_sync_library(struct elab *E);
/* Registers the aliases of one file under each of their names. */
void elab_register_aliases(struct elab *E, struct stapfile *f);

/* Pulls a tapset file into the program (its probes get derived too). */
void elab_use_file(struct elab *E, struct stapfile *f);

/* ---- for families ---- */

/*
 * Adds a derived probe for a resolved point.  `point` is the low-level
 * point as pp() shows it (the family builds it, e.g. with the tracepoint's
 * full "sys:name"); family_data is the family's own.
 */
struct derived_probe *elab_add_probe(struct derive_ctx *ctx, const struct probe_family *family,
				     struct probe_point *point, void *family_data);

/* A probe point made of the given components (args may be NULL). */
struct probe_point *elab_make_point(struct elab *E, const struct probe_point *like,
				    unsigned n, const char *const *functors,
				    struct expr *const *args);
struct expr *elab_number(struct elab *E, const struct token *tok, int64_t v);
struct expr *elab_string(struct elab *E, const struct token *tok, const char *s);

/* The target kernel, or NULL (an error is reported once). */
struct target *elab_target(struct elab *E);

/* An error about a target expression ($var, @cast, ...), D_SEM_TARGET_VAR
 * at tok; silent while E->quiet_targets (inside @defined()). */
void elab_target_error(struct elab *E, const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "while resolving probe point" style errors for a family. */
void elab_point_error(struct elab *E, const struct pp_match *m, const struct token *tok,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- stages ---- */
bool elab_derive_pending(struct elab *E);
bool elab_resolve_symbols(struct elab *E, bool *pulled_more);
bool elab_resolve_targets(struct elab *E);
bool elab_save_entry_values(struct elab *E);
bool elab_elide(struct elab *E);
bool elab_infer_types(struct elab *E);
bool elab_check(struct elab *E);

/* Lookup helpers shared by the stages. */
struct vardecl *elab_find_global(struct elab *E, struct stapfile *from, const char *name);
struct functiondecl *elab_find_function(struct elab *E, struct stapfile *from, const char *name,
					unsigned nargs);
/* Resolves a call pass 2 itself made after the symbols stage (name
 * interned) to a library function and reaches it; false if there is none.
 * elaborate() resolves what the function itself uses afterwards. */
bool elab_call_library(struct elab *E, struct expr *call);

#endif
