/*
 * outfile: a session's output file and its rotation (see outfile.h).
 */
#include "output/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Both users (the BPF runtime, staprun) end on exhausted memory. */
static void *checked(void *p)
{
	if (!p) {
		fputs("ctap: out of memory\n", stderr);
		abort();
	}
	return p;
}

static char *seq_name(const struct outfile *of, long seq)
{
	size_t n = strlen(of->base) + 24;
	char *p = checked(malloc(n));
	snprintf(p, n, "%s.%ld", of->base, seq);
	return p;
}

/* Opens FILE (seq -1) or FILE.seq, then removes the file that falls out of
 * the newest `keep`. */
static int open_seq(struct outfile *of, long seq)
{
	char *name = seq < 0 ? NULL : seq_name(of, seq);
	int fd = open(name ? name : of->base, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int e = errno;
	free(name);
	if (fd < 0)
		return -e;
	if (of->close)
		close(of->fd);
	if (of->keep && of->seq >= 0)
		of->kept_lines[of->seq % of->keep] = of->lines;
	of->fd = fd;
	of->close = true;
	of->seq = seq;
	of->written = 0;
	of->lines = 0;
	if (of->keep && seq >= (long)of->keep) {
		char *old = seq_name(of, seq - (long)of->keep);
		if (unlink(old) == 0) {
			of->removed++;
			of->removed_lines += of->kept_lines[seq % of->keep];
		}
		free(old);
	}
	return 0;
}

bool outfile_open(struct outfile *of, const char *pattern, unsigned mb, unsigned keep,
		  char *err_msg, size_t n)
{
	memset(of, 0, sizeof(*of));
	of->fd = 1;
	of->seq = -1;
	if (!pattern)
		return true;
	char name[PATH_MAX];
	name[0] = 0;
	if (strchr(pattern, '%')) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (!strftime(name, sizeof(name), pattern, &tm))
			name[0] = 0;
#pragma GCC diagnostic pop
	}
	if (!name[0])
		snprintf(name, sizeof(name), "%s", pattern);
	of->base = checked(strdup(name));
	/* -o /dev/null -S ...: no /dev/null.0 (stapio's special case too) */
	if (strcmp(name, "/dev/null") == 0)
		mb = 0;
	of->limit = (uint64_t)mb << 20;
	of->keep = mb ? keep : 0;
	if (of->keep)
		of->kept_lines = checked(calloc(of->keep, sizeof(*of->kept_lines)));
	int rc = open_seq(of, mb ? 0 : -1);
	if (rc < 0) {
		char *shown = mb ? seq_name(of, 0) : NULL;
		snprintf(err_msg, n, "cannot open output file '%s': %s", shown ? shown : of->base,
			 strerror(-rc));
		free(shown);
		outfile_close(of, NULL);
		return false;
	}
	return true;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t k = 0;
	const char *end = p + n;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

static int write_chunk(struct outfile *of, const char *p, size_t n)
{
	of->lines += count_lines(p, n);
	while (n) {
		ssize_t w = write(of->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			of->err = errno;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		of->written += (uint64_t)w;
	}
	return 0;
}

static int next_file(struct outfile *of)
{
	int rc = open_seq(of, of->seq + 1);
	if (rc < 0)
		of->err = -rc;
	return rc;
}

int outfile_switch(struct outfile *of)
{
	if (!of->close || of->err)
		return 0;
	return next_file(of);
}

/* Complete lines: a write that does not fit is cut after its last
 * newline that does. */
static int put_lines(struct outfile *of, const char *p, size_t n)
{
	while (of->written + n > of->limit) {
		size_t room = of->written < of->limit ? (size_t)(of->limit - of->written) : 0;
		const char *nl = room ? memrchr(p, '\n', room) : NULL;
		int rc;
		if (nl) {
			size_t k = (size_t)(nl + 1 - p);
			if ((rc = write_chunk(of, p, k)) < 0 || (rc = next_file(of)) < 0)
				return rc;
			p += k;
			n -= k;
		} else if (of->written > 0) {
			if ((rc = next_file(of)) < 0)
				return rc;
		} else {
			/* one line longer than a file: it gets a file of its own */
			const char *first = memchr(p, '\n', n);
			size_t k = first ? (size_t)(first + 1 - p) : n;
			if ((rc = write_chunk(of, p, k)) < 0)
				return rc;
			p += k;
			n -= k;
		}
	}
	return n ? write_chunk(of, p, n) : 0;
}

/* With rotation, the text after the last newline waits in `carry` for the
 * rest of its line: the output buffer is flushed when full, in the middle
 * of a line as often as not, and a line must not straddle two files. */
int outfile_write(struct outfile *of, const char *p, size_t n)
{
	if (of->err)
		return -of->err;
	if (!of->limit)
		return write_chunk(of, p, n);
	const char *nl = memrchr(p, '\n', n);
	size_t whole = nl ? (size_t)(nl + 1 - p) : 0;
	if (of->carry_len + n > of->carry_cap) {
		of->carry_cap = (of->carry_len + n) * 2;
		of->carry = checked(realloc(of->carry, of->carry_cap));
	}
	memcpy(of->carry + of->carry_len, p, n);
	of->carry_len += n;
	/* a partial line longer than a file is written as it is */
	size_t out = whole ? of->carry_len - (n - whole)
		   : of->carry_len > of->limit ? of->carry_len : 0;
	if (!out)
		return 0;
	int rc = put_lines(of, of->carry, out);
	memmove(of->carry, of->carry + out, of->carry_len - out);
	of->carry_len -= out;
	return rc;
}

static void report(const struct outfile *of, FILE *to)
{
	if (of->err)
		fprintf(to, "ERROR: writing the output to '%s' failed: %s\n",
			of->base ? of->base : "stdout", strerror(of->err));
	if (!of->removed)
		return;
	if (of->removed == 1)
		fprintf(to, "WARNING: -S keeps the newest %u output files: %s.0 was removed "
			"with the %llu lines it held\n", of->keep, of->base,
			(unsigned long long)of->removed_lines);
	else
		fprintf(to, "WARNING: -S keeps the newest %u output files: %s.0 to %s.%u were "
			"removed with the %llu lines they held\n", of->keep, of->base, of->base,
			of->removed - 1, (unsigned long long)of->removed_lines);
}

void outfile_close(struct outfile *of, FILE *report_to)
{
	if (of->carry_len && !of->err)
		put_lines(of, of->carry, of->carry_len);
	if (report_to)
		report(of, report_to);
	free(of->carry);
	of->carry = NULL;
	of->carry_len = 0;
	if (of->close)
		close(of->fd);
	of->close = false;
	of->fd = 1;
	free(of->base);
	free(of->kept_lines);
	of->base = NULL;
	of->kept_lines = NULL;
}
