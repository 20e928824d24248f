/*
 * lower_fmt: string formatting inside kernel-side handlers, where the
 * result must be a string value (sprintf/sprint beyond what bpf_snprintf
 * does exactly, and text_strn, which user_string_quoted and the syscall
 * aliases' argstr need).  Prints never come here: they travel as records
 * and are formatted in user space.
 *
 * The algorithms are runtime/common's, compiled to BPF by clang at build
 * time (runtime/bpf/fmt_helpers.bpf.c, contract in fmt_helpers.h) and
 * imported into each program that formats (compiler/bpfmc/import.h):
 * integer conversions (format_int_layout) and %c/%#c (escape_char) as
 * functions called per conversion, escape_text as escape_begin, a
 * bpf_loop callback running one escape_step per unit (its state in the
 * fmtbuf map, so the verifier checks one iteration), and escape_end.
 * What stays here is placement: literals, %s and the order of pieces,
 * appended at a position that every append clamps to MAXSTRINGLEN-1 (the
 * output area is twice MAXSTRINGLEN so that the verifier can see every
 * "position + size" access in bounds).
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "bpf/feature.h"
#include "bpf/fmt_helpers.h"
#include "bpfmc/import.h"
#include "common/fmt_spec.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

_Static_assert(FMT_HELPERS_PROBE_READ_KERNEL == BPF_FUNC_probe_read_kernel,
	       "fmt_helpers.h names the wrong helper");

#define FB_OUT(pl) FMT_HELPERS_OUT((pl)->lim.maxstringlen)

/* This program's view of the helpers: the object, parsed once per
 * program, and the extern data it is bound to. */
struct lfmt {
	const struct import_obj *obj;
	struct import_extern ext[3];
};

static struct ir_map *fmtbuf(struct lower *L)
{
	struct bpf_plan *pl = L->pl;
	if (!pl->fmtbuf)
		pl->fmtbuf = ir_map_new(pl->arena, "fmtbuf", BPF_MAP_TYPE_PERCPU_ARRAY, 4,
					FMT_HELPERS_SIZE(pl->lim.maxstringlen), 1, 0);
	return pl->fmtbuf;
}

/* r = &fmtbuf value (jumps to `fail` if the lookup fails); *slot is the
 * key's stack slot, free for the caller's use afterwards. */
static ir_reg fb_lookup(struct lower *L, ir_label fail, int16_t *slot)
{
	struct ir *ir = L->ir;
	int16_t key = lower_stack(L, 8);
	*slot = key;
	ir_emit_store_imm(ir, 8, IR_FP, key, 0);
	ir_reg r = ir_new_vreg(ir);
	ir_call_helper(ir, r, BPF_FUNC_map_lookup_elem, ir_arg_map(fmtbuf(L)), ir_arg_stack(key));
	ir_emit_jcc_imm(ir, IR_JEQ, r, 0, fail);
	return r;
}

/* A read-only run of n copies of c (fill source for padding). */
static uint32_t fill_src(struct lower *L, char c)
{
	uint32_t n = L->pl->lim.maxstringlen;
	char *b = arena_alloc(L->pl->arena, n);
	memset(b, c, n);
	return ir_rodata_add(L->pl->arena, L->pl->rodata, b, n, 8);
}

/*
 * Forgets what the verifier knows about a value by storing it in fmtbuf
 * and loading it back (out = the output area; the slot is past its
 * 2 x MSL bytes).  Without this, each data-dependent branch of a format
 * leaves a different exact range behind, no two paths look alike, and
 * verification grows with 2^branches.
 */
static void launder(struct lower *L, ir_reg out, ir_reg v)
{
	int16_t slot = (int16_t)(2 * lw_align8(L->pl->lim.maxstringlen) + 16);
	ir_emit_store(L->ir, 8, out, slot, v);
	ir_emit_load(L->ir, 8, v, out, slot);
}

/* pos = min(pos, MSL-1) in a way the verifier sees */
static void clamp_pos(struct lower *L, ir_reg pos)
{
	struct ir *ir = L->ir;
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLE, pos, L->pl->lim.maxstringlen - 1, ok);
	ir_emit_mov_imm(ir, pos, L->pl->lim.maxstringlen - 1);
	ir_bind_label(ir, ok);
}

/* out[pos...] = n bytes from src (pointer register); pos += n, both
 * clamped so that at most MSL-1 bytes are ever used. */
