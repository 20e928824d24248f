/*
 * pretty: what `$var$` and `$var$$` show, as an sprintf over loads.
 *
 * SystemTap prints a target value with its type: a struct as
 * {.a=1, .b=2, .c={...}, .d=[...]}, char data as quoted strings, pointers
 * in hex.  Pass 2 knows the type (BTF), so it writes that text as one
 * sprintf whose arguments are plain target loads and string reads
 * (kernel_string_quoted / user_string_quoted); every back end then lowers
 * it like any other expression.  The back ends add one rule: a fault in
 * any load makes the whole text "ERROR".
 */
#ifndef CTAP_PRETTY_H
#define CTAP_PRETTY_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/program.h"

struct elab;
struct btf;
struct expr;

/* At most this many values are shown; then "...". */
#define PRETTY_MAX_VALUES 32

/*
 * The sprintf for target expression `at` whose access `acc` ends at a
 * value of BTF type `type` (is_address: at the address of an object of
 * that type); acc->pretty is 1 ($) or 2 ($$).  NULL after an error.
 */
struct expr *pretty_build(struct elab *E, const struct btf *btf, const struct target_access *acc,
			  int32_t type, bool is_address, const struct expr *at);

/* The same for a value whose type is DWARF's (user space, the kernel's
 * DWARF): `type` is the value's type. */
struct udwarf_type;
struct expr *pretty_build_dwarf(struct elab *E, const struct target_access *acc,
				const struct udwarf_type *type, bool is_address,
				const struct expr *at);

/* A string target expression at `at` that shows acc's value pretty-printed
 * (level 1: $, 2: $$): for the items of $$vars$ and $$parms$$.  NULL after
 * an error. */
struct expr *pretty_target(struct elab *E, const struct btf *btf, const struct target_access *acc,
			   int32_t type, int level, const struct expr *at);

/* One item of $$vars / $$parms: shown as name=VALUE. */
struct pretty_var {
	const char *name;
	const struct target_access *acc;   /* its value (a long) */
	int32_t type;                      /* BTF type, 0 if unknown */
	bool pointer;                      /* %p rather than %#x when not pretty */
	const char *text;                  /* shown as is instead of a value
	                                    * ("?" unavailable, "{...}" a struct) */
};

/* "a=0x1 b=0x2", or with level 1/2 ($$vars$, $$vars$$) each VALUE
 * pretty-printed: the sprintf behind $$vars and friends.  NULL after an
 * error. */
struct expr *pretty_vars(struct elab *E, const struct btf *btf, const struct pretty_var *vars,
			 uint32_t n, int level, const struct expr *at);

/* The pretty level `e` asks for: 0, 1 ($) or 2 ($$) from its last component. */
int pretty_level(const struct expr *e);

/* Resolves e ($$vars, $$parms, $$locals, $$return, each maybe with $ or
 * $$) through acc to `shown`, the string its family built with
 * pretty_vars at pretty_level(e); shown NULL (an error was reported):
 * false, e stays unresolved. */
bool pretty_vars_resolve(struct target_access *acc, struct expr *e, struct expr *shown);

#endif
