/*
 * ksyms: kernel symbols for the user-space half of BPF sessions, read
 * from /proc/kallsyms (or a fixture with the same format) once per
 * session, when the first address needs a name (so that BPF programs the
 * session loaded are listed too).
 *
 * Input: lines "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]".  Output:
 * address -> (name, offset, size, module) as the kernel's %pS computes
 * it: the symbol with the greatest address not above ADDR, the first one
 * listed among aliases; its size runs to the next greater address of the
 * same module (the kernel image is module "kernel"); an address past a
 * module's last symbol, or outside [_stext, _end] for the kernel image
 * when those are listed, has no symbol.  Addresses read as 0 (kallsyms
 * hidden from this user) give an empty table.
 *
 * Invariants: the table is sorted by (module, address, line); names and
 * module names are owned by the table; lookups never allocate.
 */
#ifndef CTAP_BPF_KSYMS_H
#define CTAP_BPF_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	uint64_t size;        /* to the next symbol of the same module; 0 for the last */
	const char *name;
	const char *mod;      /* "kernel" for the kernel image */
};

struct ksyms;

/* NULL with errno set when the file cannot be read. */
struct ksyms *ksyms_open(const char *path);
void ksyms_close(struct ksyms *k);
size_t ksyms_count(const struct ksyms *k);

/* The address of the kernel image's symbol `name` in the file (not a
 * module's); false when it is not there or reads as 0 (hidden). */
bool ksyms_address_of(const char *path, const char *name, uint64_t *addr);

/* The symbol containing addr and the offset into it, or NULL. */
const struct ksym *ksyms_lookup(const struct ksyms *k, uint64_t addr, uint64_t *off);

/* The symbol called name (the first of that name: a linear search), or NULL. */
const struct ksym *ksyms_find(const struct ksyms *k, const char *name);

/*
 * addr as the tapset's _sym_format() styles print it (tapset/BPF_BUILTINS.md
 * `sym_format`): 0 name; 1 name+0xOFF/0xSIZE [MOD]; 2 name+0xOFF [MOD];
 * 3 MOD; 5 name+0xOFF.  An unknown address is 0x... ("" in style 3).
 * Style 4 (file:line) is the caller's.  Returns the length (as snprintf).
 */
int ksyms_format(const struct ksyms *k, char *dst, size_t size, uint64_t addr, int style);

#endif
