/*
 * bpf_core_test: the BPF back end's machine layer, end to end on the
 * running kernel.
 *
 * Every case builds IR by hand (the way the lowering will), allocates,
 * encodes, loads and - where the case is about the kernel - attaches and
 * fires it for real, then checks values read back from maps or ring
 * buffers.  Cases needing root/BPF print "skip - NAME: reason" when
 * those are missing; on the development machines they all run.  Timing
 * figures are printed as "# " comments (never asserted: see bench/).
 *
 * Uprobe targets are functions of this binary (ctap_test_target and the
 * ctap_um_N family), found through its own ELF symbol table.
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include "bpfmc/asm.h"
#include "bpf/attach.h"
#include "bpfmc/btf_emit.h"
#include "bpf/feature.h"
#include "bpfmc/ir.h"
#include "bpf/load.h"
#include "bpf/loop.h"
#include "bpfmc/regalloc.h"
#include "bpf/ringbuf.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "util/arena.h"
#include "util/strbuf.h"

#include "bpf_unit.h"

/* The script the tags point into. */
static const char script[] =
	"probe begin {\n"
	"  x = counts[1]\n"
	"  printf(\"%d\\n\", x)\n"
	"}\n";

static void t_open(struct t *t)
{
	t_open_with(t, script);
	/* toks[0] = "probe" (1:1), toks[1] = "counts" (2:7), toks[2] = "printf" (3:3) */
	const struct { uint32_t line, col, off, len; const char *text; } tk[] = {
		{ 1, 1, 0, 5, "probe" }, { 2, 7, 20, 6, "counts" }, { 3, 3, 32, 6, "printf" },
	};
	for (int i = 0; i < 3; i++)
		t->toks[i] = (struct token){ .kind = TK_IDENT, .text = tk[i].text, .len = tk[i].len,
					     .loc = { t->file->id, tk[i].line, tk[i].col, tk[i].off },
					     .src_len = tk[i].len };
}

typedef void (*case_fn)(void);

static void run_case(const char *name, case_fn fn, bool needs_bpf)
{
	run_case_if(name, fn, needs_bpf, NULL);
}

static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# %s: ", case_name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

/* Results map: one entry holding 64 u64 slots. */
#define NRES 64

static struct ir_map *results_map(struct t *t)
{
	return ir_map_new(t->a, "results", BPF_MAP_TYPE_ARRAY, 4, NRES * 8, 1, 0);
}

/* Emits p = &results[0] (exits with 0 if the lookup fails). */
static ir_reg emit_results_ptr(struct ir *ir, const struct ir_map *m)
{
	int16_t key = ir_stack_alloc(ir, 4, 4);
	ir_emit_store_imm(ir, 4, IR_FP, key, 0);
	ir_reg p = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(m), ir_arg_stack(key));
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JNE, p, 0, ok);
	ir_emit_exit_imm(ir, 0);
	ir_bind_label(ir, ok);
	return p;
}

/* Emits counter[index] += 1 (array or per-CPU array of u64). */
static void emit_count(struct ir *ir, const struct ir_map *m, ir_reg index_or_noreg,
		       int32_t index)
{
	int16_t key = ir_stack_alloc(ir, 4, 4);
	if (index_or_noreg == IR_NOREG)
		ir_emit_store_imm(ir, 4, IR_FP, key, index);
	else
		ir_emit_store(ir, 4, IR_FP, key, index_or_noreg);
	ir_reg p = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(m), ir_arg_stack(key));
	ir_label done = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, p, 0, done);
	ir_reg one = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, one, 1);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, p, 0, one, false);
	ir_bind_label(ir, done);
}

static bool read_results(struct ir_map *m, uint64_t *out)
{
	uint32_t key = 0;
	return bpf_map_lookup_elem(m->fd, &key, out) == 0;
}

/* Sum over CPUs of entry `key` of a per-CPU array of u64. */
static uint64_t percpu_sum(struct ir_map *m, uint32_t key)
{
	int n = libbpf_num_possible_cpus();
	uint64_t *v = calloc((size_t)n, 8), sum = 0;
	if (bpf_map_lookup_elem(m->fd, &key, v) == 0)
		for (int i = 0; i < n; i++)
			sum += v[i];
	free(v);
	return sum;
}

static uint64_t array_u64(struct ir_map *m, uint32_t key)
{
	uint64_t v = 0;
	bpf_map_lookup_elem(m->fd, &key, &v);
	return v;
}

/* Allocate, encode, load; returns the fd or -1 (after fail()). */
static int build_load(struct t *t, struct ir *ir)
{
	struct asm_prog *p = asm_build(ir);
	if (!p) {
		fail("%s did not build: %s", ir->name, t_diag(t));
		return -1;
	}
	if (getenv("CTAP_TEST_LISTINGS")) { /* debugging aid: the annotated listing */
		struct strbuf sb = STRBUF_INIT;
		asm_listing(p, &t->tagger, &sb);
		fputs(strbuf_str(&sb), stdout);
		strbuf_free(&sb);
	}
	int fd = load_prog(t->lc, p);
	if (fd < 0)
		fail("%s did not load: %s", ir->name, t_diag(t));
	return fd;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* ------------------------------------------------------------ uprobe targets */

__attribute__((noipa, noinline, used)) long ctap_test_target(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a * 3 + b;
}

#define UM(n)                                                                       \
	__attribute__((noipa, noinline, used)) int ctap_um_##n(int x)               \
	{                                                                           \
		__asm__ volatile("" ::: "memory");                                  \
		return x + n;                                                       \
	}
#define UM10(d) UM(d##0) UM(d##1) UM(d##2) UM(d##3) UM(d##4) UM(d##5) UM(d##6) UM(d##7) UM(d##8) UM(d##9)
UM(0) UM(1) UM(2) UM(3) UM(4) UM(5) UM(6) UM(7) UM(8) UM(9)
UM10(1) UM10(2) UM10(3) UM10(4) UM10(5) UM10(6) UM10(7) UM10(8) UM10(9)
#define UMREF(n) ctap_um_##n,
#define UMREF10(d) UMREF(d##0) UMREF(d##1) UMREF(d##2) UMREF(d##3) UMREF(d##4) UMREF(d##5) \
	UMREF(d##6) UMREF(d##7) UMREF(d##8) UMREF(d##9)
static int (*const um_funcs[100])(int) = {
	UMREF(0) UMREF(1) UMREF(2) UMREF(3) UMREF(4) UMREF(5) UMREF(6) UMREF(7) UMREF(8) UMREF(9)
	UMREF10(1) UMREF10(2) UMREF10(3) UMREF10(4) UMREF10(5) UMREF10(6) UMREF10(7) UMREF10(8)
	UMREF10(9)
};

static char self_path[PATH_MAX];

static const char *self_exe(void)
{
	if (!self_path[0] && !realpath("/proc/self/exe", self_path))
		strcpy(self_path, "/proc/self/exe");
	return self_path;
}


/* ============================================================ no kernel */

/* More than 512 bytes of stack is an error at the construct that asked. */
static void case_stack_budget(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "big", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_set_tag(ir, &t.toks[1]);
	int16_t a = ir_stack_alloc(ir, 400, 8);
	CHECK(a == -400 && !ir_failed(ir), "first slot at %d", a);
	ir_stack_alloc(ir, 200, 8);
	CHECK(ir_failed(ir), "600 bytes accepted");
	CHECK(strstr(t_diag(&t), "BPF stack budget exceeded: 600 bytes needed in 'big', at most 512"),
	      "message: %s", t_diag(&t));
	CHECK(strstr(t_diag(&t), "t.stp:2:7"), "no location: %s", t_diag(&t));
	CHECK(asm_build(ir) == NULL, "a failed IR still encoded");
out:
	t_close(&t);
}

/* Spill slots are charged to the same budget: pressure near the limit
 * must fail loudly rather than corrupt the frame. */
static void case_spill_budget(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "spilly", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_set_tag(ir, &t.toks[2]);
	ir_stack_alloc(ir, 504, 8);
	ir_reg v[16];
	for (int i = 0; i < 16; i++) {
		v[i] = ir_new_vreg(ir);
		ir_emit_mov_imm(ir, v[i], i);
	}
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_ktime_get_ns);
	ir_reg sum = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, sum, 0);
	for (int i = 0; i < 16; i++)
		ir_emit_alu(ir, IR_ADD, sum, v[i]);
	ir_emit_exit(ir, sum);
	CHECK(!ir_failed(ir), "IR failed early: %s", t_diag(&t));
	CHECK(!regalloc_run(ir), "spills beyond 512 bytes accepted");
	CHECK(strstr(t_diag(&t), "BPF stack budget exceeded"), "message: %s", t_diag(&t));
out:
	t_close(&t);
}

/* A sub-function's frame adds to its caller's along the call chain. */
static void case_call_chain_budget(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "chain", BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir_func *f = ir_func_new(ir, "deep", 1);
	struct ir_func *m = ir_func_select(ir, f);
	int16_t s = ir_stack_alloc(ir, 300, 8);
	ir_emit_stack_zero(ir, s, 8);
	ir_emit_exit_imm(ir, 0);
	ir_func_select(ir, m);
	int16_t s2 = ir_stack_alloc(ir, 300, 8);
	ir_emit_stack_zero(ir, s2, 8);
	ir_call_func(ir, IR_NOREG, f, ir_arg_imm(1));
	ir_emit_exit_imm(ir, 0);
	CHECK(!ir_failed(ir), "IR failed: %s", t_diag(&t));
	CHECK(asm_build(ir) == NULL, "a 640-byte call chain was accepted");
	/* 300 + 300, each frame rounded up to 32 as the verifier counts */
	CHECK(strstr(t_diag(&t), "the call chain chain (320) -> deep (320) needs 640 bytes"),
	      "message: %s", t_diag(&t));
out:
	t_close(&t);
}

/* A sub-function's spill slots are in its own frame: they were taken from
 * whichever function the builders had selected (main, after lowering), so
 * the sub-function's frame did not count them and main's grew instead, and
 * a slot could land on the sub-function's own stack data. */
