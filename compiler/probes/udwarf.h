/*
 * udwarf: DWARF of user-space files (libdw): functions with their source
 * location and probe address, variables in scope at an address, their
 * locations as struct target_access, and their C types.
 *
 * Locations that ctap translates (at the probe address):
 *   DW_OP_reg0..31, regx                the value is in a register
 *   DW_OP_breg*(N)                  memory at register + N
 *   DW_OP_fbreg(N)                  memory at frame base + N, the frame base
 *                                   being DW_OP_call_frame_cfa (the CFA from
 *                                   .eh_frame/.debug_frame at that address,
 *                                   itself register + offset), a breg or a reg
 *   DW_OP_addr(A)                   a static in a non-PIE executable
 * Anything else (pieces, DW_OP_stack_value, entry values, PIE statics, no
 * location list entry covering the address) is reported as not accessible,
 * never guessed.
 *
 * Open files are cached (one at a time, malloc-owned): pass 2 asks about
 * the same file for every probe and variable.
 */
#ifndef CTAP_PROBES_UDWARF_H
#define CTAP_PROBES_UDWARF_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/program.h"

struct elab;
struct strbuf;
struct udwarf;

struct udwarf_func {
	const char *name;          /* DW_AT_name */
	const char *linkage;       /* DW_AT_linkage_name, or NULL */
	const char *decl_file;     /* as recorded ("/tmp/t.c", "./libio/ioputs.c") */
	int decl_line;
	uint64_t die_offset, cu_offset;
	uint64_t entry;            /* low_pc / entry_pc */
	uint64_t probe_pc;         /* after the prologue when it is skipped, else entry */
	bool is_inline;            /* an inlined instance */
	bool external;
	bool has_return_value;     /* DW_AT_type present */
};

/* The DWARF of ELF file `path`, read from `debug_path` (its separate
 * debuginfo) or from path itself when NULL; NULL if there is none.  The
 * handle stays valid until the next udwarf_open of another file. */
struct udwarf *udwarf_open(const char *path, const char *debug_path);

/* Calls cb for every function with code (concrete instances, and inlined
 * instances when `inlines`). */
void udwarf_functions(struct udwarf *dw, struct elab *E, bool inlines,
		      void (*cb)(void *ctx, const struct udwarf_func *f), void *ctx);

/* Addresses of line `line` in files whose name ends with `file` (any when
 * NULL); the first is_stmt address of each run.  Returns the count. */
int udwarf_line_addrs(struct udwarf *dw, const char *file, int line, uint64_t *out, int max);

/* The innermost function or inlined instance containing pc (its DIE
 * offset), or 0. */
uint64_t udwarf_func_at(struct udwarf *dw, uint64_t pc);

/* Whether pc lies in the prologue of an unoptimized function (die_offset),
 * where -O0 code has not yet stored its parameters to the stack slots its
 * DWARF names for the whole function: reading them there would give
 * garbage, so they count as not accessible. */
bool udwarf_in_prologue(struct udwarf *dw, uint64_t die_offset, uint64_t pc);

/* Source "file:line" of an address, or false. */
bool udwarf_addr_line(struct udwarf *dw, struct elab *E, uint64_t pc, const char **file,
		      int *line);

/*
 * Resolves $name at `pc` in the function/inline instance die_offset into
 * acc (user memory), then applies e's components (->, [], &).  Returns
 * false after reporting (unless E->quiet_targets); `only_params`: return
 * probes (locals are gone).
 */
bool udwarf_resolve(struct elab *E, struct udwarf *dw, uint64_t die_offset, uint64_t pc,
		    bool et_exec, bool only_params, struct expr *e, struct target_access *acc);

/* $return of the function: ctype and access (ACCESS_RETURN); false if void. */
bool udwarf_return(struct elab *E, struct udwarf *dw, uint64_t die_offset, struct expr *e,
		   struct target_access *acc);

/* -L: " $name:type" for each variable accessible at pc (parameters only
 * when only_params), and " $return:type" first when `ret`. */
void udwarf_list_vars(struct udwarf *dw, struct elab *E, uint64_t die_offset, uint64_t pc,
		      bool et_exec, bool ret, bool only_params, struct strbuf *out);

/* Names of the variables in scope (for "alternatives:" in errors and
 * $$vars), as a space-separated "$a $b" list. */
const char *udwarf_var_names(struct udwarf *dw, struct elab *E, uint64_t die_offset,
			     uint64_t pc, bool only_params, bool only_locals);

#endif
