/* kprobe: the data of kernel.function / kprobe.function derived probes. */
#ifndef CTAP_PROBES_KPROBE_H
#define CTAP_PROBES_KPROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/family.h"
#include "target/target.h"

struct kprobe_data {
	const char *symbol;
	uint64_t offset;                        /* into symbol: an inlined instance */
	uint64_t addr;                          /* 0 when addresses are hidden */
	bool is_return;
	int64_t maxactive;                      /* -1: default (KRETACTIVE) */
	bool dwarfless;                         /* kprobe.function: no $vars */
	const struct target_func_proto *proto;  /* from BTF, or NULL */
	/* from the kernel's DWARF (kdwarf.c), when it is installed */
	bool has_dwarf;
	const char *module_debuginfo;           /* module("M"): M's .ko with DWARF */
	uint64_t die_offset;                    /* DW_TAG_subprogram */
	uint64_t pc;                            /* the probe address, link-time */
};

extern const struct probe_family kprobe_family;

/* kdwarf.c: the kernel's DWARF and the functions it describes. */
struct arena;
struct elab;
struct udwarf;
struct kdwarf_func {
	const char *symbol;                     /* the kernel symbol to probe */
	uint64_t offset;                        /* into it (an inlined instance) */
	uint64_t addr;                          /* the probe's entry, link-time */
	uint64_t die_offset, pc;
	const char *point;                      /* "NAME@FILE:LINE" */
};
/* The target kernel's DWARF, or NULL when no debuginfo is installed. */
struct udwarf *kdwarf_open(struct elab *E);
/* Calls add for every function FUNC[@FILE[:LINE]] (spec) names, and for
 * their inlined instances when `inlines`; returns their number, or -1
 * with *why (NULL: no target, already said).  `module`: dw is that
 * module's (its name), or NULL: the kernel's. */
int kdwarf_functions(struct elab *E, struct udwarf *dw, const char *module, const char *spec,
		     bool inlines, const char **why,
		     void (*add)(void *ctx, const struct kdwarf_func *f), void *ctx);
/* The same for kernel.statement("FUNC@FILE:N"), ":N-M", ":*": the first
 * statement address of each line, named "NAME@FILE:LINE". */
int kdwarf_statements(struct elab *E, struct udwarf *dw, const char *module, const char *spec,
		      const char **why, void (*add)(void *ctx, const struct kdwarf_func *f),
		      void *ctx);

/* @var("NAME[@FILE]"[, "kernel"]) (e) from the kernel's DWARF, for any
 * probe that runs in the kernel: resolves e or reports why not; true (a
 * family's target_var answer). */
struct expr;
bool kdwarf_at_var(struct elab *E, struct expr *e);

/* kmodule.c: kernel modules' DWARF.  A module("M") argument's module name
 * (a path's base name without .ko; '-' as '_'), and the file holding its
 * DWARF, or NULL with *why. */
const char *kmodule_name(struct arena *a, const char *module);
const char *kmodule_debuginfo(struct elab *E, const char *module, const char **why);

#endif
