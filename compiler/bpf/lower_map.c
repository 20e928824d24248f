/*
 * lower_map: globals, arrays and statistics in kernel-side handlers.
 *
 * Scalars live in the globals map value (direct access, no helper call);
 * `x++`/`x += v` on a global long is one atomic add.  Array elements are
 * hash-map values { seq; value }: a store into a missing element creates
 * it with the next insertion sequence number (BPF_NOEXIST, so two CPUs
 * racing create it once), a full map is SystemTap's "Array overflow"
 * error, or for a wrap-around (`%`) array the deletion of its oldest
 * element (the smallest sequence) and a second try.  `a[k]++` on an
 * existing element is a lookup and an atomic add.
 * Statistics are per-CPU accumulators laid out as runtime/common's
 * struct stats_acc, updated as stats_add() does; extractors sum the CPUs
 * with bpf_map_lookup_percpu_elem.
 */
#include "bpf/lower_int.h"

#include <errno.h>
#include <string.h>

#include "bpf/feature.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

/* stats_acc field offsets (common/stats.h) */
#define ACC_COUNT 0
#define ACC_SUM 8
#define ACC_MIN 16
#define ACC_MAX 24
#define ACC_AVG 32
#define ACC_M2 40
#define ACC_BUCKETS 48

static ir_reg vreg(struct lower *L)
{
	return ir_new_vreg(L->ir);
}

/* ------------------------------------------------------------ scalars */

bool lower_global_read(struct lower *L, struct expr *e, struct lval *out)
{
	struct bvar *v = plan_var(e->u.sym.decl);
	ir_reg h = lower_head(L);
	switch (v->kind) {
	case BV_LONG: {
		ir_reg r = vreg(L);
		ir_emit_load(L->ir, 8, r, h, (int16_t)v->off);
		*out = (struct lval){ .kind = LV_REG, .reg = r };
		return true;
	}
	case BV_STRING:
		*out = (struct lval){ .kind = LV_STR, .str = { h, (int32_t)v->off, v->width } };
		return true;
	default:
		return lower_unsupported(L, e->tok, "this use of an array or statistics variable");
	}
}

/* ------------------------------------------------------------ keys */

/* The packed key of an array access; strings that cannot fit their column
 * jump to `absent` (no element can have them). */
static bool build_key_(struct lower *L, const struct bvar *av, expr_vec *keys, struct smem *key,
		       ir_label absent, bool *used);

/* Binds `absent` right away when nothing can jump there, so that callers
 * emit its code only when reachable (the verifier refuses dead code). */
static bool build_key(struct lower *L, const struct bvar *av, expr_vec *keys, struct smem *key,
		      ir_label absent)
{
	bool used = false;
	bool ok = build_key_(L, av, keys, key, absent, &used);
	if (!used)
		L->dead_absent = absent;
	return ok;
}

/* Emits the code of a key-does-not-fit path: only if something jumps there. */
static bool absent_reachable(struct lower *L, ir_label absent)
{
	return L->dead_absent != absent;
}

static bool build_key_(struct lower *L, const struct bvar *av, expr_vec *keys, struct smem *key,
		       ir_label absent, bool *used)
{
	struct ir *ir = L->ir;
	*key = lower_mem(L, av->key_size, true);
	key->width = av->key_size;
	lower_zero(L, *key, av->key_size);
	for (uint32_t i = 0; i < av->nkeys; i++) {
		struct expr *k = keys->items[i];
		int32_t off = key->off + (int32_t)av->koff[i];
		if (av->ktype[i] == TYPE_STRING) {
			if (lower_ustack_arg_op(k))
				return lower_ustack_unkeyable(L, k);
			uint32_t kw = av->kwidth[i];
			if (plan_width(L->pl, k) <= kw) {
				/* fits: evaluate straight into the key */
				if (!lower_str_into(L, k, (struct smem){ key->base, off, kw }))
					return false;
				continue;
			}
			struct smem s;
			if (!lower_str(L, k, &s))
				return false;
			if (s.width > kw) {
				ir_reg b = vreg(L);
				ir_emit_load(ir, 1, b, s.base, (int16_t)(s.off + (int32_t)kw - 1));
				ir_emit_jcc_imm(ir, IR_JNE, b, 0, absent);
				*used = true;
				s.width = kw;
			}
			struct smem dst = { key->base, off, kw };
			ir_reg t = vreg(L);
			uint32_t n = lw_align8(s.width);
			if (n > 64) {
				lower_str_copy(L, dst, s);
			} else {
				for (uint32_t w = 0; w < n; w += 8) {
					ir_emit_load(ir, 8, t, s.base, (int16_t)(s.off + (int32_t)w));
					ir_emit_store(ir, 8, dst.base, (int16_t)(off + (int32_t)w), t);
				}
			}
		} else {
			ir_reg v;
			if (!lower_long(L, k, &v))
				return false;
			ir_emit_store(ir, 8, key->base, (int16_t)off, v);
		}
	}
	return true;
}

