/*
 * lower_fmtbuf: the primitives of in-kernel formatting - the per-CPU
 * formatting buffer (fmtbuf: input, output, helper state), appends at a
 * position that every append clamps to MAXSTRINGLEN-1 (the output area is
 * twice MAXSTRINGLEN so that the verifier can see every "position + size"
 * access in bounds), and runtime/common's algorithms compiled to BPF by
 * clang at build time (runtime/bpf/fmt_helpers.bpf.c, contract in
 * fmt_helpers.h) and imported into each program that formats
 * (compiler/bpfmc/import.h): integer conversions (format_int_layout),
 * %c/%#c (escape_char), and escape_text as escape_begin, a bpf_loop
 * callback running one escape_step per unit (its state in fmtbuf, so the
 * verifier checks one iteration) and escape_end - which is text_strn
 * (lower_escape).  Nothing here looks at the AST: sprintf's placement of
 * pieces is lower_fmt.c's.
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "bpf/feature.h"
#include "bpf/fmt_helpers.h"
#include "bpfmc/import.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

_Static_assert(FMT_HELPERS_MAP_DELETE_ELEM == BPF_FUNC_map_delete_elem &&
		       FMT_HELPERS_PROBE_READ_KERNEL == BPF_FUNC_probe_read_kernel &&
		       FMT_HELPERS_PROBE_READ_USER == BPF_FUNC_probe_read_user &&
		       FMT_HELPERS_PROBE_READ_USER_STR == BPF_FUNC_probe_read_user_str &&
		       FMT_HELPERS_LOOP == BPF_FUNC_loop,
	       "fmt_helpers.h names the wrong helper");

/* This program's view of the helpers: the object, parsed once per
 * program, and the extern data it is bound to. */
struct lfmt {
	const struct import_obj *obj;
	struct import_extern ext[4];
};

static struct ir_map *lower_fb_map(struct lower *L)
{
	struct bpf_plan *pl = L->pl;
	if (!pl->fmtbuf)
		pl->fmtbuf = ir_map_new(pl->arena, "fmtbuf", BPF_MAP_TYPE_PERCPU_ARRAY, 4,
					FMT_HELPERS_SIZE(pl->lim.maxstringlen), 1, 0);
	return pl->fmtbuf;
}

/* r = &fmtbuf value (jumps to `fail` if the lookup fails); *slot is the
 * key's stack slot, free for the caller's use afterwards. */
ir_reg lower_fb_lookup(struct lower *L, ir_label fail, int16_t *slot)
{
	struct ir *ir = L->ir;
	int16_t key = lower_stack(L, 8);
	*slot = key;
	ir_emit_store_imm(ir, 8, IR_FP, key, 0);
	ir_reg r = ir_new_vreg(ir);
	ir_call_helper(ir, r, BPF_FUNC_map_lookup_elem, ir_arg_map(lower_fb_map(L)), ir_arg_stack(key));
	ir_emit_jcc_imm(ir, IR_JEQ, r, 0, fail);
	return r;
}

ir_reg lower_fb_open(struct lower *L, ir_label fail, ir_reg *out, ir_reg *pos)
{
	struct ir *ir = L->ir;
	int16_t slot;
	ir_reg fb = lower_fb_lookup(L, fail, &slot);
	*out = ir_new_vreg(ir);
	*pos = ir_new_vreg(ir);
	ir_emit_mov(ir, *out, fb);
	ir_emit_alu_imm(ir, IR_ADD, *out, FB_OUT(L->pl));
	ir_emit_mov_imm(ir, *pos, 0);
	return fb;
}

/* A read-only run of n copies of c (fill source for padding). */
static uint32_t lower_fb_fill_src(struct lower *L, char c)
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
static void lower_fb_launder(struct lower *L, ir_reg out, ir_reg v)
{
	int16_t slot = (int16_t)(2 * lw_align8(L->pl->lim.maxstringlen) + 16);
	ir_emit_store(L->ir, 8, out, slot, v);
	ir_emit_load(L->ir, 8, v, out, slot);
}

