/*
 * load: maps, programs, verifier logs, and the ownership of everything
 * attached (see load.h).
 *
 * Programs are loaded first without a log (the fast path); only a failure
 * pays for a second load with log_level 1.  Since Linux 6.4 the log is a
 * rotating buffer that keeps its end, which is where the reason is; older
 * kernels keep the start and answer ENOSPC, so the buffer grows (to 64 MiB)
 * until the whole log fits.
 */
#include "bpf/load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpfmc/asm.h"
#include "bpfmc/btf_emit.h"
#include "bpfmc/ir.h"
#include "diag/diag.h"
#include "util/arena.h"
#include "util/caps.h"
#include "util/strbuf.h"

/* The kernel-internal "not supported" errno that leaks out of some calls. */
#define ENOTSUPP_ 524

#define LOG_FIRST (1u << 20)
#define LOG_MAX (64u << 20)

double load_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *load_errno_name(int err)
{
	static __thread char buf[16];
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case ELOOP: return "ELOOP";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTSUPP_: return "ENOTSUPP";
	default:
		snprintf(buf, sizeof(buf), "E%d", err);
		return buf;
	}
}

/* ------------------------------------------------------------ context */

struct load_ctx *load_open(struct diag_sink *diag, const struct ir_tagger *tagger)
{
	struct load_ctx *lc = xcalloc(1, sizeof(*lc));
	lc->diag = diag;
	lc->tagger = tagger;
	lc->log_tail_lines = 12;
	lc->last_fail_insn = UINT32_MAX;
	const char *strict = getenv("CTAP_BPF_STRICT_BUDGET");
	lc->strict_budget = strict && *strict && strcmp(strict, "0");
	return lc;
}

void load_attached(struct load_ctx *lc, int fd, enum load_fd_kind kind, const char *what)
{
	struct load_attachment a = { .fd = fd, .kind = kind, .what = xstrdup(what ? what : "") };
	vec_push_heap(&lc->attached, a);
}

void load_detach_all(struct load_ctx *lc)
{
	if (!lc)
		return;
	/* Reverse order: a link goes before the perf event it sits on. */
	for (uint32_t i = lc->attached.len; i-- > 0;) {
		close(lc->attached.items[i].fd);
		free(lc->attached.items[i].what);
	}
	vec_free_heap(&lc->attached);
}

void load_close(struct load_ctx *lc)
{
	if (!lc)
		return;
	load_detach_all(lc);
	vec_foreach(&lc->progs, i)
		close(lc->progs.items[i].fd);
	vec_free_heap(&lc->progs);
	vec_foreach(&lc->maps, i) {
		struct ir_map *m = lc->maps.items[i];
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
	}
	vec_free_heap(&lc->maps);
	free(lc->last_log);
	free(lc);
}

void load_error(struct load_ctx *lc, const void *tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (lc->diag)
		diag_vreport(lc->diag, DIAG_ERROR, D_RUN, ir_tag_token(lc->tagger, tag), DIAG_SAW,
			     fmt, ap);
	va_end(ap);
}

struct btf *load_vmlinux_btf(void)
{
	static struct btf *vmlinux;
	static bool tried;
	if (!tried) {
		tried = true;
		vmlinux = btf__load_vmlinux_btf();
		if (!vmlinux)
			vmlinux = NULL;
	}
	return vmlinux;
}
/* Why the kernel refused a map to this process: an unprivileged user
 * (no CAP_BPF or CAP_SYS_ADMIN) may create BPF objects only when
 * kernel.unprivileged_bpf_disabled is 0, and attaching kernel probes needs
 * CAP_PERFMON besides. */
static const char *eperm_reason(void)
{
	uint64_t eff;
	caps_effective(&eff);
	if (caps_has(eff, CAPS_SYS_ADMIN) || caps_has(eff, CAPS_BPF))
		return "Operation not permitted (the kernel refused it despite CAP_BPF or "
		       "CAP_SYS_ADMIN: a security module or seccomp policy?)";
	switch (caps_unprivileged_bpf_disabled()) {
	case 1:
		return "Operation not permitted: this user lacks CAP_BPF and CAP_SYS_ADMIN, and "
		       "kernel.unprivileged_bpf_disabled is 1 (unprivileged BPF is off until the "
		       "next boot)";
	case 2:
		return "Operation not permitted: this user lacks CAP_BPF and CAP_SYS_ADMIN, and "
		       "kernel.unprivileged_bpf_disabled is 2 (an administrator may set it to 0 "
		       "to allow unprivileged BPF)";
	case 0:
		return "Operation not permitted: this user lacks CAP_BPF and CAP_SYS_ADMIN "
		       "(kernel.unprivileged_bpf_disabled is 0, yet the kernel refused it)";
	}
	return "Operation not permitted: this user lacks CAP_BPF and CAP_SYS_ADMIN "
	       "(kernel.unprivileged_bpf_disabled cannot be read)";
}


