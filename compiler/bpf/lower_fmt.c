/*
 * lower_fmt: string formatting inside kernel-side handlers, where the
 * result must be a string value (sprintf/sprint beyond what bpf_snprintf
 * does exactly, and text_strn, which user_string_quoted and the syscall
 * aliases' argstr need).  Prints never come here: they travel as records
 * and are formatted in user space.
 *
 * The algorithms are runtime/common's, transcribed: format_integer()
 * (output-formats.md §2.1) as one sub-function per program, `fmt_int`,
 * and escape_text() as a bpf_loop callback, `esc_unit`, that handles one
 * input unit per iteration.  Both write into a per-CPU buffer map
 * (`fmtbuf`: input, output, state) at constant offsets; outputs are
 * assembled at a position that every append clamps to MAXSTRINGLEN-1,
 * and the output area is twice MAXSTRINGLEN so that the verifier can see
 * every "position + size" access in bounds.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "bpf/feature.h"
#include "common/fmt_spec.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

/* fmtbuf layout (offsets in its one per-CPU value) */
#define FB_IN(pl) 0u
#define FB_OUT(pl) (lw_align8((pl)->lim.maxstringlen) + 8)
#define FB_STATE(pl) (FB_OUT(pl) + 2 * lw_align8((pl)->lim.maxstringlen) + 32)
#define FB_SIZE(pl) (FB_STATE(pl) + ES_SIZE)

/*
 * The escape loop's state lives in fmtbuf (at FB_STATE), not on the stack:
 * the verifier knows nothing of map contents, so every iteration of the
 * callback looks alike to it and the loop verifies once, where stack
 * constants would make it walk every iteration.
 */
enum {
	ES_IN_LEFT = 0, ES_IN_POS = 8, ES_POS = 16, ES_BUDGET = 24, ES_ESC = 32,
	ES_ESC_LEN = 40, ES_TRUNC = 48, ES_C = 56, ES_FLAGS = 64, ES_SIZE = 72,
};

struct fmt_state {
	struct ir_func *fmt_int;    /* per program, created on first use */
	struct ir_func *esc_unit;
	struct kprog *kp;
};

static struct fmt_state *state_of(struct lower *L)
{
	static struct fmt_state st;
	if (st.kp != L->kp) {
		memset(&st, 0, sizeof(st));
		st.kp = L->kp;
	}
	return &st;
}

static struct ir_map *fmtbuf(struct lower *L)
{
	struct bpf_plan *pl = L->pl;
	if (!pl->fmtbuf)
		pl->fmtbuf = ir_map_new(pl->arena, "fmtbuf", BPF_MAP_TYPE_PERCPU_ARRAY, 4, FB_SIZE(pl),
					1, 0);
	return pl->fmtbuf;
}

/* r = &fmtbuf value (jumps to `fail` if the lookup fails) in the
 * selected function */