static void case_spill_subfunc(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "subspill", BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir_func *f = ir_func_new(ir, "spiller", 1);
	struct ir_func *m = ir_func_select(ir, f);
	int16_t own = ir_stack_alloc(ir, 16, 8);
	ir_emit_stack_zero(ir, own, 16);
	ir_reg a = ir_new_vreg(ir);
	ir_emit_mov(ir, a, ir_func_arg(ir, 0));
	ir_reg v[12];
	for (int i = 0; i < 12; i++) {
		v[i] = ir_new_vreg(ir);
		ir_emit_mov(ir, v[i], a);
		ir_emit_alu_imm(ir, IR_ADD, v[i], i);
	}
	ir_reg ts = ir_new_vreg(ir);
	ir_call_helper(ir, ts, BPF_FUNC_ktime_get_ns);
	ir_reg sum = ir_new_vreg(ir);
	ir_emit_mov(ir, sum, ts);
	for (int i = 0; i < 12; i++)
		ir_emit_alu(ir, IR_ADD, sum, v[i]);
	ir_emit_store(ir, 8, IR_FP, own, sum);
	ir_emit_load(ir, 8, sum, IR_FP, own);
	ir_emit_exit(ir, sum);
	ir_func_select(ir, m);
	int16_t mine = ir_stack_alloc(ir, 8, 8);
	ir_emit_stack_zero(ir, mine, 8);
	ir_call_func(ir, IR_NOREG, f, ir_arg_imm(3));
	ir_emit_exit_imm(ir, 0);
	struct ir_func *mainf = ir->funcs.items[0];
	CHECK(mainf != f, "main is not the first function");
	uint32_t main_stack = mainf->stack;
	CHECK(regalloc_run(ir), "regalloc: %s", t_diag(&t));
	CHECK(f->nspills > 0, "nothing spilled in the sub-function");
	CHECK(mainf->stack == main_stack, "main's frame grew from %u to %u bytes",
	      main_stack, mainf->stack);
	CHECK(f->stack >= 16 + 8, "the sub-function's frame is %u bytes with %u spills",
	      f->stack, f->nspills);
	/* every 8-byte access below its own 16 bytes is a spill slot it counts */
	vec_foreach(&f->insns, i) {
		const struct ir_insn *in = &f->insns.items[i];
		int32_t off = in->kind == IRK_STORE && in->dst == IR_FP   ? in->off
			      : in->kind == IRK_LOAD && in->src == IR_FP ? in->off
									 : 0;
		CHECK(off >= -(int32_t)f->stack, "slot at %d outside a %u-byte frame", off, f->stack);
	}
out:
	t_close(&t);
}

/* A range check on a spilled value must leave its bounds in the slot:
 * Linux 6.1 forgets them between a load of an unbounded spilled scalar and
 * the slot, so the allocator stores the compared value back on both edges
 * (the later "pointer + value" reloads it from the slot). */
static void case_spill_compare_writeback(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "cmpspill", BPF_PROG_TYPE_RAW_TRACEPOINT);
	int16_t cell = ir_stack_alloc(ir, 8, 8);
	ir_emit_stack_zero(ir, cell, 8);
	ir_reg pos = ir_new_vreg(ir);
	ir_emit_load(ir, 8, pos, IR_FP, cell);
	ir_reg v[12];
	for (int i = 0; i < 12; i++) {
		v[i] = ir_new_vreg(ir);
		ir_emit_mov_imm(ir, v[i], i);
	}
	ir_reg ts = ir_new_vreg(ir);
	ir_call_helper(ir, ts, BPF_FUNC_ktime_get_ns);
	ir_label in_range = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLE, pos, 100, in_range);
	ir_emit_mov_imm(ir, pos, 100);
	ir_bind_label(ir, in_range);
	ir_reg sum = ir_new_vreg(ir);
	ir_emit_mov(ir, sum, ts);
	for (int i = 0; i < 12; i++)
		ir_emit_alu(ir, IR_ADD, sum, v[i]);
	ir_emit_alu(ir, IR_ADD, sum, pos);
	ir_emit_exit(ir, sum);
	CHECK(regalloc_run(ir), "regalloc: %s", t_diag(&t));
	struct ir_func *f = ir->funcs.items[0];
	CHECK(f->nspills > 0, "nothing spilled");
	uint32_t checked = 0;
	vec_foreach(&f->insns, i) {
		const struct ir_insn *in = &f->insns.items[i];
		if (in->kind != IRK_JCC || !(in->flags & IRF_IMM) || in->imm != 100 || i == 0)
			continue;
		const struct ir_insn *ld = &f->insns.items[i - 1];
		CHECK(ld->kind == IRK_LOAD && ld->src == IR_FP && ld->dst == in->dst,
		      "the compared value is not a fresh load of its slot");
		const struct ir_insn *fall = &f->insns.items[i + 1];
		CHECK(fall->kind == IRK_STORE && fall->dst == IR_FP && fall->off == ld->off &&
			      fall->src == in->dst,
		      "no store back to slot %d on the fall-through edge", ld->off);
		bool taken = false;
		vec_foreach(&f->insns, j) {
			const struct ir_insn *lb = &f->insns.items[j];
			if (lb->kind == IRK_LABEL && lb->label == in->label && j + 1 < f->insns.len) {
				const struct ir_insn *st = &f->insns.items[j + 1];
				taken = st->kind == IRK_STORE && st->dst == IR_FP &&
					st->off == ld->off && st->src == in->dst;
			}
		}
		CHECK(taken, "no store back to slot %d on the taken edge", ld->off);
		checked++;
	}
	CHECK(checked == 1, "%u range checks on the spilled value, expected 1", checked);
out:
	t_close(&t);
}

/* Calls nested deeper than the verifier's eight frames are refused, and
 * the chain kept for the listing stays within its arrays. */
static void case_call_depth_budget(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "nest", BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir_func *main_fn = NULL, *callee = NULL;
	/* f11 is the innermost; each f(i) calls f(i+1) */
	for (int i = 11; i >= 1; i--) {
		char name[8];
		snprintf(name, sizeof(name), "f%d", i);
		struct ir_func *f = ir_func_new(ir, arena_strdup(t.a, name), 0);
		struct ir_func *prev = ir_func_select(ir, f);
		if (!main_fn)
			main_fn = prev;
		if (callee)
			ir_call_func(ir, IR_NOREG, callee);
		ir_emit_exit_imm(ir, 0);
		callee = f;
	}
	ir_func_select(ir, main_fn);
	ir_call_func(ir, IR_NOREG, callee);
	ir_emit_exit_imm(ir, 0);
	CHECK(!ir_failed(ir), "IR failed: %s", t_diag(&t));
	CHECK(asm_build(ir) == NULL, "calls nested 12 frames deep were accepted");
	CHECK(strstr(t_diag(&t), "BPF calls nest 12 frames deep, more than the 8"), "message: %s",
	      t_diag(&t));
out:
	t_close(&t);
}

/* Branch offsets are 16 bits: a longer jump is an error, not a wrap. */
static void case_jump_range(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "far", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_reg v = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, v, 0);
	ir_label l = ir_new_label(ir);
	ir_set_tag(ir, &t.toks[1]);
	ir_emit_jcc_imm(ir, IR_JEQ, v, 0, l);
	ir_set_tag(ir, NULL);
	for (int i = 0; i < 33000; i++)
		ir_emit_alu_imm(ir, IR_ADD, v, 1);
	ir_bind_label(ir, l);
	ir_emit_exit(ir, v);
	CHECK(asm_build(ir) == NULL, "a 33000-instruction jump was encoded");
	CHECK(strstr(t_diag(&t), "BPF branch too far (33000 instructions, in a program of 33003)"),
	      "message: %s", t_diag(&t));
	CHECK(strstr(t_diag(&t), "signed 16-bit offset"), "message: %s",
	      t_diag(&t));
	CHECK(strstr(t_diag(&t), "t.stp:2:7"), "no location: %s", t_diag(&t));
out:
	t_close(&t);
}

/* Code-generator mistakes are caught at the builder, as internal errors. */
static void case_builder_checks(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "bad", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_emit_mov_imm(ir, IR_FP, 1);
	CHECK(ir_failed(ir) && strstr(t_diag(&t), "frame pointer r10 is read-only"), "%s",
	      t_diag(&t));
	ir->failed = false;
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_map_lookup_elem, ir_arg_imm(1));
	CHECK(ir_failed(ir) && strstr(t_diag(&t), "helper map_lookup_elem takes 2 arguments, not 1"),
	      "%s", t_diag(&t));
	ir->failed = false;
	ir_emit_mov_imm(ir, IR_R6, 1);
	CHECK(ir_failed(ir) && strstr(t_diag(&t), "r6 is reserved"), "%s", t_diag(&t));
	ir->failed = false;
	ir_label l = ir_new_label(ir);
	ir_emit_jmp(ir, l);
	ir_emit_exit_imm(ir, 0);
	CHECK(!ir_failed(ir), "%s", t_diag(&t));
	CHECK(!regalloc_run(ir) && strstr(t_diag(&t), "not bound"), "unbound label: %s",
	      t_diag(&t));
out:
	t_close(&t);
}

/* A vreg read on a path where nothing wrote it is a code-generator bug
 * the verifier lets through for root when the vreg is spilled (stale
 * stack): register allocation refuses it (this is how a print's record
 * position, clobbered by an error raised among its arguments, showed). */