/* pos = min(pos, MSL-1) in a way the verifier sees */
void lower_fb_clamp_pos(struct lower *L, ir_reg pos)
{
	struct ir *ir = L->ir;
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLE, pos, L->pl->lim.maxstringlen - 1, ok);
	ir_emit_mov_imm(ir, pos, L->pl->lim.maxstringlen - 1);
	ir_bind_label(ir, ok);
}

/* out[pos...] = n bytes from src (pointer register); pos += n, both
 * clamped so that at most MSL-1 bytes are ever used. */
void lower_fb_append_ptr(struct lower *L, ir_reg out, ir_reg pos, ir_reg src, ir_reg n)
{
	struct ir *ir = L->ir;
	ir_reg room = ir_new_vreg(ir), size = ir_new_vreg(ir), dst = ir_new_vreg(ir);
	ir_label fits = ir_new_label(ir), pos_ok = ir_new_label(ir), nonneg = ir_new_label(ir);
	lower_fb_clamp_pos(L, pos);
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
	lower_fb_launder(L, out, pos);
	lower_fb_clamp_pos(L, pos);
}

void lower_fb_append_fill(struct lower *L, ir_reg out, ir_reg pos, char c, ir_reg n)
{
	ir_reg src = ir_new_vreg(L->ir);
	ir_emit_ld_map_value(L->ir, src, L->pl->rodata, lower_fb_fill_src(L, c));
	lower_fb_append_ptr(L, out, pos, src, n);
}

static void lower_fb_append_byte(struct lower *L, ir_reg out, ir_reg pos, ir_reg c)
{
	struct ir *ir = L->ir;
	ir_label full = ir_new_label(ir);
	lower_fb_clamp_pos(L, pos);
	ir_emit_jcc_imm(ir, IR_JGE, pos, L->pl->lim.maxstringlen - 1, full);
	ir_reg dst = ir_new_vreg(ir);
	ir_emit_mov(ir, dst, out);
	ir_emit_alu(ir, IR_ADD, dst, pos);
	ir_emit_store(ir, 1, dst, 0, c);
	ir_emit_alu_imm(ir, IR_ADD, pos, 1);
	ir_bind_label(ir, full);
	lower_fb_launder(L, out, pos);
	lower_fb_clamp_pos(L, pos);
}

void lower_fb_append_imm_byte(struct lower *L, ir_reg out, ir_reg pos, char c)
{
	ir_reg r = ir_new_vreg(L->ir);
	ir_emit_mov_imm(L->ir, r, (unsigned char)c);
	lower_fb_append_byte(L, out, pos, r);
}

void lower_fb_append_literal(struct lower *L, ir_reg out, ir_reg pos, const char *s, uint32_t n)
{
	if (!n)
		return;
	if (n == 1) {
		lower_fb_append_imm_byte(L, out, pos, s[0]);
		return;
	}
	uint32_t off = ir_rodata_add(L->pl->arena, L->pl->rodata, s, n, 1);
	ir_reg src = ir_new_vreg(L->ir), len = ir_new_vreg(L->ir);
	ir_emit_ld_map_value(L->ir, src, L->pl->rodata, off);
	ir_emit_mov_imm(L->ir, len, n);
	lower_fb_append_ptr(L, out, pos, src, len);
}

/* dst = the text out[0..pos) */
void lower_fb_copy_out(struct lower *L, ir_reg out, ir_reg pos, struct smem dst)
{
	struct ir *ir = L->ir;
	lower_fb_clamp_pos(L, pos);
	ir_reg z = ir_new_vreg(ir), q = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, z, 0);
	ir_emit_mov(ir, q, out);
	ir_emit_alu(ir, IR_ADD, q, pos);
	ir_emit_store(ir, 1, q, 0, z);
	lower_zero(L, dst, dst.width);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, lower_addr_arg(L, dst),
		       ir_arg_imm(dst.width), ir_arg_reg(out));
}

void lower_fb_text_out(struct lower *L, ir_reg fb, uint32_t text_off, ir_label fail, struct smem dst)
{
	struct ir *ir = L->ir;
	ir_label done = ir_new_label(ir);
	ir_reg text = ir_new_vreg(ir);
	ir_emit_mov(ir, text, fb);
	ir_emit_alu_imm(ir, IR_ADD, text, text_off);
	lower_zero(L, dst, dst.width);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, lower_addr_arg(L, dst),
		       ir_arg_imm(dst.width), ir_arg_reg(text));
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, fail);
	lower_zero(L, dst, dst.width);
	ir_bind_label(ir, done);
}

