/*
 * ir: the BPF back end's machine-level IR, written by the code generator
 * (lowering from the script AST) and consumed by regalloc.c and asm.c.
 *
 * A program (`struct ir`) is a main function plus optional sub-functions
 * (bpf-to-bpf calls, bpf_loop callbacks).  A function is a flat list of
 * instructions over *virtual registers* (vregs, unlimited) and *labels*;
 * each instruction is one BPF instruction except that its registers may be
 * virtual.  regalloc_run() maps vregs onto r0-r9 (spilling to the stack when
 * it must); asm_encode() then resolves labels into branch offsets and
 * produces `struct bpf_insn`s.  The flow, as in ply and DTrace:
 *
 *     builders (ir_emit_*) -> struct ir -> regalloc_run -> asm_encode -> load_prog
 *
 * Invariants (checked where cheap; violating them is a code-generator bug
 * reported as an internal error, never silently miscompiled):
 *
 *  - Physical registers r0-r5 appear only in sequences the builders make:
 *    argument set-up + call + result move (ir_call_helper/ir_call_func),
 *    function entry (ctx / argument moves), exit (r0 = value; exit).  They
 *    are never live across a label or a jump.  r6-r9 belong to the
 *    allocator and never appear before allocation.
 *  - r10 (IR_FP) is the read-only frame pointer: usable as the base of a
 *    load/store and as the source of a move, never written.
 *  - Each vreg belongs to the function it was created in, is written before
 *    it is read on every path (the verifier rejects reads of unwritten
 *    registers), and holds one value kind at a time (scalar or one pointer
 *    type: the verifier tracks types per register and per 8-byte stack
 *    slot, and spills of all of them are 8-byte, 8-aligned, so they keep
 *    their type).
 *  - Each label is bound exactly once, in the function whose jumps use it.
 *    A function never falls off its end (last instruction: exit or goto).
 *  - The stack frame of each function is at most IR_STACK_MAX bytes, and so
 *    is the sum of frames along any call chain (sub-functions and bpf_loop
 *    callbacks, each rounded up to 32 bytes as the verifier does).  Going
 *    over is an error reported with the tag of the offending construct.
 *  - Every instruction carries the tag that was current when it was emitted
 *    (ir_set_tag); spill code inherits the tag of the instruction it serves.
 *
 * Errors are sticky: builders never fail in a way the caller must check
 * instruction by instruction; the first problem is reported through diag
 * (D_TRANS_LIMIT, at the current tag's token) and ir_failed() turns true.
 *
 * Memory: everything lives in the arena given to ir_new(); nothing is
 * freed separately.
 */
#ifndef CTAP_BPF_IR_H
#define CTAP_BPF_IR_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/bpf.h>

#include "util/vec.h"

struct arena;
struct diag_sink;
struct strbuf;
struct token;
struct source_table;

/* ------------------------------------------------------------ registers */

/* A register operand: 0..10 are the physical registers r0..r10, values
 * from IR_VREG_BASE up are virtual registers. */
typedef uint32_t ir_reg;

enum {
	IR_R0 = 0, IR_R1, IR_R2, IR_R3, IR_R4, IR_R5,
	IR_R6, IR_R7, IR_R8, IR_R9, IR_R10,
	IR_FP = IR_R10,
	IR_NPHYS = 11,
	IR_VREG_BASE = 16,
};
#define IR_NOREG ((ir_reg)UINT32_MAX) /* "no register": discard a call result */

static inline bool ir_is_vreg(ir_reg r)
{
	return r != IR_NOREG && r >= IR_VREG_BASE;
}

typedef uint32_t ir_label;

/* Stack budget of one BPF frame, and of a whole call chain. */
#define IR_STACK_MAX 512

/* ----------------------------------------------------------- operations */

enum ir_alu {
	IR_ADD, IR_SUB, IR_MUL,
	IR_DIV, IR_MOD,     /* unsigned */
	IR_SDIV, IR_SMOD,   /* signed: BPF ISA v4 (kernel 6.6+, feature FEATURE_SDIV) */
	IR_OR, IR_AND, IR_XOR,
	IR_LSH, IR_RSH, IR_ARSH,
	IR_MOV,
	IR_NEG,             /* dst = -dst; no source */
};

