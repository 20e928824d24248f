/*
 * lower_stack: kernel stacks and kernel symbols in kernel-side handlers.
 *
 * A BPF program can capture the kernel stack (bpf_get_stack) but cannot
 * name an address: the symbol table is /proc/kallsyms, which the stap
 * process reads (runtime/bpf/ksyms.h).  So the handler only moves
 * addresses: the strings these functions return hold the addresses
 * themselves, marked (runtime/bpf/symdefer.h: an item per address, a group
 * per list of lines), and the record printer of user space expands them
 * into SystemTap's text when the string is printed.
 *
 * What is taken over here (the dispatcher asks lower_stack_takes first):
 *   _stack_addrs(n, 0)      backtrace(), callers(n): frames as 'x' items,
 *                           space separated (what the tapset builds from
 *                           them stays script: the trailing space,
 *                           `s == ""` for no stack)
 *   _sym_format(a, style)   symname, symdata, modname, probemod...: one
 *                           item of that style (style 4 raises the
 *                           tapset's error: no line tables)
 *   _syms(s, 0, print)      print_syms, sprint_syms, print_stack,
 *                           sprint_stack, print_backtrace: an 'S' group
 *                           around s (printed as a record when print)
 *   _stack_lines(s, 0, style, print)   sprint_backtrace: an 'L' group
 *   stack(n)                frame n as a long (caller_addr())
 *   ppfunc()                from pp(), at pass 3 (a per-probe constant)
 *   probefunc()             where pass 3 knows the probe cannot hit in
 *                           user mode: tracepoints (no registers: addr()
 *                           is 0, "0x0") and kprobes (an item of the
 *                           saved IP); function uprobes: ppfunc();
 *                           elsewhere the script (usymname)
 *   probemod()              module("NAME") from pp(); "" without
 *                           registers; else an item of the saved IP
 * The user-stack variants (user = 1) are not taken: they stay with the
 * builtin table (lower_builtin.c) and its errors.
 *
 * Frames: at most STACK_FRAMES (MAXBACKTRACE, 20) and as many as a string
 * of MAXSTRINGLEN holds, marked and as text; the first is the innermost
 * kernel frame bpf_get_stack reports (after the BPF machinery).
 */
#include "bpf/lower_int.h"

#include <stdio.h>
#include <string.h>

#include "bpf/symdefer.h"
#include "bpf/tpstack.h"
#include "util/arena.h"

#define STACK_FRAMES 20
#define FRAME_TEXT (SYMDEFER_ITEM + 1)   /* an item and its separator */

static const struct expr *arg(const struct expr *call, uint32_t i)
{
	return call->u.call.args.items[i];
}

static bool literal(const struct expr *call, uint32_t i, int64_t *v)
{
	if (call->u.call.args.len <= i || arg(call, i)->kind != EXPR_NUMBER)
		return false;
	*v = arg(call, i)->u.num;
	return true;
}

/* the tapset's script functions taken over, by name */
static bool tapset_fn(const struct functiondecl *fn, const char *name)
{
	return !fn->embedded && fn->file && fn->file->is_tapset && !strcmp(fn->name, name);
}

/* Probes pass 3 knows never hit in user mode: 0 no registers
 * (tracepoints), 1 kernel registers (kprobes), -1 unknown (uprobes, perf
 * events: the script's user_mode() test decides). */
static int kernel_only(const struct kprog *kp)
{
	switch (kp->attach) {
	case KA_TP_BTF:
	case KA_RAW_TP:
	case KA_PERF_TP:
		return 0;
	case KA_KPROBE:
		return 1;
	default:
		return -1;
	}
}

/* A uprobe on a function's entry or return: it hits in that function (at
 * its entry or, for .return, on behalf of it), which its pp names, so
 * probefunc() is ppfunc(), known at pass 3, as SystemTap reads it from
 * the probe point first. */
static bool user_function_probe(const struct lower *L)
{
	return (L->kp->attach == KA_UPROBE || L->kp->attach == KA_UPROBE_MULTI) &&
	       strstr(L->bp->dp->pp, ").function(\"");
}

