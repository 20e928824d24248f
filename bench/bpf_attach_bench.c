/*
 * bpf_attach_bench: side-by-side costs of the BPF back end's attach
 * families and of program loading, on the running kernel.  Built and run
 * by bpf_attach_bench.sh against a build tree's libctap.a.  Prints
 * milliseconds (median of several rounds where a round is cheap) and
 * asserts nothing.
 *
 *   tracepoint: perf event (+ BPF link) vs raw_tracepoint, attach and detach
 *   uprobes:    100 perf-PMU uprobes (one each) vs one uprobe_multi link
 *   per event:  a counting program on getppid through each tracepoint path
 *   loading:    BPF_PROG_LOAD (verifier + JIT) of small to large programs
 *   compiling:  regalloc + encoding of large branchy IR (user-space cost)
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpfmc/asm.h"
#include "bpf/attach.h"
#include "bpf/feature.h"
#include "bpfmc/ir.h"
#include "bpf/load.h"
#include "bpfmc/regalloc.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "util/arena.h"

#define UM(n)                                                                 \
	__attribute__((noipa, noinline, used)) int bench_fn_##n(int x)        \
	{                                                                     \
		__asm__ volatile("" ::: "memory");                            \
		return x + n;                                                 \
	}
#define UM10(d) UM(d##0) UM(d##1) UM(d##2) UM(d##3) UM(d##4) UM(d##5) UM(d##6) UM(d##7) UM(d##8) UM(d##9)
UM(0) UM(1) UM(2) UM(3) UM(4) UM(5) UM(6) UM(7) UM(8) UM(9)
UM10(1) UM10(2) UM10(3) UM10(4) UM10(5) UM10(6) UM10(7) UM10(8) UM10(9)

static struct arena *arena;
static struct source_table sources;
static struct diag_sink diag;
static char self[PATH_MAX];

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* if (pid_tgid >> 32 == us) count[0]++ (per-CPU); syscall id tested for raw_tp. */
static int counter_prog(struct load_ctx *lc, enum bpf_prog_type type, bool test_id,
			struct ir_map *cnt)
{
	struct ir *ir = ir_new(arena, &diag, NULL, "bench", type);
	if (type == BPF_PROG_TYPE_KPROBE && test_id == false && cnt == NULL) {
		ir_emit_exit_imm(ir, 0);
	} else {
		ir_label out = ir_new_label(ir);
		if (test_id) {
			ir_reg id = ir_new_vreg(ir);
			ir_emit_load(ir, 8, id, ir_ctx(ir), 8);
			ir_emit_jcc_imm(ir, IR_JNE, id, SYS_getppid, out);
		}
		ir_reg pt = ir_new_vreg(ir);
		ir_call_helper(ir, pt, BPF_FUNC_get_current_pid_tgid);
		ir_emit_alu_imm(ir, IR_RSH, pt, 32);
		ir_emit_jcc_imm(ir, IR_JNE, pt, getpid(), out);
		int16_t key = ir_stack_alloc(ir, 4, 4);
		ir_emit_store_imm(ir, 4, IR_FP, key, 0);
		ir_reg p = ir_new_vreg(ir);
		ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(cnt), ir_arg_stack(key));
		ir_emit_jcc_imm(ir, IR_JEQ, p, 0, out);
		ir_reg v = ir_new_vreg(ir);
		ir_emit_load(ir, 8, v, p, 0);
		ir_emit_alu_imm(ir, IR_ADD, v, 1);
		ir_emit_store(ir, 8, p, 0, v);
		ir_bind_label(ir, out);
		ir_emit_exit_imm(ir, 0);
	}
	struct asm_prog *ap = asm_build(ir);
	return ap ? load_prog(lc, ap) : -1;
}

