/*
 * budget: the verifier's counts of an encoded program, checked and listed
 * (see budget.h for the rules and why the strictest kernel's).
 *
 * Everything is computed on the encoded instructions, as the verifier
 * sees them: a call is a BPF_PSEUDO_CALL, a callback an ld_imm64 of a
 * BPF_PSEUDO_FUNC, whatever produced them (IR or clang).  Per function,
 * memoised: the deepest stack below it, the frames nested below it, and
 * the most conditional jumps on one path from its entry.
 */
#include "bpfmc/budget.h"

#include <string.h>

#include "bpfmc/asm.h"
#include "bpfmc/ir.h"
#include "util/arena.h"
#include "util/strbuf.h"

uint32_t budget_frame(uint32_t stack)
{
	return stack ? (stack + 31) / 32 * 32 : 32;
}

struct walk {
	const struct asm_prog *p;
	uint8_t *state;       /* per function: 0 new, 1 on the DFS path, 2 done */
	uint32_t *deep;       /* stack of the deepest chain from the function */
	uint32_t *frames;     /* frames of the longest chain from the function */
	int32_t *next;        /* callee on the deepest chain, -1 none */
	uint32_t *next_at;    /* instruction entering it */
	bool *next_cb;        /* entered as a callback */
	uint32_t *bdepth;     /* most conditional jumps on one path from entry */
	uint32_t *val;        /* per instruction: the same from that instruction */
	uint32_t back;        /* backward jumps seen */
	bool cycle;
};

static bool is_ld64(const struct bpf_insn *x)
{
	return x->code == (BPF_LD | BPF_DW | BPF_IMM);
}

/* Function starting at instruction `start`, -1 if none. */
static int32_t func_at(const struct asm_prog *p, int64_t start)
{
	for (uint32_t f = 0; f < p->nfuncs; f++)
		if (p->funcs[f].start == start)
			return (int32_t)f;
	return -1;
}

/* The function a call or callback address at i enters, or -1. */
static int32_t callee(const struct asm_prog *p, uint32_t i, bool *cb)
{
	const struct bpf_insn *x = &p->insns[i];
	if (x->code == (BPF_JMP | BPF_CALL) && x->src_reg == BPF_PSEUDO_CALL) {
		*cb = false;
		return func_at(p, (int64_t)i + x->imm + 1);
	}
	if (is_ld64(x) && x->src_reg == BPF_PSEUDO_FUNC) {
		*cb = true;
		return func_at(p, (int64_t)i + x->imm + 1);
	}
	return -1;
}

/* Most conditional jumps on one path through function fi (its callees'
 * paths included where they are called), walking back from its end. */
static void branch_paths(struct walk *w, uint32_t fi)
{
	const struct asm_prog *p = w->p;
	const struct asm_func *f = &p->funcs[fi];
	uint32_t end = f->start + f->len;
	for (uint32_t k = f->len; k-- > 0;) {
		uint32_t i = f->start + k;
		const struct bpf_insn *x = &p->insns[i];
		uint32_t after = i + 1 < end ? w->val[i + 1] : 0;
		uint8_t cls = BPF_CLASS(x->code);
		uint32_t v = after;
		bool cb;
		int32_t c = callee(p, i, &cb);
		if (is_ld64(x)) {
			v = i + 2 < end ? w->val[i + 2] : 0;
			if (c >= 0)
				v += w->bdepth[c];
		} else if (cls == BPF_JMP || cls == BPF_JMP32) {
			uint8_t op = BPF_OP(x->code);
			int64_t t = (int64_t)i + x->off + 1;
			uint32_t tv = 0;
			if (op != BPF_EXIT && op != BPF_CALL) {
				if (t > (int64_t)i && t < (int64_t)end)
					tv = w->val[t];
				else if (t <= (int64_t)i)
					w->back++;
			}
			if (op == BPF_EXIT)
				v = 0;
			else if (op == BPF_CALL)
				v = after + (c >= 0 ? w->bdepth[c] : 0);
			else if (op == BPF_JA)
				v = tv;
			else
				v = 1 + (after > tv ? after : tv);
		}
		w->val[i] = v;
	}
	w->bdepth[fi] = f->len ? w->val[f->start] : 0;
}

static void visit(struct walk *w, uint32_t fi)
{
	if (w->state[fi] == 2)
		return;
	if (w->state[fi] == 1) {
		w->cycle = true;
		return;
	}
	w->state[fi] = 1;
	const struct asm_prog *p = w->p;
	const struct asm_func *f = &p->funcs[fi];
	uint32_t deepest = 0, most_frames = 0;
	w->next[fi] = -1;
	for (uint32_t i = f->start; i < f->start + f->len; i++) {
		bool cb;
		int32_t c = callee(p, i, &cb);
		if (is_ld64(&p->insns[i]))
			i++;
		if (c < 0)
			continue;
		visit(w, (uint32_t)c);
		if (w->cycle)
			return;
		if (w->deep[c] > deepest || w->next[fi] < 0) {
			deepest = w->deep[c];
			w->next[fi] = c;
			w->next_at[fi] = cb ? i - 1 : i;
			w->next_cb[fi] = cb;
		}
		if (w->frames[c] > most_frames)
			most_frames = w->frames[c];
	}
	w->deep[fi] = budget_frame(f->stack) + deepest;
	w->frames[fi] = 1 + most_frames;
	branch_paths(w, fi);
	w->state[fi] = 2;
}

