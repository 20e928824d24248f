/*
 * procfs: the data of procfs(...) derived probes (probes.md §2.8).
 *
 * One derived probe per point; the files they make are computed over the
 * whole program by procfs_files(): a back end creates each file once with
 * its mode and attaches the (at most one) read and write probe to it.
 */
#ifndef CTAP_PROBES_PROCFS_H
#define CTAP_PROBES_PROCFS_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/family.h"

struct program;
struct arena;

#define PROCFS_DEFAULT_PATH "command"
#define PROCFS_DEFAULT_READ_UMASK 0044
#define PROCFS_DEFAULT_WRITE_UMASK 0022

/* ACCESS_FAMILY values */
enum procfs_var {
	PROCFS_VAR_VALUE,     /* $value: a string; read probe: the buffer the
	                       * handler fills (writable without -g, never read:
	                       * `=` sets it, `.=` appends); write probe: the data
	                       * written (read-only) */
};

struct procfs_data {
	const char *path;       /* relative to /proc/systemtap/MODULE/ ("command") */
	bool is_write;          /* .write, else .read */
	int64_t umask;          /* as given, or the default for the kind */
	bool umask_given;
	int64_t maxsize;        /* read buffer bytes; 0 = default (STP_PROCFS_BUFSIZE) */
};

/* One file: its probes and its mode (0444 if read | 0222 if write, less
 * both probes' umasks). */
struct procfs_file {
	const char *path;
	struct derived_probe *read, *write;
	unsigned mode;
	int64_t maxsize;        /* of the read probe, 0 = default */
};

/* The program's procfs files, in order of first appearance; *n = count.
 * Allocated in `a`. */
struct procfs_file *procfs_files(const struct program *p, struct arena *a, uint32_t *n);

extern const struct probe_family procfs_family;

#endif