static void bench_tracepoints(void)
{
	enum { ROUNDS = 7 };
	double pa[ROUNDS], pd[ROUNDS], ra[ROUNDS], rd[ROUNDS];
	struct ir_map *cnt = ir_map_new(arena, "cnt", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
	for (int r = 0; r < ROUNDS; r++) {
		struct load_ctx *lc = load_open(&diag, NULL);
		int tp = counter_prog(lc, BPF_PROG_TYPE_TRACEPOINT, false, cnt);
		int raw = counter_prog(lc, BPF_PROG_TYPE_RAW_TRACEPOINT, true, cnt);
		if (tp < 0 || raw < 0) {
			load_close(lc);
			return;
		}
		double t0 = load_now_ms();
		attach_tracepoint(lc, tp, "syscalls", "sys_enter_getppid", 0, NULL);
		double t1 = load_now_ms();
		load_detach_all(lc);
		double t2 = load_now_ms();
		attach_raw_tp(lc, raw, "sys_enter", NULL);
		double t3 = load_now_ms();
		load_detach_all(lc);
		double t4 = load_now_ms();
		pa[r] = t1 - t0, pd[r] = t2 - t1, ra[r] = t3 - t2, rd[r] = t4 - t3;
		load_close(lc);
	}
	printf("%-44s %12s %12s\n", "tracepoint attach / detach (median of 7)", "attach ms",
	       "detach ms");
	printf("%-44s %12.3f %12.3f\n", "  perf event (syscalls:sys_enter_getppid)", median(pa, ROUNDS),
	       median(pd, ROUNDS));
	printf("%-44s %12.3f %12.3f\n", "  raw_tracepoint (sys_enter)", median(ra, ROUNDS),
	       median(rd, ROUNDS));
}

static double getppid_ns(int n)
{
	double t0 = load_now_ms();
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (load_now_ms() - t0) * 1e6 / n;
}

static void bench_per_event(void)
{
	enum { N = 200000 };
	struct ir_map *cnt = ir_map_new(arena, "cnt2", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
	struct load_ctx *lc = load_open(&diag, NULL);
	int tp = counter_prog(lc, BPF_PROG_TYPE_TRACEPOINT, false, cnt);
	int raw = counter_prog(lc, BPF_PROG_TYPE_RAW_TRACEPOINT, true, cnt);
	double base = getppid_ns(N);
	attach_tracepoint(lc, tp, "syscalls", "sys_enter_getppid", 0, NULL);
	double with_tp = getppid_ns(N);
	load_detach_all(lc);
	attach_raw_tp(lc, raw, "sys_enter", NULL);
	double with_raw = getppid_ns(N);
	load_detach_all(lc);
	double base2 = getppid_ns(N);
	load_close(lc);
	base = base < base2 ? base : base2;
	printf("%-44s %12s\n", "per event: getppid() + counting program", "ns/event");
	printf("%-44s %12.0f\n", "  no probe (getppid itself)", base);
	printf("%-44s %12.0f\n", "  perf tracepoint: added", with_tp - base);
	printf("%-44s %12.0f\n", "  raw_tracepoint + syscall-id test: added", with_raw - base);
}

struct closer {
	struct load_attachment *items;
	uint32_t from, to;
};

static void *close_slice(void *arg)
{
	struct closer *c = arg;
	for (uint32_t i = c->to; i-- > c->from;)
		close(c->items[i].fd);
	return NULL;
}

/* Detaches lc's attachments from `threads` threads at once (to see whether
 * the kernel serialises the expensive part). */
static void detach_parallel(struct load_ctx *lc, int threads)
{
	pthread_t th[16];
	struct closer c[16];
	uint32_t n = lc->attached.len;
	for (int i = 0; i < threads; i++) {
		c[i] = (struct closer){ lc->attached.items, n * (uint32_t)i / (uint32_t)threads,
					n * (uint32_t)(i + 1) / (uint32_t)threads };
		pthread_create(&th[i], NULL, close_slice, &c[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	for (uint32_t i = 0; i < n; i++)
		free(lc->attached.items[i].what);
	lc->attached.len = 0;
}

static void bench_uprobes(void)
{
	uint64_t offs[100];
	for (int i = 0; i < 100; i++) {
		char name[32];
		snprintf(name, sizeof(name), "bench_fn_%d", i);
		if (attach_elf_offset(self, name, &offs[i]) != 0) {
			printf("uprobes: no %s in %s\n", name, self);
			return;
		}
	}
	printf("%-44s %12s %12s\n", "uprobes on 100 functions", "attach ms", "detach ms");
	for (int threads = 1; threads <= 8; threads *= 8) {
		struct load_ctx *lc = load_open(&diag, NULL);
		int fd = counter_prog(lc, BPF_PROG_TYPE_KPROBE, false, NULL);
		double t0 = load_now_ms();
		for (int i = 0; i < 100; i++) {
			struct attach_uprobe_spec s = { .path = self, .offset = offs[i], .pid = -1 };
			if (attach_uprobe(lc, fd, &s, NULL) != 0)
				break;
		}
		double t1 = load_now_ms();
		if (threads == 1)
			load_detach_all(lc);
		else
			detach_parallel(lc, threads);
		double t2 = load_now_ms();
		printf("  100 perf-PMU uprobes%-23s %12.1f %12.1f\n",
		       threads == 1 ? "" : ", closed from 8 threads", t1 - t0, t2 - t1);
		load_close(lc);
	}
	if (!feature_available(FEATURE_UPROBE_MULTI)) {
		printf("  uprobe_multi: not offered by this kernel\n");
		return;
	}
	enum { ROUNDS = 5 };
	double a[ROUNDS], d[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		struct load_ctx *lc = load_open(&diag, NULL);
		struct ir *ir = ir_new(arena, &diag, NULL, "bench_um", BPF_PROG_TYPE_KPROBE);
		ir->expected_attach_type = ATTACH_TRACE_UPROBE_MULTI;
		ir_emit_exit_imm(ir, 0);
		struct asm_prog *ap = asm_build(ir);
		int fd = ap ? load_prog(lc, ap) : -1;
		struct attach_uprobe_multi_spec s = { .path = self, .offsets = offs, .n = 100,
						      .pid = -1 };
		double t0 = load_now_ms();
		attach_uprobe_multi(lc, fd, &s, NULL);
		double t1 = load_now_ms();
		load_detach_all(lc);
		a[r] = t1 - t0, d[r] = load_now_ms() - t1;
		load_close(lc);
	}
	printf("  1 uprobe_multi link, 100 offsets (median) %12.1f %12.1f\n", median(a, ROUNDS),
	       median(d, ROUNDS));
}

/* A straight-line program of about `n` instructions with a helper call
 * every 50 (so that the verifier has state to carry). */
static struct ir *sized_prog(int n)
{
	struct ir *ir = ir_new(arena, &diag, NULL, "bench_size", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_reg acc = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, acc, 0);
	for (int i = 0; i < n / 3; i++) {
		if (i % 50 == 49) {
			ir_reg t = ir_new_vreg(ir);
			ir_call_helper(ir, t, BPF_FUNC_ktime_get_ns);
			ir_emit_alu(ir, IR_XOR, acc, t);
		} else {
			ir_emit_alu_imm(ir, IR_ADD, acc, i);
			ir_emit_alu_imm(ir, IR_MUL, acc, 3);
			ir_emit_alu_imm(ir, IR_AND, acc, 0xffff);
		}
	}
	ir_emit_exit(ir, acc);
	return ir;
}

/* Branchy IR with many short-lived vregs, six long-lived ones and a helper
 * call per step: about 8 instructions per step. */
static void bench_regalloc(void)
{
	static const int steps[] = { 1000, 10000, 100000 };
	printf("%-44s %12s %12s\n", "compile: regalloc + encode (user space)", "insns", "ms");
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct ir *ir = ir_new(arena, &diag, NULL, "ra", BPF_PROG_TYPE_RAW_TRACEPOINT);
		ir_reg live[6];
		for (int i = 0; i < 6; i++) {
			live[i] = ir_new_vreg(ir);
			ir_emit_mov_imm(ir, live[i], i);
		}
		for (int k = 0; k < steps[s]; k++) {
			ir_reg t = ir_new_vreg(ir), u = ir_new_vreg(ir);
			ir_emit_mov(ir, t, live[k % 6]);
			ir_emit_alu_imm(ir, IR_ADD, t, k);
			ir_label l = ir_new_label(ir);
			ir_emit_jcc_imm(ir, IR_JGT, t, 1000, l);
			ir_call_helper(ir, u, BPF_FUNC_ktime_get_ns);
			ir_emit_alu(ir, IR_ADD, live[(k + 1) % 6], u);
			ir_bind_label(ir, l);
			ir_emit_alu(ir, IR_XOR, live[k % 6], t);
		}
		ir_emit_exit(ir, live[0]);
		double t0 = load_now_ms();
		struct asm_prog *p = regalloc_run(ir) ? asm_encode(ir) : NULL;
		double t1 = load_now_ms();
		printf("  %-42s %12u %12.1f\n", "branchy, 6 values live across calls", p ? p->len : 0,
		       t1 - t0);
	}
}

static void bench_load(void)
{
	static const int sizes[] = { 10, 1000, 10000, 100000 };
	printf("%-44s %12s %12s\n", "program load (verifier + JIT, median of 5)", "insns", "load ms");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		double v[5];
		uint32_t len = 0;
		for (int r = 0; r < 5; r++) {
			struct load_ctx *lc = load_open(&diag, NULL);
			struct asm_prog *ap = asm_build(sized_prog(sizes[s]));
			int fd = ap ? load_prog(lc, ap) : -1;
			const struct load_prog *lp = fd >= 0 ? load_prog_info(lc, fd) : NULL;
			v[r] = lp ? lp->load_ms : -1;
			len = ap ? ap->len : 0;
			load_close(lc);
		}
		printf("  %-42s %12u %12.2f\n", "straight line, helper call every 50", len, median(v, 5));
	}
	double pr[FEATURE__COUNT], total = 0;
	feature_reset();
	for (int f = 0; f < FEATURE__COUNT; f++)
		total += pr[f] = feature_probe((enum feature)f)->ms;
	printf("%-44s %12.1f   (", "feature probes, all, first use (ms)", total);
	for (int f = 0; f < FEATURE__COUNT; f++)
		printf("%s%s %.1f", f ? ", " : "", feature_name((enum feature)f), pr[f]);
	printf(")\n");
}

int main(void)
{
	if (geteuid() != 0) {
		printf("bpf_attach_bench: needs root\n");
		return 77;
	}
	if (!realpath("/proc/self/exe", self))
		strcpy(self, "/proc/self/exe");
	arena = arena_new();
	source_table_init(&sources, arena);
	diag_init(&diag, &sources, stderr);
	struct utsname u;
	uname(&u);
	printf("kernel %s, %ld CPUs online\n", u.release, sysconf(_SC_NPROCESSORS_ONLN));
	bench_regalloc();
	bench_load();
	bench_tracepoints();
	bench_per_event();
	bench_uprobes();
	diag_fini(&diag);
	source_table_fini(&sources);
	arena_free(arena);
	return 0;
}
