/*
 * lower_regex: `STR =~ "RE"` and `STR !~ "RE"` in kernel-side handlers.
 *
 * util/redfa.c compiles RE into a DFA at translation time (pass 2 already
 * refused a bad RE); its tables go into the program's read-only data as
 * one blob: the byte classes (256 bytes), the acceptance bits (one byte
 * per state, padded to 2) and the transitions (u16, states x classes).
 * The walk is the loop of redfa.h: one class lookup and one transition per
 * byte of the string, bounded by the string buffer's width, so the
 * verifier sees a loop of at most MAXSTRINGLEN short iterations whose
 * counter it knows exactly.  Each table access is preceded by a bound
 * check the DFA never fails (every transition is < nstates) but that the
 * verifier needs to see.
 *
 * Submatches (matched(), ngroups()) are not tracked here: a DFA has no
 * group positions; lower_builtin refuses those builtins in kernel-side
 * handlers.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "diag/diag.h"
#include "util/arena.h"
#include "util/redfa.h"

/* The tables' blob in rodata; returns its offset. */
static uint32_t regex_tables(struct lower *L, const struct redfa *D, uint32_t *acc_off,
			     uint32_t *next_off)
{
	uint32_t ns = D->nstates, nc = D->nclasses;
	*acc_off = 256;
	*next_off = 256 + ((ns + 1) & ~1u);
	uint32_t size = *next_off + 2 * ns * nc;
	uint8_t *blob = arena_alloc(L->pl->arena, size);
	memset(blob, 0, size);
	memcpy(blob, D->cls, 256);
	memcpy(blob + *acc_off, D->acc, ns);
	memcpy(blob + *next_off, D->next, 2 * ns * nc); /* BPF is little-endian here too */
	return ir_rodata_add(L->pl->arena, L->pl->rodata, blob, size, 8);
}

bool lower_regex(struct lower *L, struct expr *e, ir_reg *out)
{
	struct ir *ir = L->ir;
	const struct token *at = e->u.regex.pattern_tok ? e->u.regex.pattern_tok : e->tok;
	struct redfa D;
	struct redfa_error err;
	switch (redfa_compile(L->pl->arena, e->u.regex.pattern, e->u.regex.pattern_len, 0, &D, &err)) {
	case REDFA_OK:
		break;
	case REDFA_SYNTAX:
		diag_error(L->diag, D_SEM_REGEX, at, "regex compilation error (at position %u): %s",
			   err.pos, err.msg);
		L->failed = true;
		return false;
	case REDFA_TOO_COMPLEX:
		diag_error(L->diag, D_TRANS_LIMIT, at,
			   "regular expression too complex (more than %d DFA states) in probe %s",
			   REDFA_MAX_STATES, L->bp ? L->bp->dp->pp : "?");
		L->failed = true;
		return false;
	}
	struct smem s;
	if (!lower_str(L, e->u.regex.lhs, &s))
		return false;
	uint32_t acc_off, next_off;
	uint32_t off = regex_tables(L, &D, &acc_off, &next_off);

	ir_reg p = lower_addr(L, s), tab = ir_new_vreg(ir);
	ir_reg st = ir_new_vreg(ir), i = ir_new_vreg(ir), acc = ir_new_vreg(ir);
	ir_reg c = ir_new_vreg(ir), t = ir_new_vreg(ir), res = ir_new_vreg(ir);
	ir_label top = ir_new_label(ir), end = ir_new_label(ir), yes = ir_new_label(ir);
	ir_label no = ir_new_label(ir), done = ir_new_label(ir);
	ir_emit_ld_map_value(ir, tab, L->pl->rodata, off);
	ir_emit_mov_imm(ir, st, 0);
	ir_emit_mov_imm(ir, i, 0);
	ir_bind_label(ir, top);
	/* acc = acc[st] */
	ir_emit_jcc_imm(ir, IR_JGE, st, D.nstates, no);
	ir_emit_mov(ir, t, tab);
	ir_emit_alu(ir, IR_ADD, t, st);
	ir_emit_load(ir, 1, acc, t, (int16_t)acc_off);
	ir_emit_jcc_imm(ir, IR_JSET, acc, REDFA_NOW, yes);
	/* c = s[i], up to the buffer's last byte (always its NUL) */
	ir_emit_jcc_imm(ir, IR_JGE, i, s.width - 1, end);
	ir_emit_mov(ir, t, p);
	ir_emit_alu(ir, IR_ADD, t, i);
	ir_emit_load(ir, 1, c, t, 0);
	ir_emit_jcc_imm(ir, IR_JEQ, c, 0, end);
	ir_emit_jcc_imm(ir, IR_JSET, acc, REDFA_DEAD, no);
	/* st = next[st * nclasses + cls[c]] */
	ir_emit_mov(ir, t, tab);
	ir_emit_alu(ir, IR_ADD, t, c);
	ir_emit_load(ir, 1, c, t, 0);
	ir_emit_alu_imm(ir, IR_MUL, st, D.nclasses);
	ir_emit_alu(ir, IR_ADD, st, c);
	ir_emit_jcc_imm(ir, IR_JGE, st, (int64_t)D.nstates * D.nclasses, no);
	ir_emit_alu_imm(ir, IR_LSH, st, 1);
	ir_emit_mov(ir, t, tab);
	ir_emit_alu(ir, IR_ADD, t, st);
	ir_emit_load(ir, 2, st, t, (int16_t)next_off);
	ir_emit_alu_imm(ir, IR_ADD, i, 1);
	ir_emit_jmp(ir, top);
	ir_bind_label(ir, end);
	ir_emit_jcc_imm(ir, IR_JSET, acc, REDFA_END, yes);
	ir_bind_label(ir, no);
	ir_emit_mov_imm(ir, res, e->u.regex.negated ? 1 : 0);
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, yes);
	ir_emit_mov_imm(ir, res, e->u.regex.negated ? 0 : 1);
	ir_bind_label(ir, done);
	*out = res;
	return true;
}
