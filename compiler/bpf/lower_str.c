/*
 * lower_str: string comparisons and printing in kernel-side handlers.
 *
 * Every buffer is zero-padded past its NUL (lower_int.h), so equality and
 * ordering compare words (big-endian for order: the first differing byte
 * decides, and a shorter string's NUL sorts first).  Prints become ring-buffer records formatted in user space
 * (record.c); sprintf uses bpf_snprintf with its format translated from
 * SystemTap's where the two agree (no precision, %o, %b, %m or %#).
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "common/fmt_spec.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

static bool literal_side(struct expr *e)
{
	return e->kind == EXPR_STRING;
}

bool lower_str_compare(struct lower *L, struct expr *e, ir_reg *out)
{
	struct ir *ir = L->ir;
	enum binary_op op = e->u.binary.op;
	struct expr *lhs = e->u.binary.lhs, *rhs = e->u.binary.rhs;
	ir_reg r = ir_new_vreg(ir);
	if (literal_side(lhs) && !literal_side(rhs)) {
		struct expr *t = lhs;
		lhs = rhs;
		rhs = t;
		op = op == OP_LT ? OP_GT : op == OP_GT ? OP_LT : op == OP_LE ? OP_GE
		     : op == OP_GE ? OP_LE : op;
	}
	struct smem a, b;
	if (!lower_str(L, lhs, &a))
		return false;
	if (literal_side(rhs)) {
		/* bpf_strncmp against a read-only copy of the literal */
		uint32_t len = rhs->u.str.len < L->pl->lim.maxstringlen - 1 ? rhs->u.str.len
									   : L->pl->lim.maxstringlen - 1;
		char *lit = arena_alloc(L->pl->arena, len + 1);
		memcpy(lit, rhs->u.str.val, len);
		lit[len] = 0;
		uint32_t off = ir_rodata_add(L->pl->arena, L->pl->rodata, lit, len + 1, 1);
		ir_call_helper(ir, r, BPF_FUNC_strncmp, lower_addr_arg(L, a), ir_arg_imm(a.width),
			       ir_arg_map_value(L->pl->rodata, off));
	} else {
		if (!lower_str(L, rhs, &b))
			return false;
		uint32_t n = lw_align8(a.width < b.width ? a.width : b.width);
		ir_label done = ir_new_label(ir), less = ir_new_label(ir);
		ir_reg x = ir_new_vreg(ir), y = ir_new_vreg(ir);
		ir_emit_mov_imm(ir, r, 0);
		for (uint32_t i = 0; i < n; i += 8) {
			ir_label next = ir_new_label(ir);
			ir_emit_load(ir, 8, x, a.base, (int16_t)(a.off + (int32_t)i));
			ir_emit_load(ir, 8, y, b.base, (int16_t)(b.off + (int32_t)i));
			ir_emit_jcc(ir, IR_JEQ, x, y, next);
			ir_emit_bswap(ir, x, true, 64);
			ir_emit_bswap(ir, y, true, 64);
			ir_emit_mov_imm(ir, r, 1);
			ir_emit_jcc(ir, IR_JLT, x, y, less);
			ir_emit_jmp(ir, done);
			ir_bind_label(ir, next);
		}
		ir_emit_jmp(ir, done);
		ir_bind_label(ir, less);
		ir_emit_mov_imm(ir, r, -1);
		ir_bind_label(ir, done);
	}
	/* r <op> 0 as 0/1 */
	ir_reg res = ir_new_vreg(ir);
	ir_label yes = ir_new_label(ir);
	ir_emit_mov_imm(ir, res, 1);
	enum ir_cond c = op == OP_LT ? IR_JSLT : op == OP_GT ? IR_JSGT : op == OP_LE ? IR_JSLE
			 : op == OP_GE ? IR_JSGE : op == OP_EQ ? IR_JEQ : IR_JNE;
	ir_emit_jcc_imm(ir, c, r, 0, yes);
	ir_emit_mov_imm(ir, res, 0);
	ir_bind_label(ir, yes);
	*out = res;
	return true;
}

/* ------------------------------------------------------------ printing */

static struct psite *new_psite(struct lower *L, struct expr *e, uint32_t nargs)
{
	struct psite *ps = arena_new_obj(L->pl->arena, struct psite);
	ps->e = e;
	ps->nargs = nargs;
	ps->args = arena_alloc(L->pl->arena, sizeof(*ps->args) * (nargs + 1));
	vec_push(L->pl->arena, &L->t->psites, ps);
	return ps;
}

