/*
 * ualias: which of a user address's aliases a BPF backtrace names.
 *
 * libdwfl names an address by one symbol of the object's symbol table
 * (free, __libc_start_main@@GLIBC_2.34); the kernel-module back end's
 * tables (compiler/kmod/usyms.c) take every function symbol of the file
 * and its separate debuginfo and name an address by uelf_alias_cmp's
 * choice (__libc_free, __libc_start_main).  The same script prints the
 * same frames on both back ends, so the BPF runtime renames libdwfl's
 * answer by the same rule, from the same symbols.
 */
#ifndef CTAP_BPF_UALIAS_H
#define CTAP_BPF_UALIAS_H

struct ualias;

struct ualias *ualias_new(void);
void ualias_free(struct ualias *ua);
/* The name for symbol `name` (libdwfl's) of the object at path: name itself
 * when the object cannot be read or has no such symbol. */
const char *ualias_name(struct ualias *ua, const char *path, const char *name);

#endif
