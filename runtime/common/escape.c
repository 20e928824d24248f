/*
 * escape: %#c and quoted-string renderings (see escape.h).
 * Input: bytes.  Output: escaped text bounded by an explicit budget.
 * Invariants: never writes more than maxstringlen bytes; the truncation
 * arithmetic reproduces SystemTap's, including two quirks worth naming:
 * a NUL in buffer mode prints as the two characters `\0` yet is charged
 * four against the budget, and the `...` marker is added only when the
 * character that did not fit is not a NUL.
 */
#include "common/escape.h"

/* Upper-case hex digit of the low 4 bits of v (computed: no data). */
static char escape_hex(uint32_t v)
{
	v &= 0xF;
	return (char)(v < 10 ? '0' + v : 'A' + v - 10);
}

/* The letter of a two-character C escape for c, or 0 if c has none. */
static char escape_letter(unsigned c)
{
	switch (c) {
	case '\a': return 'a';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	case '\v': return 'v';
	default: return 0;
	}
}

static int escape_is_print(unsigned c)
{
	return c >= 0x20 && c < 0x7f;
}

static uint32_t escape_octal(char *out, unsigned char c)
{
	out[0] = '\\';
	out[1] = (char)('0' + ((c >> 6) & 3));
	out[2] = (char)('0' + ((c >> 3) & 7));
	out[3] = (char)('0' + (c & 7));
	return 4;
}

uint32_t escape_char(char out[ESCAPE_CHAR_MAX], unsigned char c)
{
	char l;

	if (c == '\'' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (escape_is_print(c)) {
		out[0] = (char)c;
		return 1;
	}
	l = escape_letter(c);
	if (l) {
		out[0] = '\\';
		out[1] = l;
		return 2;
	}
	return escape_octal(out, c);
}

/*
 * Decodes one UTF-8 sequence of 2..4 bytes at p (avail bytes readable).
 * Returns its length and the code point, or 1 with *cp = p[0] for
 * everything printed byte-wise: ASCII, stray continuation bytes, 5/6-byte
 * forms, truncated or malformed sequences, surrogates, code points above
 * U+10FFFF and overlong encodings (so that C0 80 is not shown as \u0000).
 */
static uint32_t escape_utf8(const unsigned char *p, uint32_t avail, uint32_t *cp)
{
	uint32_t n, i, c;
	unsigned b = p[0];

	*cp = b;
	if ((b & 0xE0) == 0xC0)
		n = 2, c = b & 0x1F;
	else if ((b & 0xF0) == 0xE0)
		n = 3, c = b & 0x0F;
	else if ((b & 0xF8) == 0xF0)
		n = 4, c = b & 0x07;
	else
		return 1;
	if (avail < n)
		return 1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 1;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 1;
	if (c < 0x80 || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000))
		return 1;
	*cp = c;
	return n;
}

/*
 * The escaped form of one decoded unit.  *charge is what it costs against
 * the budget (differs from the length only for a NUL, see the head note).
 */
static uint32_t escape_unit(char *piece, uint32_t n, uint32_t c, uint32_t *charge)
{
	uint32_t len, i;
	char l;

	if (n > 1) {
		/* \uXXXX or \UXXXXXXXX.  One loop of constant length over
		 * constant offsets for both (BPF wants constant stack offsets,
		 * and two loops would be merged into one with a variable base);
		 * the \u form leaves junk past its length. */
		uint32_t nd = c <= 0xFFFF ? 4 : 8;

		piece[0] = '\\';
		piece[1] = nd == 4 ? 'u' : 'U';
		for (i = 0; i < 8; i++)
			piece[2 + i] = escape_hex(i < nd ? c >> ((nd - 1 - i) * 4) : 0);
		len = 2 + nd;
		*charge = len;
		return len;
	}
	if (escape_is_print(c) && c != '"' && c != '\\') {
		piece[0] = (char)c;
		*charge = 1;
		return 1;
	}
	l = c == '"' || c == '\\' ? (char)c : escape_letter(c);
	if (l) {
		piece[0] = '\\';
		piece[1] = l;
		*charge = 2;
		return 2;
	}
	*charge = 4;
	if (c == 0) {
		piece[0] = '\\';
		piece[1] = '0';
		return 2;
	}
	return escape_octal(piece, (unsigned char)c);
}

static uint32_t escape_clamp(int64_t v, uint32_t maxstringlen)
{
	if (v <= 0 || v > (int64_t)maxstringlen - 1)
		return maxstringlen - 1;
	return (uint32_t)v;
}

void escape_begin(struct escape_state *st, int64_t inlen, int64_t outlen, unsigned flags,
		  uint32_t maxstringlen)
{
	st->in_left = escape_clamp(inlen, maxstringlen);
	st->in_pos = 0;
	st->pos = 0;
	st->budget = escape_clamp(outlen, maxstringlen);
	st->esc = 0;
	st->esc_len = 0;
	st->c = 0;
	st->flags = flags;
	st->truncated = 0;
	st->pad = 0;
	if (flags & ESCAPE_F_QUOTED) {
		/* out[0] is the opening quote, written by escape_end() */
		st->budget = (st->budget < 5 ? 5 : st->budget) - 2;
		st->pos = 1;
	}
}

int escape_step(struct escape_state *st, char *out, const char *in)
{
	char piece[ESCAPE_PIECE_MAX] = { 0 };	/* BPF copies all of it */
	uint32_t n, len, charge, c;

	if (st->in_left == 0)
		return 0;
	n = escape_utf8((const unsigned char *)in + st->in_pos, st->in_left, &c);
	st->c = c;
	if (c == 0 && !(st->flags & ESCAPE_F_BUFFER))
		return 0;
	if (st->budget == 0) {
		st->truncated = 1;
		return 0;
	}
	len = escape_unit(piece, n, c, &charge);
	if (charge > 1 && st->esc_len == 0 && st->budget < charge + 3) {
		st->esc = st->pos;
		st->esc_len = charge;
	}
	if (st->budget < charge) {
		st->truncated = 1;
		return 0;
	}
	compat_copy_small(out + st->pos, piece, len, ESCAPE_PIECE_MAX);
	st->pos += len;
	st->budget -= charge;
	st->in_pos += n;
	st->in_left -= n;
	return 1;
}

uint32_t escape_end(struct escape_state *st, char *out)
{
	uint32_t pos = st->pos;

	if (st->flags & ESCAPE_F_QUOTED) {
		out[0] = '"';
		if (st->truncated && st->c != 0) {
			/* end 3 before the budget, so that `"...` fills it */
			int64_t cut = (int64_t)pos - 3 + st->budget;

			if (st->esc_len && st->esc < cut && cut < (int64_t)st->esc + st->esc_len)
				cut = st->esc;
			if (cut < 0)
				cut = 0;
			if (cut > pos)
				cut = pos;
			pos = (uint32_t)cut;
			memcpy(out + pos, "\"...", 4);
			pos += 4;
		} else {
			out[pos++] = '"';
		}
	}
	out[pos] = '\0';
	return pos;
}

/* Not in the BPF helpers: six arguments, one more than BPF can pass. */
#ifndef __bpf__
uint32_t escape_text(char *out, const char *in, int64_t inlen, int64_t outlen,
		     unsigned flags, uint32_t maxstringlen)
{
	struct escape_state st;

	if (maxstringlen < 6) {
		if (maxstringlen)
			out[0] = '\0';
		return 0;
	}
	escape_begin(&st, inlen, outlen, flags, maxstringlen);
	while (escape_step(&st, out, in))
		;
	return escape_end(&st, out);
}
#endif