static ir_reg fb_lookup(struct lower *L, ir_label fail)
{
	struct ir *ir = L->ir;
	int16_t key = ir->cur == ir->funcs.items[0] ? lower_stack(L, 8) : ir_stack_alloc(ir, 8, 8);
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

/* ------------------------------------------------------------ fmt_int */

/* spec word: conv (4 bits) | flags << 4 | width << 16 | (prec + 1) << 32 */
static int64_t spec_word(enum fmt_conv conv, unsigned flags, int width, int prec)
{
	return (int64_t)conv | (int64_t)flags << 4 | (int64_t)(width < 0 ? 0 : width) << 16 |
	       (int64_t)(prec < 0 ? 0 : prec + 1) << 32;
}

static void set_if(struct ir *ir, ir_reg r, int64_t v)
{
	ir_emit_mov_imm(ir, r, v);
}

/* format_integer(): fmt_int(out, pos, value, spec) returns the new pos */
static void build_fmt_int(struct lower *L, struct ir_func *f)
{
	struct ir *ir = L->ir;
	struct ir_func *saved = ir_func_select(ir, f);
	const void *tag = ir_set_tag(ir, NULL);
	ir_reg out = ir_new_vreg(ir), pos = ir_new_vreg(ir), v = ir_new_vreg(ir),
	       spec = ir_new_vreg(ir);
	ir_emit_mov(ir, out, ir_func_arg(ir, 0));
	ir_emit_mov(ir, pos, ir_func_arg(ir, 1));
	ir_emit_mov(ir, v, ir_func_arg(ir, 2));
	ir_emit_mov(ir, spec, ir_func_arg(ir, 3));
	ir_reg conv = ir_new_vreg(ir), flags = ir_new_vreg(ir), width = ir_new_vreg(ir),
	       prec = ir_new_vreg(ir), mag = ir_new_vreg(ir), base = ir_new_vreg(ir),
	       sign = ir_new_vreg(ir), plen = ir_new_vreg(ir), p2 = ir_new_vreg(ir),
	       upper = ir_new_vreg(ir), t = ir_new_vreg(ir);
	ir_emit_mov(ir, conv, spec);
	ir_emit_alu_imm(ir, IR_AND, conv, 15);
	ir_emit_mov(ir, flags, spec);
	ir_emit_alu_imm(ir, IR_RSH, flags, 4);
	ir_emit_alu_imm(ir, IR_AND, flags, 31);
	ir_emit_mov(ir, width, spec);
	ir_emit_alu_imm(ir, IR_RSH, width, 16);
	ir_emit_alu_imm(ir, IR_AND, width, 0xffff);
	ir_emit_mov(ir, prec, spec);
	ir_emit_alu_imm(ir, IR_RSH, prec, 32);
	ir_emit_alu_imm(ir, IR_SUB, prec, 1);
	ir_emit_mov(ir, mag, v);
	set_if(ir, base, 10);
	set_if(ir, sign, 0);
	set_if(ir, plen, 0);
	set_if(ir, p2, 'x');
	set_if(ir, upper, 0);

	ir_label kinds = ir_new_label(ir);
	ir_label l_oct = ir_new_label(ir), l_hexu = ir_new_label(ir), l_ptr = ir_new_label(ir),
		 l_hex = ir_new_label(ir), l_pos = ir_new_label(ir), l_space = ir_new_label(ir),
		 l_plus = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, conv, FMT_OCTAL, l_oct);
	ir_emit_jcc_imm(ir, IR_JEQ, conv, FMT_HEX_UPPER, l_hexu);
	ir_emit_jcc_imm(ir, IR_JEQ, conv, FMT_POINTER, l_ptr);
	ir_emit_jcc_imm(ir, IR_JEQ, conv, FMT_HEX, l_hex);
	ir_emit_jcc_imm(ir, IR_JNE, conv, FMT_SIGNED, kinds);
	/* signed */
	ir_emit_jcc_imm(ir, IR_JSGE, v, 0, l_pos);
	set_if(ir, sign, '-');
	ir_emit_neg(ir, mag);
	ir_emit_jmp(ir, kinds);
	ir_bind_label(ir, l_pos);
	ir_emit_jcc_imm(ir, IR_JSET, flags, FMT_F_PLUS, l_plus);
	ir_emit_jcc_imm(ir, IR_JSET, flags, FMT_F_SPACE, l_space);
	ir_emit_jmp(ir, kinds);
	ir_bind_label(ir, l_plus);
	set_if(ir, sign, '+');
	ir_emit_jmp(ir, kinds);
	ir_bind_label(ir, l_space);
	set_if(ir, sign, ' ');
	ir_emit_jmp(ir, kinds);
	/* octal: prefix 0 with # */
	ir_bind_label(ir, l_oct);
	set_if(ir, base, 8);
	ir_emit_mov(ir, plen, flags);
	ir_emit_alu_imm(ir, IR_RSH, plen, 3);     /* FMT_F_ALT = 8 */
	ir_emit_alu_imm(ir, IR_AND, plen, 1);
	ir_emit_jmp(ir, kinds);
	/* upper hex: 0X with # */
	ir_bind_label(ir, l_hexu);
	set_if(ir, base, 16);
	set_if(ir, upper, 1);
	set_if(ir, p2, 'X');
	ir_emit_mov(ir, plen, flags);
	ir_emit_alu_imm(ir, IR_RSH, plen, 2);
	ir_emit_alu_imm(ir, IR_AND, plen, 2);
	ir_emit_jmp(ir, kinds);
	/* %p: always 0x */
	ir_bind_label(ir, l_ptr);
	set_if(ir, base, 16);
	set_if(ir, plen, 2);
	ir_emit_jmp(ir, kinds);
	/* hex: 0x with # */
	ir_bind_label(ir, l_hex);
	set_if(ir, base, 16);
	ir_emit_mov(ir, plen, flags);
	ir_emit_alu_imm(ir, IR_RSH, plen, 2);
	ir_emit_alu_imm(ir, IR_AND, plen, 2);
	ir_bind_label(ir, kinds);

	/* digits, backwards into buf[24] */
	int16_t buf = ir_stack_alloc(ir, 24, 8);
	ir_reg nd = ir_new_vreg(ir), q = ir_new_vreg(ir), d = ir_new_vreg(ir);
	set_if(ir, nd, 0);
	ir_label digits_done = ir_new_label(ir);
	for (int i = 0; i < 22; i++) {
		ir_label lo = ir_new_label(ir), st = ir_new_label(ir);
		ir_emit_mov(ir, q, mag);
		ir_emit_alu(ir, IR_DIV, q, base);
		ir_emit_mov(ir, d, q);
		ir_emit_alu(ir, IR_MUL, d, base);
		ir_emit_mov(ir, t, mag);
		ir_emit_alu(ir, IR_SUB, t, d);
		ir_emit_jcc_imm(ir, IR_JLT, t, 10, lo);
		ir_emit_alu_imm(ir, IR_ADD, t, 'a' - 10);
		ir_emit_jcc_imm(ir, IR_JEQ, upper, 0, st);
		ir_emit_alu_imm(ir, IR_SUB, t, 'a' - 'A');
		ir_emit_jmp(ir, st);
		ir_bind_label(ir, lo);
		ir_emit_alu_imm(ir, IR_ADD, t, '0');
		ir_bind_label(ir, st);
		ir_emit_store(ir, 1, IR_FP, (int16_t)(buf + 23 - i), t);
		ir_emit_alu_imm(ir, IR_ADD, nd, 1);
		ir_emit_mov(ir, mag, q);
		ir_emit_jcc_imm(ir, IR_JEQ, mag, 0, digits_done);
	}
	ir_bind_label(ir, digits_done);
	launder(L, out, nd);
	{
		ir_label ndok = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JLE, nd, 22, ndok);
		ir_emit_mov_imm(ir, nd, 22);
		ir_bind_label(ir, ndok);
	}

	/* zeros = prec > nd ? prec - nd : 0; used; pad */
	ir_reg zeros = ir_new_vreg(ir), used = ir_new_vreg(ir), pad = ir_new_vreg(ir);
	ir_label z0 = ir_new_label(ir), nos = ir_new_label(ir), nopad = ir_new_label(ir);
	set_if(ir, zeros, 0);
	ir_emit_jcc(ir, IR_JSLE, prec, nd, z0);
	ir_emit_mov(ir, zeros, prec);
	ir_emit_alu(ir, IR_SUB, zeros, nd);
	ir_bind_label(ir, z0);
	ir_emit_mov(ir, used, plen);
	ir_emit_alu(ir, IR_ADD, used, zeros);
	ir_emit_alu(ir, IR_ADD, used, nd);
	ir_emit_jcc_imm(ir, IR_JEQ, sign, 0, nos);
	ir_emit_alu_imm(ir, IR_ADD, used, 1);
	ir_bind_label(ir, nos);
	set_if(ir, pad, 0);
	ir_emit_jcc(ir, IR_JLE, width, used, nopad);
	ir_emit_mov(ir, pad, width);
	ir_emit_alu(ir, IR_SUB, pad, used);
	ir_bind_label(ir, nopad);

	ir_label skip_lead = ir_new_label(ir), skip_sign = ir_new_label(ir),
		 skip_p = ir_new_label(ir), skip_p2 = ir_new_label(ir), add_pad = ir_new_label(ir),
		 no_trail = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSET, flags, FMT_F_LEFT | FMT_F_ZERO, skip_lead);
	append_fill(L, out, pos, ' ', pad);
	ir_bind_label(ir, skip_lead);
	ir_emit_jcc_imm(ir, IR_JEQ, sign, 0, skip_sign);
	append_byte(L, out, pos, sign);
	ir_bind_label(ir, skip_sign);
	ir_emit_jcc_imm(ir, IR_JEQ, plen, 0, skip_p);
	append_imm_byte(L, out, pos, '0');
	ir_emit_jcc_imm(ir, IR_JNE, plen, 2, skip_p2);
	append_byte(L, out, pos, p2);
	ir_bind_label(ir, skip_p2);
	ir_bind_label(ir, skip_p);
	/* the 0 flag pads with zeros after the sign and prefix */
	ir_emit_jcc_imm(ir, IR_JSET, flags, FMT_F_ZERO, add_pad);
	ir_label zpad_done = ir_new_label(ir);
	ir_emit_jmp(ir, zpad_done);
	ir_bind_label(ir, add_pad);
	ir_emit_alu(ir, IR_ADD, zeros, pad);
	ir_bind_label(ir, zpad_done);
	append_fill(L, out, pos, '0', zeros);
	/* &buf[24 - nd] (pointers may not be subtracted from) */
	ir_reg src = ir_new_vreg(ir), idx = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, idx, 24);
	ir_emit_alu(ir, IR_SUB, idx, nd);
	ir_emit_alu_imm(ir, IR_AND, idx, 31);
	ir_emit_mov(ir, src, IR_FP);
	ir_emit_alu_imm(ir, IR_ADD, src, buf);
	ir_emit_alu(ir, IR_ADD, src, idx);
	append_ptr(L, out, pos, src, nd);
	ir_emit_jcc_imm(ir, IR_JSET, flags, FMT_F_LEFT, no_trail);
	ir_label end = ir_new_label(ir);
	ir_emit_jmp(ir, end);
	ir_bind_label(ir, no_trail);
	append_fill(L, out, pos, ' ', pad);
	ir_bind_label(ir, end);
	ir_emit_exit(ir, pos);
	ir_set_tag(ir, tag);
	ir_func_select(ir, saved);
}

