/* fmt_spec: printf format-string scanner (see fmt_spec.h). */
#include "common/fmt_spec.h"

static int fmt_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int fmt_read_number(const char *fmt, unsigned len, unsigned *i)
{
	long v = 0;
	while (*i < len && fmt_is_digit(fmt[*i])) {
		v = v * 10 + (fmt[*i] - '0');
		if (v > FMT_MAX_WIDTH)
			v = FMT_MAX_WIDTH;
		(*i)++;
	}
	return (int)v;
}

int fmt_next(const char *fmt, unsigned len, unsigned *pos, struct fmt_spec *spec,
	     const char **err)
{
	unsigned i = *pos;

	if (i >= len)
		return 0;
	spec->flags = 0;
	spec->width = FMT_NONE;
	spec->prec = FMT_NONE;
	spec->lit_off = i;
	spec->lit_len = 0;

	if (fmt[i] != '%') {
		while (i < len && fmt[i] != '%')
			i++;
		spec->conv = FMT_LITERAL;
		spec->lit_len = i - *pos;
		*pos = i;
		return 1;
	}

	i++; /* past '%' */
	if (i >= len) {
		/* SystemTap 4.8 rejects a lone trailing '%' */
		*err = "invalid or missing conversion specifier";
		return -1;
	}
	if (fmt[i] == '%') {
		spec->conv = FMT_PERCENT;
		*pos = i + 1;
		return 1;
	}

	switch (fmt[i]) {
	case '-': spec->flags = FMT_F_LEFT; i++; break;
	case '+': spec->flags = FMT_F_PLUS; i++; break;
	case ' ': spec->flags = FMT_F_SPACE; i++; break;
	case '#': spec->flags = FMT_F_ALT; i++; break;
	case '0': spec->flags = FMT_F_ZERO; i++; break;
	default: break;
	}

	if (i < len && fmt[i] == '*') {
		spec->width = FMT_STAR;
		i++;
	} else if (i < len && fmt_is_digit(fmt[i])) {
		spec->width = fmt_read_number(fmt, len, &i);
	}

	if (i < len && fmt[i] == '.') {
		i++;
		if (i < len && fmt[i] == '*') {
			spec->prec = FMT_STAR;
			i++;
		} else {
			spec->prec = fmt_read_number(fmt, len, &i);
		}
	}

	if (i < len && fmt[i] == 'l')
		i++;

	if (i >= len) {
		*err = "trailing incomplete print format conversion";
		return -1;
	}

	switch (fmt[i]) {
	case 'd': case 'i': spec->conv = FMT_SIGNED; break;
	case 'u': spec->conv = FMT_UNSIGNED; break;
	case 'o': spec->conv = FMT_OCTAL; break;
	case 'x': spec->conv = FMT_HEX; break;
	case 'X': spec->conv = FMT_HEX_UPPER; break;
	case 'p': spec->conv = FMT_POINTER; break;
	case 'c': spec->conv = FMT_CHAR; break;
	case 's': spec->conv = FMT_STRING; break;
	case 'b': spec->conv = FMT_BINARY; break;
	case 'm': spec->conv = FMT_MEMORY; break;
	case 'M': spec->conv = FMT_MEMORY_HEX; break;
	default:
		*err = "invalid or missing conversion specifier";
		return -1;
	}
	*pos = i + 1;
	return 1;
}
