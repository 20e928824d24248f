/*
 * uvars: $variables of user-space probes from DWARF.  Turns $name,
 * $name->member, $name[i] and &... at a probe address into a struct
 * target_access, from what target/user/udwarf.h reads; reports what it
 * cannot reach (SystemTap's messages, [man error::dwarf]) unless
 * E->quiet_targets.
 *
 * The walk over types is that of any DWARF: kernel DWARF, when ctap reads
 * it, needs the same steps with kernel memory instead of user memory.
 */
#ifndef CTAP_PROBES_UVARS_H
#define CTAP_PROBES_UVARS_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/program.h"

struct elab;
struct strbuf;
struct udwarf;

/*
 * Resolves $name at `pc` in the function/inline instance die_offset into
 * acc (user memory), then applies e's components (->, [], &).  Returns
 * false after reporting (unless E->quiet_targets); `only_params`: return
 * probes (locals are gone).  et_exec: a non-PIE executable, whose statics
 * are at their link-time addresses (ctap does not relocate others).
 */
bool uvars_resolve(struct elab *E, struct udwarf *dw, uint64_t die_offset, uint64_t pc,
		   bool et_exec, bool only_params, struct expr *e, struct target_access *acc);

/* $return of the function: ctype and access (ACCESS_RETURN); false if void. */
bool uvars_return(struct elab *E, struct udwarf *dw, uint64_t die_offset, struct expr *e,
		  struct target_access *acc);

/* -L: " $name:type" for each variable accessible at pc (parameters only
 * when only_params), and " $return:type" first when `ret`. */
void uvars_list(struct udwarf *dw, struct elab *E, uint64_t die_offset, uint64_t pc,
		bool et_exec, bool ret, bool only_params, struct strbuf *out);

#endif
