/*
 * attach_perf: BPF_PROG_TYPE_PERF_EVENT programs on perf events (see
 * attach.h), chiefly the software cpu-clock that implements timer.* and
 * timer.profile: one event per online CPU, sampling every period_ns of
 * that CPU's clock.
 *
 * The program is attached with a BPF link (cookie support); kernels
 * without perf links get PERF_EVENT_IOC_SET_BPF.  Failure on any CPU
 * detaches the CPUs already done: a probe is attached whole or not at all.
 */
#include "bpf/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/load.h"

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return err;
}

int attach_pmu_type(const char *pmu)
{
	char path[128], buf[32];
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
	int err = read_small(path, buf, sizeof(buf));
	if (err)
		return err;
	return atoi(buf);
}

int attach_pmu_retprobe_bit(const char *pmu)
{
	char path[128], buf[64];
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
	if (read_small(path, buf, sizeof(buf)))
		return 0;
	const char *c = strchr(buf, ':');
	return c ? atoi(c + 1) : 0;
}

int attach_online_cpus(int *cpus, int max)
{
	int fd = open("/sys/devices/system/cpu/online", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[1024];
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = '\0';
	int n = 0;
	for (char *p = buf; *p && *p != '\n';) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p)
			return -EINVAL;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		for (long c = a; c <= b; c++)
			if (n < max)
				cpus[n++] = (int)c;
		if (*p == ',')
			p++;
	}
	return n;
}

int attach_perf_fd(struct load_ctx *lc, int prog_fd, int pfd, uint64_t cookie, const char *what)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .perf_event.bpf_cookie = cookie);
	int link = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &opts);
	if (link < 0) {
		int err = -errno;
		if (cookie == 0 && (err == -EINVAL || err == -EOPNOTSUPP) &&
		    ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) == 0 &&
		    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) == 0) {
			load_attached(lc, pfd, LOAD_FD_PERF, what);
			return 0;
		}
		close(pfd);
		return err;
	}
	load_attached(lc, pfd, LOAD_FD_PERF, what);
	load_attached(lc, link, LOAD_FD_LINK, what);
	return 0;
}

static int perf_attach_one(struct load_ctx *lc, int prog_fd, struct perf_event_attr *attr,
			   pid_t pid, int cpu, uint64_t cookie, const char *what)
{
	int pfd = attach_perf_event_open(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return pfd;
	return attach_perf_fd(lc, prog_fd, pfd, cookie, what);
}

int attach_perf_event(struct load_ctx *lc, int prog_fd, struct perf_event_attr *attr, pid_t pid,
		      int cpu, uint64_t cookie, const char *what, const void *tag)
{
	attr->size = sizeof(*attr);
	int err = perf_attach_one(lc, prog_fd, attr, pid, cpu, cookie, what);
	if (err)
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-err));
	return err;
}

/* Closes what was attached after index `mark` (a failed multi-CPU attach). */
static void undo_to(struct load_ctx *lc, uint32_t mark)
{
	while (lc->attached.len > mark) {
		struct load_attachment *a = &lc->attached.items[--lc->attached.len];
		close(a->fd);
		free(a->what);
	}
}

int attach_cpu_clock(struct load_ctx *lc, int prog_fd, uint64_t period_ns, int cpu,
		     const void *tag)
{
	char what[128];
	snprintf(what, sizeof(what), "perf:cpu-clock(%lluns)", (unsigned long long)period_ns);
	int cpus[1024];
	int n;
	if (cpu >= 0) {
		cpus[0] = cpu;
		n = 1;
	} else {
		n = attach_online_cpus(cpus, 1024);
		if (n <= 0) {
			load_error(lc, tag, "cannot attach %s: cannot list online CPUs", what);
			return n < 0 ? n : -ENODEV;
		}
	}
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = period_ns ? period_ns : 1;
	uint32_t mark = lc->attached.len;
	for (int i = 0; i < n; i++) {
		int err = perf_attach_one(lc, prog_fd, &attr, -1, cpus[i], 0, what);
		if (err) {
			undo_to(lc, mark);
			load_error(lc, tag, "cannot attach %s on CPU %d: %s", what, cpus[i],
				   strerror(-err));
			return err;
		}
	}
	return n;
}
