/*
 * usym: user-space call chains and addresses of the current task, for
 * the tapset's ucallers/ubacktrace/usymname/usymdata on kernel modules.
 */
#ifndef CTAP_KMOD_USYM_H
#define CTAP_KMOD_USYM_H

#include <linux/types.h>

struct _ctap_context;

/* The current task's user call chain: its user PC, then return addresses
 * by frame pointers (fault-safe reads); at most max; 0 for kernel threads
 * and begin/end/error probes.  The chain ends at a frame in an object the
 * module has no table for; with warn, SystemTap's warning naming the -d
 * option that would supply it is given then. */
unsigned int _ctap_ubacktrace(struct _ctap_context *c, unsigned long *pcs, unsigned int max,
			      bool warn);
/* That warning for a chain printed frame by frame, before the frame at addr
 * (the output so far is flushed first, so that it comes in order). */
void _ctap_ubacktrace_warn(struct _ctap_context *c, unsigned long addr);

/* An address of the current process as text.  In an object whose symbol
 * table the module carries (struct _ctap_uobj): usymname "name", usymdata
 * "name+0xOFF/0xSIZE [PATH]".  Else usymname "0x...", usymdata
 * "0xADDR [PATH+0xOFF/0xSIZE]" when a file mapping covers it, or "0x...". */
void _ctap_usymname(struct _ctap_context *c, char *dst, unsigned long addr);
void _ctap_usymdata(struct _ctap_context *c, char *dst, unsigned long addr);

/* The source line of an address of the current process, from the line
 * tables the module carries (scripts that ask for lines): usymfileline
 * "FILE:LINE", else the address as "0x..."; _ctap_uline gives the parts,
 * or false. */
void _ctap_usymfileline(struct _ctap_context *c, char *dst, unsigned long addr);
bool _ctap_uline(struct _ctap_context *c, unsigned long addr, const char **file,
		 unsigned int *line);

/* The inodes of the module's user objects, looked up at load (process
 * context) and released at unload; a missing file names no address. */
void _ctap_uobjs_open(void);
void _ctap_uobjs_close(void);

#endif
