/*
 * feature: run-time probes of kernel BPF facilities (see feature.h).
 *
 * Each probe loads the smallest program of the kind in question, written
 * as raw instructions so that probing depends on nothing else in the back
 * end, and attaches it where attaching is cheap (raw_tp, tp_btf, fentry,
 * kprobe_multi, cpu-clock).  Where attaching is expensive to undo
 * (perf-event tracepoints and uprobes take 60-110 ms to detach) the probe
 * stops at loading plus the presence of the PMU or tracefs.
 */
#include "bpf/feature.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include "bpf/attach.h"
#include "bpfmc/btf_emit.h"
#include "bpf/load.h"
#include "diag/diag.h"
#include "util/strbuf.h"

static const char *const names[FEATURE__COUNT] = {
	[FEATURE_KPROBE] = "kprobe",
	[FEATURE_KPROBE_MULTI] = "kprobe_multi",
	[FEATURE_FENTRY] = "fentry",
	[FEATURE_RAW_TP] = "raw_tp",
	[FEATURE_TP_BTF] = "tp_btf",
	[FEATURE_PERF_TP] = "perf_tracepoint",
	[FEATURE_UPROBE] = "uprobe",
	[FEATURE_UPROBE_MULTI] = "uprobe_multi",
	[FEATURE_PERF_EVENT] = "perf_event",
	[FEATURE_BPF_LOOP] = "bpf_loop",
	[FEATURE_RINGBUF] = "ringbuf",
	[FEATURE_SDIV] = "sdiv",
	[FEATURE_MAY_GOTO] = "may_goto",
	[FEATURE_WRITE_USER] = "probe_write_user",
	[FEATURE_BTF] = "btf",
};

static struct feature_verdict verdicts[FEATURE__COUNT];
static bool known[FEATURE__COUNT];
static bool env_read;

/* A function every kernel has, for fentry/kprobe probes. */
#define PROBE_FUNC "vfs_read"

/* ------------------------------------------------------------ helpers */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV0 INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int load(enum bpf_prog_type type, const struct bpf_insn *insns, size_t n,
		struct bpf_prog_load_opts *opts)
{
	int fd = bpf_prog_load(type, "ctap_feature", "GPL", insns, n, opts);
	return fd < 0 ? -errno : fd;
}

static int load_ret0(enum bpf_prog_type type, struct bpf_prog_load_opts *opts)
{
	const struct bpf_insn insns[] = { MOV0, EXIT };
	return load(type, insns, 2, opts);
}

static int vmlinux_id(const char *name, int kind, const char **detail)
{
	struct btf *v = load_vmlinux_btf();
	if (!v) {
		*detail = "no kernel BTF";
		return -ENOENT;
	}
	int id = btf__find_by_name_kind(v, name, kind);
	if (id <= 0) {
		*detail = "not in kernel BTF";
		return -ENOENT;
	}
	return id;
}

/* ------------------------------------------------------------ probes */

static int probe_kprobe(const char **detail)
{
	int fd = load_ret0(BPF_PROG_TYPE_KPROBE, NULL);
	if (fd < 0)
		return fd;
	close(fd);
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0)
		return 0;
	const char *tfs = attach_tracefs();
	if (tfs) {
		char p[256];
		strcpy(p, tfs);
		strcat(p, "/kprobe_events");
		if (access(p, W_OK) == 0)
			return 0;
	}
	*detail = "no kprobe PMU, no kprobe_events";
	return -ENOENT;
}

static int probe_kprobe_multi(const char **detail)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	int fd = load_ret0(BPF_PROG_TYPE_KPROBE, &o);
	if (fd < 0) {
		*detail = "program load";
		return fd;
	}
	const char *syms[] = { PROBE_FUNC };
	LIBBPF_OPTS(bpf_link_create_opts, lo, .kprobe_multi.syms = syms, .kprobe_multi.cnt = 1);
	int link = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &lo);
	int err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(fd);
	if (err)
		*detail = "link";
	return err;
}

