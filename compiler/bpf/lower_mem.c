/*
 * lower_mem: the primitives every kernel-side lowering uses, none of which
 * looks at the AST - messages, memory (the values region of the BPF
 * stack and the per-CPU scratch map), string buffers, records to user
 * space (through the hit's output queue), run-time errors, the statement
 * budget and locals.
 *
 * Strings are zero-padded buffers (lower_int.h), so copies move whole
 * words and the kernel's probe_read_kernel_str doubles as strlcpy and
 * strlen.
 */
#include "bpf/lower_int.h"

#include <stdio.h>
#include <string.h>

#include "bpf/fmt_helpers.h"
#include "bpf/ringbuf.h"
#include "bpf/symdefer.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

#define STACK_FOR_VALUES 192   /* bytes of BPF stack values may use; the rest is for spills */

/* ------------------------------------------------------------ diagnostics */

bool lower_unsupported(struct lower *L, const struct token *tok, const char *what)
{
	diag_error(L->diag, D_TRANS_UNSUPPORTED, tok,
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

static void emit_output(struct lower *L, struct ir_arg data, struct ir_arg size, struct smem key);
static struct ir_func *flush_func(struct lower *L);

/* The program's queue flush, a sub-function made on first use and called
 * from every handler's end and every record that finds the queue full
 * (360 syscall handlers in a program used to carry three copies each). */
static struct ir_func *flush_func(struct lower *L)
{
	if (L->flush_fn)
		return L->flush_fn;
	struct ir *ir = L->ir;
	struct ir_func *f = ir_func_new(ir, "outq_flush", 1);
	struct ir_func *prev = ir_func_select(ir, f);
	const void *tag = ir_set_tag(ir, L->kp->tok);  /* the program's, not a site's */
	ir_reg q = ir_new_vreg(ir), pos = ir_new_vreg(ir), data = ir_new_vreg(ir);
	ir_emit_mov(ir, q, ir_func_arg(ir, 0));
	ir_label done = ir_new_label(ir), ok = ir_new_label(ir);
	ir_emit_load(ir, 8, pos, q, 0);
	ir_emit_jcc_imm(ir, IR_JEQ, pos, 0, done);
	ir_emit_jcc_imm(ir, IR_JLE, pos, OUTQ_SIZE, ok);
	ir_emit_mov_imm(ir, pos, OUTQ_SIZE);
	ir_bind_label(ir, ok);
	ir_emit_mov(ir, data, q);
	ir_emit_alu_imm(ir, IR_ADD, data, 8);
	ir_emit_store_imm(ir, 8, q, 0, 0);
	emit_output(L, ir_arg_reg(data), ir_arg_reg(pos), (struct smem){ data, 0, 8 });
	ir_bind_label(ir, done);
	ir_emit_exit_imm(ir, 0);
	ir_set_tag(ir, tag);
	ir_func_select(ir, prev);
	L->flush_fn = f;
	return f;
}

void lower_outq_flush(struct lower *L)
{
	ir_call_func(L->ir, IR_NOREG, flush_func(L), ir_arg_reg(L->outq));
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
		/* too big to queue: on its own, after what the hit queued */
		L->need_outq = true;
		lower_outq_flush(L);
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
		lower_outq_flush(L);
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

/* The message a catch variable receives: the text with its values filled
 * in, as the uncaught error's record would print it. */
static void catch_message(struct lower *L, struct smem dst, const char *msg,
			  enum esite_detail d, ir_reg a, ir_reg b, const struct smem *str)
{
	struct ir *ir = L->ir;
	if (d == ES_STRING && str) {
		lower_zero(L, dst, dst.width);
		lower_str_copy(L, dst, *str);
		return;
	}
	if (d == ES_ADDR) {
		/* one value: the address */
		b = a;
		a = IR_NOREG;
	}
	if (!strchr(msg, '{') || (a == IR_NOREG && b == IR_NOREG)) {
		lower_zero(L, dst, dst.width);
		lower_str_literal(L, dst, msg, (uint32_t)strlen(msg));
		return;
	}
	/* record.c's expand() in the kernel: {err} is the first value in
	 * decimal, {addr} the second in hex, {len} the second in decimal */
	ir_label fail = ir_new_label(ir), done = ir_new_label(ir);
	ir_reg out, pos, fb = lower_fb_open(L, fail, &out, &pos);
	const char *lit = msg;
	for (const char *t = msg; *t;) {
		ir_reg v = IR_NOREG;
		enum fmt_conv conv = FMT_SIGNED;
		uint32_t skip = 0;
		if (!strncmp(t, "{err}", 5)) {
			v = a, skip = 5;
		} else if (!strncmp(t, "{len}", 5)) {
			v = b, skip = 5;
		} else if (!strncmp(t, "{addr}", 6)) {
			v = b, skip = 6, conv = FMT_HEX;
		}
		if (!skip) {
			t++;
			continue;
		}
		lower_fb_append_literal(L, out, pos, lit, (uint32_t)(t - lit));
		if (conv == FMT_HEX)
			lower_fb_append_literal(L, out, pos, "0x", 2);
		ir_reg val = ir_new_vreg(ir), spec = ir_new_vreg(ir);
		if (v == IR_NOREG)
			ir_emit_mov_imm(ir, val, 0);
		else
			ir_emit_mov(ir, val, v);
		ir_emit_mov_imm(ir, spec, (int64_t)FMT_HELPERS_SPEC(conv, 0, 0, -1));
		lower_fb_call_conv(L, "fmt_int", fb, pos, val, spec);
		t += skip;
		lit = t;
	}
	lower_fb_append_literal(L, out, pos, lit, (uint32_t)strlen(lit));
	lower_fb_copy_out(L, out, pos, dst);
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, fail);
	lower_zero(L, dst, dst.width);
	ir_bind_label(ir, done);
}

/* One more run-time error; past MAXERRORS (when fail_session) the
 * session is in error. */
static void count_error(struct lower *L, bool fail_session)
{
	struct ir *ir = L->ir;
	ir_reg h = lower_head(L), n = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, n, 1);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, h, RT_OFF_ERRORS, n, true);
	if (!fail_session)
		return;
	ir_label fine = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSLT, n, L->pl->lim.maxerrors, fine);
	ir_reg st = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, st, RT_ERROR);
	ir_emit_store(ir, 8, h, RT_OFF_STATE, st);
	ir_bind_label(ir, fine);
}

