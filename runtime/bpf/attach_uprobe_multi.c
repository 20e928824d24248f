/*
 * attach_uprobe_multi: one BPF link over many uprobes of one file (see
 * attach.h), Linux 6.6+.  One link costs ~12 ms to attach and ~25 ms to
 * detach for 100 offsets where 100 perf-event uprobes take ~10 s to
 * detach, so process.function("*") style probes should come here.
 *
 * libbpf 1.1 predates the attach type, so the attr is laid out by hand
 * after the link_create fields every kernel has (prog_fd, target_fd,
 * attach_type, flags), as in the 6.6 UAPI:
 *     struct { u64 path, offsets, ref_ctr_offsets, cookies; u32 cnt, flags, pid; }
 * The program reads its cookie with bpf_get_attach_cookie().
 */
#include "bpf/attach.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "bpf/load.h"

struct uprobe_multi_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t um_flags;
	uint32_t pid;
};

int attach_uprobe_multi(struct load_ctx *lc, int prog_fd, const struct attach_uprobe_multi_spec *s,
			const void *tag)
{
	char what[512];
	snprintf(what, sizeof(what), "uprobe_multi%s:%s (%u offsets)", s->retprobe ? "(return)" : "",
		 s->path, s->n);
	union {
		union bpf_attr attr;
		struct uprobe_multi_attr um;
		char pad[256];
	} u;
	memset(&u, 0, sizeof(u));
	u.um.prog_fd = (uint32_t)prog_fd;
	u.um.attach_type = ATTACH_TRACE_UPROBE_MULTI;
	u.um.path = (uint64_t)(uintptr_t)s->path;
	u.um.offsets = (uint64_t)(uintptr_t)s->offsets;
	u.um.ref_ctr_offsets = (uint64_t)(uintptr_t)s->ref_ctr_offsets;
	u.um.cookies = (uint64_t)(uintptr_t)s->cookies;
	u.um.cnt = s->n;
	u.um.um_flags = s->retprobe ? ATTACH_F_UPROBE_MULTI_RETURN : 0;
	u.um.pid = s->pid > 0 ? (uint32_t)s->pid : 0;
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &u, sizeof(u.attr));
	if (fd < 0) {
		int err = -errno;
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-err));
		return err;
	}
	load_attached(lc, fd, LOAD_FD_LINK, what);
	return 0;
}
