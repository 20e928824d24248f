/*
 * arrays: lowering of everything that touches arrays, statistics and
 * histograms (language.md §6.1, §6.2, §9, §10) onto the runtime's maps,
 * pmaps and stats (runtime/kmod/README.md §3.5).
 *
 * Keys are evaluated left to right into a `union _ctap_key` temporary, one
 * column each; string columns point at the key's value, so a key whose
 * value later code of the statement could change is copied first.  A
 * `*` column sets its bit in the wildcard mask of the slice calls.
 *
 * Run-time errors come from the runtime (array overflow, aggregation
 * overflow, empty aggregate, histogram index) after c->last_stmt names the
 * array's token, as SystemTap reports them (`ERROR: Array overflow, check
 * MAXMAPENTRIES near identifier 'a' at t.stp:2:5`).
 */
#include <string.h>

#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

static const char *temp(struct km_lower *L, const char *ctype)
{
	return arena_printf(L->K->a, "l->%s", kframe_temp(L->K->a, L->f, ctype, 0));
}

/* an array or statistics shape that pass 2 should have refused */
static struct val fail(struct km_lower *L, const struct token *tok, const char *msg)
{
	kmod_error(L->K, D_TRANS_PROGRAM, tok, "%s", msg);
	L->failed = true;
	return kv_long("0", true);
}

/* The global behind an array expression (A or A[k]), or NULL. */
static struct kglobal *global_of(struct expr *e)
{
	if (e->kind == EXPR_INDEX)
		e = e->u.index.base;
	if (e->kind != EXPR_SYMBOL || !e->u.sym.decl || e->u.sym.decl->kind != VAR_GLOBAL)
		return NULL;
	return e->u.sym.decl->backend;
}

/* A string read from an array points into its node, which an insertion
 * into a full `%` array may reuse: copy it before it feeds one. */
static struct val own_string(struct km_lower *L, struct val v)
{
	if (v.t == TYPE_STRING && !v.stable && strstr(v.c, "_ctap_map_get_str("))
		return km_stabilize(L, v);
	return v;
}

