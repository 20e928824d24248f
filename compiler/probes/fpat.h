/*
 * fpat: the FUNC[@FILE[:LINE]] argument of a function probe point
 * (process(...).function and kernel.function), and how a DWARF source
 * file name is matched against its FILE.
 */
#ifndef CTAP_PROBES_FPAT_H
#define CTAP_PROBES_FPAT_H

#include <stdbool.h>

struct arena;

struct fpat {
	const char *func;            /* glob ("*" when empty) */
	const char *file;            /* glob or NULL */
	int line;                    /* 0 = any */
};

/* Splits spec into p (strings in a); false with *why for forms ctap does
 * not take (FUNC@FILE+N, ranges). */
bool fpat_parse(struct arena *a, const char *spec, struct fpat *p, const char **why);

/* Whether DWARF file name `have` is the FILE glob `want` (NULL: any):
 * whole, as a trailing path ("fs/read_write.c"), or as a base name. */
bool fpat_file_matches(const char *have, const char *want);

/* A udwarf_filter unit callback: whether unit cu_name is the file `file`
 * (a const char *), for @var("NAME@FILE"). */
bool fpat_unit_of_file(void *file, const char *cu_name);

/* udwarf_filter callbacks over a struct fpat (the ctx): its func glob,
 * its file, and the units worth reading (a function declared in a .c
 * file is in that file's unit only). */
bool fpat_want_name(void *fpat, const char *name);
bool fpat_want_file(void *fpat, const char *decl_file);
bool fpat_want_unit(void *fpat, const char *cu_name);

#endif