static ir_reg lookup(struct lower *L, const struct bvar *av, struct smem key)
{
	ir_reg p = vreg(L);
	ir_call_helper(L->ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(av->map),
		       lower_addr_arg(L, key));
	return p;
}

static void overflow(struct lower *L, const struct bvar *av, const struct token *tok)
{
	const char *msg = av->sized ? arena_printf(L->pl->arena,
						   "Array overflow, check size limit (%u)", av->capacity)
				    : "Array overflow, check MAXMAPENTRIES";
	lower_raise(L, tok, msg, ES_NONE, IR_NOREG, IR_NOREG, NULL);
}

/*
 * r = the int a map operation returned, sign-extended: the verifier may
 * turn the helper call into a direct call of the map's int-returning
 * update, and on 6.1 the upper half of r0 is then zero (-E2BIG read as
 * 4294967289).
 */
static void map_result(struct lower *L, ir_reg r)
{
	ir_emit_alu_imm(L->ir, IR_LSH, r, 32);
	ir_emit_alu_imm(L->ir, IR_ARSH, r, 32);
}

/* Inserts key -> val unless the key exists; jumps to `again` when the
 * element is there afterwards, else falls through with the error in the
 * returned register. */
static ir_reg insert_new(struct lower *L, const struct bvar *av, struct smem key, struct smem val,
			 ir_label again)
{
	struct ir *ir = L->ir;
	ir_reg r = vreg(L);
	ir_call_helper(ir, r, BPF_FUNC_map_update_elem, ir_arg_map(av->map), lower_addr_arg(L, key),
		       lower_addr_arg(L, val), ir_arg_imm(BPF_NOEXIST));
	map_result(L, r);
	ir_emit_jcc_imm(ir, IR_JEQ, r, 0, again);
	ir_emit_jcc_imm(ir, IR_JEQ, r, -EEXIST, again);
	return r;
}

/*
 * Creates the element (value zero, or `init` stored by the callback) with
 * the next sequence number unless it exists.  Jumps to `created` when the
 * new element already holds the right value, falls through to `again`
 * (look it up) otherwise.
 */
static void create_elem(struct lower *L, const struct bvar *av, struct smem key,
			const struct token *tok, ir_label again)
{
	struct ir *ir = L->ir;
	struct smem val = lower_mem(L, av->value_size, av->value_size <= 64);
	lower_zero(L, val, av->value_size);
	ir_reg h = lower_head(L), seq = vreg(L);
	ir_emit_mov_imm(ir, seq, 1);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, h, RT_OFF_SEQ, seq, true);
	ir_emit_alu_imm(ir, IR_ADD, seq, 1);
	ir_emit_store(ir, 8, val.base, (int16_t)val.off, seq);
	ir_reg r = insert_new(L, av, key, val, again);
	if (av->wrap && !av->percpu) {
		/* full: the oldest element makes room (SystemTap's wrap-around;
		 * an LRU map evicts approximately, and on 6.1 whole batches) */
		ir_label full = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JNE, r, -E2BIG, full);
		if (lower_wrap_evict(L, tok, av->map))
			insert_new(L, av, key, val, again);
		ir_bind_label(ir, full);
	}
	overflow(L, av, tok);
}

/* p = &element (created if missing); jumps to `skip` if it vanished. */
static ir_reg elem_ref(struct lower *L, const struct bvar *av, struct smem key,
		       const struct token *tok, ir_label skip)
{
	struct ir *ir = L->ir;
	ir_label have = ir_new_label(ir), again = ir_new_label(ir);
	ir_reg p = lookup(L, av, key);
	ir_emit_jcc_imm(ir, IR_JNE, p, 0, have);
	create_elem(L, av, key, tok, again);
	ir_bind_label(ir, again);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(av->map), lower_addr_arg(L, key));
	ir_emit_jcc_imm(ir, IR_JEQ, p, 0, skip);
	ir_bind_label(ir, have);
	return p;
}

