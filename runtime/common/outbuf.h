/*
 * outbuf: the bounded output buffer every formatter in runtime/common
 * writes into.  The storage belongs to the caller:
 *
 *   kernel runtime   points it at (the free part of) a per-CPU print
 *                    buffer, optionally with a flush hook that ships the
 *                    buffer to the transport and empties it;
 *   BPF user space   points it at a heap or stack buffer, with a flush hook
 *                    that fwrite()s to the session's output stream;
 *   sprint, sprintf  use outbuf_init_string(): no hook, so the result is
 *                    truncated to MAXSTRINGLEN-1 bytes and NUL-terminated
 *                    by outbuf_cstr().
 *
 * Invariant: no write ever goes past buf[cap-1].  Bytes that do not fit
 * (after the flush hook, if any, could not make room) are counted in
 * `dropped` and otherwise discarded, so a full buffer truncates output and
 * never overruns.  Writes are byte-granular: a piece that only partly fits
 * is cut at the capacity.
 */
#ifndef CTAP_COMMON_OUTBUF_H
#define CTAP_COMMON_OUTBUF_H

#include "common/compat.h"

struct outbuf {
	char *buf;	/* caller's storage */
	uint32_t cap;	/* bytes of buf usable for output */
	uint32_t len;	/* bytes used; may start nonzero (appending) */
	uint32_t dropped;	/* bytes discarded because they did not fit */
	/*
	 * Optional: called when a write does not fit.  It must consume the
	 * buffer (typically ship buf[0..len) and set len = 0) and return 0;
	 * a nonzero return, or a call that frees no space, makes the rest of
	 * the write truncate.  Never called by outbuf_init_string buffers.
	 */
	int (*flush)(struct outbuf *ob);
	void *flush_arg;	/* for the hook's use */
	bool nul_slot;	/* storage has one byte past cap for outbuf_cstr */
};

/* Empty buffer over buf[0..cap), no flush hook. */
void outbuf_init(struct outbuf *ob, char *buf, uint32_t cap);

/*
 * Buffer for a script string result: buf holds maxstringlen bytes, output
 * is capped at maxstringlen-1 bytes so outbuf_cstr() can always add the
 * NUL.  maxstringlen is MAXSTRINGLEN of the session (a parameter, not a
 * constant); it must be >= 1.
 */
void outbuf_init_string(struct outbuf *ob, char *buf, uint32_t maxstringlen);

void outbuf_put(struct outbuf *ob, const char *p, uint32_t n);
void outbuf_putc(struct outbuf *ob, char c);
void outbuf_puts(struct outbuf *ob, const char *s);	/* NUL-terminated */
void outbuf_fill(struct outbuf *ob, char c, uint32_t n);	/* n copies of c */

/*
 * NUL-terminates the contents of a buffer made by outbuf_init_string and
 * returns buf.  For other buffers the NUL goes to buf[len] if len < cap,
 * else it replaces the last byte (which is then no longer counted).
 */
char *outbuf_cstr(struct outbuf *ob);

/* Free bytes left before the next write would flush or truncate. */
static inline uint32_t outbuf_room(const struct outbuf *ob)
{
	return ob->cap - ob->len;
}

#endif