static void case_undefined_vreg(void)
{
	struct t t;
	t_open(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "undef", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_set_tag(ir, &t.toks[1]);
	ir_reg v = ir_new_vreg(ir), c = ir_new_vreg(ir);
	ir_label skip = ir_new_label(ir);
	ir_emit_load(ir, 8, c, ir_ctx(ir), 8);
	ir_emit_jcc_imm(ir, IR_JEQ, c, 0, skip);
	ir_emit_mov_imm(ir, v, 1);     /* only this path writes v */
	ir_bind_label(ir, skip);
	ir_emit_exit(ir, v);
	CHECK(!regalloc_run(ir) && strstr(t_diag(&t), "may be read before it is written"),
	      "accepted: %s", t_diag(&t));
	CHECK(strstr(t_diag(&t), "t.stp:2:7"), "no location: %s", t_diag(&t));
out:
	t_close(&t);
}

/* The listing: verifier syntax, one line per instruction, tagged. */
static void case_listing(void)
{
	struct t t;
	t_open(&t);
	struct ir_map *m = ir_map_new(t.a, "counts", BPF_MAP_TYPE_HASH, 8, 8, 1024, 0);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "probe_0", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_set_tag(ir, &t.toks[1]);
	int16_t key = ir_stack_alloc(ir, 8, 8);
	ir_reg pid = ir_new_vreg(ir);
	ir_call_helper(ir, pid, BPF_FUNC_get_current_pid_tgid);
	ir_emit_alu_imm(ir, IR_RSH, pid, 32);
	ir_emit_store(ir, 8, IR_FP, key, pid);
	ir_reg p = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(m), ir_arg_stack(key));
	ir_set_tag(ir, &t.toks[2]);
	ir_emit_exit_imm(ir, 0);
	struct strbuf dump = STRBUF_INIT;
	ir_dump(ir, &dump);
	bool dump_ok = strstr(strbuf_str(&dump), "%0 = r1") &&
		       strstr(strbuf_str(&dump), "call get_current_pid_tgid#14 (0 args)") &&
		       strstr(strbuf_str(&dump), "%1 >>= 32") &&
		       strstr(strbuf_str(&dump), "r1 = map[counts]") &&
		       strstr(strbuf_str(&dump), "; t.stp:2:7 x = counts[1]");
	if (!dump_ok)
		fail("IR dump:\n%s", strbuf_str(&dump));
	strbuf_free(&dump);
	CHECK(dump_ok, "dump");
	struct asm_prog *ap = asm_build(ir);
	CHECK(ap, "build: %s", t_diag(&t));
	struct strbuf sb = STRBUF_INIT;
	asm_listing(ap, &t.tagger, &sb);
	const char *want[] = {
		"; program probe_0:",
		";   map counts: hash, key 8, value 8, 1024 entries",
		"(85) call bpf_get_current_pid_tgid#14",
		"(77) r0 >>= 32",
		"(7b) *(u64 *)(r10 -8) = r0",
		"(18) r1 = map[counts] ll",
		"(85) call bpf_map_lookup_elem#1",
		"; t.stp:2:7 x = counts[1]",
		"(b7) r0 = 0",
		"; t.stp:3:3 printf(",
		"(95) exit",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(strbuf_str(&sb), want[i])) {
			fail("listing lacks '%s':\n%s", want[i], strbuf_str(&sb));
			break;
		}
	strbuf_free(&sb);
out:
	t_close(&t);
}

/* feature_require's message names the probe and every verdict. */
static void case_feature_message(void)
{
	struct t t;
	t_open(&t);
	feature_override(FEATURE_KPROBE, EOPNOTSUPP);
	feature_override(FEATURE_FENTRY, EPERM);
	const enum feature alts[] = { FEATURE_KPROBE, FEATURE_FENTRY };
	int r = feature_require(&t.diag, &t.toks[0], "kernel.function probes", "kprobes or fentry",
				alts, 2);
	CHECK(r == -1, "feature_require returned %d", r);
	CHECK(strstr(t_diag(&t), "kernel.function probes need kprobes or fentry; this kernel offers "
				 "neither (kprobe: EOPNOTSUPP, fentry: EPERM)"),
	      "message: %s", t_diag(&t));
	const char *bad = NULL;
	CHECK(feature_parse_overrides("tp_btf=ok,uprobe_multi=EINVAL", &bad), "parse: %s", bad);
	CHECK(feature_available(FEATURE_TP_BTF) && !feature_available(FEATURE_UPROBE_MULTI) &&
	      feature_probe(FEATURE_UPROBE_MULTI)->err == EINVAL, "overrides not applied");
	CHECK(!feature_parse_overrides("nosuch=ok", &bad) && !strcmp(bad, "nosuch=ok"),
	      "bad override accepted");
out:
	feature_reset();
	t_close(&t);
}

/* ============================================================ on the kernel */

/* Runs a raw_tracepoint program once with two u64 args. */
static bool run_once(struct t *t, int fd, uint64_t a, uint64_t b, uint32_t *ret)
{
	uint64_t args[2] = { a, b };
	uint32_t r = 0;
	if (attach_run_once(t->lc, fd, args, 2, &r, NULL) != 0) {
		fail("test run failed: %s", t_diag(t));
		return false;
	}
	if (ret)
		*ret = r;
	return true;
}

/* Every map type the back end uses, with names the kernel would refuse
 * as they are (sanitised into kname). */
static void case_map_types(void)
{
	struct t t;
	t_open(&t);
	static const enum bpf_map_type types[] = { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH,
						   BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY,
						   BPF_MAP_TYPE_LRU_HASH };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		bool array = types[i] == BPF_MAP_TYPE_ARRAY || types[i] == BPF_MAP_TYPE_PERCPU_ARRAY;
		struct ir_map *m = ir_map_new(t.a, "global::var-with a long name", types[i],
					      array ? 4 : 8, 16, 64, 0);
		CHECK(!strcmp(m->kname, "global__var_wit"), "kname '%s'", m->kname);
		CHECK(load_map(t.lc, m) == 0, "%s: %s", ir_map_type_name(types[i]), t_diag(&t));
		struct bpf_map_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		CHECK(bpf_obj_get_info_by_fd(m->fd, &info, &len) == 0 &&
		      !strcmp(info.name, "global__var_wit"), "kernel name '%s'", info.name);
		CHECK(load_map(t.lc, m) == 0, "second load_map not idempotent");
	}
	struct ir_map *rb = ringbuf_map_new(t.a, "rb", 5000);
	CHECK(rb->max_entries == 8192 && load_map(t.lc, rb) == 0, "ringbuf of %u: %s",
	      rb->max_entries, t_diag(&t));
	struct ir_map *bad = ir_map_new(t.a, "bad", BPF_MAP_TYPE_ARRAY, 3, 0, 1, 0);
	CHECK(load_map(t.lc, bad) < 0, "an array map with a 3-byte key was created");
	CHECK(strstr(t_diag(&t), "cannot create BPF map 'bad' (array, key 3, value 0, 1 entries)"),
	      "%s", t_diag(&t));
out:
	t_close(&t);
}

/* A frozen read-only map holds the format string bpf_snprintf insists on
 * (BPF_F_RDONLY_PROG), reached with a direct map-value load. */
static void case_rodata_snprintf(void)
{
	struct t t;
	t_open(&t);
	struct ir_map *ro = ir_map_rodata(t.a, "strings");
	uint32_t hello = ir_rodata_add(t.a, ro, "hello", 6, 1);
	uint32_t fmt = ir_rodata_add(t.a, ro, "n=%d hex=%x", 12, 8);
	CHECK(ir_rodata_add(t.a, ro, "hello", 6, 1) == hello, "identical strings stored twice");
	struct ir_map *res = results_map(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "fmt", BPF_PROG_TYPE_RAW_TRACEPOINT);
	int16_t out = ir_stack_alloc(ir, 64, 8), data = ir_stack_alloc(ir, 16, 8);
	ir_emit_stack_zero(ir, out, 64);
	ir_reg a = ir_new_vreg(ir), b = ir_new_vreg(ir);
	ir_emit_load(ir, 8, a, ir_ctx(ir), 0);
	ir_emit_load(ir, 8, b, ir_ctx(ir), 8);
	ir_emit_store(ir, 8, IR_FP, data, a);
	ir_emit_store(ir, 8, IR_FP, (int16_t)(data + 8), b);
	ir_reg n = ir_new_vreg(ir);
	ir_call_helper(ir, n, BPF_FUNC_snprintf, ir_arg_stack(out), ir_arg_imm(64),
		       ir_arg_map_value(ro, fmt), ir_arg_stack(data), ir_arg_imm(16));
	ir_reg p = emit_results_ptr(ir, res);
	for (int i = 0; i < 8; i++) {
		ir_reg w = ir_new_vreg(ir);
		ir_emit_load(ir, 8, w, IR_FP, (int16_t)(out + 8 * i));
		ir_emit_store(ir, 8, p, (int16_t)(8 * i), w);
	}
	ir_reg h = ir_new_vreg(ir), c = ir_new_vreg(ir); /* results[8] = "hello"[1] */
	ir_emit_ld_map_value(ir, h, ro, hello);
	ir_emit_load(ir, 1, c, h, 1);
	ir_emit_store(ir, 8, p, 64, c);
	ir_emit_store(ir, 8, p, 72, n);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	CHECK(run_once(&t, fd, (uint64_t)-5, 255, NULL), "run");
	uint64_t r[NRES];
	CHECK(read_results(res, r), "read");
	CHECK(!strcmp((const char *)r, "n=-5 hex=ff"), "snprintf gave '%.64s'", (const char *)r);
	CHECK(r[8] == 'e' && r[9] == 12, "rodata byte %llu, length %llu",
	      (unsigned long long)r[8], (unsigned long long)r[9]);
	uint32_t zero = 0;
	char v[64];
	CHECK(bpf_map_update_elem(ro->fd, &zero, v, BPF_ANY) < 0, "the rodata map is writable");
out:
	t_close(&t);
}

/* ALU, immediates, byte swaps, comparisons, a bounded loop and an atomic,
 * computed by BPF_PROG_TEST_RUN and compared with C. */