enum ir_cond {
	IR_JEQ, IR_JNE,
	IR_JGT, IR_JGE, IR_JLT, IR_JLE,      /* unsigned */
	IR_JSGT, IR_JSGE, IR_JSLT, IR_JSLE,  /* signed */
	IR_JSET,                              /* (a & b) != 0 */
	IR_MAY_GOTO,        /* no operands: taken when the kernel's loop budget is
	                     * spent (6.9+, FEATURE_MAY_GOTO); ir_emit_may_goto */
};

enum ir_atomic {
	IR_ATOMIC_ADD, IR_ATOMIC_OR, IR_ATOMIC_AND, IR_ATOMIC_XOR,
	IR_ATOMIC_XCHG,     /* always fetches */
};

enum ir_kind {
	IRK_ALU,            /* dst op= src|imm (flags: IRF_IMM, IRF_ALU32) */
	IRK_END,            /* dst = bswap: op 0 = to little endian, 1 = to big; imm = 16/32/64 */
	IRK_LD_IMM64,       /* dst = imm (any 64-bit value; two insn slots) */
	IRK_LD_MAP,         /* dst = map (pseudo map fd; ref.map) */
	IRK_LD_MAP_VALUE,   /* dst = &value of entry 0 of ref.map + imm (array maps) */
	IRK_LD_FUNC,        /* dst = address of ref.func (bpf_loop callbacks) */
	IRK_LOAD,           /* dst = *(size *)(src + off) */
	IRK_STORE,          /* *(size *)(dst + off) = src */
	IRK_STORE_IMM,      /* *(size *)(dst + off) = imm */
	IRK_ATOMIC,         /* *(size *)(dst + off) op= src; IRF_FETCH: src = old value */
	IRK_JA,             /* goto label */
	IRK_JCC,            /* if (dst op src|imm) goto label (IRF_IMM, IRF_ALU32) */
	IRK_CALL,           /* call helper imm; uses r1..r<nargs>, defines r0, clobbers r1-r5 */
	IRK_CALL_FUNC,      /* call ref.func (bpf-to-bpf), same convention */
	IRK_EXIT,           /* return r0 */
	IRK_LABEL,          /* binds label; no code */
};

enum ir_flags {
	IRF_IMM = 1u << 0,      /* second operand is imm, not src */
	IRF_ALU32 = 1u << 1,    /* 32-bit ALU / JMP32 */
	IRF_FETCH = 1u << 2,    /* atomic returns the old value in src */
};

struct ir_map;
struct ir_func;

struct ir_insn {
	uint8_t kind;       /* enum ir_kind */
	uint8_t op;         /* enum ir_alu / ir_cond / ir_atomic, END direction */
	uint8_t size;       /* memory access bytes: 1, 2, 4, 8 */
	uint8_t flags;      /* enum ir_flags */
	uint8_t nargs;      /* calls: arguments passed in r1..r<nargs> */
	int16_t off;        /* memory offset */
	ir_reg dst, src;
	int64_t imm;
	ir_label label;     /* JA/JCC target, LABEL bound */
	union {
		const struct ir_map *map;
		const struct ir_func *func;
	} ref;
	const void *tag;    /* the script construct served (opaque) */
};

/* ------------------------------------------------------------------ tags */

/*
 * Tags are opaque to the back end (the lowering typically passes the AST
 * node it is compiling).  A tagger turns them into words: a one-line
 * description for listings and the token diagnostics point at.  Either
 * callback may be NULL; a NULL tag means "no script construct" (e.g. the
 * program prologue).
 */
struct ir_tagger {
	/* Append e.g. "t.stp:3:5 count[pid()]++" (no newline). */
	void (*describe)(void *ctx, const void *tag, struct strbuf *out);
	/* The token a diagnostic about this tag should point at, or NULL. */
	const struct token *(*token)(void *ctx, const void *tag);
	void *ctx;
};

