/*
 * ctl: staprun's side of the control channel (protocol in
 * runtime/kmod/transport_proto.h).
 *
 * Input: records read from /proc/ctap_NAME/ctl.  Output: the module's
 * warnings and errors (msg.c), each after the output made before it
 * (reader.c), and the session flags in struct ctl_state.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kmod/transport_proto.h"
#include "staprun.h"

static void ctl_record(struct ctl_state *s, const struct ctap_msg_hdr *h, const char *p)
{
	uint32_t len = h->len;

	switch (h->type) {
	case CTAP_MSG_WARNING:
	case CTAP_MSG_ERROR:
		reader_fence(h->data_pos);
		msg_module(h->type == CTAP_MSG_ERROR, p, len);
		break;
	case CTAP_MSG_SYSTEM:
		reader_fence(h->data_pos);
		child_system(p);
		break;
	case CTAP_MSG_STARTED:
		s->started = true;
		s->started_status = atoi(p);
		msg_verbose(1, "module started (status %d)", s->started_status);
		break;
	case CTAP_MSG_EXIT_REQUEST:
		s->exit_requested = true;
		msg_verbose(1, "module requested exit");
		break;
	case CTAP_MSG_DONE:
		s->done = true;
		msg_verbose(1, "module session done");
		break;
	case CTAP_MSG_LOST:
		msg_warning("%.*s warning or error messages of the module were lost "
			    "(control channel full)", (int)len, p);
		break;
	default:
		msg_verbose(1, "unknown control record type %u", h->type);
		break;
	}
}

/* Handles the whole records of one read. */
static void ctl_records(struct ctl_state *s, char *buf, ssize_t n)
{
	size_t off = 0;

	while (n > 0 && off + sizeof(struct ctap_msg_hdr) <= (size_t)n) {
		struct ctap_msg_hdr h;
		char *p, saved;

		memcpy(&h, buf + off, sizeof(h));
		off += sizeof(h);
		if (h.len > (size_t)n - off)
			break;
		p = buf + off;
		/* NUL-terminate for atoi; the byte after is free or the next
		 * header, restored below. */
		saved = p[h.len];
		p[h.len] = '\0';
		ctl_record(s, &h, p);
		p[h.len] = saved;
		off += h.len;
	}
}

int ctl_drain(struct ctl_state *s)
{
	static char buf[64 * 1024];

	for (;;) {
		ssize_t n;
		int err;

		/* reading a message lets the module release the output made
		 * after it: the message is printed before the output thread
		 * can take that output */
		reader_lock();
		n = read(s->fd, buf, sizeof(buf) - 1);
		err = errno;
		ctl_records(s, buf, n);
		reader_unlock();
		errno = err;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0 && (errno == EIO || errno == ENODEV)) {
			/* the /proc entry went away under us: rmmod */
			msg_error("The module was removed while its session was running.");
			s->done = s->broken = true;
			return -1;
		}
		if (n < 0) {
			msg_error("Reading the control channel failed: %s", strerror(errno));
			s->done = s->broken = true;	/* nothing more will come */
			return -1;
		}
		if (n == 0)
			return 0;
	}
}

int ctl_command(struct ctl_state *s, const char *cmd)
{
	ssize_t n;

	msg_verbose(1, "control command '%s'", cmd);
	do
		n = write(s->fd, cmd, strlen(cmd));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		msg_error("Control command '%s' failed: %s", cmd, strerror(errno));
		return -1;
	}
	return 0;
}
