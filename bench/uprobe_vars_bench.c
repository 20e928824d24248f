/*
 * uprobe_vars_bench: the minimal hand-written equivalent of
 *
 *     probe process("T").function("f") { s += $p->a + $p->b }
 *
 * that bench/uprobe_vars_bench.sh sets beside ctap and bpftrace, with
 * libbpf's low-level API only (no object file, no skeleton): a program of
 * raw instructions reads p from the first argument register, reads the
 * members a and b with one bpf_probe_read_user each (two $var reads, as
 * the script does), and adds a + b atomically into the one slot of an
 * array map.
 *
 *   uprobe_vars_bench hand perf|multi PATH FUNC
 *
 * attaches it at FUNC of PATH (the symbol's file offset, from the ELF
 * symbol table and program headers):
 *   perf    a perf-event uprobe (the uprobe PMU) and a BPF_PERF_EVENT link,
 *           what libbpf's bpf_program__attach_uprobe and bpftrace 0.17 do;
 *   multi   a uprobe_multi link (Linux 6.6+), what ctap's BPF back end
 *           uses there.
 * Prints "live" once attached, then "sum=S" when stdin closes.
 *
 *   uprobe_vars_bench stats-on      turns on the kernel's BPF run-time
 *                                   statistics (BPF_ENABLE_STATS) until
 *                                   stdin closes; prints "live"
 *   uprobe_vars_bench stats HITS    ns per run of the programs that ran
 *                                   exactly HITS times (the tracer's, on
 *                                   f: no other program runs that often
 *                                   by chance), from their run_time_ns /
 *                                   run_cnt; "-" if none did
 * Member offsets are those of bench/uprobe_vars_target.c's struct pair
 * (long a, b: 0 and 8).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ADD64_REG(d, s) INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i) INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define ATOMIC_ADD(d, s, o) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, BPF_ADD)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_MAP(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)

/* x86-64 struct pt_regs: rdi, the first argument, is its 15th word */
#define PT_REGS_RDI 112
/* libbpf 1.1 predates uprobe_multi: the 6.6 UAPI's values and layout */
#define TRACE_UPROBE_MULTI 48

/* file offset of symbol FUNC in the ELF file PATH (a uprobe's offset) */
/* says "live" (the script waits for it), then runs until stdin closes */
static void live_until_eof(void)
{
	char c;
	printf("live\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
}

static long func_offset(const char *path, const char *func)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return -1;
	}
	const unsigned char *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	const Elf64_Ehdr *eh = (const void *)m;
	const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff);
	const Elf64_Phdr *ph = (const void *)(m + eh->e_phoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM)
			continue;
		const Elf64_Sym *sym = (const void *)(m + sh[i].sh_offset);
		const char *str = (const char *)(m + sh[sh[i].sh_link].sh_offset);
		for (size_t j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
			if (ELF64_ST_TYPE(sym[j].st_info) != STT_FUNC || strcmp(str + sym[j].st_name, func))
				continue;
			for (int k = 0; k < eh->e_phnum; k++)
				if (ph[k].p_type == PT_LOAD && sym[j].st_value >= ph[k].p_vaddr &&
				    sym[j].st_value < ph[k].p_vaddr + ph[k].p_memsz)
					return (long)(sym[j].st_value - ph[k].p_vaddr + ph[k].p_offset);
		}
	}
	fprintf(stderr, "uprobe_vars_bench: no function %s in %s\n", func, path);
	return -1;
}

