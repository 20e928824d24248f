/*
 * print: per-CPU print buffers flushed to the data channel (see print.h).
 */
#include "kmod/context.h"
#include "kmod/print.h"
#include "kmod/transport.h"

static int _ctap_print_flush_hook(struct outbuf *ob)
{
	if (ob->len)
		_ctap_transport_data(ob->buf, ob->len);
	ob->len = 0;
	return 0;
}

void _ctap_print_init(struct _ctap_context *c)
{
	outbuf_init(&c->out, c->print_buf, sizeof(c->print_buf));
	c->out.flush = _ctap_print_flush_hook;
}

void _ctap_print_flush(struct _ctap_context *c)
{
	_ctap_print_flush_hook(&c->out);
}

void _ctap_print_discard(struct _ctap_context *c)
{
	c->out.len = 0;
}