/* ------------------------------------------------------------ maps */

int load_map(struct load_ctx *lc, struct ir_map *m)
{
	if (m->fd >= 0)
		return 0;
	uint32_t value_size = m->value_size;
	if (m->rodata && value_size == 0)
		value_size = 8; /* an empty string table still needs a value */
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = m->flags);
	uint32_t key = m->type == BPF_MAP_TYPE_RINGBUF ? 0 : m->key_size;
	uint32_t val = m->type == BPF_MAP_TYPE_RINGBUF ? 0 : value_size;
	int fd = bpf_map_create(m->type, m->kname, key, val, m->max_entries, &opts);
	if (fd < 0) {
		int err = -errno;
		if (err == -EPERM) {
			load_error(lc, NULL, "cannot create BPF map '%s': %s", m->name,
				   eperm_reason());
			return err;
		}
		load_error(lc, NULL, "cannot create BPF map '%s' (%s, key %u, value %u, %u entries): %s",
			   m->name, ir_map_type_name(m->type), key, val, m->max_entries,
			   strerror(-err));
		return err;
	}
	if (m->rodata) {
		uint8_t *v = xcalloc(1, value_size);
		if (m->data_len)
			memcpy(v, m->data, m->data_len);
		uint32_t zero = 0;
		int err = bpf_map_update_elem(fd, &zero, v, BPF_ANY) ? -errno : 0;
		free(v);
		if (!err && bpf_map_freeze(fd))
			err = -errno;
		if (err) {
			load_error(lc, NULL, "cannot fill read-only BPF map '%s': %s", m->name,
				   strerror(-err));
			close(fd);
			return err;
		}
	}
	m->fd = fd;
	vec_push_heap(&lc->maps, m);
	return 0;
}

/* ------------------------------------------------------------ verifier logs */

/* The instruction the verifier complained about: the last "N: (" trace
 * line, else the last "insn N" mention ("unreachable insn 7", "jump out of
 * range from insn 3 to 9"). */
static uint32_t failing_insn(const char *log)
{
	uint32_t found = UINT32_MAX;
	for (const char *l = log; l && *l;) {
		const char *nl = strchr(l, '\n');
		char *end;
		unsigned long n = strtoul(l, &end, 10);
		if (end != l && end[0] == ':' && end[1] == ' ' && end[2] == '(')
			found = (uint32_t)n;
		/* search this line only: logs run to millions of lines */
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *p = l;
		while (found == UINT32_MAX && (p = memmem(p, len - (size_t)(p - l), "insn ", 5))) {
			p += 5;
			n = strtoul(p, &end, 10);
			if (end != p)
				found = (uint32_t)n;
		}
		l = nl ? nl + 1 : NULL;
	}
	return found;
}

static bool stats_line(const char *l, size_t n)
{
	return (n >= 10 && !strncmp(l, "processed ", 10)) ||
	       (n >= 18 && !strncmp(l, "verification time ", 18)) ||
	       (n >= 12 && !strncmp(l, "stack depth ", 12)) || n == 0;
}

/* Appends the last `tail` meaningful lines of log (all if tail == 0) and
 * sets *reason to the last of them. */
static void log_tail(const char *log, uint32_t tail, struct strbuf *out, struct strbuf *reason)
{
	/* the last KEPT lines, in a ring: logs run to millions of lines */
	enum { KEPT = 4096 };
	const char *starts[KEPT];
	size_t lens[KEPT];
	uint64_t n = 0;
	for (const char *l = log; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (!stats_line(l, len)) {
			starts[n % KEPT] = l;
			lens[n % KEPT] = len;
			n++;
		}
		l = nl ? nl + 1 : NULL;
	}
	if (n)
		strbuf_add(reason, starts[(n - 1) % KEPT], lens[(n - 1) % KEPT]);
	uint64_t kept = n < KEPT ? n : KEPT;
	if (tail && kept > tail)
		kept = tail;
	for (uint64_t i = n - kept; i < n; i++) {
		strbuf_puts(out, "    ");
		strbuf_add(out, starts[i % KEPT], lens[i % KEPT]);
		strbuf_putc(out, '\n');
	}
}

