/*
 * usym: user-space call chains and addresses of the current task, for
 * the tapset's ucallers/ubacktrace/usymname/usymdata on kernel modules.
 */
#ifndef CTAP_KMOD_USYM_H
#define CTAP_KMOD_USYM_H

struct _ctap_context;

/* The current task's user call chain: its user PC, then return addresses
 * by frame pointers (fault-safe reads); at most max; 0 for kernel
 * threads. */
unsigned int _ctap_ubacktrace(struct _ctap_context *c, unsigned long *pcs, unsigned int max);

/* An address of the current process as text: usymname gives "0x..."
 * (no symbol tables are embedded yet), usymdata "0xADDR [PATH+0xOFF/0xSIZE]"
 * when a file mapping covers it, else "0x...". */
void _ctap_usymname(struct _ctap_context *c, char *dst, unsigned long addr);
void _ctap_usymdata(struct _ctap_context *c, char *dst, unsigned long addr);

#endif