static void case_alu_branches(void)
{
	struct t t;
	t_open(&t);
	bool sdiv = feature_available(FEATURE_SDIV);
	struct ir_map *res = results_map(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "alu", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_reg ctx = ir_ctx(ir), a = ir_new_vreg(ir), b = ir_new_vreg(ir);
	ir_emit_load(ir, 8, a, ctx, 0);
	ir_emit_load(ir, 8, b, ctx, 8);
	ir_reg p = emit_results_ptr(ir, res);
	int slot = 0;
#define STORE(v) ir_emit_store(ir, 8, p, (int16_t)(8 * slot++), (v))
	static const enum ir_alu ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_DIV, IR_MOD,
					   IR_OR, IR_AND, IR_XOR };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		ir_reg v = ir_new_vreg(ir);
		ir_emit_alu3(ir, ops[i], v, a, b);                      /* 0..7 */
		STORE(v);
	}
	ir_reg v = ir_new_vreg(ir);
	ir_emit_mov(ir, v, a), ir_emit_alu_imm(ir, IR_LSH, v, 3), STORE(v);   /* 8 */
	v = ir_new_vreg(ir);
	ir_emit_mov(ir, v, a), ir_emit_alu_imm(ir, IR_RSH, v, 7), STORE(v);   /* 9 */
	v = ir_new_vreg(ir);
	ir_emit_mov(ir, v, a), ir_emit_alu_imm(ir, IR_ARSH, v, 7), STORE(v);  /* 10 */
	v = ir_new_vreg(ir);
	ir_emit_mov(ir, v, a), ir_emit_neg(ir, v), STORE(v);                  /* 11 */
	v = ir_new_vreg(ir);
	ir_emit_mov(ir, v, a), ir_emit_alu32(ir, IR_ADD, v, b), STORE(v);     /* 12 */
	v = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, v, 0x123456789abcdef0LL), STORE(v);               /* 13 */
	v = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, v, 0xffffffffLL), STORE(v);                       /* 14 */
	v = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, v, -1), STORE(v);                                 /* 15 */
	v = ir_new_vreg(ir);
	if (sdiv)
		ir_emit_alu3(ir, IR_SDIV, v, a, b);
	else
		ir_emit_mov_imm(ir, v, -123456);
	STORE(v);                                                             /* 16 */
	v = ir_new_vreg(ir);
	if (sdiv)
		ir_emit_alu3(ir, IR_SMOD, v, a, b);
	else
		ir_emit_mov_imm(ir, v, -789);
	STORE(v);                                                             /* 17 */
	v = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, v, 0x11223344), ir_emit_bswap(ir, v, true, 32), STORE(v); /* 18 */
	/* 19: a s< b, 20: a < b (unsigned), as 0/1 through branches */
	for (int k = 0; k < 2; k++) {
		v = ir_new_vreg(ir);
		ir_label yes = ir_new_label(ir), join = ir_new_label(ir);
		ir_emit_jcc(ir, k == 0 ? IR_JSLT : IR_JLT, a, b, yes);
		ir_emit_mov_imm(ir, v, 0);
		ir_emit_jmp(ir, join);
		ir_bind_label(ir, yes);
		ir_emit_mov_imm(ir, v, 1);
		ir_bind_label(ir, join);
		STORE(v);
	}
	/* 21: for (i = 1; i <= 100; i++) s += i; */
	ir_reg s = ir_new_vreg(ir), i = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, s, 0);
	ir_emit_mov_imm(ir, i, 1);
	ir_label top = ir_new_label(ir);
	ir_bind_label(ir, top);
	ir_emit_alu(ir, IR_ADD, s, i);
	ir_emit_alu_imm(ir, IR_ADD, i, 1);
	ir_emit_jcc_imm(ir, IR_JLE, i, 100, top);
	STORE(s);
	/* 22: alu3 where dst is the second operand: b2 = a - b2 */
	v = ir_new_vreg(ir);
	ir_emit_mov(ir, v, b), ir_emit_alu3(ir, IR_SUB, v, a, v), STORE(v);
	/* 23, 24: slot 23 = 5; old = fetch_add(slot 23, 10) */
	v = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, v, 5);
	ir_emit_store(ir, 8, p, 8 * 23, v);
	ir_reg old = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, old, 10);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, p, 8 * 23, old, true);
	ir_emit_store(ir, 8, p, 8 * 24, old);
	slot = 25;
	v = ir_new_vreg(ir);
	ir_emit_mov(ir, v, a), ir_emit_alu_imm(ir, IR_ADD, v, 0x100000000LL), STORE(v); /* 25 */
	v = ir_new_vreg(ir);                                                  /* 26 */
	ir_label ne = ir_new_label(ir), j2 = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JNE, a, 0x100000000LL, ne);
	ir_emit_mov_imm(ir, v, 0);
	ir_emit_jmp(ir, j2);
	ir_bind_label(ir, ne);
	ir_emit_mov_imm(ir, v, 1);
	ir_bind_label(ir, j2);
	STORE(v);
	v = ir_new_vreg(ir);                                                  /* 27 */
	ir_emit_mov(ir, v, b), ir_emit_alu32_imm(ir, IR_MUL, v, -3), STORE(v);
#undef STORE
	ir_emit_exit_imm(ir, 7);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);

	int64_t A = -123456789, B = 1000;
	uint32_t ret = 0;
	CHECK(run_once(&t, fd, (uint64_t)A, (uint64_t)B, &ret), "run");
	CHECK(ret == 7, "return value %u", ret);
	uint64_t r[NRES];
	CHECK(read_results(res, r), "read results");
	uint64_t ua = (uint64_t)A, ub = (uint64_t)B;
	uint64_t want[28] = {
		ua + ub, ua - ub, ua * ub, ua / ub, ua % ub, ua | ub, ua & ub, ua ^ ub,
		ua << 3, ua >> 7, (uint64_t)(A >> 7), (uint64_t)-A,
		(uint32_t)((uint32_t)ua + (uint32_t)ub), 0x123456789abcdef0ULL, 0xffffffffULL,
		UINT64_MAX, sdiv ? (uint64_t)(A / B) : (uint64_t)-123456,
		sdiv ? (uint64_t)(A % B) : (uint64_t)-789, 0x44332211, A < B, ua < ub, 5050,
		ua - ub, 15, 5, ua + 0x100000000ULL, ua != 0x100000000ULL,
		(uint32_t)((uint32_t)ub * (uint32_t)-3),
	};
	for (int k = 0; k < 28; k++)
		CHECK(r[k] == want[k], "slot %d: got %#llx, want %#llx", k, (unsigned long long)r[k],
		      (unsigned long long)want[k]);
	if (!sdiv)
		note("signed division not offered by this kernel: slots 16-17 not checked");
out:
	t_close(&t);
}

/* 24 values live across two helper calls: most must be spilled, and all
 * must come back intact. */
static void case_spills(void)
{
	struct t t;
	t_open(&t);
	struct ir_map *res = results_map(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "spills", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_reg a = ir_new_vreg(ir);
	ir_emit_load(ir, 8, a, ir_ctx(ir), 0);
	ir_reg v[24];
	for (int i = 0; i < 24; i++) {
		v[i] = ir_new_vreg(ir);
		ir_emit_mov(ir, v[i], a);
		ir_emit_alu_imm(ir, IR_MUL, v[i], i + 1);
		ir_emit_alu_imm(ir, IR_ADD, v[i], 1000 * i);
	}
	ir_reg ts = ir_new_vreg(ir);
	ir_call_helper(ir, ts, BPF_FUNC_ktime_get_ns);
	ir_reg p = emit_results_ptr(ir, res);
	ir_reg sum = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, sum, 0);
	for (int i = 0; i < 24; i++) {
		ir_emit_store(ir, 8, p, (int16_t)(8 * i), v[i]);
		ir_emit_alu(ir, IR_ADD, sum, v[i]);
	}
	ir_emit_store(ir, 8, p, 8 * 24, sum);
	ir_label pos = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JNE, ts, 0, pos);
	ir_emit_exit_imm(ir, 1);
	ir_bind_label(ir, pos);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	uint32_t spilled = ir->funcs.items[0]->nspills;
	CHECK(spilled >= 16, "only %u vregs spilled", spilled);
	uint32_t ret;
	CHECK(run_once(&t, fd, 77, 0, &ret), "run");
	CHECK(ret == 0, "ktime_get_ns returned 0?");
	uint64_t r[NRES], sumw = 0;
	CHECK(read_results(res, r), "read");
	for (int i = 0; i < 24; i++) {
		uint64_t w = 77ull * (i + 1) + 1000ull * i;
		sumw += w;
		CHECK(r[i] == w, "value %d: %llu, want %llu", i, (unsigned long long)r[i],
		      (unsigned long long)w);
	}
	CHECK(r[24] == sumw, "sum %llu, want %llu", (unsigned long long)r[24],
	      (unsigned long long)sumw);
	note("%u vregs spilled, %u bytes of stack", spilled, ir->funcs.items[0]->stack);
out:
	t_close(&t);
}

/* A map-value pointer spilled across helper calls stays typed for the
 * verifier (PTR_TO_MAP_VALUE survives an 8-byte spill). */
static void case_spill_pointer(void)
{
	struct t t;
	t_open(&t);
	struct ir_map *res = results_map(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "spillptr", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_reg p = emit_results_ptr(ir, res); /* lives until the very end: spilled first */
	ir_reg v[8];
	for (int i = 0; i < 8; i++) {
		v[i] = ir_new_vreg(ir);
		ir_call_helper(ir, v[i], BPF_FUNC_get_prandom_u32);
	}
	ir_reg s = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, s, 0);
	for (int i = 7; i >= 0; i--)
		ir_emit_alu(ir, IR_XOR, s, v[i]);
	ir_reg marker = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, marker, 0x5eed);
	ir_emit_store(ir, 8, p, 0, marker);
	ir_emit_store(ir, 8, p, 8, s);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	/* Was p really spilled?  Find a store of a register to the stack
	 * right after the lookup's null check. */
	CHECK(ir->funcs.items[0]->nspills > 0, "nothing spilled");
	CHECK(run_once(&t, fd, 0, 0, NULL), "run");
	uint64_t r[NRES];
	CHECK(read_results(res, r) && r[0] == 0x5eed, "marker not written (%#llx)",
	      (unsigned long long)r[0]);
	note("%u vregs spilled", ir->funcs.items[0]->nspills);
out:
	t_close(&t);
}

/* bpf_loop with a callback sub-function: needs the BTF func_info that
 * btf_emit produces. */
static void case_bpf_loop(void)
{
	struct t t;
	t_open(&t);
	if (!feature_available(FEATURE_BPF_LOOP)) {
		note("bpf_loop not offered by this kernel");
		goto out;
	}
	struct ir_map *res = results_map(&t);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "looper", BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir_func *cb = ir_func_new(ir, "sum_cb", 2);
	struct ir_func *main_fn = ir_func_select(ir, cb);
	ir_reg idx = ir_func_arg(ir, 0), cp = ir_func_arg(ir, 1), acc = ir_new_vreg(ir);
	ir_emit_load(ir, 8, acc, cp, 0);
	ir_emit_alu(ir, IR_ADD, acc, idx);
	ir_emit_store(ir, 8, cp, 0, acc);
	ir_emit_exit_imm(ir, 0);
	ir_func_select(ir, main_fn);
	int16_t slot = ir_stack_alloc(ir, 8, 8);
	ir_emit_store_imm(ir, 8, IR_FP, slot, 0);
	ir_reg n = ir_new_vreg(ir);
	ir_call_helper(ir, n, BPF_FUNC_loop, ir_arg_imm(10), ir_arg_func(cb), ir_arg_stack(slot),
		       ir_arg_imm(0));
	ir_reg p = emit_results_ptr(ir, res);
	ir_reg sum = ir_new_vreg(ir);
	ir_emit_load(ir, 8, sum, IR_FP, slot);
	ir_emit_store(ir, 8, p, 0, sum);
	ir_emit_store(ir, 8, p, 8, n);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	CHECK(run_once(&t, fd, 0, 0, NULL), "run");
	uint64_t r[NRES];
	CHECK(read_results(res, r), "read");
	CHECK(r[0] == 45 && r[1] == 10, "sum %llu (want 45), iterations %llu (want 10)",
	      (unsigned long long)r[0], (unsigned long long)r[1]);
out:
	t_close(&t);
}