/* The program's error raise for records of at most two longs, a
 * sub-function made on first use: raise_err(queue, site, a, b, record
 * size) queues the error record (room for 24 bytes is made, the queue
 * advances by the size), counts the error and, past MAXERRORS, puts the
 * session in error.  Each fault site (a $var, a user_string, the syscall
 * aliases' compat test) of the 362 syscall handlers in a program used to
 * carry all of it. */
static struct ir_func *raise_func(struct lower *L)
{
	if (L->raise_fn)
		return L->raise_fn;
	struct ir *ir = L->ir;
	struct ir_func *flush = flush_func(L);
	struct ir_func *f = ir_func_new(ir, "raise_err", 5);
	struct ir_func *prev = ir_func_select(ir, f);
	const void *tag = ir_set_tag(ir, L->kp->tok);
	ir_reg q = ir_new_vreg(ir), site = ir_new_vreg(ir), a = ir_new_vreg(ir),
	       b = ir_new_vreg(ir), size = ir_new_vreg(ir), pos = ir_new_vreg(ir),
	       p = ir_new_vreg(ir);
	ir_emit_mov(ir, q, ir_func_arg(ir, 0));
	ir_emit_mov(ir, site, ir_func_arg(ir, 1));
	ir_emit_mov(ir, a, ir_func_arg(ir, 2));
	ir_emit_mov(ir, b, ir_func_arg(ir, 3));
	ir_emit_mov(ir, size, ir_func_arg(ir, 4));
	ir_label fits = ir_new_label(ir);
	ir_emit_load(ir, 8, pos, q, 0);
	ir_emit_jcc_imm(ir, IR_JLE, pos, OUTQ_SIZE - 24, fits);
	ir_call_func(ir, IR_NOREG, flush, ir_arg_reg(q));
	ir_emit_mov_imm(ir, pos, 0);
	ir_bind_label(ir, fits);
	ir_emit_mov(ir, p, q);
	ir_emit_alu_imm(ir, IR_ADD, p, 8);
	ir_emit_alu(ir, IR_ADD, p, pos);
	ir_emit_store_imm(ir, 4, p, 0, RTR_ERROR);
	ir_emit_store(ir, 4, p, 4, site);
	ir_emit_store(ir, 8, p, 8, a);
	ir_emit_store(ir, 8, p, 16, b);
	ir_emit_alu(ir, IR_ADD, pos, size);
	ir_emit_store(ir, 8, q, 0, pos);
	count_error(L, true);
	ir_emit_exit_imm(ir, 0);
	ir_set_tag(ir, tag);
	ir_func_select(ir, prev);
	L->raise_fn = f;
	return f;
}

