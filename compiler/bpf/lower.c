/*
 * lower: the bodies of kernel-side handlers and the script functions they
 * call (inlined) - statements, and expressions of both types.  This is the
 * dispatcher: kinds of their own go to lower_str.c (comparisons, prints),
 * lower_map.c (globals, arrays, statistics), lower_target.c ($vars),
 * lower_builtin.c (BPF builtins), lower_regex.c (=~) and lower_fmt.c
 * (sprintf), which call back here for their operands and never each
 * other; all of them use the primitives of lower_mem.c and lower_ctx.c.
 *
 * Arithmetic is 64-bit two's complement like the language's; `/` and `%`
 * test the divisor (`division by 0`) and are signed (ISA v4 sdiv/smod
 * where the kernel has them, else computed on magnitudes); shift counts
 * are masked to 0..63.  Every value returned in a vreg is the caller's to
 * read; lower_long_tmp() gives one it may also modify.  String values are
 * buffers (struct smem): a variable's own (read only) or a fresh one.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "bpf/feature.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

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
	/* A loop over values the verifier cannot tell apart from one
	 * iteration to the next (a list in user memory; the action count
	 * goes through a map) is "infinite" to it unless the loop has a
	 * may_goto (6.9+), where it converges instead; the kernel then
	 * bounds the iterations too, and running out is MAXACTION exceeded.
	 * (An iteration count would tell the iterations apart on older
	 * kernels, but the verifier then walks every iteration up to the
	 * bound, and such a walk is soon "too complex".) */
	bool may_goto = !L->pl->lim.no_action_limit && feature_available(FEATURE_MAY_GOTO);
	ir_label spent = may_goto ? ir_new_label(L->ir) : 0;
	ir_label top = ir_new_label(L->ir);
	ir_bind_label(L->ir, top);
	if (may_goto)
		ir_emit_may_goto(L->ir, spent);
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
	if (may_goto) {
		ir_bind_label(L->ir, spent);
		lower_raise(L, s->tok, "MAXACTION exceeded", ES_NONE, IR_NOREG, IR_NOREG, NULL);
	}
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

/* ------------------------------------------------------------ expressions */

static ir_reg imm_reg(struct lower *L, int64_t v)
{
	ir_reg r = ir_new_vreg(L->ir);
	ir_emit_mov_imm(L->ir, r, v);
	return r;
}

ir_reg lower_long_tmp(struct lower *L, struct expr *e, bool *ok)
{
	ir_reg v, t = ir_new_vreg(L->ir);
	*ok = lower_long(L, e, &v);
	if (*ok)
		ir_emit_mov(L->ir, t, v);
	else
		ir_emit_mov_imm(L->ir, t, 0);
	return t;
}

/* ------------------------------------------------------------ division */

static void divide(struct lower *L, enum binary_op op, ir_reg a, ir_reg b, const struct token *tok)
{
	struct ir *ir = L->ir;
	ir_label nz = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JNE, b, 0, nz);
	lower_raise(L, tok, "division by 0", ES_NONE, IR_NOREG, IR_NOREG, NULL);
	ir_bind_label(ir, nz);
	if (feature_available(FEATURE_SDIV)) {
		ir_emit_alu(ir, op == OP_DIV ? IR_SDIV : IR_SMOD, a, b);
		return;
	}
	/* magnitudes, unsigned division, signs put back */
	ir_reg sa = ir_new_vreg(ir), sb = ir_new_vreg(ir), ub = ir_new_vreg(ir);
	ir_emit_mov(ir, sa, a);
	ir_emit_alu_imm(ir, IR_ARSH, sa, 63);
	ir_emit_mov(ir, sb, b);
	ir_emit_alu_imm(ir, IR_ARSH, sb, 63);
	ir_emit_alu(ir, IR_XOR, a, sa);
	ir_emit_alu(ir, IR_SUB, a, sa);
	ir_emit_mov(ir, ub, b);
	ir_emit_alu(ir, IR_XOR, ub, sb);
	ir_emit_alu(ir, IR_SUB, ub, sb);
	if (op == OP_DIV) {
		ir_emit_alu(ir, IR_DIV, a, ub);
		ir_emit_alu(ir, IR_XOR, sa, sb);
	} else {
		ir_emit_alu(ir, IR_MOD, a, ub);
	}
	ir_emit_alu(ir, IR_XOR, a, sa);
	ir_emit_alu(ir, IR_SUB, a, sa);
}

