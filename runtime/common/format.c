/*
 * format: printf conversions and print-family rendering (see format.h).
 * Input: a format (text or parsed specs) and tagged argument values.
 * Output: bytes appended to an outbuf.  Invariants: width and precision
 * are within 0..FMT_MAX_WIDTH before any padding is produced, padding is
 * written by outbuf_fill (bounded), and nothing here allocates, recurses
 * or uses floating point, so it runs in probe context.
 *
 * SystemTap quirks reproduced on purpose (output-formats.md §2): `#`
 * prefixes even a zero value, precision 0 still prints the digit 0, the
 * `0` flag pads between sign/prefix and digits even with a precision,
 * `%0s`/`%0m`/`%0M` append a NUL after the field, a negative `*` width is
 * 0 (not left-justification) and a negative `*` precision is 0.
 */
#include "common/format.h"
#include "common/escape.h"
#include "common/format_int.h"

/* Bytes read from memory at a time for %m/%M (kept small: kernel stack). */
#define FORMAT_MEM_CHUNK 32

static const char format_lower[] = "0123456789abcdef";

static int format_clamp(int64_t v)
{
	if (v < 0)
		return 0;
	if (v > FMT_MAX_WIDTH)
		return FMT_MAX_WIDTH;
	return (int)v;
}

static int format_take_long(const struct fmt_arg *args, uint32_t nargs,
			    uint32_t *argi, int64_t *out)
{
	if (*argi >= nargs || args[*argi].kind != FMT_ARG_LONG)
		return FORMAT_E_ARGS;
	*out = args[(*argi)++].num;
	return FORMAT_OK;
}

/* Pads `pad` columns with spaces on the side the `-` flag says. */
static void format_pad_before(struct outbuf *ob, unsigned flags, uint32_t pad)
{
	if (!(flags & FMT_F_LEFT))
		outbuf_fill(ob, ' ', pad);
}

static void format_pad_after(struct outbuf *ob, unsigned flags, uint32_t pad)
{
	if (flags & FMT_F_LEFT)
		outbuf_fill(ob, ' ', pad);
}

static uint32_t format_pad(int width, uint32_t used)
{
	return width > 0 && (uint32_t)width > used ? (uint32_t)width - used : 0;
}

/* d i u o x X p: output-formats.md §2.1, laid out by format_int. */
static void format_integer(struct outbuf *ob, enum fmt_conv conv, unsigned flags,
			   int width, int prec, int64_t v)
{
	struct format_int_layout l;

	format_int_layout(&l, conv, flags, width, prec, v);
	outbuf_fill(ob, ' ', l.lead);
	if (l.sign)
		outbuf_putc(ob, l.sign);
	outbuf_put(ob, l.prefix, (uint32_t)l.plen);
	outbuf_fill(ob, '0', l.zeros);
	outbuf_put(ob, l.digits + FORMAT_INT_DIGITS_MAX - l.ndig, l.ndig);
	outbuf_fill(ob, ' ', l.trail);
}

/* %c, %#c: one byte, escaped with `#`, space-padded to WIDTH. */
static void format_char(struct outbuf *ob, unsigned flags, int width, int64_t v)
{
	char piece[ESCAPE_CHAR_MAX];
	uint32_t len = 1;

	piece[0] = (char)v;
	if (flags & FMT_F_ALT)
		len = escape_char(piece, (unsigned char)v);
	format_pad_before(ob, flags, format_pad(width, len));
	outbuf_put(ob, piece, len);
	format_pad_after(ob, flags, format_pad(width, len));
}

/* %s: PREC bytes at most, space-padded, NUL appended with the 0 flag. */
static void format_string(struct outbuf *ob, unsigned flags, int width, int prec,
			  const struct fmt_arg *a)
{
	uint32_t len = a->len;

	if (prec >= 0 && (uint32_t)prec < len)
		len = (uint32_t)prec;
	format_pad_before(ob, flags, format_pad(width, len));
	outbuf_put(ob, a->str, len);
	format_pad_after(ob, flags, format_pad(width, len));
	if (flags & FMT_F_ZERO)
		outbuf_putc(ob, '\0');
}

