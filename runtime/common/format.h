/*
 * format: the printf engine and the print-family value rendering shared by
 * both runtimes (output-formats.md §1, §2).
 *
 * Who calls what:
 *   kernel runtime   format_printf_parsed() with the spec array the module
 *                    generator emitted (or format_printf() with the text),
 *                    into an outbuf over the per-CPU print buffer;
 *                    format_print() for print/println/printd/printdln;
 *                    the sprint forms and sprintf through an
 *                    outbuf_init_string buffer.
 *   BPF user space   the same calls with argument values decoded from the
 *                    ring-buffer record, into a heap buffer.
 *
 * Arguments are an array of tagged values (struct fmt_arg); the caller owns
 * them and the strings they point to.  `*` width/precision consume a long
 * argument before the value, as in C.  The compiler has checked formats
 * and argument types, so a mismatch here is a caller bug: it ends the
 * output with FORMAT_E_ARGS rather than guessing.
 *
 * %m / %M read memory through the caller's callback (kernel: a nofault
 * copy from kernel memory, or from user memory with the `#` flag; BPF user
 * space: whatever it can read, or no callback at all).  A fault ends the
 * whole printf: the bytes already produced (including those of the
 * faulting conversion read before the faulting byte) stay, nothing more is
 * written, and FORMAT_E_FAULT is returned with the address in
 * mem->fault_addr so the runtime can raise `read fault … at 0x…`.
 */
#ifndef CTAP_COMMON_FORMAT_H
#define CTAP_COMMON_FORMAT_H

#include "common/compat.h"
#include "common/fmt_spec.h"
#include "common/outbuf.h"

enum fmt_arg_kind {
	FMT_ARG_LONG,
	FMT_ARG_STRING,
};

/* One argument value: a long, or a string of len bytes at str. */
struct fmt_arg {
	enum fmt_arg_kind kind;
	int64_t num;		/* FMT_ARG_LONG */
	const char *str;	/* FMT_ARG_STRING (need not be NUL-terminated) */
	uint32_t len;
};

static inline struct fmt_arg fmt_arg_long(int64_t v)
{
	struct fmt_arg a = { FMT_ARG_LONG, v, NULL, 0 };
	return a;
}

static inline struct fmt_arg fmt_arg_str(const char *s)
{
	struct fmt_arg a = { FMT_ARG_STRING, 0, s, (uint32_t)strlen(s) };
	return a;
}

static inline struct fmt_arg fmt_arg_strn(const char *s, uint32_t len)
{
	struct fmt_arg a = { FMT_ARG_STRING, 0, s, len };
	return a;
}

/*
 * Reads len bytes at addr into dst; user != 0 asks for user memory (the
 * `#` flag).  Returns 0, or nonzero if any byte could not be read (the
 * engine then retries byte by byte to find the faulting address).
 */
typedef int (*format_read_fn)(void *arg, void *dst, uint64_t addr, uint32_t len,
			      int user);

struct format_mem {
	format_read_fn read;	/* NULL: every %m/%M faults */
	void *arg;
	uint64_t fault_addr;	/* out: the unreadable address */
};

enum format_status {
	FORMAT_OK = 0,
	FORMAT_E_FAULT = -1,	/* %m/%M read fault; output ends there */
	FORMAT_E_ARGS = -2,	/* too few arguments or wrong kind */
	FORMAT_E_SYNTAX = -3,	/* malformed format (the compiler rejects these) */
};

/*
 * printf: formats fmt[0..fmt_len) with args into ob.  Extra arguments are
 * ignored.  Returns a format_status; truncation by a full buffer is not an
 * error (see ob->dropped).  mem may be NULL if no %m/%M can occur.
 */
int format_printf(struct outbuf *ob, const char *fmt, uint32_t fmt_len,
		  const struct fmt_arg *args, uint32_t nargs, struct format_mem *mem);

/* The same over specs the caller parsed once with fmt_next(). */
int format_printf_parsed(struct outbuf *ob, const char *fmt,
			 const struct fmt_spec *specs, uint32_t nspecs,
			 const struct fmt_arg *args, uint32_t nargs,
			 struct format_mem *mem);

/*
 * One piece: a literal, "%%", or a conversion consuming args[*argi...]
 * (and advancing *argi).  The building block of the two above.
 */
int format_spec(struct outbuf *ob, const char *fmt, const struct fmt_spec *spec,
		const struct fmt_arg *args, uint32_t nargs, uint32_t *argi,
		struct format_mem *mem);

/* A long as signed decimal (print, %d, the global display). */
void format_long(struct outbuf *ob, int64_t v);

/* print's rendering of one value: long → signed decimal, string → bytes. */
void format_value(struct outbuf *ob, const struct fmt_arg *v);

/*
 * print / println / printd / printdln (and the sprint forms, given a
 * string outbuf): the values rendered one after another, with delim[0..
 * delim_len) between them if delim is not NULL, then "\n" if newline.
 */
void format_print(struct outbuf *ob, const struct fmt_arg *vals, uint32_t n,
		  const char *delim, uint32_t delim_len, int newline);

#endif
