/*
 * lower_points: the texts of a probe point (pp(), pn(), ppfunc()) in a
 * handler.
 *
 * A handler of one point has them as literals.  The points of one probe
 * on one binary (`process("nginx").function("*")`: 2405 of them) share one
 * handler in their uprobe_multi program when nothing but these texts
 * tells them apart (lower_prog.c), so that the verifier sees the body
 * once instead of once per point; the texts then come from a table in
 * rodata, one zero-padded entry per point, indexed by the attach cookie
 * (the point's index in the program).
 */
#include "bpf/lower_int.h"

#include <string.h>

#include "util/arena.h"

/* ppfunc(): what follows function(" or statement(" in pp(), up to the
 * first @ or " (the tapset's script, run here on the per-probe constant) */
static const char *point_func(const char *pp, size_t *len)
{
	const char *f = strstr(pp, "function(\""), *st;
	if (f)
		f += 10;
	else if ((st = strstr(pp, "statement(\"")))
		f = st + 11;
	if (!f) {
		*len = 0;
		return "";
	}
	*len = strcspn(f, "@\"");
	return f;
}

static const char *point_text(const struct derived_probe *dp, enum point_text which, size_t *len)
{
	const char *s = which == POINT_PP ? dp->pp : which == POINT_PN ? dp->pn : NULL;
	if (which == POINT_FUNC)
		return point_func(dp->pp, len);
	if (!s)
		s = "";
	*len = strlen(s);
	return s;
}

/* the program's table of one text: every point's entry, zero-padded to
 * point_width bytes (the longest text's, NUL included) rounded up to 8 */
static uint32_t point_table(struct lower *L, enum point_text which)
{
	if (L->point_width[which])
		return L->point_table[which];
	const struct kprog *kp = L->kp;
	uint32_t msl = L->pl->lim.maxstringlen, width = 1;
	size_t len;
	vec_foreach(&kp->probes, i) {
		point_text(kp->probes.items[i]->dp, which, &len);
		if (len + 1 > width)
			width = (uint32_t)len + 1;
	}
	if (width > msl)
		width = msl;
	uint32_t n = kp->probes.len, stride = lw_align8(width);
	char *blob = arena_alloc(L->pl->arena, (size_t)n * stride);
	memset(blob, 0, (size_t)n * stride);
	vec_foreach(&kp->probes, i) {
		const char *s = point_text(kp->probes.items[i]->dp, which, &len);
		if (len > width - 1)
			len = width - 1;
		memcpy(blob + (size_t)i * stride, s, len);
	}
	L->point_table[which] = ir_rodata_add(L->pl->arena, L->pl->rodata, blob, n * stride, 8);
	L->point_width[which] = width;
	return L->point_table[which];
}

bool lower_point_text(struct lower *L, enum point_text which, struct lval *out)
{
	if (!L->share_points) {
		size_t len;
		const char *s = point_text(L->bp->dp, which, &len);
		return lower_str_const(L, s, len, out);
	}
	struct ir *ir = L->ir;
	uint32_t off = point_table(L, which), width = L->point_width[which];
	uint32_t n = L->kp->probes.len, stride = lw_align8(width);
	/* the cookie is the point's index: bounded, for the verifier's sake
	 * (and the first entry for a cookie no point has) */
	ir_reg ck = ir_new_vreg(ir), p = ir_new_vreg(ir);
	ir_label in = ir_new_label(ir);
	ir_call_helper(ir, ck, BPF_FUNC_get_attach_cookie, ir_arg_reg(ir_ctx(ir)));
	ir_emit_jcc_imm(ir, IR_JLT, ck, n, in);
	ir_emit_mov_imm(ir, ck, 0);
	ir_bind_label(ir, in);
	ir_emit_alu_imm(ir, IR_MUL, ck, stride);
	ir_emit_ld_map_value(ir, p, L->pl->rodata, off);
	ir_emit_alu(ir, IR_ADD, p, ck);
	struct smem m = lower_mem(L, width, true);
	m.width = width;
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, lower_addr_arg(L, m),
		       ir_arg_imm(stride), ir_arg_reg(p));
	*out = (struct lval){ .kind = LV_STR, .str = m };
	return true;
}