static struct ir_func *fmt_int_func(struct lower *L)
{
	struct fmt_state *st = state_of(L);
	if (!st->fmt_int) {
		st->fmt_int = ir_func_new(L->ir, "fmt_int", 4);
		build_fmt_int(L, st->fmt_int);
	}
	return st->fmt_int;
}

/* ------------------------------------------------------------ sprintf */

static struct smem eval_arg_str(struct lower *L, struct expr *a, bool *ok)
{
	struct smem s = { 0 };
	*ok = lower_str(L, a, &s);
	return s;
}

/* format_char(): %c and %#c */
static void emit_char(struct lower *L, ir_reg out, ir_reg pos, unsigned flags, int width,
		      ir_reg wreg, ir_reg v)
{
	struct ir *ir = L->ir;
	int16_t piece = lower_stack(L, 8);
	ir_emit_store_imm(ir, 8, IR_FP, piece, 0);
	ir_reg len = ir_new_vreg(ir), c = ir_new_vreg(ir);
	ir_emit_mov(ir, c, v);
	ir_emit_alu_imm(ir, IR_AND, c, 0xff);
	ir_emit_mov_imm(ir, len, 1);
	ir_emit_store(ir, 1, IR_FP, piece, c);
	if (flags & FMT_F_ALT) {
		/* escape_char(): \' \\ as themselves, printable, letters, \ooo */
		static const struct { int c; char l; } letters[] = {
			{ '\a', 'a' }, { '\b', 'b' }, { '\f', 'f' }, { '\n', 'n' },
			{ '\r', 'r' }, { '\t', 't' }, { '\v', 'v' }, { '\'', '\'' }, { '\\', '\\' },
		};
		ir_label done = ir_new_label(ir), notprint = ir_new_label(ir);
		for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++) {
			ir_label next = ir_new_label(ir);
			ir_emit_jcc_imm(ir, IR_JNE, c, letters[i].c, next);
			ir_emit_store_imm(ir, 1, IR_FP, piece, '\\');
			ir_emit_store_imm(ir, 1, IR_FP, (int16_t)(piece + 1), letters[i].l);
			ir_emit_mov_imm(ir, len, 2);
			ir_emit_jmp(ir, done);
			ir_bind_label(ir, next);
		}
		ir_emit_jcc_imm(ir, IR_JLT, c, 0x20, notprint);
		ir_emit_jcc_imm(ir, IR_JLT, c, 0x7f, done);
		ir_bind_label(ir, notprint);
		ir_reg o = ir_new_vreg(ir);
		ir_emit_store_imm(ir, 1, IR_FP, piece, '\\');
		for (int k = 0; k < 3; k++) {
			ir_emit_mov(ir, o, c);
			ir_emit_alu_imm(ir, IR_RSH, o, 6 - 3 * k);
			ir_emit_alu_imm(ir, IR_AND, o, k ? 7 : 3);
			ir_emit_alu_imm(ir, IR_ADD, o, '0');
			ir_emit_store(ir, 1, IR_FP, (int16_t)(piece + 1 + k), o);
		}
		ir_emit_mov_imm(ir, len, 4);
		ir_bind_label(ir, done);
	}
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
	ir_reg src = ir_new_vreg(ir);
	ir_emit_mov(ir, src, IR_FP);
	ir_emit_alu_imm(ir, IR_ADD, src, piece);
	append_ptr(L, out, pos, src, len);
	if (flags & FMT_F_LEFT)
		append_fill(L, out, pos, ' ', pad);
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
	ir_reg fb = fb_lookup(L, fail), out = ir_new_vreg(ir), pos = ir_new_vreg(ir);
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
				ir_reg np = ir_new_vreg(ir);
				ir_call_func(ir, np, fmt_int_func(L), ir_arg_reg(out), ir_arg_reg(pos),
					     ir_arg_reg(vals[i].reg),
					     ir_arg_imm(spec_word(FMT_SIGNED, 0, -1, -1)));
				ir_emit_mov(ir, pos, np);
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
				emit_char(L, out, pos, sp.flags, width, wreg, v->reg);
				break;
			case FMT_SIGNED:
			case FMT_UNSIGNED:
			case FMT_OCTAL:
			case FMT_HEX:
			case FMT_HEX_UPPER:
			case FMT_POINTER: {
				ir_reg word = ir_new_vreg(ir), t = ir_new_vreg(ir);
				ir_emit_mov_imm(ir, word, spec_word(sp.conv, sp.flags,
								    wreg != IR_NOREG ? 0 : width,
								    preg != IR_NOREG ? -1 : prec));
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
				ir_reg np = ir_new_vreg(ir);
				ir_call_func(ir, np, fmt_int_func(L), ir_arg_reg(out), ir_arg_reg(pos),
					     ir_arg_reg(v->reg), ir_arg_reg(word));
				ir_emit_mov(ir, pos, np);
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


static void put(struct ir *ir, ir_reg base, int16_t off, int64_t c)
{
	ir_emit_store_imm(ir, 1, base, off, (int32_t)c);
}

/* One escape_text() unit per call: returns 1 to stop the loop. */
static void build_esc_unit(struct lower *L, struct ir_func *f)
{
	struct ir *ir = L->ir;
	struct bpf_plan *pl = L->pl;
	struct ir_func *saved = ir_func_select(ir, f);
	const void *tag = ir_set_tag(ir, NULL);
	ir_label stop = ir_new_label(ir), next = ir_new_label(ir), trunc = ir_new_label(ir);
	ir_reg fb = fb_lookup(L, stop), st = ir_new_vreg(ir);
	ir_emit_mov(ir, st, fb);
	ir_emit_alu_imm(ir, IR_ADD, st, FB_STATE(pl));
	ir_reg in_left = ir_new_vreg(ir), in_pos = ir_new_vreg(ir), pos = ir_new_vreg(ir),
	       budget = ir_new_vreg(ir), flags = ir_new_vreg(ir), esc_len = ir_new_vreg(ir);
	ir_emit_load(ir, 8, in_left, st, ES_IN_LEFT);
	ir_emit_load(ir, 8, in_pos, st, ES_IN_POS);
	ir_emit_load(ir, 8, pos, st, ES_POS);
	ir_emit_load(ir, 8, budget, st, ES_BUDGET);
	ir_emit_load(ir, 8, flags, st, ES_FLAGS);
	ir_emit_load(ir, 8, esc_len, st, ES_ESC_LEN);
	ir_emit_jcc_imm(ir, IR_JEQ, in_left, 0, stop);
	ir_emit_jcc_imm(ir, IR_JGE, in_pos, pl->lim.maxstringlen, stop);
	ir_emit_jcc_imm(ir, IR_JGT, pos, pl->lim.maxstringlen, stop);
	ir_reg in = ir_new_vreg(ir), b0 = ir_new_vreg(ir), c = ir_new_vreg(ir), n = ir_new_vreg(ir),
	       t = ir_new_vreg(ir), bi = ir_new_vreg(ir);
	ir_emit_mov(ir, in, fb);
	ir_emit_alu_imm(ir, IR_ADD, in, FB_IN(pl));
	ir_emit_alu(ir, IR_ADD, in, in_pos);
	ir_emit_load(ir, 1, b0, in, 0);
	ir_emit_mov(ir, c, b0);
	ir_emit_mov_imm(ir, n, 1);

	/* escape_utf8(): 2..4-byte sequences, else one byte */
	ir_label single = ir_new_label(ir), decoded = ir_new_label(ir), lead = ir_new_label(ir);
	ir_label two = ir_new_label(ir), three = ir_new_label(ir), four = ir_new_label(ir);
	ir_emit_mov(ir, t, b0);
	ir_emit_alu_imm(ir, IR_AND, t, 0xE0);
	ir_emit_jcc_imm(ir, IR_JEQ, t, 0xC0, two);
	ir_emit_mov(ir, t, b0);
	ir_emit_alu_imm(ir, IR_AND, t, 0xF0);
	ir_emit_jcc_imm(ir, IR_JEQ, t, 0xE0, three);
	ir_emit_mov(ir, t, b0);
	ir_emit_alu_imm(ir, IR_AND, t, 0xF8);
	ir_emit_jcc_imm(ir, IR_JEQ, t, 0xF0, four);
	ir_emit_jmp(ir, single);
	ir_bind_label(ir, two);
	ir_emit_mov_imm(ir, n, 2);
	ir_emit_alu_imm(ir, IR_AND, c, 0x1F);
	ir_emit_jmp(ir, lead);
	ir_bind_label(ir, three);
	ir_emit_mov_imm(ir, n, 3);
	ir_emit_alu_imm(ir, IR_AND, c, 0x0F);
	ir_emit_jmp(ir, lead);
	ir_bind_label(ir, four);
	ir_emit_mov_imm(ir, n, 4);
	ir_emit_alu_imm(ir, IR_AND, c, 0x07);
	ir_bind_label(ir, lead);
	ir_emit_jcc(ir, IR_JLT, in_left, n, single);
	for (int i = 1; i < 4; i++) {
		ir_emit_jcc_imm(ir, IR_JLE, n, i, decoded);
		ir_emit_load(ir, 1, bi, in, (int16_t)i);
		ir_emit_mov(ir, t, bi);
		ir_emit_alu_imm(ir, IR_AND, t, 0xC0);
		ir_emit_jcc_imm(ir, IR_JNE, t, 0x80, single);
		ir_emit_alu_imm(ir, IR_LSH, c, 6);
		ir_emit_alu_imm(ir, IR_AND, bi, 0x3F);
		ir_emit_alu(ir, IR_OR, c, bi);
	}
	ir_bind_label(ir, decoded);
	/* surrogates, beyond U+10FFFF, overlong: byte-wise */
	{
		ir_label notsur = ir_new_label(ir), ok1 = ir_new_label(ir), ok3 = ir_new_label(ir),
			 ok4 = ir_new_label(ir), good = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JLT, c, 0xD800, notsur);
		ir_emit_jcc_imm(ir, IR_JLE, c, 0xDFFF, single);
		ir_bind_label(ir, notsur);
		ir_emit_jcc_imm(ir, IR_JGT, c, 0x10FFFF, single);
		ir_emit_jcc_imm(ir, IR_JGE, c, 0x80, ok1);
		ir_emit_jmp(ir, single);
		ir_bind_label(ir, ok1);
		ir_emit_jcc_imm(ir, IR_JNE, n, 3, ok3);
		ir_emit_jcc_imm(ir, IR_JLT, c, 0x800, single);
		ir_bind_label(ir, ok3);
		ir_emit_jcc_imm(ir, IR_JNE, n, 4, ok4);
		ir_emit_jcc_imm(ir, IR_JLT, c, 0x10000, single);
		ir_bind_label(ir, ok4);
		ir_emit_jmp(ir, good);
		ir_bind_label(ir, single);
		ir_emit_mov(ir, c, b0);
		ir_emit_mov_imm(ir, n, 1);
		ir_bind_label(ir, good);
	}
	/* a NUL ends the text unless ESCAPE_F_BUFFER */
	{
		ir_label go = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JNE, c, 0, go);
		ir_emit_jcc_imm(ir, IR_JSET, flags, 2, go);
		ir_emit_store(ir, 8, st, ES_C, c);
		ir_emit_jmp(ir, stop);
		ir_bind_label(ir, go);
	}
	ir_emit_store(ir, 8, st, ES_C, c);
	ir_emit_jcc_imm(ir, IR_JEQ, budget, 0, trunc);

	/* escape_unit(): the piece (at most 10 bytes) and its charge */
	int16_t pc = ir_stack_alloc(ir, 16, 8);
	ir_emit_store_imm(ir, 8, IR_FP, pc, 0);
	ir_emit_store_imm(ir, 8, IR_FP, (int16_t)(pc + 8), 0);
	ir_reg len = ir_new_vreg(ir), charge = ir_new_vreg(ir), h = ir_new_vreg(ir);
	ir_label have = ir_new_label(ir), notutf = ir_new_label(ir), octal = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, n, 1, notutf);
	{
		ir_label big = ir_new_label(ir);
		put(ir, IR_FP, pc, '\\');
		ir_emit_jcc_imm(ir, IR_JGT, c, 0xFFFF, big);
		put(ir, IR_FP, (int16_t)(pc + 1), 'u');
		for (int k = 0; k < 4; k++) {
			ir_label lo = ir_new_label(ir), st2 = ir_new_label(ir);
			ir_emit_mov(ir, h, c);
			ir_emit_alu_imm(ir, IR_RSH, h, 4 * (3 - k));
			ir_emit_alu_imm(ir, IR_AND, h, 15);
			ir_emit_jcc_imm(ir, IR_JLT, h, 10, lo);
			ir_emit_alu_imm(ir, IR_ADD, h, 'A' - 10);
			ir_emit_jmp(ir, st2);
			ir_bind_label(ir, lo);
			ir_emit_alu_imm(ir, IR_ADD, h, '0');
			ir_bind_label(ir, st2);
			ir_emit_store(ir, 1, IR_FP, (int16_t)(pc + 2 + k), h);
		}
		ir_emit_mov_imm(ir, len, 6);
		ir_emit_mov_imm(ir, charge, 6);
		ir_emit_jmp(ir, have);
		ir_bind_label(ir, big);
		put(ir, IR_FP, (int16_t)(pc + 1), 'U');
		for (int k = 0; k < 8; k++) {
			ir_label lo = ir_new_label(ir), st2 = ir_new_label(ir);
			ir_emit_mov(ir, h, c);
			ir_emit_alu_imm(ir, IR_RSH, h, 4 * (7 - k));
			ir_emit_alu_imm(ir, IR_AND, h, 15);
			ir_emit_jcc_imm(ir, IR_JLT, h, 10, lo);
			ir_emit_alu_imm(ir, IR_ADD, h, 'A' - 10);
			ir_emit_jmp(ir, st2);
			ir_bind_label(ir, lo);
			ir_emit_alu_imm(ir, IR_ADD, h, '0');
			ir_bind_label(ir, st2);
			ir_emit_store(ir, 1, IR_FP, (int16_t)(pc + 2 + k), h);
		}
		ir_emit_mov_imm(ir, len, 10);
		ir_emit_mov_imm(ir, charge, 10);
		ir_emit_jmp(ir, have);
	}
	ir_bind_label(ir, notutf);
	{
		static const struct { int c; char l; } two_char[] = {
			{ '"', '"' }, { '\\', '\\' }, { '\a', 'a' }, { '\b', 'b' }, { '\f', 'f' },
			{ '\n', 'n' }, { '\r', 'r' }, { '\t', 't' }, { '\v', 'v' }, { 0, '0' },
		};
		ir_label notprint = ir_new_label(ir);
		for (size_t i = 0; i < sizeof(two_char) / sizeof(two_char[0]); i++) {
			ir_label nx = ir_new_label(ir);
			ir_emit_jcc_imm(ir, IR_JNE, c, two_char[i].c, nx);
			put(ir, IR_FP, pc, '\\');
			put(ir, IR_FP, (int16_t)(pc + 1), two_char[i].l);
			ir_emit_mov_imm(ir, len, 2);
			ir_emit_mov_imm(ir, charge, two_char[i].c == 0 ? 4 : 2);
			ir_emit_jmp(ir, have);
			ir_bind_label(ir, nx);
		}
		ir_emit_jcc_imm(ir, IR_JLT, c, 0x20, notprint);
		ir_emit_jcc_imm(ir, IR_JGE, c, 0x7f, notprint);
		ir_emit_store(ir, 1, IR_FP, pc, c);
		ir_emit_mov_imm(ir, len, 1);
		ir_emit_mov_imm(ir, charge, 1);
		ir_emit_jmp(ir, have);
		ir_bind_label(ir, notprint);
		ir_bind_label(ir, octal);
		put(ir, IR_FP, pc, '\\');
		for (int k = 0; k < 3; k++) {
			ir_emit_mov(ir, h, c);
			ir_emit_alu_imm(ir, IR_RSH, h, 6 - 3 * k);
			ir_emit_alu_imm(ir, IR_AND, h, k ? 7 : 3);
			ir_emit_alu_imm(ir, IR_ADD, h, '0');
			ir_emit_store(ir, 1, IR_FP, (int16_t)(pc + 1 + k), h);
		}
		ir_emit_mov_imm(ir, len, 4);
		ir_emit_mov_imm(ir, charge, 4);
	}
	ir_bind_label(ir, have);
	/* the first escape reaching into the last 3 bytes of the budget */
	{
		ir_label noesc = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JLE, charge, 1, noesc);
		ir_emit_jcc_imm(ir, IR_JNE, esc_len, 0, noesc);
		ir_emit_mov(ir, t, charge);
		ir_emit_alu_imm(ir, IR_ADD, t, 3);
		ir_emit_jcc(ir, IR_JGE, budget, t, noesc);
		ir_emit_store(ir, 8, st, ES_ESC, pos);
		ir_emit_store(ir, 8, st, ES_ESC_LEN, charge);
		ir_bind_label(ir, noesc);
	}
	ir_emit_jcc(ir, IR_JLT, budget, charge, trunc);
	/* out[pos .. pos+16) = piece (only len bytes count) */
	ir_reg o = ir_new_vreg(ir), w = ir_new_vreg(ir);
	ir_emit_mov(ir, o, fb);
	ir_emit_alu_imm(ir, IR_ADD, o, FB_OUT(pl));
	ir_emit_alu(ir, IR_ADD, o, pos);
	ir_emit_load(ir, 8, w, IR_FP, pc);
	ir_emit_store(ir, 8, o, 0, w);
	ir_emit_load(ir, 8, w, IR_FP, (int16_t)(pc + 8));
	ir_emit_store(ir, 8, o, 8, w);
	ir_emit_alu(ir, IR_ADD, pos, len);
	ir_emit_alu(ir, IR_SUB, budget, charge);
	ir_emit_alu(ir, IR_ADD, in_pos, n);
	ir_emit_alu(ir, IR_SUB, in_left, n);
	ir_emit_store(ir, 8, st, ES_POS, pos);
	ir_emit_store(ir, 8, st, ES_BUDGET, budget);
	ir_emit_store(ir, 8, st, ES_IN_POS, in_pos);
	ir_emit_store(ir, 8, st, ES_IN_LEFT, in_left);
	ir_emit_jmp(ir, next);
	ir_bind_label(ir, trunc);
	ir_emit_store_imm(ir, 8, st, ES_TRUNC, 1);
	ir_bind_label(ir, stop);
	ir_emit_exit_imm(ir, 1);
	ir_bind_label(ir, next);
	ir_emit_exit_imm(ir, 0);
	ir_set_tag(ir, tag);
	ir_func_select(ir, saved);
}

