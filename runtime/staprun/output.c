/*
 * output: where the script's output goes - stdout, or -o FILE (its name
 * expanded with strftime(3) once at start), rotated with -S SIZE[,N] into
 * FILE.0, FILE.1, ... keeping the newest N, whole lines to a file, as the
 * BPF runtime does it (runtime/output/outfile.h: one implementation).
 * SIGUSR2 moves to the next file at the next write.  Writes only ever come
 * from the reader thread; the report of what rotation removed comes at
 * close, on stderr.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include "output/outfile.h"
#include "staprun.h"

static struct outfile out;
static const struct options *out_opts;
static volatile sig_atomic_t out_switch;

int output_open(const struct options *o)
{
	char why[512];

	out_opts = o;
	if (!outfile_open(&out, o->output, o->split ? (unsigned)(o->split_bytes >> 20) : 0,
			  o->split ? (unsigned)o->split_files : 0, why, sizeof(why))) {
		msg_error("Couldn't open the output: %s", why);
		return -1;
	}
	return 0;
}

void output_request_switch(void)
{
	out_switch = 1;
}

int output_write(const void *p, size_t n)
{
	int rc;

	if (out_switch) {
		out_switch = 0;
		if ((rc = outfile_switch(&out)) < 0) {
			msg_error("Couldn't open the next output file: %s", strerror(-rc));
			return -1;
		}
	}
	rc = outfile_write(&out, p, n);
	if (rc < 0) {
		msg_error("Writing the output failed: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

void output_close(void)
{
	bool quiet = out_opts && out_opts->quiet_warnings && !out.err;

	outfile_close(&out, quiet ? NULL : stderr);
}
