/*
 * klines: a compact source line table of the kernel image, for
 * symfileline(), symfile() and symline() on kernel addresses.  The
 * translator writes it from the kernel's DWARF (compiler/target/klines.c)
 * when a script asks for kernel lines; the kernel module carries it
 * (.incbin), the BPF back end's user space reads it from the file.  Both
 * look addresses up here, at link-time addresses (the caller takes
 * KASLR's offset off first).
 *
 * Why not the DWARF itself: the 6.1 kernel's .debug_line is 17 MB for
 * 1.6 million line changes, and the module would have to carry a DWARF
 * line-program interpreter and its unit headers.  This table holds only
 * (address, file, line) changes: about 3 bytes a row.
 *
 * Layout (little-endian, offsets from the start of the blob):
 *   struct klines_head
 *   index[nblocks]   struct klines_block: address of the block's first row
 *                    (from head.base) and where its rows start (from
 *                    head.rows_off), ascending by address
 *   files[nfiles]    u32: where each file name starts (from names_off)
 *   names            NUL-terminated file names
 *   rows             per block, KLINES_BLOCK rows at most, each:
 *                      varint  (address delta << 1) | file changed
 *                      varint  file index, when it changed
 *                      varint  zigzag line delta
 *                    deltas from the previous row of the block; a block's
 *                    first row is from (block address, no file, line 0)
 * A row holds from its address to the next row's; line 0 says no line
 * (the end of a DWARF sequence).
 */
#ifndef CTAP_COMMON_KLINES_H
#define CTAP_COMMON_KLINES_H

#include "common/compat.h"

#define KLINES_MAGIC 0x4c4b5443u /* "CTKL" */
#define KLINES_VERSION 1u
#define KLINES_BLOCK 64

struct klines_head {
	uint32_t magic, version;
	uint64_t base;          /* link-time address of the first row */
	uint64_t anchor;        /* link-time address of `jiffies` (KASLR's offset) */
	uint32_t nblocks, nfiles;
	uint32_t index_off, files_off, names_off, rows_off;
	uint32_t size;          /* of the whole blob */
	uint32_t pad;
};

struct klines_block {
	uint32_t addr;          /* from head.base */
	uint32_t rows;          /* from head.rows_off */
};

/* Whether blob (len bytes) is a table this code reads (every offset
 * inside it); lookups trust a table that passed. */
bool klines_valid(const void *blob, size_t len);

/* The file and line of link-time address addr: true with *file (in the
 * blob) and *line, or false when no row holds it or its row has no line. */
bool klines_lookup(const void *blob, uint64_t addr, const char **file, uint32_t *line);

#endif