static void report_rejection(struct load_ctx *lc, const struct asm_prog *p, int err,
			     const char *log)
{
	uint32_t insn = failing_insn(log);
	lc->last_fail_insn = insn;
	const void *tag = asm_tag_at(p, insn);
	struct strbuf reason = STRBUF_INIT, tail = STRBUF_INIT, at = STRBUF_INIT;
	log_tail(log, lc->full_log ? 0 : lc->log_tail_lines, &tail, &reason);
	if (log && strstr(log, "infinite loop detected")) {
		/* the log's last line is a register dump: say what it means */
		strbuf_reset(&reason);
		strbuf_puts(&reason, "a loop the verifier cannot show to end: its registers and "
			    "stack look the same on every iteration (a walk over memory it "
			    "cannot see into); kernels since 6.9 load such loops (may_goto), "
			    "on older ones bound the loop with a counter");
	}
	if (insn < p->len) {
		strbuf_printf(&at, " at instruction %u (", insn);
		asm_disasm(p, insn, &at);
		strbuf_putc(&at, ')');
		if (tag && lc->tagger && lc->tagger->describe) {
			strbuf_puts(&at, ", serving ");
			ir_tag_describe(lc->tagger, tag, &at);
		}
	}
	bool printed = false;
	if (lc->diag)
		printed = diag_report(lc->diag, DIAG_ERROR, D_RUN, ir_tag_token(lc->tagger, tag),
				      "BPF verifier rejected program '%s' (%s)%s: %s", p->ir->name,
				      load_errno_name(err), strbuf_str(&at),
				      reason.len ? strbuf_str(&reason) : "no reason given");
	if (printed && tail.len)
		fprintf(lc->diag->out, "verifier log (%s):\n%s", lc->full_log ? "complete" : "end",
			strbuf_str(&tail));
	strbuf_free(&reason);
	strbuf_free(&tail);
	strbuf_free(&at);
}

/* ------------------------------------------------------------ programs */

static int resolve_attach_btf(struct load_ctx *lc, const struct ir *ir, uint32_t *id)
{
	struct btf *vmlinux = load_vmlinux_btf();
	if (!vmlinux) {
		load_error(lc, NULL, "program '%s' needs kernel BTF (/sys/kernel/btf/vmlinux), "
			   "which this kernel does not provide", ir->name);
		return -ENOENT;
	}
	int32_t r = btf__find_by_name_kind(vmlinux, ir->attach_btf_name, ir->attach_btf_kind);
	if (r <= 0) {
		load_error(lc, NULL, "program '%s': no '%s' in kernel BTF", ir->name,
			   ir->attach_btf_name);
		return -ENOENT;
	}
	*id = (uint32_t)r;
	return 0;
}

/* Does function f of p call bpf_loop?  The verifier inlines such calls
 * after its stack check and then adds 24 bytes (three saved registers,
 * after rounding the frame to 8) to the function's frame. */
static bool calls_bpf_loop(const struct asm_prog *p, uint32_t f)
{
	const struct asm_func *fn = &p->funcs[f];
	for (uint32_t i = fn->start; i < fn->start + fn->len; i++)
		if (p->insns[i].code == (BPF_JMP | BPF_CALL) && p->insns[i].src_reg == 0 &&
		    p->insns[i].imm == BPF_FUNC_loop)
			return true;
	return false;
}

/*
 * The strict-budget check: "stack depth A+B+C" of the verifier's
 * statistics, one figure per function in the order of their starts, each
 * at most what pass 3 counted.  Returns 0, or -EACCES after reporting.
 */
static int check_budget(struct load_ctx *lc, const struct asm_prog *p, const char *log)
{
	const char *l = log ? strstr(log, "stack depth ") : NULL;
	if (!l) {
		load_error(lc, NULL, "strict budget: the verifier gave no stack figures for program "
			   "'%s'", p->ir->name);
		return -EACCES;
	}
	l += strlen("stack depth ");
	/* the verifier drops functions no path calls before it prints, and
	 * then its figures no longer line up with ours past main's */
	uint32_t figures = 1;
	for (const char *c = l; *c && *c != '\n'; c++)
		figures += *c == '+';
	uint32_t n = figures == p->nfuncs ? p->nfuncs : 1;
	for (uint32_t f = 0; f < n; f++) {
		char *end;
		unsigned long v = strtoul(l, &end, 10);
		if (end == l)
			break;
		uint32_t ours = p->funcs[f].stack;
		uint32_t inlined = (ours + 7) / 8 * 8 + 24;
		if (v > ours && !(v == inlined && calls_bpf_loop(p, f))) {
			load_error(lc, NULL, "strict budget: the verifier counts %lu bytes of stack in "
				   "function '%s' of program '%s' where pass 3 counted %u, so the "
				   "call-chain budget of pass 3 (%u of %u) cannot be trusted for it",
				   v, p->funcs[f].name, p->ir->name, ours, p->budget.combined,
				   p->budget.stack_limit);
			return -EACCES;
		}
		l = *end == '+' ? end + 1 : end;
	}
	return 0;
}