static int probe_tracing(enum bpf_attach_type type, const char *target, int kind,
			 const char **detail)
{
	int id = vmlinux_id(target, kind, detail);
	if (id < 0)
		return id;
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = type,
		    .attach_btf_id = (uint32_t)id);
	int fd = load_ret0(BPF_PROG_TYPE_TRACING, &o);
	if (fd < 0) {
		*detail = "program load";
		return fd;
	}
	int link = bpf_raw_tracepoint_open(NULL, fd);
	int err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(fd);
	if (err)
		*detail = "attach";
	return err;
}

/* Load only: a test attachment's release waits for an RCU grace period
 * (9-13 ms here, most of a tracepoint script's launch), and a kernel that
 * loads raw_tracepoint programs attaches them; if it refused, pass 5's
 * attach error names the tracepoint and the reason. */
static int probe_raw_tp(const char **detail)
{
	int fd = load_ret0(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL);
	if (fd < 0) {
		*detail = "program load";
		return fd;
	}
	close(fd);
	return 0;
}

static int probe_perf_tp(const char **detail)
{
	int fd = load_ret0(BPF_PROG_TYPE_TRACEPOINT, NULL);
	if (fd < 0) {
		*detail = "program load";
		return fd;
	}
	close(fd);
	if (attach_tracepoint_id("raw_syscalls", "sys_enter") < 0) {
		*detail = "no tracefs events";
		return -ENOENT;
	}
	return 0;
}

static int probe_uprobe(const char **detail)
{
	int fd = load_ret0(BPF_PROG_TYPE_KPROBE, NULL);
	if (fd < 0) {
		*detail = "program load";
		return fd;
	}
	close(fd);
	int type = attach_pmu_type("uprobe");
	if (type < 0)
		*detail = "no uprobe PMU";
	return type < 0 ? type : 0;
}

/* libbpf's method: a link on "/" fails with EBADF where the kernel knows
 * the attach type (it got as far as opening the path), EINVAL elsewhere. */
static int probe_uprobe_multi(const char **detail)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = ATTACH_TRACE_UPROBE_MULTI);
	int fd = load_ret0(BPF_PROG_TYPE_KPROBE, &o);
	if (fd < 0) {
		*detail = "program load";
		return fd;
	}
	struct {
		uint32_t prog_fd, target_fd, attach_type, flags;
		uint64_t path, offsets, ref_ctr_offsets, cookies;
		uint32_t cnt, um_flags, pid;
	} a;
	union {
		union bpf_attr attr;
		char pad[256];
	} u;
	uint64_t off = 0;
	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)fd;
	a.attach_type = ATTACH_TRACE_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t) "/";
	a.offsets = (uint64_t)(uintptr_t)&off;
	a.cnt = 1;
	memset(&u, 0, sizeof(u));
	memcpy(&u, &a, sizeof(a));
	int link = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &u, sizeof(u.attr));
	int err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(fd);
	if (err == -EBADF)
		return 0;
	*detail = "link";
	return err ? err : 0;
}

static int probe_perf_event(const char **detail)
{
	int fd = load_ret0(BPF_PROG_TYPE_PERF_EVENT, NULL);
	if (fd < 0) {
		*detail = "program load";
		return fd;
	}
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 1000000000ull;
	attr.disabled = 1;
	int pfd = attach_perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	int err = pfd < 0 ? pfd : 0;
	if (pfd >= 0) {
		int link = bpf_link_create(fd, pfd, BPF_PERF_EVENT, NULL);
		err = link < 0 ? -errno : 0;
		if (link >= 0)
			close(link);
		close(pfd);
		if (err)
			*detail = "link";
	} else {
		*detail = "perf_event_open cpu-clock";
	}
	close(fd);
	return err;
}

