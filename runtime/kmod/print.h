/*
 * print: the per-CPU print buffer behind every print/printf of a handler.
 *
 * Each context owns an outbuf over STP_BUFFER_SIZE bytes (runtime/common
 * outbuf.h); generated code formats into _ctap_out(c) with the common
 * printf engine (common/format.h) or outbuf_put().  The runner flushes it
 * to the data channel when the handler ends, so one handler's output
 * reaches the reader contiguously.  Output beyond the buffer's size is
 * shipped in pieces by the outbuf flush hook as it is produced (pieces of
 * one handler stay in order; another CPU's output may come between them).
 */
#ifndef CTAP_KMOD_PRINT_H
#define CTAP_KMOD_PRINT_H

#include "common/outbuf.h"

struct _ctap_context;

void _ctap_print_init(struct _ctap_context *c);

/* Ships the buffered output to the data channel and empties the buffer. */
void _ctap_print_flush(struct _ctap_context *c);
/* system(cmd): staprun runs cmd with /bin/sh -c after the output the
 * handler made before this call (flushed now), without waiting for it. */
void _ctap_system(struct _ctap_context *c, const char *cmd);

/* Discards buffered output (never needed by generated code; used on
 * teardown paths). */
void _ctap_print_discard(struct _ctap_context *c);

#define _ctap_out(c) (&(c)->out)

struct fmt_arg;
struct fmt_spec;

/*
 * printf / sprintf through the common printf engine (common/format.h)
 * into ob: _ctap_out(c) for printf, or an outbuf_init_string() buffer over
 * a MAXSTRINGLEN string for sprintf.  %m/%M read memory fault-safely; a
 * fault raises `read fault [man error::fault] at 0x...` in c.  Returns the
 * format status (FORMAT_OK = 0).
 */
int _ctap_printf(struct _ctap_context *c, struct outbuf *ob, const char *fmt,
		 const struct fmt_arg *args, u32 nargs);
int _ctap_printf_parsed(struct _ctap_context *c, struct outbuf *ob, const char *fmt,
			const struct fmt_spec *specs, u32 nspecs,
			const struct fmt_arg *args, u32 nargs);

/* An outbuf that fills the script string dst (MAXSTRINGLEN bytes); finish
 * with outbuf_cstr(ob). */
void _ctap_string_out(struct outbuf *ob, char *dst);

#endif