const char *km_keys(struct km_lower *L, expr_vec *keys, unsigned *wild, bool stabilize)
{
	unsigned n = keys->len;
	const char *k = arena_printf(L->K->a, "l->%s",
				     kframe_temp(L->K->a, L->f, "union _ctap_key", n ? n : 1));
	struct val *vals = arena_new_array(L->K->a, struct val, n + 1);
	*wild = 0;
	for (unsigned i = 0; i < n; i++) {
		struct expr *e = keys->items[i];
		if (!e) {
			*wild |= 1u << i;
			continue;
		}
		vals[i] = own_string(L, km_expr(L, e));
		bool later = stabilize;
		for (unsigned j = i + 1; j < n && !later; j++)
			later = km_has_effects(keys->items[j]);
		if (later)
			vals[i] = km_stabilize(L, vals[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		if (!keys->items[i])
			kw_line(L->w, "%s[%u].l = 0;", k, i);
		else
			kw_line(L->w, "%s[%u].%c = %s;", k, i, vals[i].t == TYPE_STRING ? 's' : 'l',
			       vals[i].c);
	}
	return k;
}

/* ---------------------------------------------------------- statistics */

/* The merged aggregate of a statistics operand (s or a[k]) in a
 * temporary; *desc gets its descriptor.  hist: the histogram expression
 * being read (picks the object keeping that histogram), or NULL. */
static const char *km_agg(struct km_lower *L, struct expr *o, const struct expr *hist,
			  const char **desc)
{
	struct kglobal *g = global_of(o);
	if (!g || (g->kind != KG_STAT && g->kind != KG_PMAP)) {
		fail(L, o->tok, "statistics operation on something that is not statistics");
		*desc = "NULL";
		return "NULL";
	}
	const char *t = temp(L, "const struct stats_agg *");
	const char *obj = hist ? km_hist_object(g, hist) : g->cname;
	*desc = arena_printf(L->K->a, "&%s.desc", obj);
	if (g->kind == KG_STAT) {
		kw_line(L->w, "%s = _ctap_stat_get(&%s);", t, obj);
	} else {
		if (o->kind != EXPR_INDEX)
			return fail(L, o->tok, "statistics array used without an index").c;
		unsigned wild;
		const char *k = km_keys(L, &o->u.index.keys, &wild, false);
		kw_line(L->w, "%s = _ctap_pmap_get(&%s, %s);", t, obj, k);
	}
	return t;
}

static const char *stat_op_c(enum stat_op op)
{
	switch (op) {
	case STAT_COUNT: return "CTAP_STAT_COUNT";
	case STAT_SUM: return "CTAP_STAT_SUM";
	case STAT_MIN: return "CTAP_STAT_MIN";
	case STAT_MAX: return "CTAP_STAT_MAX";
	case STAT_AVG: return "CTAP_STAT_AVG";
	case STAT_VARIANCE: return "CTAP_STAT_VARIANCE";
	default: return "CTAP_STAT_COUNT";
	}
}

struct val km_stat(struct km_lower *L, struct expr *e)
{
	const char *desc;
	const char *g = km_agg(L, e->u.stat.operand, NULL, &desc);
	const char *t = temp(L, "int64_t");
	bool can_fail = e->u.stat.op != STAT_COUNT && e->u.stat.op != STAT_SUM;
	if (can_fail)
		km_where(L, e->tok);
	kw_line(L->w, "%s = _ctap_stat_extract(c, %s, %s, %s);", t, desc, g,
	       stat_op_c(e->u.stat.op));
	if (can_fail)
		km_check(L);
	return kv_long(t, true);
}

struct val km_stat_add(struct km_lower *L, struct expr *e)
{
	struct expr *lhs = e->u.assign.lhs;
	struct kglobal *g = global_of(lhs);
	if (!g || (g->kind != KG_STAT && g->kind != KG_PMAP))
		return fail(L, lhs->tok, "'<<<' needs a global statistics variable");
	const char *k = NULL;
	unsigned wild;
	if (g->kind == KG_PMAP) {
		if (lhs->kind != EXPR_INDEX)
			return fail(L, lhs->tok, "statistics array used without an index");
		k = km_keys(L, &lhs->u.index.keys, &wild, km_has_effects(e->u.assign.rhs));
	}
	struct val v = km_expr(L, e->u.assign.rhs);
	if (g->kind == KG_PMAP)
		km_where(L, lhs->u.index.base->tok);
	for (unsigned i = 0; i < g->nhv; i++) {
		const char *obj = g->hv[i].cname;
		if (g->kind == KG_STAT) {
			kw_line(L->w, "_ctap_stat_add(&%s, %s);", obj, v.c);
		} else {
			kw_line(L->w, "if (_ctap_pmap_add(c, &%s, %s, %s))", obj, k, v.c);
			kw_line(L->w, "\tgoto %s;", L->errlabel);
		}
	}
	return v;
}

void km_hist_print(struct km_lower *L, struct expr *hist, const char *ob)
{
	const char *desc;
	const char *agg = km_agg(L, hist->u.hist.operand, hist, &desc);
	km_where(L, hist->tok);
	kw_line(L->w, "_ctap_hist_print(c, %s, %s, %s);", ob, desc, agg);
	km_check(L);
}

/* ---------------------------------------------------------- elements */

struct val km_index_read(struct km_lower *L, struct expr *e)
{
	struct expr *base = e->u.index.base;
	if (base->kind == EXPR_HIST) {
		const char *desc;
		const char *agg = km_agg(L, base->u.hist.operand, base, &desc);
		struct val i = km_expr(L, e->u.index.keys.items[0]);
		const char *t = temp(L, "int64_t");
		km_where(L, base->tok);
		kw_line(L->w, "%s = _ctap_stat_bucket(c, %s, %s);", t, agg, i.c);
		km_check(L);
		return kv_long(t, true);
	}
	struct kglobal *g = global_of(e);
	if (!g || g->kind != KG_MAP)
		return fail(L, e->tok, "not an array of longs or strings");
	unsigned wild;
	const char *k = km_keys(L, &e->u.index.keys, &wild, false);
	if (g->decl->type == TYPE_STRING)
		return kv_str(arena_printf(L->K->a, "_ctap_map_get_str(&%s, %s)", g->cname, k), false);
	return kv_long(arena_printf(L->K->a, "_ctap_map_get_long(&%s, %s)", g->cname, k), false);
}

/* A pointer to the long value of A[k], created if absent. */
static const char *km_ref(struct km_lower *L, struct kglobal *g, struct expr *lhs, const char *k)
{
	const char *p = temp(L, "int64_t *");
	km_where(L, lhs->u.index.base->tok);
	kw_line(L->w, "%s = _ctap_map_ref_long(c, &%s, %s);", p, g->cname, k);
	kw_line(L->w, "if (!%s)", p);
	kw_line(L->w, "\tgoto %s;", L->errlabel);
	return p;
}

struct val km_index_assign(struct km_lower *L, struct expr *e)
{
	struct expr *lhs = e->u.assign.lhs;
	struct kglobal *g = global_of(lhs);
	if (!g || g->kind != KG_MAP)
		return fail(L, lhs->tok, "not an array of longs or strings");
	unsigned wild;
	const char *k = km_keys(L, &lhs->u.index.keys, &wild, km_has_effects(e->u.assign.rhs));
	struct val v = own_string(L, km_expr(L, e->u.assign.rhs));
	bool str = g->decl->type == TYPE_STRING;
	const char *where = km_where_c(L->K->s, lhs->u.index.base->tok);
	switch (e->u.assign.op) {
	case ASSIGN_SET:
		kw_line(L->w, "c->last_stmt = %s;", where);
		kw_line(L->w, "if (_ctap_map_set_%s(c, &%s, %s, %s))", str ? "str" : "long", g->cname,
		       k, v.c);
		kw_line(L->w, "\tgoto %s;", L->errlabel);
		return v;
	case ASSIGN_CONCAT: {
		const char *t = arena_printf(L->K->a, "l->%s", kframe_str(L->K->a, L->f));
		kw_line(L->w, "_ctap_concat(%s, _ctap_map_get_str(&%s, %s), %s);", t, g->cname, k, v.c);
		kw_line(L->w, "c->last_stmt = %s;", where);
		kw_line(L->w, "if (_ctap_map_set_str(c, &%s, %s, %s))", g->cname, k, t);
		kw_line(L->w, "\tgoto %s;", L->errlabel);
		return kv_str(t, true);
	}
	default: {
		const char *p = km_ref(L, g, lhs, k);
		km_compound(L, arena_printf(L->K->a, "*%s", p), e->u.assign.op, e->tok, v);
		const char *t = temp(L, "int64_t");
		kw_line(L->w, "%s = *%s;", t, p);
		return kv_long(t, true);
	}
	}
}

struct val km_index_incdec(struct km_lower *L, struct expr *e)
{
	struct expr *o = e->u.incdec.operand;
	struct kglobal *g = global_of(o);
	if (!g || g->kind != KG_MAP || g->decl->type != TYPE_LONG)
		return fail(L, o->tok, "'++'/'--' need a long array element");
	unsigned wild;
	const char *k = km_keys(L, &o->u.index.keys, &wild, false);
	const char *p = km_ref(L, g, o, k);
	const char *t = temp(L, "int64_t");
	const char *op = e->u.incdec.increment ? "++" : "--";
	if (e->u.incdec.prefix)
		kw_line(L->w, "%s = %s*%s;", t, op, p);
	else
		kw_line(L->w, "%s = (*%s)%s;", t, p, op);
	return kv_long(t, true);
}

struct val km_in(struct km_lower *L, struct expr *e)
{
	struct expr *arr = e->u.in.array;
	if (arr->kind == EXPR_HIST) {
		const char *desc;
		const char *agg = km_agg(L, arr->u.hist.operand, arr, &desc);
		struct val i = km_stabilize(L, km_expr(L, e->u.in.keys.items[0]));
		return kv_long(arena_printf(L->K->a, "(%s >= 0 && %s < %s->nbuckets)", i.c, i.c, agg),
				false);
	}
	struct kglobal *g = global_of(arr);
	if (!g || (g->kind != KG_MAP && g->kind != KG_PMAP))
		return fail(L, arr->tok, "'in' needs a global array");
	unsigned wild;
	const char *k = km_keys(L, &e->u.in.keys, &wild, false);
	const char *fn = g->kind == KG_MAP ? "_ctap_map_exists" : "_ctap_pmap_exists";
	if (wild)
		return kv_long(arena_printf(L->K->a, "(int64_t)%s_slice(&%s, %s, 0x%xu)", fn, g->cname,
					     k, wild), false);
	return kv_long(arena_printf(L->K->a, "(int64_t)%s(&%s, %s)", fn, g->cname, k), false);
}

/* ---------------------------------------------------------- delete */

void km_delete(struct km_lower *L, struct stmt *s)
{
	struct expr *t = s->u.del.target;
	if (t->kind == EXPR_SYMBOL && t->u.sym.decl && t->u.sym.decl->kind != VAR_GLOBAL) {
		struct vardecl *v = t->u.sym.decl;
		if (v->type == TYPE_STRING)
			kw_line(L->w, "%s[0] = '\\0';", km_var(L, v));
		else
			kw_line(L->w, "%s = 0;", km_var(L, v));
		return;
	}
	struct kglobal *g = global_of(t);
	if (!g) {
		fail(L, t->tok, "cannot delete this");
		return;
	}
	if (t->kind == EXPR_SYMBOL) {
		switch (g->kind) {
		case KG_LONG: kw_line(L->w, "%s = 0;", g->cname); break;
		case KG_STRING: kw_line(L->w, "%s[0] = '\\0';", g->cname); break;
		case KG_STAT:
			for (unsigned i = 0; i < g->nhv; i++)
				kw_line(L->w, "_ctap_stat_clear(&%s);", g->hv[i].cname);
			break;
		case KG_MAP: kw_line(L->w, "_ctap_map_clear(&%s);", g->cname); break;
		case KG_PMAP:
			for (unsigned i = 0; i < g->nhv; i++)
				kw_line(L->w, "_ctap_pmap_clear(&%s);", g->hv[i].cname);
			break;
		}
		return;
	}
	if (g->kind != KG_MAP && g->kind != KG_PMAP) {
		fail(L, t->tok, "cannot delete an element of a scalar");
		return;
	}
	unsigned wild;
	const char *k = km_keys(L, &t->u.index.keys, &wild, false);
	const char *fn = g->kind == KG_MAP ? "_ctap_map_delete" : "_ctap_pmap_delete";
	unsigned nobj = g->kind == KG_PMAP ? g->nhv : 1;
	for (unsigned i = 0; i < nobj; i++) {
		const char *obj = g->kind == KG_PMAP ? g->hv[i].cname : g->cname;
		if (wild)
			kw_line(L->w, "%s_slice(&%s, %s, 0x%xu);", fn, obj, k, wild);
		else
			kw_line(L->w, "%s(&%s, %s);", fn, obj, k);
	}
}

/* ---------------------------------------------------------- foreach */


static void foreach_body(struct km_lower *L, struct stmt *s)
{
	struct stmt *b = s->u.foreach.body;
	if (b->kind == STMT_BLOCK) {
		vec_foreach(&b->u.block.stmts, i)
			km_stmt(L, b->u.block.stmts.items[i]);
	} else {
		km_stmt(L, b);
	}
}

static const char *limit_temp(struct km_lower *L, struct stmt *s)
{
	if (!s->u.foreach.limit)
		return NULL;
	struct val v = km_expr(L, s->u.foreach.limit);
	const char *t = temp(L, "int64_t");
	kw_line(L->w, "%s = %s;", t, v.c);
	return t;
}

/* foreach ([i] in @hist_xxx(s)): every bucket index in order. */
static void foreach_hist(struct km_lower *L, struct stmt *s)
{
	struct expr *h = s->u.foreach.base;
	const char *desc;
	const char *agg = km_agg(L, h->u.hist.operand, h, &desc);
	const char *lim = limit_temp(L, s);
	const char *i = temp(L, "int64_t");
	km_charge(L, 1);
	km_flush(L, s->tok);
	struct loop_ctx *lc = km_loop_begin(L, s->tok);
	kw_open(L->w, "for (%s = 0; %s < %s->nbuckets; %s++)", i, i, agg, i);
	if (lim) {
		kw_line(L->w, "if (%s-- <= 0)", lim);
		kw_line(L->w, "\tbreak;");
	}
	if (s->u.foreach.keys.len)
		kw_line(L->w, "%s = %s;", km_var(L, s->u.foreach.keys.items[0]->u.sym.decl), i);
	if (s->u.foreach.value)
		kw_line(L->w, "%s = %s->buckets[%s];",
		       km_var(L, s->u.foreach.value->u.sym.decl), agg, i);
	foreach_body(L, s);
	km_loop_backedge(L, lc, s->tok);
	kw_close(L->w, NULL);
	km_loop_end(L, lc);
}

void km_foreach(struct km_lower *L, struct stmt *s)
{
	if (s->u.foreach.base->kind == EXPR_HIST) {
		foreach_hist(L, s);
		return;
	}
	struct kglobal *g = global_of(s->u.foreach.base);
	if (!g || (g->kind != KG_MAP && g->kind != KG_PMAP)) {
		fail(L, s->u.foreach.base->tok, "foreach needs a global array");
		return;
	}
	const char *k = NULL;
	unsigned wild = 0;
	if (s->u.foreach.has_slice)
		k = km_keys(L, &s->u.foreach.slice, &wild, true);
	const char *lim = limit_temp(L, s);
	const char *m = arena_printf(L->K->a, "&%s", g->cname);
	if (g->kind == KG_PMAP) {
		m = temp(L, "struct _ctap_map *");
		km_where(L, s->u.foreach.base->tok);
		kw_line(L->w, "%s = _ctap_pmap_aggregate(c, &%s);", m, g->cname);
		kw_line(L->w, "if (!%s)", m);
		kw_line(L->w, "\tgoto %s;", L->errlabel);
	}
	if (s->u.foreach.sort_dir)
		kw_line(L->w, "_ctap_map_sort(c, %s, %d, %d, %s);", m, s->u.foreach.sort_column,
		       s->u.foreach.sort_dir,
		       stat_op_c(s->u.foreach.sort_agg ? s->u.foreach.sort_agg : STAT_COUNT));
	const char *n = temp(L, "struct _ctap_mnode *");
	km_charge(L, 1);
	km_flush(L, s->tok);
	struct loop_ctx *lc = km_loop_begin(L, s->tok);
	kw_open(L->w, "for (%s = _ctap_map_first(%s); %s; %s = _ctap_map_next(%s, %s))", n, m, n, n,
	       m, n);
	if (k) {
		kw_line(L->w, "if (!_ctap_mnode_matches(%s, %s, %s, 0x%xu))", m, n, k, wild);
		kw_line(L->w, "\tcontinue;");
	}
	if (lim) {
		kw_line(L->w, "if (%s-- <= 0)", lim);
		kw_line(L->w, "\tbreak;");
	}
	vec_foreach(&s->u.foreach.keys, i) {
		struct vardecl *v = s->u.foreach.keys.items[i]->u.sym.decl;
		if (v->type == TYPE_STRING)
			kw_line(L->w, "_ctap_strcpy(%s, _ctap_mnode_key_str(%s, %s, %u));",
			       km_var(L, v), m, n, i);
		else
			kw_line(L->w, "%s = _ctap_mnode_key_long(%s, %s, %u);", km_var(L, v), m, n, i);
	}
	if (s->u.foreach.value) {
		struct vardecl *v = s->u.foreach.value->u.sym.decl;
		if (g->kind == KG_PMAP)
			fail(L, s->u.foreach.value->tok, "the value of a statistics array is not a "
			     "long or a string");
		else if (v->type == TYPE_STRING)
			kw_line(L->w, "_ctap_strcpy(%s, _ctap_mnode_str(%s, %s));", km_var(L, v), m, n);
		else
			kw_line(L->w, "%s = *_ctap_mnode_long(%s, %s);", km_var(L, v), m, n);
	}
	foreach_body(L, s);
	km_loop_backedge(L, lc, s->tok);
	kw_close(L->w, NULL);
	km_loop_end(L, lc);
}
