/*
 * lower: kernel-side handlers to BPF programs - grouping by attachment,
 * program and handler structure, statements, locals, memory, run-time
 * errors, records and the statement budget (see lower.h, lower_int.h).
 *
 * A program:
 *
 *     for each probe of the group:
 *         [syscall number test]            (raw_syscalls groups)
 *         if (head.state != RUNNING) skip  (exit()/errors stop handlers)
 *         <prologue: scratch lookup, locals zeroed>   (moved here last)
 *         [arming condition]
 *         handler body
 *       hend:
 *     return 0
 *
 * Statement budget: only handlers that loop, or whose statements could
 * exceed the budget in one pass, count at run time (a vreg); the others
 * cost nothing.  The model is the interpreter's (interp.h).
 */
#include "bpf/lower_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <linux/btf.h>

#include "bpfmc/asm.h"
#include "bpf/attach.h"
#include "bpf/feature.h"
#include "bpf/ringbuf.h"
#include "bpf/syscalls_x86_64.h"
#include "diag/diag.h"
#include "probes/kprobe.h"
#include "probes/perf.h"
#include "probes/process.h"
#include "probes/timer.h"
#include "probes/tracepoint.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"
#include "util/strbuf.h"

#define STACK_FOR_VALUES 192   /* bytes of BPF stack values may use; the rest is for spills */

/* ------------------------------------------------------------ diagnostics */

bool lower_unsupported(struct lower *L, const struct token *tok, const char *what)
{
	diag_error(L->diag, D_TRANS, tok,
		   "%s is not supported in kernel-side BPF handlers (probe %s)", what,
		   L->bp ? L->bp->dp->pp : "?");
	L->failed = true;
	return false;
}

/* ------------------------------------------------------------ memory */

/* The values region of the stack is [-prog_stack, 0), grown on demand
 * and reused by every handler of the program (handlers run one after
 * another); register spills go below it after lowering. */
int16_t lower_stack(struct lower *L, uint32_t size)
{
	size = lw_align8(size ? size : 8);
	uint32_t need = L->stack_used + size;
	if (need > L->prog_stack) {
		ir_stack_alloc(L->ir, need - L->prog_stack, 8);
		L->prog_stack = need;
	}
	L->stack_used = need;
	return (int16_t)-(int32_t)need;
}

struct smem lower_mem(struct lower *L, uint32_t size, bool prefer_stack)
{
	size = lw_align8(size ? size : 8);
	if (prefer_stack && size <= 128 && L->stack_used + size <= STACK_FOR_VALUES) {
		int16_t off = lower_stack(L, size);
		return (struct smem){ IR_FP, off, size };
	}
	L->need_scratch = true;
	struct smem m = { L->scratch, (int32_t)L->scratch_off, size };
	L->scratch_off += size;
	if (L->scratch_off > L->pl->scratch_size)
		L->pl->scratch_size = L->scratch_off;
	if (L->scratch_off > 32000)
		lower_unsupported(L, NULL, "more than 32000 bytes of string temporaries");
	return m;
}

void lower_zero(struct lower *L, struct smem m, uint32_t size)
{
	size = lw_align8(size);
	if (m.base == IR_FP) {
		ir_emit_stack_zero(L->ir, (int16_t)m.off, size);
		return;
	}
	for (uint32_t i = 0; i < size; i += 8)
		ir_emit_store_imm(L->ir, 8, m.base, (int16_t)(m.off + (int32_t)i), 0);
}

struct ir_arg lower_addr_arg(struct lower *L, struct smem m)
{
	if (m.base == IR_FP)
		return ir_arg_stack((int16_t)m.off);
	return ir_arg_reg(lower_addr(L, m));
}

ir_reg lower_addr(struct lower *L, struct smem m)
{
	ir_reg r = ir_new_vreg(L->ir);
	ir_emit_mov(L->ir, r, m.base);
	if (m.off)
		ir_emit_alu_imm(L->ir, IR_ADD, r, m.off);
	return r;
}

ir_reg lower_head(struct lower *L)
{
	ir_reg h = ir_new_vreg(L->ir);
	ir_emit_ld_map_value(L->ir, h, L->pl->gmap, 0);
	return h;
}

/* ------------------------------------------------------------ records */

/*
 * Output of one hit goes out together, as the kmod runtime's per-CPU print
 * buffer keeps it: records are built in a per-CPU queue (`outq`: a u64
 * position, then OUTQ_SIZE bytes) and sent as one ring-buffer record when
 * the handler ends, or earlier when the next one would not fit.  A record
 * is written in place and committed by advancing the position, so an error
 * while its arguments are evaluated simply leaves it out.
 */
#define OUTQ_SIZE 8192   /* STP_BUFFER_SIZE */

static void emit_output(struct lower *L, struct ir_arg data, struct ir_arg size, struct smem key);

static void outq_flush(struct lower *L)
{
	struct ir *ir = L->ir;
	ir_reg pos = ir_new_vreg(ir), data = ir_new_vreg(ir);
	ir_label done = ir_new_label(ir);
	ir_emit_load(ir, 8, pos, L->outq, 0);
	ir_emit_jcc_imm(ir, IR_JEQ, pos, 0, done);
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLE, pos, OUTQ_SIZE, ok);
	ir_emit_mov_imm(ir, pos, OUTQ_SIZE);
	ir_bind_label(ir, ok);
	ir_emit_mov(ir, data, L->outq);
	ir_emit_alu_imm(ir, IR_ADD, data, 8);
	ir_emit_store_imm(ir, 8, L->outq, 0, 0);
	emit_output(L, ir_arg_reg(data), ir_arg_reg(pos), (struct smem){ data, 0, 8 });
	ir_bind_label(ir, done);
}

static void emit_output(struct lower *L, struct ir_arg data, struct ir_arg size, struct smem key)
{
	struct ir *ir = L->ir;
	ir_reg r = ir_new_vreg(ir);
	ir_call_helper(ir, r, BPF_FUNC_ringbuf_output, ir_arg_map(L->pl->ring), data, size,
		       ir_arg_imm(0));
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, r, 0, ok);
	/* output that did not fit counts as lost; its dead first bytes are the
	 * key of the lost counter (no stack spent per output site) */
	ir_emit_store_imm(ir, 4, key.base, (int16_t)key.off, 0);
	ir_reg p = ir_new_vreg(ir), one = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(L->pl->lost), lower_addr_arg(L, key));
	ir_emit_jcc_imm(ir, IR_JEQ, p, 0, ok);
	ir_emit_mov_imm(ir, one, 1);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, p, 0, one, false);
	ir_bind_label(ir, ok);
}

struct smem lower_rec_open(struct lower *L, uint32_t kind, uint32_t site, uint32_t payload)
{
	struct ir *ir = L->ir;
	uint32_t size = lw_align8(RT_REC_HDR + payload);
	struct smem rec;
	if (L->in_guard) {
		/* before the prologue (a guard's read fault): no queue, no scratch */
		rec = (struct smem){ IR_FP, lower_stack(L, size), size };
		L->rec_direct = true;
	} else if (size > OUTQ_SIZE / 2) {
		/* too big to queue: on its own */
		rec = lower_mem(L, size, false);
		rec.width = size;
		L->rec_direct = true;
	} else {
		L->rec_direct = false;
		L->need_outq = true;
		ir_reg pos = ir_new_vreg(ir), p = ir_new_vreg(ir);
		ir_label fits = ir_new_label(ir);
		ir_emit_load(ir, 8, pos, L->outq, 0);
		ir_emit_jcc_imm(ir, IR_JLE, pos, OUTQ_SIZE - size, fits);
		outq_flush(L);
		ir_emit_mov_imm(ir, pos, 0);
		ir_bind_label(ir, fits);
		ir_emit_mov(ir, p, L->outq);
		ir_emit_alu_imm(ir, IR_ADD, p, 8);
		ir_emit_alu(ir, IR_ADD, p, pos);
		L->rec_pos = pos;
		rec = (struct smem){ p, 0, size };
	}
	ir_emit_store_imm(ir, 4, rec.base, (int16_t)rec.off, (int32_t)kind);
	ir_emit_store_imm(ir, 4, rec.base, (int16_t)(rec.off + 4), (int32_t)site);
	return rec;
}

