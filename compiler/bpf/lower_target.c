/*
 * lower_target: target variables ($var, $p->f[i], @cast, $$name) and the
 * registers behind int_arg() & co. in kernel-side handlers.
 *
 * A `struct target_access` (elab/program.h) says where the base value
 * comes from - tracepoint argument N (ctx = u64 args[] for tp_btf and raw
 * tracepoints), function argument N or the return value (pt_regs: the
 * uprobe context itself, or the pt_regs pointer raw_syscalls passes),
 * an expression (@cast) - and which offsets and loads follow.  Loads go
 * through bpf_probe_read_kernel/_user so that a bad pointer is
 * SystemTap's catchable "read fault [man error::fault] at 0x...".
 */
#include "bpf/lower_int.h"

#include "common/fmt_spec.h"

#include <string.h>

#include "bpf/feature.h"
#include "diag/diag.h"
#include "elab/family.h"
#include "session.h"
#include "util/arena.h"

static void extend(struct ir *ir, ir_reg v, uint32_t size, bool is_signed)
{
	if (size >= 8 || size == 0)
		return;
	int sh = 64 - 8 * (int)size;
	ir_emit_alu_imm(ir, IR_LSH, v, sh);
	ir_emit_alu_imm(ir, is_signed ? IR_ARSH : IR_RSH, v, sh);
}

static bool base_value(struct lower *L, struct expr *e, const struct target_access *acc,
		       ir_reg *out)
{
	struct ir *ir = L->ir;
	const struct bpf_family *fam = L->bp->dp->family->bpf;
	lower_point_bound(L);
	if (fam && fam->target_base) {
		switch (fam->target_base(L, e, acc, out)) {
		case BPF_BASE_READ: return true;
		case BPF_BASE_FAILED: return false;
		case BPF_BASE_GENERIC: break;
		}
	}
	ir_reg v = ir_new_vreg(ir);
	switch (acc->base) {
	case ACCESS_TP_ARG:
		if (L->kp->attach != KA_TP_BTF && L->kp->attach != KA_RAW_TP)
			return lower_unsupported(L, e->tok, "this tracepoint argument");
		ir_emit_load(ir, 8, v, ir_ctx(ir), (int16_t)(8 * acc->index));
		break;
	case ACCESS_FUNC_ARG:
		if (!lower_func_arg(L, e->tok, IR_NOREG, acc->index, &v))
			return false;
		break;
	case ACCESS_RETURN:
		if (!lower_return_value(L, e->tok, &v))
			return false;
		break;
	case ACCESS_EXPR: {
		ir_reg b;
		if (!lower_long(L, acc->base_expr, &b))
			return false;
		ir_emit_mov(ir, v, b);
		break;
	}
	case ACCESS_SYMBOL:
		ir_emit_mov_imm(ir, v, (int64_t)acc->symbol_addr);
		if (acc->kaslr_anchor) {
			/* the kernel moved by what the session measured at load */
			ir_reg off = ir_new_vreg(ir);
			ir_emit_load(ir, 8, off, lower_head(L), RT_OFF_KASLR);
			ir_emit_alu(ir, IR_ADD, v, off);
			L->pl->kaslr_anchor = acc->kaslr_anchor;
		}
		break;
	case ACCESS_REGISTER:
		if (!lower_dwarf_register(L, e->tok, acc->index, v))
			return false;
		break;
	case ACCESS_FAMILY:
		return lower_unsupported(L, e->tok, "this context value");
	case ACCESS_ENTRY:
		return lower_unsupported(L, e->tok, "an entry value that pass 2 did not save at the "
					 "function's entry (internal error)");
	default:
		return lower_unsupported(L, e->tok, "this target variable");
	}
	extend(ir, v, acc->base_size, acc->base_signed);
	*out = v;
	return true;
}

/* Values formatted per piece of a pretty-printed text: each piece's loads
 * live at once (in registers and spill slots), so pieces keep the stack
 * within budget whatever the type; a piece of plain numbers is one
 * bpf_snprintf call (lower_sprint), at most 12 arguments. */
#define PRETTY_PIECE_VALUES 8

/* Appends to dst the part of pretty text pf from format offset `from` to
 * `to` whose arguments are args[first, first + n). */