/* ------------------------------------------------------------ helpers */

/* Helper `name` of fmt_helpers.bpf.c in this program (imported with what
 * it calls on first use). */
struct ir_func *lower_fb_helper(struct lower *L, const char *name)
{
	struct bpf_plan *pl = L->pl;
	struct lfmt *h = L->fmt;
	if (!h) {
		uint32_t msl = pl->lim.maxstringlen, pow2 = lw_cover_mask(msl) + 1;
		h = L->fmt = arena_new_obj(pl->arena, struct lfmt);
		h->obj = import_open(pl->arena, L->diag, "fmt_helpers.bpf.c", fmt_helpers_obj,
				     fmt_helpers_obj_size);
		h->ext[0] = (struct import_extern){ "ctap_fmt_msl", pl->rodata,
						    ir_rodata_add(pl->arena, pl->rodata, &msl, 4, 4) };
		h->ext[1] = (struct import_extern){ "ctap_fmt_spaces", pl->rodata, lower_fb_fill_src(L, ' ') };
		h->ext[2] = (struct import_extern){ "ctap_fmt_zeros", pl->rodata, lower_fb_fill_src(L, '0') };
		h->ext[3] = (struct import_extern){ "ctap_fmt_msl_pow2", pl->rodata,
						    ir_rodata_add(pl->arena, pl->rodata, &pow2, 4, 4) };
	}
	if (!h->obj) {
		L->failed = true;
		ir_internal(L->ir, "the formatting helpers cannot be imported");
		return NULL;
	}
	return import_func(L->ir, h->obj, name, h->ext, 4);
}

/* pos = lower_fb_helper(fb, pos, v, spec) for fmt_int and fmt_char */
void lower_fb_call_conv(struct lower *L, const char *name, ir_reg fb, ir_reg pos, ir_reg v,
		      ir_reg spec)
{
	struct ir_func *f = lower_fb_helper(L, name);
	if (!f)
		return;
	ir_reg np = ir_new_vreg(L->ir);
	ir_call_func(L->ir, np, f, ir_arg_reg(fb), ir_arg_reg(pos), ir_arg_reg(v), ir_arg_reg(spec));
	ir_emit_mov(L->ir, pos, np);
}

/* ------------------------------------------------------------ sprintf */

/*
 * The shape of a helper that runs as a bpf_loop: begin(fb, arg) has been
 * called; `unit` runs up to `count` times, its context the stack slot
 * holding fb; the result is what end(fb) returns.  The callback's state
 * lives in fmtbuf, so the verifier checks one iteration, not all of them.
 */
static ir_reg helper_loop_run(struct lower *L, ir_reg fb, int16_t slot, struct ir_func *unit,
			      struct ir_arg count, struct ir_func *end)
{
	struct ir *ir = L->ir;
	ir_reg r = ir_new_vreg(ir);
	/* the callback finds fmtbuf through its context: the key's slot,
	 * which now holds the value's address */
	ir_emit_store(ir, 8, IR_FP, slot, fb);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_loop, count, ir_arg_func(unit), ir_arg_stack(slot),
		       ir_arg_imm(0));
	ir_call_func(ir, r, end, ir_arg_reg(fb));
	return r;
}

/* helper_loop_run(), then the NUL-terminated text at fb + text_off
 * becomes dst ("" when the fmtbuf lookup went to `fail`) */
static void helper_loop(struct lower *L, ir_reg fb, int16_t slot, struct ir_func *unit,
			uint32_t count, struct ir_func *end, uint32_t text_off, ir_label fail,
			struct smem dst)
{
	helper_loop_run(L, fb, slot, unit, ir_arg_imm(count), end);
	lower_fb_text_out(L, fb, text_off, fail, dst);
}

/* fmtbuf.in holds the input (what load() put there, or "" when it fails
 * after reporting); escape it with flags into dst */