void lower_raise(struct lower *L, const struct token *tok, const char *msg,
		 enum esite_detail detail, ir_reg a, ir_reg b, const struct smem *str)
{
	bool uncatchable = !strcmp(msg, "MAXACTION exceeded");
	if (L->try_ && !uncatchable) {
		if (L->try_->want_msg)
			catch_message(L, L->try_->msg, msg, detail, a, b, str);
		lower_charge_flush(L, tok, false);
		ir_emit_jmp(L->ir, L->try_->catch_label);
		return;
	}
	struct ir *ir = L->ir;
	/* shared when handlers share the program (one handler's few fault
	 * sites cost less inline than the function) */
	if (!L->s->opts.suppress_handler_errors && !L->in_guard && L->kp->probes.len > 1 &&
	    (detail == ES_NONE || detail == ES_ADDR || detail == ES_ERRNO_ADDR)) {
		uint32_t payload = detail == ES_ADDR ? 8 : detail == ES_ERRNO_ADDR ? 16 : 0;
		uint32_t site = new_esite(L, tok, msg, detail, 0);
		L->need_outq = true;
		ir_call_func(ir, IR_NOREG, raise_func(L), ir_arg_reg(L->outq), ir_arg_imm(site),
			     a != IR_NOREG ? ir_arg_reg(a) : ir_arg_imm(0),
			     b != IR_NOREG ? ir_arg_reg(b) : ir_arg_imm(0),
			     ir_arg_imm((int32_t)(RT_REC_HDR + payload)));
		L->pending = 0;
		ir_emit_jmp(ir, L->hend);
		return;
	}
	if (!L->s->opts.suppress_handler_errors) {
		uint32_t payload = detail == ES_ADDR ? 8 : detail == ES_ERRNO_ADDR ? 16
				   : detail == ES_STRING && str ? lw_align8(str->width) : 0;
		uint32_t site = new_esite(L, tok, msg, detail, str ? str->width : 0);
		/*
		 * An error raised while a print's arguments are evaluated: the
		 * error record takes the print's place in the queue (the print
		 * is left out, as the handler ends here), but the print's own
		 * open-record state must survive for the path that does not
		 * fail, or its close would read this record's position, which
		 * only this path sets.
		 */
		ir_reg outer_pos = L->rec_pos;
		bool outer_direct = L->rec_direct;
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
		L->rec_pos = outer_pos;
		L->rec_direct = outer_direct;
	}
	/* count; past MAXERRORS the session is in error */
	count_error(L, !L->s->opts.suppress_handler_errors);
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
		if (!L->in_guard) {
			/* The count goes through the queue's map value and back,
			 * which makes it a number the verifier does not know: paths
			 * of a loop body that charged different amounts then meet
			 * in one state at the back edge instead of multiplying the
			 * states of every later iteration (an argv loop with
			 * user_long and user_string_n was E2BIG, "1000001 insns"). */
			L->need_outq = true;
			ir_emit_store(L->ir, 8, L->outq, OUTQ_ACTIONS, L->actions);
			ir_emit_load(L->ir, 8, L->actions, L->outq, OUTQ_ACTIONS);
		}
	}
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

/* ------------------------------------------------------------ copies */