/* A rejected program: the report names the failing instruction, the
 * script construct it serves, and the verifier's reason. */
static void case_verifier_rejection(void)
{
	struct t t;
	t_open(&t);
	struct ir_map *m = ir_map_new(t.a, "counts", BPF_MAP_TYPE_HASH, 8, 8, 16, 0);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "probe_0", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_set_tag(ir, &t.toks[0]);
	int16_t key = ir_stack_alloc(ir, 8, 8);
	ir_emit_store_imm(ir, 8, IR_FP, key, 1);
	ir_set_tag(ir, &t.toks[1]);
	ir_reg p = ir_new_vreg(ir), x = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(m), ir_arg_stack(key));
	ir_emit_load(ir, 8, x, p, 0); /* no null check: the verifier must refuse */
	ir_set_tag(ir, &t.toks[2]);
	ir_emit_exit(ir, x);
	struct asm_prog *ap = asm_build(ir);
	CHECK(ap, "build: %s", t_diag(&t));
	int fd = load_prog(t.lc, ap);
	CHECK(fd < 0, "the verifier accepted a null dereference");
	const char *d = t_diag(&t);
	if (getenv("CTAP_TEST_LISTINGS"))
		fputs(d, stdout);
	CHECK(strstr(d, "ERROR: BPF verifier rejected program 'probe_0' (EACCES) at instruction"),
	      "headline: %s", d);
	CHECK(strstr(d, "serving t.stp:2:7 x = counts[1]"), "no tag description: %s", d);
	CHECK(strstr(d, "invalid mem access 'map_value_or_null'"), "no reason: %s", d);
	CHECK(strstr(d, "identifier 'counts' at t.stp:2:7"), "no token: %s", d);
	CHECK(strstr(d, "source:   x = counts[1]"), "no source line: %s", d);
	CHECK(strstr(d, "verifier log (end):"), "no log excerpt: %s", d);
	CHECK(asm_tag_at(ap, t.lc->last_fail_insn) == &t.toks[1], "insn %u maps to the wrong tag",
	      t.lc->last_fail_insn);
out:
	t_close(&t);
}

/* Emits: if ((pid_tgid >> 32) != getpid()) exit 0. */
static void emit_only_us(struct ir *ir)
{
	ir_reg pt = ir_new_vreg(ir);
	ir_call_helper(ir, pt, BPF_FUNC_get_current_pid_tgid);
	ir_emit_alu_imm(ir, IR_RSH, pt, 32);
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, pt, getpid(), ok);
	ir_emit_exit_imm(ir, 0);
	ir_bind_label(ir, ok);
}

/* raw_tracepoint sys_enter, testing the syscall id in the program (how
 * syscall.* will work), counting into a per-CPU array. */
static void case_raw_tp_sys_enter(void)
{
	struct t t;
	t_open(&t);
	struct ir_map *cnt = ir_map_new(t.a, "count", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "sys_getppid", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_reg id = ir_new_vreg(ir);
	ir_emit_load(ir, 8, id, ir_ctx(ir), 8); /* args[1]: the syscall number */
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, id, SYS_getppid, ok);
	ir_emit_exit_imm(ir, 0);
	ir_bind_label(ir, ok);
	emit_only_us(ir);
	emit_count(ir, cnt, IR_NOREG, 0);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	double t0 = load_now_ms();
	CHECK(attach_raw_tp(t.lc, fd, "sys_enter", NULL) == 0, "attach: %s", t_diag(&t));
	double t1 = load_now_ms();
	for (int i = 0; i < 100; i++)
		syscall(SYS_getppid);
	uint64_t n = percpu_sum(cnt, 0);
	double t2 = load_now_ms();
	load_detach_all(t.lc);
	double t3 = load_now_ms();
	for (int i = 0; i < 10; i++)
		syscall(SYS_getppid);
	CHECK(n == 100, "counted %llu getppid calls, want 100", (unsigned long long)n);
	CHECK(percpu_sum(cnt, 0) == 100, "still counting after detach");
	note("attach %.2f ms, detach %.2f ms", t1 - t0, t3 - t2);
out:
	t_close(&t);
}

/* The same count through a perf-event tracepoint (syscalls:sys_enter_getppid;
 * the record's layout does not matter for counting). */
static void case_tracepoint_perf(void)
{
	struct t t;
	t_open(&t);
	if (attach_tracepoint_id("syscalls", "sys_enter_getppid") < 0) {
		note("no syscalls:sys_enter_getppid tracepoint in tracefs");
		CHECK(feature_probe(FEATURE_PERF_TP)->err != 0, "tracefs missing but feature says ok");
		goto out;
	}
	struct ir_map *cnt = ir_map_new(t.a, "count", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "tp_getppid", BPF_PROG_TYPE_TRACEPOINT);
	emit_only_us(ir);
	emit_count(ir, cnt, IR_NOREG, 0);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	double t0 = load_now_ms();
	CHECK(attach_tracepoint(t.lc, fd, "syscalls", "sys_enter_getppid", 0, NULL) == 0,
	      "attach: %s", t_diag(&t));
	double t1 = load_now_ms();
	for (int i = 0; i < 50; i++)
		syscall(SYS_getppid);
	uint64_t n = percpu_sum(cnt, 0);
	double t2 = load_now_ms();
	load_detach_all(t.lc);
	double t3 = load_now_ms();
	syscall(SYS_getppid);
	CHECK(n == 50, "counted %llu, want 50", (unsigned long long)n);
	CHECK(percpu_sum(cnt, 0) == 50, "still counting after detach");
	note("attach %.2f ms, detach %.2f ms", t1 - t0, t3 - t2);
out:
	t_close(&t);
}

/* Index of argument `name` of tracepoint `tp` in a tp_btf context.  The
 * btf_trace_<tp> typedef's prototype has no parameter names, so read them
 * from the tracepoint's iterator function (void *__data first). */
static int tp_btf_arg_index(const char *tp, const char *name)
{
	struct btf *v = load_vmlinux_btf();
	char fn[128];
	snprintf(fn, sizeof(fn), "__traceiter_%s", tp);
	int id = v ? btf__find_by_name_kind(v, fn, BTF_KIND_FUNC) : -1;
	if (id <= 0)
		return -1;
	const struct btf_type *ty = btf__type_by_id(v, (uint32_t)id);
	ty = btf__type_by_id(v, ty->type);          /* func proto */
	const struct btf_param *ps = btf_params(ty);
	for (int i = 1; i < btf_vlen(ty); i++)
		if (!strcmp(btf__name_by_offset(v, ps[i].name_off), name))
			return i - 1;
	return -1;
}

static int struct_member_offset(const char *sname, const char *member)
{
	struct btf *v = load_vmlinux_btf();
	int id = v ? btf__find_by_name_kind(v, sname, BTF_KIND_STRUCT) : -1;
	if (id <= 0)
		return -1;
	const struct btf_type *ty = btf__type_by_id(v, (uint32_t)id);
	const struct btf_member *m = btf_members(ty);
	for (int i = 0; i < btf_vlen(ty); i++)
		if (!strcmp(btf__name_by_offset(v, m[i].name_off), member))
			return (int)(btf_member_bit_offset(ty, (uint32_t)i) / 8);
	return -1;
}

/* tp_btf sched_switch: next->pid read by direct load through the
 * BTF-typed argument. */
static void case_tp_btf(void)
{
	struct t t;
	t_open(&t);
	int next = tp_btf_arg_index("sched_switch", "next");
	int pid_off = struct_member_offset("task_struct", "pid");
	CHECK(next >= 0 && pid_off > 0, "no BTF for sched_switch/task_struct (next %d, pid %d)",
	      next, pid_off);
	struct ir_map *cnt = ir_map_new(t.a, "switches", BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "sched_switch", BPF_PROG_TYPE_TRACING);
	ir->expected_attach_type = BPF_TRACE_RAW_TP;
	ir->attach_btf_name = "btf_trace_sched_switch";
	ir->attach_btf_kind = BTF_KIND_TYPEDEF;
	ir_reg task = ir_new_vreg(ir), pid = ir_new_vreg(ir);
	ir_emit_load(ir, 8, task, ir_ctx(ir), (int16_t)(8 * next));
	ir_emit_load(ir, 4, pid, task, (int16_t)pid_off);
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, pid, (int32_t)syscall(SYS_gettid), ok);
	ir_emit_exit_imm(ir, 0);
	ir_bind_label(ir, ok);
	emit_count(ir, cnt, IR_NOREG, 0);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	double t0 = load_now_ms();
	CHECK(attach_tp_btf(t.lc, fd, "sched_switch", NULL) == 0, "attach: %s", t_diag(&t));
	double t1 = load_now_ms();
	for (int i = 0; i < 10; i++)
		usleep(1000);
	uint64_t n = array_u64(cnt, 0);
	load_detach_all(t.lc);
	CHECK(n >= 5, "switched to this thread %llu times over 10 sleeps",
	      (unsigned long long)n);
	note("next is argument %d, task_struct.pid at +%d; %llu switches in; attach %.2f ms",
	     next, pid_off, (unsigned long long)n, t1 - t0);
out:
	t_close(&t);
}

