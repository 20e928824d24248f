/*
 * output: where the script's output goes — stdout, or -o FILE (its name
 * expanded with strftime(3) once at start).  With -S SIZE[,N] the output
 * moves to FILE.1, FILE.2, ... (the first file is FILE.0) whenever the
 * current file would exceed SIZE MB, and only the newest N are kept.
 * SIGUSR2 moves to the next file at the next write.  Writes are unbuffered
 * and only ever come from the reader thread.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "staprun.h"

static int out_fd = STDOUT_FILENO;
static char out_base[PATH_MAX];
static const struct options *out_opts;
static long long out_written;
static int out_seq = -1;		/* -1: no numbered files */
static volatile sig_atomic_t out_switch;

static int output_open_seq(int seq)
{
	char path[PATH_MAX + 16];
	int fd;

	if (seq < 0)
		snprintf(path, sizeof(path), "%s", out_base);
	else
		snprintf(path, sizeof(path), "%s.%d", out_base, seq);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		msg_error("Couldn't open output file '%s': %s", path, strerror(errno));
		return -1;
	}
	if (out_fd != STDOUT_FILENO)
		close(out_fd);
	out_fd = fd;
	out_written = 0;
	out_seq = seq;
	if (seq >= 0 && out_opts->split_files > 0 && seq >= out_opts->split_files) {
		snprintf(path, sizeof(path), "%s.%d", out_base, seq - out_opts->split_files);
		unlink(path);
	}
	return 0;
}

int output_open(const struct options *o)
{
	time_t now = time(NULL);
	struct tm tm;

	out_opts = o;
	if (!o->output)
		return 0;
	localtime_r(&now, &tm);
	/* The pattern is the user's -o argument by design. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (!strftime(out_base, sizeof(out_base), o->output, &tm))
#pragma GCC diagnostic pop
		snprintf(out_base, sizeof(out_base), "%s", o->output);
	return output_open_seq(o->split ? 0 : -1);
}

void output_request_switch(void)
{
	out_switch = 1;
}

static int output_next(void)
{
	out_switch = 0;
	if (out_fd == STDOUT_FILENO)
		return 0;
	return output_open_seq(out_seq < 0 ? 1 : out_seq + 1);
}

int output_write(const void *p, size_t n)
{
	const char *c = p;

	if (out_switch && output_next())
		return -1;
	if (out_opts && out_opts->split && out_written > 0 &&
	    out_written + (long long)n > out_opts->split_bytes && output_next())
		return -1;
	while (n > 0) {
		ssize_t k = write(out_fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			msg_error("Writing the output failed: %s", strerror(errno));
			return -1;
		}
		c += k;
		n -= k;
		out_written += k;
	}
	return 0;
}

void output_close(void)
{
	if (out_fd != STDOUT_FILENO)
		close(out_fd);
	out_fd = STDOUT_FILENO;
}