static bool binary(struct lower *L, struct expr *e, ir_reg *out)
{
	bool ok;
	ir_reg a = lower_long_tmp(L, e->u.binary.lhs, &ok);
	if (!ok)
		return false;
	ir_reg b;
	if (!lower_long(L, e->u.binary.rhs, &b))
		return false;
	struct ir *ir = L->ir;
	switch (e->u.binary.op) {
	case OP_ADD: ir_emit_alu(ir, IR_ADD, a, b); break;
	case OP_SUB: ir_emit_alu(ir, IR_SUB, a, b); break;
	case OP_MUL: ir_emit_alu(ir, IR_MUL, a, b); break;
	case OP_BITAND: ir_emit_alu(ir, IR_AND, a, b); break;
	case OP_BITOR: ir_emit_alu(ir, IR_OR, a, b); break;
	case OP_BITXOR: ir_emit_alu(ir, IR_XOR, a, b); break;
	case OP_DIV:
	case OP_MOD: {
		ir_reg bb = ir_new_vreg(ir);
		ir_emit_mov(ir, bb, b);
		divide(L, e->u.binary.op, a, bb, e->tok);
		break;
	}
	case OP_SHL:
	case OP_SHR:
	case OP_USHR: {
		ir_reg c = ir_new_vreg(ir);
		ir_emit_mov(ir, c, b);
		ir_emit_alu_imm(ir, IR_AND, c, 63);
		ir_emit_alu(ir, e->u.binary.op == OP_SHL ? IR_LSH : e->u.binary.op == OP_SHR ? IR_ARSH
											 : IR_RSH, a, c);
		break;
	}
	default:
		return lower_unsupported(L, e->tok, "this operator");
	}
	*out = a;
	return true;
}

/* dst op= src for compound assignments (same rules as binary()) */
bool lower_binop_apply(struct lower *L, enum assign_op op, ir_reg dst, ir_reg src,
		       const struct token *tok);
bool lower_binop_apply(struct lower *L, enum assign_op op, ir_reg dst, ir_reg src,
		       const struct token *tok)
{
	struct ir *ir = L->ir;
	ir_reg c;
	switch (op) {
	case ASSIGN_ADD: ir_emit_alu(ir, IR_ADD, dst, src); return true;
	case ASSIGN_SUB: ir_emit_alu(ir, IR_SUB, dst, src); return true;
	case ASSIGN_MUL: ir_emit_alu(ir, IR_MUL, dst, src); return true;
	case ASSIGN_AND: ir_emit_alu(ir, IR_AND, dst, src); return true;
	case ASSIGN_OR: ir_emit_alu(ir, IR_OR, dst, src); return true;
	case ASSIGN_XOR: ir_emit_alu(ir, IR_XOR, dst, src); return true;
	case ASSIGN_DIV:
	case ASSIGN_MOD:
		c = ir_new_vreg(ir);
		ir_emit_mov(ir, c, src);
		divide(L, op == ASSIGN_DIV ? OP_DIV : OP_MOD, dst, c, tok);
		return true;
	case ASSIGN_SHL:
	case ASSIGN_SHR:
		c = ir_new_vreg(ir);
		ir_emit_mov(ir, c, src);
		ir_emit_alu_imm(ir, IR_AND, c, 63);
		ir_emit_alu(ir, op == ASSIGN_SHL ? IR_LSH : IR_ARSH, dst, c);
		return true;
	default:
		return lower_unsupported(L, tok, "this assignment operator");
	}
}

/* ------------------------------------------------------------ conditions */