static void chain_text(const struct asm_prog *p, const struct asm_budget *b, struct strbuf *out)
{
	for (uint32_t k = 0; k < b->chain_len; k++) {
		const struct asm_func *f = &p->funcs[b->chain[k]];
		strbuf_printf(out, "%s%s%s (%u)", k ? " -> " : "", f->name,
			      b->via_callback[k] ? " [bpf_loop callback]" : "",
			      budget_frame(f->stack));
	}
}

bool budget_check(struct asm_prog *p)
{
	struct ir *ir = (struct ir *)p->ir;
	struct arena *a = ir->arena;
	uint32_t n = p->nfuncs;
	struct walk w = { .p = p };
	w.state = arena_alloc(a, n);
	memset(w.state, 0, n);
	w.deep = arena_new_array(a, uint32_t, n);
	w.frames = arena_new_array(a, uint32_t, n);
	w.next = arena_new_array(a, int32_t, n);
	w.next_at = arena_new_array(a, uint32_t, n);
	w.next_cb = arena_new_array(a, bool, n);
	w.bdepth = arena_new_array(a, uint32_t, n);
	w.val = arena_new_array(a, uint32_t, p->len + 2);
	visit(&w, 0);
	if (w.cycle) {
		ir_internal(ir, "recursive BPF function calls in '%s'", ir->name);
		return false;
	}

	struct asm_budget *b = &p->budget;
	memset(b, 0, sizeof(*b));
	b->stack_limit = ir->stack_limit ? ir->stack_limit : BUDGET_STACK_MAX;
	b->insn_limit = ir->insn_limit ? ir->insn_limit : BUDGET_INSNS_MAX;
	b->combined = w.deep[0];
	b->branch_depth = w.bdepth[0];
	b->back_edges = w.back;
	for (uint32_t i = 0; i < p->len; i++) {
		uint8_t cls = BPF_CLASS(p->insns[i].code), op = BPF_OP(p->insns[i].code);
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JA && op != BPF_CALL &&
		    op != BPF_EXIT)
			b->cond_jumps++;
		if (is_ld64(&p->insns[i]))
			i++;
	}
	for (int32_t f = 0; f >= 0 && b->chain_len <= BUDGET_FRAMES_MAX;) {
		b->chain[b->chain_len++] = (uint32_t)f;
		int32_t nx = w.next[f];
		/* a chain deeper than the arrays is refused below; what is
		 * listed stops at their end */
		if (nx >= 0 && b->chain_len <= BUDGET_FRAMES_MAX) {
			b->via_callback[b->chain_len] = w.next_cb[f];
			b->chain_call[b->chain_len] = w.next_at[f];
		}
		f = nx;
	}

	const void *tag = b->chain_len > 1 ? asm_tag_at(p, b->chain_call[1]) : NULL;
	if (w.frames[0] > BUDGET_FRAMES_MAX) {
		ir_error(ir, tag, "BPF calls nest %u frames deep, more than the %d the verifier "
			 "allows", w.frames[0], BUDGET_FRAMES_MAX);
		return false;
	}
	if (b->combined > b->stack_limit) {
		struct strbuf sb = STRBUF_INIT;
		chain_text(p, b, &sb);
		ir_error(ir, tag, "BPF stack budget exceeded: the call chain %s needs %u bytes of "
			 "stack, over the limit of %u (the verifier adds up the frames along a "
			 "chain, each rounded up to 32 bytes; only some kernels give large frames a "
			 "private stack, so a program over 512 loads on some kernels and not on "
			 "others); use fewer or narrower string locals in the handler "
			 "(-DMAXSTRINGLEN) or split it into several probes",
			 strbuf_str(&sb), b->combined, b->stack_limit);
		strbuf_free(&sb);
		return false;
	}
	if (p->len > b->insn_limit) {
		ir_error(ir, NULL, "BPF program too large: %u instructions, over the limit of %u; "
			 "put fewer probes on the event or make the handlers smaller",
			 p->len, b->insn_limit);
		return false;
	}
	return true;
}

void budget_listing(const struct asm_prog *p, struct strbuf *out)
{
	const struct asm_budget *b = &p->budget;
	strbuf_printf(out, ";   budget: stack %u own, %u combined of %u", p->funcs[0].stack,
		      b->combined, b->stack_limit);
	if (b->chain_len > 1) {
		strbuf_puts(out, " (");
		chain_text(p, b, out);
		strbuf_puts(out, ")");
	}
	strbuf_printf(out, "; %u of %u instructions; %u conditional jumps, at most %u on one "
		      "path (%u pending allowed)", p->len, b->insn_limit, b->cond_jumps,
		      b->branch_depth, BUDGET_JMP_SEQ_MAX);
	if (b->back_edges)
		strbuf_printf(out, "; %u loop back edges, walked once per iteration",
			      b->back_edges);
	strbuf_putc(out, '\n');
}
