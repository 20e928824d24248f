/*
 * memread: fault-safe reads of kernel and user memory from probe context
 * (kernel_long(), user_string(), $var dereferences, %m).
 *
 * Reads never sleep and never oops: kernel addresses go through
 * copy_from_kernel_nofault, user addresses through copy_from_user_nofault
 * (which refuses kernel addresses and contexts without a usable mm) with
 * page faults disabled.  The functions return 0 / a length, or -EFAULT;
 * raising the script-visible error is the caller's (the tapsets word them
 * differently); _ctap_fault() raises the generic
 * `read fault [man error::fault] at 0x...` used for $var accesses.
 */
#ifndef CTAP_KMOD_MEMREAD_H
#define CTAP_KMOD_MEMREAD_H

#include <linux/types.h>

struct _ctap_context;

int _ctap_kread(void *dst, unsigned long addr, size_t n);
int _ctap_uread(void *dst, unsigned long addr, size_t n);
/* Guru-mode stores (set_kernel_*, $var = v): 0, or -EFAULT. */
int _ctap_kwrite(unsigned long addr, const void *src, size_t n);
int _ctap_uwrite(unsigned long addr, const void *src, size_t n);

/*
 * Copies the NUL-terminated string at addr into dst (max bytes, NUL
 * included, so at most max-1 characters).  Returns the length copied, or
 * -EFAULT if the first unreadable byte comes before the NUL and before
 * max-1 characters; dst is always NUL-terminated.
 */
long _ctap_kstring(char *dst, unsigned long addr, size_t max);
long _ctap_ustring(char *dst, unsigned long addr, size_t max);

/* Raises `read fault [man error::fault] at 0xADDR` (write: `write fault`). */
void _ctap_fault(struct _ctap_context *c, unsigned long addr, bool write);

/* The %m / %M reader for common/format.h (arg unused). */
int _ctap_format_read(void *arg, void *dst, uint64_t addr, uint32_t len, int user);

#endif
