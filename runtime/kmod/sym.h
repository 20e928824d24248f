/*
 * sym: kernel symbols and backtraces for the symbol tapsets (symname,
 * symdata, probefunc, backtrace, print_backtrace; output-formats.md §9),
 * from the kernel's own kallsyms and unwinder, so no symbol data travels
 * in the module.  Kernel addresses only: user-space symbols and unwinding
 * are not supported yet.
 */
#ifndef CTAP_KMOD_SYM_H
#define CTAP_KMOD_SYM_H

#include <linux/types.h>

struct _ctap_context;

/* symname(addr): "vfs_read", or "0x…" when unknown.  dst: MAXSTRINGLEN. */
void _ctap_symname(struct _ctap_context *c, char *dst, unsigned long addr);

/* symdata(addr): "vfs_read+0x0/0x1a0 [kernel]", "ext4_x+0x10/0x50 [ext4]",
 * or "0x…".  dst: MAXSTRINGLEN. */
void _ctap_symdata(struct _ctap_context *c, char *dst, unsigned long addr);

/*
 * The probed kernel context's call chain: pcs[0] is the probed address,
 * then return addresses, at most max (MAXBACKTRACE); in a tracepoint's
 * probe, the return address into the function that hit it, then its
 * callers.  0 when the probe has no registers (begin, timers) or they are
 * user-mode registers.
 */
/*
 * The source line of a kernel address from the line table the module
 * carries (scripts that call symfileline, symfile or symline): style 4
 * "FILE:LINE", 6 "FILE", 7 "LINE"; the address as "0x..." when no line
 * is known.  dst: MAXSTRINGLEN.
 */
void _ctap_symline(struct _ctap_context *c, char *dst, unsigned long addr, int style);

unsigned int _ctap_backtrace(struct _ctap_context *c, unsigned long *pcs, unsigned int max);

#endif
