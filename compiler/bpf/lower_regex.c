/*
 * lower_regex: `STR =~ "RE"` and `STR !~ "RE"` in kernel-side handlers.
 *
 * util/redfa.c compiled RE into a DFA at pass 2 (which refused a bad
 * RE); its tables go into the program's read-only data as one blob: the byte classes (256 bytes), the acceptance bits (one byte
 * per state, padded to 2) and the transitions (u16, states x classes).
 * The walk has no data-dependent branch, so the verifier follows one path:
 * a loop over every byte of the string's buffer (its width is known and
 * the last byte is always a NUL) whose counter it knows exactly, one class
 * lookup and one transition per byte.  A branch per byte (stop at the NUL,
 * at an accepting or dead state) would leave the verifier a pending state
 * per byte and per =~, and a program with a few =~ over long strings would
 * pass its limit of 8192.  So the tables are redfa's made total: NUL has a
 * class of its own leading to one of two absorbing sinks, "no" (state
 * nstates) or "yes" (nstates + 1), as the state accepts at the end or not;
 * an accepting state goes to "yes" and a dead one to "no" on every byte.
 * After the loop the state is a sink and the result is state - nstates.
 * Rows are padded to a power of two of classes and the table to a power
 * of two of states, so that a mask bounds every index for the verifier.
 * Blob: byte classes (256 bytes), then u16 transitions.
 *
 * Where the groups are (matched(), ngroups()) is lower_match.c's, after
 * the walk said yes.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "util/arena.h"
#include "util/redfa.h"

static uint32_t pow2_at_least(uint32_t n, uint32_t *log2)
{
	uint32_t p = 1, l = 0;
	while (p < n)
		p <<= 1, l++;
	*log2 = l;
	return p;
}

/* The walk's tables (see the file comment) as one rodata blob; returns its
 * offset.  *pc_log2: log2 of the row stride, *mask: index mask. */
static uint32_t regex_tables(struct lower *L, const struct redfa *D, uint32_t *pc_log2,
			     uint32_t *mask)
{
	uint32_t ns = D->nstates, nc = D->nclasses;
	uint16_t no = (uint16_t)ns, yes = (uint16_t)(ns + 1);
	uint32_t ps_log2;
	uint32_t pc = pow2_at_least(nc + 1, pc_log2);   /* + the class of NUL alone */
	uint32_t ps = pow2_at_least(ns + 2, &ps_log2);  /* + the sinks */
	*mask = ps * pc - 1;
	uint32_t size = 256 + 2 * ps * pc;
	uint8_t *blob = arena_alloc(L->pl->arena, size);
	memset(blob, 0, size);
	memcpy(blob, D->cls, 256);
	blob[0] = (uint8_t)nc;
	uint16_t *next = (uint16_t *)(blob + 256);        /* BPF is little-endian here too */
	for (uint32_t st = 0; st < ps; st++)
		for (uint32_t k = 0; k < pc; k++) {
			uint16_t to = no;
			if (st == yes || (st < ns && (D->acc[st] & REDFA_NOW)))
				to = yes;
			else if (st >= ns || (D->acc[st] & REDFA_DEAD))
				to = no;
			else if (k == nc)
				to = D->acc[st] & REDFA_END ? yes : no;
			else if (k < nc)
				to = D->next[st * nc + k];
			next[st * pc + k] = to;
		}
	return ir_rodata_add(L->pl->arena, L->pl->rodata, blob, size, 8);
}

bool lower_regex(struct lower *L, struct expr *e, ir_reg *out)
{
	struct ir *ir = L->ir;
	/* pass 2 compiled it (elab/checks.c) or failed */
	const struct redfa *D = e->u.regex.dfa;
	struct smem s;
	if (!lower_str(L, e->u.regex.lhs, &s))
		return false;
	uint32_t pc_log2, mask;
	uint32_t off = regex_tables(L, D, &pc_log2, &mask);

	ir_reg p = lower_addr(L, s), tab = ir_new_vreg(ir);
	ir_reg st = ir_new_vreg(ir), i = ir_new_vreg(ir), c = ir_new_vreg(ir), t = ir_new_vreg(ir);
	ir_label top = ir_new_label(ir);
	ir_emit_ld_map_value(ir, tab, L->pl->rodata, off);
	ir_emit_mov_imm(ir, st, 0);
	ir_emit_mov_imm(ir, i, 0);
	ir_bind_label(ir, top);
	/* c = cls[s[i]] */
	ir_emit_mov(ir, t, p);
	ir_emit_alu(ir, IR_ADD, t, i);
	ir_emit_load(ir, 1, c, t, 0);
	ir_emit_mov(ir, t, tab);
	ir_emit_alu(ir, IR_ADD, t, c);
	ir_emit_load(ir, 1, c, t, 0);
	/* st = next[(st << pc_log2 | c) & mask]: the mask changes nothing but
	 * shows the verifier the index is in the table */
	ir_emit_alu_imm(ir, IR_LSH, st, pc_log2);
	ir_emit_alu(ir, IR_OR, st, c);
	ir_emit_alu_imm(ir, IR_AND, st, mask);
	ir_emit_alu_imm(ir, IR_LSH, st, 1);
	ir_emit_mov(ir, t, tab);
	ir_emit_alu(ir, IR_ADD, t, st);
	ir_emit_load(ir, 2, st, t, 256);
	ir_emit_alu_imm(ir, IR_ADD, i, 1);
	ir_emit_jcc_imm(ir, IR_JLT, i, s.width, top);
	/* st is a sink: no = nstates, yes = nstates + 1 */
	ir_emit_alu_imm(ir, IR_SUB, st, D->nstates);
	if (!lower_match_track(L, e, s, st))
		return false;
	if (e->u.regex.negated)
		ir_emit_alu_imm(ir, IR_XOR, st, 1);
	*out = st;
	return true;
}