static void copy_words(struct lower *L, struct smem dst, struct smem src, uint32_t bytes)
{
	struct ir *ir = L->ir;
	if (bytes > 64) {
		ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, lower_addr_arg(L, dst),
			       ir_arg_imm(bytes), ir_arg_reg(lower_addr(L, src)));
		return;
	}
	ir_reg t = ir_new_vreg(ir);
	for (uint32_t i = 0; i < bytes; i += 8) {
		ir_emit_load(ir, 8, t, src.base, (int16_t)(src.off + (int32_t)i));
		ir_emit_store(ir, 8, dst.base, (int16_t)(dst.off + (int32_t)i), t);
	}
}

void lower_str_copy(struct lower *L, struct smem dst, struct smem src)
{
	if (dst.base == src.base && dst.off == src.off)
		return;
	uint32_t ds = lw_align8(dst.width), ss = lw_align8(src.width);
	if (ss <= ds) {
		copy_words(L, dst, src, ss);
		if (ds > ss)
			lower_zero(L, (struct smem){ dst.base, dst.off + (int32_t)ss, ds - ss }, ds - ss);
		return;
	}
	lower_zero(L, dst, ds);
	ir_call_helper(L->ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, lower_addr_arg(L, dst),
		       ir_arg_imm(dst.width), ir_arg_reg(lower_addr(L, src)));
}

void lower_str_literal(struct lower *L, struct smem dst, const char *s, uint32_t len)
{
	struct ir *ir = L->ir;
	if (len > dst.width - 1)
		len = dst.width - 1;
	uint32_t ds = lw_align8(dst.width);
	uint32_t lit = (len + 4) & ~3u; /* literal bytes and its NUL, in 4-byte chunks */
	if (len > 64) {
		uint32_t n = lw_align8(len + 1);
		uint8_t *padded = arena_alloc(L->pl->arena, n);
		memset(padded, 0, n);
		memcpy(padded, s, len);
		uint32_t off = ir_rodata_add(L->pl->arena, L->pl->rodata, padded, n, 8);
		ir_reg src = ir_new_vreg(ir);
		ir_emit_ld_map_value(ir, src, L->pl->rodata, off);
		ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, lower_addr_arg(L, dst),
			       ir_arg_imm(n), ir_arg_reg(src));
		lit = n;
	} else {
		for (uint32_t i = 0; i < lit; i += 4) {
			uint32_t w = 0;
			for (uint32_t k = 0; k < 4; k++)
				if (i + k < len)
					w |= (uint32_t)(uint8_t)s[i + k] << (8 * k);
			ir_emit_store_imm(ir, 4, dst.base, (int16_t)(dst.off + (int32_t)i), (int32_t)w);
		}
	}
	if (lit & 4) {
		ir_emit_store_imm(ir, 4, dst.base, (int16_t)(dst.off + (int32_t)lit), 0);
		lit += 4;
	}
	if (ds > lit)
		lower_zero(L, (struct smem){ dst.base, dst.off + (int32_t)lit, ds - lit }, ds - lit);
}

bool lower_str_const(struct lower *L, const char *s, size_t len, struct lval *out)
{
	if (len >= L->pl->lim.maxstringlen)
		len = L->pl->lim.maxstringlen - 1;
	struct smem m = lower_mem(L, (uint32_t)len + 1, true);
	m.width = (uint32_t)len + 1;
	lower_str_literal(L, m, s, (uint32_t)len);
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}

/* n = probe_read_kernel_str(dst, size, src): len + 1, clamped to 1..size */
static ir_reg read_str(struct lower *L, struct ir_arg dst, uint32_t size, ir_reg src)
{
	struct ir *ir = L->ir;
	ir_reg n = ir_new_vreg(ir);
	ir_call_helper(ir, n, BPF_FUNC_probe_read_kernel_str, dst, ir_arg_imm(size), ir_arg_reg(src));
	ir_label lo = ir_new_label(ir), hi = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSGE, n, 1, lo);
	ir_emit_mov_imm(ir, n, 1);
	ir_bind_label(ir, lo);
	ir_emit_jcc_imm(ir, IR_JSLE, n, size, hi);
	ir_emit_mov_imm(ir, n, size);
	ir_bind_label(ir, hi);
	return n;
}

