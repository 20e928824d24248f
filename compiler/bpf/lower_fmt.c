/*
 * lower_fmt: sprintf/sprint in kernel-side handlers, where the result must
 * be a string value.  Prints never come here: they travel as records and
 * are formatted in user space.  A format bpf_snprintf renders exactly is
 * translated to its syntax; anything else (precision, %o, %b, %m, %#,
 * more than 12 arguments) is placed piece by piece into the formatting
 * buffer with the primitives and imported helpers of lower_fmtbuf.c.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "bpf/fmt_helpers.h"
#include "common/fmt_spec.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

static struct smem eval_arg_str(struct lower *L, struct expr *a, bool *ok)
{
	struct smem s = { 0 };
	*ok = lower_str(L, a, &s);
	return s;
}

/* format_string(): %s with width and precision */
static void emit_string(struct lower *L, ir_reg out, ir_reg pos, unsigned flags, int width,
			int prec, ir_reg wreg, ir_reg preg, struct smem s)
{
	struct ir *ir = L->ir;
	ir_reg len = lower_str_len(L, s);
	ir_label nocut = ir_new_label(ir);
	if (preg != IR_NOREG) {
		ir_emit_jcc(ir, IR_JLE, len, preg, nocut);
		ir_emit_mov(ir, len, preg);
	} else if (prec >= 0) {
		ir_emit_jcc_imm(ir, IR_JLE, len, prec, nocut);
		ir_emit_mov_imm(ir, len, prec);
	}
	ir_bind_label(ir, nocut);
	ir_reg pad = ir_new_vreg(ir), w = ir_new_vreg(ir);
	ir_label nopad = ir_new_label(ir);
	if (wreg != IR_NOREG)
		ir_emit_mov(ir, w, wreg);
	else
		ir_emit_mov_imm(ir, w, width > 0 ? width : 0);
	ir_emit_mov_imm(ir, pad, 0);
	ir_emit_jcc(ir, IR_JLE, w, len, nopad);
	ir_emit_mov(ir, pad, w);
	ir_emit_alu(ir, IR_SUB, pad, len);
	ir_bind_label(ir, nopad);
	if (!(flags & FMT_F_LEFT))
		lower_fb_append_fill(L, out, pos, ' ', pad);
	lower_fb_append_ptr(L, out, pos, lower_addr(L, s), len);
	if (flags & FMT_F_LEFT)
		lower_fb_append_fill(L, out, pos, ' ', pad);
}

static ir_reg clamp_dim(struct lower *L, ir_reg v)
{
	struct ir *ir = L->ir;
	ir_reg r = ir_new_vreg(ir);
	ir_label a = ir_new_label(ir), b = ir_new_label(ir);
	ir_emit_mov(ir, r, v);
	ir_emit_jcc_imm(ir, IR_JSGE, r, 0, a);
	ir_emit_mov_imm(ir, r, 0);
	ir_bind_label(ir, a);
	ir_emit_jcc_imm(ir, IR_JSLE, r, FMT_MAX_WIDTH, b);
	ir_emit_mov_imm(ir, r, FMT_MAX_WIDTH);
	ir_bind_label(ir, b);
	return r;
}

