/*
 * elaborate: pass 2.  Turns the parsed files into a complete program:
 * probe points resolved, aliases expanded, functions and globals found
 * (pulling in the tapset files that define them), types inferred, unused
 * code elided.
 */
#ifndef CTAP_ELABORATE_H
#define CTAP_ELABORATE_H

#include <stdbool.h>
#include <stdio.h>

struct session;
struct parse_result;
struct program;
struct probe_family;

/* NULL on failure (errors reported).  families: every probe-point family
 * (NULL-terminated; compiler/probes/families.h). */
struct program *elaborate(struct session *s, struct parse_result *parsed,
			  const struct probe_family *const *families);
/* "Pass 2: analyzed script: 1 probe, 0 functions, 0 embeds, 0 globals" */
void elaborate_report(const struct program *p, FILE *out);
/* The -p2 dump. */
void elaborate_print(struct session *s, const struct program *p, FILE *out);
/* -l / -L / --dump-*: prints the listing; false when nothing matched. */
bool elaborate_listing(struct session *s, const struct program *p, FILE *out);
/* The first of the tapset functions named (a NULL-terminated list) that
 * p uses, or NULL: what a back end carries data for only when asked. */
struct functiondecl;
const struct functiondecl *elaborate_uses_tapset(const struct program *p,
						 const char *const *names);
/* When p calls symfileline, symfile or symline: the path of the kernel's
 * line table (runtime/common/klines.h), built from the target kernel's
 * DWARF on first use and cached; NULL, with a warning saying why, when it
 * cannot be had (the functions then give addresses); NULL otherwise. */
const char *elaborate_kernel_lines(struct session *s, const struct program *p);
/* The path (malloc'd) of the line table of the kernel whose DWARF is the
 * file debuginfo, built on first use into cache_dir and kept there; NULL
 * with *why (malloc'd: "it has no line tables", ...) when it cannot be. */
struct udwarf_cache;
char *elaborate_kernel_line_table(struct udwarf_cache *dc, const char *debuginfo,
				  const char *cache_dir, char **why);

#endif
