/*
 * asm: IR -> struct bpf_insn, branch resolution, the budget check (budget.c), and
 * the annotated listing (see asm.h).
 *
 * Two passes over the allocated IR: the first gives every instruction its
 * slot (labels take none, 64-bit loads take two) and every function its
 * start; the second emits, turning labels into pc-relative offsets.  The
 * disassembler prints the kernel verifier's syntax so that a listing and a
 * verifier log can be read side by side.
 */
#include "bpfmc/asm.h"

#include <stdio.h>
#include <string.h>

#include "bpfmc/ir.h"
#include "bpfmc/regalloc.h"
#include "util/arena.h"
#include "util/strbuf.h"

#ifndef BPF_JCOND
#define BPF_JCOND 0xe0 /* may_goto (6.9); older uapi headers do not name it */
#endif

/* ------------------------------------------------------------ opcodes */

static uint8_t alu_code(enum ir_alu op)
{
	switch (op) {
	case IR_ADD: return BPF_ADD;
	case IR_SUB: return BPF_SUB;
	case IR_MUL: return BPF_MUL;
	case IR_DIV: case IR_SDIV: return BPF_DIV;
	case IR_MOD: case IR_SMOD: return BPF_MOD;
	case IR_OR: return BPF_OR;
	case IR_AND: return BPF_AND;
	case IR_XOR: return BPF_XOR;
	case IR_LSH: return BPF_LSH;
	case IR_RSH: return BPF_RSH;
	case IR_ARSH: return BPF_ARSH;
	case IR_MOV: return BPF_MOV;
	case IR_NEG: return BPF_NEG;
	}
	return BPF_ADD;
}

static uint8_t jmp_code(enum ir_cond c)
{
	switch (c) {
	case IR_JEQ: return BPF_JEQ;
	case IR_JNE: return BPF_JNE;
	case IR_JGT: return BPF_JGT;
	case IR_JGE: return BPF_JGE;
	case IR_JLT: return BPF_JLT;
	case IR_JLE: return BPF_JLE;
	case IR_JSGT: return BPF_JSGT;
	case IR_JSGE: return BPF_JSGE;
	case IR_JSLT: return BPF_JSLT;
	case IR_JSLE: return BPF_JSLE;
	case IR_JSET: return BPF_JSET;
	case IR_MAY_GOTO: return BPF_JCOND;
	}
	return BPF_JEQ;
}

static uint8_t size_code(uint32_t size)
{
	switch (size) {
	case 1: return BPF_B;
	case 2: return BPF_H;
	case 4: return BPF_W;
	default: return BPF_DW;
	}
}

static int32_t atomic_imm(const struct ir_insn *in)
{
	int32_t imm;
	switch ((enum ir_atomic)in->op) {
	case IR_ATOMIC_OR: imm = BPF_OR; break;
	case IR_ATOMIC_AND: imm = BPF_AND; break;
	case IR_ATOMIC_XOR: imm = BPF_XOR; break;
	case IR_ATOMIC_XCHG: return BPF_XCHG;
	default: imm = BPF_ADD; break;
	}
	return (in->flags & IRF_FETCH) ? (imm | BPF_FETCH) : imm;
}

static uint32_t slots(const struct ir_insn *in)
{
	switch ((enum ir_kind)in->kind) {
	case IRK_LABEL: return 0;
	case IRK_LD_IMM64: case IRK_LD_MAP: case IRK_LD_MAP_VALUE: case IRK_LD_FUNC: return 2;
	default: return 1;
	}
}

/* ------------------------------------------------------------ checks */