static enum ir_cond cmp_cond(enum binary_op op, bool negate)
{
	switch (op) {
	case OP_LT: return negate ? IR_JSGE : IR_JSLT;
	case OP_GT: return negate ? IR_JSLE : IR_JSGT;
	case OP_LE: return negate ? IR_JSGT : IR_JSLE;
	case OP_GE: return negate ? IR_JSLT : IR_JSGE;
	case OP_EQ: return negate ? IR_JNE : IR_JEQ;
	default: return negate ? IR_JEQ : IR_JNE;
	}
}

bool lower_cond_jump(struct lower *L, struct expr *e, bool jump_if, ir_label l)
{
	struct ir *ir = L->ir;
	const void *saved = ir_set_tag(ir, e->tok);
	bool ok = true;
	if (e == L->known_false) {
		/* the syscall number test the program's dispatch already made */
		if (!jump_if)
			ir_emit_jmp(ir, l);
	} else if (e->kind == EXPR_COMPARE && e->u.binary.lhs->type == TYPE_LONG) {
		ir_reg a, b;
		enum ir_cond c = cmp_cond(e->u.binary.op, !jump_if);
		if (e->u.binary.rhs->kind == EXPR_NUMBER) {
			ok = lower_long(L, e->u.binary.lhs, &a);
			if (ok)
				ir_emit_jcc_imm(ir, c, a, e->u.binary.rhs->u.num, l);
		} else {
			bool ok2;
			a = lower_long_tmp(L, e->u.binary.lhs, &ok2);
			ok = ok2 && lower_long(L, e->u.binary.rhs, &b);
			if (ok)
				ir_emit_jcc(ir, c, a, b, l);
		}
	} else if (e->kind == EXPR_LOGICAL) {
		bool is_and = e->u.binary.op == OP_AND;
		if (is_and == jump_if) {
			/* (a && b) true-jump / (a || b) false-jump: both must hold */
			ir_label skip = ir_new_label(ir);
			ok = lower_cond_jump(L, e->u.binary.lhs, !jump_if, skip) &&
			     lower_cond_jump(L, e->u.binary.rhs, jump_if, l);
			ir_bind_label(ir, skip);
		} else {
			ok = lower_cond_jump(L, e->u.binary.lhs, jump_if, l) &&
			     lower_cond_jump(L, e->u.binary.rhs, jump_if, l);
		}
	} else if (e->kind == EXPR_UNARY && e->u.unary.op == UOP_NOT) {
		ok = lower_cond_jump(L, e->u.unary.operand, !jump_if, l);
	} else {
		ir_reg v;
		ok = lower_long(L, e, &v);
		if (ok)
			ir_emit_jcc_imm(ir, jump_if ? IR_JNE : IR_JEQ, v, 0, l);
	}
	ir_set_tag(ir, saved);
	return ok;
}

static bool bool_value(struct lower *L, struct expr *e, ir_reg *out)
{
	ir_reg r = ir_new_vreg(L->ir);
	ir_label t = ir_new_label(L->ir);
	ir_emit_mov_imm(L->ir, r, 1);
	if (!lower_cond_jump(L, e, true, t))
		return false;
	ir_emit_mov_imm(L->ir, r, 0);
	ir_bind_label(L->ir, t);
	*out = r;
	return true;
}

/* an assignment: to a target variable (guru) or to the script's own */
static bool assign(struct lower *L, struct expr *e, struct lval *out, bool want)
{
	const struct expr *lhs = e->u.assign.lhs;
	if ((lhs->kind == EXPR_TARGET || lhs->kind == EXPR_CAST) && lhs->u.target.resolved)
		return lower_target_assign(L, e, out);
	return lower_assign(L, e, out, want);
}

/* ------------------------------------------------------------ calls */

static bool uses_next(struct stmt *s);

struct next_scan {
	struct ast_walker w;
	bool found;
};

static enum walk_result next_stmt(struct ast_walker *w, struct stmt *s)
{
	if (s->kind == STMT_NEXT) {
		((struct next_scan *)w->data)->found = true;
		return WALK_STOP;
	}
	return WALK_NEXT;
}

