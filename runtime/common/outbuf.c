/*
 * outbuf: bounded appends with an optional flush hook (see outbuf.h).
 * Input: bytes from the formatters.  Output: buf[0..len).  Invariant:
 * len <= cap at all times; overflow goes to `dropped`.
 */
#include "common/outbuf.h"

void outbuf_init(struct outbuf *ob, char *buf, uint32_t cap)
{
	ob->buf = buf;
	ob->cap = cap;
	ob->len = 0;
	ob->dropped = 0;
	ob->flush = NULL;
	ob->flush_arg = NULL;
	ob->nul_slot = false;
}

void outbuf_init_string(struct outbuf *ob, char *buf, uint32_t maxstringlen)
{
	outbuf_init(ob, buf, maxstringlen ? maxstringlen - 1 : 0);
	if (maxstringlen) {
		ob->nul_slot = true;
		buf[0] = '\0';
	}
}

/*
 * Makes room for at least one byte if it can; returns the free space.
 * The hook is asked once per call: a hook that frees nothing means the
 * consumer is stuck, and looping would never end.
 */
static uint32_t outbuf_make_room(struct outbuf *ob)
{
	uint32_t before = ob->len;

	if (ob->len < ob->cap)
		return ob->cap - ob->len;
	if (ob->flush && ob->flush(ob) == 0 && ob->len < before)
		return ob->cap - ob->len;
	return 0;
}

void outbuf_put(struct outbuf *ob, const char *p, uint32_t n)
{
	while (n > 0) {
		uint32_t room = outbuf_make_room(ob);
		uint32_t k = n < room ? n : room;

		if (k == 0) {
			ob->dropped += n;
			return;
		}
		memcpy(ob->buf + ob->len, p, k);
		ob->len += k;
		p += k;
		n -= k;
	}
}

void outbuf_putc(struct outbuf *ob, char c)
{
	if (ob->len < ob->cap || outbuf_make_room(ob))
		ob->buf[ob->len++] = c;
	else
		ob->dropped++;
}

void outbuf_puts(struct outbuf *ob, const char *s)
{
	outbuf_put(ob, s, (uint32_t)strlen(s));
}

void outbuf_fill(struct outbuf *ob, char c, uint32_t n)
{
	while (n > 0) {
		uint32_t room = outbuf_make_room(ob);
		uint32_t k = n < room ? n : room;

		if (k == 0) {
			ob->dropped += n;
			return;
		}
		memset(ob->buf + ob->len, c, k);
		ob->len += k;
		n -= k;
	}
}

char *outbuf_cstr(struct outbuf *ob)
{
	if (ob->len < ob->cap || ob->nul_slot)
		ob->buf[ob->len] = '\0';
	else if (ob->cap > 0)
		ob->buf[--ob->len] = '\0';
	return ob->buf;
}
