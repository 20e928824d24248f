/*
 * attach_raw_tp: raw tracepoints and BTF-typed tracepoints (see attach.h).
 *
 * Both go through BPF_RAW_TRACEPOINT_OPEN: by name for raw_tracepoint
 * programs, by the BTF id the program was loaded with (name NULL) for
 * tp_btf ones.  Attach and detach cost well under a millisecond, which is
 * why syscall.* and other tracepoint probes prefer these over perf events.
 */
#include "bpf/attach.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpf/load.h"

int attach_raw_tp(struct load_ctx *lc, int prog_fd, const char *name, const void *tag)
{
	char what[256];
	snprintf(what, sizeof(what), "raw_tracepoint:%s", name);
	int fd = bpf_raw_tracepoint_open(name, prog_fd);
	if (fd < 0) {
		int err = -errno;
		load_error(lc, tag, "cannot attach %s: %s", what,
			   err == -ENOENT ? "no such tracepoint" : strerror(-err));
		return err;
	}
	load_attached(lc, fd, LOAD_FD_RAW_TP, what);
	return 0;
}

int attach_tp_btf(struct load_ctx *lc, int prog_fd, const char *name, const void *tag)
{
	char what[256];
	snprintf(what, sizeof(what), "tp_btf:%s", name);
	int fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (fd < 0) {
		int err = -errno;
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-err));
		return err;
	}
	load_attached(lc, fd, LOAD_FD_LINK, what);
	return 0;
}
