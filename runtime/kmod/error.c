/*
 * error: formatting and counting of handler errors; WARNING/ERROR records
 * for staprun (see error.h).
 */
#include <linux/kernel.h>
#include "kmod/error.h"
#include "kmod/session.h"
#include "kmod/transport.h"

/* Short runtime messages: formatted on the stack, never allocated. */
#define CTAP_SHORT_MSG 256

void _ctap_errorf(struct _ctap_context *c, const char *fmt, ...)
{
	va_list ap;

	if (c->last_error)
		return;
	va_start(ap, fmt);
	vscnprintf(c->error_buf, sizeof(c->error_buf), fmt, ap);
	va_end(ap);
	c->last_error = c->error_buf;
}

void _ctap_error_user(struct _ctap_context *c, const char *msg)
{
	if (c->last_error)
		return;
	strscpy(c->error_buf, msg, sizeof(c->error_buf));
	c->last_error = c->error_buf;
	c->last_stmt = NULL;
}

void _ctap_error_suppress(struct _ctap_context *c)
{
	atomic_inc(&_ctap_session.errors);
	c->last_error = NULL;
	c->last_stmt = NULL;
}

void _ctap_error_report(struct _ctap_context *c)
{
	int n;

	if (c->aborted) {
		c->last_error = NULL;
		return;
	}
	if (c->last_stmt)
		n = scnprintf(c->msg_buf, sizeof(c->msg_buf), "%s near %s",
			      c->last_error, c->last_stmt);
	else
		n = scnprintf(c->msg_buf, sizeof(c->msg_buf), "%s", c->last_error);
	_ctap_transport_msg(CTAP_MSG_ERROR, c->msg_buf, n);
	if (atomic_inc_return(&_ctap_session.errors) > MAXERRORS)
		_ctap_session_fail();
	c->last_error = NULL;
	c->last_stmt = NULL;
}

static __printf(2, 0) void _ctap_vmsg(u32 type, const char *fmt, va_list ap)
{
	char buf[CTAP_SHORT_MSG];
	int n = vscnprintf(buf, sizeof(buf), fmt, ap);

	_ctap_transport_msg(type, buf, n);
}

void _ctap_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_ctap_vmsg(CTAP_MSG_WARNING, fmt, ap);
	va_end(ap);
}

void _ctap_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_ctap_vmsg(CTAP_MSG_ERROR, fmt, ap);
	va_end(ap);
}

void _ctap_warn_str(const char *msg)
{
	_ctap_transport_msg(CTAP_MSG_WARNING, msg, strnlen(msg, MAXSTRINGLEN));
}
