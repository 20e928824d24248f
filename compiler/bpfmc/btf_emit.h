/*
 * btf_emit: the minimal BTF a program needs to carry for helpers that
 * demand it (bpf_loop and other callback helpers want func_info).
 *
 * For each function of a program: a FUNC_PROTO returning `long` whose
 * parameters are `void *ctx` (main) or `long argN` (sub-functions), and a
 * static FUNC (static: the verifier checks sub-functions in their caller's
 * context, and does not try to type-check main's `void *ctx` as it does
 * for global functions, which only adds noise to the log), plus the
 * func_info records mapping each
 * function's first instruction to its FUNC type.  Built with libbpf's
 * btf__add_* writer and loaded with BPF_BTF_LOAD.
 *
 * Ownership: struct btf_emit owns the BTF fd and the func_info array;
 * btf_emit_close() releases both (safe after any btf_emit_load(), failed
 * or not, and after btf_emit_close()).
 */
#ifndef CTAP_BPF_BTF_EMIT_H
#define CTAP_BPF_BTF_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

struct asm_prog;

struct btf_emit_func {
	const char *name;       /* sanitised into a C identifier */
	uint32_t insn_off;      /* first instruction */
	uint32_t nargs;
	bool main;
};

struct btf_emit {
	int btf_fd;                  /* -1 when not loaded */
	struct bpf_func_info *finfo; /* malloc'd, nfinfo records */
	uint32_t nfinfo;
};

/* Builds and loads the BTF for `funcs` (funcs[0] must be the main one).
 * Returns 0 or -errno; on failure the kernel's BTF log (if any) is left
 * in log. */
int btf_emit_load(const struct btf_emit_func *funcs, uint32_t n, struct btf_emit *out,
		  char *log, size_t log_size);
/* The same for an encoded program. */
int btf_emit_prog(const struct asm_prog *p, struct btf_emit *out, char *log, size_t log_size);
void btf_emit_close(struct btf_emit *e);

#endif