static bool check_func(struct ir *ir, const struct ir_func *f)
{
	if (f->origin) {
		/* the importer checked its code; it must still end */
		uint8_t c = f->ncode ? f->code[f->ncode - 1].code : 0;
		if (c != (BPF_JMP | BPF_EXIT) && c != (BPF_JMP | BPF_JA)) {
			ir_internal(ir, "imported function '%s' falls off its end", f->name);
			return false;
		}
		return true;
	}
	if (!f->allocated) {
		ir_internal(ir, "function '%s' encoded before register allocation", f->name);
		return false;
	}
	const struct ir_insn *last = NULL;
	vec_foreach(&f->insns, i) {
		const struct ir_insn *in = &f->insns.items[i];
		if (ir_is_vreg(in->dst) || ir_is_vreg(in->src)) {
			ir_internal(ir, "virtual register left in '%s'", f->name);
			return false;
		}
		last = in;
	}
	if (!last || (last->kind != IRK_EXIT && last->kind != IRK_JA)) {
		ir_error(ir, last ? last->tag : NULL,
			 "BPF function '%s' falls off its end (missing exit)", f->name);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ encoding */

static struct bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn x;
	memset(&x, 0, sizeof(x));
	x.code = code;
	x.dst_reg = dst & 0xf;
	x.src_reg = src & 0xf;
	x.off = off;
	x.imm = imm;
	return x;
}

struct enc {
	struct ir *ir;
	struct asm_prog *p;
	uint32_t *label_slot;
	uint32_t map_cap;
};

static bool rel16(struct enc *e, const struct ir_insn *in, uint32_t at, uint32_t target,
		  int16_t *off)
{
	int64_t d = (int64_t)target - (int64_t)at - 1;
	if (d < INT16_MIN || d > INT16_MAX) {
		ir_error(e->ir, in->tag,
			 "BPF branch too far (%lld instructions, in a program of %u): a BPF jump "
			 "holds a signed 16-bit offset, so it reaches at most 32767 instructions "
			 "forward and 32768 back, and the code it jumps over cannot be split across "
			 "programs (one handler, or the handlers of one syscall number); make that "
			 "code smaller, e.g. fewer inlined function calls or string operations",
			 (long long)d, e->p->len);
		return false;
	}
	*off = (int16_t)d;
	return true;
}

static void add_map_ref(struct enc *e, uint32_t at, const struct ir_map *m)
{
	struct asm_prog *p = e->p;
	if (p->nmaps == e->map_cap) {
		e->map_cap = e->map_cap ? e->map_cap * 2 : 16;
		struct asm_map_ref *n = arena_new_array(e->ir->arena, struct asm_map_ref, e->map_cap);
		if (p->nmaps)
			memcpy(n, p->maps, p->nmaps * sizeof(*n));
		p->maps = n;
	}
	p->maps[p->nmaps++] = (struct asm_map_ref){ at, m };
}

static bool encode_one(struct enc *e, const struct ir_insn *in, uint32_t at)
{
	struct bpf_insn *x = &e->p->insns[at];
	uint8_t dst = (uint8_t)in->dst, src = (uint8_t)in->src;
	bool imm = in->flags & IRF_IMM;
	bool w32 = in->flags & IRF_ALU32;
	int16_t off = 0;
	switch ((enum ir_kind)in->kind) {
	case IRK_ALU: {
		uint8_t code = (w32 ? BPF_ALU : BPF_ALU64) | alu_code(in->op) | (imm ? BPF_K : BPF_X);
		int16_t signed_op = (in->op == IR_SDIV || in->op == IR_SMOD) ? 1 : 0;
		*x = mk(code, dst, imm ? 0 : src, signed_op, imm ? (int32_t)in->imm : 0);
		break;
	}
	case IRK_END:
		*x = mk(BPF_ALU | BPF_END | (in->op ? BPF_TO_BE : BPF_TO_LE), dst, 0, 0,
			(int32_t)in->imm);
		break;
	case IRK_LD_IMM64:
		x[0] = mk(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int32_t)(uint32_t)in->imm);
		x[1] = mk(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)in->imm >> 32));
		break;
	case IRK_LD_MAP:
		x[0] = mk(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, 0);
		x[1] = mk(0, 0, 0, 0, 0);
		add_map_ref(e, at, in->ref.map);
		break;
	case IRK_LD_MAP_VALUE:
		x[0] = mk(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_VALUE, 0, 0);
		x[1] = mk(0, 0, 0, 0, (int32_t)in->imm);
		add_map_ref(e, at, in->ref.map);
		break;
	case IRK_LD_FUNC: {
		uint32_t target = e->p->funcs[in->ref.func->index].start;
		x[0] = mk(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_FUNC, 0,
			  (int32_t)target - (int32_t)at - 1);
		x[1] = mk(0, 0, 0, 0, 0);
		break;
	}
	case IRK_LOAD:
		*x = mk(BPF_LDX | BPF_MEM | size_code(in->size), dst, src, in->off, 0);
		break;
	case IRK_STORE:
		*x = mk(BPF_STX | BPF_MEM | size_code(in->size), dst, src, in->off, 0);
		break;
	case IRK_STORE_IMM:
		*x = mk(BPF_ST | BPF_MEM | size_code(in->size), dst, 0, in->off, (int32_t)in->imm);
		break;
	case IRK_ATOMIC:
		*x = mk(BPF_STX | BPF_ATOMIC | size_code(in->size), dst, src, in->off, atomic_imm(in));
		break;
	case IRK_JA:
		if (!rel16(e, in, at, e->label_slot[in->label], &off))
			return false;
		*x = mk(BPF_JMP | BPF_JA, 0, 0, off, 0);
		break;
	case IRK_JCC:
		if (!rel16(e, in, at, e->label_slot[in->label], &off))
			return false;
		if (in->op == IR_MAY_GOTO) {
			*x = mk(BPF_JMP | BPF_JCOND, 0, 0, off, 0);
			break;
		}
		*x = mk((w32 ? BPF_JMP32 : BPF_JMP) | jmp_code(in->op) | (imm ? BPF_K : BPF_X), dst,
			imm ? 0 : src, off, imm ? (int32_t)in->imm : 0);
		break;
	case IRK_CALL:
		*x = mk(BPF_JMP | BPF_CALL, 0, 0, 0, (int32_t)in->imm);
		break;
	case IRK_CALL_FUNC: {
		uint32_t target = e->p->funcs[in->ref.func->index].start;
		*x = mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, (int32_t)target - (int32_t)at - 1);
		break;
	}
	case IRK_EXIT:
		*x = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		break;
	case IRK_LABEL:
		break;
	}
	return true;
}

