/*
 * udwarf: the DWARF of one ELF file (libdw): functions with their source
 * location and probe address, line tables, the variables in scope at an
 * address with their locations, and their C types.
 *
 * Facts only: nothing here knows the script language, diagnostics or the
 * back ends.  compiler/probes/uvars.c turns $var->member[i] into accesses
 * from these answers.  Nothing is specific to user space either: a file is
 * an executable or a shared library today, and a vmlinux (the description's
 * debuginfo) or a module reads the same way; what differs (relocating
 * statics, the address space) is the caller's business.
 *
 * Locations of a variable at an address (udwarf_var_location):
 *   DW_OP_reg0..31, regx   UDWARF_LOC_REGISTER: the value is in a register
 *   DW_OP_breg*(N)         UDWARF_LOC_MEMORY: memory at register + N
 *   DW_OP_fbreg(N)         UDWARF_LOC_MEMORY: memory at frame base + N, the
 *                          frame base being DW_OP_call_frame_cfa (the CFA from
 *                          .eh_frame/.debug_frame at that address, itself
 *                          register + offset), a breg or a reg
 *   DW_OP_addr(A)          UDWARF_LOC_STATIC: at link-time address A
 *   a constant: DW_OP_lit*, const*(N) + DW_OP_stack_value, an
 *   implicit value, DW_AT_const_value
 *                          UDWARF_LOC_CONST: the value is `value`
 *   DW_OP_breg*(N) + DW_OP_stack_value
 *                          UDWARF_LOC_VALUE: the value is register + N
 *   DW_OP_entry_value(DW_OP_reg*) + DW_OP_stack_value at the entry of the
 *   function itself   UDWARF_LOC_REGISTER: the register still holds it
 * Anything else (pieces, other computed values, entry values elsewhere, no
 * location list entry covering the address) is not accessible, with the
 * reason; never guessed.
 *
 * Types are libdw DIEs held by value (struct udwarf_type), so type units
 * and split DWARF work as libdw makes them work; callers only pass them
 * back.  They are valid while their file is open.
 *
 * Open files belong to a struct udwarf_cache, one per compilation (the
 * session owns it and closes it with the compilation).  It keeps the few
 * files used last open: pass 2 asks about the same files for every probe
 * and variable, and a glob over libraries must not hold hundreds open.
 * A relocatable file (a kernel module's .ko) is read through libdwfl,
 * which applies the relocations its DWARF needs.
 */
#ifndef CTAP_TARGET_USER_UDWARF_H
#define CTAP_TARGET_USER_UDWARF_H

#include <stdbool.h>
#include <stdint.h>

#include <elfutils/libdw.h>

struct arena;
struct udwarf;
struct udwarf_cache;

struct udwarf_cache *udwarf_cache_new(void);
/* Closes the open file, if any; accepts NULL. */
void udwarf_cache_free(struct udwarf_cache *c);

/* The DWARF of ELF file `path`, read from `debug_path` (its separate
 * debuginfo) or from path itself when NULL; NULL if there is none.  The
 * handle stays valid until the next udwarf_open of another file in c. */
struct udwarf *udwarf_open(struct udwarf_cache *c, const char *path, const char *debug_path);

/* ---- functions and lines ---- */

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

/* Which functions a caller wants, asked before anything costly is read:
 * name() of the name, else of the linkage name; then file() (NULL: any)
 * of the declaration file (NULL when DWARF has none). */
struct udwarf_filter {
	bool (*name)(void *ctx, const char *name);
	bool (*file)(void *ctx, const char *decl_file);
	bool (*unit)(void *ctx, const char *cu_name); /* NULL: all; a unit it
						       * rejects is not read */
	void *ctx;
};

/* Calls cb for every function with code (concrete instances, and inlined
 * instances when `inlines`) that `want` takes (every one when NULL);
 * strings live in a. */
void udwarf_functions(struct udwarf *dw, struct arena *a, bool inlines,
		      const struct udwarf_filter *want,
		      void (*cb)(void *ctx, const struct udwarf_func *f), void *ctx);

/* Addresses of line `line` in files whose name ends with `file` (any when
 * NULL); the first is_stmt address of each run.  Returns the count. */
int udwarf_line_addrs(struct udwarf *dw, const char *file, int line, uint64_t *out, int max);

/* The innermost function or inlined instance containing pc (its DIE
 * offset), or 0. */
uint64_t udwarf_func_at(struct udwarf *dw, uint64_t pc);

/* Whether the code of a function or inlined instance covers pc. */
bool udwarf_func_has_pc(struct udwarf *dw, uint64_t die_offset, uint64_t pc);

/* Whether pc lies in the prologue of an unoptimized function (die_offset),
 * where -O0 code has not yet stored its parameters to the stack slots its
 * DWARF names for the whole function. */
bool udwarf_in_prologue(struct udwarf *dw, uint64_t die_offset, uint64_t pc);

/* The DWARF of ELF file u: in the file itself, or in its separate
 * debuginfo file (then *debug_file, else NULL); NULL if it has none. */
struct uelf;
struct udwarf *udwarf_of_uelf(struct udwarf_cache *c, struct arena *a, const struct uelf *u,
			      const char **debug_file);

/* The function symbol holding DWARF address addr in a relocatable file (a
 * kernel module: its symbols and DWARF laid out alike by libdwfl), with
 * addr's offset into it; NULL if none or another kind of file. */
const char *udwarf_symbol_at(struct udwarf *dw, uint64_t addr, uint64_t *off);

/* The name of the ELF section holding link-time address addr, or NULL. */
const char *udwarf_section_at(struct udwarf *dw, uint64_t addr);