/* The %b byte count: PREC if 1/2/4/8, else WIDTH if 1/2/4/8, else 8. */
static uint32_t format_binary_size(int width, int prec)
{
	if (prec == 1 || prec == 2 || prec == 4 || prec == 8)
		return (uint32_t)prec;
	if (width == 1 || width == 2 || width == 4 || width == 8)
		return (uint32_t)width;
	return 8;
}

/* %b: the low bytes of v in host byte order, NUL-padded to WIDTH. */
static void format_binary(struct outbuf *ob, unsigned flags, int width, int prec,
			  int64_t v)
{
	uint32_t n = format_binary_size(width, prec);
	uint32_t pad = format_pad(width, n);
	union {
		uint8_t b1;
		uint16_t b2;
		uint32_t b4;
		uint64_t b8;
		char bytes[8];
	} u;

	switch (n) {
	case 1: u.b1 = (uint8_t)v; break;
	case 2: u.b2 = (uint16_t)v; break;
	case 4: u.b4 = (uint32_t)v; break;
	default: u.b8 = (uint64_t)v; break;
	}
	if (!(flags & FMT_F_LEFT))
		outbuf_fill(ob, '\0', pad);
	outbuf_put(ob, u.bytes, n);
	if (flags & FMT_F_LEFT)
		outbuf_fill(ob, '\0', pad);
}

/* Emits bytes as %m (raw) or %M (two lower-case hex digits each). */
static void format_mem_emit(struct outbuf *ob, const uint8_t *p, uint32_t n, int hex)
{
	uint32_t i;

	if (!hex) {
		outbuf_put(ob, (const char *)p, n);
		return;
	}
	for (i = 0; i < n; i++) {
		outbuf_putc(ob, format_lower[p[i] >> 4]);
		outbuf_putc(ob, format_lower[p[i] & 15]);
	}
}

/*
 * Copies n bytes at addr to the output; on a fault, emits the bytes before
 * the faulting one (found by retrying the chunk byte by byte), records the
 * address and returns FORMAT_E_FAULT.
 */
static int format_mem_copy(struct outbuf *ob, struct format_mem *mem, uint64_t addr,
			   uint32_t n, int user, int hex)
{
	uint8_t chunk[FORMAT_MEM_CHUNK];

	while (n > 0) {
		uint32_t k = n < FORMAT_MEM_CHUNK ? n : FORMAT_MEM_CHUNK;
		uint32_t i;

		if (mem && mem->read && mem->read(mem->arg, chunk, addr, k, user) == 0) {
			format_mem_emit(ob, chunk, k, hex);
			addr += k;
			n -= k;
			continue;
		}
		for (i = 0; i < k; i++) {
			if (!mem || !mem->read ||
			    mem->read(mem->arg, chunk, addr + i, 1, user) != 0) {
				if (mem)
					mem->fault_addr = addr + i;
				return FORMAT_E_FAULT;
			}
			format_mem_emit(ob, chunk, 1, hex);
		}
		/* the chunk read failed yet every byte read: treat as read */
		addr += k;
		n -= k;
	}
	return FORMAT_OK;
}

/* %m / %M: PREC bytes (at least 1) of memory at addr, space-padded. */
static int format_memory(struct outbuf *ob, enum fmt_conv conv, unsigned flags,
			 int width, int prec, int64_t addr, struct format_mem *mem)
{
	int hex = conv == FMT_MEMORY_HEX;
	uint32_t n = prec > 0 ? (uint32_t)prec : 1;
	uint32_t cols = hex ? 2 * n : n;
	int rc;

	format_pad_before(ob, flags, format_pad(width, cols));
	rc = format_mem_copy(ob, mem, (uint64_t)addr, n, (flags & FMT_F_ALT) != 0, hex);
	if (rc)
		return rc;
	format_pad_after(ob, flags, format_pad(width, cols));
	if (flags & FMT_F_ZERO)
		outbuf_putc(ob, '\0');
	return FORMAT_OK;
}

/* Resolves `*` width/precision from the arguments and clamps both. */
static int format_dims(const struct fmt_spec *spec, const struct fmt_arg *args,
		       uint32_t nargs, uint32_t *argi, int *width, int *prec)
{
	int64_t v;

	*width = spec->width;
	*prec = spec->prec;
	if (spec->width == FMT_STAR) {
		if (format_take_long(args, nargs, argi, &v))
			return FORMAT_E_ARGS;
		*width = format_clamp(v);
	} else if (spec->width != FMT_NONE) {
		*width = format_clamp(spec->width);
	}
	if (spec->prec == FMT_STAR) {
		if (format_take_long(args, nargs, argi, &v))
			return FORMAT_E_ARGS;
		*prec = format_clamp(v);
	} else if (spec->prec != FMT_NONE) {
		*prec = format_clamp(spec->prec);
	}
	return FORMAT_OK;
}

