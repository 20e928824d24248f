/*
 * outfile: where a session's output goes (the BPF runtime's, staprun's): stdout, or -o FILE (its
 * name expanded with strftime(3) once, at open), rotated with -S SIZE[,N]
 * the way SystemTap's stapio names the files: FILE.0 first, then FILE.1,
 * FILE.2, ... whenever the next write would take the current file past
 * SIZE megabytes; with N, only the newest N files are kept and the oldest
 * is removed when a new one opens.
 *
 * A file switch happens after the last whole line that fits, so no line
 * is split between two files (a single line longer than SIZE gets a file
 * of its own); a file never exceeds SIZE otherwise.  The lines of removed files are counted, so that a session
 * can say what rotation discarded (outfile_close).
 */
#ifndef CTAP_OUTPUT_OUTFILE_H
#define CTAP_OUTPUT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct outfile {
	int fd;
	bool close;               /* fd is ours (not stdout) */
	char *base;               /* expanded -o name */
	uint64_t limit;           /* bytes per file, 0: no rotation */
	unsigned keep;            /* files kept, 0: all */
	long seq;                 /* current FILE.seq, -1 without -S */
	uint64_t written;         /* bytes in the current file */
	uint64_t lines;           /* newlines in the current file */
	/* lines written to each kept file, oldest first (a ring of keep) */
	uint64_t *kept_lines;
	unsigned removed;         /* files removed by rotation */
	uint64_t removed_lines;   /* lines they held */
	char *carry;              /* -S: the last line, until its newline */
	size_t carry_len, carry_cap;
	int err;                  /* first write/open error (errno), 0 if none */
};

/* pattern NULL: stdout.  mb 0: no rotation.  On failure returns false with
 * a message in err_msg (size n). */
bool outfile_open(struct outfile *of, const char *pattern, unsigned mb, unsigned keep,
		  char *err_msg, size_t n);
/* 0, or -errno (after which output is dropped; the error is kept in err). */
int outfile_write(struct outfile *of, const char *p, size_t n);
/* The next file now (staprun's SIGUSR2): FILE.seq+1, or FILE.1 after a
 * plain -o FILE; nothing for stdout.  0 or -errno. */
int outfile_switch(struct outfile *of);
/* Writes what is left of an unfinished last line and closes; then says on
 * report_to (unless NULL) what rotation removed, if anything, and the
 * first write error. */
void outfile_close(struct outfile *of, FILE *report_to);

#endif