bool lower_index_read(struct lower *L, struct expr *e, struct lval *out)
{
	struct ir *ir = L->ir;
	struct expr *base = e->u.index.base;
	if (base->kind != EXPR_SYMBOL)
		return lower_unsupported(L, e->tok, "indexing a histogram");
	const struct bvar *av = plan_var(base->u.sym.decl);
	if (av->type == TYPE_STATS)
		return lower_unsupported(L, e->tok, "this use of a statistics array");
	ir_label absent = ir_new_label(ir), done = ir_new_label(ir);
	struct smem key;
	if (av->type == TYPE_STRING) {
		struct smem t = lower_mem(L, av->width, true);
		t.width = av->width;
		lower_zero(L, t, av->width);
		if (!build_key(L, av, &e->u.index.keys, &key, absent))
			return false;
		ir_reg p = lookup(L, av, key);
		ir_emit_jcc_imm(ir, IR_JEQ, p, 0, absent);
		lower_str_copy(L, t, (struct smem){ p, BV_VALUE_OFF, av->width });
		ir_bind_label(ir, absent);
		*out = (struct lval){ .kind = LV_STR, .str = t };
		return true;
	}
	ir_reg r = vreg(L);
	ir_emit_mov_imm(ir, r, 0);
	if (!build_key(L, av, &e->u.index.keys, &key, done))
		return false;
	ir_reg p = lookup(L, av, key);
	ir_emit_jcc_imm(ir, IR_JEQ, p, 0, done);
	ir_emit_load(ir, 8, r, p, BV_VALUE_OFF);
	ir_bind_label(ir, done);
	ir_bind_label(ir, absent);
	*out = (struct lval){ .kind = LV_REG, .reg = r };
	return true;
}

bool lower_in(struct lower *L, struct expr *e, ir_reg *out)
{
	struct ir *ir = L->ir;
	struct expr *arr = e->u.in.array;
	if (arr->kind != EXPR_SYMBOL)
		return lower_unsupported(L, e->tok, "membership in a histogram");
	const struct bvar *av = plan_var(arr->u.sym.decl);
	for (uint32_t i = 0; i < e->u.in.keys.len; i++)
		if (!e->u.in.keys.items[i])
			return lower_unsupported(L, e->tok, "a wildcard membership test ([*] in)");
	ir_reg r = vreg(L);
	ir_label done = ir_new_label(ir);
	ir_emit_mov_imm(ir, r, 0);
	struct smem key;
	if (!build_key(L, av, &e->u.in.keys, &key, done))
		return false;
	ir_reg p = lookup(L, av, key);
	ir_emit_jcc_imm(ir, IR_JEQ, p, 0, done);
	ir_emit_mov_imm(ir, r, 1);
	ir_bind_label(ir, done);
	*out = r;
	return true;
}

bool lower_delete(struct lower *L, struct stmt *s)
{
	struct ir *ir = L->ir;
	struct expr *t = s->u.del.target;
	if (t->kind == EXPR_SYMBOL) {
		struct bvar *v = plan_var(t->u.sym.decl);
		ir_reg h;
		switch (v->kind) {
		case BV_LOCAL: {
			struct lslot *sl = lower_local(L, t->u.sym.decl);
			if (sl->is_str)
				lower_zero(L, sl->str, sl->str.width);
			else
				ir_emit_mov_imm(ir, sl->reg, 0);
			return true;
		}
		case BV_LONG:
			h = lower_head(L);
			ir_emit_store_imm(ir, 8, h, (int16_t)v->off, 0);
			return true;
		case BV_STRING:
			h = lower_head(L);
			lower_zero(L, (struct smem){ h, (int32_t)v->off, v->width }, v->width);
			return true;
		default:
			return lower_unsupported(L, s->tok, "deleting a whole array or statistics "
						 "variable (do it in an end or timer probe)");
		}
	}
	if (t->kind != EXPR_INDEX || t->u.index.base->kind != EXPR_SYMBOL)
		return lower_unsupported(L, s->tok, "this delete");
	const struct bvar *av = plan_var(t->u.index.base->u.sym.decl);
	for (uint32_t i = 0; i < t->u.index.keys.len; i++)
		if (!t->u.index.keys.items[i])
			return lower_unsupported(L, s->tok, "delete with a wildcard ([*])");
	ir_label absent = ir_new_label(ir);
	struct smem key;
	if (!build_key(L, av, &t->u.index.keys, &key, absent))
		return false;
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_map_delete_elem, ir_arg_map(av->map),
		       lower_addr_arg(L, key));
	ir_bind_label(ir, absent);
	return true;
}

/* ------------------------------------------------------------ statistics */

static void sdiv_nonzero(struct lower *L, ir_reg a, ir_reg b)
{
	struct ir *ir = L->ir;
	if (feature_available(FEATURE_SDIV)) {
		ir_emit_alu(ir, IR_SDIV, a, b);
		return;
	}
	ir_reg sa = vreg(L), sb = vreg(L), ub = vreg(L);
	ir_emit_mov(ir, sa, a);
	ir_emit_alu_imm(ir, IR_ARSH, sa, 63);
	ir_emit_mov(ir, sb, b);
	ir_emit_alu_imm(ir, IR_ARSH, sb, 63);
	ir_emit_alu(ir, IR_XOR, a, sa);
	ir_emit_alu(ir, IR_SUB, a, sa);
	ir_emit_mov(ir, ub, b);
	ir_emit_alu(ir, IR_XOR, ub, sb);
	ir_emit_alu(ir, IR_SUB, ub, sb);
	ir_emit_alu(ir, IR_DIV, a, ub);
	ir_emit_alu(ir, IR_XOR, sa, sb);
	ir_emit_alu(ir, IR_XOR, a, sa);
	ir_emit_alu(ir, IR_SUB, a, sa);
}