static void append_ptr(struct lower *L, ir_reg out, ir_reg pos, ir_reg src, ir_reg n)
{
	struct ir *ir = L->ir;
	ir_reg room = ir_new_vreg(ir), size = ir_new_vreg(ir), dst = ir_new_vreg(ir);
	ir_label fits = ir_new_label(ir), pos_ok = ir_new_label(ir), nonneg = ir_new_label(ir);
	clamp_pos(L, pos);
	ir_emit_mov_imm(ir, room, L->pl->lim.maxstringlen - 1);
	ir_emit_alu(ir, IR_SUB, room, pos);
	ir_emit_mov(ir, size, n);
	ir_emit_jcc_imm(ir, IR_JSGE, size, 0, nonneg);
	ir_emit_mov_imm(ir, size, 0);
	ir_bind_label(ir, nonneg);
	ir_emit_jcc(ir, IR_JLE, size, room, fits);
	ir_emit_mov(ir, size, room);
	ir_bind_label(ir, fits);
	ir_emit_jcc_imm(ir, IR_JLE, size, L->pl->lim.maxstringlen, pos_ok);
	ir_emit_mov_imm(ir, size, 0);
	ir_bind_label(ir, pos_ok);
	ir_emit_mov(ir, dst, out);
	ir_emit_alu(ir, IR_ADD, dst, pos);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_reg(dst), ir_arg_reg(size),
		       ir_arg_reg(src));
	ir_emit_alu(ir, IR_ADD, pos, size);
	launder(L, out, pos);
	clamp_pos(L, pos);
}

static void append_fill(struct lower *L, ir_reg out, ir_reg pos, char c, ir_reg n)
{
	ir_reg src = ir_new_vreg(L->ir);
	ir_emit_ld_map_value(L->ir, src, L->pl->rodata, fill_src(L, c));
	append_ptr(L, out, pos, src, n);
}

static void append_byte(struct lower *L, ir_reg out, ir_reg pos, ir_reg c)
{
	struct ir *ir = L->ir;
	ir_label full = ir_new_label(ir);
	clamp_pos(L, pos);
	ir_emit_jcc_imm(ir, IR_JGE, pos, L->pl->lim.maxstringlen - 1, full);
	ir_reg dst = ir_new_vreg(ir);
	ir_emit_mov(ir, dst, out);
	ir_emit_alu(ir, IR_ADD, dst, pos);
	ir_emit_store(ir, 1, dst, 0, c);
	ir_emit_alu_imm(ir, IR_ADD, pos, 1);
	ir_bind_label(ir, full);
	launder(L, out, pos);
	clamp_pos(L, pos);
}

static void append_imm_byte(struct lower *L, ir_reg out, ir_reg pos, char c)
{
	ir_reg r = ir_new_vreg(L->ir);
	ir_emit_mov_imm(L->ir, r, (unsigned char)c);
	append_byte(L, out, pos, r);
}

static void append_literal(struct lower *L, ir_reg out, ir_reg pos, const char *s, uint32_t n)
{
	if (!n)
		return;
	if (n == 1) {
		append_imm_byte(L, out, pos, s[0]);
		return;
	}
	uint32_t off = ir_rodata_add(L->pl->arena, L->pl->rodata, s, n, 1);
	ir_reg src = ir_new_vreg(L->ir), len = ir_new_vreg(L->ir);
	ir_emit_ld_map_value(L->ir, src, L->pl->rodata, off);
	ir_emit_mov_imm(L->ir, len, n);
	append_ptr(L, out, pos, src, len);
}

/* ------------------------------------------------------------ helpers */

/* Helper `name` of fmt_helpers.bpf.c in this program (imported with what
 * it calls on first use). */
static struct ir_func *helper(struct lower *L, const char *name)
{
	struct bpf_plan *pl = L->pl;
	struct lfmt *h = L->fmt;
	if (!h) {
		uint32_t msl = pl->lim.maxstringlen;
		h = L->fmt = arena_new_obj(pl->arena, struct lfmt);
		h->obj = import_open(pl->arena, L->diag, "fmt_helpers.bpf.c", fmt_helpers_obj,
				     fmt_helpers_obj_size);
		h->ext[0] = (struct import_extern){ "ctap_fmt_msl", pl->rodata,
						    ir_rodata_add(pl->arena, pl->rodata, &msl, 4, 4) };
		h->ext[1] = (struct import_extern){ "ctap_fmt_spaces", pl->rodata, fill_src(L, ' ') };
		h->ext[2] = (struct import_extern){ "ctap_fmt_zeros", pl->rodata, fill_src(L, '0') };
	}
	if (!h->obj) {
		L->failed = true;
		ir_internal(L->ir, "the formatting helpers cannot be imported");
		return NULL;
	}
	return import_func(L->ir, h->obj, name, h->ext, 3);
}

/* pos = helper(fb, pos, v, spec) for fmt_int and fmt_char */
static void call_conv(struct lower *L, const char *name, ir_reg fb, ir_reg pos, ir_reg v,
		      ir_reg spec)
{
	struct ir_func *f = helper(L, name);
	if (!f)
		return;
	ir_reg np = ir_new_vreg(L->ir);
	ir_call_func(L->ir, np, f, ir_arg_reg(fb), ir_arg_reg(pos), ir_arg_reg(v), ir_arg_reg(spec));
	ir_emit_mov(L->ir, pos, np);
}