/* A tagger for tags that are `const struct token *`: describes them as
 * "file:line:col text-of-line" using the source table. */
void ir_tagger_for_tokens(struct ir_tagger *t, const struct source_table *sources);

void ir_tag_describe(const struct ir_tagger *t, const void *tag, struct strbuf *out);
const struct token *ir_tag_token(const struct ir_tagger *t, const void *tag);

/* ------------------------------------------------------------------ maps */

/*
 * A BPF map the programs use.  Maps are shared between programs (script
 * globals are), so they are created on their own, not inside one `struct
 * ir`.  `fd` is run-time state: -1 until load_map() creates the map, reset
 * by load_close().
 */
struct ir_map {
	const char *name;          /* full name for listings */
	char kname[16];            /* kernel name: <= 15 chars of [A-Za-z0-9_.] */
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries;
	uint32_t flags;            /* BPF_F_* map_flags */
	/* Read-only data (ir_map_rodata): value of entry 0, frozen after it is
	 * written so that BPF_F_RDONLY_PROG users (bpf_snprintf) accept it. */
	uint8_t *data;
	uint32_t data_len, data_cap;
	bool rodata;
	int fd;
};

/* A map of the given shape.  Names are sanitised for the kernel into
 * kname (other characters become '_', truncated to 15). */
struct ir_map *ir_map_new(struct arena *a, const char *name, enum bpf_map_type type,
			  uint32_t key_size, uint32_t value_size, uint32_t max_entries,
			  uint32_t flags);
/* A one-entry read-only ARRAY whose value grows with ir_rodata_add(); the
 * value size is fixed when the map is loaded. */
struct ir_map *ir_map_rodata(struct arena *a, const char *name);
/* Appends bytes (aligned to `align`) and returns their offset in the value;
 * identical byte strings are stored once. */
uint32_t ir_rodata_add(struct arena *a, struct ir_map *m, const void *data, uint32_t len,
		       uint32_t align);
const char *ir_map_type_name(enum bpf_map_type t); /* "percpu_array" */
const char *ir_prog_type_name(enum bpf_prog_type t); /* "raw_tracepoint" */

/* ------------------------------------------------------------- programs */

/*
 * What an imported function's instruction refers to, resolved when the
 * program is encoded (asm_encode): a call or the address of another
 * function of the program, or a byte of an array map's value.
 */
enum ir_reloc_kind { IR_RELOC_CALL, IR_RELOC_FUNC, IR_RELOC_MAP_VALUE };

struct ir_reloc {
	uint32_t insn;                /* index in the function's code */
	enum ir_reloc_kind kind;
	const struct ir_func *func;   /* CALL, FUNC */
	const struct ir_map *map;     /* MAP_VALUE */
	uint32_t off;                 /* MAP_VALUE: byte of the value */
};

struct ir_func {
	const char *name;
	uint32_t index;           /* 0 = the program's main function */
	uint32_t nargs;           /* arguments (main: 1, the context) */
	ir_reg args[5];           /* vregs holding the arguments */
	VEC(struct ir_insn) insns;
	uint32_t stack;           /* bytes of frame in use (grows down from r10) */
	bool allocated;           /* regalloc_run done: no vregs left */
	uint32_t nspills;         /* stats: vregs spilled by regalloc */
	/*
	 * An imported function (import.h) has no IR: its instructions were
	 * encoded elsewhere (clang) over physical registers, so the allocator
	 * and the builders leave it alone; asm_encode copies `code` and
	 * resolves `relocs`.  `stack` is its frame as measured on the code.
	 */
	const char *origin;       /* NULL, or where the code comes from (listings) */
	const struct bpf_insn *code;
	uint32_t ncode;
	const struct ir_reloc *relocs;
	uint32_t nrelocs;
};

struct ir {
	struct arena *arena;
	struct diag_sink *diag;
	const struct ir_tagger *tagger;