static bool escape_run(struct lower *L, const struct token *tok, ir_reg outlen, ir_reg flags,
		       struct smem dst,
		       void (*load)(struct lower *L, ir_reg in, void *arg), void *arg)
{
	struct ir *ir = L->ir;
	if (!feature_available(FEATURE_BPF_LOOP))
		return lower_unsupported(L, tok, "text escaping without bpf_loop (kernel before 5.17)");
	struct ir_func *begin = lower_fb_helper(L, "fmt_esc_begin"), *unit = lower_fb_helper(L, "fmt_esc_unit"),
		       *end = lower_fb_helper(L, "fmt_esc_end");
	if (!begin || !unit || !end)
		return false;
	ir_label fail = ir_new_label(ir);
	int16_t slot;
	ir_reg fb = lower_fb_lookup(L, fail, &slot);
	ir_reg in = ir_new_vreg(ir);
	ir_emit_mov(ir, in, fb);
	ir_emit_alu_imm(ir, IR_ADD, in, FMT_HELPERS_IN(L->pl->lim.maxstringlen));
	load(L, in, arg);
	ir_call_func(ir, IR_NOREG, begin, ir_arg_reg(fb), ir_arg_reg(outlen), ir_arg_reg(flags));
	helper_loop(L, fb, slot, unit, L->pl->lim.maxstringlen, end, FB_OUT(L->pl), fail, dst);
	return true;
}

bool lower_argv_text(struct lower *L, const struct token *tok, ir_reg argv, struct smem dst)
{
	struct ir *ir = L->ir;
	uint32_t msl = L->pl->lim.maxstringlen;
	if (!feature_available(FEATURE_BPF_LOOP))
		return lower_unsupported(L, tok, "an argv array's text without bpf_loop (kernel before 5.17)");
	struct ir_func *begin = lower_fb_helper(L, "fmt_argv_begin"),
		       *unit = lower_fb_helper(L, "fmt_argv_unit"), *end = lower_fb_helper(L, "fmt_argv_end");
	if (!begin || !unit || !end)
		return false;
	ir_label fail = ir_new_label(ir);
	int16_t slot;
	ir_reg fb = lower_fb_lookup(L, fail, &slot);
	ir_call_func(ir, IR_NOREG, begin, ir_arg_reg(fb), ir_arg_reg(argv));
	helper_loop(L, fb, slot, unit, ESCAPE_ARGV_MAX + 1, end,
		    FMT_HELPERS_ARGV_OUT(msl), fail, dst);
	return true;
}

/* the input string, zero-padded, into fmtbuf.in */
static void load_string(struct lower *L, ir_reg in, void *arg)
{
	struct smem *s = arg;
	ir_call_helper(L->ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_reg(in),
		       ir_arg_imm(lw_align8(s->width)), ir_arg_reg(lower_addr(L, *s)));
}

bool lower_escape(struct lower *L, const struct token *tok, struct smem s, ir_reg outlen,
		  bool quoted, struct smem dst)
{
	ir_reg flags = ir_new_vreg(L->ir);
	ir_emit_mov_imm(L->ir, flags, quoted ? ESCAPE_F_QUOTED : 0);
	return escape_run(L, tok, outlen, flags, dst, load_string, &s);
}

struct buffer_in {
	const struct token *tok;
	ir_reg addr, n;    /* n already clamped to 1 .. MAXSTRINGLEN-1 */
	bool user;
};

/* n bytes of kernel or user memory into fmtbuf.in; a fault is the string
 * copy error of kernel_string_n / user_string_n */
static void load_buffer(struct lower *L, ir_reg in, void *arg)
{
	struct buffer_in *b = arg;
	struct ir *ir = L->ir;
	ir_reg rc = ir_new_vreg(ir);
	ir_call_helper(ir, rc, b->user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel,
		       ir_arg_reg(in), ir_arg_reg(b->n), ir_arg_reg(b->addr));
	ir_label good = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, rc, 0, good);
	if (b->user)
		lower_raise(L, b->tok, "user string copy fault {err} at {addr} [man error::fault]",
			    ES_ERRNO_ADDR, rc, b->addr, NULL);
	else
		lower_raise(L, b->tok, "kernel string copy fault at {addr} [man error::fault]", ES_ADDR,
			    b->addr, IR_NOREG, NULL);
	ir_bind_label(ir, good);
}

