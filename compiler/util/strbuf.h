/*
 * strbuf: a growable byte string on the heap, always NUL-terminated.
 * Used for printing (-p1/-p2 dumps, generated C, diagnostics).
 */
#ifndef CTAP_STRBUF_H
#define CTAP_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct strbuf {
	char *buf;
	size_t len, cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_reserve(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* Take ownership of the buffer (never NULL); sb is left empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
const char *strbuf_str(struct strbuf *sb);

#endif