void lower_rec_close(struct lower *L, struct smem rec)
{
	if (L->rec_direct) {
		emit_output(L, lower_addr_arg(L, rec), ir_arg_imm(rec.width), rec);
		return;
	}
	ir_reg pos = ir_new_vreg(L->ir);
	ir_emit_mov(L->ir, pos, L->rec_pos);
	ir_emit_alu_imm(L->ir, IR_ADD, pos, rec.width);
	ir_emit_store(L->ir, 8, L->outq, 0, pos);
}

void lower_emit_record(struct lower *L, struct smem rec, uint32_t size)
{
	emit_output(L, lower_addr_arg(L, rec), ir_arg_imm(size), rec);
}

static uint32_t new_esite(struct lower *L, const struct token *tok, const char *msg,
			  enum esite_detail d, uint32_t width)
{
	struct esite *es = arena_new_obj(L->pl->arena, struct esite);
	es->tok = tok;
	es->msg = msg;
	es->detail = d;
	es->width = width;
	vec_push(L->pl->arena, &L->t->esites, es);
	return L->t->esites.len - 1;
}

/* The message a catch variable receives: the text, with an address in
 * hex where the message has one. */
static void catch_message(struct lower *L, struct smem dst, const char *msg,
			  enum esite_detail d, ir_reg a, const struct smem *str)
{
	lower_zero(L, dst, dst.width);
	if (d == ES_STRING && str) {
		lower_str_copy(L, dst, *str);
		return;
	}
	const char *at = strstr(msg, "{addr}");
	if (!at || a == IR_NOREG) {
		lower_str_literal(L, dst, msg, (uint32_t)strlen(msg));
		return;
	}
	/* prefix, then 0x + hex digits, then the rest */
	char pre[256];
	snprintf(pre, sizeof(pre), "%.*s0x", (int)(at - msg), msg);
	struct smem p = lower_mem(L, (uint32_t)strlen(pre) + 1, true);
	lower_zero(L, p, p.width);
	lower_str_literal(L, p, pre, (uint32_t)strlen(pre));
	struct smem hex = lower_mem(L, 24, true);
	lower_zero(L, hex, 24);
	/* digits from the most significant non-zero nibble */
	ir_reg v = ir_new_vreg(L->ir), n = ir_new_vreg(L->ir), pos = ir_new_vreg(L->ir);
	ir_emit_mov(L->ir, v, a);
	ir_emit_mov_imm(L->ir, pos, 0);
	bool started_const = false;
	(void)started_const;
	ir_reg addr = lower_addr(L, hex);
	for (int sh = 60; sh >= 0; sh -= 4) {
		ir_label skip = ir_new_label(L->ir), digit = ir_new_label(L->ir);
		ir_emit_mov(L->ir, n, v);
		ir_emit_alu_imm(L->ir, IR_RSH, n, sh);
		ir_emit_alu_imm(L->ir, IR_AND, n, 15);
		if (sh) {
			/* leading zeros are skipped while nothing is written */
			ir_emit_jcc_imm(L->ir, IR_JNE, n, 0, digit);
			ir_emit_jcc_imm(L->ir, IR_JEQ, pos, 0, skip);
		}
		ir_bind_label(L->ir, digit);
		ir_label lo = ir_new_label(L->ir), store = ir_new_label(L->ir);
		ir_emit_jcc_imm(L->ir, IR_JLT, n, 10, lo);
		ir_emit_alu_imm(L->ir, IR_ADD, n, 'a' - 10);
		ir_emit_jmp(L->ir, store);
		ir_bind_label(L->ir, lo);
		ir_emit_alu_imm(L->ir, IR_ADD, n, '0');
		ir_bind_label(L->ir, store);
		ir_reg q = ir_new_vreg(L->ir);
		ir_emit_mov(L->ir, q, addr);
		ir_emit_alu_imm(L->ir, IR_AND, pos, 15);
		ir_emit_alu(L->ir, IR_ADD, q, pos);
		ir_emit_store(L->ir, 1, q, 0, n);
		ir_emit_alu_imm(L->ir, IR_ADD, pos, 1);
		ir_bind_label(L->ir, skip);
	}
	struct smem rest = lower_mem(L, (uint32_t)strlen(at + 6) + 1, true);
	lower_zero(L, rest, rest.width);
	lower_str_literal(L, rest, at + 6, (uint32_t)strlen(at + 6));
	lower_str_concat(L, dst, p, hex);
	lower_str_concat(L, dst, dst, rest);
}

void lower_raise(struct lower *L, const struct token *tok, const char *msg,
		 enum esite_detail detail, ir_reg a, ir_reg b, const struct smem *str)
{
	bool uncatchable = !strcmp(msg, "MAXACTION exceeded");
	if (L->try_ && !uncatchable) {
		if (L->try_->want_msg)
			catch_message(L, L->try_->msg, msg, detail, a, str);
		lower_charge_flush(L, tok, false);
		ir_emit_jmp(L->ir, L->try_->catch_label);
		return;
	}
	struct ir *ir = L->ir;
	if (!L->s->opts.suppress_handler_errors) {
		uint32_t payload = detail == ES_ADDR ? 8 : detail == ES_ERRNO_ADDR ? 16
				   : detail == ES_STRING && str ? lw_align8(str->width) : 0;
		uint32_t site = new_esite(L, tok, msg, detail, str ? str->width : 0);
		struct smem rec = lower_rec_open(L, RTR_ERROR, site, payload);
		if (detail == ES_ADDR) {
			ir_emit_store(ir, 8, rec.base, (int16_t)(rec.off + 8), a);
		} else if (detail == ES_ERRNO_ADDR) {
			ir_emit_store(ir, 8, rec.base, (int16_t)(rec.off + 8), a);
			ir_emit_store(ir, 8, rec.base, (int16_t)(rec.off + 16), b);
		} else if (detail == ES_STRING && str) {
			struct smem p = { rec.base, rec.off + RT_REC_HDR, str->width };
			lower_zero(L, p, str->width);
			lower_str_copy(L, p, *str);
		}
		lower_rec_close(L, rec);
	}
	/* count; past MAXERRORS the session is in error */
	ir_reg h = lower_head(L), n = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, n, 1);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, h, RT_OFF_ERRORS, n, true);
	if (!L->s->opts.suppress_handler_errors) {
		ir_label fine = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JSLT, n, L->pl->lim.maxerrors, fine);
		ir_reg st = ir_new_vreg(ir);
		ir_emit_mov_imm(ir, st, RT_ERROR);
		ir_emit_store(ir, 8, h, RT_OFF_STATE, st);
		ir_bind_label(ir, fine);
	}
	L->pending = 0;
	ir_emit_jmp(ir, L->hend);
}

/* ------------------------------------------------------------ budget */

void lower_charge_flush(struct lower *L, const struct token *tok, bool check)
{
	if (!L->need_actions) {
		L->pending = 0;
		return;
	}
	if (L->pending) {
		ir_emit_alu_imm(L->ir, IR_ADD, L->actions, L->pending);
		L->pending = 0;
	}
	if (check && !L->pl->lim.no_action_limit) {
		ir_label ok = ir_new_label(L->ir);
		ir_emit_jcc_imm(L->ir, IR_JSLE, L->actions, L->pl->lim.maxaction, ok);
		lower_raise(L, tok, "MAXACTION exceeded", ES_NONE, IR_NOREG, IR_NOREG, NULL);
		ir_bind_label(L->ir, ok);
	}
}