bool lower_escape_buffer(struct lower *L, const struct token *tok, ir_reg addr, ir_reg inlen,
			 ir_reg outlen, bool user, struct smem dst)
{
	struct ir *ir = L->ir;
	int64_t max = (int64_t)L->pl->lim.maxstringlen - 1;
	/* inlen <= 0 or above MAXSTRINGLEN-1: MAXSTRINGLEN-1 */
	ir_label keep = ir_new_label(ir), set = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSLE, inlen, 0, set);
	ir_emit_jcc_imm(ir, IR_JSLE, inlen, max, keep);
	ir_bind_label(ir, set);
	ir_emit_mov_imm(ir, inlen, max);
	ir_bind_label(ir, keep);
	ir_reg flags = ir_new_vreg(ir);
	ir_emit_mov(ir, flags, inlen);
	ir_emit_alu_imm(ir, IR_LSH, flags, 16);
	ir_emit_alu_imm(ir, IR_OR, flags, ESCAPE_F_QUOTED | ESCAPE_F_BUFFER);
	struct buffer_in b = { tok, addr, inlen, user };
	return escape_run(L, tok, outlen, flags, dst, load_buffer, &b);
}

ir_reg lower_argv_count(struct lower *L, const struct token *tok, ir_reg argv, ir_reg max)
{
	struct ir *ir = L->ir;
	if (!feature_available(FEATURE_BPF_LOOP)) {
		lower_unsupported(L, tok, "counting an argv array without bpf_loop (kernel before 5.17)");
		return IR_NOREG;
	}
	struct ir_func *begin = lower_fb_helper(L, "fmt_argv_count_begin"),
		       *unit = lower_fb_helper(L, "fmt_argv_count_unit"),
		       *end = lower_fb_helper(L, "fmt_argv_count_end");
	if (!begin || !unit || !end)
		return IR_NOREG;
	/* max outside 0 .. bpf_loop's limit (1 << 23): the nearest bound */
	ir_label low = ir_new_label(ir), high = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JSGE, max, 0, low);
	ir_emit_mov_imm(ir, max, 0);
	ir_bind_label(ir, low);
	ir_emit_jcc_imm(ir, IR_JSLE, max, 1 << 23, high);
	ir_emit_mov_imm(ir, max, 1 << 23);
	ir_bind_label(ir, high);
	ir_label fail = ir_new_label(ir), done = ir_new_label(ir);
	int16_t slot;
	ir_reg n = ir_new_vreg(ir);
	ir_reg fb = lower_fb_lookup(L, fail, &slot);
	ir_call_func(ir, IR_NOREG, begin, ir_arg_reg(fb), ir_arg_reg(argv));
	ir_emit_mov(ir, n, helper_loop_run(L, fb, slot, unit, ir_arg_reg(max), end));
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, fail);
	ir_emit_mov_imm(ir, n, -1);
	ir_bind_label(ir, done);
	return n;
}

bool lower_wrap_evict(struct lower *L, const struct token *tok, const struct ir_map *map)
{
	struct ir *ir = L->ir;
	/* bpf_for_each_map_elem (5.13) is older than bpf_loop (5.17), and
	 * both need what FEATURE_BPF_LOOP probes: callbacks with program BTF */
	if (!feature_available(FEATURE_BPF_LOOP))
		return lower_unsupported(L, tok, "a full wrap-around (%) array without bpf_for_each_map_elem (kernel before 5.13)");
	struct ir_func *oldest = lower_fb_helper(L, "wrap_oldest"), *evict = lower_fb_helper(L, "wrap_evict");
	if (!oldest || !evict)
		return false;
	int16_t slot = lower_stack(L, 8);
	ir_emit_store_imm(ir, 8, IR_FP, slot, -1);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_for_each_map_elem, ir_arg_map(map), ir_arg_func(oldest),
		       ir_arg_stack(slot), ir_arg_imm(0));
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_for_each_map_elem, ir_arg_map(map), ir_arg_func(evict),
		       ir_arg_stack(slot), ir_arg_imm(0));
	return true;
}
