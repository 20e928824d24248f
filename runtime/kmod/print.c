/*
 * print: per-CPU print buffers flushed to the data channel (see print.h).
 */
#include "common/format.h"
#include "kmod/context.h"
#include "kmod/error.h"
#include "kmod/memread.h"
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

static int _ctap_printf_status(struct _ctap_context *c, int rc, const struct format_mem *mem)
{
	if (rc == FORMAT_E_FAULT)
		_ctap_fault(c, (unsigned long)mem->fault_addr, false);
	else if (rc)
		_ctap_error(c, "printf: bad format or arguments");
	return rc;
}

int _ctap_printf(struct _ctap_context *c, struct outbuf *ob, const char *fmt,
		 const struct fmt_arg *args, u32 nargs)
{
	struct format_mem mem = { .read = _ctap_format_read };
	int rc = format_printf(ob, fmt, strlen(fmt), args, nargs, &mem);

	return _ctap_printf_status(c, rc, &mem);
}

int _ctap_printf_parsed(struct _ctap_context *c, struct outbuf *ob, const char *fmt,
			const struct fmt_spec *specs, u32 nspecs,
			const struct fmt_arg *args, u32 nargs)
{
	struct format_mem mem = { .read = _ctap_format_read };
	int rc = format_printf_parsed(ob, fmt, specs, nspecs, args, nargs, &mem);

	return _ctap_printf_status(c, rc, &mem);
}

void _ctap_string_out(struct outbuf *ob, char *dst)
{
	outbuf_init_string(ob, dst, MAXSTRINGLEN);
}

void _ctap_system(struct _ctap_context *c, const char *cmd)
{
	_ctap_print_flush(c);
	_ctap_transport_msg(CTAP_MSG_SYSTEM, cmd, strnlen(cmd, MAXSTRINGLEN));
}