bool lower_stack_takes(const struct lower *L, const struct expr *call)
{
	const struct functiondecl *fn = call->u.call.decl;
	int64_t user = 1;
	if (tapset_fn(fn, "ppfunc"))
		return true;
	if (tapset_fn(fn, "probemod"))
		return true;
	if (tapset_fn(fn, "probefunc"))
		return kernel_only(L->kp) >= 0 || user_function_probe(L);
	if (fn->bpf_builtin) {
		if (!strcmp(fn->bpf_builtin, "sym_format"))
			return true;
		return !strcmp(fn->bpf_builtin, "stack_addrs") && literal(call, 1, &user) && !user;
	}
	if (tapset_fn(fn, "_syms") || tapset_fn(fn, "_stack_lines"))
		return literal(call, 1, &user) && !user;
	return tapset_fn(fn, "stack");
}

/* Frames that fit a string of MAXSTRINGLEN: as items (13 bytes each) and
 * as the text they become ("0x" and 16 digits, a space between), which
 * the kernel-module back end cuts before an address that does not fit. */
static uint32_t max_frames(struct lower *L)
{
	uint32_t msl = L->pl->lim.maxstringlen;
	uint32_t n = (msl - 1) / FRAME_TEXT;
	if (n > msl / 19)
		n = msl / 19;
	return n < STACK_FRAMES ? n : STACK_FRAMES;
}

/*
 * The flags of bpf_get_stack: the frames of BPF machinery on top of the
 * stack it reports, skipped, so that the stack starts where the probe is.
 * Programs with a pt_regs context (kprobes, perf events) get the
 * interrupted context's stack, which starts at the probed address:
 * nothing to skip.  A tracepoint program's stack starts with the program
 * itself and bpf_trace_runN, then, depending on the kernel and on what
 * else is attached to the event, __bpf_trace_EVENT (6.1; 6.18 tail-calls
 * it away for most events, not for the syscalls ones) and
 * __traceiter_EVENT (when the event has more than one callback), then the
 * function that hit the tracepoint.  So the program walks two frames
 * more than it keeps, compares the two past the first two with the
 * address ranges of those functions of its event, which the session reads
 * from kallsyms at load into the globals (kprog.machinery_off;
 * runtime/bpf/tpstack.h), and moves the stack down over those that are.
 */
static ir_reg machinery_off(struct lower *L)
{
	struct ir *ir = L->ir;
	if (!L->kp->machinery_off) {
		L->kp->machinery_off = L->pl->globals_size;
		L->pl->globals_size += TPSTACK_RANGES_SIZE;
		L->pl->gmap->value_size = L->pl->globals_size;
	}
	ir_reg p = ir_new_vreg(ir);
	ir_emit_mov(ir, p, lower_head(L));
	ir_emit_alu_imm(ir, IR_ADD, p, L->kp->machinery_off);
	return p;
}

/* jump to `hit` when the address in a lies in one of the ranges at p */
static void in_ranges(struct ir *ir, ir_reg p, ir_reg a, ir_label hit)
{
	ir_reg lo = ir_new_vreg(ir), size = ir_new_vreg(ir), d = ir_new_vreg(ir);
	for (int i = 0; i < TPSTACK_RANGES; i++) {
		ir_emit_load(ir, 8, lo, p, (int16_t)(16 * i));
		ir_emit_load(ir, 8, size, p, (int16_t)(16 * i + 8));
		ir_emit_alu3(ir, IR_SUB, d, a, lo);
		ir_emit_jcc(ir, IR_JLT, d, size, hit);
	}
}

/* Frames 0 and 1 of a tracepoint program's stack (past the program and
 * bpf_trace_runN) that are machinery: a vreg with 0, 1 or 2. */
static ir_reg machinery_count(struct lower *L, ir_reg p_buf)
{
	struct ir *ir = L->ir;
	ir_reg p = machinery_off(L), k = ir_new_vreg(ir), frame = ir_new_vreg(ir);
	ir_label done = ir_new_label(ir), second = ir_new_label(ir), third = ir_new_label(ir);
	ir_emit_mov_imm(ir, k, 0);
	ir_emit_load(ir, 8, frame, p_buf, 0);
	in_ranges(ir, p, frame, second);
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, second);
	ir_emit_mov_imm(ir, k, 1);
	ir_emit_load(ir, 8, frame, p_buf, 8);
	in_ranges(ir, p, frame, third);
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, third);
	ir_emit_mov_imm(ir, k, 2);
	ir_bind_label(ir, done);
	return k;
}