/* The software cpu-clock on every online CPU at 1 ms. */
static void case_perf_cpu_clock(void)
{
	struct t t;
	t_open(&t);
	struct ir_map *cnt = ir_map_new(t.a, "ticks", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "timer_1ms", BPF_PROG_TYPE_PERF_EVENT);
	emit_count(ir, cnt, IR_NOREG, 0);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	double t0 = load_now_ms();
	int ncpu = attach_cpu_clock(t.lc, fd, 1000000, -1, NULL);
	double t1 = load_now_ms();
	CHECK(ncpu > 0, "attach: %s", t_diag(&t));
	/* Spin until 20 ticks (no fixed duration: a descheduled vCPU ticks less). */
	uint64_t n = 0;
	while ((n = percpu_sum(cnt, 0)) < 20 && load_now_ms() - t1 < 5000)
		for (volatile int k = 0; k < 100000; k++)
			;
	double t2 = load_now_ms();
	load_detach_all(t.lc);
	double t3 = load_now_ms();
	uint64_t after = percpu_sum(cnt, 0);
	usleep(20000);
	CHECK(n >= 20, "only %llu ticks in 5 s", (unsigned long long)n);
	CHECK(percpu_sum(cnt, 0) == after, "ticking after detach");
	note("%d CPUs, %llu ticks in %.0f ms; attach %.2f ms, detach %.2f ms", ncpu,
	     (unsigned long long)n, t2 - t1, t1 - t0, t3 - t2);
out:
	t_close(&t);
}

/* uprobe (arguments from pt_regs) and uretprobe (return value) on a
 * function of this binary. */
static void case_uprobe(void)
{
	struct t t;
	t_open(&t);
#if defined(__x86_64__)
	const char *path = self_exe();
	uint64_t off = 0;
	int err = attach_elf_offset(path, "ctap_test_target", &off);
	CHECK(err == 0, "no ctap_test_target in %s: %s", path, strerror(-err));
	struct ir_map *res = results_map(&t);
	struct ir *in = ir_new(t.a, &t.diag, &t.tagger, "uprobe_entry", BPF_PROG_TYPE_KPROBE);
	ir_reg p = emit_results_ptr(in, res);
	ir_reg di = ir_new_vreg(in), si = ir_new_vreg(in);
	ir_emit_load(in, 8, di, ir_ctx(in), offsetof(struct user_regs_struct, rdi));
	ir_emit_load(in, 8, si, ir_ctx(in), offsetof(struct user_regs_struct, rsi));
	ir_emit_store(in, 8, p, 0, di);
	ir_emit_store(in, 8, p, 8, si);
	ir_emit_exit_imm(in, 0);
	struct ir *ret = ir_new(t.a, &t.diag, &t.tagger, "uprobe_return", BPF_PROG_TYPE_KPROBE);
	p = emit_results_ptr(ret, res);
	ir_reg ax = ir_new_vreg(ret);
	ir_emit_load(ret, 8, ax, ir_ctx(ret), offsetof(struct user_regs_struct, rax));
	ir_emit_store(ret, 8, p, 16, ax);
	ir_emit_exit_imm(ret, 0);
	int fin = build_load(&t, in), fret = build_load(&t, ret);
	CHECK(fin >= 0 && fret >= 0, "%s", fail_msg);
	struct attach_uprobe_spec s = { .path = path, .offset = off, .pid = getpid() };
	double t0 = load_now_ms();
	CHECK(attach_uprobe(t.lc, fin, &s, NULL) == 0, "attach uprobe: %s", t_diag(&t));
	s.retprobe = true;
	s.pid = -1;
	CHECK(attach_uprobe(t.lc, fret, &s, NULL) == 0, "attach uretprobe: %s", t_diag(&t));
	double t1 = load_now_ms();
	long (*volatile fn)(long, long) = ctap_test_target;
	long r = fn(1234, -5678);
	uint64_t v[NRES];
	CHECK(read_results(res, v), "read");
	double t2 = load_now_ms();
	load_detach_all(t.lc);
	double t3 = load_now_ms();
	CHECK(r == 1234 * 3 - 5678, "the target computed %ld", r);
	CHECK(v[0] == 1234 && (int64_t)v[1] == -5678, "args %lld, %lld", (long long)v[0],
	      (long long)v[1]);
	CHECK((int64_t)v[2] == r, "return value %lld, want %ld", (long long)v[2], r);
	note("offset %#llx; attach 2 uprobes %.2f ms, detach %.2f ms", (unsigned long long)off,
	     t1 - t0, t3 - t2);
#else
	note("pt_regs layout only written for x86_64");
#endif
out:
	t_close(&t);
}

/* One uprobe_multi link over the 100 ctap_um_N functions, a cookie per
 * function telling the program which one fired. */
static void case_uprobe_multi(void)
{
	struct t t;
	t_open(&t);
	if (!feature_available(FEATURE_UPROBE_MULTI)) {
		note("uprobe_multi not offered by this kernel");
		goto out;
	}
	const char *path = self_exe();
	uint64_t offs[100], cookies[100];
	for (int i = 0; i < 100; i++) {
		char name[32];
		snprintf(name, sizeof(name), "ctap_um_%d", i);
		int err = attach_elf_offset(path, name, &offs[i]);
		CHECK(err == 0, "no %s: %s", name, strerror(-err));
		cookies[i] = (uint64_t)i;
	}
	struct ir_map *hits = ir_map_new(t.a, "hits", BPF_MAP_TYPE_ARRAY, 4, 8, 100, 0);
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "um", BPF_PROG_TYPE_KPROBE);
	ir->expected_attach_type = ATTACH_TRACE_UPROBE_MULTI;
	ir_reg c = ir_new_vreg(ir);
	ir_call_helper(ir, c, BPF_FUNC_get_attach_cookie, ir_arg_reg(ir_ctx(ir)));
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLT, c, 100, ok);
	ir_emit_exit_imm(ir, 0);
	ir_bind_label(ir, ok);
	emit_count(ir, hits, c, 0);
	ir_emit_exit_imm(ir, 0);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	struct attach_uprobe_multi_spec s = { .path = path, .offsets = offs, .cookies = cookies,
					      .n = 100, .pid = getpid() };
	double t0 = load_now_ms();
	CHECK(attach_uprobe_multi(t.lc, fd, &s, NULL) == 0, "attach: %s", t_diag(&t));
	double t1 = load_now_ms();
	for (int i = 0; i < 100; i++)
		for (int k = 0; k <= i % 3; k++)
			um_funcs[i](k);
	double t2 = load_now_ms();
	uint64_t got[100];
	for (uint32_t i = 0; i < 100; i++)
		got[i] = array_u64(hits, i);
	double t3 = load_now_ms();
	load_detach_all(t.lc);
	double t4 = load_now_ms();
	for (int i = 0; i < 100; i++)
		CHECK(got[i] == (uint64_t)(i % 3 + 1), "ctap_um_%d: %llu hits, want %d", i,
		      (unsigned long long)got[i], i % 3 + 1);
	um_funcs[0](0);
	CHECK(array_u64(hits, 0) == 1, "hit after detach");
	note("100 offsets: attach %.2f ms, detach %.2f ms, 200 hits %.2f ms", t1 - t0, t4 - t3,
	     t2 - t1);
out:
	t_close(&t);
}

struct rec {
	uint64_t magic, seq;
	uint8_t pad[240];
};

struct rb_seen {
	uint64_t n, seq[64], bad;
	struct loop *lp;
};

static int on_rec(void *ctx, const void *data, size_t size)
{
	struct rb_seen *s = ctx;
	const struct rec *r = data;
	if (size < 16 || r->magic != 0xC7A9)
		s->bad++;
	else if (s->n < 64)
		s->seq[s->n] = r->seq;
	s->n++;
	if (s->lp)
		loop_request_exit(s->lp);
	return 0;
}

/* A program writing `size`-byte records {magic, args[0]} into rb, counting
 * failures into lost. */
static struct ir *ringbuf_writer(struct t *t, const char *name, struct ir_map *rb,
				 struct ir_map *lost, uint32_t size, enum bpf_prog_type type)
{
	struct ir *ir = ir_new(t->a, &t->diag, &t->tagger, name, type);
	int16_t off = ir_stack_alloc(ir, size, 8);
	ir_emit_stack_zero(ir, off, size);
	ir_reg magic = ir_new_vreg(ir), seq = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, magic, 0xC7A9);
	ir_emit_store(ir, 8, IR_FP, off, magic);
	if (type == BPF_PROG_TYPE_RAW_TRACEPOINT)
		ir_emit_load(ir, 8, seq, ir_ctx(ir), 0);
	else
		ir_emit_mov_imm(ir, seq, 0);
	ir_emit_store(ir, 8, IR_FP, (int16_t)(off + 8), seq);
	ringbuf_emit_output(ir, rb, lost, off, size);
	ir_emit_exit_imm(ir, 0);
	return ir;
}

static void case_ringbuf_records(void)
{
	struct t t;
	t_open(&t);
	struct ringbuf *r = NULL;
	struct ir_map *rb = ringbuf_map_new(t.a, "events", 64 * 1024);
	struct ir_map *lost = ringbuf_lost_map_new(t.a, "lost");
	struct ir *ir = ringbuf_writer(&t, "emit", rb, lost, 16, BPF_PROG_TYPE_RAW_TRACEPOINT);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	struct rb_seen seen = { 0 };
	r = ringbuf_open(t.lc, rb, lost, on_rec, &seen);
	CHECK(r, "open: %s", t_diag(&t));
	for (uint64_t i = 0; i < 10; i++)
		CHECK(run_once(&t, fd, 100 + i, 0, NULL), "run");
	int got = ringbuf_consume(r);
	CHECK(got == 10 && seen.n == 10 && !seen.bad, "consumed %d (%llu seen, %llu bad)", got,
	      (unsigned long long)seen.n, (unsigned long long)seen.bad);
	for (int i = 0; i < 10; i++)
		CHECK(seen.seq[i] == 100u + (unsigned)i, "record %d has seq %llu", i,
		      (unsigned long long)seen.seq[i]);
	uint64_t nlost = 1;
	CHECK(ringbuf_lost(r, &nlost) == 0 && nlost == 0, "lost %llu", (unsigned long long)nlost);
	CHECK(ringbuf_records(r) == 10, "records %llu", (unsigned long long)ringbuf_records(r));
out:
	ringbuf_close(r);
	t_close(&t);
}

/* A full ring buffer: every record is either delivered or counted lost,
 * and the loss is reported. */