static int hand(const char *how, const char *path, const char *func)
{
	bool multi = !strcmp(how, "multi");
	long off = func_offset(path, func);
	if (off < 0)
		return 1;
	int map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "s", 4, 8, 1, NULL);
	if (map < 0) {
		perror("map");
		return 1;
	}
	struct bpf_insn ld[2] = { LD_MAP(BPF_REG_1, map) };
	struct bpf_insn prog[] = {
		LDX(BPF_DW, BPF_REG_6, BPF_REG_1, PT_REGS_RDI), /* r6 = p */
		/* fp-8 = p->a */
		MOV64_REG(BPF_REG_1, BPF_REG_10),
		ADD64_IMM(BPF_REG_1, -8),
		MOV64_IMM(BPF_REG_2, 8),
		MOV64_REG(BPF_REG_3, BPF_REG_6),
		CALL(BPF_FUNC_probe_read_user),
		/* fp-16 = p->b */
		MOV64_REG(BPF_REG_1, BPF_REG_10),
		ADD64_IMM(BPF_REG_1, -16),
		MOV64_IMM(BPF_REG_2, 8),
		MOV64_REG(BPF_REG_3, BPF_REG_6),
		ADD64_IMM(BPF_REG_3, 8),
		CALL(BPF_FUNC_probe_read_user),
		/* s[0] += a + b */
		ST(BPF_W, BPF_REG_10, -20, 0),
		ld[0],
		ld[1],
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -20),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(BPF_REG_0, 0, 4),
		LDX(BPF_DW, BPF_REG_1, BPF_REG_10, -8),
		LDX(BPF_DW, BPF_REG_2, BPF_REG_10, -16),
		ADD64_REG(BPF_REG_1, BPF_REG_2),
		ATOMIC_ADD(BPF_REG_0, BPF_REG_1, 0),
		MOV64_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = multi ? TRACE_UPROBE_MULTI : 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "hand", "GPL", prog, sizeof(prog) / sizeof(prog[0]),
			       &opts);
	if (fd < 0) {
		perror("load");
		return 1;
	}
	int link;
	if (multi) {
		/* link_create's common fields, then the uprobe_multi ones */
		union {
			union bpf_attr attr;
			struct {
				uint32_t prog_fd, target_fd, attach_type, flags;
				uint64_t path, offsets, ref_ctr_offsets, cookies;
				uint32_t cnt, flags2, pid;
			} um;
		} u;
		uint64_t offs[1] = { (uint64_t)off };
		memset(&u, 0, sizeof(u));
		u.um.prog_fd = (uint32_t)fd;
		u.um.attach_type = TRACE_UPROBE_MULTI;
		u.um.path = (uint64_t)(uintptr_t)path;
		u.um.offsets = (uint64_t)(uintptr_t)offs;
		u.um.cnt = 1;
		link = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &u, sizeof(u.attr));
	} else {
		char buf[32] = "";
		int tf = open("/sys/bus/event_source/devices/uprobe/type", O_RDONLY);
		if (tf < 0 || read(tf, buf, sizeof(buf) - 1) <= 0) {
			perror("uprobe PMU type");
			return 1;
		}
		close(tf);
		struct perf_event_attr attr = { .type = (uint32_t)atoi(buf), .size = sizeof(attr),
						.config1 = (uint64_t)(uintptr_t)path,
						.config2 = (uint64_t)off, .sample_period = 1,
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
	live_until_eof();
	uint32_t key = 0;
	uint64_t sum = 0;
	bpf_map_lookup_elem(map, &key, &sum);
	printf("sum=%llu\n", (unsigned long long)sum);
	return 0;
}

static int stats_on(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0) {
		perror("BPF_ENABLE_STATS");
		return 1;
	}
	live_until_eof();
	return 0;
}

static int stats(unsigned long long hits)
{
	unsigned long long cnt = 0, ns = 0;
	uint32_t id = 0;
	while (bpf_prog_get_next_id(id, &id) == 0) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.run_cnt == hits) {
			cnt += info.run_cnt;
			ns += info.run_time_ns;
		}
		close(fd);
	}
	if (cnt)
		printf("%.1f\n", (double)ns / (double)cnt);
	else
		printf("-\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "hand"))
		return hand(argv[2], argv[3], argv[4]);
	if (argc >= 2 && !strcmp(argv[1], "stats-on"))
		return stats_on();
	if (argc >= 3 && !strcmp(argv[1], "stats"))
		return stats(strtoull(argv[2], NULL, 10));
	fprintf(stderr, "usage: uprobe_vars_bench hand perf|multi PATH FUNC | stats-on | stats HITS\n");
	return 2;
}