/* buf[i] = buf[i + by] for the frames that follow: constant offsets, one
 * unrolled copy per shift (the verifier follows those cheaply) */
static void shift_frames(struct ir *ir, ir_reg p_buf, int by)
{
	ir_reg t = ir_new_vreg(ir);
	for (int i = 0; i < STACK_FRAMES; i++) {
		ir_emit_load(ir, 8, t, p_buf, (int16_t)(8 * (i + by)));
		ir_emit_store(ir, 8, p_buf, (int16_t)(8 * i), t);
	}
}

/* bpf_get_stack into *buf (scratch); returns a vreg with the number of
 * frames, 0..nmax (0 when the helper fails) */
static ir_reg capture(struct lower *L, struct smem *buf, uint32_t nmax)
{
	struct ir *ir = L->ir;
	bool tp = L->kp->attach == KA_RAW_TP || L->kp->attach == KA_TP_BTF;
	/* room for 32 frames: stack(n) masks n with 31; a tracepoint's walk
	 * takes two more, which may be machinery */
	*buf = lower_mem(L, 8 * 32, false);
	ir_reg r = ir_new_vreg(ir);
	/* a tracepoint program is frame 0 and bpf_trace_runN frame 1: skipped */
	ir_call_helper(ir, r, BPF_FUNC_get_stack, ir_arg_reg(ir_ctx(ir)), lower_addr_arg(L, *buf),
		       ir_arg_imm(8 * (STACK_FRAMES + (tp ? 2 : 0))), ir_arg_imm(tp ? 2 : 0));
	ir_label pos = ir_new_label(ir), capped = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSGT, r, 0, pos);
	ir_emit_mov_imm(ir, r, 0);
	ir_bind_label(ir, pos);
	ir_emit_alu_imm(ir, IR_RSH, r, 3);
	if (tp) {
		/* then __bpf_trace_EVENT and __traceiter_EVENT where they are
		 * frames: the stack is moved down over them (a failed walk
		 * leaves zeros, which no range holds) */
		ir_reg p = lower_addr(L, *buf), k = machinery_count(L, p);
		ir_label one = ir_new_label(ir), shifted = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JEQ, k, 0, shifted);
		ir_emit_jcc_imm(ir, IR_JEQ, k, 1, one);
		shift_frames(ir, p, 2);
		ir_emit_jmp(ir, shifted);
		ir_bind_label(ir, one);
		shift_frames(ir, p, 1);
		ir_bind_label(ir, shifted);
		ir_label some = ir_new_label(ir);
		ir_emit_jcc(ir, IR_JGE, r, k, some);
		ir_emit_mov(ir, r, k);
		ir_bind_label(ir, some);
		ir_emit_alu(ir, IR_SUB, r, k);
	}
	if (lower_kprobe_ip_past(L)) {
		/* frame 0 is the saved ip: the probed address */
		ir_label none = ir_new_label(ir);
		ir_reg a = ir_new_vreg(ir), p = lower_addr(L, *buf);
		ir_emit_jcc_imm(ir, IR_JEQ, r, 0, none);
		ir_emit_load(ir, 8, a, p, 0);
		ir_emit_alu_imm(ir, IR_SUB, a, 1);
		ir_emit_store(ir, 8, p, 0, a);
		ir_bind_label(ir, none);
	}
	ir_emit_jcc_imm(ir, IR_JLE, r, nmax, capped);
	ir_emit_mov_imm(ir, r, nmax);
	ir_bind_label(ir, capped);
	return r;
}

/* stack_addrs(n, 0): the first n+1 frames (all if n < 0) as 'x' items
 * separated by single spaces */