/* bit length of the unsigned value x (0..64), into x itself */
static void bitlength(struct lower *L, ir_reg x)
{
	struct ir *ir = L->ir;
	ir_reg n = vreg(L), t = vreg(L);
	ir_emit_mov_imm(ir, n, 0);
	static const int steps[] = { 32, 16, 8, 4, 2, 1 };
	for (int i = 0; i < 6; i++) {
		ir_label skip = ir_new_label(ir);
		ir_emit_mov(ir, t, x);
		ir_emit_alu_imm(ir, IR_RSH, t, steps[i]);
		ir_emit_jcc_imm(ir, IR_JEQ, t, 0, skip);
		ir_emit_alu_imm(ir, IR_ADD, n, steps[i]);
		ir_emit_mov(ir, x, t);
		ir_bind_label(ir, skip);
	}
	ir_emit_alu(ir, IR_ADD, n, x);
	ir_emit_mov(ir, x, n);
}

static void bucket_index(struct lower *L, const struct stats_desc *d, ir_reg v, ir_reg idx)
{
	struct ir *ir = L->ir;
	ir_label done = ir_new_label(ir);
	if (d->hist == STATS_HIST_LOG) {
		ir_label neg = ir_new_label(ir);
		ir_emit_mov_imm(ir, idx, STATS_LOG_ZERO);
		ir_emit_jcc_imm(ir, IR_JEQ, v, 0, done);
		ir_reg x = vreg(L);
		ir_emit_mov(ir, x, v);
		ir_emit_jcc_imm(ir, IR_JSLT, v, 0, neg);
		bitlength(L, x);
		ir_emit_alu(ir, IR_ADD, idx, x);
		ir_emit_jmp(ir, done);
		ir_bind_label(ir, neg);
		ir_emit_neg(ir, x);
		bitlength(L, x);
		ir_emit_alu(ir, IR_SUB, idx, x);
	} else {
		uint32_t interior = d->nbuckets - 2;
		ir_emit_mov_imm(ir, idx, 0);
		ir_emit_jcc_imm(ir, IR_JSLT, v, d->start, done);
		ir_emit_mov(ir, idx, v);
		ir_emit_alu_imm(ir, IR_SUB, idx, d->start);
		if (d->interval > 1) {
			ir_reg iv = vreg(L);
			ir_emit_mov_imm(ir, iv, d->interval);
			ir_emit_alu(ir, IR_DIV, idx, iv);
		}
		ir_label in = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JLT, idx, interior, in);
		ir_emit_mov_imm(ir, idx, interior);
		ir_bind_label(ir, in);
		ir_emit_alu_imm(ir, IR_ADD, idx, 1);
	}
	ir_bind_label(ir, done);
	/* bounded for the verifier */
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JLE, idx, d->nbuckets - 1, ok);
	ir_emit_mov_imm(ir, idx, d->nbuckets - 1);
	ir_bind_label(ir, ok);
}

