/*
 * str: bounded copies and concatenation of script strings (see str.h).
 */
#include <linux/kernel.h>
#include "kmod/str.h"

void _ctap_strcat(char *dst, const char *src)
{
	size_t len = strnlen(dst, MAXSTRINGLEN - 1);
	size_t n = strnlen(src, MAXSTRINGLEN - 1 - len);

	memmove(dst + len, src, n);
	dst[len + n] = '\0';
}

void _ctap_concat(char *dst, const char *a, const char *b)
{
	size_t la = strnlen(a, MAXSTRINGLEN - 1);
	size_t lb = strnlen(b, MAXSTRINGLEN - 1 - la);

	/* Place b first: it may live in dst after a's end or at dst. */
	memmove(dst + la, b, lb);
	if (dst != a)
		memmove(dst, a, la);
	dst[la + lb] = '\0';
}