/* Copies an imported function's code to slot `at` and resolves what it
 * refers to (see struct ir_reloc). */
static bool encode_imported(struct enc *e, const struct ir_func *f, uint32_t at)
{
	struct bpf_insn *x = &e->p->insns[at];
	memcpy(x, f->code, sizeof(*x) * f->ncode);
	for (uint32_t i = 0; i < f->nrelocs; i++) {
		const struct ir_reloc *r = &f->relocs[i];
		struct bpf_insn *in = &x[r->insn];
		bool ld64 = in->code == (BPF_LD | BPF_DW | BPF_IMM) && r->insn + 1 < f->ncode;
		switch (r->kind) {
		case IR_RELOC_CALL:
			if (in->code != (BPF_JMP | BPF_CALL))
				break;
			in->src_reg = BPF_PSEUDO_CALL;
			in->imm = (int32_t)e->p->funcs[r->func->index].start - (int32_t)(at + r->insn) - 1;
			continue;
		case IR_RELOC_FUNC:
			if (!ld64)
				break;
			in->src_reg = BPF_PSEUDO_FUNC;
			in->imm = (int32_t)e->p->funcs[r->func->index].start - (int32_t)(at + r->insn) - 1;
			in[1].imm = 0;
			continue;
		case IR_RELOC_MAP_VALUE:
			if (!ld64)
				break;
			in->src_reg = BPF_PSEUDO_MAP_VALUE;
			in->imm = 0;
			in[1].imm = (int32_t)r->off;
			add_map_ref(e, at + r->insn, r->map);
			continue;
		}
		ir_internal(e->ir, "relocation %u of imported function '%s' is on instruction %u "
			    "(code %#x), which cannot take it", i, f->name, r->insn, in->code);
		return false;
	}
	return true;
}

struct asm_prog *asm_encode(struct ir *ir)
{
	if (ir->failed)
		return NULL;
	vec_foreach(&ir->funcs, fi)
		if (!check_func(ir, ir->funcs.items[fi]))
			return NULL;

	struct asm_prog *p = arena_new_obj(ir->arena, struct asm_prog);
	p->ir = ir;
	p->nfuncs = ir->funcs.len;
	p->funcs = arena_new_array(ir->arena, struct asm_func, p->nfuncs);
	struct enc e = { .ir = ir, .p = p };
	e.label_slot = arena_new_array(ir->arena, uint32_t, ir->nlabels + 1);