static bool uses_next(struct stmt *s)
{
	struct next_scan ns = { 0 };
	ns.w.stmt_pre = next_stmt;
	ns.w.data = &ns;
	ast_walk_stmt(&ns.w, s);
	return ns.found;
}

/* A user stack or symbol function outside a print's arguments
 * (lower_ustack.c): print_usyms(ubacktrace()) (no value) prints from user
 * space, the others (all strings) are values user space makes and keeps. */
static bool ustack_call(struct lower *L, struct expr *e, struct lval *out)
{
	uint32_t op = lower_ustack_arg_op(e);
	const struct expr *x = lower_ustack_operand(e);
	bool ok = true;
	ir_reg n = x ? lower_long_tmp(L, (struct expr *)x, &ok) : IR_NOREG;
	if (!ok)
		return false;
	if (e->type == TYPE_STRING) {
		lower_ustack_value(L, op, n, out);
		return true;
	}
	*out = (struct lval){ .kind = LV_IMM };
	return lower_ustack_record(L, RTU_SYMS, n);
}

bool lower_call(struct lower *L, struct expr *e, struct lval *out)
{
	struct functiondecl *fn = e->u.call.decl;
	if (lower_stack_takes(L, e))
		return lower_stack_call(L, e, out);
	if (fn->bpf_builtin)
		return lower_builtin(L, e, out);
	if (lower_ustack_arg_op(e))
		return ustack_call(L, e, out);
	if (fn->embedded) {
		diag_error(L->diag, D_TRANS_BUILTIN, e->tok,
			   "function '%s' has embedded C and no BPF implementation: it is not "
			   "available with the BPF runtime (probe %s)", fn->name,
			   L->bp->dp->pp);
		L->failed = true;
		return false;
	}
	struct bfunc *bf = plan_func(fn);
	if (bf->recursive)
		return lower_unsupported(L, e->tok, "a recursive function call");
	if (fn->next_overload && uses_next(fn->body))
		return lower_unsupported(L, e->tok, "run-time function overloading (next)");
	if (L->inline_depth + 1 >= L->pl->lim.maxnesting) {
		lower_raise(L, e->tok, "MAXNESTING exceeded", ES_NONE, IR_NOREG, IR_NOREG, NULL);
		*out = (struct lval){ .kind = LV_IMM };
		return true;
	}
	/* arguments in the caller's scope */
	uint32_t n = e->u.call.args.len;
	struct lslot params[32];
	if (n > 32 || n > fn->params.len)
		return lower_unsupported(L, e->tok, "a call with this many arguments");
	for (uint32_t i = 0; i < n; i++) {
		struct vardecl *p = fn->params.items[i];
		struct expr *a = e->u.call.args.items[i];
		params[i] = (struct lslot){ .decl = p, .is_str = p->type == TYPE_STRING };
		if (params[i].is_str) {
			uint32_t w = plan_var(p)->width;
			params[i].str = lower_mem(L, w, true);
			params[i].str.width = w;
			if (!lower_str_into(L, a, params[i].str))
				return false;
		} else {
			bool ok;
			params[i].reg = lower_long_tmp(L, a, &ok);
			if (!ok)
				return false;
		}
	}
	struct lscope sc = { .up = L->scope, .fn = fn, .call = e, .ret_label = ir_new_label(L->ir) };
	for (uint32_t i = 0; i < n; i++)
		vec_push(L->pl->arena, &sc.slots, params[i]);
	if (fn->type == TYPE_STRING) {
		sc.ret_str = lower_mem(L, bf->ret_width, true);
		sc.ret_str.width = bf->ret_width;
		lower_zero(L, sc.ret_str, bf->ret_width);
	} else {
		sc.ret_reg = imm_reg(L, 0);
	}
	struct lloop *saved_loop = L->loop;
	L->scope = &sc;
	L->loop = NULL;
	L->inline_depth++;
	vec_foreach(&fn->locals, i) {
		struct lslot *s = lower_local(L, fn->locals.items[i]);
		if (s->is_str)
			lower_zero(L, s->str, s->str.width);
		else
			ir_emit_mov_imm(L->ir, s->reg, 0);
	}
	bool ok = !fn->body || lower_stmt(L, fn->body);
	lower_charge_flush(L, e->tok, false);
	ir_bind_label(L->ir, sc.ret_label);
	L->inline_depth--;
	L->loop = saved_loop;
	L->scope = sc.up;
	if (fn->type == TYPE_STRING)
		*out = (struct lval){ .kind = LV_STR, .str = sc.ret_str };
	else
		*out = (struct lval){ .kind = LV_REG, .reg = sc.ret_reg };
	return ok;
}

