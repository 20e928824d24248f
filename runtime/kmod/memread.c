/*
 * memread: nofault copies from and to kernel and user memory (see memread.h).
 * Strings are read one page-bounded chunk at a time: a chunk never
 * crosses into the next page, so a string ending just before an unmapped
 * page reads fine.
 */
#include <linux/uaccess.h>
#include <linux/mm.h>
#include <linux/string.h>
#include "kmod/error.h"
#include "kmod/memread.h"

int _ctap_kread(void *dst, unsigned long addr, size_t n)
{
	return copy_from_kernel_nofault(dst, (const void *)addr, n) ? -EFAULT : 0;
}

/*
 * copy_to_kernel_nofault is not exported to modules (6.1), so the module
 * stores with the architecture's __put_kernel_nofault, as that function
 * does: widest pieces first, page faults disabled, a fault jumps out.
 */
int _ctap_kwrite(unsigned long addr, const void *src, size_t n)
{
	char *dst = (char *)addr;
	const char *from = src;

	pagefault_disable();
	for (; n >= 8; n -= 8, dst += 8, from += 8)
		__put_kernel_nofault(dst, from, u64, fault);
	for (; n >= 4; n -= 4, dst += 4, from += 4)
		__put_kernel_nofault(dst, from, u32, fault);
	for (; n >= 2; n -= 2, dst += 2, from += 2)
		__put_kernel_nofault(dst, from, u16, fault);
	for (; n; n--, dst++, from++)
		__put_kernel_nofault(dst, from, u8, fault);
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}

int _ctap_uwrite(unsigned long addr, const void *src, size_t n)
{
	long rc;

	pagefault_disable();
	rc = copy_to_user_nofault((void __user *)addr, src, n);
	pagefault_enable();
	return rc ? -EFAULT : 0;
}

int _ctap_uread(void *dst, unsigned long addr, size_t n)
{
	long rc;

	pagefault_disable();
	rc = copy_from_user_nofault(dst, (const void __user *)addr, n);
	pagefault_enable();
	return rc ? -EFAULT : 0;
}

static long _ctap_string(char *dst, unsigned long addr, size_t max, bool user)
{
	size_t len = 0;

	if (!max)
		return 0;
	while (len < max - 1) {
		size_t chunk = min_t(size_t, max - 1 - len,
				     PAGE_SIZE - ((addr + len) & (PAGE_SIZE - 1)));
		char *nul;
		int rc;

		rc = user ? _ctap_uread(dst + len, addr + len, chunk)
			  : _ctap_kread(dst + len, addr + len, chunk);
		if (rc) {
			dst[len] = '\0';
			return -EFAULT;
		}
		nul = memchr(dst + len, '\0', chunk);
		if (nul)
			return nul - dst;
		len += chunk;
	}
	dst[len] = '\0';
	return len;
}

long _ctap_kstring(char *dst, unsigned long addr, size_t max)
{
	return _ctap_string(dst, addr, max, false);
}

long _ctap_ustring(char *dst, unsigned long addr, size_t max)
{
	return _ctap_string(dst, addr, max, true);
}

void _ctap_fault(struct _ctap_context *c, unsigned long addr, bool write)
{
	_ctap_errorf(c, "%s fault [man error::fault] at 0x%lx", write ? "write" : "read", addr);
}

int _ctap_format_read(void *arg, void *dst, uint64_t addr, uint32_t len, int user)
{
	return user ? _ctap_uread(dst, addr, len) : _ctap_kread(dst, addr, len);
}