	const char *name;                 /* program name (listings, kernel name source) */
	char kname[16];                   /* kernel program name */
	enum bpf_prog_type prog_type;
	enum bpf_attach_type expected_attach_type; /* 0 unless the type needs one */
	/* tp_btf / fentry: BTF type the program attaches to, resolved in
	 * vmlinux BTF at load time ("btf_trace_sched_switch"). */
	const char *attach_btf_name;
	uint32_t attach_btf_kind;         /* BTF_KIND_TYPEDEF for tp_btf, _FUNC for fentry */

	VEC(struct ir_func *) funcs;      /* funcs.items[0] is main */
	struct ir_func *cur;              /* where builders emit */

	uint32_t nvregs;                  /* vregs are IR_VREG_BASE .. +nvregs-1 */
	VEC(uint32_t) vreg_func;          /* owner function index of each vreg */
	VEC(uint8_t) vreg_flags;          /* IR_VREG_* below */
	uint32_t nlabels;
	VEC(int32_t) label_func;          /* function a label is bound in, -1 if unbound */

	const void *tag;                  /* current tag */
	bool failed;
	/* What the program may use (budget.h): combined stack along a call
	 * chain and encoded instructions; 0 means the kernel's own limit. */
	uint32_t stack_limit, insn_limit;
	/* What the program serves, for messages ("probe syscall.openat"), or NULL. */
	const char *serves;
};

enum { IR_VREG_NOSPILL = 1 }; /* regalloc's spill temporaries */

/* A new program with an empty main function whose context argument is in
 * the vreg ir_ctx().  diag and tagger may be shared by many programs. */
struct ir *ir_new(struct arena *a, struct diag_sink *diag, const struct ir_tagger *tagger,
		  const char *name, enum bpf_prog_type type);
ir_reg ir_ctx(struct ir *ir);

/* Sub-functions: a function taking nargs (<= 5) 64-bit arguments, returned
 * by ir_func_arg(), and returning r0.  Builders emit into the selected
 * function; ir_func_select returns the previously selected one. */
struct ir_func *ir_func_new(struct ir *ir, const char *name, uint32_t nargs);
struct ir_func *ir_func_select(struct ir *ir, struct ir_func *f);
/* An imported function (see struct ir_func): callable with ir_call_func and
 * usable as a callback with ir_arg_func like any other.  The caller (the
 * importer) fills code, relocs and stack. */
struct ir_func *ir_func_imported(struct ir *ir, const char *name, uint32_t nargs,
				 const char *origin);
ir_reg ir_func_arg(struct ir *ir, uint32_t i);

/* The tag of instructions emitted from now on; returns the previous one
 * so that a code generator can restore it when leaving a node. */
const void *ir_set_tag(struct ir *ir, const void *tag);

ir_reg ir_new_vreg(struct ir *ir);
ir_label ir_new_label(struct ir *ir);
void ir_bind_label(struct ir *ir, ir_label l);

/*
 * Stack: returns the r10-relative (negative) offset of `size` fresh bytes
 * aligned to `align` (1, 2, 4 or 8) in the current function's frame.  Over
 * IR_STACK_MAX it reports an error (at the current tag) and returns a
 * harmless offset so that emission can continue.  Slots are never reused:
 * a code generator that wants reuse keeps its own free list.
 */
int16_t ir_stack_alloc(struct ir *ir, uint32_t size, uint32_t align);
/* Zero `size` bytes at r10+off (helpers and hash keys need initialised,
 * padding-free memory). */
void ir_emit_stack_zero(struct ir *ir, int16_t off, uint32_t size);

/* ---- ALU ---- */
void ir_emit_alu(struct ir *ir, enum ir_alu op, ir_reg dst, ir_reg src);      /* 64-bit */
void ir_emit_alu_imm(struct ir *ir, enum ir_alu op, ir_reg dst, int64_t imm); /* 64-bit */
void ir_emit_alu32(struct ir *ir, enum ir_alu op, ir_reg dst, ir_reg src);
void ir_emit_alu32_imm(struct ir *ir, enum ir_alu op, ir_reg dst, int32_t imm);
/* dst = a op b (three-address convenience: a move plus the operation). */
void ir_emit_alu3(struct ir *ir, enum ir_alu op, ir_reg dst, ir_reg a, ir_reg b);
void ir_emit_mov(struct ir *ir, ir_reg dst, ir_reg src);
/* Any 64-bit constant: picks mov (sign-extended 32), mov32 or ld_imm64. */
void ir_emit_mov_imm(struct ir *ir, ir_reg dst, int64_t imm);
void ir_emit_neg(struct ir *ir, ir_reg dst);
void ir_emit_bswap(struct ir *ir, ir_reg dst, bool to_big_endian, uint32_t bits);