	/* pass 1: slots */
	uint32_t at = 0;
	vec_foreach(&ir->funcs, fi) {
		const struct ir_func *f = ir->funcs.items[fi];
		p->funcs[fi] = (struct asm_func){ .name = f->name, .start = at, .nargs = f->nargs,
						  .stack = f->stack, .origin = f->origin };
		at += f->ncode;
		vec_foreach(&f->insns, i) {
			const struct ir_insn *in = &f->insns.items[i];
			if (in->kind == IRK_LABEL)
				e.label_slot[in->label] = at;
			/* the verifier gives may_goto's state room in the
			 * function's frame, once however many there are: 8
			 * bytes of count, 16 where the JIT times it (x86 since
			 * 6.14); counted the larger way */
			if (in->kind == IRK_JCC && in->op == IR_MAY_GOTO && p->funcs[fi].stack == f->stack)
				p->funcs[fi].stack += 16;
			at += slots(in);
		}
		p->funcs[fi].len = at - p->funcs[fi].start;
	}
	p->len = at;
	p->insns = arena_new_array(ir->arena, struct bpf_insn, at + 1);
	p->tags = arena_new_array(ir->arena, const void *, at + 1);

	/* pass 2: emit */
	at = 0;
	vec_foreach(&ir->funcs, fi) {
		const struct ir_func *f = ir->funcs.items[fi];
		if (f->origin) {
			if (!encode_imported(&e, f, at))
				return NULL;
			at += f->ncode;  /* tags stay NULL: the listing names the helper */
			continue;
		}
		vec_foreach(&f->insns, i) {
			const struct ir_insn *in = &f->insns.items[i];
			if (in->kind == IRK_JA || in->kind == IRK_JCC) {
				if (ir->label_func.items[in->label] != (int32_t)fi) {
					ir_internal(ir, "jump from '%s' to label L%u of another function",
						    f->name, in->label);
					return NULL;
				}
			}
			if (!encode_one(&e, in, at))
				return NULL;
			for (uint32_t k = 0; k < slots(in); k++)
				p->tags[at + k] = in->tag;
			at += slots(in);
		}
	}

	if (!budget_check(p))
		return NULL;
	p->stack_depth = p->budget.combined;
	return p;
}

struct asm_prog *asm_build(struct ir *ir)
{
	if (!regalloc_run(ir))
		return NULL;
	return asm_encode(ir);
}

const void *asm_tag_at(const struct asm_prog *p, uint32_t insn)
{
	return p && insn < p->len ? p->tags[insn] : NULL;
}

/* ------------------------------------------------------------ disassembly */