static void case_ringbuf_lost(void)
{
	struct t t;
	t_open(&t);
	struct ringbuf *r = NULL;
	struct ir_map *rb = ringbuf_map_new(t.a, "small", 4096);
	struct ir_map *lost = ringbuf_lost_map_new(t.a, "lost");
	struct ir *ir = ringbuf_writer(&t, "flood", rb, lost, sizeof(struct rec),
				       BPF_PROG_TYPE_RAW_TRACEPOINT);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	struct rb_seen seen = { 0 };
	r = ringbuf_open(t.lc, rb, lost, on_rec, &seen);
	CHECK(r, "open: %s", t_diag(&t));
	for (uint64_t i = 0; i < 40; i++)
		CHECK(run_once(&t, fd, i, 0, NULL), "run");
	ringbuf_consume(r);
	uint64_t nlost = 0;
	CHECK(ringbuf_lost(r, &nlost) == 0, "lost counter unreadable");
	CHECK(nlost > 0 && seen.n + nlost == 40, "%llu delivered + %llu lost != 40",
	      (unsigned long long)seen.n, (unsigned long long)nlost);
	CHECK(ringbuf_report_lost(r, &t.diag) == nlost, "report");
	char want[128];
	snprintf(want, sizeof(want), "WARNING: There were %llu lost records",
		 (unsigned long long)nlost);
	CHECK(strstr(t_diag(&t), want), "no warning: %s", t_diag(&t));
	note("%llu delivered, %llu lost of 40", (unsigned long long)seen.n,
	     (unsigned long long)nlost);
out:
	ringbuf_close(r);
	t_close(&t);
}

/* Every verdict, printed; the ones this layer's tests rely on must hold. */
static void case_features(void)
{
	feature_reset();
	struct strbuf sb = STRBUF_INIT;
	double total = 0;
	for (int f = 0; f < FEATURE__COUNT; f++) {
		const struct feature_verdict *v = feature_probe((enum feature)f);
		total += v->ms;
		if (sb.len)
			strbuf_puts(&sb, ", ");
		feature_describe((enum feature)f, &sb);
	}
	note("%s", strbuf_str(&sb));
	note("probing all took %.1f ms", total);
	static const enum feature needed[] = { FEATURE_RAW_TP, FEATURE_PERF_EVENT, FEATURE_UPROBE,
					      FEATURE_RINGBUF, FEATURE_BTF };
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		CHECK(feature_available(needed[i]), "%s unavailable: %s", feature_name(needed[i]),
		      strbuf_str(&sb));
out:
	strbuf_free(&sb);
}

/* ---- the worked example of compiler/bpf/README.md, verbatim ---- */

/* probe syscall.getppid { n = ++counts[pid()]; emit(pid(), n) } */
static struct ir *build_count_per_pid(struct arena *a, struct diag_sink *diag,
				      const struct ir_tagger *tagger, const void *probe_node,
				      struct ir_map *counts, struct ir_map *events,
				      struct ir_map *lost)
{
	struct ir *ir = ir_new(a, diag, tagger, "probe_0", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_set_tag(ir, probe_node);
	ir_label done = ir_new_label(ir), have = ir_new_label(ir);

	/* raw_tracepoint sys_enter: ctx = u64 args[2] = { struct pt_regs *, id } */
	ir_reg id = ir_new_vreg(ir);
	ir_emit_load(ir, 8, id, ir_ctx(ir), 8);
	ir_emit_jcc_imm(ir, IR_JNE, id, SYS_getppid, done);

	/* key = pid() */
	int16_t key = ir_stack_alloc(ir, 8, 8);
	ir_reg pid = ir_new_vreg(ir);
	ir_call_helper(ir, pid, BPF_FUNC_get_current_pid_tgid);
	ir_emit_alu_imm(ir, IR_RSH, pid, 32);
	ir_emit_store(ir, 8, IR_FP, key, pid);

	/* p = &counts[key], inserting 0 the first time */
	ir_reg p = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(counts), ir_arg_stack(key));
	ir_emit_jcc_imm(ir, IR_JNE, p, 0, have);
	int16_t zero = ir_stack_alloc(ir, 8, 8);
	ir_emit_store_imm(ir, 8, IR_FP, zero, 0);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_map_update_elem, ir_arg_map(counts),
		       ir_arg_stack(key), ir_arg_stack(zero), ir_arg_imm(BPF_NOEXIST));
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(counts), ir_arg_stack(key));
	ir_emit_jcc_imm(ir, IR_JEQ, p, 0, done);
	ir_bind_label(ir, have);

	/* n = atomic fetch-and-add(*p, 1) + 1 */
	ir_reg n = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, n, 1);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, p, 0, n, true);
	ir_emit_alu_imm(ir, IR_ADD, n, 1);

	/* a 16-byte record { pid, n } to user space; a full buffer counts as lost */
	int16_t rec = ir_stack_alloc(ir, 16, 8);
	ir_emit_store(ir, 8, IR_FP, rec, pid);
	ir_emit_store(ir, 8, IR_FP, rec + 8, n);
	ringbuf_emit_output(ir, events, lost, rec, 16);

	ir_bind_label(ir, done);
	ir_emit_exit_imm(ir, 0);
	return ir;
}

struct pid_seen {
	uint64_t n, last;
	bool in_order;
};

static int on_pid_rec(void *ctx, const void *data, size_t size)
{
	struct pid_seen *s = ctx;
	const uint64_t *r = data;
	if (size == 16 && r[0] == (uint64_t)getpid()) {
		s->in_order &= r[1] == s->last + 1;
		s->last = r[1];
		s->n++;
	}
	return 0;
}

static void case_readme_example(void)
{
	struct t t;
	t_open(&t);
	struct ringbuf *rb = NULL;
	struct loop *lp = NULL;
	struct ir_map *counts = ir_map_new(t.a, "counts", BPF_MAP_TYPE_HASH, 8, 8, 10240, 0);
	struct ir_map *events = ringbuf_map_new(t.a, "events", 256 * 1024);
	struct ir_map *lost = ringbuf_lost_map_new(t.a, "lost");
	struct ir *ir = build_count_per_pid(t.a, &t.diag, &t.tagger, &t.toks[0], counts, events,
					    lost);
	struct asm_prog *code = asm_build(ir);
	CHECK(code, "build: %s", t_diag(&t));
	if (getenv("CTAP_TEST_LISTINGS")) {
		struct strbuf sb = STRBUF_INIT;
		asm_listing(code, &t.tagger, &sb);
		fputs(strbuf_str(&sb), stdout);
		strbuf_free(&sb);
	}
	int fd = load_prog(t.lc, code);
	CHECK(fd >= 0, "load: %s", t_diag(&t));
	CHECK(attach_raw_tp(t.lc, fd, "sys_enter", &t.toks[0]) == 0, "attach: %s", t_diag(&t));
	struct pid_seen seen = { .in_order = true };
	rb = ringbuf_open(t.lc, events, lost, on_pid_rec, &seen);
	lp = loop_open();
	CHECK(rb && lp && loop_add_ringbuf(lp, rb) == 0, "ringbuf/loop: %s", t_diag(&t));
	for (int i = 0; i < 500; i++)
		syscall(SYS_getppid);
	CHECK(loop_run(lp, 100) == LOOP_END_TIMEOUT, "loop");
	load_detach_all(t.lc);
	CHECK(ringbuf_report_lost(rb, &t.diag) == 0, "records lost");
	uint64_t k = (uint64_t)getpid(), v = 0;
	CHECK(bpf_map_lookup_elem(counts->fd, &k, &v) == 0 && v == 500, "counts[pid] = %llu",
	      (unsigned long long)v);
	CHECK(seen.n == 500 && seen.in_order && seen.last == 500, "%llu records, last n %llu%s",
	      (unsigned long long)seen.n, (unsigned long long)seen.last,
	      seen.in_order ? "" : ", out of order");
out:
	ringbuf_close(rb);
	t_close(&t);
	loop_close(lp);
}

/* ---- detaching on every exit path ---- */

enum session_end { END_SIGNAL, END_TIMEOUT, END_CHILD, END_REQUEST, END_ATTACH_ERROR };

struct ids {
	uint32_t prog[8], map[8], link[16];
	int nprog, nmap, nlink;
};

static void collect_ids(struct load_ctx *lc, struct ids *ids)
{
	memset(ids, 0, sizeof(*ids));
	vec_foreach(&lc->progs, i)
		if (ids->nprog < 8)
			ids->prog[ids->nprog++] = lc->progs.items[i].id;
	vec_foreach(&lc->maps, i) {
		struct bpf_map_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (ids->nmap < 8 && bpf_obj_get_info_by_fd(lc->maps.items[i]->fd, &info, &len) == 0)
			ids->map[ids->nmap++] = info.id;
	}
	vec_foreach(&lc->attached, i) {
		struct bpf_link_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (lc->attached.items[i].kind != LOAD_FD_PERF && ids->nlink < 16 &&
		    bpf_obj_get_info_by_fd(lc->attached.items[i].fd, &info, &len) == 0)
			ids->link[ids->nlink++] = info.id;
	}
}

/* Whether no object with these ids exists any more (freeing can lag an
 * RCU grace period: wait up to 2 s). */
static const char *ids_gone(const struct ids *ids)
{
	static char what[64];
	for (int tries = 0; tries < 200; tries++) {
		what[0] = '\0';
		for (int i = 0; i < ids->nprog && !what[0]; i++) {
			int fd = bpf_prog_get_fd_by_id(ids->prog[i]);
			if (fd >= 0)
				close(fd), snprintf(what, sizeof(what), "prog %u", ids->prog[i]);
		}
		for (int i = 0; i < ids->nmap && !what[0]; i++) {
			int fd = bpf_map_get_fd_by_id(ids->map[i]);
			if (fd >= 0)
				close(fd), snprintf(what, sizeof(what), "map %u", ids->map[i]);
		}
		for (int i = 0; i < ids->nlink && !what[0]; i++) {
			int fd = bpf_link_get_fd_by_id(ids->link[i]);
			if (fd >= 0)
				close(fd), snprintf(what, sizeof(what), "link %u", ids->link[i]);
		}
		if (!what[0])
			return NULL;
		usleep(10000);
	}
	return what;
}

/* tracefs uprobe_events (perf-PMU uprobes must not appear there: nothing
 * that could outlive the process is ever defined). */