int format_spec(struct outbuf *ob, const char *fmt, const struct fmt_spec *spec,
		const struct fmt_arg *args, uint32_t nargs, uint32_t *argi,
		struct format_mem *mem)
{
	int width, prec;
	int64_t v = 0;

	if (spec->conv == FMT_LITERAL) {
		outbuf_put(ob, fmt + spec->lit_off, spec->lit_len);
		return FORMAT_OK;
	}
	if (spec->conv == FMT_PERCENT) {
		outbuf_putc(ob, '%');
		return FORMAT_OK;
	}
	if (format_dims(spec, args, nargs, argi, &width, &prec))
		return FORMAT_E_ARGS;
	if (spec->conv == FMT_STRING) {
		if (*argi >= nargs || args[*argi].kind != FMT_ARG_STRING)
			return FORMAT_E_ARGS;
		format_string(ob, spec->flags, width, prec, &args[(*argi)++]);
		return FORMAT_OK;
	}
	if (format_take_long(args, nargs, argi, &v))
		return FORMAT_E_ARGS;

	switch (spec->conv) {
	case FMT_CHAR:
		format_char(ob, spec->flags, width, v);
		return FORMAT_OK;
	case FMT_BINARY:
		format_binary(ob, spec->flags, width, prec, v);
		return FORMAT_OK;
	case FMT_MEMORY:
	case FMT_MEMORY_HEX:
		return format_memory(ob, spec->conv, spec->flags, width, prec, v, mem);
	case FMT_SIGNED:
	case FMT_UNSIGNED:
	case FMT_OCTAL:
	case FMT_HEX:
	case FMT_HEX_UPPER:
	case FMT_POINTER:
		format_integer(ob, spec->conv, spec->flags, width, prec, v);
		return FORMAT_OK;
	default:
		return FORMAT_E_SYNTAX;
	}
}

int format_printf(struct outbuf *ob, const char *fmt, uint32_t fmt_len,
		  const struct fmt_arg *args, uint32_t nargs, struct format_mem *mem)
{
	struct fmt_spec spec;
	const char *err = NULL;
	uint32_t argi = 0;
	unsigned pos = 0;
	int r;

	while ((r = fmt_next(fmt, fmt_len, &pos, &spec, &err)) > 0) {
		int rc = format_spec(ob, fmt, &spec, args, nargs, &argi, mem);

		if (rc)
			return rc;
	}
	return r < 0 ? FORMAT_E_SYNTAX : FORMAT_OK;
}

int format_printf_parsed(struct outbuf *ob, const char *fmt,
			 const struct fmt_spec *specs, uint32_t nspecs,
			 const struct fmt_arg *args, uint32_t nargs,
			 struct format_mem *mem)
{
	uint32_t i, argi = 0;

	for (i = 0; i < nspecs; i++) {
		int rc = format_spec(ob, fmt, &specs[i], args, nargs, &argi, mem);

		if (rc)
			return rc;
	}
	return FORMAT_OK;
}

void format_long(struct outbuf *ob, int64_t v)
{
	char digits[FORMAT_INT_DIGITS_MAX];
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	uint32_t n = format_int_digits(digits + sizeof digits, mag, 10, 0);

	if (v < 0)
		outbuf_putc(ob, '-');
	outbuf_put(ob, digits + sizeof digits - n, n);
}

void format_value(struct outbuf *ob, const struct fmt_arg *v)
{
	if (v->kind == FMT_ARG_STRING)
		outbuf_put(ob, v->str, v->len);
	else
		format_long(ob, v->num);
}

void format_print(struct outbuf *ob, const struct fmt_arg *vals, uint32_t n,
		  const char *delim, uint32_t delim_len, int newline)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && delim)
			outbuf_put(ob, delim, delim_len);
		format_value(ob, &vals[i]);
	}
	if (newline)
		outbuf_putc(ob, '\n');
}