/* Does a handler need a run-time statement counter?  Loops, or more
 * statements than the budget (counting inlined calls). */
struct budget_scan {
	struct ast_walker w;
	bool loops;
	int64_t stmts;
	int depth;
};

static enum walk_result budget_stmt(struct ast_walker *w, struct stmt *s)
{
	struct budget_scan *bs = w->data;
	if (s->kind == STMT_FOR || s->kind == STMT_FOREACH)
		bs->loops = true;
	bs->stmts++;
	return WALK_NEXT;
}

static enum walk_result budget_expr(struct ast_walker *w, struct expr *e)
{
	struct budget_scan *bs = w->data;
	if (e->kind == EXPR_CALL && e->u.call.decl && e->u.call.decl->body && bs->depth < 16) {
		bs->depth++;
		for (struct functiondecl *f = e->u.call.decl; f; f = f->next_overload)
			ast_walk_stmt(w, f->body);
		bs->depth--;
	}
	return WALK_NEXT;
}

static bool handler_needs_budget(struct lower *L, struct derived_probe *dp)
{
	struct budget_scan bs = { 0 };
	bs.w.stmt_pre = budget_stmt;
	bs.w.expr_pre = budget_expr;
	bs.w.data = &bs;
	ast_walk_stmt(&bs.w, dp->body);
	return !L->pl->lim.no_action_limit && (bs.loops || bs.stmts > L->pl->lim.maxaction);
}

/* ------------------------------------------------------------ locals */

struct lslot *lower_local(struct lower *L, const struct vardecl *d)
{
	struct lscope *sc = L->scope;
	vec_foreach(&sc->slots, i)
		if (sc->slots.items[i].decl == d)
			return &sc->slots.items[i];
	struct lslot s = { .decl = d, .is_str = d->type == TYPE_STRING };
	if (s.is_str) {
		struct bvar *v = plan_var(d);
		s.str = lower_mem(L, v ? v->width : L->pl->lim.maxstringlen, true);
		s.str.width = v ? v->width : L->pl->lim.maxstringlen;
	} else {
		s.reg = ir_new_vreg(L->ir);
	}
	vec_push(L->pl->arena, &sc->slots, s);
	/* locals start as 0 / "": the probe's in the handler prologue, an
	 * inlined function's at its call */
	if (!sc->fn)
		vec_push(L->pl->arena, &L->handler_locals, s);
	return &vec_last(&sc->slots);
}

/* ------------------------------------------------------------ statements */

static bool lower_if(struct lower *L, struct stmt *s)
{
	L->pending += 1;
	lower_charge_flush(L, s->tok, false);
	ir_label els = ir_new_label(L->ir), end = ir_new_label(L->ir);
	if (!lower_cond_jump(L, s->u.if_.cond, false, els))
		return false;
	bool ok = lower_stmt(L, s->u.if_.then);
	lower_charge_flush(L, s->tok, false);
	ir_emit_jmp(L->ir, end);
	ir_bind_label(L->ir, els);
	if (s->u.if_.otherwise) {
		ok &= lower_stmt(L, s->u.if_.otherwise);
		lower_charge_flush(L, s->tok, false);
	}
	ir_bind_label(L->ir, end);
	return ok;
}

static bool lower_for(struct lower *L, struct stmt *s)
{
	L->pending += 1;
	if (s->u.for_.init) {
		L->pending += 1;
		if (!lower_expr_effect(L, s->u.for_.init))
			return false;
	}
	lower_charge_flush(L, s->tok, true);
	struct lloop lp = { .up = L->loop, .brk = ir_new_label(L->ir), .cont = ir_new_label(L->ir) };
	ir_label top = ir_new_label(L->ir);
	ir_bind_label(L->ir, top);
	if (s->u.for_.cond && !lower_cond_jump(L, s->u.for_.cond, false, lp.brk))
		return false;
	L->loop = &lp;
	bool ok = lower_stmt(L, s->u.for_.body);
	L->loop = lp.up;
	lower_charge_flush(L, s->tok, false);
	ir_bind_label(L->ir, lp.cont);
	lower_charge_flush(L, s->tok, true);
	if (s->u.for_.incr)
		ok &= lower_expr_effect(L, s->u.for_.incr);
	ir_emit_jmp(L->ir, top);
	ir_bind_label(L->ir, lp.brk);
	return ok;
}

static bool lower_try(struct lower *L, struct stmt *s)
{
	L->pending += 1;
	lower_charge_flush(L, s->tok, false);
	struct ltry tr = { .up = L->try_, .catch_label = ir_new_label(L->ir) };
	struct expr *cv = s->u.try_.catch_var;
	if (cv && cv->u.sym.decl) {
		tr.want_msg = true;
		tr.msg = lower_local(L, cv->u.sym.decl)->str;
	}
	ir_label end = ir_new_label(L->ir);
	L->try_ = &tr;
	bool ok = lower_stmt(L, s->u.try_.body);
	L->try_ = tr.up;
	lower_charge_flush(L, s->tok, false);
	ir_emit_jmp(L->ir, end);
	ir_bind_label(L->ir, tr.catch_label);
	if (s->u.try_.handler) {
		ok &= lower_stmt(L, s->u.try_.handler);
		lower_charge_flush(L, s->tok, false);
	}
	ir_bind_label(L->ir, end);
	return ok;
}

static bool lower_return(struct lower *L, struct stmt *s)
{
	L->pending += 1;
	struct lscope *sc = L->scope;
	if (!sc->fn)
		return lower_unsupported(L, s->tok, "return outside a function");
	if (s->u.ret.value) {
		if (s->u.ret.value->type == TYPE_STRING) {
			if (!lower_str_into(L, s->u.ret.value, sc->ret_str))
				return false;
		} else {
			ir_reg v;
			if (!lower_long(L, s->u.ret.value, &v))
				return false;
			ir_emit_mov(L->ir, sc->ret_reg, v);
		}
	}
	lower_charge_flush(L, s->tok, false);
	ir_emit_jmp(L->ir, sc->ret_label);
	return true;
}

bool lower_stmt(struct lower *L, struct stmt *s)
{
	if (s == L->hoisted) {
		/* tested before the prologue: its cost only */
		L->pending += 1;
		return true;
	}
	const void *saved = ir_set_tag(L->ir, s->tok);
	bool ok = true;
	/* temporaries do not outlive their statement (locals are allocated
	 * up front), so the next statement reuses their memory */
	uint32_t stack_mark = L->stack_used, scratch_mark = L->scratch_off;
	switch (s->kind) {
	case STMT_BLOCK:
		L->pending += 1;
		vec_foreach(&s->u.block.stmts, i)
			ok &= lower_stmt(L, s->u.block.stmts.items[i]);
		break;
	case STMT_EXPR:
		L->pending += 1;
		ok = lower_expr_effect(L, s->u.expr);
		break;
	case STMT_NULL:
		break;
	case STMT_IF:
		ok = lower_if(L, s);
		break;
	case STMT_FOR:
		ok = lower_for(L, s);
		break;
	case STMT_FOREACH:
		ok = lower_unsupported(L, s->tok, "foreach");
		break;
	case STMT_RETURN:
		ok = lower_return(L, s);
		break;
	case STMT_NEXT:
		L->pending += 1;
		if (L->scope->fn) {
			ok = lower_unsupported(L, s->tok, "next in a function (overload fall-through)");
			break;
		}
		lower_charge_flush(L, s->tok, false);
		ir_emit_jmp(L->ir, L->hend);
		break;
	case STMT_BREAK:
	case STMT_CONTINUE:
		L->pending += 1;
		if (!L->loop) {
			ok = lower_unsupported(L, s->tok, "break/continue outside a loop");
			break;
		}
		lower_charge_flush(L, s->tok, false);
		ir_emit_jmp(L->ir, s->kind == STMT_BREAK ? L->loop->brk : L->loop->cont);
		break;
	case STMT_DELETE:
		L->pending += 1;
		ok = lower_delete(L, s);
		break;
	case STMT_TRY:
		ok = lower_try(L, s);
		break;
	}
	L->stack_used = stack_mark;
	L->scratch_off = scratch_mark;
	ir_set_tag(L->ir, saved);
	return ok;
}