static const char *const alu_ops[16] = {
	[BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=", [BPF_OR >> 4] = "|=", [BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=", [BPF_NEG >> 4] = "neg",
	[BPF_MOD >> 4] = "%=", [BPF_XOR >> 4] = "^=", [BPF_MOV >> 4] = "=",
	[BPF_ARSH >> 4] = "s>>=", [BPF_END >> 4] = "endian",
};

static const char *const jmp_ops[16] = {
	[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">", [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&", [BPF_JNE >> 4] = "!=", [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<", [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};

static const char *size_name(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return "u8";
	case BPF_H: return "u16";
	case BPF_W: return "u32";
	default: return "u64";
	}
}

static const char *map_at(const struct asm_prog *p, uint32_t insn)
{
	for (uint32_t i = 0; p && i < p->nmaps; i++)
		if (p->maps[i].insn == insn)
			return p->maps[i].map->name;
	return "?";
}

static const char *func_at(const struct asm_prog *p, int64_t start)
{
	for (uint32_t i = 0; p && i < p->nfuncs; i++)
		if (p->funcs[i].start == start)
			return p->funcs[i].name;
	return "?";
}

static void disasm_alu(const struct bpf_insn *x, struct strbuf *out)
{
	bool is64 = BPF_CLASS(x->code) == BPF_ALU64;
	char r = is64 ? 'r' : 'w';
	uint8_t op = BPF_OP(x->code);
	if (op == BPF_END) {
		strbuf_printf(out, "r%u = %s%d r%u", x->dst_reg,
			      BPF_SRC(x->code) == BPF_TO_BE ? "be" : "le", x->imm, x->dst_reg);
		return;
	}
	if (op == BPF_NEG) {
		strbuf_printf(out, "%c%u = -%c%u", r, x->dst_reg, r, x->dst_reg);
		return;
	}
	const char *sym = alu_ops[op >> 4] ? alu_ops[op >> 4] : "?=";
	if (x->off == 1 && (op == BPF_DIV || op == BPF_MOD))
		sym = op == BPF_DIV ? "s/=" : "s%=";
	if (BPF_SRC(x->code) == BPF_X)
		strbuf_printf(out, "%c%u %s %c%u", r, x->dst_reg, sym, r, x->src_reg);
	else
		strbuf_printf(out, "%c%u %s %d", r, x->dst_reg, sym, x->imm);
}

static void disasm_atomic(const struct bpf_insn *x, struct strbuf *out)
{
	bool dw = BPF_SIZE(x->code) == BPF_DW;
	const char *sz = dw ? "u64" : "u32";
	int op = x->imm & ~BPF_FETCH;
	const char *name = op == BPF_OR ? "or" : op == BPF_AND ? "and" : op == BPF_XOR ? "xor" : "add";
	if (x->imm == BPF_XCHG)
		strbuf_printf(out, "%c%u = atomic%s_xchg((%s *)(r%u %+d), %c%u)", dw ? 'r' : 'w',
			      x->src_reg, dw ? "64" : "", sz, x->dst_reg, x->off, dw ? 'r' : 'w',
			      x->src_reg);
	else if (x->imm & BPF_FETCH)
		strbuf_printf(out, "%c%u = atomic%s_fetch_%s((%s *)(r%u %+d), %c%u)", dw ? 'r' : 'w',
			      x->src_reg, dw ? "64" : "", name, sz, x->dst_reg, x->off,
			      dw ? 'r' : 'w', x->src_reg);
	else
		strbuf_printf(out, "lock *(%s *)(r%u %+d) %s= r%u", sz, x->dst_reg, x->off,
			      op == BPF_OR ? "|" : op == BPF_AND ? "&" : op == BPF_XOR ? "^" : "+",
			      x->src_reg);
}

static void disasm_jmp(const struct asm_prog *p, uint32_t i, const struct bpf_insn *x,
		       struct strbuf *out)
{
	uint8_t op = BPF_OP(x->code);
	char r = BPF_CLASS(x->code) == BPF_JMP32 ? 'w' : 'r';
	if (op == BPF_CALL) {
		if (x->src_reg == BPF_PSEUDO_CALL) {
			strbuf_printf(out, "call pc%+d <%s>", x->imm,
				      func_at(p, (int64_t)i + 1 + x->imm));
		} else {
			const char *n = ir_helper_name(x->imm);
			if (n)
				strbuf_printf(out, "call bpf_%s#%d", n, x->imm);
			else
				strbuf_printf(out, "call helper#%d", x->imm);
		}
	} else if (op == BPF_EXIT) {
		strbuf_puts(out, "exit");
	} else if (op == BPF_JA) {
		strbuf_printf(out, "goto pc%+d <%u>", x->off, i + 1 + x->off);
	} else if (BPF_SRC(x->code) == BPF_X) {
		strbuf_printf(out, "if %c%u %s %c%u goto pc%+d <%u>", r, x->dst_reg,
			      jmp_ops[op >> 4] ? jmp_ops[op >> 4] : "?", r, x->src_reg, x->off,
			      i + 1 + x->off);
	} else {
		strbuf_printf(out, "if %c%u %s %#x goto pc%+d <%u>", r, x->dst_reg,
			      jmp_ops[op >> 4] ? jmp_ops[op >> 4] : "?", (unsigned)x->imm, x->off,
			      i + 1 + x->off);
	}
}

static void disasm_ld64(const struct asm_prog *p, uint32_t i, const struct bpf_insn *x,
			struct strbuf *out)
{
	uint64_t v = (uint32_t)x[0].imm | (uint64_t)(uint32_t)x[1].imm << 32;
	switch (x->src_reg) {
	case BPF_PSEUDO_MAP_FD:
		strbuf_printf(out, "r%u = map[%s] ll", x->dst_reg, map_at(p, i));
		break;
	case BPF_PSEUDO_MAP_VALUE:
		strbuf_printf(out, "r%u = map[%s][0]+%d ll", x->dst_reg, map_at(p, i), x[1].imm);
		break;
	case BPF_PSEUDO_FUNC:
		strbuf_printf(out, "r%u = func <%s> ll", x->dst_reg,
			      func_at(p, (int64_t)i + 1 + x->imm));
		break;
	default:
		strbuf_printf(out, "r%u = %#llx ll", x->dst_reg, (unsigned long long)v);
	}
}

void asm_disasm(const struct asm_prog *p, uint32_t i, struct strbuf *out)
{
	const struct bpf_insn *x = &p->insns[i];
	strbuf_printf(out, "(%02x) ", x->code);
	switch (BPF_CLASS(x->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		disasm_alu(x, out);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		disasm_jmp(p, i, x, out);
		break;
	case BPF_LDX:
		strbuf_printf(out, "r%u = *(%s *)(r%u %+d)", x->dst_reg, size_name(x->code),
			      x->src_reg, x->off);
		break;
	case BPF_STX:
		if (BPF_MODE(x->code) == BPF_ATOMIC)
			disasm_atomic(x, out);
		else
			strbuf_printf(out, "*(%s *)(r%u %+d) = r%u", size_name(x->code), x->dst_reg,
				      x->off, x->src_reg);
		break;
	case BPF_ST:
		strbuf_printf(out, "*(%s *)(r%u %+d) = %d", size_name(x->code), x->dst_reg, x->off,
			      x->imm);
		break;
	case BPF_LD:
		if (x->code == (BPF_LD | BPF_DW | BPF_IMM) && i + 1 < p->len)
			disasm_ld64(p, i, x, out);
		else
			strbuf_puts(out, "?");
		break;
	default:
		strbuf_puts(out, "?");
	}
}

void asm_listing(const struct asm_prog *p, const struct ir_tagger *tagger, struct strbuf *out)
{
	const struct ir *ir = p->ir;
	strbuf_printf(out, "; program %s: %s, %u instructions, %u bytes of stack", ir->name,
		      ir_prog_type_name(ir->prog_type), p->len, p->funcs[0].stack);
	if (p->nfuncs > 1)
		strbuf_printf(out, " (%u along the deepest call chain)", p->stack_depth);
	strbuf_putc(out, '\n');
	budget_listing(p, out);
	/* maps referenced, once each */
	for (uint32_t i = 0; i < p->nmaps; i++) {
		const struct ir_map *m = p->maps[i].map;
		bool dup = false;
		for (uint32_t j = 0; j < i; j++)
			dup |= p->maps[j].map == m;
		if (dup)
			continue;
		if (m->type == BPF_MAP_TYPE_RINGBUF)
			strbuf_printf(out, ";   map %s: ringbuf, %u bytes\n", m->name, m->max_entries);
		else
			strbuf_printf(out, ";   map %s: %s%s, key %u, value %u, %u entries\n", m->name,
				      ir_map_type_name(m->type), m->rodata ? " (read-only)" : "",
				      m->key_size, m->value_size, m->max_entries);
	}
	for (uint32_t f = 0; f < p->nfuncs; f++) {
		const struct asm_func *fn = &p->funcs[f];
		strbuf_printf(out, "%s:\t; %u args, %u bytes of stack", fn->name, fn->nargs,
			      fn->stack);
		if (fn->origin)
			strbuf_printf(out, ", imported from %s", fn->origin);
		strbuf_putc(out, '\n');
		for (uint32_t i = fn->start; i < fn->start + fn->len; i++) {
			struct strbuf line = STRBUF_INIT;
			strbuf_printf(&line, "%5u: ", i);
			asm_disasm(p, i, &line);
			if (fn->origin || (tagger && p->tags[i])) {
				while (line.len < 52)
					strbuf_putc(&line, ' ');
				strbuf_puts(&line, " ; ");
				if (fn->origin)
					strbuf_printf(&line, "%s (C helper)", fn->name);
				else
					ir_tag_describe(tagger, p->tags[i], &line);
			}
			strbuf_puts(out, strbuf_str(&line));
			strbuf_putc(out, '\n');
			strbuf_free(&line);
			const struct bpf_insn *x = &p->insns[i];
			if (x->code == (BPF_LD | BPF_DW | BPF_IMM))
				i++; /* second half printed with the first */
		}
	}
}