static bool stack_addrs(struct lower *L, const struct expr *call, struct lval *out)
{
	struct ir *ir = L->ir;
	ir_reg n;
	if (!lower_long(L, (struct expr *)arg(call, 0), &n))
		return false;
	uint32_t nmax = max_frames(L);
	struct smem dst = lower_mem(L, nmax * FRAME_TEXT + 1, false);
	dst.width = nmax * FRAME_TEXT + 1;
	lower_zero(L, dst, dst.width);
	struct smem buf;
	ir_reg k = capture(L, &buf, nmax);
	/* k = min(k, n + 1) when n >= 0 */
	ir_label all = ir_new_label(ir), loop = ir_new_label(ir), done = ir_new_label(ir);
	ir_reg want = ir_new_vreg(ir);
	ir_emit_mov(ir, want, n);
	ir_emit_jcc_imm(ir, IR_JSLT, want, 0, all);
	ir_emit_alu_imm(ir, IR_ADD, want, 1);
	ir_emit_jcc(ir, IR_JGE, want, k, all);
	ir_emit_mov(ir, k, want);
	ir_bind_label(ir, all);
	ir_reg p = lower_addr(L, dst), q = lower_addr(L, buf), i = ir_new_vreg(ir),
	       a = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, i, 0);
	ir_bind_label(ir, loop);
	ir_emit_jcc(ir, IR_JGE, i, k, done);
	/* k <= nmax, but a verifier that loses k's bound (6.1 does, through
	 * want's path) must still see every item inside dst */
	ir_emit_jcc_imm(ir, IR_JGE, i, nmax, done);
	ir_emit_load(ir, 8, a, q, 0);
	lower_symdefer_item(L, p, 0, a, SYMDEFER_HEX);
	ir_emit_alu_imm(ir, IR_ADD, i, 1);
	ir_emit_jcc(ir, IR_JGE, i, k, done);
	ir_emit_store_imm(ir, 1, p, SYMDEFER_ITEM, ' ');
	ir_emit_alu_imm(ir, IR_ADD, p, FRAME_TEXT);
	ir_emit_alu_imm(ir, IR_ADD, q, 8);
	ir_emit_jmp(ir, loop);
	ir_bind_label(ir, done);
	*out = (struct lval){ .kind = LV_STR, .str = dst };
	return true;
}

/* sym_format(addr, style): one item */
static bool sym_format(struct lower *L, const struct expr *call, struct lval *out)
{
	int64_t style;
	if (!literal(call, 1, &style) || style < 0 || style > 7)
		return lower_unsupported(L, call->tok, "_sym_format with a style that is not a literal 0 to 7");
	ir_reg a;
	if (!lower_long(L, (struct expr *)arg(call, 0), &a))
		return false;
	struct smem dst = lower_mem(L, SYMDEFER_ITEM + 1, true);
	dst.width = SYMDEFER_ITEM + 1;
	lower_zero(L, dst, dst.width);
	/* the lines of styles 4, 6 and 7 too: user space has the kernel's
	 * line table (plan.klines_path, symdefer.h) */
	ir_reg p = lower_addr(L, dst);
	lower_symdefer_item(L, p, 0, a, (char)('0' + style));
	*out = (struct lval){ .kind = LV_STR, .str = dst };
	return true;
}

/* A print of the string in m (a record of its own, formatted as print()). */
static void print_string(struct lower *L, const struct expr *call, struct smem m)
{
	struct arena *ar = L->pl->arena;
	struct print_format *pf = arena_alloc(ar, sizeof(*pf));
	memset(pf, 0, sizeof(*pf));
	pf->name = "print";
	struct expr *e = ast_expr_new(ar, EXPR_PRINT, call->tok);
	e->u.print = pf;
	struct psite *ps = arena_alloc(ar, sizeof(*ps));
	memset(ps, 0, sizeof(*ps));
	ps->e = e;
	ps->nargs = 1;
	ps->args = arena_alloc(ar, sizeof(*ps->args));
	ps->args[0] = (struct psite_arg){ .type = TYPE_STRING, .off = 0, .width = m.width };
	ps->size = lw_align8(m.width);
	vec_push(ar, &L->t->psites, ps);
	struct smem rec = lower_rec_open(L, RTR_PRINT, L->t->psites.len - 1, ps->size);
	lower_str_copy(L, (struct smem){ rec.base, rec.off + RT_REC_HDR, m.width }, m);
	lower_rec_close(L, rec);
}