ir_reg lower_str_len(struct lower *L, struct smem s)
{
	/* copying a buffer onto itself changes nothing and counts it */
	ir_reg n = read_str(L, lower_addr_arg(L, s), s.width, lower_addr(L, s));
	ir_emit_alu_imm(L->ir, IR_SUB, n, 1);
	return n;
}

/*
 * dst = a . b, cut to dst.width - 1 bytes (MAXSTRINGLEN semantics).
 *
 * b is copied to a variable offset (strlen(a)) with a variable budget
 * (what is left of dst), and the verifier checks such a write as the
 * largest offset plus the largest size, which it cannot correlate.  So
 * either the widths make that sum fit (the budget is then clamped to
 * b.width, which is also all b can hold), or both operands go through a
 * staging buffer twice dst's width, where a fixed budget of dst.width
 * fits after any offset below dst.width, and the first dst.width - 1
 * bytes of it are copied back.
 */
void lower_str_concat(struct lower *L, struct smem dst, struct smem a, struct smem b)
{
	struct ir *ir = L->ir;
	uint32_t w = dst.width;
	uint32_t first = a.width < w ? a.width : w;
	bool direct = first - 1 + b.width <= w;
	bool in_place = dst.base == a.base && dst.off == a.off;
	uint32_t mark = L->scratch_off;
	struct smem st = dst;
	if (!direct) {
		st = lower_mem(L, 2 * w, false);
		lower_zero(L, st, w);
	} else if (!in_place) {
		lower_zero(L, dst, w);
	}
	ir_reg n = read_str(L, lower_addr_arg(L, st), first, lower_addr(L, a));
	/* b goes at st + n - 1 */
	ir_reg off = ir_new_vreg(ir), p = lower_addr(L, st);
	ir_emit_mov(ir, off, n);
	ir_emit_alu_imm(ir, IR_SUB, off, 1);
	ir_emit_alu(ir, IR_ADD, p, off);
	if (direct) {
		/* min(w - off, b.width) bytes with its NUL */
		ir_reg rem = ir_new_vreg(ir);
		ir_label fits = ir_new_label(ir);
		ir_emit_mov_imm(ir, rem, w);
		ir_emit_alu(ir, IR_SUB, rem, off);
		ir_emit_jcc_imm(ir, IR_JLE, rem, b.width, fits);
		ir_emit_mov_imm(ir, rem, b.width);
		ir_bind_label(ir, fits);
		ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, ir_arg_reg(p),
			       ir_arg_reg(rem), ir_arg_reg(lower_addr(L, b)));
		return;
	}
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, ir_arg_reg(p), ir_arg_imm(w),
		       ir_arg_reg(lower_addr(L, b)));
	/* bytes past the joined text are zero in [0, w): dst stays zero-padded */
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, lower_addr_arg(L, dst), ir_arg_imm(w),
		       ir_arg_reg(lower_addr(L, st)));
	ir_emit_store_imm(ir, 1, dst.base, (int16_t)(dst.off + (int32_t)w - 1), 0);
	/* the staging buffer is dead: later temporaries of the statement reuse it */
	L->scratch_off = mark;
}

/* ------------------------------------------------------------ evaluation */

/* the encoding is symdefer.h's: mark, style, 7 bits per byte from the
 * lowest, each byte with bit 7 set (no NUL anywhere) */
void lower_symdefer_item(struct lower *L, ir_reg p, int16_t off, ir_reg a, char style)
{
	struct ir *ir = L->ir;
	ir_emit_store_imm(ir, 1, p, off, SYMDEFER_MARK);
	ir_emit_store_imm(ir, 1, p, (int16_t)(off + 1), style);
	ir_reg t = ir_new_vreg(ir);
	for (int j = 0; j < SYMDEFER_ADDR_BYTES; j++) {
		ir_emit_mov(ir, t, a);
		if (j)
			ir_emit_alu_imm(ir, IR_RSH, t, 7 * j);
		ir_emit_alu_imm(ir, IR_AND, t, 0x7f);
		ir_emit_alu_imm(ir, IR_OR, t, 0x80);
		ir_emit_store(ir, 1, p, (int16_t)(off + 2 + j), t);
	}
}