static bool pretty_piece(struct lower *L, struct expr *e, const struct print_format *pf,
			 unsigned from, unsigned to, uint32_t first, uint32_t n, struct smem dst,
			 struct smem piece)
{
	struct print_format *sub = arena_new_obj(L->pl->arena, struct print_format);
	*sub = *pf;
	sub->format = pf->format + from;
	sub->format_len = to - from;
	sub->args = (expr_vec){ 0 };
	for (uint32_t i = 0; i < n; i++)
		vec_push(L->pl->arena, &sub->args, pf->args.items[first + i]);
	struct expr part = *e;
	part.u.print = sub;
	uint32_t stack_mark = L->stack_used, scratch_mark = L->scratch_off;
	bool ok = lower_str_into(L, &part, piece);
	if (ok)
		lower_str_concat(L, dst, dst, piece);
	L->stack_used = stack_mark;
	L->scratch_off = scratch_mark;
	return ok;
}

/* $var$ / $var$$: pass 2's sprintf (elab/pretty.h) a few values at a time,
 * "ERROR" if any of its loads faults, as SystemTap's pretty-printer
 * catches them. */
static bool lower_pretty(struct lower *L, struct expr *e, struct lval *out)
{
	struct ir *ir = L->ir;
	struct expr *text = e->u.target.pretty;
	const struct print_format *pf = text->u.print;
	uint32_t w = L->pl->lim.maxstringlen;
	struct smem m = lower_mem(L, w, false), piece = lower_mem(L, w, false);
	m.width = piece.width = w;
	lower_zero(L, m, w);
	struct ltry tr = { .up = L->try_, .catch_label = ir_new_label(ir) };
	ir_label done = ir_new_label(ir);
	L->try_ = &tr;
	bool ok = true;
	unsigned p = 0, from = 0;
	uint32_t first = 0, n = 0;
	bool last_alone = false;
	struct fmt_spec sp;
	const char *err;
	while (ok && p < pf->format_len) {
		unsigned at = p;
		if (fmt_next(pf->format, pf->format_len, &p, &sp, &err) <= 0)
			break;
		if (sp.conv == FMT_LITERAL || sp.conv == FMT_PERCENT)
			continue;
		/* strings and chars alone: they escape through fmtbuf, and a
		 * piece without them stays within bpf_snprintf's reach */
		bool alone = sp.conv == FMT_STRING || sp.conv == FMT_CHAR;
		if (n && (n == PRETTY_PIECE_VALUES || alone || last_alone)) {
			ok = pretty_piece(L, text, pf, from, at, first, n, m, piece);
			from = at;
			first += n;
			n = 0;
		}
		n++;
		last_alone = alone;
	}
	if (ok && from < pf->format_len)
		ok = pretty_piece(L, text, pf, from, pf->format_len, first, n, m, piece);
	L->try_ = tr.up;
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, tr.catch_label);
	lower_str_literal(L, m, "ERROR", 5);
	ir_bind_label(ir, done);
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return ok;
}

static bool follow(struct lower *L, struct expr *e, const struct target_access *acc,
		   bool address_of_last, ir_reg *out);

bool lower_target(struct lower *L, struct expr *e, struct lval *out)
{
	const struct target_access *acc = e->u.target.resolved;
	if (!acc)
		return lower_unsupported(L, e->tok, "an unresolved target variable");
	if (acc->base == ACCESS_CONST_STRING)
		return lower_str_const(L, acc->const_string, strlen(acc->const_string), out);
	if (acc->pretty && e->u.target.pretty)
		return lower_pretty(L, e, out);
	if (acc->base == ACCESS_VARS) {
		/* the family's sprintf over its context values, if it gives one */
		if (!acc->vars_sprintf)
			return lower_unsupported(L, e->tok, "$$vars/$$parms/$$locals");
		uint32_t w = L->pl->lim.maxstringlen;
		struct smem m = lower_mem(L, w, false);
		m.width = w;
		if (!lower_str_into(L, acc->vars_sprintf, m))
			return false;
		*out = (struct lval){ .kind = LV_STR, .str = m };
		return true;
	}
	if (acc->pretty || acc->is_string)
		return lower_unsupported(L, e->tok, "pretty-printing target variables ($ and $$)");
	ir_reg v;
	if (!follow(L, e, acc, false, &v))
		return false;
	*out = (struct lval){ .kind = LV_REG, .reg = v };
	return true;
}

/*
 * $p->f = v (guru mode): the address the last load would read, written
 * with bpf_probe_write_user - user memory only: BPF has no helper that
 * writes kernel memory.  A value the last step does not load from memory
 * (a register, a constant) or a bitfield is refused, as is a compound
 * assignment.
 */