/* The whole format of a sprintf (or the sprint forms) into dst. */
bool lower_format_into(struct lower *L, struct expr *e, struct smem dst)
{
	struct ir *ir = L->ir;
	struct print_format *pf = e->u.print;
	uint32_t n = pf->args.len;
	/* arguments first (they may format too, through the same buffer) */
	struct lval *vals = arena_alloc(L->pl->arena, sizeof(*vals) * (n + 1));
	for (uint32_t i = 0; i < n; i++) {
		struct expr *a = pf->args.items[i];
		bool ok = true;
		if (a->type == TYPE_STRING) {
			struct smem s = eval_arg_str(L, a, &ok);
			/* a private copy: later arguments may reuse buffers */
			struct smem c = lower_mem(L, s.width, false);
			c.width = s.width;
			if (ok)
				lower_str_copy(L, c, s);
			vals[i] = (struct lval){ .kind = LV_STR, .str = c };
		} else {
			vals[i] = (struct lval){ .kind = LV_REG, .reg = lower_long_tmp(L, a, &ok) };
		}
		if (!ok)
			return false;
	}
	ir_label fail = ir_new_label(ir), done = ir_new_label(ir);
	ir_reg out, pos, fb = lower_fb_open(L, fail, &out, &pos);
	if (!(pf->flags & PRINT_FORMAT)) {
		for (uint32_t i = 0; i < n; i++) {
			if (i && pf->delim)
				lower_fb_append_literal(L, out, pos, pf->delim, pf->delim_len);
			if (vals[i].kind == LV_STR) {
				lower_fb_append_ptr(L, out, pos, lower_addr(L, vals[i].str),
					   lower_str_len(L, vals[i].str));
			} else {
				ir_reg spec = ir_new_vreg(ir);
				ir_emit_mov_imm(ir, spec, (int64_t)FMT_HELPERS_SPEC(FMT_SIGNED, 0, 0, -1));
				lower_fb_call_conv(L, "fmt_int", fb, pos, vals[i].reg, spec);
			}
		}
		if (pf->flags & PRINT_NEWLINE)
			lower_fb_append_imm_byte(L, out, pos, '\n');
	} else {
		unsigned p = 0;
		uint32_t argi = 0;
		struct fmt_spec sp;
		const char *err;
		while (p < pf->format_len) {
			int r = fmt_next(pf->format, pf->format_len, &p, &sp, &err);
			if (r <= 0)
				break;
			if (sp.conv == FMT_LITERAL) {
				lower_fb_append_literal(L, out, pos, pf->format + sp.lit_off, sp.lit_len);
				continue;
			}
			if (sp.conv == FMT_PERCENT) {
				lower_fb_append_imm_byte(L, out, pos, '%');
				continue;
			}
			ir_reg wreg = IR_NOREG, preg = IR_NOREG;
			if (sp.width == FMT_STAR && argi < n)
				wreg = clamp_dim(L, vals[argi++].reg);
			if (sp.prec == FMT_STAR && argi < n)
				preg = clamp_dim(L, vals[argi++].reg);
			if (argi >= n)
				break;
			struct lval *v = &vals[argi++];
			int width = sp.width >= 0 ? sp.width : 0, prec = sp.prec >= 0 ? sp.prec : -1;
			switch (sp.conv) {
			case FMT_STRING:
				emit_string(L, out, pos, sp.flags, width, prec, wreg, preg, v->str);
				if (sp.flags & FMT_F_ZERO)
					goto finished;  /* the NUL it appends ends the string */
				break;
			case FMT_CHAR:
			case FMT_SIGNED:
			case FMT_UNSIGNED:
			case FMT_OCTAL:
			case FMT_HEX:
			case FMT_HEX_UPPER:
			case FMT_POINTER: {
				ir_reg word = ir_new_vreg(ir), t = ir_new_vreg(ir);
				int w = width > FMT_MAX_WIDTH ? FMT_MAX_WIDTH : width;
				int pr = prec > FMT_MAX_WIDTH ? FMT_MAX_WIDTH : prec;
				ir_emit_mov_imm(ir, word, (int64_t)FMT_HELPERS_SPEC(
							  sp.conv, sp.flags, wreg != IR_NOREG ? 0 : w,
							  preg != IR_NOREG ? -1 : pr));
				if (wreg != IR_NOREG) {
					ir_emit_mov(ir, t, wreg);
					ir_emit_alu_imm(ir, IR_LSH, t, 16);
					ir_emit_alu(ir, IR_OR, word, t);
				}
				if (preg != IR_NOREG) {
					ir_emit_mov(ir, t, preg);
					ir_emit_alu_imm(ir, IR_ADD, t, 1);
					ir_emit_alu_imm(ir, IR_LSH, t, 32);
					ir_emit_alu(ir, IR_OR, word, t);
				}
				lower_fb_call_conv(L, sp.conv == FMT_CHAR ? "fmt_char" : "fmt_int", fb, pos,
					  v->reg, word);
				break;
			}
			default:
				return lower_unsupported(L, e->tok, "%b, %m and %M in sprintf");
			}
		}
	}
finished:
	lower_fb_copy_out(L, out, pos, dst);
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, fail);
	lower_zero(L, dst, dst.width);
	ir_bind_label(ir, done);
	return true;
}

/* ------------------------------------------------------------ text_strn */

/* escape_text(dst, s, 0, outlen, quoted ? QUOTED : 0) */
/* ------------------------------------------------------------ bpf_snprintf */

