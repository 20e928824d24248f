/*
 * klines: the kernel's source line table in the compact form the runtimes
 * look addresses up in (runtime/common/klines.h), from line-table rows
 * (the kernel's DWARF: elaborate_kernel_line_table; a module's user
 * objects: compiler/kmod/ulines.c shares the row rules).
 */
#ifndef CTAP_TARGET_KLINES_H
#define CTAP_TARGET_KLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* A row of a line table, as klines_encode takes them. */
struct klines_row {
	uint64_t pc;
	const char *file;        /* one pointer per file name; NULL: the end of a sequence */
	uint32_t line;
	uint32_t seq;            /* table order, which breaks ties of pc */
};

/* Rows sorted by address, then only the row that holds each address (the
 * last one at it: a sequence's end before another's start, then table
 * order, as libdw decides) unless it repeats the file and line of the row
 * kept before it; returns how many are kept (in place). */
size_t klines_rows_compact(struct klines_row *rows, size_t nrows);

/* The distinct file names of rows in *files (malloc'd), in pointer order;
 * returns their number.  klines_file_index: the index of one of them. */
uint32_t klines_rows_files(const struct klines_row *rows, size_t n, const char ***files);
uint32_t klines_file_index(const char *const *files, uint32_t nfiles, const char *file);

/* The table of rows (any order; sorted and compacted in place) appended
 * to out; false when the rows do not fit its 32-bit offsets or there are
 * none.  anchor: the link-time address of `jiffies`. */
bool klines_encode(struct klines_row *rows, size_t nrows, uint64_t anchor, struct strbuf *out);

#endif
