/*
 * typeinfo: kernel types for target expressions, from BTF.
 *
 * Turns "->member", "[index]", "$"/"$$" components applied to a value of a
 * known BTF type into the access steps of a struct target_access, as DWARF
 * location expressions would: member offsets, loads of the right size and
 * sign, arrays and embedded structs taken by address.  Also finds the type
 * a @cast names.
 */
#ifndef CTAP_TYPEINFO_H
#define CTAP_TYPEINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/program.h"

struct elab;
struct btf;

/*
 * Applies e's components (e->u.target.comps) to a base value of BTF type
 * `base_id` (is_address: the base value is the address of an object of
 * that type, as for @cast).  Fills acc (steps, ctype, btf_id, pretty).
 * Returns false after reporting (unless E->quiet_targets) why it can't.
 */
bool typeinfo_walk(struct elab *E, struct btf *btf, int32_t base_id, bool is_address,
		   struct expr *e, struct target_access *acc);

/* The BTF id of a struct/union/typedef named `name` ("task_struct",
 * "struct task_struct"), or 0. */
int32_t typeinfo_find_type(struct btf *btf, const char *name);

/* A walk base from a C type spelling when no BTF id was recorded (recorded
 * fixtures): "struct task_struct*" -> task_struct as an object address. */
bool typeinfo_from_ctype(struct btf *btf, const char *ctype, int32_t *id, bool *is_address);

/* Skips typedefs and qualifiers (const, volatile, restrict, type tags). */
int32_t typeinfo_skip_mods(const struct btf *btf, int32_t id);

/* The load of a bit-field member of scalar `type` that starts bit_off bits
 * into its struct and is `bits` wide (offset relative to the struct). */
void typeinfo_bitfield(const struct btf *btf, int32_t type, uint32_t bit_off, uint32_t bits,
		       struct access_step *s);

struct target_param;

/* acc reads parameter i, described by p (BTF), of a kernel function or
 * tracepoint, from `base` (ACCESS_FUNC_ARG, ACCESS_ENTRY, ACCESS_TP_ARG). */
void typeinfo_param_access(struct target_access *acc, enum access_base base, uint32_t i,
			   const struct target_param *p);

/* Size in bytes and signedness of a scalar type (after typedefs). */
bool typeinfo_scalar(const struct btf *btf, int32_t id, uint32_t *size, bool *is_signed);

#endif