/* ------------------------------------------------------------ handlers */

static void emit_prologue(struct lower *L)
{
	uint32_t mid = ir_pos(L->ir);
	struct ir *ir = L->ir;
	if (L->need_scratch || L->need_outq) {
		int16_t key = lower_stack(L, 8);
		ir_emit_store_imm(ir, 8, IR_FP, key, 0);
		if (L->need_scratch) {
			ir_call_helper(ir, L->scratch, BPF_FUNC_map_lookup_elem,
				       ir_arg_map(L->pl->scratch), ir_arg_stack(key));
			ir_emit_jcc_imm(ir, IR_JEQ, L->scratch, 0, L->hskip);
		}
		if (L->need_outq) {
			ir_call_helper(ir, L->outq, BPF_FUNC_map_lookup_elem, ir_arg_map(L->pl->outq),
				       ir_arg_stack(key));
			ir_emit_jcc_imm(ir, IR_JEQ, L->outq, 0, L->hskip);
			/* a queue left over by an aborted program run is dropped */
			ir_emit_store_imm(ir, 8, L->outq, 0, 0);
		}
	}
	vec_foreach(&L->handler_locals, i) {
		struct lslot *s = &L->handler_locals.items[i];
		if (s->is_str)
			lower_zero(L, s->str, s->str.width);
		else
			ir_emit_mov_imm(ir, s->reg, 0);
	}
	if (L->need_actions)
		ir_emit_mov_imm(ir, L->actions, 0);
	ir_move_tail(ir, L->prologue_at, mid);
}

/* ------------------------------------------------------------ guards */

/* A condition that reads no locals and calls no script function can run
 * before the handler's prologue. */
struct guard_scan {
	struct ast_walker w;
	bool ok;
};

static enum walk_result guard_expr(struct ast_walker *w, struct expr *e)
{
	struct guard_scan *gs = w->data;
	if ((e->kind == EXPR_SYMBOL && e->u.sym.decl && plan_var(e->u.sym.decl)->kind == BV_LOCAL) ||
	    (e->kind == EXPR_CALL && e->u.call.decl && !e->u.call.decl->bpf_builtin) ||
	    e->kind == EXPR_ASSIGN || e->kind == EXPR_INCDEC || e->kind == EXPR_PRINT) {
		gs->ok = false;
		return WALK_STOP;
	}
	return WALK_NEXT;
}

static bool is_next(const struct stmt *s)
{
	if (s->kind == STMT_NEXT)
		return true;
	return s->kind == STMT_BLOCK && s->u.block.stmts.len == 1 &&
	       s->u.block.stmts.items[0]->kind == STMT_NEXT;
}

/*
 * The leading `if (COND) next` of a handler (the number test of every
 * syscall alias, `if (pid() != target()) next`): when COND needs nothing
 * the prologue sets up, it is tested first, so that the handlers of a
 * shared event that do not want it cost a compare and a jump.
 */
static bool guard_safe(struct expr *e)
{
	struct guard_scan gs = { .ok = true };
	gs.w.expr_pre = guard_expr;
	gs.w.data = &gs;
	ast_walk_expr(&gs.w, e);
	return gs.ok;
}

/* The safe part of a guard condition: all of it, or a safe left operand
 * of `||` (`$id != NR || compat()`: the number test alone is enough to
 * leave early; the whole condition is still tested in the body). */
static struct expr *safe_prefix(struct expr *e)
{
	if (guard_safe(e))
		return e;
	if (e->kind == EXPR_LOGICAL && e->u.binary.op == OP_OR)
		return safe_prefix(e->u.binary.lhs);
	return NULL;
}

static struct stmt *leading_guard(struct stmt *body, struct expr **cond)
{
	struct stmt *s = body;
	while (s->kind == STMT_BLOCK && s->u.block.stmts.len)
		s = s->u.block.stmts.items[0];
	if (s->kind != STMT_IF || s->u.if_.otherwise || !is_next(s->u.if_.then))
		return NULL;
	*cond = safe_prefix(s->u.if_.cond);
	return *cond ? s : NULL;
}

static bool lower_handler(struct lower *L, struct bprobe *bp, int32_t syscall_nr,
			  int64_t pid_filter, bool target_filter)
{
	struct ir *ir = L->ir;
	struct derived_probe *dp = bp->dp;
	L->bp = bp;
	L->hend = ir_new_label(ir);
	L->hskip = ir_new_label(ir);
	L->scratch = ir_new_vreg(ir);
	L->need_scratch = false;
	L->outq = ir_new_vreg(ir);
	L->need_outq = false;
	L->scratch_off = 0;
	L->stack_used = 0;
	L->pending = 0;
	L->handler_locals.len = 0;
	L->try_ = NULL;
	L->loop = NULL;
	L->need_actions = handler_needs_budget(L, dp);
	L->actions = ir_new_vreg(ir);
	struct lscope top = { 0 };
	L->scope = &top;
	const void *saved = ir_set_tag(ir, dp->tok);

	if (syscall_nr >= 0 && !L->kp->cookie_dispatch) {
		ir_reg id = ir_new_vreg(ir);
		if (L->kp->syscall_exit) {
			/* sys_exit(regs, ret): the number is regs->orig_ax */
			ir_reg regs = ir_new_vreg(ir);
			ir_emit_load(ir, 8, regs, ir_ctx(ir), 0);
			ir_emit_alu_imm(ir, IR_ADD, regs, 120);
			int16_t tmp = lower_stack(L, 8);
			ir_emit_store_imm(ir, 8, IR_FP, tmp, 0);
			ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_stack(tmp),
				       ir_arg_imm(8), ir_arg_reg(regs));
			ir_emit_load(ir, 8, id, IR_FP, tmp);
		} else {
			ir_emit_load(ir, 8, id, ir_ctx(ir), 8);
		}
		ir_emit_jcc_imm(ir, IR_JNE, id, syscall_nr, L->hskip);
	}
	if (pid_filter > 0 || target_filter) {
		/* process(PID) / -c/-x: only that process (threads included) */
		ir_reg tg = ir_new_vreg(ir);
		ir_call_helper(ir, tg, BPF_FUNC_get_current_pid_tgid);
		ir_emit_alu_imm(ir, IR_RSH, tg, 32);
		if (pid_filter > 0) {
			ir_emit_jcc_imm(ir, IR_JNE, tg, pid_filter, L->hskip);
		} else {
			ir_reg h = lower_head(L), tp = ir_new_vreg(ir);
			ir_emit_load(ir, 8, tp, h, RT_OFF_TARGET);
			ir_emit_jcc(ir, IR_JNE, tg, tp, L->hskip);
		}
	}
	if (bp->process_end) {
		ir_reg pt = ir_new_vreg(ir), lo = ir_new_vreg(ir);
		ir_call_helper(ir, pt, BPF_FUNC_get_current_pid_tgid);
		ir_emit_mov(ir, lo, pt);
		ir_emit_alu_imm(ir, IR_LSH, lo, 32);
		ir_emit_alu_imm(ir, IR_RSH, pt, 32);
		ir_emit_alu_imm(ir, IR_RSH, lo, 32);
		ir_emit_jcc(ir, IR_JNE, pt, lo, L->hskip);
	}
	struct expr *gcond = NULL;
	L->hoisted = leading_guard(dp->body, &gcond);
	if (L->hoisted) {
		const void *t0 = ir_set_tag(ir, L->hoisted->tok);
		/* before the prologue: errors in the guard have no queue yet */
		ir_label saved_end = L->hend;
		L->hend = L->hskip;
		L->in_guard = true;
		bool gok = lower_cond_jump(L, gcond, true, L->hskip);
		L->in_guard = false;
		L->hend = saved_end;
		if (!gok)
			return false;
		ir_set_tag(ir, t0);
		if (gcond != L->hoisted->u.if_.cond)
			L->hoisted = NULL;  /* only a prefix: the body tests it all */
	}
	ir_reg h = lower_head(L), st = ir_new_vreg(ir);
	ir_emit_load(ir, 8, st, h, RT_OFF_STATE);
	ir_emit_jcc_imm(ir, IR_JNE, st, RT_RUNNING, L->hskip);
	L->prologue_at = ir_pos(ir);
	vec_foreach(&dp->locals, i)
		lower_local(L, dp->locals.items[i]);

	bool ok = true;
	if (dp->condition)
		ok = lower_cond_jump(L, dp->condition, false, L->hend);
	ok = ok && lower_stmt(L, dp->body);
	lower_charge_flush(L, dp->body->tok, true);
	ir_bind_label(ir, L->hend);
	if (L->need_outq)
		outq_flush(L);
	ir_emit_jmp(ir, L->hskip);
	emit_prologue(L);
	ir_bind_label(ir, L->hskip);
	ir_set_tag(ir, saved);
	return ok && !L->failed;
}

