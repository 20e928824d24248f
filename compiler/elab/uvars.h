/*
 * uvars: $variables of probes from DWARF (user space, and the kernel's).  Turns $name,
 * $name->member, $name[i] and &... at a probe address into a struct
 * target_access, from what target/user/udwarf.h reads; reports what it
 * cannot reach (SystemTap's messages, [man error::dwarf]) unless
 * E->quiet_targets.
 *
 * The walk over types is that of any DWARF: kernel DWARF, when ctap reads
 * it, needs the same steps with kernel memory instead of user memory.
 */
#ifndef CTAP_ELAB_UVARS_H
#define CTAP_ELAB_UVARS_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/program.h"
#include "target/user/udwarf.h"

struct elab;
struct strbuf;
struct udwarf;

/* Whose memory the variables are in, and whether their statics are at
 * their link-time addresses (ctap relocates none). */
enum uvars_space {
	UVARS_USER_PIE,          /* a PIE or a shared library: statics refused */
	UVARS_USER_EXEC,         /* a non-PIE executable */
	UVARS_KERNEL,            /* the kernel (KASLR moves its statics: refused) */
};

/*
 * Resolves $name at `pc` in the function/inline instance die_offset into
 * acc, then applies e's components (->, [], &).  Returns false after
 * reporting (unless E->quiet_targets); `only_params`: return probes
 * (locals are gone).
 */
bool uvars_resolve(struct elab *E, struct udwarf *dw, uint64_t die_offset, uint64_t pc,
		   enum uvars_space space, bool only_params, struct expr *e,
		   struct target_access *acc);

/* @var("NAME[@FILE]") (e): the global or file-static variable NAME of the
 * units `units` takes (those of FILE: the caller's filter), then e's
 * components; false after reporting.  pc: the probe's address in a user
 * file (a position-independent file's statics are relocated by where
 * the probe hits), 0 where it is not known (.return probes). */
struct udwarf_filter;
bool uvars_global(struct elab *E, struct udwarf *dw, uint64_t pc, enum uvars_space space,
		  const struct udwarf_filter *units, struct expr *e, struct target_access *acc);

/* A value's type from DWARF, for casts and autocasts: the type and whose
 * memory objects of it are in. */
struct uvars_type {
	struct udwarf_type type;
	bool user;
};

/* @cast(p, "T")... (from_cast) or an autocast x->... (e) of a value whose
 * type is t (is_address: the value is the address of a t) into acc; the
 * base is e's operand.  False after reporting. */
bool uvars_cast(struct elab *E, const struct uvars_type *t, bool is_address, bool from_cast,
		struct expr *e, struct target_access *acc);

/* $return of the function: ctype and access (ACCESS_RETURN); false if void. */
bool uvars_return(struct elab *E, struct udwarf *dw, uint64_t die_offset, enum uvars_space space,
		  struct expr *e, struct target_access *acc);

/* A DWARF probe point, for what takes its variables together (uvars_sets.c). */
struct uvars_point {
	struct udwarf *dw;
	uint64_t die_offset;        /* the function or inline instance */
	uint64_t pc;                /* the probe address (link-time) */
	uint64_t entry_pc;          /* .return: where parameters are read at entry */
	enum uvars_space space;
	bool is_return;
	bool check_prologue;        /* refuse variables read before the prologue
	                             * stored them (user code: uprobes land there) */
};

/* $NAME (e) at p into acc; in a .return probe a parameter as it was at
 * entry (ACCESS_ENTRY, saved by elab/entry.c).  False after reporting
 * (unless E->quiet_targets). */
bool uvars_access(struct elab *E, const struct uvars_point *p, struct expr *e,
		  struct target_access *acc);

/* $$parms, $$locals, $$vars, $$return (`name`) at p: resolves e to their
 * text, or reports why not. */
void uvars_sets(struct elab *E, const struct uvars_point *p, struct expr *e, const char *name);

/* -L: " $name:type" for each variable accessible at pc (parameters only
 * when only_params), and " $return:type" first when `ret`. */
void uvars_list(struct udwarf *dw, struct elab *E, uint64_t die_offset, uint64_t pc,
		enum uvars_space space, bool ret, bool only_params, struct strbuf *out);

#endif