/* _syms(s, 0, print) / _stack_lines(s, 0, style, print): a group around s */
static bool group(struct lower *L, const struct expr *call, struct lval *out, char kind)
{
	int64_t style = 1, print;
	uint32_t pi = kind == SYMDEFER_GROUP_LINES ? 3 : 2;
	if ((kind == SYMDEFER_GROUP_LINES && (!literal(call, 2, &style) || style < 0 || style > 5 ||
					       style == 4)) ||
	    !literal(call, pi, &print))
		return lower_unsupported(L, call->tok, "a symbol list whose style or print flag is not a literal");
	struct smem s;
	if (!lower_str(L, (struct expr *)arg(call, 0), &s))
		return false;
	uint32_t msl = L->pl->lim.maxstringlen;
	char head[5] = { SYMDEFER_MARK, kind, (char)('0' + style),
			 print ? SYMDEFER_NOCUT : SYMDEFER_CUT, 0 };
	char end[2] = { SYMDEFER_END, 0 };
	struct smem h = lower_mem(L, 8, true), t = lower_mem(L, 8, true);
	h.width = 5;
	t.width = 2;
	lower_str_literal(L, h, head, 4);
	lower_str_literal(L, t, end, 1);
	struct smem dst = lower_mem(L, msl, false);
	dst.width = msl;
	lower_str_concat(L, dst, h, s);
	lower_str_concat(L, dst, dst, t);
	if (print) {
		print_string(L, call, dst);
		*out = (struct lval){ .kind = LV_STR, .str = h };
		lower_zero(L, h, 8);
	} else {
		*out = (struct lval){ .kind = LV_STR, .str = dst };
	}
	return true;
}

/* "stack: the stack has no frame N" for a computed n (n >= 0),
 * built in the handler (only on the error path): digits from the right
 * into a zeroed buffer, then copied after the prefix up to their NUL. */
static struct smem no_frame_message(struct lower *L, ir_reg n)
{
	static const char prefix[] = "stack: the stack has no frame ";
	const uint32_t plen = sizeof(prefix) - 1;
	struct ir *ir = L->ir;
	struct smem msg = lower_mem(L, 64, false), dig = lower_mem(L, 24, true);
	msg.width = 64;
	dig.width = 24;
	lower_zero(L, msg, 64);
	lower_zero(L, dig, 24);
	lower_str_literal(L, msg, prefix, plen);
	ir_reg v = ir_new_vreg(ir), d = ir_new_vreg(ir), at = lower_addr(L, dig),
	       dst = lower_addr(L, msg);
	ir_label done = ir_new_label(ir);
	ir_emit_mov(ir, v, n);
	ir_emit_alu_imm(ir, IR_ADD, dst, plen);
	/* 20 digits hold any u64; at points at the first one written */
	ir_emit_alu_imm(ir, IR_ADD, at, 20);
	for (int i = 0; i < 20; i++) {
		ir_emit_mov(ir, d, v);
		ir_emit_alu_imm(ir, IR_MOD, d, 10);
		ir_emit_alu_imm(ir, IR_ADD, d, '0');
		ir_emit_alu_imm(ir, IR_ADD, at, -1);
		ir_emit_store(ir, 1, at, 0, d);
		ir_emit_alu_imm(ir, IR_DIV, v, 10);
		ir_emit_jcc_imm(ir, IR_JEQ, v, 0, done);
	}
	ir_bind_label(ir, done);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, ir_arg_reg(dst), ir_arg_imm(22),
		       ir_arg_reg(at));
	return msg;
}