static char *uprobe_events(void)
{
	static char buf[4096];
	const char *tfs = attach_tracefs();
	buf[0] = '\0';
	if (!tfs)
		return buf;
	char path[256];
	snprintf(path, sizeof(path), "%s/uprobe_events", tfs);
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static int session(enum session_end how, struct ids *ids, double *detach_ms)
{
	char events_before[4096];
	snprintf(events_before, sizeof(events_before), "%s", uprobe_events());
	struct t t;
	t_open(&t);
	int ret = -1;
	struct ringbuf *r = NULL;
	struct loop *lp = loop_open();
	CHECK(lp, "loop_open: %s", strerror(errno));
	if (how == END_CHILD)
		CHECK(loop_spawn(lp, "sh -c 'exit 3'") > 0, "spawn");

	/* a counter and a record writer on getppid, a timer, a uprobe pair */
	struct ir_map *cnt = ir_map_new(t.a, "count", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
	struct ir_map *rb = ringbuf_map_new(t.a, "events", 16384);
	struct ir_map *lost = ringbuf_lost_map_new(t.a, "lost");
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "sess", BPF_PROG_TYPE_RAW_TRACEPOINT);
	ir_reg id = ir_new_vreg(ir);
	ir_emit_load(ir, 8, id, ir_ctx(ir), 8);
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, id, SYS_getppid, ok);
	ir_emit_exit_imm(ir, 0);
	ir_bind_label(ir, ok);
	emit_only_us(ir);
	emit_count(ir, cnt, IR_NOREG, 0);
	ir_emit_exit_imm(ir, 0);
	struct ir *w = ringbuf_writer(&t, "sess_w", rb, lost, 16, BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir *tick = ir_new(t.a, &t.diag, &t.tagger, "sess_t", BPF_PROG_TYPE_PERF_EVENT);
	emit_count(tick, cnt, IR_NOREG, 0);
	ir_emit_exit_imm(tick, 0);
	int fd = build_load(&t, ir), fw = build_load(&t, w), ft = build_load(&t, tick);
	CHECK(fd >= 0 && fw >= 0 && ft >= 0, "%s", fail_msg);
	struct rb_seen seen = { .lp = lp };
	r = ringbuf_open(t.lc, rb, lost, on_rec, &seen);
	CHECK(r && loop_add_ringbuf(lp, r) == 0, "ringbuf: %s", t_diag(&t));

	CHECK(attach_raw_tp(t.lc, fd, "sys_enter", NULL) == 0, "attach: %s", t_diag(&t));
	CHECK(attach_cpu_clock(t.lc, ft, 10000000, -1, NULL) > 0, "timer: %s", t_diag(&t));
	if (attach_tracepoint_id("syscalls", "sys_enter_getppid") >= 0) {
		struct ir *tp = ir_new(t.a, &t.diag, &t.tagger, "sess_tp", BPF_PROG_TYPE_TRACEPOINT);
		emit_only_us(tp);
		emit_count(tp, cnt, IR_NOREG, 0);
		ir_emit_exit_imm(tp, 0);
		int ftp = build_load(&t, tp);
		CHECK(ftp >= 0, "%s", fail_msg);
		CHECK(attach_tracepoint(t.lc, ftp, "syscalls", "sys_enter_getppid", 0, NULL) == 0,
		      "tracepoint: %s", t_diag(&t));
	}
	uint64_t off;
	if (attach_elf_offset(self_exe(), "ctap_test_target", &off) == 0) {
		struct ir *u = ir_new(t.a, &t.diag, &t.tagger, "sess_u", BPF_PROG_TYPE_KPROBE);
		emit_count(u, cnt, IR_NOREG, 0);
		ir_emit_exit_imm(u, 0);
		int fu = build_load(&t, u);
		CHECK(fu >= 0, "%s", fail_msg);
		struct attach_uprobe_spec s = { .path = self_exe(), .offset = off, .pid = -1 };
		CHECK(attach_uprobe(t.lc, fu, &s, NULL) == 0, "uprobe: %s", t_diag(&t));
		if (feature_available(FEATURE_UPROBE_MULTI)) {
			struct ir *um = ir_new(t.a, &t.diag, &t.tagger, "sess_um", BPF_PROG_TYPE_KPROBE);
			um->expected_attach_type = ATTACH_TRACE_UPROBE_MULTI;
			emit_count(um, cnt, IR_NOREG, 0);
			ir_emit_exit_imm(um, 0);
			int fum = build_load(&t, um);
			CHECK(fum >= 0, "%s", fail_msg);
			struct attach_uprobe_multi_spec ms = { .path = self_exe(), .offsets = &off,
							       .n = 1, .pid = -1 };
			CHECK(attach_uprobe_multi(t.lc, fum, &ms, NULL) == 0, "uprobe_multi: %s",
			      t_diag(&t));
		}
	}
	CHECK(!strcmp(events_before, uprobe_events()), "uprobe_events changed: %s", uprobe_events());
	if (how == END_ATTACH_ERROR) {
		CHECK(attach_raw_tp(t.lc, fd, "no_such_tracepoint", NULL) < 0, "bogus attach worked");
		CHECK(strstr(t_diag(&t), "cannot attach raw_tracepoint:no_such_tracepoint: no such "
					 "tracepoint"), "%s", t_diag(&t));
		ret = 0;
		goto cleanup;
	}
	CHECK(loop_release(lp) == 0, "release");

	enum loop_end want = LOOP_END_SIGNAL;
	int timeout = 0;
	switch (how) {
	case END_SIGNAL:
		raise(SIGTERM); /* blocked: waits in the signalfd */
		break;
	case END_TIMEOUT:
		want = LOOP_END_TIMEOUT;
		timeout = 50;
		break;
	case END_CHILD:
		want = LOOP_END_CHILD;
		timeout = 10000;
		break;
	case END_REQUEST: {
		want = LOOP_END_REQUEST;
		timeout = 10000;
		/* one record, whose handler asks the loop to end */
		uint64_t args[2] = { 42, 0 };
		CHECK(attach_run_once(t.lc, fw, args, 2, NULL, NULL) == 0, "%s", t_diag(&t));
		break;
	}
	case END_ATTACH_ERROR:
		break;
	}
	enum loop_end end = loop_run(lp, timeout);
	CHECK(end == want, "loop ended by %s, want %s", loop_end_name(end), loop_end_name(want));
	if (how == END_SIGNAL)
		CHECK(loop_signal(lp) == SIGTERM, "signal %d", loop_signal(lp));
	if (how == END_CHILD)
		CHECK(WIFEXITED(loop_child_status(lp)) && WEXITSTATUS(loop_child_status(lp)) == 3,
		      "child status %#x", loop_child_status(lp));
	if (how == END_REQUEST)
		CHECK(seen.n >= 1 && seen.seq[0] == 42, "record not seen (%llu)",
		      (unsigned long long)seen.n);
	ret = 0;
cleanup:;
	collect_ids(t.lc, ids);
	double t0 = load_now_ms();
	load_detach_all(t.lc);
	*detach_ms = load_now_ms() - t0;
	uint64_t before = percpu_sum(cnt, 0);
	syscall(SYS_getppid);
	long (*volatile fn)(long, long) = ctap_test_target;
	fn(1, 2);
	usleep(25000);
	if (ret == 0 && percpu_sum(cnt, 0) != before) {
		fail("probes still fire after load_detach_all");
		ret = -1;
	}
out:
	ringbuf_close(r);
	t_close(&t);
	loop_close(lp);
	return ret;
}

static void case_detach_all_paths(void)
{
	static const char *const names[] = { "signal", "timeout", "child exit", "exit request",
					     "attach error" };
	for (int how = END_SIGNAL; how <= END_ATTACH_ERROR; how++) {
		int before = count_fds();
		struct ids ids;
		double ms = 0;
		if (session((enum session_end)how, &ids, &ms) != 0) {
			fail("%s: %s", names[how], fail_msg);
			return;
		}
		int after = count_fds();
		CHECK(after == before, "%s: %d fds before, %d after", names[how], before, after);
		CHECK(ids.nprog >= 3 && ids.nmap >= 3, "%s: only %d progs, %d maps recorded",
		      names[how], ids.nprog, ids.nmap);
		const char *left = ids_gone(&ids);
		CHECK(!left, "%s: %s still exists after load_close", names[how], left);
		note("%s: %d progs, %d maps, %d links gone; detach %.1f ms", names[how], ids.nprog,
		     ids.nmap, ids.nlink, ms);
	}
out:;
}

/* ============================================================ main */

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_case("stack_budget", case_stack_budget, false);
	run_case("spill_budget", case_spill_budget, false);
	run_case("call_chain_budget", case_call_chain_budget, false);
	run_case("call_depth_budget", case_call_depth_budget, false);
	run_case("spill_subfunc", case_spill_subfunc, false);
	run_case("spill_compare_writeback", case_spill_compare_writeback, false);
	run_case("jump_range", case_jump_range, false);
	run_case("builder_checks", case_builder_checks, false);
	run_case("undefined_vreg", case_undefined_vreg, false);
	run_case("listing", case_listing, false);
	run_case("feature_message", case_feature_message, false);
	run_case("features", case_features, true);
	run_case("map_types", case_map_types, true);
	run_case("rodata_snprintf", case_rodata_snprintf, true);
	run_case("alu_branches", case_alu_branches, true);
	run_case("spills", case_spills, true);
	run_case("spill_pointer", case_spill_pointer, true);
	run_case("bpf_loop", case_bpf_loop, true);
	run_case("verifier_rejection", case_verifier_rejection, true);
	run_case("raw_tp_sys_enter", case_raw_tp_sys_enter, true);
	run_case("tracepoint_perf", case_tracepoint_perf, true);
	run_case("tp_btf", case_tp_btf, true);
	run_case("perf_cpu_clock", case_perf_cpu_clock, true);
	run_case("uprobe_uretprobe", case_uprobe, true);
	run_case("uprobe_multi", case_uprobe_multi, true);
	run_case("ringbuf_records", case_ringbuf_records, true);
	run_case("ringbuf_lost", case_ringbuf_lost, true);
	run_case("readme_example", case_readme_example, true);
	run_case("detach_all_paths", case_detach_all_paths, true);
	return failures ? 1 : 0;
}