/* The operand (n, addr) of a print argument user space makes a string of
 * (lower_ustack.c), IR_NOREG if it has none. */
static bool ustack_operand(struct lower *L, const struct expr *a, ir_reg *out)
{
	bool ok = true;
	const struct expr *x = lower_ustack_operand(a);
	*out = x ? lower_long_tmp(L, (struct expr *)x, &ok) : IR_NOREG;
	return ok;
}

/* The longs of a deferred argument (lower_defer.c): a deferred local's
 * vregs, or the call's arguments. */
static bool defer_eval(struct lower *L, struct expr *a, ir_reg *regs)
{
	struct ldefer *df;
	if (a->kind == EXPR_SYMBOL && (df = lower_defer_local(L, a->u.sym.decl))) {
		for (uint32_t k = 0; k < df->nargs; k++)
			regs[k] = df->regs[k];
		return true;
	}
	vec_foreach(&a->u.call.args, k) {
		bool ok = true;
		regs[k] = lower_long_tmp(L, a->u.call.args.items[k], &ok);
		if (!ok)
			return false;
	}
	return true;
}

/* Evaluates args into a record payload after its header. */
static bool record_args(struct lower *L, struct psite *ps, expr_vec *args, struct smem rec)
{
	struct ir *ir = L->ir;
	for (uint32_t i = 0; i < ps->nargs; i++) {
		struct expr *a = args->items[i];
		struct psite_arg *pa = &ps->args[i];
		if (pa->ustack) {
			ir_reg v;
			if (!ustack_operand(L, a, &v))
				return false;
			lower_ustack_arg_fill(L, pa->ustack, v, rec.base,
					      rec.off + RT_REC_HDR + (int32_t)pa->off);
		} else if (pa->defer_fn) {
			ir_reg r[5];
			if (!defer_eval(L, a, r))
				return false;
			for (uint32_t k = 0; k < pa->defer_nargs; k++)
				ir_emit_store(ir, 8, rec.base,
					      (int16_t)(rec.off + RT_REC_HDR + (int32_t)(pa->off + 8 * k)),
					      r[k]);
		} else if (pa->type == TYPE_STRING) {
			struct smem dst = { rec.base, rec.off + RT_REC_HDR + (int32_t)pa->off, pa->width };
			if (!lower_str_into(L, a, dst))
				return false;
		} else {
			ir_reg v;
			if (!lower_long(L, a, &v))
				return false;
			ir_emit_store(ir, 8, rec.base, (int16_t)(rec.off + RT_REC_HDR + (int32_t)pa->off), v);
		}
	}
	return true;
}

/* deferred: print arguments may be strings user space makes, a user
 * stack or symbol (lower_ustack.c) or a string it computes from longs,
 * carried as those longs (lower_defer.c) */
static void layout_args(struct lower *L, struct psite *ps, expr_vec *args, bool deferred)
{
	uint32_t off = 0;
	for (uint32_t i = 0; i < ps->nargs; i++) {
		struct expr *a = args->items[i];
		struct psite_arg *pa = &ps->args[i];
		pa->type = a->type == TYPE_STRING ? TYPE_STRING : TYPE_LONG;
		pa->off = off;
		pa->width = pa->type == TYPE_STRING ? plan_width(L->pl, a) : 8;
		pa->ustack = deferred ? lower_ustack_arg_op(a) : 0;
		pa->defer_fn = NULL;
		pa->defer_nargs = 0;
		if (pa->ustack)
			pa->width = lower_ustack_arg_size(L, pa->ustack);
		else if (deferred && pa->type == TYPE_STRING &&
			 (pa->defer_fn = lower_defer_arg(L, a, &pa->defer_nargs)))
			pa->width = 8 * pa->defer_nargs;
		off += lw_align8(pa->width);
	}
	ps->size = off;
}

/* Whether evaluating the arguments could emit a record of its own (a
 * script function that prints): then they are evaluated before the record
 * is opened, since one record at a time is built in the output queue. */
struct emits_scan {
	struct ast_walker w;
	bool found;
};

static enum walk_result emits_expr(struct ast_walker *w, struct expr *e)
{
	struct emits_scan *es = w->data;
	if (e->kind == EXPR_CALL && e->u.call.decl && !e->u.call.decl->bpf_builtin) {
		es->found = true;
		return WALK_STOP;
	}
	return WALK_NEXT;
}

