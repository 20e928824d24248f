/*
 * ctl: staprun's side of the control channel (protocol in
 * runtime/kmod/transport_proto.h) and the `ERROR:`/`WARNING:` lines.
 *
 * Input: records read from /proc/ctap_NAME/ctl.  Output: lines on stderr
 * and the session flags in struct ctl_state.  Identical warnings are
 * printed once per session (up to WARN_MEMORY distinct texts) unless -v;
 * -w drops them.  Any ERROR marks the run failed.
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

#define WARN_MEMORY 1024

bool msg_failed;
static const struct options *msg_opts;
static bool msg_color;
static char *warn_seen[WARN_MEMORY];
static int n_warn_seen;

void msg_setup(const struct options *o)
{
	msg_opts = o;
	msg_color = o->color == 1 || (o->color == 2 && isatty(STDERR_FILENO) &&
				      getenv("TERM") && strcmp(getenv("TERM"), "dumb"));
}

static void msg_line(const char *prefix, const char *color, const char *text, size_t len)
{
	if (msg_color)
		fprintf(stderr, "\033[%sm%s\033[m %.*s\n", color, prefix, (int)len, text);
	else
		fprintf(stderr, "%s %.*s\n", prefix, (int)len, text);
	fflush(stderr);
}

static void msg_vprint(bool error, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (error)
		msg_line("ERROR:", "01;31", buf, n);
	else
		msg_line("WARNING:", "00;33", buf, n);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	msg_failed = true;
	va_start(ap, fmt);
	msg_vprint(true, fmt, ap);
	va_end(ap);
}

void msg_warning(const char *fmt, ...)
{
	va_list ap;

	if (msg_opts && msg_opts->quiet_warnings)
		return;
	va_start(ap, fmt);
	msg_vprint(false, fmt, ap);
	va_end(ap);
}

void msg_verbose(int level, const char *fmt, ...)
{
	va_list ap;

	if (!msg_opts || msg_opts->verbose < level)
		return;
	va_start(ap, fmt);
	fputs("staprun: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* True if this warning text was printed before (remembering it if not). */
static bool warn_repeated(const char *text, size_t len)
{
	int i;

	if (msg_opts && msg_opts->verbose)
		return false;
	for (i = 0; i < n_warn_seen; i++)
		if (strlen(warn_seen[i]) == len && !memcmp(warn_seen[i], text, len))
			return true;
	if (n_warn_seen < WARN_MEMORY) {
		warn_seen[n_warn_seen] = strndup(text, len);
		if (warn_seen[n_warn_seen])
			n_warn_seen++;
	}
	return false;
}

static void ctl_record(struct ctl_state *s, uint32_t type, const char *p, uint32_t len)
{
	switch (type) {
	case CTAP_MSG_WARNING:
		if (!msg_opts->quiet_warnings && !warn_repeated(p, len))
			msg_line("WARNING:", "00;33", p, len);
		break;
	case CTAP_MSG_ERROR:
		msg_failed = true;
		msg_line("ERROR:", "01;31", p, len);
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
		msg_verbose(1, "unknown control record type %u", type);
		break;
	}
}

int ctl_drain(struct ctl_state *s)
{
	static char buf[64 * 1024];

	for (;;) {
		ssize_t n = read(s->fd, buf, sizeof(buf) - 1);
		size_t off = 0;

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
		while (off + sizeof(struct ctap_msg_hdr) <= (size_t)n) {
			struct ctap_msg_hdr h;
			char *p;

			memcpy(&h, buf + off, sizeof(h));
			off += sizeof(h);
			if (h.len > (size_t)n - off)
				break;
			p = buf + off;
			/* NUL-terminate for atoi; the byte after is free or
			 * the next header, restored below. */
			{
				char saved = p[h.len];

				p[h.len] = '\0';
				ctl_record(s, h.type, p, h.len);
				p[h.len] = saved;
			}
			off += h.len;
		}
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
