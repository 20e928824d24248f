/*
 * str: bounded copies and concatenation of script strings (see str.h).
 */
#include <linux/kernel.h>
#include "kmod/context.h"
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

void _ctap_tokenize(struct _ctap_context *c, char *out, const char *input, const char *delim)
{
	const char *p;
	size_t n;

	if (input[0]) {
		strscpy(c->tok_buf, input, MAXSTRINGLEN);
		c->tok_pos = c->tok_buf;
	}
	p = c->tok_pos;
	if (!p) {
		out[0] = '\0';
		return;
	}
	p += strspn(p, delim);
	n = strcspn(p, delim);
	memmove(out, p, n);
	out[n] = '\0';
	c->tok_pos = p + n;
}