static int prog_load(const struct ir *ir, const struct bpf_insn *insns, uint32_t len,
		     struct bpf_prog_load_opts *opts)
{
	int fd = bpf_prog_load(ir->prog_type, ir->kname, "GPL", insns, len, opts);
	return fd < 0 ? -errno : fd;
}

int load_prog(struct load_ctx *lc, const struct asm_prog *p)
{
	const struct ir *ir = p->ir;
	struct bpf_insn *insns = xcalloc(p->len ? p->len : 1, sizeof(*insns));
	memcpy(insns, p->insns, p->len * sizeof(*insns));
	for (uint32_t i = 0; i < p->nmaps; i++) {
		struct ir_map *m = (struct ir_map *)p->maps[i].map;
		int err = load_map(lc, m);
		if (err) {
			free(insns);
			return err;
		}
		insns[p->maps[i].insn].imm = m->fd;
	}

	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = ir->expected_attach_type);
	if (ir->attach_btf_name) {
		int err = resolve_attach_btf(lc, ir, &opts.attach_btf_id);
		if (err) {
			free(insns);
			return err;
		}
	}
	char btf_log[4096];
	struct btf_emit be;
	int berr = btf_emit_prog(p, &be, btf_log, sizeof(btf_log));
	if (berr && p->nfuncs > 1) {
		/* Sub-functions without func_info are refused by callback
		 * helpers; say why rather than let the verifier guess. */
		load_error(lc, NULL, "cannot load the BTF of program '%s': %s%s%s", ir->name,
			   strerror(-berr), btf_log[0] ? "\n" : "", btf_log);
		free(insns);
		return berr;
	}
	if (!berr) {
		opts.prog_btf_fd = (uint32_t)be.btf_fd;
		opts.func_info = be.finfo;
		opts.func_info_cnt = be.nfinfo;
		opts.func_info_rec_size = sizeof(struct bpf_func_info);
	}

	char stats[1024];
	bool budget_refused = false; /* the load failed that check (reported) */
	if (lc->strict_budget) {
		stats[0] = '\0';
		opts.log_level = 4; /* BPF_LOG_STATS: a few lines, no instruction log */
		opts.log_buf = stats;
		opts.log_size = sizeof(stats);
	}
	double t0 = load_now_ms();
	int fd = prog_load(ir, insns, p->len, &opts);
	double t1 = load_now_ms();
	opts.log_level = 0;
	opts.log_buf = NULL;
	opts.log_size = 0;
	if (fd >= 0 && lc->strict_budget) {
		int err = check_budget(lc, p, stats);
		if (err) {
			close(fd);
			fd = err;
			budget_refused = true;
		}
	}
	if (fd < 0 && fd != -EPERM && fd != -ENOMEM && !budget_refused) {
		int first = fd;
		uint32_t size = LOG_FIRST;
		char *log = NULL;
		for (;;) {
			log = xrealloc(log, size);
			log[0] = '\0';
			opts.log_level = 1;
			opts.log_buf = log;
			opts.log_size = size;
			fd = prog_load(ir, insns, p->len, &opts);
			if (fd == -ENOSPC && size < LOG_MAX) {
				size *= 4;
				continue;
			}
			break;
		}
		if (fd < 0) {
			free(lc->last_log);
			lc->last_log = log;
			report_rejection(lc, p, first, log);
			fd = first;
		} else {
			free(log);
		}
	} else if (fd < 0 && !budget_refused) {
		lc->last_fail_insn = UINT32_MAX;
		load_error(lc, NULL, "cannot load BPF program '%s' (%s): %s", ir->name,
			   load_errno_name(fd), strerror(-fd));
	}
	if (!berr)
		btf_emit_close(&be); /* the program holds its own reference */
	free(insns);
	if (fd < 0)
		return fd;

	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(fd, &info, &info_len);
	struct load_prog rec = { .fd = fd, .id = info.id, .p = p, .load_ms = t1 - t0 };
	vec_push_heap(&lc->progs, rec);
	return fd;
}

const struct load_prog *load_prog_info(const struct load_ctx *lc, int fd)
{
	vec_foreach(&lc->progs, i)
		if (lc->progs.items[i].fd == fd)
			return &lc->progs.items[i];
	return NULL;
}
