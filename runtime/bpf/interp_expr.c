/*
 * interp_expr: expressions of user-space handlers (see interp.h): values,
 * lvalues (locals, global scalars, array elements), arithmetic with
 * SystemTap's wrap-around and division rules, strings, regular
 * expressions, statistics and the print family (formatted with
 * runtime/common, the same engine as the kernel-module runtime).
 */
#include "bpf/interp_int.h"

#include <stdio.h>
#include <string.h>

#include "common/hist_print.h"
#include "util/arena.h"
#include "util/redfa.h"

/* ------------------------------------------------------------ lvalues */

enum lref_kind { LR_LOCAL, LR_GLOBAL, LR_ELEM };

struct lref {
	enum lref_kind kind;
	struct bvar *v;
	struct ival *slot;        /* LR_LOCAL */
	uint8_t *key;             /* LR_ELEM */
	bool key_ok;              /* the key fits its columns */
	const struct token *tok;  /* for overflow errors: the array's name */
};

static bool eval_keys(struct interp *I, const struct bvar *av, expr_vec *keys, uint8_t **kb,
		      bool *ok)
{
	struct ival kv[BPF_MAX_KEYS];
	for (uint32_t i = 0; i < av->nkeys; i++)
		if (!interp_eval(I, keys->items[i], &kv[i]))
			return false;
	*kb = (uint8_t *)interp_alloc(I, av->key_size);
	*ok = urt_key(av, kv, *kb);
	return true;
}

static bool lref_make(struct interp *I, struct expr *e, struct lref *r)
{
	memset(r, 0, sizeof(*r));
	if (e->kind == EXPR_SYMBOL) {
		r->v = plan_var(e->u.sym.decl);
		r->tok = e->tok;
		if (r->v->kind == BV_LOCAL) {
			r->kind = LR_LOCAL;
			r->slot = &I->fr->slots[r->v->slot];
		} else {
			r->kind = LR_GLOBAL;
		}
		return true;
	}
	if (e->kind == EXPR_INDEX && e->u.index.base->kind == EXPR_SYMBOL) {
		r->kind = LR_ELEM;
		r->v = plan_var(e->u.index.base->u.sym.decl);
		r->tok = e->u.index.base->tok;
		return eval_keys(I, r->v, &e->u.index.keys, &r->key, &r->key_ok);
	}
	return interp_error(I, e->tok, "invalid lvalue type in the BPF runtime");
}

static bool lref_get(struct interp *I, struct lref *r, struct ival *out)
{
	struct bvar *v = r->v;
	switch (r->kind) {
	case LR_LOCAL:
		*out = *r->slot;
		return true;
	case LR_GLOBAL:
		if (v->kind == BV_LONG) {
			*out = (struct ival){ .n = urt_get_long(I->u, v) };
		} else {
			uint32_t len;
			const char *s = urt_get_string(I->u, v, &len);
			*out = interp_str(I, s, len);
		}
		return true;
	case LR_ELEM:
		if (r->key_ok && urt_elem_get(I->u, v, r->key, out)) {
			if (v->type == TYPE_STRING)
				*out = interp_str(I, out->s, out->len);
			return true;
		}
		*out = v->type == TYPE_STRING ? (struct ival){ .s = "", .len = 0 } : (struct ival){ 0 };
		return true;
	}
	return false;
}