/* ------------------------------------------------------------ grouping */

static int syscall_number(const char *name)
{
	for (size_t i = 0; i < sizeof(syscalls_x86_64) / sizeof(syscalls_x86_64[0]); i++)
		if (!strcmp(syscalls_x86_64[i].name, name))
			return syscalls_x86_64[i].nr;
	return -1;
}

/*
 * Tracepoints attach as raw tracepoints: handlers read memory through
 * bpf_probe_read_kernel (so that faults are SystemTap's catchable errors),
 * so the BTF typing of tp_btf would buy nothing, and raw_tp needs no
 * vmlinux BTF at load time (~15 ms and ~10 MB less per run).  tp_btf
 * remains for kernels without raw tracepoint programs.
 */
static bool has_tp_btf(struct bpf_plan *pl, const char *name)
{
	if (feature_available(FEATURE_RAW_TP) || !feature_available(FEATURE_TP_BTF))
		return false;
	struct target *t = session_target(pl->s);
	struct btf *btf = t ? target_btf(t) : NULL;
	if (!btf)
		return false;
	char tn[256];
	snprintf(tn, sizeof(tn), "btf_trace_%s", name);
	return btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF) > 0;
}

static struct kprog *find_group(struct bpf_translation *t, enum kattach a, const char *event)
{
	vec_foreach(&t->progs, i) {
		struct kprog *kp = t->progs.items[i];
		if (kp->attach == a && !strcmp(kp->event, event))
			return kp;
	}
	return NULL;
}

static struct kprog *new_group(struct bpf_translation *t, enum kattach a, const char *event,
			       const struct token *tok)
{
	struct kprog *kp = arena_new_obj(t->pl->arena, struct kprog);
	kp->attach = a;
	kp->event = event;
	kp->tok = tok;
	kp->fd = -1;
	vec_push(t->pl->arena, &t->progs, kp);
	return kp;
}

static void group_add_filtered(struct bpf_translation *t, struct kprog *kp, struct bprobe *bp,
			       int32_t nr, int64_t pid, bool target)
{
	struct arena *a = t->pl->arena;
	vec_push(a, &kp->probes, bp);
	uint32_t n = kp->probes.len;
	int32_t *nrs = arena_alloc(a, sizeof(int32_t) * n);
	int64_t *pids = arena_alloc(a, sizeof(int64_t) * n);
	bool *tgts = arena_alloc(a, sizeof(bool) * n);
	for (uint32_t i = 0; i + 1 < n; i++) {
		nrs[i] = kp->syscall_nr[i];
		pids[i] = kp->pid_filter[i];
		tgts[i] = kp->target_filter[i];
	}
	nrs[n - 1] = nr;
	pids[n - 1] = pid;
	tgts[n - 1] = target;
	kp->syscall_nr = nrs;
	kp->pid_filter = pids;
	kp->target_filter = tgts;
}

static void group_add(struct bpf_translation *t, struct kprog *kp, struct bprobe *bp, int32_t nr)
{
	group_add_filtered(t, kp, bp, nr, 0, false);
}

/* process(...) probes: uprobes batched per file into uprobe_multi links
 * (dispatch on the attach cookie), lifecycle probes on the sched
 * tracepoints, syscall probes on raw_syscalls. */
static bool group_process(struct bpf_translation *t, struct bprobe *bp)
{
	struct bpf_plan *pl = t->pl;
	struct derived_probe *dp = bp->dp;
	const struct process_data *d = dp->family_data;
	switch (d->kind) {
	case PROCESS_UPROBE: {
		if (d->absolute) {
			diag_error(&pl->s->diag, D_TRANS, dp->tok,
				   "probe %s: .absolute statement probes are not supported by the BPF runtime",
				   dp->pp);
			return false;
		}
		bool multi = feature_available(FEATURE_UPROBE_MULTI);
		if (!multi && !feature_available(FEATURE_UPROBE)) {
			static const enum feature alts[] = { FEATURE_UPROBE_MULTI, FEATURE_UPROBE };
			feature_require(&pl->s->diag, dp->tok, "process probes", "uprobes", alts, 2);
			return false;
		}
		/* one link per file, return flag and attach filter */
		const char *key = arena_printf(pl->arena, "%s%s pid %lld%s", d->path,
					       d->is_return ? " return" : "", (long long)d->pid,
					       d->target ? " target" : "");
		struct kprog *kp = multi ? find_group(t, KA_UPROBE_MULTI, key) : NULL;
		if (!kp) {
			kp = new_group(t, multi ? KA_UPROBE_MULTI : KA_UPROBE, key, dp->tok);
			kp->path = d->path;
			kp->retprobe = d->is_return;
			kp->pid = (int)d->pid;
			kp->attach_target = d->target;
			kp->cookie_dispatch = multi;
		}
		uint32_t i = kp->noffsets++;
		uint64_t *off = arena_alloc(pl->arena, sizeof(uint64_t) * kp->noffsets);
		uint64_t *ck = arena_alloc(pl->arena, sizeof(uint64_t) * kp->noffsets);
		for (uint32_t k = 0; k < i; k++) {
			off[k] = kp->offsets[k];
			ck[k] = kp->cookies[k];
		}
		off[i] = d->offset;
		ck[i] = i;
		kp->offsets = off;
		kp->cookies = ck;
		/* the attach filter does the pid/target test */
		group_add_filtered(t, kp, bp, multi ? (int32_t)i : -1, 0, false);
		return true;
	}
	case PROCESS_BEGIN:
	case PROCESS_END:
	case PROCESS_SYSCALL:
	case PROCESS_SYSCALL_RETURN: {
		if (d->path) {
			diag_error(&pl->s->diag, D_TRANS, dp->tok,
				   "probe %s: process(\"PATH\") lifecycle and syscall probes are not "
				   "supported by the BPF runtime yet (process(PID) and -c/-x are)", dp->pp);
			return false;
		}
		const char *ev = d->kind == PROCESS_BEGIN ? "sched_process_exec"
				 : d->kind == PROCESS_END ? "sched_process_exit"
				 : d->kind == PROCESS_SYSCALL ? "sys_enter" : "sys_exit";
		struct kprog *kp = find_group(t, KA_RAW_TP, ev);
		if (!kp) {
			kp = new_group(t, KA_RAW_TP, ev, dp->tok);
			if (d->kind == PROCESS_SYSCALL || d->kind == PROCESS_SYSCALL_RETURN) {
				kp->syscall_group = true;
				kp->syscall_exit = d->kind == PROCESS_SYSCALL_RETURN;
			}
		}
		bp->process_end = d->kind == PROCESS_END;
		group_add_filtered(t, kp, bp, -1, d->pid, d->target);
		return true;
	}
	default:
		diag_error(&pl->s->diag, D_TRANS, dp->tok,
			   "probe %s: thread begin/end probes are not supported by the BPF runtime yet",
			   dp->pp);
		return false;
	}
}

