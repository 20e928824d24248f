/*
 * symdefer: kernel addresses that travel as strings and are named in user
 * space.  A BPF program cannot name a kernel address (the symbol table is
 * /proc/kallsyms, read by the stap process: ksyms.h), so the lowering of
 * stacks and symbol functions (compiler/bpf/lower_stack.c) puts the
 * addresses themselves into the string value, marked, and the printer of
 * records (record.c) expands the marks when the string is output.
 *
 * The encoding (no NUL byte anywhere, so a deferred string is an ordinary
 * zero-padded string to the programs: copied, concatenated, stored):
 *
 *   item   SYMDEFER_MARK STYLE A0..A9
 *            STYLE '0'..'5' (but '4'): _sym_format(addr, STYLE) (ksyms_format);
 *                  '4', '6', '7': FILE:LINE, FILE, LINE from the kernel's
 *                  line table (klines_path), else "0x%x" of the address;
 *                  'x': "0x%x" of the address
 *                  'k': the text kept under handle A (keptstr.h: a user
 *                  stack or symbol made in user space), "" if none
 *            A0..A9: the address, 7 bits per byte from the lowest, each
 *                  byte with bit 7 set
 *   group  SYMDEFER_MARK KIND STYLE CUT ... SYMDEFER_END
 *            the text between is a list of space-separated addresses, each
 *            an item or hex text ("0x...", as callers() prints it); the
 *            group expands to one line per address:
 *            KIND 'S': " TOKEN : symdata\n" (print_syms, sprint_syms)
 *            KIND 'L': "_sym_format(addr, STYLE)\n" (sprint_backtrace)
 *            CUT 'c': stop before a line that would take the group past
 *            MAXSTRINGLEN-1 bytes (the sprint forms), 'n': no limit
 *            A group cut short by MAXSTRINGLEN ends at the string's end.
 *
 * A string is expanded only when it is output, so what the handler sees
 * (strlen, comparisons) is the encoding, not the text: a known difference
 * from the kernel-module back end (compiler/bpf/README.md §6).
 */
#ifndef CTAP_BPF_SYMDEFER_H
#define CTAP_BPF_SYMDEFER_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/keptstr.h"

#define SYMDEFER_MARK '\001'
#define SYMDEFER_END '\002'
#define SYMDEFER_ADDR_BYTES 10
#define SYMDEFER_ITEM (2 + SYMDEFER_ADDR_BYTES)
#define SYMDEFER_HEX 'x'
#define SYMDEFER_KEPT 'k'
#define SYMDEFER_GROUP_SYMS 'S'
#define SYMDEFER_GROUP_LINES 'L'
#define SYMDEFER_CUT 'c'
#define SYMDEFER_NOCUT 'n'

struct ksyms;
struct strbuf;

/* The symbol table, read on first use (NULL table: every address unknown). */
struct symdefer {
	const char *path;      /* /proc/kallsyms unless a test says otherwise */
	struct ksyms *ks;
	int tried;
	uint32_t maxstringlen;
	/* The kernel's line table (common/klines.h), read on first use from
	 * klines_path (NULL: none; lines print as addresses) */
	const char *klines_path;
	char *klines;
	uint64_t kaslr;            /* run-time minus link-time addresses */
	int klines_tried;
	struct keptstr kept;       /* texts of SYMDEFER_KEPT items */
};

/* s (len bytes) with its items and groups expanded, appended to out;
 * returns 0 if s holds no mark (out untouched: use s as it is). */
int symdefer_expand(struct symdefer *d, const char *s, size_t len, struct strbuf *out);
/* addr as _sym_format(addr, style) prints it (style 0..5 but 4), into dst. */
int symdefer_format(struct symdefer *d, char *dst, size_t size, uint64_t addr, int style);
/* The symbol table, read on first use (after the session's programs are
 * loaded, so that they are listed too); NULL when unreadable. */
const struct ksyms *symdefer_table(struct symdefer *d);
void symdefer_close(struct symdefer *d);

#endif
