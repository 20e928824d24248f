/*
 * attach: connecting loaded programs to events, one probe family per file:
 *
 *   attach_tracepoint.c    tracepoint through a perf event (BPF link, or
 *                          PERF_EVENT_IOC_SET_BPF on kernels without perf links)
 *   attach_raw_tp.c        raw_tracepoint by name; tp_btf by the BTF id given
 *                          at load time (BPF_RAW_TRACEPOINT_OPEN)
 *   attach_perf.c          perf events: the software cpu-clock on every online
 *                          CPU (timer.ms/us/hz/profile), or any perf_event_attr
 *   attach_uprobe.c        uprobe / uretprobe through the uprobe PMU (one perf
 *                          event each), and ELF symbol -> file offset
 *   attach_kprobe.c        kprobe / kretprobe through the kprobe PMU (one perf
 *                          event per function, with an attach cookie each)
 *   attach_uprobe_multi.c  one uprobe_multi link over many offsets of a file,
 *                          with a cookie per offset (raw bpf(): libbpf 1.1 has
 *                          no API for it)
 *   attach_run.c           BPF_PROG_TEST_RUN of a raw_tracepoint program: runs
 *                          a handler once in kernel context (begin/end probes)
 *
 * Conventions shared by every family:
 *  - the program must have been loaded with the matching type (and
 *    expected_attach_type / attach_btf_name, see each function);
 *  - success returns 0 (attach_cpu_clock: the number of CPUs) and hands
 *    every fd to lc, which detaches them in load_detach_all()/load_close();
 *  - failure returns -errno after reporting through lc's diag at `tag`,
 *    naming the probe point; nothing is left half-attached;
 *  - nothing is written to tracefs (uprobes and kprobes are created through
 *    their PMUs), so no probe outlives the process.
 *
 * Costs on the development machines are in /work/shared/spec/bpf-host.md
 * and bench/bpf_attach_bench.sh: prefer raw_tp/tp_btf to perf tracepoints
 * and one uprobe_multi link to many uprobes; perf-event detaches cost
 * tens of milliseconds each.
 */
#ifndef CTAP_BPF_ATTACH_H
#define CTAP_BPF_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/perf_event.h>

struct load_ctx;

/* Attach types newer than the 6.1 UAPI headers this builds against. */
#define ATTACH_TRACE_UPROBE_MULTI 48
#define ATTACH_F_UPROBE_MULTI_RETURN 1u

/* perf_event_open(2) (glibc has no wrapper); returns fd or -errno. */
int attach_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
			   unsigned long flags);

/* ---- attach_tracepoint.c ---- */

/* The tracefs mount ("/sys/kernel/tracing"), mounting it there when it is
 * absent and we may; NULL if there is none. */
const char *attach_tracefs(void);
/* events/<sys>/<name>/id, or -errno. */
int attach_tracepoint_id(const char *sys, const char *name);
/* Program type BPF_PROG_TYPE_TRACEPOINT (ctx = the raw trace record, field
 * offsets from the event's format file).  cookie: bpf_get_attach_cookie(). */
int attach_tracepoint(struct load_ctx *lc, int prog_fd, const char *sys, const char *name,
		      uint64_t cookie, const void *tag);

/* ---- attach_raw_tp.c ---- */

/* Program type BPF_PROG_TYPE_RAW_TRACEPOINT (ctx = u64 args[]). */
int attach_raw_tp(struct load_ctx *lc, int prog_fd, const char *name, const void *tag);
/* Program type BPF_PROG_TYPE_TRACING, expected attach type BPF_TRACE_RAW_TP,
 * ir->attach_btf_name = "btf_trace_<name>", attach_btf_kind = BTF_KIND_TYPEDEF
 * (ctx = u64 args[], pointer args typed from BTF, readable by direct load). */
int attach_tp_btf(struct load_ctx *lc, int prog_fd, const char *name, const void *tag);

/* ---- attach_perf.c ---- */