static void put_literal(struct strbuf *sb, const char *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (s[i] == '%')
			strbuf_putc(sb, '%');
		strbuf_putc(sb, s[i]);
	}
}

/* SystemTap format -> bpf_snprintf format; false if something differs. */
static bool translate_format(struct lower *L, struct expr *e, struct strbuf *sb)
{
	struct print_format *pf = e->u.print;
	if (!(pf->flags & PRINT_FORMAT)) {
		for (uint32_t i = 0; i < pf->args.len; i++) {
			if (i && pf->delim)
				put_literal(sb, pf->delim, pf->delim_len);
			strbuf_puts(sb, pf->args.items[i]->type == TYPE_STRING ? "%s" : "%lld");
		}
		if (pf->flags & PRINT_NEWLINE)
			strbuf_putc(sb, '\n');
		return true;
	}
	unsigned pos = 0;
	struct fmt_spec sp;
	const char *err;
	while (pos < pf->format_len) {
		unsigned start = pos;
		int r = fmt_next(pf->format, pf->format_len, &pos, &sp, &err);
		if (r <= 0)
			break;
		if (sp.conv == FMT_LITERAL) {
			put_literal(sb, pf->format + sp.lit_off, sp.lit_len);
			continue;
		}
		if (sp.conv == FMT_PERCENT) {
			strbuf_puts(sb, "%%");
			continue;
		}
		(void)start;
		if (sp.prec != FMT_NONE || sp.width == FMT_STAR || (sp.flags & FMT_F_ALT))
			return false;
		strbuf_putc(sb, '%');
		if (sp.flags & FMT_F_LEFT) strbuf_putc(sb, '-');
		if (sp.flags & FMT_F_PLUS) strbuf_putc(sb, '+');
		if (sp.flags & FMT_F_SPACE) strbuf_putc(sb, ' ');
		if (sp.flags & FMT_F_ZERO) strbuf_putc(sb, '0');
		if (sp.width > 0)
			strbuf_printf(sb, "%d", sp.width);
		switch (sp.conv) {
		case FMT_SIGNED: strbuf_puts(sb, "lld"); break;
		case FMT_UNSIGNED: strbuf_puts(sb, "llu"); break;
		case FMT_HEX: strbuf_puts(sb, "llx"); break;
		case FMT_HEX_UPPER: strbuf_puts(sb, "llX"); break;
		case FMT_CHAR: strbuf_puts(sb, "c"); break;
		case FMT_STRING:
			if (sp.flags & FMT_F_ZERO)
				return false;
			strbuf_puts(sb, "s");
			break;
		default:
			return false;
		}
	}
	(void)L;
	return true;
}

bool lower_sprint(struct lower *L, struct expr *e, struct smem dst)
{
	struct ir *ir = L->ir;
	struct print_format *pf = e->u.print;
	if (pf->hist)
		return lower_unsupported(L, e->tok, "sprint of a histogram");
	struct strbuf sb = STRBUF_INIT;
	bool ok = translate_format(L, e, &sb);
	if (!ok || pf->args.len > 12) {
		/* what bpf_snprintf cannot do exactly: our own engine */
		strbuf_free(&sb);
		return lower_format_into(L, e, dst);
	}
	uint32_t off = ir_rodata_add(L->pl->arena, L->pl->rodata, strbuf_str(&sb),
				     (uint32_t)sb.len + 1, 1);
	strbuf_free(&sb);
	uint32_t n = pf->args.len;
	struct smem data = lower_mem(L, 8 * (n ? n : 1), true);
	for (uint32_t i = 0; i < n; i++) {
		struct expr *a = pf->args.items[i];
		if (a->type == TYPE_STRING) {
			struct smem s;
			if (!lower_str(L, a, &s))
				return false;
			ir_emit_store(ir, 8, data.base, (int16_t)(data.off + 8 * (int32_t)i),
				      lower_addr(L, s));
		} else {
			ir_reg v;
			if (!lower_long(L, a, &v))
				return false;
			ir_emit_store(ir, 8, data.base, (int16_t)(data.off + 8 * (int32_t)i), v);
		}
	}
	lower_zero(L, dst, dst.width);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_snprintf, lower_addr_arg(L, dst), ir_arg_imm(dst.width),
		       ir_arg_map_value(L->pl->rodata, off),
		       n ? lower_addr_arg(L, data) : ir_arg_imm(0), ir_arg_imm(8 * n));
	return true;
}
