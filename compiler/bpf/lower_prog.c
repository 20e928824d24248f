/*
 * lower_prog: kernel-side handlers to BPF programs (see lower.h).
 *
 * A program:
 *
 *     for each probe of the group:
 *         [syscall number test]            (raw_syscalls groups)
 *         if (head.state != RUNNING) skip  (exit()/errors stop handlers)
 *         <prologue: scratch lookup, locals zeroed>   (moved here last)
 *         [arming condition]
 *         handler body                     (lower.c)
 *       hend:
 *     return 0
 *
 * Statement budget: only handlers that loop, or whose statements could
 * exceed the budget in one pass, count at run time (a vreg); the others
 * cost nothing.  The model is the interpreter's (interp.h).  Programs past
 * the verifier's comfortable size are split in two on the same event.
 */
#include "bpf/lower_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/btf.h>

#include "bpfmc/asm.h"
#include "bpf/attach.h"
#include "bpf/feature.h"
#include "bpf/ringbuf.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

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
	lower_match_reset(L);
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
			  int64_t pid_filter, bool target_filter, bool dispatched)
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
	L->uses_match = false;
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
	L->known_false = NULL;
	if (L->hoisted && dispatched) {
		/* syscall_dispatch came here on the number this test compares
		 * (syscall_key): it is false, here and in the body */
		L->known_false = gcond;
		L->hoisted = NULL;  /* the body's `if` tests what is left */
	} else if (L->hoisted) {
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
	lower_defer_scan(L, dp);
	vec_foreach(&dp->locals, i)
		if (!lower_defer_local(L, dp->locals.items[i]))
			lower_local(L, dp->locals.items[i]);

	bool ok = true;
	if (dp->condition)
		ok = lower_cond_jump(L, dp->condition, false, L->hend);
	ok = ok && lower_stmt(L, dp->body);
	lower_charge_flush(L, dp->body->tok, true);
	ir_bind_label(ir, L->hend);
	if (L->need_outq)
		lower_outq_flush(L);
	ir_emit_jmp(ir, L->hskip);
	emit_prologue(L);
	ir_bind_label(ir, L->hskip);
	ir_set_tag(ir, saved);
	return ok && !L->failed;
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
	case KA_UPROBE_MULTI:
	case KA_KPROBE: type = BPF_PROG_TYPE_KPROBE; break;
	}
	/* names: p<index>_<what>, what = tracepoint or file name */
	const char *what = kp->event;
	if (kp->path) {
		const char *slash = strrchr(kp->path, '/');
		what = slash ? slash + 1 : kp->path;
	}
	snprintf(name, sizeof(name), "p%u_%s", idx, what);
	kp->ir = ir_new(pl->arena, &pl->s->diag, &t->tagger, arena_strdup(pl->arena, name), type);
	kp->ir->stack_limit = pl->lim.stack_limit;
	kp->ir->insn_limit = pl->lim.insn_limit;
	struct strbuf sv = STRBUF_INIT;
	vec_foreach(&kp->probes, j) {
		if (j == 3) {
			strbuf_printf(&sv, " and %u more", kp->probes.len - 3);
			break;
		}
		const struct derived_probe *dp = kp->probes.items[j]->dp;
		strbuf_printf(&sv, "%s%s", j ? ", " : "probe ", dp->pn ? dp->pn : dp->pp);
	}
	kp->ir->serves = arena_strdup(pl->arena, strbuf_str(&sv));
	strbuf_free(&sv);
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
						     kp->target_filter[i], kp->syscall_nr[i] < 0);
		ir_emit_jmp(ir, out);
	}
	ir_bind_label(ir, out);
	return true;
}

static bool same_derivation(const struct derivation *a, const struct derivation *b)
{
	for (; a && b; a = a->next, b = b->next)
		if (a != b && strcmp(a->text, b->text))
			return false;
	return a == b;
}

/* Whether probes a and b of a cookie-dispatched program can run one
 * handler: points of one probe statement through the same aliases, where
 * pass 2 resolved nothing for the point itself ($vars, @defined: they set
 * uses_target_vars), with the same filters.  What lowering finds that
 * only a point has (lower_point_bound) still keeps them apart. */
static bool same_handler(const struct kprog *kp, uint32_t a, uint32_t b)
{
	const struct bprobe *x = kp->probes.items[a], *y = kp->probes.items[b];
	const struct derived_probe *p = x->dp, *q = y->dp;
	if (!p->origin || p->origin != q->origin || p->family != q->family)
		return false;
	if (p->uses_target_vars || q->uses_target_vars || p->condition || q->condition)
		return false;
	if (x->process_end != y->process_end || kp->pid_filter[a] != kp->pid_filter[b] ||
	    kp->target_filter[a] != kp->target_filter[b])
		return false;
	/* probefunc() is ppfunc() at function points only (lower_stack.c) */
	if (!strstr(p->pp, ").function(\"") != !strstr(q->pp, ").function(\""))
		return false;
	return same_derivation(p->derivation, q->derivation);
}

/* leader[i]: the first probe whose handler probe i could run (itself if
 * none); the 2405 points of `function("*")` have one leader per probe.
 * followed[i]: some later probe has leader i. */
