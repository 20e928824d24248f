/*
 * asm: encodes an allocated `struct ir` into BPF instructions, and prints
 * them as an annotated listing.
 *
 * Input: a program after regalloc_run() (no vregs).  Output: a `struct
 * asm_prog` in the IR's arena: the instructions with every branch, bpf-to-bpf
 * call and callback address resolved, the start of each function (for BTF
 * func_info), the instructions that load a map (their imm is patched with
 * the map's fd by load_prog), and per instruction the IR tag it serves, so
 * that a verifier complaint about instruction N maps back to the script.
 *
 * Checks: 16-bit branch offsets (an error at the branch's tag, not a wrap),
 * functions that fall off their end, and the verifier's budget (budget.h:
 * stack along call chains, frames rounded up to 32 bytes, instructions).
 */
#ifndef CTAP_BPF_ASM_H
#define CTAP_BPF_ASM_H

#include <stdint.h>

#include <linux/bpf.h>

#include "bpfmc/budget.h"

struct ir;
struct ir_map;
struct ir_tagger;
struct strbuf;

struct asm_func {
	const char *name;
	uint32_t start, len;       /* instruction range */
	uint32_t nargs;
	uint32_t stack;            /* frame bytes */
	const char *origin;        /* imported functions: where the code comes from */
};

struct asm_map_ref {
	uint32_t insn;             /* the first half of an ld_imm64 */
	const struct ir_map *map;
};

struct asm_prog {
	const struct ir *ir;
	struct bpf_insn *insns;
	uint32_t len;
	const void **tags;         /* per instruction (both halves of ld_imm64) */
	struct asm_func *funcs;    /* funcs[0] is main */
	uint32_t nfuncs;
	struct asm_map_ref *maps;
	uint32_t nmaps;
	uint32_t stack_depth;      /* deepest call chain, in verifier accounting */
	struct asm_budget budget;  /* what the verifier will count (budget.h) */
};

/* Encodes an allocated program; NULL on error (reported). */
struct asm_prog *asm_encode(struct ir *ir);
/* regalloc_run() then asm_encode(). */
struct asm_prog *asm_build(struct ir *ir);

/* The tag instruction `insn` serves (NULL if none or out of range). */
const void *asm_tag_at(const struct asm_prog *p, uint32_t insn);

/* One instruction in the verifier's syntax: "(85) call bpf_ktime_get_ns#5". */
void asm_disasm(const struct asm_prog *p, uint32_t insn, struct strbuf *out);

/*
 * The listing `stap -p3 --runtime=bpf` prints: a header per program and
 * per function, then one line per instruction:
 *
 *      7: (85) call bpf_map_lookup_elem#1          ; t.stp:2:3 counts[pid()]++
 *
 * The tag description comes from `tagger` (may be NULL: no annotation).
 */
void asm_listing(const struct asm_prog *p, const struct ir_tagger *tagger, struct strbuf *out);

#endif