/* stats_add(desc, (acc at p + off), v), as runtime/common does it */
static void emit_stats_add(struct lower *L, const struct stats_desc *d, ir_reg p, int32_t off, ir_reg v)
{
	struct ir *ir = L->ir;
	ir_reg c = vreg(L), t = vreg(L);
	ir_emit_load(ir, 8, c, p, (int16_t)(off + ACC_COUNT));
	ir_emit_alu_imm(ir, IR_ADD, c, 1);
	ir_emit_store(ir, 8, p, (int16_t)(off + ACC_COUNT), c);
	ir_emit_load(ir, 8, t, p, (int16_t)(off + ACC_SUM));
	ir_emit_alu(ir, IR_ADD, t, v);
	ir_emit_store(ir, 8, p, (int16_t)(off + ACC_SUM), t);
	ir_label later = ir_new_label(ir), nomin = ir_new_label(ir), nomax = ir_new_label(ir),
		 mm_done = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JNE, c, 1, later);
	ir_emit_store(ir, 8, p, (int16_t)(off + ACC_MIN), v);
	ir_emit_store(ir, 8, p, (int16_t)(off + ACC_MAX), v);
	ir_emit_jmp(ir, mm_done);
	ir_bind_label(ir, later);
	ir_emit_load(ir, 8, t, p, (int16_t)(off + ACC_MIN));
	ir_emit_jcc(ir, IR_JSGE, v, t, nomin);
	ir_emit_store(ir, 8, p, (int16_t)(off + ACC_MIN), v);
	ir_bind_label(ir, nomin);
	ir_emit_load(ir, 8, t, p, (int16_t)(off + ACC_MAX));
	ir_emit_jcc(ir, IR_JSLE, v, t, nomax);
	ir_emit_store(ir, 8, p, (int16_t)(off + ACC_MAX), v);
	ir_bind_label(ir, nomax);
	ir_bind_label(ir, mm_done);
	if (d->want & STATS_WANT_VARIANCE) {
		ir_reg vs = vreg(L), a = vreg(L), dl = vreg(L);
		ir_label upd = ir_new_label(ir), vdone = ir_new_label(ir);
		ir_emit_mov(ir, vs, v);
		ir_emit_alu_imm(ir, IR_LSH, vs, d->shift);
		ir_emit_jcc_imm(ir, IR_JNE, c, 1, upd);
		ir_emit_store(ir, 8, p, (int16_t)(off + ACC_AVG), vs);
		ir_emit_store_imm(ir, 8, p, (int16_t)(off + ACC_M2), 0);
		ir_emit_jmp(ir, vdone);
		ir_bind_label(ir, upd);
		ir_emit_load(ir, 8, a, p, (int16_t)(off + ACC_AVG));
		ir_emit_mov(ir, dl, vs);
		ir_emit_alu(ir, IR_SUB, dl, a);
		ir_emit_mov(ir, t, dl);
		sdiv_nonzero(L, t, c);
		ir_emit_alu(ir, IR_ADD, a, t);
		ir_emit_store(ir, 8, p, (int16_t)(off + ACC_AVG), a);
		ir_emit_alu(ir, IR_SUB, vs, a);
		ir_emit_alu(ir, IR_MUL, vs, dl);
		ir_emit_load(ir, 8, t, p, (int16_t)(off + ACC_M2));
		ir_emit_alu(ir, IR_ADD, t, vs);
		ir_emit_store(ir, 8, p, (int16_t)(off + ACC_M2), t);
		ir_bind_label(ir, vdone);
	}
	if (d->nbuckets) {
		ir_reg idx = vreg(L), q = vreg(L);
		bucket_index(L, d, v, idx);
		ir_emit_alu_imm(ir, IR_LSH, idx, 3);
		ir_emit_mov(ir, q, p);
		ir_emit_alu(ir, IR_ADD, q, idx);
		ir_emit_load(ir, 8, t, q, (int16_t)(off + ACC_BUCKETS));
		ir_emit_alu_imm(ir, IR_ADD, t, 1);
		ir_emit_store(ir, 8, q, (int16_t)(off + ACC_BUCKETS), t);
	}
}

static bool stats_sample(struct lower *L, struct expr *e, struct lval *out, bool want)
{
	struct ir *ir = L->ir;
	struct expr *lhs = e->u.assign.lhs;
	ir_reg v;
	bool ok;
	v = lower_long_tmp(L, e->u.assign.rhs, &ok);
	if (!ok)
		return false;
	ir_label skip = ir_new_label(ir);
	if (lhs->kind == EXPR_SYMBOL) {
		const struct bvar *sv = plan_var(lhs->u.sym.decl);
		struct smem key = { IR_FP, lower_stack(L, 8), 8 };
		ir_emit_store_imm(ir, 8, IR_FP, (int16_t)key.off, 0);
		ir_reg p = vreg(L);
		ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(L->pl->smap),
			       lower_addr_arg(L, key));
		ir_emit_jcc_imm(ir, IR_JEQ, p, 0, skip);
		emit_stats_add(L, &sv->sdesc, p, (int32_t)sv->off, v);
	} else {
		const struct bvar *av = plan_var(lhs->u.index.base->u.sym.decl);
		struct smem key;
		ir_label absent = ir_new_label(ir);
		if (!build_key(L, av, &lhs->u.index.keys, &key, absent))
			return false;
		ir_reg p = elem_ref(L, av, key, lhs->u.index.base->tok, skip);
		emit_stats_add(L, &av->sdesc, p, BV_VALUE_OFF, v);
		if (absent_reachable(L, absent)) {
			ir_emit_jmp(ir, skip);
			ir_bind_label(ir, absent);
			overflow(L, av, lhs->u.index.base->tok);
		}
	}
	ir_bind_label(ir, skip);
	(void)want;
	*out = (struct lval){ .kind = LV_REG, .reg = v };
	return true;
}