/* ------------------------------------------------------------ expressions */

static bool lval_long(struct lower *L, struct lval *v, ir_reg *out)
{
	if (v->kind == LV_IMM) {
		*out = imm_reg(L, v->imm);
		return true;
	}
	if (v->kind == LV_REG) {
		*out = v->reg;
		return true;
	}
	return false;
}

bool lower_long(struct lower *L, struct expr *e, ir_reg *out)
{
	struct ir *ir = L->ir;
	const void *saved = ir_set_tag(ir, e->tok);
	bool ok = true;
	struct lval v = { 0 };
	switch (e->kind) {
	case EXPR_NUMBER:
		*out = imm_reg(L, e->u.num);
		break;
	case EXPR_SYMBOL: {
		struct bvar *bv = plan_var(e->u.sym.decl);
		if (bv->kind == BV_LOCAL) {
			*out = ir_new_vreg(ir);
			ir_emit_mov(ir, *out, lower_local(L, e->u.sym.decl)->reg);
		} else {
			ok = lower_global_read(L, e, &v) && lval_long(L, &v, out);
		}
		break;
	}
	case EXPR_INDEX:
		ok = lower_index_read(L, e, &v) && lval_long(L, &v, out);
		break;
	case EXPR_CALL:
		ok = lower_call(L, e, &v) && lval_long(L, &v, out);
		break;
	case EXPR_STAT:
		ok = lower_stat(L, e, out);
		break;
	case EXPR_UNARY: {
		ok = lower_long(L, e->u.unary.operand, &v.reg);
		if (!ok)
			break;
		ir_reg r = ir_new_vreg(ir);
		ir_emit_mov(ir, r, v.reg);
		switch (e->u.unary.op) {
		case UOP_NEG: ir_emit_neg(ir, r); break;
		case UOP_PLUS: break;
		case UOP_BITNOT: ir_emit_alu_imm(ir, IR_XOR, r, -1); break;
		case UOP_NOT: {
			ir_label z = ir_new_label(ir), done = ir_new_label(ir);
			ir_emit_jcc_imm(ir, IR_JEQ, r, 0, z);
			ir_emit_mov_imm(ir, r, 0);
			ir_emit_jmp(ir, done);
			ir_bind_label(ir, z);
			ir_emit_mov_imm(ir, r, 1);
			ir_bind_label(ir, done);
			break;
		}
		}
		*out = r;
		break;
	}
	case EXPR_BINARY:
		ok = binary(L, e, out);
		break;
	case EXPR_LOGICAL:
		ok = bool_value(L, e, out);
		break;
	case EXPR_COMPARE:
		if (e->u.binary.lhs->type == TYPE_STRING)
			ok = lower_str_compare(L, e, out);
		else
			ok = bool_value(L, e, out);
		break;
	case EXPR_TERNARY: {
		ir_reg r = ir_new_vreg(ir), x;
		ir_label els = ir_new_label(ir), end = ir_new_label(ir);
		ok = lower_cond_jump(L, e->u.ternary.cond, false, els) &&
		     lower_long(L, e->u.ternary.then, &x);
		if (!ok)
			break;
		ir_emit_mov(ir, r, x);
		ir_emit_jmp(ir, end);
		ir_bind_label(ir, els);
		ok = lower_long(L, e->u.ternary.otherwise, &x);
		if (ok)
			ir_emit_mov(ir, r, x);
		ir_bind_label(ir, end);
		*out = r;
		break;
	}
	case EXPR_ASSIGN:
		ok = assign(L, e, &v, true) && lval_long(L, &v, out);
		break;
	case EXPR_INCDEC:
		ok = lower_incdec(L, e, &v, true) && lval_long(L, &v, out);
		break;
	case EXPR_IN:
		ok = lower_in(L, e, out);
		break;
	case EXPR_TARGET:
	case EXPR_CAST:
		ok = lower_target(L, e, &v) && lval_long(L, &v, out);
		break;
	case EXPR_ADDROF:
		/* &$x->y: pass 2 dropped the last load from the access */
		ok = lower_target(L, e->u.op1.operand, &v) && lval_long(L, &v, out);
		break;
	case EXPR_DEFINED:
		*out = imm_reg(L, 0);
		break;
	case EXPR_REGEX:
		ok = lower_regex(L, e, out);
		break;
	case EXPR_EMBEDDED:
		ok = lower_unsupported(L, e->tok, "embedded C");
		break;
	default:
		ok = lower_unsupported(L, e->tok, "this expression");
		break;
	}
	ir_set_tag(ir, saved);
	if (!ok)
		*out = IR_NOREG;
	return ok;
}