static int probe_bpf_loop(const char **detail)
{
	/* main: bpf_loop(1, cb, 0, 0); return 0     cb: return 0 */
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1),
		INSN(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 6),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop),
		MOV0, EXIT,
		MOV0, EXIT,
	};
	const struct btf_emit_func funcs[] = {
		{ .name = "main", .insn_off = 0, .nargs = 1, .main = true },
		{ .name = "cb", .insn_off = 8, .nargs = 2 },
	};
	struct btf_emit be;
	int err = btf_emit_load(funcs, 2, &be, NULL, 0);
	if (err) {
		*detail = "program BTF";
		return err;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_btf_fd = (uint32_t)be.btf_fd,
		    .func_info = be.finfo, .func_info_cnt = be.nfinfo,
		    .func_info_rec_size = sizeof(struct bpf_func_info));
	int fd = load(BPF_PROG_TYPE_RAW_TRACEPOINT, insns, sizeof(insns) / sizeof(insns[0]), &o);
	btf_emit_close(&be);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int probe_ringbuf(const char **detail)
{
	(void)detail;
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ctap_feature", 0, 0,
				(uint32_t)sysconf(_SC_PAGESIZE), NULL);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* 0 when the kernel loads these instructions as a raw tracepoint program */
static int loads(const struct bpf_insn *insns, uint32_t n)
{
	int fd = load(BPF_PROG_TYPE_RAW_TRACEPOINT, insns, n, NULL);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int probe_sdiv(const char **detail)
{
	(void)detail;
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -7),
		INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, 2),
		MOV0, EXIT,
	};
	return loads(insns, 4);
}

/* BPF_JMP | BPF_JCOND with src_reg BPF_MAY_GOTO (0): uapi headers before
 * 6.9 do not name it */
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0
#endif

static int probe_may_goto(const char **detail)
{
	(void)detail;
	const struct bpf_insn insns[] = {
		INSN(BPF_JMP | BPF_JCOND, 0, 0, 0, 0),
		MOV0, EXIT,
	};
	return loads(insns, 3);
}

/* a kprobe-type program (uprobes' too) calling bpf_probe_write_user: the
 * kernel leaves the helper out under lockdown ("integrity" and up) */
static int probe_write_user(const char **detail)
{
	(void)detail;
	const struct bpf_insn insns[] = {
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 8),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_write_user),
		MOV0, EXIT,
	};
	int fd = load(BPF_PROG_TYPE_KPROBE, insns, 8, NULL);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int probe_btf(const char **detail)
{
	(void)detail;
	const struct btf_emit_func main_fn = { .name = "main", .nargs = 1, .main = true };
	struct btf_emit be;
	int err = btf_emit_load(&main_fn, 1, &be, NULL, 0);
	btf_emit_close(&be);
	return err;
}

