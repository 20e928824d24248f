/*
 * quote: quoted renderings of memory (see quote.h).  The bytes are read
 * into the context's scratch first: escape_text() works on a buffer the
 * caller holds.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include "common/escape.h"
#include "kmod/context.h"
#include "kmod/memread.h"
#include "kmod/quote.h"

int _ctap_buffer_quoted(struct _ctap_context *c, char *out, unsigned long addr, size_t n,
			int64_t outlen, bool user)
{
	int rc = user ? _ctap_uread(c->quote_in, addr, n) : _ctap_kread(c->quote_in, addr, n);

	if (rc) {
		out[0] = '\0';
		return rc;
	}
	escape_text(out, c->quote_in, n, outlen, ESCAPE_F_QUOTED | ESCAPE_F_BUFFER, MAXSTRINGLEN);
	return 0;
}

/* out[len...] = s (n bytes); returns the new length */
static size_t _ctap_argv_put(char *out, size_t len, const char *s, size_t n)
{
	memcpy(out + len, s, n);
	return len + n;
}

void _ctap_argv_text(struct _ctap_context *c, char *out, unsigned long argv)
{
	const size_t max = MAXSTRINGLEN - 5;
	size_t len = 1, plen;
	unsigned int i;
	u64 p;

	BUILD_BUG_ON(MAXSTRINGLEN < 8);
	out[0] = '[';
	for (i = 0; i < ESCAPE_ARGV_MAX; i++) {
		if (_ctap_uread(&p, argv + i * 8UL, sizeof(p))) {
			snprintf(out, MAXSTRINGLEN, "0x%lx", argv);
			return;
		}
		if (!p)
			break;
		if (_ctap_ustring(c->quote_in, p, MAXSTRINGLEN) < 0)
			plen = scnprintf(c->quote_piece, MAXSTRINGLEN, "0x%llx", p);
		else
			plen = escape_text(c->quote_piece, c->quote_in, 0, 0, ESCAPE_F_QUOTED,
					   MAXSTRINGLEN);
		if (len + (i ? 2 : 0) + plen > max) {
			len = _ctap_argv_put(out, len, "...]", 4);
			out[len] = '\0';
			return;
		}
		if (i)
			len = _ctap_argv_put(out, len, ", ", 2);
		len = _ctap_argv_put(out, len, c->quote_piece, plen);
	}
	len = _ctap_argv_put(out, len, "]", 1);
	out[len] = '\0';
}

long _ctap_argv_count(unsigned long argv, long max)
{
	long n;
	u64 p;

	for (n = 0; n < max; n++) {
		if (_ctap_uread(&p, argv + n * 8UL, sizeof(p)))
			return -1;
		if (!p)
			break;
	}
	return n;
}