static struct ir_func *esc_unit_func(struct lower *L)
{
	struct fmt_state *st = state_of(L);
	if (!st->esc_unit) {
		st->esc_unit = ir_func_new(L->ir, "esc_unit", 2);
		build_esc_unit(L, st->esc_unit);
	}
	return st->esc_unit;
}

static uint32_t clamp_len(int64_t v, uint32_t msl)
{
	return v <= 0 || v > (int64_t)msl - 1 ? msl - 1 : (uint32_t)v;
}

/* escape_text(dst, s, 0, outlen, quoted ? QUOTED : 0) */
bool lower_escape(struct lower *L, const struct token *tok, struct smem s, ir_reg outlen,
		  bool quoted, struct smem dst)
{
	struct ir *ir = L->ir;
	struct bpf_plan *pl = L->pl;
	if (!feature_available(FEATURE_BPF_LOOP))
		return lower_unsupported(L, tok, "text_strn without bpf_loop (kernel before 5.17)");
	uint32_t msl = pl->lim.maxstringlen;
	ir_label fail = ir_new_label(ir), done = ir_new_label(ir);
	ir_reg fb = fb_lookup(L, fail);
	/* the input, zero-padded, into fmtbuf.in */
	ir_reg in = ir_new_vreg(ir);
	ir_emit_mov(ir, in, fb);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_reg(in),
		       ir_arg_imm(lw_align8(s.width)), ir_arg_reg(lower_addr(L, s)));
	ir_reg sp = ir_new_vreg(ir);
	ir_emit_mov(ir, sp, fb);
	ir_emit_alu_imm(ir, IR_ADD, sp, FB_STATE(pl));
	ir_reg budget = ir_new_vreg(ir);
	/* budget = clamp(outlen); quoted: max(budget, 5) - 2 */
	{
		ir_label a = ir_new_label(ir), b = ir_new_label(ir);
		ir_emit_mov(ir, budget, outlen);
		ir_emit_jcc_imm(ir, IR_JSLE, budget, 0, a);
		ir_emit_jcc_imm(ir, IR_JSLE, budget, msl - 1, b);
		ir_bind_label(ir, a);
		ir_emit_mov_imm(ir, budget, msl - 1);
		ir_bind_label(ir, b);
		if (quoted) {
			ir_label c5 = ir_new_label(ir);
			ir_emit_jcc_imm(ir, IR_JGE, budget, 5, c5);
			ir_emit_mov_imm(ir, budget, 5);
			ir_bind_label(ir, c5);
			ir_emit_alu_imm(ir, IR_SUB, budget, 2);
		}
	}
	ir_emit_store_imm(ir, 8, sp, ES_IN_LEFT, (int32_t)clamp_len(0, msl));
	ir_emit_store_imm(ir, 8, sp, ES_IN_POS, 0);
	ir_emit_store_imm(ir, 8, sp, ES_POS, quoted ? 1 : 0);
	ir_emit_store(ir, 8, sp, ES_BUDGET, budget);
	ir_emit_store_imm(ir, 8, sp, ES_ESC, 0);
	ir_emit_store_imm(ir, 8, sp, ES_ESC_LEN, 0);
	ir_emit_store_imm(ir, 8, sp, ES_TRUNC, 0);
	ir_emit_store_imm(ir, 8, sp, ES_C, 0);
	ir_emit_store_imm(ir, 8, sp, ES_FLAGS, quoted ? 1 : 0);
	ir_reg out = ir_new_vreg(ir);
	ir_emit_mov(ir, out, fb);
	ir_emit_alu_imm(ir, IR_ADD, out, FB_OUT(pl));
	if (quoted)
		ir_emit_store_imm(ir, 1, out, 0, '"');
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_loop, ir_arg_imm(msl), ir_arg_func(esc_unit_func(L)),
		       ir_arg_imm(0), ir_arg_imm(0));
	ir_reg pos = ir_new_vreg(ir), o = ir_new_vreg(ir);
	ir_emit_load(ir, 8, pos, sp, ES_POS);
	clamp_pos(L, pos);
	if (quoted) {
		ir_reg tr = ir_new_vreg(ir), c = ir_new_vreg(ir), cut = ir_new_vreg(ir),
		       esc = ir_new_vreg(ir), el = ir_new_vreg(ir), t = ir_new_vreg(ir),
		       b = ir_new_vreg(ir);
		ir_label plain = ir_new_label(ir), closed = ir_new_label(ir), keep = ir_new_label(ir),
			 lo = ir_new_label(ir), hi = ir_new_label(ir);
		ir_emit_load(ir, 8, tr, sp, ES_TRUNC);
		ir_emit_load(ir, 8, c, sp, ES_C);
		ir_emit_jcc_imm(ir, IR_JEQ, tr, 0, plain);
		ir_emit_jcc_imm(ir, IR_JEQ, c, 0, plain);
		/* cut = pos - 3 + budget, moved back over a straddling escape */
		ir_emit_load(ir, 8, b, sp, ES_BUDGET);
		ir_emit_mov(ir, cut, pos);
		ir_emit_alu_imm(ir, IR_SUB, cut, 3);
		ir_emit_alu(ir, IR_ADD, cut, b);
		ir_emit_load(ir, 8, esc, sp, ES_ESC);
		ir_emit_load(ir, 8, el, sp, ES_ESC_LEN);
		ir_emit_jcc_imm(ir, IR_JEQ, el, 0, keep);
		ir_emit_jcc(ir, IR_JSGE, esc, cut, keep);
		ir_emit_mov(ir, t, esc);
		ir_emit_alu(ir, IR_ADD, t, el);
		ir_emit_jcc(ir, IR_JSGE, cut, t, keep);
		ir_emit_mov(ir, cut, esc);
		ir_bind_label(ir, keep);
		ir_emit_jcc_imm(ir, IR_JSGE, cut, 0, lo);
		ir_emit_mov_imm(ir, cut, 0);
		ir_bind_label(ir, lo);
		ir_emit_jcc(ir, IR_JSLE, cut, pos, hi);
		ir_emit_mov(ir, cut, pos);
		ir_bind_label(ir, hi);
		ir_emit_mov(ir, pos, cut);
		clamp_pos(L, pos);
		append_literal(L, out, pos, "\"...", 4);
		ir_emit_jmp(ir, closed);
		ir_bind_label(ir, plain);
		append_imm_byte(L, out, pos, '"');
		ir_bind_label(ir, closed);
	}
	clamp_pos(L, pos);
	ir_emit_mov(ir, o, out);
	ir_emit_alu(ir, IR_ADD, o, pos);
	ir_emit_store_imm(ir, 1, o, 0, 0);
	lower_zero(L, dst, dst.width);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, lower_addr_arg(L, dst),
		       ir_arg_imm(dst.width), ir_arg_reg(out));
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, fail);
	lower_zero(L, dst, dst.width);
	ir_bind_label(ir, done);
	return true;
}
