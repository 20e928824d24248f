/*
 * format_int: what printf's integer conversions (%d %i %u %o %x %X %p,
 * output-formats.md §2.1) put where, apart from writing it: the sign, the
 * prefix, the zeros, the digits and the spaces on either side.
 *
 * format.c writes a layout into an outbuf; the BPF back end compiles this
 * header to BPF (runtime/bpf/fmt_helpers.bpf.c) and writes it into a map
 * buffer, so the two cannot drift apart.  Nothing here writes past the
 * layout struct, divides other than through compat_udiv64, or recurses.
 * The functions are static inline: format_int_layout takes six arguments,
 * and a BPF function can be passed five at most.
 */
#ifndef CTAP_COMMON_FORMAT_INT_H
#define CTAP_COMMON_FORMAT_INT_H

#include "common/compat.h"
#include "common/fmt_spec.h"

/* Enough for 2^64-1 in octal (22 digits). */
#define FORMAT_INT_DIGITS_MAX 24

struct format_int_layout {
	uint32_t lead;		/* spaces before everything */
	uint32_t zeros;		/* '0's between the prefix and the digits */
	uint32_t ndig;		/* digits, at digits[FORMAT_INT_DIGITS_MAX - ndig] */
	uint32_t trail;		/* spaces after everything (the - flag) */
	char sign;		/* 0, '-', '+' or ' ' */
	char plen;		/* prefix bytes: 0, 1 ("0") or 2 ("0x", "0X") */
	char prefix[2];
	char digits[FORMAT_INT_DIGITS_MAX];
};

/* Writes the digits of v in base 8, 10 or 16 backwards, ending just
 * before `end`; returns their count. */
static inline uint32_t format_int_digits(char *end, uint64_t v, unsigned base, int upper)
{
	uint32_t n = 0;

	/* bounded for BPF's verifier: 22 octal digits at most.  Digits are
	 * computed, not looked up: a table would be data the BPF helpers
	 * would have to carry. */
	while (n < FORMAT_INT_DIGITS_MAX - 2) {
		uint64_t q = compat_udiv64(v, base);
		unsigned d = (unsigned)(v - q * base);

		*--end = (char)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
		v = q;
		n++;
		if (!v)
			break;
	}
	return n;
}

/*
 * The layout of v under conv (one of the integer conversions), flags
 * (FMT_F_*), width and prec (already resolved and clamped to
 * 0..FMT_MAX_WIDTH; prec < 0: none).  SystemTap quirks kept
 * (output-formats.md §2): `#` prefixes even a zero value, precision 0
 * still prints the digit 0, and the `0` flag pads between sign/prefix and
 * digits even with a precision.
 */
static inline void format_int_layout(struct format_int_layout *l, enum fmt_conv conv, unsigned flags,
		       int width, int prec, int64_t v)
{
	uint64_t mag = (uint64_t)v;
	unsigned base = 10;
	int upper = 0;
	uint32_t used, pad;

	l->sign = 0;
	l->plen = 0;
	l->prefix[0] = '0';
	l->prefix[1] = 'x';
	switch (conv) {
	case FMT_SIGNED:
		if (v < 0) {
			l->sign = '-';
			mag = 0 - (uint64_t)v;
		} else if (flags & FMT_F_PLUS) {
			l->sign = '+';
		} else if (flags & FMT_F_SPACE) {
			l->sign = ' ';
		}
		break;
	case FMT_OCTAL:
		base = 8;
		if (flags & FMT_F_ALT)
			l->plen = 1;
		break;
	case FMT_HEX_UPPER:
		base = 16;
		upper = 1;
		l->prefix[1] = 'X';
		if (flags & FMT_F_ALT)
			l->plen = 2;
		break;
	case FMT_POINTER:
		/* %p is %#x with the flags given */
		base = 16;
		l->plen = 2;
		break;
	case FMT_HEX:
		base = 16;
		if (flags & FMT_F_ALT)
			l->plen = 2;
		break;
	default: /* FMT_UNSIGNED */
		break;
	}

	l->ndig = format_int_digits(l->digits + FORMAT_INT_DIGITS_MAX, mag, base, upper);
	l->zeros = prec > 0 && (uint32_t)prec > l->ndig ? (uint32_t)prec - l->ndig : 0;
	used = (l->sign ? 1 : 0) + (uint32_t)l->plen + l->zeros + l->ndig;
	pad = width > 0 && (uint32_t)width > used ? (uint32_t)width - used : 0;
	l->lead = flags & (FMT_F_LEFT | FMT_F_ZERO) ? 0 : pad;
	l->trail = flags & FMT_F_LEFT ? pad : 0;
	if (flags & FMT_F_ZERO)
		l->zeros += pad;
}

#endif