static bool lref_set(struct interp *I, struct lref *r, struct ival val)
{
	struct bvar *v = r->v;
	char buf[128];
	switch (r->kind) {
	case LR_LOCAL:
		*r->slot = val;
		return true;
	case LR_GLOBAL:
		if (v->kind == BV_LONG)
			urt_set_long(I->u, v, val.n);
		else
			urt_set_string(I->u, v, val.s, val.len);
		return true;
	case LR_ELEM:
		if (!r->key_ok || urt_elem_set(I->u, v, r->key, &val) < 0)
			return interp_error(I, r->tok,
					    interp_cstr(I, urt_overflow_msg(v, buf, sizeof(buf))).s);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------ arithmetic */

static bool arith(struct interp *I, int op, int64_t a, int64_t b, const struct token *tok,
		  int64_t *r)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
	switch (op) {
	case OP_ADD: *r = (int64_t)(ua + ub); return true;
	case OP_SUB: *r = (int64_t)(ua - ub); return true;
	case OP_MUL: *r = (int64_t)(ua * ub); return true;
	case OP_DIV:
	case OP_MOD:
		if (b == 0)
			return interp_error(I, tok, "division by 0");
		if (b == -1) {
			*r = op == OP_DIV ? (int64_t)(0 - ua) : 0;
			return true;
		}
		*r = op == OP_DIV ? a / b : a % b;
		return true;
	case OP_SHL: *r = (int64_t)(ua << (ub & 63)); return true;
	case OP_SHR: *r = a >> (ub & 63); return true;
	case OP_USHR: *r = (int64_t)(ua >> (ub & 63)); return true;
	case OP_BITAND: *r = a & b; return true;
	case OP_BITOR: *r = a | b; return true;
	case OP_BITXOR: *r = a ^ b; return true;
	}
	return interp_error(I, tok, "unknown operator");
}

static int assign_binop(enum assign_op op)
{
	switch (op) {
	case ASSIGN_ADD: return OP_ADD;
	case ASSIGN_SUB: return OP_SUB;
	case ASSIGN_MUL: return OP_MUL;
	case ASSIGN_DIV: return OP_DIV;
	case ASSIGN_MOD: return OP_MOD;
	case ASSIGN_SHL: return OP_SHL;
	case ASSIGN_SHR: return OP_SHR;
	case ASSIGN_AND: return OP_BITAND;
	case ASSIGN_XOR: return OP_BITXOR;
	case ASSIGN_OR: return OP_BITOR;
	default: return -1;
	}
}

static int strcmp_iv(const struct ival *a, const struct ival *b)
{
	uint32_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static struct ival concat(struct interp *I, struct ival a, struct ival b)
{
	uint32_t max = I->pl->lim.maxstringlen - 1;
	uint32_t n = a.len + b.len > max ? max : a.len + b.len;
	char *p = interp_alloc(I, n + 1);
	uint32_t na = a.len > n ? n : a.len;
	memcpy(p, a.s, na);
	memcpy(p + na, b.s, n - na);
	p[n] = 0;
	return (struct ival){ .s = p, .len = n };
}

/* ------------------------------------------------------------ statistics */

bool interp_aggregate(struct interp *I, struct expr *operand, const struct bvar **vp,
		      struct stats_agg *g, int64_t **buckets, bool *empty)
{
	const struct bvar *v;
	uint8_t *key = NULL;
	bool key_ok = true;
	if (operand->kind == EXPR_INDEX) {
		v = plan_var(operand->u.index.base->u.sym.decl);
		if (!eval_keys(I, v, &operand->u.index.keys, &key, &key_ok))
			return false;
	} else {
		v = plan_var(operand->u.sym.decl);
	}
	*vp = v;
	*buckets = v->sdesc.nbuckets ? (int64_t *)interp_alloc(I, 8 * v->sdesc.nbuckets) : NULL;
	bool found = key_ok && urt_stats_get(I->u, v, key, g, *buckets);
	if (!found)
		stats_agg_init(&v->sdesc, g, *buckets);
	*empty = stats_count(g) == 0;
	return true;
}

static bool eval_stat(struct interp *I, struct expr *e, struct ival *out)
{
	const struct bvar *v;
	struct stats_agg g;
	int64_t *b;
	bool empty;
	if (!interp_aggregate(I, e->u.stat.operand, &v, &g, &b, &empty))
		return false;
	int rc = 0;
	int64_t x = 0;
	switch (e->u.stat.op) {
	case STAT_COUNT: x = stats_count(&g); break;
	case STAT_SUM: x = stats_sum(&g); break;
	case STAT_MIN: rc = stats_min(&g, &x); break;
	case STAT_MAX: rc = stats_max(&g, &x); break;
	case STAT_AVG: rc = stats_avg(&g, &x); break;
	case STAT_VARIANCE: rc = stats_variance(&v->sdesc, &g, &x); break;
	default: break;
	}
	if (rc)
		return interp_error(I, e->tok, stats_strerror(rc));
	*out = (struct ival){ .n = x };
	return true;
}

static bool eval_hist_index(struct interp *I, struct expr *e, struct ival *out)
{
	struct expr *h = e->u.index.base;
	struct ival idx;
	if (!interp_eval(I, e->u.index.keys.items[0], &idx))
		return false;
	const struct bvar *v;
	struct stats_agg g;
	int64_t *b;
	bool empty;
	if (!interp_aggregate(I, h->u.hist.operand, &v, &g, &b, &empty))
		return false;
	int64_t x = 0;
	int rc = stats_hist_get(&g, idx.n, &x);
	if (rc)
		return interp_error(I, e->tok, stats_strerror(rc));
	*out = (struct ival){ .n = x };
	return true;
}

/* ------------------------------------------------------------ printing */

static bool print_hist(struct interp *I, struct expr *h, struct outbuf *ob)
{
	const struct bvar *v;
	struct stats_agg g;
	int64_t *b;
	bool empty;
	if (!interp_aggregate(I, h->u.hist.operand, &v, &g, &b, &empty))
		return false;
	if (v->hist_bad)
		return true;
	if (empty)
		return interp_error(I, h->tok, "empty aggregate");
	struct hist_params hp = { I->pl->lim.hist_width, I->pl->lim.hist_elision };
	int rc = hist_print(ob, &v->sdesc, &g, &hp);
	if (rc)
		return interp_error(I, h->tok, stats_strerror(rc));
	return true;
}

static bool eval_print(struct interp *I, struct expr *e, struct ival *out)
{
	struct print_format *pf = e->u.print;
	uint32_t n = pf->args.len;
	struct fmt_arg args[64];
	if (n > 64)
		n = 64;
	for (uint32_t i = 0; i < n; i++) {
		struct ival v;
		if (!interp_eval(I, pf->args.items[i], &v))
			return false;
		args[i] = pf->args.items[i]->type == TYPE_STRING ? fmt_arg_strn(v.s, v.len)
								  : fmt_arg_long(v.n);
	}
	urt_expand_args(I->u, args, n); /* kernel addresses in strings (symdefer.h) */
	struct outbuf sob, *ob = urt_out(I->u);
	char *sbuf = NULL;
	if (pf->flags & PRINT_TO_STRING) {
		sbuf = interp_alloc(I, I->pl->lim.maxstringlen);
		outbuf_init_string(&sob, sbuf, I->pl->lim.maxstringlen);
		ob = &sob;
	}
	if (pf->hist) {
		if (!print_hist(I, pf->hist, ob))
			return false;
	} else {
		uint64_t fault = 0;
		if (urt_format(ob, pf, args, n, &fault) == FORMAT_E_FAULT)
			return interp_errorf(I, e->tok, "read fault [man error::fault] at 0x%llx",
					     (unsigned long long)fault);
	}
	if (sbuf) {
		char *s = outbuf_cstr(&sob);
		*out = (struct ival){ .s = s, .len = (uint32_t)strlen(s) };
	} else {
		*out = (struct ival){ 0 };
	}
	return true;
}

/* ------------------------------------------------------------ regex */

/* The groups of the match of e just found (interp_int.h); a regex too
 * large to track them has none (pass 2 refused it if matched() or
 * ngroups() could ask). */
static void regex_groups(struct interp *I, struct expr *e, struct ival s)
{
	const struct submatch_prog *p = e->u.regex.sub;
	memset(I->match_slot, 0xff, sizeof(I->match_slot));
	if (!p)
		return;
	if (!I->match_state)
		I->match_state = xcalloc(1, sizeof(*I->match_state));
	uint32_t size = 1;
	while (size <= s.len)
		size <<= 1;
	submatch_begin(I->match_state, s.len);
	while (submatch_step(I->match_state, p, s.s, size))
		;
	submatch_end(I->match_state, p, I->match_slot);
}

static bool eval_regex(struct interp *I, struct expr *e, struct ival *out)
{
	struct ival subj;
	if (!interp_eval(I, e->u.regex.lhs, &subj))
		return false;
	struct ival s = interp_str(I, subj.s, subj.len); /* NUL-terminated copy */
	bool m = redfa_match(e->u.regex.dfa, s.s);
	if (m) {
		I->match_subject = s.s;
		I->match_len = s.len;
		I->match_groups = (int)e->u.regex.dfa->ngroups;
		regex_groups(I, e, s);
	} else {
		I->match_groups = -1;
	}
	*out = (struct ival){ .n = e->u.regex.negated ? !m : m };
	return true;
}

/* ------------------------------------------------------------ the rest */

static bool eval_in(struct interp *I, struct expr *e, struct ival *out)
{
	struct expr *arr = e->u.in.array;
	if (arr->kind == EXPR_HIST) {
		struct ival idx;
		if (!interp_eval(I, e->u.in.keys.items[0], &idx))
			return false;
		const struct bvar *v;
		struct stats_agg g;
		int64_t *b, x = 0;
		bool empty;
		if (!interp_aggregate(I, arr->u.hist.operand, &v, &g, &b, &empty))
			return false;
		int rc = stats_hist_get(&g, idx.n, &x);
		if (rc)
			return interp_error(I, e->tok, stats_strerror(rc));
		*out = (struct ival){ .n = x != 0 };
		return true;
	}
	const struct bvar *av = plan_var(arr->u.sym.decl);
	struct ival keys[BPF_MAX_KEYS];
	bool wild[BPF_MAX_KEYS] = { 0 }, any = false;
	for (uint32_t i = 0; i < av->nkeys; i++) {
		struct expr *k = e->u.in.keys.items[i];
		wild[i] = !k;
		any |= !k;
		if (k && !interp_eval(I, k, &keys[i]))
			return false;
	}
	if (!any) {
		uint8_t *kb = (uint8_t *)interp_alloc(I, av->key_size);
		*out = (struct ival){ .n = urt_key(av, keys, kb) && urt_elem_exists(I->u, av, kb) };
		return true;
	}
	struct urt_snapshot snap;
	urt_snapshot(I->u, av, &snap);
	bool found = false;
	for (uint32_t j = 0; j < snap.n && !found; j++) {
		bool m = true;
		for (uint32_t i = 0; i < av->nkeys && m; i++) {
			if (wild[i])
				continue;
			struct ival k = urt_key_col(av, snap.elems[j].key, i);
			m = av->ktype[i] == TYPE_STRING ? (k.len == keys[i].len && !memcmp(k.s, keys[i].s, k.len))
							: k.n == keys[i].n;
		}
		found = m;
	}
	urt_snapshot_free(&snap);
	*out = (struct ival){ .n = found };
	return true;
}

static bool eval_assign(struct interp *I, struct expr *e, struct ival *out)
{
	struct expr *lhs = e->u.assign.lhs;
	enum assign_op op = e->u.assign.op;
	if (op == ASSIGN_STATS) {
		struct ival v;
		if (!interp_eval(I, e->u.assign.rhs, &v))
			return false;
		uint8_t *key = NULL;
		bool ok = true;
		const struct bvar *sv;
		const struct token *tok = lhs->tok;
		if (lhs->kind == EXPR_INDEX) {
			sv = plan_var(lhs->u.index.base->u.sym.decl);
			tok = lhs->u.index.base->tok;
			if (!eval_keys(I, sv, &lhs->u.index.keys, &key, &ok))
				return false;
		} else {
			sv = plan_var(lhs->u.sym.decl);
		}
		char buf[128];
		if (!ok || urt_stats_add(I->u, sv, key, v.n) < 0)
			return interp_error(I, tok, interp_cstr(I, urt_overflow_msg(sv, buf, sizeof(buf))).s);
		*out = v;
		return true;
	}
	struct lref r;
	if (!lref_make(I, lhs, &r))
		return false;
	struct ival rv;
	if (!interp_eval(I, e->u.assign.rhs, &rv))
		return false;
	struct ival nv = rv;
	if (op == ASSIGN_CONCAT) {
		struct ival cur;
		if (!lref_get(I, &r, &cur))
			return false;
		nv = concat(I, cur, rv);
	} else if (op != ASSIGN_SET) {
		struct ival cur;
		if (!lref_get(I, &r, &cur))
			return false;
		if (!arith(I, assign_binop(op), cur.n, rv.n, e->tok, &nv.n))
			return false;
	} else if (lhs->type == TYPE_STRING && nv.len > I->pl->lim.maxstringlen - 1) {
		nv.len = I->pl->lim.maxstringlen - 1;
	}
	if (!lref_set(I, &r, nv))
		return false;
	*out = nv;
	return true;
}

static bool eval_incdec(struct interp *I, struct expr *e, struct ival *out)
{
	struct lref r;
	struct ival cur;
	if (!lref_make(I, e->u.incdec.operand, &r) || !lref_get(I, &r, &cur))
		return false;
	struct ival nv = { .n = (int64_t)((uint64_t)cur.n + (e->u.incdec.increment ? 1 : (uint64_t)-1)) };
	if (!lref_set(I, &r, nv))
		return false;
	*out = e->u.incdec.prefix ? nv : cur;
	return true;
}

static bool eval_symbol(struct interp *I, struct expr *e, struct ival *out)
{
	struct lref r;
	if (!lref_make(I, e, &r))
		return false;
	if (r.v->kind == BV_STATS || r.v->kind == BV_ARRAY)
		return interp_error(I, e->tok, "invalid use of an array or statistics value");
	return lref_get(I, &r, out);
}

bool interp_eval(struct interp *I, struct expr *e, struct ival *out)
{
	struct ival a, b;
	switch (e->kind) {
	case EXPR_NUMBER:
		*out = (struct ival){ .n = e->u.num };
		return true;
	case EXPR_STRING: {
		uint32_t n = e->u.str.len;
		if (n > I->pl->lim.maxstringlen - 1)
			n = I->pl->lim.maxstringlen - 1;
		*out = (struct ival){ .s = e->u.str.val, .len = n };
		return true;
	}
	case EXPR_SYMBOL:
		return eval_symbol(I, e, out);
	case EXPR_INDEX: {
		if (e->u.index.base->kind == EXPR_HIST)
			return eval_hist_index(I, e, out);
		struct lref r;
		return lref_make(I, e, &r) && lref_get(I, &r, out);
	}
	case EXPR_CALL:
		return interp_call(I, e, out);
	case EXPR_PRINT:
		return eval_print(I, e, out);
	case EXPR_STAT:
		return eval_stat(I, e, out);
	case EXPR_UNARY:
		if (!interp_eval(I, e->u.unary.operand, &a))
			return false;
		switch (e->u.unary.op) {
		case UOP_NEG: out->n = (int64_t)(0 - (uint64_t)a.n); break;
		case UOP_PLUS: out->n = a.n; break;
		case UOP_NOT: out->n = !a.n; break;
		case UOP_BITNOT: out->n = ~a.n; break;
		}
		out->s = NULL;
		return true;
	case EXPR_BINARY:
		if (!interp_eval(I, e->u.binary.lhs, &a) || !interp_eval(I, e->u.binary.rhs, &b))
			return false;
		*out = (struct ival){ 0 };
		return arith(I, e->u.binary.op, a.n, b.n, e->tok, &out->n);
	case EXPR_LOGICAL:
		if (!interp_eval(I, e->u.binary.lhs, &a))
			return false;
		if (e->u.binary.op == OP_AND ? !a.n : a.n) {
			*out = (struct ival){ .n = e->u.binary.op == OP_OR };
			return true;
		}
		if (!interp_eval(I, e->u.binary.rhs, &b))
			return false;
		*out = (struct ival){ .n = b.n != 0 };
		return true;
	case EXPR_COMPARE: {
		if (!interp_eval(I, e->u.binary.lhs, &a) || !interp_eval(I, e->u.binary.rhs, &b))
			return false;
		int c;
		if (e->u.binary.lhs->type == TYPE_STRING)
			c = strcmp_iv(&a, &b);
		else
			c = a.n < b.n ? -1 : a.n > b.n;
		int r = 0;
		switch (e->u.binary.op) {
		case OP_LT: r = c < 0; break;
		case OP_GT: r = c > 0; break;
		case OP_LE: r = c <= 0; break;
		case OP_GE: r = c >= 0; break;
		case OP_EQ: r = c == 0; break;
		case OP_NE: r = c != 0; break;
		default: break;
		}
		*out = (struct ival){ .n = r };
		return true;
	}
	case EXPR_CONCAT:
		if (!interp_eval(I, e->u.binary.lhs, &a) || !interp_eval(I, e->u.binary.rhs, &b))
			return false;
		*out = concat(I, a, b);
		return true;
	case EXPR_REGEX:
		return eval_regex(I, e, out);
	case EXPR_TERNARY:
		if (!interp_eval(I, e->u.ternary.cond, &a))
			return false;
		return interp_eval(I, a.n ? e->u.ternary.then : e->u.ternary.otherwise, out);
	case EXPR_ASSIGN:
		return eval_assign(I, e, out);
	case EXPR_INCDEC:
		return eval_incdec(I, e, out);
	case EXPR_IN:
		return eval_in(I, e, out);
	case EXPR_DEFINED:
		*out = (struct ival){ 0 };
		return true;
	case EXPR_HIST:
		return interp_error(I, e->tok, "histograms can only be printed, indexed or iterated");
	default:
		return interp_error(I, e->tok, "this construct is not available in user-space "
					       "handlers of the BPF runtime");
	}
}