/* Sums the per-CPU accumulators of a statistics variable or element. */
bool lower_stat(struct lower *L, struct expr *e, ir_reg *out)
{
	struct ir *ir = L->ir;
	enum stat_op op = e->u.stat.op;
	if (op == STAT_VARIANCE)
		return lower_unsupported(L, e->tok, "@variance");
	struct expr *operand = e->u.stat.operand;
	const struct bvar *v;
	struct smem key;
	struct ir_map *map;
	int32_t off;
	ir_label absent = ir_new_label(ir);
	if (operand->kind == EXPR_INDEX) {
		v = plan_var(operand->u.index.base->u.sym.decl);
		if (!build_key(L, v, &operand->u.index.keys, &key, absent))
			return false;
		map = v->map;
		off = BV_VALUE_OFF;
	} else {
		v = plan_var(operand->u.sym.decl);
		key = (struct smem){ IR_FP, lower_stack(L, 8), 8 };
		ir_emit_store_imm(ir, 8, IR_FP, (int16_t)key.off, 0);
		map = L->pl->smap;
		off = (int32_t)v->off;
	}
	ir_reg cnt = vreg(L), sum = vreg(L), mn = vreg(L), mx = vreg(L), t = vreg(L);
	ir_emit_mov_imm(ir, cnt, 0);
	ir_emit_mov_imm(ir, sum, 0);
	ir_emit_mov_imm(ir, mn, 0);
	ir_emit_mov_imm(ir, mx, 0);
	for (int cpu = 0; cpu < L->pl->ncpus && cpu < 512; cpu++) {
		ir_label next = ir_new_label(ir), first = ir_new_label(ir), fold = ir_new_label(ir),
			 m1 = ir_new_label(ir), m2 = ir_new_label(ir);
		ir_reg p = vreg(L), c = vreg(L);
		ir_call_helper(ir, p, BPF_FUNC_map_lookup_percpu_elem, ir_arg_map(map),
			       lower_addr_arg(L, key), ir_arg_imm(cpu));
		ir_emit_jcc_imm(ir, IR_JEQ, p, 0, next);
		ir_emit_load(ir, 8, c, p, (int16_t)(off + ACC_COUNT));
		ir_emit_jcc_imm(ir, IR_JSLE, c, 0, next);
		ir_emit_load(ir, 8, t, p, (int16_t)(off + ACC_SUM));
		ir_emit_alu(ir, IR_ADD, sum, t);
		ir_emit_jcc_imm(ir, IR_JNE, cnt, 0, fold);
		ir_bind_label(ir, first);
		ir_emit_load(ir, 8, mn, p, (int16_t)(off + ACC_MIN));
		ir_emit_load(ir, 8, mx, p, (int16_t)(off + ACC_MAX));
		ir_emit_alu(ir, IR_ADD, cnt, c);
		ir_emit_jmp(ir, next);
		ir_bind_label(ir, fold);
		ir_emit_alu(ir, IR_ADD, cnt, c);
		ir_emit_load(ir, 8, t, p, (int16_t)(off + ACC_MIN));
		ir_emit_jcc(ir, IR_JSGE, t, mn, m1);
		ir_emit_mov(ir, mn, t);
		ir_bind_label(ir, m1);
		ir_emit_load(ir, 8, t, p, (int16_t)(off + ACC_MAX));
		ir_emit_jcc(ir, IR_JSLE, t, mx, m2);
		ir_emit_mov(ir, mx, t);
		ir_bind_label(ir, m2);
		ir_bind_label(ir, next);
	}
	ir_bind_label(ir, absent);
	ir_reg r = vreg(L);
	switch (op) {
	case STAT_COUNT:
		ir_emit_mov(ir, r, cnt);
		break;
	case STAT_SUM:
		ir_emit_mov(ir, r, sum);
		break;
	default: {
		ir_label nonempty = ir_new_label(ir);
		ir_emit_jcc_imm(ir, IR_JNE, cnt, 0, nonempty);
		lower_raise(L, e->tok, "empty aggregate", ES_NONE, IR_NOREG, IR_NOREG, NULL);
		ir_bind_label(ir, nonempty);
		if (op == STAT_MIN)
			ir_emit_mov(ir, r, mn);
		else if (op == STAT_MAX)
			ir_emit_mov(ir, r, mx);
		else {
			ir_emit_mov(ir, r, sum);
			sdiv_nonzero(L, r, cnt);
		}
		break;
	}
	}
	*out = r;
	return true;
}

/* ------------------------------------------------------------ assignment */

bool lower_binop_apply(struct lower *L, enum assign_op op, ir_reg dst, ir_reg src,
		       const struct token *tok);

