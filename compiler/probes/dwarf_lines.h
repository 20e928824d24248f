/*
 * dwarf_lines: the points of a statement probe by source line,
 * FUNC@FILE:N, :N-M, :* (every line of FUNC) or FUNC@FILE+N (line N of
 * FUNC counted from its declaration's), in any DWARF a udwarf reads: the
 * kernel's (kernel.statement, module(...).statement) and a user file's
 * (process(...).statement).
 *
 * Each line of each function instance (out of line, inlined copies) gets
 * one point, at its lowest address there.  A range or * gives each
 * address to one line, the first that has it, as SystemTap does (lines
 * sharing their first instruction with an earlier line get no point of
 * their own); a line named alone, or relative, is probed wherever it is.
 */
#ifndef CTAP_PROBES_DWARF_LINES_H
#define CTAP_PROBES_DWARF_LINES_H

#include <stdbool.h>
#include <stdint.h>

struct elab;
struct udwarf;
struct udwarf_func;

struct dwarf_line_point {
	const struct udwarf_func *func;  /* the instance (its die_offset, name) */
	uint64_t pc;                      /* link-time address */
	const char *file;                 /* the row's file, in the elab's arena */
	int line;
};

/* Calls add for each point of spec in dw; add returns false for an
 * address it cannot probe (no symbol holds it), and the line is then
 * looked for at its next address.  Returns how many add took, or -1 with
 * *why when spec is not a line specification. */
int dwarf_line_points(struct elab *E, struct udwarf *dw, const char *spec, const char **why,
		      bool (*add)(void *ctx, const struct dwarf_line_point *p), void *ctx);

#endif