static bool args_emit(const struct psite *ps, expr_vec *args)
{
	struct emits_scan es = { 0 };
	es.w.expr_pre = emits_expr;
	es.w.data = &es;
	for (uint32_t i = 0; i < args->len && !es.found; i++) {
		struct expr *a = args->items[i];
		if (!a)
			continue;
		if (i < ps->nargs && ps->args[i].defer_fn) {
			/* runs in user space: only its arguments run here */
			if (a->kind == EXPR_CALL)
				vec_foreach(&a->u.call.args, k)
					ast_walk_expr(&es.w, a->u.call.args.items[k]);
			continue;
		}
		ast_walk_expr(&es.w, a);
	}
	return es.found;
}

/* kind/site record with the arguments of ps laid out after the header */
static bool emit_args_record(struct lower *L, uint32_t kind, struct psite *ps, expr_vec *args)
{
	uint32_t site = L->t->psites.len - 1;
	if (!args_emit(ps, args)) {
		struct smem rec = lower_rec_open(L, kind, site, ps->size);
		if (!record_args(L, ps, args, rec))
			return false;
		lower_rec_close(L, rec);
		return true;
	}
	/* arguments first, into temporaries */
	struct lval *vals = arena_alloc(L->pl->arena, sizeof(*vals) * (ps->nargs + 1));
	ir_reg (*dregs)[5] = arena_alloc(L->pl->arena, sizeof(*dregs) * (ps->nargs + 1));
	for (uint32_t i = 0; i < ps->nargs; i++) {
		struct expr *a = args->items[i];
		bool ok = true;
		if (ps->args[i].ustack) {
			vals[i] = (struct lval){ .kind = LV_IMM };
			ok = ustack_operand(L, a, &vals[i].reg);
		} else if (ps->args[i].defer_fn) {
			ok = defer_eval(L, a, dregs[i]);
		} else if (ps->args[i].type == TYPE_STRING) {
			struct smem t = lower_mem(L, ps->args[i].width, false);
			t.width = ps->args[i].width;
			ok = lower_str_into(L, a, t);
			vals[i] = (struct lval){ .kind = LV_STR, .str = t };
		} else {
			vals[i] = (struct lval){ .kind = LV_REG, .reg = lower_long_tmp(L, a, &ok) };
		}
		if (!ok)
			return false;
	}
	struct smem rec = lower_rec_open(L, kind, site, ps->size);
	for (uint32_t i = 0; i < ps->nargs; i++) {
		int32_t off = rec.off + RT_REC_HDR + (int32_t)ps->args[i].off;
		if (ps->args[i].ustack)
			lower_ustack_arg_fill(L, ps->args[i].ustack, vals[i].reg, rec.base, off);
		else if (ps->args[i].defer_fn)
			for (uint32_t k = 0; k < ps->args[i].defer_nargs; k++)
				ir_emit_store(L->ir, 8, rec.base, (int16_t)(off + 8 * (int32_t)k),
					      dregs[i][k]);
		else if (vals[i].kind == LV_STR)
			lower_str_copy(L, (struct smem){ rec.base, off, ps->args[i].width }, vals[i].str);
		else
			ir_emit_store(L->ir, 8, rec.base, (int16_t)off, vals[i].reg);
	}
	lower_rec_close(L, rec);
	return true;
}

bool lower_print(struct lower *L, struct expr *e)
{
	struct print_format *pf = e->u.print;
	if (pf->hist)
		return lower_hist_print(L, e, pf->hist);
	struct psite *ps = new_psite(L, e, pf->args.len);
	layout_args(L, ps, &pf->args, true);
	return emit_args_record(L, RTR_PRINT, ps, &pf->args);
}

/* A histogram print: the record carries the element's keys, user space
 * prints from the maps. */
bool lower_hist_print(struct lower *L, struct expr *print, struct expr *hist)
{
	struct expr *op = hist->u.hist.operand;
	expr_vec none = { 0 };
	expr_vec *keys = op->kind == EXPR_INDEX ? &op->u.index.keys : &none;
	struct psite *ps = new_psite(L, print, keys->len);
	ps->hist = hist;
	layout_args(L, ps, keys, false);
	return emit_args_record(L, RTR_HIST, ps, keys);
}
