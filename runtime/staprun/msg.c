/*
 * msg: the `ERROR:`/`WARNING:` lines on stderr, staprun's own and the
 * module's.  Identical module warnings are printed once per session (up
 * to WARN_MEMORY distinct texts) unless -v; -w drops warnings.  Any ERROR
 * marks the run failed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

void msg_module(bool error, const char *text, size_t len)
{
	if (error) {
		msg_failed = true;
		msg_line("ERROR:", "01;31", text, len);
	} else if (!(msg_opts && msg_opts->quiet_warnings) && !warn_repeated(text, len)) {
		msg_line("WARNING:", "00;33", text, len);
	}
}