/* Attaches prog_fd to the open perf event pfd (BPF link with cookie, or
 * PERF_EVENT_IOC_SET_BPF where links are missing and cookie is 0).  On
 * success lc owns pfd (and the link); on failure pfd is closed.  Used by
 * the perf-based families; returns 0 or -errno without reporting. */
int attach_perf_fd(struct load_ctx *lc, int prog_fd, int pfd, uint64_t cookie, const char *what);
/* The perf type of the dynamic PMU named pmu ("kprobe", "uprobe"), or
 * -errno (ENOENT: the kernel has no such PMU). */
int attach_pmu_type(const char *pmu);
/* The config bit that makes that PMU's probe a return probe (its
 * format/retprobe, "config:N"); 0 where the file does not say. */
int attach_pmu_retprobe_bit(const char *pmu);
/* Online CPUs (/sys/devices/system/cpu/online) into cpus[max]; count or -errno. */
int attach_online_cpus(int *cpus, int max);
/* Program type BPF_PROG_TYPE_PERF_EVENT on attr for (pid, cpu). */
int attach_perf_event(struct load_ctx *lc, int prog_fd, struct perf_event_attr *attr, pid_t pid,
		      int cpu, uint64_t cookie, const char *what, const void *tag);
/* The software cpu-clock, firing every period_ns on `cpu`, or on each
 * online CPU when cpu < 0.  Returns the number of CPUs attached. */
int attach_cpu_clock(struct load_ctx *lc, int prog_fd, uint64_t period_ns, int cpu,
		     const void *tag);

/* ---- attach_uprobe.c ---- */

struct attach_uprobe_spec {
	const char *path;         /* executable or library */
	uint64_t offset;          /* file offset (attach_elf_offset) */
	uint64_t ref_ctr_offset;  /* USDT semaphore file offset, 0 if none */
	bool retprobe;
	pid_t pid;                /* -1: every process */
	uint64_t cookie;
};

/* File offset of symbol `name` (function or object, .symtab then
 * .dynsym) in the ELF file at path: the address minus its PT_LOAD
 * segment's vaddr plus the segment's file offset.  0 or -errno. */
int attach_elf_offset(const char *path, const char *name, uint64_t *offset);
/* Program type BPF_PROG_TYPE_KPROBE (ctx = struct pt_regs). */
int attach_uprobe(struct load_ctx *lc, int prog_fd, const struct attach_uprobe_spec *s,
		  const void *tag);

/* ---- attach_kprobe.c ---- */

/* Program type BPF_PROG_TYPE_KPROBE (ctx = struct pt_regs) at func+offset
 * (a statement, an inlined instance), or func's return when retprobe (offset
 * 0); cookie: bpf_get_attach_cookie(). */
int attach_kprobe(struct load_ctx *lc, int prog_fd, const char *func, uint64_t offset,
		  bool retprobe, uint64_t cookie, const void *tag);

/* ---- attach_uprobe_multi.c ---- */

struct attach_uprobe_multi_spec {
	const char *path;
	const uint64_t *offsets;          /* n file offsets */
	const uint64_t *cookies;          /* n cookies, or NULL */
	const uint64_t *ref_ctr_offsets;  /* n semaphore offsets, or NULL */
	uint32_t n;
	bool retprobe;
	pid_t pid;                        /* -1 (or 0): every process */
};

/* Program type BPF_PROG_TYPE_KPROBE loaded with expected_attach_type
 * ATTACH_TRACE_UPROBE_MULTI. */
int attach_uprobe_multi(struct load_ctx *lc, int prog_fd, const struct attach_uprobe_multi_spec *s,
			const void *tag);

/* ---- attach_run.c ---- */

/* Runs a BPF_PROG_TYPE_RAW_TRACEPOINT program once on the current CPU with
 * ctx = args[nargs]; its r0 (truncated to 32 bits) in *retval. */
int attach_run_once(struct load_ctx *lc, int prog_fd, const uint64_t *args, uint32_t nargs,
		    uint32_t *retval, const void *tag);

#endif