/* ---- 64-bit immediates and pseudo loads ---- */
void ir_emit_ld_imm64(struct ir *ir, ir_reg dst, int64_t imm);
void ir_emit_ld_map(struct ir *ir, ir_reg dst, const struct ir_map *m);
void ir_emit_ld_map_value(struct ir *ir, ir_reg dst, const struct ir_map *m, uint32_t off);
void ir_emit_ld_func(struct ir *ir, ir_reg dst, const struct ir_func *f);

/* ---- memory (size = 1, 2, 4, 8; base may be IR_FP) ---- */
void ir_emit_load(struct ir *ir, uint32_t size, ir_reg dst, ir_reg base, int16_t off);
void ir_emit_store(struct ir *ir, uint32_t size, ir_reg base, int16_t off, ir_reg src);
void ir_emit_store_imm(struct ir *ir, uint32_t size, ir_reg base, int16_t off, int32_t imm);
/* size 4 or 8.  With fetch (always for XCHG) src receives the old value. */
void ir_emit_atomic(struct ir *ir, enum ir_atomic op, uint32_t size, ir_reg base, int16_t off,
		    ir_reg src, bool fetch);

/* ---- control flow ---- */
void ir_emit_jmp(struct ir *ir, ir_label l);
void ir_emit_jcc(struct ir *ir, enum ir_cond c, ir_reg a, ir_reg b, ir_label l);
/* goto l once the kernel stops a loop (may_goto; FEATURE_MAY_GOTO) */
void ir_emit_may_goto(struct ir *ir, ir_label l);
void ir_emit_jcc_imm(struct ir *ir, enum ir_cond c, ir_reg a, int64_t imm, ir_label l);
void ir_emit_jcc32(struct ir *ir, enum ir_cond c, ir_reg a, ir_reg b, ir_label l);
void ir_emit_jcc32_imm(struct ir *ir, enum ir_cond c, ir_reg a, int32_t imm, ir_label l);
void ir_emit_exit(struct ir *ir, ir_reg value);       /* return value (any register) */
void ir_emit_exit_imm(struct ir *ir, int32_t value);

/* ---- calls ---- */

/*
 * Call arguments.  The builder moves each into r1..r5 in order right
 * before the call, so argument registers are never live across other code:
 *   ir_arg_reg(v)            the value of a register
 *   ir_arg_imm(x)            a constant
 *   ir_arg_stack(off)        the address r10+off (from ir_stack_alloc)
 *   ir_arg_map(m)            the map (pseudo map fd)
 *   ir_arg_map_value(m, o)   the address of byte o of m's value (rodata)
 *   ir_arg_func(f)           the address of a sub-function (bpf_loop callback)
 */
enum ir_arg_kind { IR_ARG_REG, IR_ARG_IMM, IR_ARG_STACK, IR_ARG_MAP, IR_ARG_MAP_VALUE, IR_ARG_FUNC };

struct ir_arg {
	enum ir_arg_kind kind;
	ir_reg reg;
	int64_t imm;                /* IMM value, STACK offset, MAP_VALUE offset */
	const struct ir_map *map;
	const struct ir_func *func;
};