static bool group_tracepoint(struct bpf_translation *t, struct bprobe *bp)
{
	struct bpf_plan *pl = t->pl;
	const struct target_tracepoint *tp = ((struct tracepoint_data *)bp->dp->family_data)->tp;
	if (tp->syscall) {
		bool enter = !strncmp(tp->name, "sys_enter_", 10);
		const char *sc = tp->name + (enter ? 10 : 9);
		int nr = syscall_number(sc);
		if (nr < 0) {
			diag_error(&pl->s->diag, D_TRANS, bp->dp->tok,
				   "no x86_64 system call number for tracepoint syscalls:%s", tp->name);
			return false;
		}
		const char *ev = enter ? "sys_enter" : "sys_exit";
		enum kattach a = has_tp_btf(pl, ev) ? KA_TP_BTF : KA_RAW_TP;
		struct kprog *kp = find_group(t, a, ev);
		if (!kp) {
			kp = new_group(t, a, ev, bp->dp->tok);
			kp->syscall_group = true;
			kp->syscall_exit = !enter;
		}
		group_add(t, kp, bp, nr);
		return true;
	}
	enum kattach a = has_tp_btf(pl, tp->name) ? KA_TP_BTF : KA_RAW_TP;
	struct kprog *kp = find_group(t, a, tp->name);
	if (!kp)
		kp = new_group(t, a, tp->name, bp->dp->tok);
	kp->tp_system = tp->system;
	if (!strcmp(tp->system, "raw_syscalls") &&
	    (!strcmp(tp->name, "sys_enter") || !strcmp(tp->name, "sys_exit"))) {
		/* the syscall aliases: dispatch on their numbers */
		kp->syscall_group = true;
		kp->syscall_exit = !strcmp(tp->name, "sys_exit");
	}
	group_add(t, kp, bp, -1);
	return true;
}

static bool group_probe(struct bpf_translation *t, struct bprobe *bp)
{
	struct bpf_plan *pl = t->pl;
	struct derived_probe *dp = bp->dp;
	if (dp->family == &tracepoint_family)
		return group_tracepoint(t, bp);
	if (dp->family == &process_family)
		return group_process(t, bp);
	if (dp->family == &perf_family) {
		const struct perf_data *d = dp->family_data;
		if (d->process || d->counter || (!d->period && !d->freq)) {
			diag_error(&pl->s->diag, D_TRANS, dp->tok,
				   "probe %s: perf counters and per-process perf probes are not supported "
				   "by the BPF runtime yet (sampling probes are)", dp->pp);
			return false;
		}
		struct kprog *kp = new_group(t, KA_PERF_EVENT,
					     arena_printf(pl->arena, "perf%u", t->progs.len), dp->tok);
		kp->perf_type = (uint32_t)d->type;
		kp->perf_config = (uint64_t)d->config;
		kp->perf_period = (uint64_t)d->period;
		kp->perf_freq = (uint64_t)d->freq;
		group_add(t, kp, bp, -1);
		return true;
	}
	if (dp->family == &timer_family) {
		struct kprog *kp = find_group(t, KA_CPU_CLOCK, "cpu-clock");
		if (!kp) {
			kp = new_group(t, KA_CPU_CLOCK, "cpu-clock", dp->tok);
			kp->period_ns = (uint64_t)(1000000000LL / pl->hz);
		}
		group_add(t, kp, bp, -1);
		return true;
	}
	if (dp->family == &kprobe_family) {
		static const enum feature alts[] = { FEATURE_KPROBE, FEATURE_FENTRY };
		if (dp->optional && !feature_available(FEATURE_KPROBE) &&
		    !feature_available(FEATURE_FENTRY)) {
			/* an optional point this kernel cannot probe: dropped, as an
			 * optional point that resolves to nothing is */
			bp->where = BP_NEVER;
			pl->nkernel--;
			return true;
		}
		struct strbuf what = STRBUF_INIT;
		strbuf_printf(&what, "kernel.function probes (here %s)", dp->pp);
		feature_require(&pl->s->diag, dp->tok, strbuf_str(&what), "kprobes or fentry", alts, 2);
		strbuf_free(&what);
		return false;
	}
	diag_error(&pl->s->diag, D_TRANS, dp->tok,
		   "probe %s: the %s probe family is not supported by the BPF runtime yet", dp->pp,
		   dp->family ? dp->family->name : "?");
	return false;
}

/* ------------------------------------------------------------ programs */

static void prog_setup(struct bpf_translation *t, struct kprog *kp, uint32_t idx)
{
	struct bpf_plan *pl = t->pl;
	char name[64];
	enum bpf_prog_type type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	switch (kp->attach) {
	case KA_TP_BTF: type = BPF_PROG_TYPE_TRACING; break;
	case KA_RAW_TP: type = BPF_PROG_TYPE_RAW_TRACEPOINT; break;
	case KA_PERF_TP: type = BPF_PROG_TYPE_TRACEPOINT; break;
	case KA_CPU_CLOCK:
	case KA_PERF_EVENT: type = BPF_PROG_TYPE_PERF_EVENT; break;
	case KA_UPROBE:
	case KA_UPROBE_MULTI: type = BPF_PROG_TYPE_KPROBE; break;
	}
	/* names: p<index>_<what>, what = tracepoint or file name */
	const char *what = kp->event;
	if (kp->path) {
		const char *slash = strrchr(kp->path, '/');
		what = slash ? slash + 1 : kp->path;
	}
	snprintf(name, sizeof(name), "p%u_%s", idx, what);
	kp->ir = ir_new(pl->arena, &pl->s->diag, &t->tagger, arena_strdup(pl->arena, name), type);
	if (kp->attach == KA_UPROBE_MULTI)
		kp->ir->expected_attach_type = ATTACH_TRACE_UPROBE_MULTI;
	if (kp->attach == KA_TP_BTF) {
		kp->ir->expected_attach_type = BPF_TRACE_RAW_TP;
		kp->ir->attach_btf_name = arena_printf(pl->arena, "btf_trace_%s", kp->event);
		kp->ir->attach_btf_kind = BTF_KIND_TYPEDEF;
	}
}

/* Cookies lo..hi-1 to their handlers' labels: a binary search, so that a
 * uprobe_multi program over N functions tests log2(N) cookies. */
static void cookie_tree(struct ir *ir, ir_reg ck, const ir_label *start, uint32_t lo, uint32_t hi,
			ir_label none)
{
	if (hi - lo <= 3) {
		for (uint32_t i = lo; i < hi; i++)
			ir_emit_jcc_imm(ir, IR_JEQ, ck, i, start[i]);
		ir_emit_jmp(ir, none);
		return;
	}
	uint32_t mid = lo + (hi - lo) / 2;
	ir_label right = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JGE, ck, mid, right);
	cookie_tree(ir, ck, start, lo, mid, none);
	ir_bind_label(ir, right);
	cookie_tree(ir, ck, start, mid, hi, none);
}

