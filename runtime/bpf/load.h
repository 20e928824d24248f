/*
 * load: puts maps and encoded programs into the kernel, and owns
 * everything that then has to be taken out again.
 *
 * One `struct load_ctx` per run.  It owns, in this order of release:
 * attachments (links, perf event fds, raw tracepoint fds; registered by the
 * attach_* families), programs, then maps created through it.  So:
 *
 *   load_detach_all(lc)  stops every probe (reverse order of attachment)
 *                        but keeps programs and maps, so that end probes can
 *                        still run and globals can still be read;
 *   load_close(lc)       detaches what is left, closes programs and maps,
 *                        resets each ir_map's fd to -1, frees lc.
 *
 * Both are safe to call on every exit path, repeatedly (load_close(NULL)
 * is a no-op), and nothing survives the process: there are no pinned
 * objects and no tracefs probe definitions, so even a killed run leaves
 * nothing behind once its fds are gone.
 *
 * Errors are reported through diag (DIAG_ERROR, D_RUN) with the token of
 * the tag concerned, and functions return -errno (libbpf's convention).  A
 * verifier rejection is reported with the failing instruction's tag, its
 * disassembly, the verifier's reason, and the tail of the verifier log
 * (the whole log when load_ctx.full_log is set, e.g. for -vv).
 */
#ifndef CTAP_BPF_LOAD_H
#define CTAP_BPF_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "util/vec.h"

struct asm_prog;
struct btf;
struct diag_sink;
struct ir_map;
struct ir_tagger;

enum load_fd_kind {
	LOAD_FD_LINK,     /* bpf_link (perf, raw tp, uprobe_multi, tracing) */
	LOAD_FD_PERF,     /* perf event fd (with or without a link on it) */
	LOAD_FD_RAW_TP,   /* BPF_RAW_TRACEPOINT_OPEN fd */
};

struct load_attachment {
	int fd;
	enum load_fd_kind kind;
	char *what;       /* "raw_tracepoint:sys_enter" (malloc'd) */
};

struct load_prog {
	int fd;
	uint32_t id;              /* kernel program id */
	const struct asm_prog *p;
	double load_ms;           /* BPF_PROG_LOAD wall time (verifier + JIT) */
};

struct load_ctx {
	struct diag_sink *diag;
	const struct ir_tagger *tagger;
	bool full_log;            /* print whole verifier logs */
	/* strict budget (CTAP_BPF_STRICT_BUDGET=1 in the environment): after each
	 * load, the verifier's own stack count of every function is compared
	 * with pass 3's (bpfmc/budget.h); a function the verifier finds deeper
	 * fails the load, whatever this kernel would have allowed */
	bool strict_budget;
	uint32_t log_tail_lines;  /* lines of log shown otherwise (default 12) */
	VEC(struct ir_map *) maps;
	VEC(struct load_prog) progs;
	VEC(struct load_attachment) attached;
	/* the last verifier log (malloc'd), kept for tests and -vv */
	char *last_log;
	uint32_t last_fail_insn;  /* UINT32_MAX when unknown */
};

struct load_ctx *load_open(struct diag_sink *diag, const struct ir_tagger *tagger);
void load_detach_all(struct load_ctx *lc);
void load_close(struct load_ctx *lc);

/* Creates m (idempotent: returns 0 when m->fd >= 0).  Read-only data maps
 * are written and frozen.  Returns 0 or -errno. */
int load_map(struct load_ctx *lc, struct ir_map *m);

/* Loads an encoded program: creates the maps it references, emits its BTF
 * (func_info), resolves ir->attach_btf_name in vmlinux BTF.  Returns the
 * program fd (owned by lc) or -errno. */
int load_prog(struct load_ctx *lc, const struct asm_prog *p);
/* The record of a loaded program, by fd (NULL if not ours). */
const struct load_prog *load_prog_info(const struct load_ctx *lc, int fd);

/* For attach_*: registers fd as an attachment that lc must close. */
void load_attached(struct load_ctx *lc, int fd, enum load_fd_kind kind, const char *what);
/* For attach_*: reports a run-time error at tag's token. */
void load_error(struct load_ctx *lc, const void *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* vmlinux BTF, parsed once per process (NULL if the kernel has none). */
struct btf *load_vmlinux_btf(void);

/* "EPERM" for EPERM, ... ("E123" for unknown numbers; "ok" for 0). */
const char *load_errno_name(int err);

/* Milliseconds on CLOCK_MONOTONIC (for timing figures). */
double load_now_ms(void);

#endif
