/*
 * attach_kprobe: kprobes and kretprobes through the kprobe PMU, one perf
 * event per function, each linked to the program with its own attach
 * cookie (the program dispatches on bpf_get_attach_cookie(), see
 * attach.h).
 *
 * perf_event_attr for the kprobe PMU: type from
 * /sys/bus/event_source/devices/kprobe/type, config1 = the function's
 * name, config2 = the offset in it, the retprobe bit where
 * format/retprobe says ("config:0").  Opened system-wide (pid -1) on CPU
 * 0; the program runs wherever the function is hit.  Nothing is written to
 * tracefs, so no kprobe outlives the process.  The PMU has no maxactive
 * setting: kretprobes get the kernel's default number of instances (pass
 * 3 refuses .maxactive(N) for that reason).
 */
#include "bpf/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/load.h"

int attach_kprobe(struct load_ctx *lc, int prog_fd, const char *func, uint64_t offset,
		  bool retprobe, uint64_t cookie, const void *tag)
{
	char what[320];
	if (offset)
		snprintf(what, sizeof(what), "%s:%s+0x%llx", retprobe ? "kretprobe" : "kprobe",
			 func, (unsigned long long)offset);
	else
		snprintf(what, sizeof(what), "%s:%s", retprobe ? "kretprobe" : "kprobe", func);
	int type = attach_pmu_type("kprobe");
	if (type < 0) {
		load_error(lc, tag, "cannot attach %s: this kernel has no kprobe PMU (%s)", what,
			   strerror(-type));
		return type;
	}
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = (uint32_t)type;
	attr.size = sizeof(attr);
	attr.config = retprobe ? 1ull << attach_pmu_retprobe_bit("kprobe") : 0;
	attr.config1 = (uint64_t)(uintptr_t)func;
	attr.config2 = offset;
	int pfd = attach_perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		/* ENOENT / EINVAL: not a probeable function (inlined away,
		 * blacklisted, notrace) */
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-pfd));
		return pfd;
	}
	int err = attach_perf_fd(lc, prog_fd, pfd, cookie, what);
	if (err)
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-err));
	return err;
}