/* `d = f(...)` of a deferred string local (lower_defer.c): only f's
 * arguments are evaluated, into d's vregs. */
static bool defer_assign(struct lower *L, struct expr *e)
{
	struct ldefer *df = lower_defer_local(L, e->u.assign.lhs->u.sym.decl);
	expr_vec *args = &e->u.assign.rhs->u.call.args;
	ir_reg tmp[5];
	for (uint32_t k = 0; k < df->nargs; k++)
		if (!lower_long(L, args->items[k], &tmp[k]))
			return false;
	for (uint32_t k = 0; k < df->nargs; k++)
		ir_emit_mov(L->ir, df->regs[k], tmp[k]);
	return true;
}

bool lower_expr_effect(struct lower *L, struct expr *e)
{
	const void *saved = ir_set_tag(L->ir, e->tok);
	struct lval v;
	bool ok;
	switch (e->kind) {
	case EXPR_ASSIGN:
		if (e->u.assign.lhs->kind == EXPR_SYMBOL &&
		    lower_defer_local(L, e->u.assign.lhs->u.sym.decl))
			ok = defer_assign(L, e);
		else
			ok = assign(L, e, &v, false);
		break;
	case EXPR_INCDEC:
		ok = lower_incdec(L, e, &v, false);
		break;
	case EXPR_PRINT:
		if (e->u.print->flags & PRINT_TO_STRING) {
			struct smem tmp;
			ok = lower_str(L, e, &tmp);
		} else {
			ok = lower_print(L, e);
		}
		break;
	case EXPR_CALL:
		ok = lower_call(L, e, &v);
		break;
	default:
		if (e->type == TYPE_STRING) {
			struct smem tmp;
			ok = lower_str(L, e, &tmp);
		} else {
			ir_reg r;
			ok = lower_long(L, e, &r);
		}
		break;
	}
	ir_set_tag(L->ir, saved);
	return ok;
}

/* ------------------------------------------------------------ strings */

static bool literal_into(struct lower *L, struct expr *e, struct smem *out)
{
	uint32_t w = plan_width(L->pl, e);
	*out = lower_mem(L, w, true);
	out->width = w;
	lower_str_literal(L, *out, e->u.str.val, e->u.str.len);
	return true;
}

static bool lval_str(struct lval *v, struct smem *out)
{
	if (v->kind != LV_STR)
		return false;
	*out = v->str;
	return true;
}

static struct smem fresh(struct lower *L, struct expr *e)
{
	uint32_t w = plan_width(L->pl, e);
	struct smem m = lower_mem(L, w, true);
	m.width = w;
	return m;
}