/*
 * The syscall number a handler of a raw_syscalls group wants: a
 * syscalls:* tracepoint's, or the constant of its leading
 * `if ($id != NR ...) next` (sys_exit: `$regs->orig_ax != NR`); -1 if
 * it takes any.
 */
static int64_t syscall_key(struct kprog *kp, uint32_t i)
{
	if (kp->syscall_nr[i] >= 0)
		return kp->syscall_nr[i];
	struct expr *c = NULL;
	if (!leading_guard(kp->probes.items[i]->dp->body, &c))
		return -1;
	if (c->kind != EXPR_COMPARE || c->u.binary.op != OP_NE)
		return -1;
	struct expr *t = c->u.binary.lhs, *n = c->u.binary.rhs;
	if (t->kind == EXPR_NUMBER) {
		struct expr *x = t;
		t = n;
		n = x;
	}
	if (n->kind != EXPR_NUMBER || t->kind != EXPR_TARGET || !t->u.target.resolved)
		return -1;
	const struct target_access *acc = t->u.target.resolved;
	if (acc->base != ACCESS_TP_ARG)
		return -1;
	if (!kp->syscall_exit && acc->index == 1 && acc->nsteps == 0)
		return n->u.num;
	if (kp->syscall_exit && acc->index == 0 && acc->nsteps == 1 &&
	    acc->steps[0].offset == 120 && acc->steps[0].load_size == 8 && !acc->steps[0].index)
		return n->u.num;
	return -1;
}

/* keys[lo..hi) (sorted, distinct) to their labels */
static void key_tree(struct ir *ir, ir_reg id, const int64_t *keys, const ir_label *at,
		     uint32_t lo, uint32_t hi, ir_label none)
{
	if (hi - lo <= 3) {
		for (uint32_t i = lo; i < hi; i++)
			ir_emit_jcc_imm(ir, IR_JEQ, id, keys[i], at[i]);
		ir_emit_jmp(ir, none);
		return;
	}
	uint32_t mid = lo + (hi - lo) / 2;
	ir_label right = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSGE, id, keys[mid], right);
	key_tree(ir, id, keys, at, lo, mid, none);
	ir_bind_label(ir, right);
	key_tree(ir, id, keys, at, mid, hi, none);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * A raw_syscalls program whose handlers all want one syscall number each
 * (`syscall.*`: 360 aliases) dispatches by binary search on the number,
 * so an event costs ~9 compares instead of one per handler.  Handlers of
 * one number keep their order.  Returns false when it does not apply.
 */
static bool syscall_dispatch(struct lower *L, struct kprog *kp, bool *ok)
{
	uint32_t n = kp->probes.len;
	if (!kp->syscall_group || n < 8)
		return false;
	struct arena *a = L->pl->arena;
	int64_t *key = arena_alloc(a, sizeof(int64_t) * n);
	for (uint32_t i = 0; i < n; i++)
		if ((key[i] = syscall_key(kp, i)) < 0)
			return false;
	int64_t *keys = arena_alloc(a, sizeof(int64_t) * n);
	memcpy(keys, key, sizeof(int64_t) * n);
	qsort(keys, n, sizeof(int64_t), cmp_i64);
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!m || keys[m - 1] != keys[i])
			keys[m++] = keys[i];
	struct ir *ir = L->ir;
	ir_label *at = arena_alloc(a, sizeof(ir_label) * m), out = ir_new_label(ir);
	for (uint32_t j = 0; j < m; j++)
		at[j] = ir_new_label(ir);
	ir_reg id = ir_new_vreg(ir);
	if (kp->syscall_exit) {
		ir_reg regs = ir_new_vreg(ir);
		int16_t tmp = lower_stack(L, 8);
		ir_emit_load(ir, 8, regs, ir_ctx(ir), 0);
		ir_emit_alu_imm(ir, IR_ADD, regs, 120);
		ir_emit_store_imm(ir, 8, IR_FP, tmp, -1);
		ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_stack(tmp),
			       ir_arg_imm(8), ir_arg_reg(regs));
		ir_emit_load(ir, 8, id, IR_FP, tmp);
		L->stack_used = 0;
	} else {
		ir_emit_load(ir, 8, id, ir_ctx(ir), 8);
	}
	key_tree(ir, id, keys, at, 0, m, out);
	for (uint32_t j = 0; j < m; j++) {
		ir_bind_label(ir, at[j]);
		for (uint32_t i = 0; i < n; i++)
			if (key[i] == keys[j])
				*ok &= lower_handler(L, kp->probes.items[i], -1, kp->pid_filter[i],
						     kp->target_filter[i]);
		ir_emit_jmp(ir, out);
	}
	ir_bind_label(ir, out);
	return true;
}

static bool lower_kprog(struct bpf_translation *t, struct kprog *kp, uint32_t idx)
{
	struct lower L = { .t = t, .pl = t->pl, .s = t->pl->s, .diag = &t->pl->s->diag, .kp = kp,
			   .dead_absent = UINT32_MAX };
	prog_setup(t, kp, idx);
	L.ir = kp->ir;
	bool ok = true;
	if (kp->cookie_dispatch) {
		uint32_t n = kp->probes.len;
		ir_label *start = arena_alloc(t->pl->arena, sizeof(ir_label) * (n + 1));
		ir_label out = ir_new_label(L.ir);
		for (uint32_t i = 0; i < n; i++)
			start[i] = ir_new_label(L.ir);
		ir_reg ck = ir_new_vreg(L.ir);
		ir_call_helper(L.ir, ck, BPF_FUNC_get_attach_cookie, ir_arg_reg(ir_ctx(L.ir)));
		cookie_tree(L.ir, ck, start, 0, n, out);
		for (uint32_t i = 0; i < n; i++) {
			ir_bind_label(L.ir, start[i]);
			ok &= lower_handler(&L, kp->probes.items[i], -1, kp->pid_filter[i],
					    kp->target_filter[i]);
			ir_emit_jmp(L.ir, out);
		}
		ir_bind_label(L.ir, out);
	} else if (!syscall_dispatch(&L, kp, &ok)) {
		vec_foreach(&kp->probes, i)
			ok &= lower_handler(&L, kp->probes.items[i],
					    kp->syscall_group ? kp->syscall_nr[i] : -1,
					    kp->pid_filter[i], kp->target_filter[i]);
	}
	ir_emit_exit_imm(L.ir, 0);
	if (!ok || ir_failed(L.ir))
		return false;
	return true;
}

/* Programs past this many IR instructions are split in two (their branches
 * must stay within 32767 instructions, and verification grows with size);
 * the halves attach to the same event. */
#define PROG_SPLIT 24000

static uint32_t ir_size(const struct ir *ir)
{
	uint32_t n = 0;
	vec_foreach(&ir->funcs, i)
		n += ir->funcs.items[i]->insns.len;
	return n;
}

static struct kprog *kprog_subset(struct bpf_plan *pl, const struct kprog *kp, const uint32_t *idx,
				  uint32_t n)
{
	struct kprog *h = arena_new_obj(pl->arena, struct kprog);
	*h = *kp;
	memset(&h->probes, 0, sizeof(h->probes));
	h->syscall_nr = arena_alloc(pl->arena, sizeof(int32_t) * n);
	h->pid_filter = arena_alloc(pl->arena, sizeof(int64_t) * n);
	h->target_filter = arena_alloc(pl->arena, sizeof(bool) * n);
	for (uint32_t k = 0; k < n; k++) {
		vec_push(pl->arena, &h->probes, kp->probes.items[idx[k]]);
		h->syscall_nr[k] = kp->syscall_nr[idx[k]];
		h->pid_filter[k] = kp->pid_filter[idx[k]];
		h->target_filter[k] = kp->target_filter[idx[k]];
	}
	h->ir = NULL;
	h->code = NULL;
	return h;
}

