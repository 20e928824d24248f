/*
 * udwarf_int: what udwarf's files share (udwarf.c opens files and reads
 * types, functions and variables; udwarf_loc.c evaluates locations).
 * Not for other callers: they have udwarf.h.
 */
#ifndef CTAP_TARGET_USER_UDWARF_INT_H
#define CTAP_TARGET_USER_UDWARF_INT_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

struct udwarf {
	char *path, *debug_path;
	int fd, dfd;
	Elf *elf, *delf;
	Dwarf *dw;
	Dwarf_CFI *cfi_eh, *cfi_debug;
	/* a relocatable file (a kernel module): libdwfl lays its sections
	 * out and applies the relocations its DWARF needs; dw, elf and delf
	 * are then libdwfl's */
	Dwfl *dwfl;
	Dwfl_Module *module;
	Dwarf_Addr bias;           /* DWARF address + bias = libdwfl's address */
	/* the last udwarf_elf_symbol() answer: pass 2 asks for the same
	 * symbol (KASLR's anchor) at every kernel static */
	char *symbol_asked;
	uint64_t symbol_addr;
	bool symbol_found;
};

#endif