/* ------------------------------------------------------------ sprintf */

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
		append_fill(L, out, pos, ' ', pad);
	append_ptr(L, out, pos, lower_addr(L, s), len);
	if (flags & FMT_F_LEFT)
		append_fill(L, out, pos, ' ', pad);
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
	int16_t slot;
	ir_reg fb = fb_lookup(L, fail, &slot), out = ir_new_vreg(ir), pos = ir_new_vreg(ir);
	ir_emit_mov(ir, out, fb);
	ir_emit_alu_imm(ir, IR_ADD, out, FB_OUT(L->pl));
	ir_emit_mov_imm(ir, pos, 0);
	if (!(pf->flags & PRINT_FORMAT)) {
		for (uint32_t i = 0; i < n; i++) {
			if (i && pf->delim)
				append_literal(L, out, pos, pf->delim, pf->delim_len);
			if (vals[i].kind == LV_STR) {
				append_ptr(L, out, pos, lower_addr(L, vals[i].str),
					   lower_str_len(L, vals[i].str));
			} else {
				ir_reg spec = ir_new_vreg(ir);
				ir_emit_mov_imm(ir, spec, (int64_t)FMT_HELPERS_SPEC(FMT_SIGNED, 0, 0, -1));
				call_conv(L, "fmt_int", fb, pos, vals[i].reg, spec);
			}
		}
		if (pf->flags & PRINT_NEWLINE)
			append_imm_byte(L, out, pos, '\n');
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
				append_literal(L, out, pos, pf->format + sp.lit_off, sp.lit_len);
				continue;
			}
			if (sp.conv == FMT_PERCENT) {
				append_imm_byte(L, out, pos, '%');
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
				call_conv(L, sp.conv == FMT_CHAR ? "fmt_char" : "fmt_int", fb, pos,
					  v->reg, word);
				break;
			}
			default:
				return lower_unsupported(L, e->tok, "%b, %m and %M in sprintf");
			}
		}
	}
finished:
	clamp_pos(L, pos);
	{
		ir_reg z = ir_new_vreg(ir), q = ir_new_vreg(ir);
		ir_emit_mov_imm(ir, z, 0);
		ir_emit_mov(ir, q, out);
		ir_emit_alu(ir, IR_ADD, q, pos);
		ir_emit_store(ir, 1, q, 0, z);
	}
	lower_zero(L, dst, dst.width);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, lower_addr_arg(L, dst),
		       ir_arg_imm(dst.width), ir_arg_reg(out));
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, fail);
	lower_zero(L, dst, dst.width);
	ir_bind_label(ir, done);
	return true;
}

/* ------------------------------------------------------------ text_strn */

/* escape_text(dst, s, 0, outlen, quoted ? QUOTED : 0) */
bool lower_escape(struct lower *L, const struct token *tok, struct smem s, ir_reg outlen,
		  bool quoted, struct smem dst)
{
	struct ir *ir = L->ir;
	if (!feature_available(FEATURE_BPF_LOOP))
		return lower_unsupported(L, tok, "text_strn without bpf_loop (kernel before 5.17)");
	struct ir_func *begin = helper(L, "fmt_esc_begin"), *unit = helper(L, "fmt_esc_unit"),
		       *end = helper(L, "fmt_esc_end");
	if (!begin || !unit || !end)
		return false;
	ir_label fail = ir_new_label(ir), done = ir_new_label(ir);
	int16_t slot;
	ir_reg fb = fb_lookup(L, fail, &slot);
	/* the input, zero-padded, into fmtbuf.in */
	ir_reg in = ir_new_vreg(ir);
	ir_emit_mov(ir, in, fb);
	ir_emit_alu_imm(ir, IR_ADD, in, FMT_HELPERS_IN(L->pl->lim.maxstringlen));
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_reg(in),
		       ir_arg_imm(lw_align8(s.width)), ir_arg_reg(lower_addr(L, s)));
	ir_call_func(ir, IR_NOREG, begin, ir_arg_reg(fb), ir_arg_reg(outlen),
		     ir_arg_imm(quoted ? ESCAPE_F_QUOTED : 0));
	/* the callback finds fmtbuf through its context: the key's slot,
	 * which now holds the value's address */
	ir_emit_store(ir, 8, IR_FP, slot, fb);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_loop, ir_arg_imm(L->pl->lim.maxstringlen),
		       ir_arg_func(unit), ir_arg_stack(slot), ir_arg_imm(0));
	ir_call_func(ir, IR_NOREG, end, ir_arg_reg(fb));
	ir_reg out = ir_new_vreg(ir);
	ir_emit_mov(ir, out, fb);
	ir_emit_alu_imm(ir, IR_ADD, out, FB_OUT(L->pl));
	lower_zero(L, dst, dst.width);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, lower_addr_arg(L, dst),
		       ir_arg_imm(dst.width), ir_arg_reg(out));
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, fail);
	lower_zero(L, dst, dst.width);
	ir_bind_label(ir, done);
	return true;
}