static int run_probe(enum feature f, const char **detail)
{
	switch (f) {
	case FEATURE_KPROBE: return probe_kprobe(detail);
	case FEATURE_KPROBE_MULTI: return probe_kprobe_multi(detail);
	case FEATURE_FENTRY:
		return probe_tracing(BPF_TRACE_FENTRY, PROBE_FUNC, BTF_KIND_FUNC, detail);
	case FEATURE_RAW_TP: return probe_raw_tp(detail);
	case FEATURE_TP_BTF:
		return probe_tracing(BPF_TRACE_RAW_TP, "btf_trace_sys_enter", BTF_KIND_TYPEDEF, detail);
	case FEATURE_PERF_TP: return probe_perf_tp(detail);
	case FEATURE_UPROBE: return probe_uprobe(detail);
	case FEATURE_UPROBE_MULTI: return probe_uprobe_multi(detail);
	case FEATURE_PERF_EVENT: return probe_perf_event(detail);
	case FEATURE_BPF_LOOP: return probe_bpf_loop(detail);
	case FEATURE_RINGBUF: return probe_ringbuf(detail);
	case FEATURE_SDIV: return probe_sdiv(detail);
	case FEATURE_BTF: return probe_btf(detail);
	case FEATURE_MAY_GOTO: return probe_may_goto(detail);
	case FEATURE_WRITE_USER: return probe_write_user(detail);
	case FEATURE__COUNT: break;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ verdicts */

static int errno_by_name(const char *s)
{
	if (!strcmp(s, "ok") || !strcmp(s, "0"))
		return 0;
	for (int e = 1; e < 600; e++) {
		const char *n = load_errno_name(e);
		if (n[0] == 'E' && !(n[1] >= '0' && n[1] <= '9') && !strcmp(n, s))
			return e;
	}
	if (s[0] == 'E' && s[1] >= '0' && s[1] <= '9')
		return atoi(s + 1);
	return -1;
}

void feature_override(enum feature f, int err)
{
	if (f >= FEATURE__COUNT)
		return;
	verdicts[f] = (struct feature_verdict){ .err = err < 0 ? -err : err, .overridden = true };
	known[f] = true;
}

bool feature_parse_overrides(const char *spec, const char **bad)
{
	static char item[128];
	while (spec && *spec) {
		const char *end = strchr(spec, ',');
		size_t len = end ? (size_t)(end - spec) : strlen(spec);
		if (len >= sizeof(item))
			len = sizeof(item) - 1;
		memcpy(item, spec, len);
		item[len] = '\0';
		char *eq = strchr(item, '=');
		int f = -1, err = -1;
		if (eq) {
			*eq = '\0';
			f = feature_by_name(item);
			err = errno_by_name(eq + 1);
			*eq = '=';
		}
		if (f < 0 || err < 0) {
			if (bad)
				*bad = item;
			return false;
		}
		feature_override((enum feature)f, err);
		spec = end ? end + 1 : NULL;
	}
	return true;
}

void feature_reset(void)
{
	memset(verdicts, 0, sizeof(verdicts));
	memset(known, 0, sizeof(known));
	env_read = true; /* a reset means "probe for real", not "re-read the pins" */
}

const struct feature_verdict *feature_probe(enum feature f)
{
	if (!env_read) {
		env_read = true;
		const char *spec = getenv("CTAP_BPF_FEATURES");
		if (spec)
			feature_parse_overrides(spec, NULL);
	}
	if (f >= FEATURE__COUNT)
		f = FEATURE_BTF;
	if (!known[f]) {
		const char *detail = NULL;
		double t0 = load_now_ms();
		int r = run_probe(f, &detail);
		verdicts[f] = (struct feature_verdict){ .err = r < 0 ? -r : 0,
							.detail = r < 0 ? detail : NULL,
							.ms = load_now_ms() - t0 };
		known[f] = true;
	}
	return &verdicts[f];
}

bool feature_available(enum feature f)
{
	return feature_probe(f)->err == 0;
}

const char *feature_name(enum feature f)
{
	return f < FEATURE__COUNT ? names[f] : "?";
}

int feature_by_name(const char *name)
{
	for (int f = 0; f < FEATURE__COUNT; f++)
		if (!strcmp(names[f], name))
			return f;
	return -1;
}

void feature_describe(enum feature f, struct strbuf *out)
{
	const struct feature_verdict *v = feature_probe(f);
	strbuf_printf(out, "%s: %s", feature_name(f), load_errno_name(v->err));
	if (v->err && v->detail)
		strbuf_printf(out, " (%s)", v->detail);
}

int feature_require(struct diag_sink *diag, const struct token *tok, const char *what,
		    const char *needs, const enum feature *alts, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (feature_available(alts[i]))
			return (int)alts[i];
	struct strbuf why = STRBUF_INIT;
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			strbuf_puts(&why, ", ");
		feature_describe(alts[i], &why);
	}
	const char *offers = n == 1 ? "does not offer it"
			     : n == 2 ? "offers neither" : "offers none of them";
	if (diag)
		diag_report(diag, DIAG_SEMANTIC, D_SEM_BACKEND, tok, "%s need %s; this kernel %s (%s)",
			    what, needs, offers, strbuf_str(&why));
	strbuf_free(&why);
	return -1;
}