/* stack(n): frame n as a long; the tapset's error when there is none */
static bool stack_n(struct lower *L, const struct expr *call, struct lval *out)
{
	struct ir *ir = L->ir;
	bool ok;
	ir_reg n = lower_long_tmp(L, (struct expr *)arg(call, 0), &ok);
	if (!ok)
		return false;
	struct smem buf;
	ir_reg k = capture(L, &buf, STACK_FRAMES);
	ir_label have = ir_new_label(ir), end = ir_new_label(ir), nonneg = ir_new_label(ir);
	/* the tapset walks n frames from the first: n < 0 is frame 0 */
	ir_emit_jcc_imm(ir, IR_JSGE, n, 0, nonneg);
	ir_emit_mov_imm(ir, n, 0);
	ir_bind_label(ir, nonneg);
	ir_reg v = ir_new_vreg(ir);
	ir_emit_jcc(ir, IR_JLT, n, k, have);
	int64_t lit;
	if (literal(call, 0, &lit)) {
		char msg[64];
		snprintf(msg, sizeof(msg), "stack: the stack has no frame %lld", (long long)lit);
		lower_raise(L, call->tok, arena_strdup(L->pl->arena, msg), ES_NONE, IR_NOREG,
			    IR_NOREG, NULL);
	} else {
		struct smem msg = no_frame_message(L, n);
		lower_raise(L, call->tok, "stack", ES_STRING, IR_NOREG, IR_NOREG, &msg);
	}
	ir_emit_mov_imm(ir, v, 0);
	ir_emit_jmp(ir, end);
	ir_bind_label(ir, have);
	/* n < k <= STACK_FRAMES; the mask shows the verifier it is in bounds */
	ir_reg q = lower_addr(L, buf);
	ir_emit_alu_imm(ir, IR_AND, n, 31);
	ir_emit_alu_imm(ir, IR_LSH, n, 3);
	ir_emit_alu(ir, IR_ADD, q, n);
	ir_emit_load(ir, 8, v, q, 0);
	ir_bind_label(ir, end);
	*out = (struct lval){ .kind = LV_REG, .reg = v };
	return true;
}

/* probefunc(): symname(addr()); probemod(): the module of addr(), or the
 * one a module("NAME") point names */
static bool probe_sym(struct lower *L, bool mod, struct lval *out)
{
	const char *pp = L->bp->dp->pp;
	lower_point_bound(L);
	if (mod && !strncmp(pp, "module(\"", 8))
		return lower_str_const(L, pp + 8, strcspn(pp + 8, "\""), out);
	if (!kernel_only(L->kp))
		return mod ? lower_str_const(L, "", 0, out) : lower_str_const(L, "0x0", 3, out);
	/* the saved IP (struct pt_regs, x86_64; perf events' context starts
	 * with it): for probemod, a user-mode IP is in no kernel module, so
	 * its item prints "" as the script's user_mode() test would give */
	ir_reg a = ir_new_vreg(L->ir);
	ir_emit_load(L->ir, 8, a, ir_ctx(L->ir), 128);
	struct smem dst = lower_mem(L, SYMDEFER_ITEM + 1, true);
	dst.width = SYMDEFER_ITEM + 1;
	lower_zero(L, dst, dst.width);
	lower_symdefer_item(L, lower_addr(L, dst), 0, a, mod ? '3' : '0');
	*out = (struct lval){ .kind = LV_STR, .str = dst };
	return true;
}

bool lower_stack_call(struct lower *L, struct expr *call, struct lval *out)
{
	const struct functiondecl *fn = call->u.call.decl;
	if (!fn->bpf_builtin && !strcmp(fn->name, "ppfunc"))
		return lower_point_text(L, POINT_FUNC, out);
	if (!fn->bpf_builtin && !strcmp(fn->name, "probefunc"))
		return user_function_probe(L) ? lower_point_text(L, POINT_FUNC, out)
					      : probe_sym(L, false, out);
	if (!fn->bpf_builtin && !strcmp(fn->name, "probemod"))
		return probe_sym(L, true, out);
	if (fn->bpf_builtin)
		return !strcmp(fn->bpf_builtin, "sym_format") ? sym_format(L, call, out)
							       : stack_addrs(L, call, out);
	if (!strcmp(fn->name, "_syms"))
		return group(L, call, out, SYMDEFER_GROUP_SYMS);
	if (!strcmp(fn->name, "_stack_lines"))
		return group(L, call, out, SYMDEFER_GROUP_LINES);
	return stack_n(L, call, out);
}