bool lower_target_assign(struct lower *L, struct expr *e, struct lval *out)
{
	struct ir *ir = L->ir;
	struct expr *lhs = e->u.assign.lhs;
	const struct target_access *acc = lhs->u.target.resolved;
	const struct access_step *last = acc && acc->nsteps ? &acc->steps[acc->nsteps - 1] : NULL;
	if (e->u.assign.op != ASSIGN_SET)
		return lower_unsupported(L, e->tok, "a compound assignment to a target variable");
	if (!last || !last->load_size || acc->pretty || acc->is_string || acc->base == ACCESS_VARS)
		return lower_unsupported(L, lhs->tok, "writing a target variable that is not in memory "
					 "here (a register or a computed value)");
	if (last->bit_size)
		return lower_unsupported(L, lhs->tok, "writing a bitfield");
	if (!acc->user)
		return lower_unsupported(L, lhs->tok, "writing kernel memory (BPF programs can "
					 "write only user memory)");
	if (!feature_available(FEATURE_WRITE_USER)) {
		diag_error(L->diag, D_TRANS_UNSUPPORTED, lhs->tok,
			   "cannot write this target variable with the BPF runtime here: the kernel "
			   "refuses bpf_probe_write_user to BPF programs (kernel lockdown: "
			   "/sys/kernel/security/lockdown); the kernel-module back end can (probe %s)",
			   L->bp->dp->pp);
		L->failed = true;
		return false;
	}
	ir_reg val, addr;
	if (!lower_long(L, e->u.assign.rhs, &val))
		return false;
	ir_reg keep = ir_new_vreg(ir);
	ir_emit_mov(ir, keep, val);
	if (!follow(L, lhs, acc, true, &addr))
		return false;
	int16_t tmp = lower_stack(L, 8);
	ir_emit_store(ir, 8, IR_FP, tmp, keep);
	ir_reg rc = ir_new_vreg(ir);
	ir_call_helper(ir, rc, BPF_FUNC_probe_write_user, ir_arg_reg(addr), ir_arg_stack(tmp),
		       ir_arg_imm(last->load_size));
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, rc, 0, ok);
	lower_raise(L, lhs->tok, "write fault [man error::fault] at {addr}", ES_ADDR, addr,
		    IR_NOREG, NULL);
	ir_bind_label(ir, ok);
	*out = (struct lval){ .kind = LV_REG, .reg = keep };
	return true;
}

/* The base value and the steps after it; with address_of_last, the last
 * step's load is left out (*out: the address it would read). */
static bool follow(struct lower *L, struct expr *e, const struct target_access *acc,
		   bool address_of_last, ir_reg *out)
{
	struct ir *ir = L->ir;
	ir_reg v;
	if (!base_value(L, e, acc, &v))
		return false;
	for (uint32_t i = 0; i < acc->nsteps; i++) {
		const struct access_step *st = &acc->steps[i];
		if (st->offset)
			ir_emit_alu_imm(ir, IR_ADD, v, st->offset);
		if (st->index) {
			ir_reg ix;
			if (!lower_long(L, st->index, &ix))
				return false;
			ir_reg t = ir_new_vreg(ir);
			ir_emit_mov(ir, t, ix);
			if (st->elem_size != 1)
				ir_emit_alu_imm(ir, IR_MUL, t, st->elem_size);
			ir_emit_alu(ir, IR_ADD, v, t);
		}
		if (!st->load_size || (address_of_last && i + 1 == acc->nsteps))
			continue;
		int16_t tmp = lower_stack(L, 8);
		ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
		ir_reg rc = ir_new_vreg(ir);
		ir_call_helper(ir, rc, acc->user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel,
			       ir_arg_stack(tmp), ir_arg_imm(st->load_size), ir_arg_reg(v));
		ir_label ok = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JEQ, rc, 0, ok);
		lower_raise(L, e->tok, "read fault [man error::fault] at {addr}", ES_ADDR, v, IR_NOREG,
			    NULL);
		ir_bind_label(ir, ok);
		ir_reg nv = ir_new_vreg(ir);
		ir_emit_load(ir, 8, nv, IR_FP, tmp);
		extend(ir, nv, st->load_size, st->load_signed);
		if (st->bit_size) {
			ir_emit_alu_imm(ir, IR_RSH, nv, st->bit_offset);
			extend(ir, nv, 0, false);
			int sh = 64 - st->bit_size;
			ir_emit_alu_imm(ir, IR_LSH, nv, sh);
			ir_emit_alu_imm(ir, st->load_signed ? IR_ARSH : IR_RSH, nv, sh);
		}
		v = nv;
	}
	*out = v;
	return true;
}
