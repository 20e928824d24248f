/*
 * lower_str: strings in kernel-side handlers, and printing.
 *
 * Every buffer is zero-padded past its NUL (lower_int.h), so copies move
 * whole words, equality and ordering compare words (big-endian for order:
 * the first differing byte decides, and a shorter string's NUL sorts
 * first), and the kernel's probe_read_kernel_str doubles as strlcpy and
 * strlen.  Prints become ring-buffer records formatted in user space
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

void lower_str_concat(struct lower *L, struct smem dst, struct smem a, struct smem b)
{
	struct ir *ir = L->ir;
	bool in_place = dst.base == a.base && dst.off == a.off;
	if (!in_place)
		lower_zero(L, dst, dst.width);
	uint32_t first = a.width < dst.width ? a.width : dst.width;
	ir_reg n = read_str(L, lower_addr_arg(L, dst), first, lower_addr(L, a));
	/* b goes at dst + n - 1, at most dst.width - (n - 1) bytes with its NUL */
	ir_reg off = ir_new_vreg(ir), rem = ir_new_vreg(ir), p = lower_addr(L, dst);
	ir_emit_mov(ir, off, n);
	ir_emit_alu_imm(ir, IR_SUB, off, 1);
	ir_emit_alu(ir, IR_ADD, p, off);
	ir_emit_mov_imm(ir, rem, dst.width);
	ir_emit_alu(ir, IR_SUB, rem, off);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel_str, ir_arg_reg(p), ir_arg_reg(rem),
		       ir_arg_reg(lower_addr(L, b)));
}

/* ------------------------------------------------------------ evaluation */

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
		ok = lower_assign(L, e, &v, true) && lval_str(&v, out);
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
	case EXPR_PRINT:
		ok = lower_sprint(L, e, dst);
		break;
	case EXPR_CALL:
		/* execname() straight into its destination (hash keys, records) */
		if (e->u.call.decl->bpf_builtin && !strcmp(e->u.call.decl->bpf_builtin, "execname") &&
		    dst.width >= 16) {
			ir_call_helper(L->ir, IR_NOREG, BPF_FUNC_get_current_comm, lower_addr_arg(L, dst),
				       ir_arg_imm(16));
			if (lw_align8(dst.width) > 16)
				lower_zero(L, (struct smem){ dst.base, dst.off + 16, dst.width - 16 },
					   lw_align8(dst.width) - 16);
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

/* Evaluates args into a record payload after its header. */
static bool record_args(struct lower *L, struct psite *ps, expr_vec *args, struct smem rec)
{
	struct ir *ir = L->ir;
	for (uint32_t i = 0; i < ps->nargs; i++) {
		struct expr *a = args->items[i];
		struct psite_arg *pa = &ps->args[i];
		if (pa->type == TYPE_STRING) {
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

static void layout_args(struct lower *L, struct psite *ps, expr_vec *args)
{
	uint32_t off = 0;
	for (uint32_t i = 0; i < ps->nargs; i++) {
		struct expr *a = args->items[i];
		struct psite_arg *pa = &ps->args[i];
		pa->type = a->type == TYPE_STRING ? TYPE_STRING : TYPE_LONG;
		pa->off = off;
		pa->width = pa->type == TYPE_STRING ? plan_width(L->pl, a) : 8;
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

static bool args_emit(expr_vec *args)
{
	struct emits_scan es = { 0 };
	es.w.expr_pre = emits_expr;
	es.w.data = &es;
	for (uint32_t i = 0; i < args->len && !es.found; i++)
		if (args->items[i])
			ast_walk_expr(&es.w, args->items[i]);
	return es.found;
}

/* kind/site record with the arguments of ps laid out after the header */
static bool emit_args_record(struct lower *L, uint32_t kind, struct psite *ps, expr_vec *args)
{
	uint32_t site = L->t->psites.len - 1;
	if (!args_emit(args)) {
		struct smem rec = lower_rec_open(L, kind, site, ps->size);
		if (!record_args(L, ps, args, rec))
			return false;
		lower_rec_close(L, rec);
		return true;
	}
	/* arguments first, into temporaries */
	struct lval *vals = arena_alloc(L->pl->arena, sizeof(*vals) * (ps->nargs + 1));
	for (uint32_t i = 0; i < ps->nargs; i++) {
		struct expr *a = args->items[i];
		bool ok = true;
		if (ps->args[i].type == TYPE_STRING) {
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
		if (vals[i].kind == LV_STR)
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
	layout_args(L, ps, &pf->args);
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
	layout_args(L, ps, keys);
	return emit_args_record(L, RTR_HIST, ps, keys);
}

/* ------------------------------------------------------------ sprintf */

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
