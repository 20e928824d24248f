/*
 * attach_tracepoint: static tracepoints through perf events (see attach.h).
 *
 * The event id comes from tracefs (events/<sys>/<name>/id).  The program
 * runs for every CPU although the perf event is opened on CPU 0: BPF on a
 * trace event hangs off the event itself, not off the perf event's CPU.
 * A BPF link (BPF_LINK_CREATE, attach type BPF_PERF_EVENT) carries the
 * cookie; kernels before 5.15 get PERF_EVENT_IOC_SET_BPF instead (no cookie).
 */
#include "bpf/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/load.h"

int attach_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
			   unsigned long flags)
{
	int fd = (int)syscall(__NR_perf_event_open, attr, pid, cpu, group_fd, flags);
	return fd < 0 ? -errno : fd;
}

static bool has_events(const char *dir)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/events", dir);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *attach_tracefs(void)
{
	static const char *found;
	static bool tried;
	if (tried)
		return found;
	tried = true;
	if (has_events("/sys/kernel/tracing"))
		return found = "/sys/kernel/tracing";
	if (has_events("/sys/kernel/debug/tracing"))
		return found = "/sys/kernel/debug/tracing";
	/* Not mounted: mount it where the kernel provides the mount point. */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    has_events("/sys/kernel/tracing"))
		return found = "/sys/kernel/tracing";
	return NULL;
}

int attach_tracepoint_id(const char *sys, const char *name)
{
	const char *tfs = attach_tracefs();
	if (!tfs)
		return -ENOENT;
	char p[512], buf[32];
	snprintf(p, sizeof(p), "%s/events/%s/%s/id", tfs, sys, name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n > 0 ? n : 0] = '\0';
	char *end;
	long id = strtol(buf, &end, 10);
	return end == buf || id < 0 ? -EINVAL : (int)id;
}

int attach_tracepoint(struct load_ctx *lc, int prog_fd, const char *sys, const char *name,
		      uint64_t cookie, const void *tag)
{
	char what[256];
	snprintf(what, sizeof(what), "tracepoint:%s:%s", sys, name);
	int id = attach_tracepoint_id(sys, name);
	if (id < 0) {
		load_error(lc, tag, "cannot attach %s: %s", what,
			   attach_tracefs() ? "no such tracepoint" : "tracefs is not available");
		return id;
	}
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (uint64_t)id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	int pfd = attach_perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		load_error(lc, tag, "cannot attach %s: perf_event_open: %s", what, strerror(-pfd));
		return pfd;
	}
	int err = attach_perf_fd(lc, prog_fd, pfd, cookie, what);
	if (err)
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-err));
	return err;
}