bool lower_str(struct lower *L, struct expr *e, struct smem *out)
{
	const void *saved = ir_set_tag(L->ir, e->tok);
	struct lval v = { 0 };
	bool ok = true;
	switch (e->kind) {
	case EXPR_STRING:
		ok = literal_into(L, e, out);
		break;
	case EXPR_SYMBOL:
		if (plan_var(e->u.sym.decl)->kind == BV_LOCAL)
			*out = lower_local(L, e->u.sym.decl)->str;
		else
			ok = lower_global_read(L, e, &v) && lval_str(&v, out);
		break;
	case EXPR_INDEX:
		ok = lower_index_read(L, e, &v) && lval_str(&v, out);
		break;
	case EXPR_CALL:
		ok = lower_call(L, e, &v) && lval_str(&v, out);
		break;
	case EXPR_ASSIGN:
		ok = assign(L, e, &v, true) && lval_str(&v, out);
		break;
	case EXPR_TARGET:
	case EXPR_CAST:
		ok = lower_target(L, e, &v) && lval_str(&v, out);
		break;
	case EXPR_CONCAT:
	case EXPR_TERNARY:
	case EXPR_PRINT:
		*out = fresh(L, e);
		ok = lower_str_into(L, e, *out);
		break;
	default:
		ok = lower_unsupported(L, e->tok, "this string expression");
		break;
	}
	ir_set_tag(L->ir, saved);
	return ok;
}

/* Whether sprintf e reads a string that may be its destination: a
 * variable, an array element or anything computed from them, rather than
 * literals and numbers only. */
static bool sprint_may_read_dst(const struct expr *e)
{
	const struct print_format *pf = e->u.print;
	for (uint32_t i = 0; i < pf->args.len; i++) {
		const struct expr *a = pf->args.items[i];
		if (a->type == TYPE_STRING && a->kind != EXPR_STRING)
			return true;
	}
	return false;
}

bool lower_str_into(struct lower *L, struct expr *e, struct smem dst)
{
	const void *saved = ir_set_tag(L->ir, e->tok);
	bool ok = true;
	struct smem a, b;
	switch (e->kind) {
	case EXPR_STRING:
		lower_str_literal(L, dst, e->u.str.val, e->u.str.len);
		break;
	case EXPR_CONCAT: {
		/* into a fresh buffer: either operand may be dst itself */
		struct smem t = fresh(L, e);
		ok = lower_str(L, e->u.binary.lhs, &a) && lower_str(L, e->u.binary.rhs, &b);
		if (ok) {
			lower_str_concat(L, t, a, b);
			lower_str_copy(L, dst, t);
		}
		break;
	}
	case EXPR_TERNARY: {
		struct smem t = fresh(L, e);
		ir_label els = ir_new_label(L->ir), end = ir_new_label(L->ir);
		ok = lower_cond_jump(L, e->u.ternary.cond, false, els) &&
		     lower_str(L, e->u.ternary.then, &a);
		if (!ok)
			break;
		lower_str_copy(L, t, a);
		ir_emit_jmp(L->ir, end);
		ir_bind_label(L->ir, els);
		ok = lower_str(L, e->u.ternary.otherwise, &b);
		if (ok)
			lower_str_copy(L, t, b);
		ir_bind_label(L->ir, end);
		lower_str_copy(L, dst, t);
		break;
	}
	case EXPR_PRINT: {
		if (!sprint_may_read_dst(e)) {
			ok = lower_sprint(L, e, dst);
			break;
		}
		/* e = sprintf("%s!", e): formatted into dst, the first bytes
		 * written would be read back as the argument */
		struct smem t = fresh(L, e);
		ok = lower_sprint(L, e, t);
		if (ok)
			lower_str_copy(L, dst, t);
		break;
	}
	case EXPR_CALL:
		/* execname() straight into its destination (hash keys, records) */
		if (e->u.call.decl->bpf_builtin && !strcmp(e->u.call.decl->bpf_builtin, "execname") &&
		    dst.width >= 16) {
			lower_execname_into(L, dst);
			break;
		}
		/* fall through */
	default:
		ok = lower_str(L, e, &a);
		if (ok)
			lower_str_copy(L, dst, a);
		break;
	}
	ir_set_tag(L->ir, saved);
	return ok;
}

/* ------------------------------------------------------------ comparison */