static inline struct ir_arg ir_arg_reg(ir_reg r)
{
	return (struct ir_arg){ .kind = IR_ARG_REG, .reg = r };
}
static inline struct ir_arg ir_arg_imm(int64_t v)
{
	return (struct ir_arg){ .kind = IR_ARG_IMM, .imm = v };
}
static inline struct ir_arg ir_arg_stack(int16_t off)
{
	return (struct ir_arg){ .kind = IR_ARG_STACK, .imm = off };
}
static inline struct ir_arg ir_arg_map(const struct ir_map *m)
{
	return (struct ir_arg){ .kind = IR_ARG_MAP, .map = m };
}
static inline struct ir_arg ir_arg_map_value(const struct ir_map *m, uint32_t off)
{
	return (struct ir_arg){ .kind = IR_ARG_MAP_VALUE, .map = m, .imm = off };
}
static inline struct ir_arg ir_arg_func(const struct ir_func *f)
{
	return (struct ir_arg){ .kind = IR_ARG_FUNC, .func = f };
}

/*
 * Calls a helper (BPF_FUNC_*): arguments go to r1..r5, the result (r0) is
 * moved to dst (IR_NOREG discards it).  Helpers this layer knows are
 * checked for their argument count.  Values live across the call end up in
 * r6-r9 or on the stack: regalloc sees the clobber of r0-r5.
 *
 *   ir_call_helper(ir, v, BPF_FUNC_map_lookup_elem, ir_arg_map(m), ir_arg_stack(key));
 */
void ir_call_helper_n(struct ir *ir, ir_reg dst, int helper, const struct ir_arg *args,
		      uint32_t nargs);
void ir_call_func_n(struct ir *ir, ir_reg dst, const struct ir_func *f, const struct ir_arg *args,
		    uint32_t nargs);
#define IR_ARGS_(...) ((const struct ir_arg[]){ __VA_ARGS__ })
#define IR_NARGS_(...) (uint32_t)(sizeof(IR_ARGS_(__VA_ARGS__)) / sizeof(struct ir_arg))
#define ir_call_helper(ir, dst, helper, ...) \
	ir_call_helper_n((ir), (dst), (helper), IR_ARGS_(__VA_ARGS__), IR_NARGS_(__VA_ARGS__))
#define ir_call_func(ir, dst, f, ...) \
	ir_call_func_n((ir), (dst), (f), IR_ARGS_(__VA_ARGS__), IR_NARGS_(__VA_ARGS__))

/* "map_lookup_elem" for BPF_FUNC_map_lookup_elem, or NULL if unknown. */
const char *ir_helper_name(int helper);
/* Number of arguments of a known helper, -1 if unknown. */
int ir_helper_nargs(int helper);

/* ---- errors and dumps ---- */

bool ir_failed(const struct ir *ir);
/* Reports an error at `tag` (NULL: the current tag) and marks ir failed. */
void ir_error(struct ir *ir, const void *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An internal invariant violated by the code generator. */
void ir_internal(struct ir *ir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The IR as text (vregs shown as %N, labels as L<n>), for debugging and
 * `-p3 -vv`.  One line per instruction, tagged like the final listing. */
void ir_dump(const struct ir *ir, struct strbuf *out);
/* Register name: "r3", "%17". */
const char *ir_reg_name(ir_reg r, char buf[16]);

/*
 * Deferred prologues: a code generator that learns only at the end of a
 * handler what its start must set up (a scratch-map lookup, locals to
 * zero) notes ir_pos() where the handler starts, emits the set-up code
 * last, then moves it there with ir_move_tail(ir, at, mid): the
 * instructions from `mid` to the end of the selected function go to
 * position `at`.  Instructions carry labels, not offsets, so nothing else
 * changes; the moved code must not bind labels jumped to from before `at`.
 */
uint32_t ir_pos(const struct ir *ir);
/* Drops the instructions no path from the function's entry reaches (the
 * verifier refuses unreachable code; structured lowering leaves some, e.g.
 * the jump over an else after a `next`), and jumps to the very next
 * instruction.  Call before regalloc. */
void ir_prune_dead(struct ir *ir);
void ir_move_tail(struct ir *ir, uint32_t at, uint32_t mid);

/* Internal to the back end (regalloc, asm): append one instruction to f
 * with explicit tag. */
void ir_append(struct ir *ir, struct ir_func *f, const struct ir_insn *insn);

#endif
