/*
 * fmt_spec: the printf format-string grammar, shared by the compiler (which
 * checks formats in pass 1 and argument types in pass 2) and by both
 * runtimes (which format with it).  Plain C with no library calls, so it
 * compiles in the kernel and in user space alike.
 *
 *   spec := '%' [flag] [width | '*'] ['.' [prec | '*']] ['l'] conv
 *   flag := one of "-+ #0"        conv := one of "diuoxXpcsbmM%"
 */
#ifndef CTAP_FMT_SPEC_H
#define CTAP_FMT_SPEC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

enum fmt_conv {
	FMT_LITERAL,    /* text copied as is (lit_off/lit_len) */
	FMT_PERCENT,    /* "%%" (or a lone trailing '%') */
	FMT_SIGNED,     /* d i */
	FMT_UNSIGNED,   /* u */
	FMT_OCTAL,      /* o */
	FMT_HEX,        /* x */
	FMT_HEX_UPPER,  /* X */
	FMT_POINTER,    /* p */
	FMT_CHAR,       /* c */
	FMT_STRING,     /* s */
	FMT_BINARY,     /* b */
	FMT_MEMORY,     /* m */
	FMT_MEMORY_HEX, /* M */
};

enum fmt_flag {
	FMT_F_LEFT = 1,   /* - */
	FMT_F_PLUS = 2,   /* + */
	FMT_F_SPACE = 4,  /* ' ' */
	FMT_F_ALT = 8,    /* # */
	FMT_F_ZERO = 16,  /* 0 */
};

#define FMT_NONE (-1)   /* width/prec not given */
#define FMT_STAR (-2)   /* width/prec taken from an argument */
#define FMT_MAX_WIDTH 8192

struct fmt_spec {
	enum fmt_conv conv;
	unsigned flags;
	int width;
	int prec;
	unsigned lit_off, lit_len; /* FMT_LITERAL: the text in the format */
};

/*
 * Parses the next piece of fmt[*pos..len).  Returns 1 and fills *spec,
 * 0 at the end of the format, or -1 on error with *err set to a message
 * ("invalid or missing conversion specifier", ...).
 */
int fmt_next(const char *fmt, unsigned len, unsigned *pos, struct fmt_spec *spec,
	     const char **err);

/* Whether a conversion consumes a value argument, and whether it is a string. */
static inline int fmt_takes_value(enum fmt_conv c)
{
	return c != FMT_LITERAL && c != FMT_PERCENT;
}

static inline int fmt_takes_string(enum fmt_conv c)
{
	return c == FMT_STRING;
}

#endif
