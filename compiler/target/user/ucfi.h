/*
 * ucfi: the call frame information of one x86_64 ELF file (.eh_frame,
 * read with libdw), as the rows an unwinder without a DWARF expression
 * evaluator can follow: where the CFA is (a register plus an offset),
 * and where the caller's frame pointer was saved.  The return address is
 * at CFA - 8 on x86_64; a row whose return address is elsewhere, or whose
 * CFA is an expression (PLT stubs, signal trampolines), says "unknown".
 *
 * Facts only: the kernel-module back end turns the rows into tables its
 * runtime interprets (compiler/kmod/usyms.c, runtime/kmod/usym.c).
 */
#ifndef CTAP_TARGET_USER_UCFI_H
#define CTAP_TARGET_USER_UCFI_H

#include <stdbool.h>
#include <stdint.h>

struct arena;

enum ucfi_reg {
	UCFI_UNKNOWN = 0,        /* no rule the unwinder can follow from here */
	UCFI_RSP = 7,            /* DWARF register numbers */
	UCFI_RBP = 6,
};

struct ucfi_row {
	uint64_t vaddr;          /* link-time address where the row starts; it
	                          * holds until the next row's vaddr */
	enum ucfi_reg cfa_reg;
	int32_t cfa_offset;
	int32_t rbp_offset;      /* the caller's rbp is saved at CFA + this;
	                          * 0 = rbp is unchanged */
};

struct ucfi {
	struct ucfi_row *rows;   /* sorted by vaddr */
	uint32_t nrows;
};

/* The rows of path's .eh_frame, or NULL with *why when the file has none
 * or cannot be read.  Rows live in a. */
struct ucfi *ucfi_read(struct arena *a, const char *path, const char **why);

#endif