static uint32_t *share_leaders(struct arena *a, const struct kprog *kp, bool **followed)
{
	uint32_t n = kp->probes.len, nl = 0;
	uint32_t *leader = arena_alloc(a, sizeof(uint32_t) * n);
	uint32_t *leaders = arena_alloc(a, sizeof(uint32_t) * n);
	bool *f = arena_alloc(a, sizeof(bool) * n);
	for (uint32_t i = 0; i < n; i++) {
		leader[i] = i;
		f[i] = false;
		for (uint32_t k = 0; k < nl; k++)
			if (same_handler(kp, leaders[k], i)) {
				leader[i] = leaders[k];
				f[leaders[k]] = true;
				break;
			}
		if (leader[i] == i)
			leaders[nl++] = i;
	}
	*followed = f;
	return leader;
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
		bool *followed;
		uint32_t *leader = share_leaders(t->pl->arena, kp, &followed);
		bool *serves = arena_alloc(t->pl->arena, sizeof(bool) * n);
		ir_label out = ir_new_label(L.ir);
		for (uint32_t i = 0; i < n; i++) {
			start[i] = ir_new_label(L.ir);
			serves[i] = false;
		}
		ir_reg ck = ir_new_vreg(L.ir);
		ir_call_helper(L.ir, ck, BPF_FUNC_get_attach_cookie, ir_arg_reg(ir_ctx(L.ir)));
		cookie_tree(L.ir, ck, start, 0, n, out);
		for (uint32_t i = 0; i < n; i++) {
			ir_bind_label(L.ir, start[i]);
			if (leader[i] != i && serves[leader[i]]) {
				ir_emit_jmp(L.ir, start[leader[i]]);
				continue;
			}
			L.share_points = followed[i];
			L.point_bound = false;
			ok &= lower_handler(&L, kp->probes.items[i], -1, kp->pid_filter[i],
					    kp->target_filter[i], false);
			serves[i] = L.share_points && !L.point_bound;
			L.share_points = false;
			ir_emit_jmp(L.ir, out);
		}
		ir_bind_label(L.ir, out);
	} else if (!syscall_dispatch(&L, kp, &ok)) {
		vec_foreach(&kp->probes, i)
			ok &= lower_handler(&L, kp->probes.items[i],
					    kp->syscall_group ? kp->syscall_nr[i] : -1,
					    kp->pid_filter[i], kp->target_filter[i], false);
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
	if (kp->cookie_dispatch) {
		/* its own sites: probe k attaches at its site with cookie k */
		h->offsets = arena_alloc(pl->arena, sizeof(uint64_t) * n);
		h->cookies = arena_alloc(pl->arena, sizeof(uint64_t) * n);
		h->ref_ctr_offsets = arena_alloc(pl->arena, sizeof(uint64_t) * n);
		h->symbols = kp->symbols ? arena_alloc(pl->arena, sizeof(char *) * n) : NULL;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t site = (uint32_t)kp->syscall_nr[idx[k]];
			h->offsets[k] = kp->offsets[site];
			h->ref_ctr_offsets[k] = kp->ref_ctr_offsets[site];
			if (h->symbols)
				h->symbols[k] = kp->symbols[site];
			h->cookies[k] = k;
			h->syscall_nr[k] = (int32_t)k;
		}
		h->noffsets = n;
	}
	h->ir = NULL;
	h->code = NULL;
	return h;
}

/* qsort_r order of probe indexes by their syscall keys (then index) */
static int by_key(const void *a, const void *b, void *keys_arg)
{
	const int64_t *keys = keys_arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (keys[x] != keys[y])
		return keys[x] < keys[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Splits t->progs.items[i] into two programs on the same event (probes of
 * one syscall number stay together; a program that dispatches on cookies
 * gives each half its own sites); false if it cannot be split. */
static bool split_kprog(struct bpf_translation *t, uint32_t i)
{
	struct bpf_plan *pl = t->pl;
	struct kprog *kp = t->progs.items[i];
	uint32_t n = kp->probes.len;
	if (n < 2)
		return false;
	uint32_t *idx = arena_alloc(pl->arena, sizeof(uint32_t) * n);
	for (uint32_t k = 0; k < n; k++)
		idx[k] = k;
	int64_t *split_keys = NULL;
	if (kp->syscall_group) {
		split_keys = arena_alloc(pl->arena, sizeof(int64_t) * n);
		for (uint32_t k = 0; k < n; k++)
			split_keys[k] = syscall_key(kp, k);
		qsort_r(idx, n, sizeof(uint32_t), by_key, split_keys);
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
			ok &= lower_group_probe(t, bp);
	}
	if (!ok)
		return NULL;
	if (t->progs.len) {
		pl->ring = ringbuf_map_new(pl->arena, "events", pl->lim.ringbuf_bytes);
		pl->lost = ringbuf_lost_map_new(pl->arena, "lost");
		pl->rodata = ir_map_rodata(pl->arena, "rodata");
		pl->scratch = ir_map_new(pl->arena, "scratch", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
		pl->outq = ir_map_new(pl->arena, "outq", BPF_MAP_TYPE_PERCPU_ARRAY, 4, OUTQ_ACTIONS + 8,
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
	case KA_KPROBE: return "kprobe";
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