/* Source "file:line" of an address (file in a), or false. */
bool udwarf_addr_line(struct udwarf *dw, struct arena *a, uint64_t pc, const char **file,
		      int *line);

/* A row of a line table. */
struct udwarf_line {
	uint64_t pc;
	const char *file;          /* valid while the file is open */
	int line;
	bool is_stmt;
	bool end;                  /* end_sequence: the address just past a sequence */
	bool new_cu;               /* the first row of a compilation unit's table */
};

/* Every row of every line table of the file, in table order; with
 * `units` (its unit() only), the tables of the units it takes. */
void udwarf_line_rows(struct udwarf *dw, const struct udwarf_filter *units,
		      void (*cb)(void *ctx, const struct udwarf_line *l), void *ctx);

/* ---- types ---- */

struct udwarf_type {
	Dwarf_Die die;
	bool valid;                /* false: void */
};

enum udwarf_kind {
	UDWARF_TYPE_POINTER,       /* T* */
	UDWARF_TYPE_REFERENCE,     /* T& and T&& */
	UDWARF_TYPE_ARRAY,
	UDWARF_TYPE_STRUCT,        /* struct, union or class */
	UDWARF_TYPE_OTHER,         /* base, enum, function, typedef, qualifier */
};

/* The kind of t itself (peel it first to see through typedefs). */
enum udwarf_kind udwarf_type_kind(const struct udwarf_type *t);
/* t without typedefs and qualifiers; false when that is void. */
bool udwarf_type_peel(const struct udwarf_type *t, struct udwarf_type *out);
/* What t points to, holds elements of, or qualifies; false when void. */
bool udwarf_type_inner(const struct udwarf_type *t, struct udwarf_type *out);
/* Size and signedness of a scalar (base, enum, pointer, reference: what
 * fits a register, floats excluded); false for anything else. */
bool udwarf_type_scalar(const struct udwarf_type *t, uint32_t *size, bool *is_signed);
/* Whether t (peeled) is a one-byte integer: char data, shown as text. */
bool udwarf_type_is_char(const struct udwarf_type *t);
/* Bytes of an object of type t (no peeling); false when unknown. */
bool udwarf_type_size(const struct udwarf_type *t, uint64_t *size);
/* t spelled as SystemTap's -L spells it ("char const*", "long int",
 * "struct point", "int[]"; "void" when !valid), in a. */
const char *udwarf_type_name(struct arena *a, const struct udwarf_type *t);

struct udwarf_member {
	uint64_t offset;           /* bytes from the start of the struct, through
				      anonymous members */
	struct udwarf_type type;
	uint64_t bit_size;         /* 0 unless a bit field */
	uint64_t bit_offset;       /* bit fields: DW_AT_data_bit_offset, else offset * 8 */
};

/* The member `name` of struct/union/class st (peeled), looking into
 * anonymous members; false when there is none or it has no type. */
bool udwarf_type_member(const struct udwarf_type *st, const char *name, struct udwarf_member *m);
/* Calls cb with the name of each named direct member of st. */
void udwarf_type_members(const struct udwarf_type *st, void (*cb)(void *ctx, const char *name),
			 void *ctx);

/* The type named `name` ("ngx_connection_t", "struct foo", "int") as some
 * unit of the file defines it; false if none does. */
bool udwarf_find_type(struct udwarf *dw, const char *name, struct udwarf_type *out);

/* The return type of function or inlined instance die_offset; false when
 * it returns nothing (or there is no such DIE). */
bool udwarf_return_type(struct udwarf *dw, uint64_t die_offset, struct udwarf_type *out);

/* ---- variables ---- */

struct udwarf_var {
	const char *name;          /* valid while the file is open */
	bool is_param;
	struct udwarf_type type;   /* !valid: void */
	Dwarf_Die die, scope;      /* the variable, and the function whose frame holds it */
};

/* Calls cb for each named variable and parameter in scope at pc in
 * function or inlined instance die_offset (parameters only, or locals
 * only, when asked), innermost scope first, until cb returns false.
 * False when there is no scope at all. */
bool udwarf_vars(struct udwarf *dw, uint64_t die_offset, uint64_t pc, bool only_params,
		 bool only_locals, bool (*cb)(void *ctx, const struct udwarf_var *v), void *ctx);

enum udwarf_loc_kind {
	UDWARF_LOC_REGISTER,       /* the value is in register `reg` */
	UDWARF_LOC_MEMORY,         /* at register `reg` + offset */
	UDWARF_LOC_STATIC,         /* at link-time address `addr` */
	UDWARF_LOC_CONST,          /* the value is `value` (no storage) */
	UDWARF_LOC_VALUE,          /* the value is register `reg` + offset */
};

struct udwarf_loc {
	enum udwarf_loc_kind kind;
	int reg;                   /* DWARF register number */
	int64_t offset;
	uint64_t addr;
	int64_t value;             /* UDWARF_LOC_CONST */
	const char *why;           /* when not accessible: why not */
};

/* The global or file-static variable `name` defined in a unit `units`
 * takes (all when NULL) into v (its scope: the unit); false if none. */
bool udwarf_global_var(struct udwarf *dw, const char *name, const struct udwarf_filter *units,
		       struct udwarf_var *v);

/* The value of ELF symbol `name` in the file's symbol table (link-time);
 * false if it has none, or for a relocatable file. */
bool udwarf_elf_symbol(struct udwarf *dw, const char *name, uint64_t *addr);

/* Where v is at pc; false with l->why when it cannot be read there. */
bool udwarf_var_location(struct udwarf *dw, const struct udwarf_var *v, uint64_t pc,
			 struct udwarf_loc *l);

#endif