static int64_t *split_keys;

static int by_key(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (split_keys[x] != split_keys[y])
		return split_keys[x] < split_keys[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Splits t->progs.items[i] into two programs on the same event (probes of
 * one syscall number stay together); false if it cannot be split. */
static bool split_kprog(struct bpf_translation *t, uint32_t i)
{
	struct bpf_plan *pl = t->pl;
	struct kprog *kp = t->progs.items[i];
	uint32_t n = kp->probes.len;
	if (n < 2 || kp->cookie_dispatch)
		return false;
	uint32_t *idx = arena_alloc(pl->arena, sizeof(uint32_t) * n);
	for (uint32_t k = 0; k < n; k++)
		idx[k] = k;
	if (kp->syscall_group) {
		split_keys = arena_alloc(pl->arena, sizeof(int64_t) * n);
		for (uint32_t k = 0; k < n; k++)
			split_keys[k] = syscall_key(kp, k);
		qsort(idx, n, sizeof(uint32_t), by_key);
	}
	uint32_t half = n / 2;
	/* keep one syscall number on one side */
	while (kp->syscall_group && half < n && half > 0 &&
	       split_keys[idx[half]] == split_keys[idx[half - 1]])
		half++;
	if (half == 0 || half == n)
		return false;
	struct kprog *a = kprog_subset(pl, kp, idx, half), *b = kprog_subset(pl, kp, idx + half, n - half);
	t->progs.items[i] = a;
	vec_push(pl->arena, &t->progs, b);
	/* keep program order: move b right after a */
	for (uint32_t k = t->progs.len - 1; k > i + 1; k--)
		t->progs.items[k] = t->progs.items[k - 1];
	t->progs.items[i + 1] = b;
	return true;
}

struct bpf_translation *lower_program(struct bpf_plan *pl)
{
	struct bpf_translation *t = arena_new_obj(pl->arena, struct bpf_translation);
	t->pl = pl;
	ir_tagger_for_tokens(&t->tagger, &pl->s->sources);
	struct diag_mark before = diag_mark(&pl->s->diag);
	bool ok = true;
	vec_foreach(&pl->probes, i) {
		struct bprobe *bp = pl->probes.items[i];
		if (bp->where == BP_KERNEL)
			ok &= group_probe(t, bp);
	}
	if (!ok)
		return NULL;
	if (t->progs.len) {
		pl->ring = ringbuf_map_new(pl->arena, "events", pl->lim.ringbuf_bytes);
		pl->lost = ringbuf_lost_map_new(pl->arena, "lost");
		pl->rodata = ir_map_rodata(pl->arena, "rodata");
		pl->scratch = ir_map_new(pl->arena, "scratch", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
		pl->outq = ir_map_new(pl->arena, "outq", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8 + OUTQ_SIZE,
				      1, 0);
	}
	for (uint32_t i = 0; i < t->progs.len; i++) {
		bool one = lower_kprog(t, t->progs.items[i], i);
		if (one && ir_size(t->progs.items[i]->ir) > PROG_SPLIT && split_kprog(t, i)) {
			i--;  /* lower the first half again */
			continue;
		}
		ok &= one;
	}
	if (!ok || diag_errors_since(&pl->s->diag, &before))
		return NULL;
	if (pl->scratch)
		pl->scratch->value_size = pl->scratch_size ? lw_align8(pl->scratch_size) : 8;
	vec_foreach(&t->progs, i) {
		struct kprog *kp = t->progs.items[i];
		ir_prune_dead(kp->ir);
		kp->code = asm_build(kp->ir);
		if (!kp->code)
			return NULL;
		t->ninsns += kp->code->len;
	}
	return t;
}

/* ------------------------------------------------------------ -p3 */

static const char *attach_name(enum kattach a)
{
	switch (a) {
	case KA_TP_BTF: return "tp_btf";
	case KA_RAW_TP: return "raw_tracepoint";
	case KA_PERF_TP: return "tracepoint";
	case KA_CPU_CLOCK: return "perf_event cpu-clock";
	case KA_PERF_EVENT: return "perf_event";
	case KA_UPROBE: return "uprobe";
	case KA_UPROBE_MULTI: return "uprobe_multi";
	}
	return "?";
}

static void print_map(struct strbuf *out, const struct ir_map *m)
{
	if (!m)
		return;
	strbuf_printf(out, ";   map %s: %s", m->name, ir_map_type_name(m->type));
	if (m->type == BPF_MAP_TYPE_RINGBUF)
		strbuf_printf(out, ", %u bytes\n", m->max_entries);
	else
		strbuf_printf(out, ", key %u, value %u, %u entries%s\n", m->key_size, m->value_size,
			      m->max_entries, (m->flags & BPF_F_MMAPABLE) ? ", mmap-able" : "");
}

void lower_listing(struct bpf_translation *t, struct strbuf *out)
{
	struct bpf_plan *pl = t->pl;
	strbuf_printf(out, "; BPF runtime: MAXSTRINGLEN %u, MAXMAPENTRIES %u, MAXACTION %lld, "
		      "MAXERRORS %lld\n", pl->lim.maxstringlen, pl->lim.maxmapentries,
		      (long long)pl->lim.maxaction, (long long)pl->lim.maxerrors);
	strbuf_puts(out, "; maps\n");
	print_map(out, pl->gmap);
	vec_foreach(&pl->globals, i) {
		struct bvar *v = pl->globals.items[i];
		switch (v->kind) {
		case BV_LONG:
			strbuf_printf(out, ";     %s: long at %u\n", v->decl->name, v->off);
			break;
		case BV_STRING:
			strbuf_printf(out, ";     %s: string[%u] at %u\n", v->decl->name, v->width, v->off);
			break;
		case BV_STATS:
			strbuf_printf(out, ";     %s: statistics at %u of map stats (%u bytes)\n",
				      v->decl->name, v->off, stats_acc_size(&v->sdesc));
			break;
		default:
			break;
		}
	}
	print_map(out, pl->smap);
	vec_foreach(&pl->globals, i) {
		struct bvar *v = pl->globals.items[i];
		if (v->kind != BV_ARRAY)
			continue;
		print_map(out, v->map);
		strbuf_printf(out, ";     %s[", v->decl->name);
		for (uint32_t k = 0; k < v->nkeys; k++) {
			if (v->ktype[k] == TYPE_STRING)
				strbuf_printf(out, "%sstring[%u]", k ? ", " : "", v->kwidth[k]);
			else
				strbuf_printf(out, "%slong", k ? ", " : "");
		}
		strbuf_printf(out, "] = %s", v->type == TYPE_STRING ? "string" : v->type == TYPE_STATS
					    ? "statistics" : "long");
		if (v->type == TYPE_STRING)
			strbuf_printf(out, "[%u]", v->width);
		strbuf_puts(out, "\n");
	}
	print_map(out, pl->ring);
	print_map(out, pl->lost);
	print_map(out, pl->scratch);
	print_map(out, pl->outq);
	if (pl->rodata && pl->rodata->data_len)
		strbuf_printf(out, ";   map rodata: read-only array, %u bytes\n", pl->rodata->data_len);
	vec_foreach(&pl->probes, i) {
		struct bprobe *bp = pl->probes.items[i];
		if (bp->where == BP_USER)
			strbuf_printf(out, "; user space: %s\n", bp->dp->pp);
	}
	vec_foreach(&t->progs, i) {
		struct kprog *kp = t->progs.items[i];
		strbuf_printf(out, "\n; %s %s:", attach_name(kp->attach), kp->event);
		vec_foreach(&kp->probes, j)
			strbuf_printf(out, " %s", kp->probes.items[j]->dp->pp);
		strbuf_puts(out, "\n");
		asm_listing(kp->code, &t->tagger, out);
	}
}
