/*
 * uelf: the facts user-space probes need from one ELF file, read once with
 * libelf and copied into the arena (no file stays open): function
 * symbols, PLT slots, SDT notes, the segment map that turns link-time
 * addresses into file offsets, and where separate debuginfo would be
 * (udwarf.h reads it).
 *
 * File offsets: a uprobe is placed by (inode, file offset).  For an
 * address inside a PT_LOAD segment, offset = vaddr - p_vaddr + p_offset.
 * PIE executables and shared libraries (ET_DYN) have vaddrs starting near
 * 0, non-PIE executables (ET_EXEC) at 0x400000; the formula is the same.
 */
#ifndef CTAP_TARGET_USER_UELF_H
#define CTAP_TARGET_USER_UELF_H

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

struct arena;

struct uelf_symbol {
	const char *name;
	uint64_t vaddr, size;
	bool global;             /* STB_GLOBAL/STB_WEAK: exported (.exported) */
	bool in_dynsym;
};

struct uelf_plt {
	const char *name;        /* "printf" (version suffix removed) */
	uint64_t vaddr;          /* the PLT slot (.plt.sec entry when there is one) */
};

struct uelf_sdt {
	const char *provider, *name;
	const char *args;        /* operand string, "" when none */
	uint64_t pc;             /* link-time address, .stapsdt.base adjusted */
	uint64_t semaphore;      /* link-time address, 0 = none */
};

struct uelf_segment {
	uint64_t vaddr, memsz, offset, filesz;
	bool exec;
};

struct uelf {
	const char *path;
	bool et_exec;            /* non-PIE executable */
	uint64_t base;           /* lowest PT_LOAD p_vaddr (for -p2's pc=.absolute+X) */
	struct uelf_symbol *syms;
	uint32_t nsyms;          /* sorted by vaddr, one per (name, vaddr) */
	struct uelf_plt *plts;
	uint32_t nplts;
	struct uelf_sdt *sdts;
	uint32_t nsdts;
	struct uelf_segment *segs;
	uint32_t nsegs;
	const uint8_t *build_id;
	uint32_t build_id_len;
	const char *debuglink;   /* .gnu_debuglink file name, or NULL */
	bool has_debug_info;     /* a .debug_info section in the file itself */
	const char **needed;     /* DT_NEEDED names, in order */
	uint32_t nneeded;
	const char *runpath;     /* DT_RUNPATH, else DT_RPATH, else NULL */
	const char *interp;      /* PT_INTERP (the program's loader), or NULL */
};

/* NULL and *why (arena text) when the file is not a readable ELF file. */
struct uelf *uelf_open(struct arena *a, const char *path, const char **why);

/* Whether the file is a shared library rather than an executable: ELF
 * ET_DYN without DF_1_PIE and without PT_INTERP (libc, which has an
 * interpreter, is still a library: it has no DF_1_PIE). */
bool uelf_is_shared_library(const char *path);

/* The section of e called name (its header in *out unless NULL), or NULL:
 * for readers of other parts of the file (ucfi.c). */
Elf_Scn *uelf_section(Elf *e, const char *name, GElf_Shdr *out);

/* The file offset of a link-time address; false if no segment holds it. */
bool uelf_offset(const struct uelf *u, uint64_t vaddr, uint64_t *offset);

/* The function symbol containing vaddr, or NULL. */
const struct uelf_symbol *uelf_symbol_at(const struct uelf *u, uint64_t vaddr);

/* Of two symbols at one address, which one names it in a backtrace
 * (< 0: a): global or weak before local, then the larger (an alias of
 * size 0 is a label), then by name.  The kernel-module tables
 * (compiler/kmod/usyms.c) and the BPF runtime (runtime/bpf/ualias.c) both
 * choose by it, so that their backtraces name libc's frames alike. */
int uelf_alias_cmp(const struct uelf_symbol *a, const struct uelf_symbol *b);

/* The separate debuginfo file for u (/usr/lib/debug/.build-id/xx/rest.debug,
 * or the .gnu_debuglink file beside it or under /usr/lib/debug), or NULL. */
const char *uelf_debug_file(struct arena *a, const struct uelf *u);

#endif