static bool assign_local(struct lower *L, struct expr *e, struct lval *out)
{
	struct ir *ir = L->ir;
	struct lslot *sl = lower_local(L, e->u.assign.lhs->u.sym.decl);
	enum assign_op op = e->u.assign.op;
	if (sl->is_str) {
		if (op == ASSIGN_SET) {
			if (!lower_str_into(L, e->u.assign.rhs, sl->str))
				return false;
		} else {
			struct smem b = lower_mem(L, plan_width(L->pl, e->u.assign.rhs), true);
			b.width = plan_width(L->pl, e->u.assign.rhs);
			if (!lower_str_into(L, e->u.assign.rhs, b))
				return false;
			lower_str_concat(L, sl->str, sl->str, b);
		}
		*out = (struct lval){ .kind = LV_STR, .str = sl->str };
		return true;
	}
	ir_reg v;
	if (!lower_long(L, e->u.assign.rhs, &v))
		return false;
	if (op == ASSIGN_SET) {
		ir_emit_mov(ir, sl->reg, v);
	} else {
		ir_reg t = vreg(L);
		ir_emit_mov(ir, t, sl->reg);
		if (!lower_binop_apply(L, op, t, v, e->tok))
			return false;
		ir_emit_mov(ir, sl->reg, t);
	}
	ir_reg r = vreg(L);
	ir_emit_mov(ir, r, sl->reg);
	*out = (struct lval){ .kind = LV_REG, .reg = r };
	return true;
}

static bool assign_global(struct lower *L, struct expr *e, struct lval *out, bool want)
{
	struct ir *ir = L->ir;
	struct bvar *gv = plan_var(e->u.assign.lhs->u.sym.decl);
	enum assign_op op = e->u.assign.op;
	if (gv->kind == BV_STRING) {
		uint32_t w = plan_width(L->pl, e->u.assign.rhs);
		struct smem t = lower_mem(L, w, true);
		t.width = w;
		if (!lower_str_into(L, e->u.assign.rhs, t))
			return false;
		ir_reg h = lower_head(L);
		struct smem g = { h, (int32_t)gv->off, gv->width };
		if (op == ASSIGN_SET)
			lower_str_copy(L, g, t);
		else
			lower_str_concat(L, g, g, t);
		*out = (struct lval){ .kind = LV_STR, .str = g };
		return true;
	}
	if (gv->kind != BV_LONG)
		return lower_unsupported(L, e->tok, "this assignment");
	bool ok;
	ir_reg v = lower_long_tmp(L, e->u.assign.rhs, &ok);
	if (!ok)
		return false;
	ir_reg h = lower_head(L);
	if (op == ASSIGN_SET) {
		ir_emit_store(ir, 8, h, (int16_t)gv->off, v);
	} else if (op == ASSIGN_ADD || op == ASSIGN_SUB) {
		if (op == ASSIGN_SUB)
			ir_emit_neg(ir, v);
		ir_reg d = vreg(L);
		ir_emit_mov(ir, d, v);
		ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, h, (int16_t)gv->off, v, want);
		if (want)
			ir_emit_alu(ir, IR_ADD, v, d);
	} else {
		ir_reg t = vreg(L);
		ir_emit_load(ir, 8, t, h, (int16_t)gv->off);
		if (!lower_binop_apply(L, op, t, v, e->tok))
			return false;
		ir_emit_store(ir, 8, h, (int16_t)gv->off, t);
		v = t;
	}
	*out = (struct lval){ .kind = LV_REG, .reg = v };
	return true;
}

