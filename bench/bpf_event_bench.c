/*
 * bpf_event_bench: the pieces bench/bpf_vs_bpftrace.sh measures with.
 *
 *   bpf_event_bench loop N          N getppid() calls; prints ns per call
 *   bpf_event_bench rename N        N prctl(PR_SET_NAME) calls, each firing
 *                                   task:task_rename from inside the
 *                                   kernel (a tracepoint with kernel frames
 *                                   under it, unlike the syscalls ones,
 *                                   whose perf callchain is the user's);
 *                                   prints ns per call
 *   bpf_event_bench tick US         calls getppid() every US microseconds
 *                                   until killed (a steady event source)
 *   bpf_event_bench hand tp|rawtp   the minimal hand-written equivalent of
 *                                   `probe kernel.trace("syscalls:sys_enter_getppid")
 *                                   { c[execname()]++ }` with libbpf's
 *                                   low-level API: a hash keyed by comm,
 *                                   lookup + atomic add, insert on first
 *                                   use; `tp` on the syscalls tracepoint
 *                                   through a perf event (what a libbpf
 *                                   tool's SEC("tracepoint/...") does),
 *                                   `rawtp` on raw_syscalls:sys_enter with
 *                                   the syscall number tested first (what
 *                                   ctap does).  Prints "live" once
 *                                   attached, then the count for its own
 *                                   comm when stdin closes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int loop(long n)
{
	/* warm up, then time */
	for (long i = 0; i < n / 10; i++)
		syscall(SYS_getppid);
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("%.1f\n", (now_ns() - t0) / (double)n);
	return 0;
}

static int rename_loop(long n)
{
	double t0 = 0;
	for (long i = -n / 10; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		prctl(PR_SET_NAME, (i & 1) ? "eb-odd" : "eb-even");
	}
	printf("%.1f\n", (now_ns() - t0) / (double)n);
	return 0;
}

static int tick(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	for (;;) {
		syscall(SYS_getppid);
		nanosleep(&ts, NULL);
	}
	return 0;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i) INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define ATOMIC_ADD(d, s, o) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, BPF_ADD)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_MAP(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)

static int hand(const char *how)
{
	bool raw = !strcmp(how, "rawtp");
	int map = bpf_map_create(BPF_MAP_TYPE_HASH, "c", 16, 8, 10240, NULL);
	if (map < 0) {
		perror("map");
		return 1;
	}
	struct bpf_insn prog[64];
	int n = 0;
	if (raw) {
		/* ctx = u64 args[2] = { regs, id } */
		prog[n++] = LDX(BPF_DW, BPF_REG_2, BPF_REG_1, 8);
		prog[n++] = JNE_IMM(BPF_REG_2, SYS_getppid, 0); /* patched below */
	}
	int skip = n - 1;
	prog[n++] = MOV64_REG(BPF_REG_1, BPF_REG_10);
	prog[n++] = ADD64_IMM(BPF_REG_1, -16);
	prog[n++] = MOV64_IMM(BPF_REG_2, 16);
	prog[n++] = CALL(BPF_FUNC_get_current_comm);
	struct bpf_insn ld[2] = { LD_MAP(BPF_REG_1, map) };
	prog[n++] = ld[0];
	prog[n++] = ld[1];
	prog[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	prog[n++] = ADD64_IMM(BPF_REG_2, -16);
	prog[n++] = CALL(BPF_FUNC_map_lookup_elem);
	prog[n++] = JNE_IMM(BPF_REG_0, 0, 10);
	/* first time: insert 1 */
	prog[n++] = ST(BPF_DW, BPF_REG_10, -24, 1);
	prog[n++] = ld[0];
	prog[n++] = ld[1];
	prog[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	prog[n++] = ADD64_IMM(BPF_REG_2, -16);
	prog[n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	prog[n++] = ADD64_IMM(BPF_REG_3, -24);
	prog[n++] = MOV64_IMM(BPF_REG_4, BPF_NOEXIST);
	prog[n++] = CALL(BPF_FUNC_map_update_elem);
	prog[n++] = INSN(BPF_JMP | BPF_JA, 0, 0, 2, 0);
	/* existing: atomic add */
	prog[n++] = MOV64_IMM(BPF_REG_1, 1);
	prog[n++] = ATOMIC_ADD(BPF_REG_0, BPF_REG_1, 0);
	prog[n++] = MOV64_IMM(BPF_REG_0, 0);
	prog[n++] = EXIT();
	if (raw)
		prog[skip].off = (int16_t)(n - 3 - skip); /* to r0 = 0; exit */
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd = bpf_prog_load(raw ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT,
			       "hand", "GPL", prog, (size_t)n, &opts);
	if (fd < 0) {
		perror("load");
		return 1;
	}
	int link;
	if (raw) {
		link = bpf_raw_tracepoint_open("sys_enter", fd);
	} else {
		char path[256], buf[32] = "";
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id");
		int idf = open(path, O_RDONLY);
		if (idf < 0 || read(idf, buf, sizeof(buf) - 1) <= 0) {
			perror(path);
			return 1;
		}
		close(idf);
		struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr),
						.config = (uint64_t)atoll(buf), .sample_period = 1,
						.wakeup_events = 1 };
		int pfd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0) {
			perror("perf_event_open");
			return 1;
		}
		link = bpf_link_create(fd, pfd, BPF_PERF_EVENT, NULL);
	}
	if (link < 0) {
		perror("attach");
		return 1;
	}
	printf("live\n");
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "loop"))
		return loop(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "rename"))
		return rename_loop(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "tick"))
		return tick(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "hand"))
		return hand(argv[2]);
	fprintf(stderr, "usage: bpf_event_bench loop N | rename N | tick US | hand tp|rawtp\n");
	return 2;
}