static bool assign_elem(struct lower *L, struct expr *e, struct lval *out, bool want)
{
	struct ir *ir = L->ir;
	struct expr *lhs = e->u.assign.lhs;
	const struct bvar *av = plan_var(lhs->u.index.base->u.sym.decl);
	const struct token *atok = lhs->u.index.base->tok;
	enum assign_op op = e->u.assign.op;
	ir_label done = ir_new_label(ir), absent = ir_new_label(ir);
	struct smem sval = { 0 };
	ir_reg v = IR_NOREG;
	bool ok;
	/* the value first (SystemTap evaluates the index, then the value; only
	 * side effects could tell, and the key uses only its own temporaries) */
	if (av->type == TYPE_STRING) {
		uint32_t w = plan_width(L->pl, e->u.assign.rhs);
		sval = lower_mem(L, w, true);
		sval.width = w;
		if (!lower_str_into(L, e->u.assign.rhs, sval))
			return false;
	} else {
		v = lower_long_tmp(L, e->u.assign.rhs, &ok);
		if (!ok)
			return false;
	}
	ir_reg t = vreg(L);
	ir_emit_mov_imm(ir, t, 0);
	struct smem key;
	if (!build_key(L, av, &lhs->u.index.keys, &key, absent))
		return false;
	ir_reg p = elem_ref(L, av, key, atok, done);
	if (av->type == TYPE_STRING) {
		struct smem dst = { p, BV_VALUE_OFF, av->width };
		if (op == ASSIGN_SET)
			lower_str_copy(L, dst, sval);
		else
			lower_str_concat(L, dst, dst, sval);
		*out = (struct lval){ .kind = LV_STR, .str = sval };
	} else if (op == ASSIGN_SET) {
		ir_emit_store(ir, 8, p, BV_VALUE_OFF, v);
		*out = (struct lval){ .kind = LV_REG, .reg = v };
	} else if (op == ASSIGN_ADD || op == ASSIGN_SUB) {
		if (op == ASSIGN_SUB)
			ir_emit_neg(ir, v);
		ir_reg d = vreg(L);
		ir_emit_mov(ir, d, v);
		ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, p, BV_VALUE_OFF, v, want);
		if (want)
			ir_emit_alu(ir, IR_ADD, v, d);
		*out = (struct lval){ .kind = LV_REG, .reg = v };
	} else {
		ir_emit_load(ir, 8, t, p, BV_VALUE_OFF);
		if (!lower_binop_apply(L, op, t, v, e->tok))
			return false;
		ir_emit_store(ir, 8, p, BV_VALUE_OFF, t);
		*out = (struct lval){ .kind = LV_REG, .reg = t };
	}
	if (absent_reachable(L, absent)) {
		ir_emit_jmp(ir, done);
		ir_bind_label(ir, absent);
		overflow(L, av, atok);
	}
	ir_bind_label(ir, done);
	if (out->kind == LV_REG) {
		/* the value register must be defined on the vanished-element path too */
		ir_reg r = vreg(L);
		ir_emit_mov(ir, r, out->reg);
		out->reg = r;
	}
	return true;
}

bool lower_assign(struct lower *L, struct expr *e, struct lval *out, bool want)
{
	struct expr *lhs = e->u.assign.lhs;
	if (e->u.assign.op == ASSIGN_STATS)
		return stats_sample(L, e, out, want);
	if (lhs->kind == EXPR_SYMBOL) {
		if (plan_var(lhs->u.sym.decl)->kind == BV_LOCAL)
			return assign_local(L, e, out);
		return assign_global(L, e, out, want);
	}
	if (lhs->kind == EXPR_INDEX && lhs->u.index.base->kind == EXPR_SYMBOL)
		return assign_elem(L, e, out, want);
	return lower_unsupported(L, e->tok, "assigning to this expression");
}

bool lower_incdec(struct lower *L, struct expr *e, struct lval *out, bool want)
{
	struct ir *ir = L->ir;
	struct expr *o = e->u.incdec.operand;
	int64_t d = e->u.incdec.increment ? 1 : -1;
	bool post = !e->u.incdec.prefix;
	ir_reg r = vreg(L);
	if (o->kind == EXPR_SYMBOL && plan_var(o->u.sym.decl)->kind == BV_LOCAL) {
		struct lslot *sl = lower_local(L, o->u.sym.decl);
		if (post)
			ir_emit_mov(ir, r, sl->reg);
		ir_emit_alu_imm(ir, IR_ADD, sl->reg, d);
		if (!post)
			ir_emit_mov(ir, r, sl->reg);
		*out = (struct lval){ .kind = LV_REG, .reg = r };
		return true;
	}
	ir_reg p;
	int16_t off;
	ir_label done = ir_new_label(ir), absent = ir_new_label(ir);
	const struct bvar *av = NULL;
	ir_emit_mov_imm(ir, r, 0);
	if (o->kind == EXPR_SYMBOL) {
		struct bvar *gv = plan_var(o->u.sym.decl);
		if (gv->kind != BV_LONG)
			return lower_unsupported(L, e->tok, "++/-- on this variable");
		p = lower_head(L);
		off = (int16_t)gv->off;
	} else if (o->kind == EXPR_INDEX && o->u.index.base->kind == EXPR_SYMBOL) {
		av = plan_var(o->u.index.base->u.sym.decl);
		struct smem key;
		if (!build_key(L, av, &o->u.index.keys, &key, absent))
			return false;
		p = elem_ref(L, av, key, o->u.index.base->tok, done);
		off = BV_VALUE_OFF;
	} else {
		return lower_unsupported(L, e->tok, "++/-- on this expression");
	}
	ir_emit_mov_imm(ir, r, d);
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, p, off, r, want);
	if (want && !post)
		ir_emit_alu_imm(ir, IR_ADD, r, d);
	if (av && absent_reachable(L, absent)) {
		ir_emit_jmp(ir, done);
		ir_bind_label(ir, absent);
		overflow(L, av, o->u.index.base->tok);
	}
	ir_bind_label(ir, done);
	*out = (struct lval){ .kind = LV_REG, .reg = r };
	return true;
}
