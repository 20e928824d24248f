/*
 * interp: statements, function calls, foreach, delete, try/catch, the
 * statement budget and one probe hit (see interp.h).
 */
#include "bpf/interp_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sort.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

#define POOL_CHUNK (64u << 10)

/* ------------------------------------------------------------ strings */

char *interp_alloc(struct interp *I, uint32_t n)
{
	n = (n + 7) & ~7u;
	struct pool_chunk *c = I->pool;
	if (!c || c->cap - c->used < n) {
		uint32_t cap = n > POOL_CHUNK ? n : POOL_CHUNK;
		struct pool_chunk *nc = xmalloc(sizeof(*nc) + cap);
		nc->next = c;
		nc->used = 0;
		nc->cap = cap;
		I->pool = c = nc;
	}
	char *p = c->data + c->used;
	c->used += n;
	return p;
}

static void pool_reset(struct interp *I)
{
	struct pool_chunk *c = I->pool;
	while (c && c->next) {
		struct pool_chunk *n = c->next;
		free(c);
		c = n;
	}
	/* keep the oldest chunk for the next hit */
	I->pool = c;
	if (c)
		c->used = 0;
}

struct ival interp_str(struct interp *I, const char *s, uint32_t len)
{
	uint32_t max = I->pl->lim.maxstringlen - 1;
	if (len > max)
		len = max;
	char *p = interp_alloc(I, len + 1);
	memcpy(p, s, len);
	p[len] = 0;
	return (struct ival){ .s = p, .len = len };
}

struct ival interp_cstr(struct interp *I, const char *s)
{
	return interp_str(I, s, (uint32_t)strlen(s));
}

/* ------------------------------------------------------------ errors */

bool interp_error(struct interp *I, const struct token *tok, const char *msg)
{
	if (I->err)
		return false;
	I->err = msg;
	I->err_len = (uint32_t)strlen(msg);
	I->err_tok = tok;
	return false;
}

bool interp_errorf(struct interp *I, const struct token *tok, const char *fmt, ...)
{
	if (I->err)
		return false;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	struct ival v = interp_cstr(I, buf);
	return interp_error(I, tok, v.s);
}

static void clear_error(struct interp *I)
{
	I->err = NULL;
	I->err_tok = NULL;
	I->err_len = 0;
	I->err_uncatchable = false;
	I->aborted = false;
}

/* ------------------------------------------------------------ budget */

static bool charge_check(struct interp *I, const struct token *tok)
{
	I->actions += I->pending;
	I->pending = 0;
	if (I->pl->lim.no_action_limit || I->actions <= I->pl->lim.maxaction)
		return true;
	interp_error(I, tok, "MAXACTION exceeded");
	I->err_uncatchable = true;
	return false;
}

/* ------------------------------------------------------------ variables */

static struct ival *local_slot(struct interp *I, const struct vardecl *d)
{
	struct bvar *v = plan_var(d);
	return &I->fr->slots[v->slot];
}

static void bind_local(struct interp *I, struct expr *sym, struct ival val)
{
	*local_slot(I, sym->u.sym.decl) = val;
}

/* ------------------------------------------------------------ foreach */

struct fe_row {
	struct ival keys[BPF_MAX_KEYS];
	struct ival val;
	const struct stats_agg *agg;
};

static bool fe_slice_match(struct interp *I, struct stmt *s, const struct bvar *av,
			   const struct urt_elem *el, const struct ival *slice, const bool *wild)
{
	(void)I;
	(void)s;
	for (uint32_t i = 0; i < av->nkeys; i++) {
		if (wild[i])
			continue;
		struct ival k = urt_key_col(av, el->key, i);
		if (av->ktype[i] == TYPE_STRING) {
			if (k.len != slice[i].len || memcmp(k.s, slice[i].s, k.len))
				return false;
		} else if (k.n != slice[i].n) {
			return false;
		}
	}
	return true;
}

static int64_t agg_column(const struct bvar *av, const struct stats_agg *g, enum stat_op op)
{
	int64_t x = 0;
	switch (op) {
	case STAT_SUM: return stats_sum(g);
	case STAT_MIN: stats_min(g, &x); return x;
	case STAT_MAX: stats_max(g, &x); return x;
	case STAT_AVG: stats_avg(g, &x); return x;
	case STAT_VARIANCE: stats_variance(&av->sdesc, g, &x); return x;
	default: return stats_count(g);
	}
}

static enum flow fe_body(struct interp *I, struct stmt *s, bool *stop)
{
	enum flow f = interp_exec(I, s->u.foreach.body);
	*stop = false;
	if (f == F_BREAK) {
		*stop = true;
		return F_OK;
	}
	if (f == F_CONTINUE)
		f = F_OK;
	if (f != F_OK) {
		*stop = true;
		return f;
	}
	if (!charge_check(I, s->tok)) {
		*stop = true;
		return F_ERROR;
	}
	return F_OK;
}

static enum flow foreach_hist(struct interp *I, struct stmt *s, int64_t limit)
{
	struct expr *h = s->u.foreach.base;
	const struct bvar *v;
	struct stats_agg g;
	int64_t *buckets;
	bool empty;
	if (!interp_aggregate(I, h->u.hist.operand, &v, &g, &buckets, &empty))
		return F_ERROR;
	for (uint32_t i = 0; i < g.nbuckets && (limit < 0 || (int64_t)i < limit); i++) {
		bind_local(I, s->u.foreach.keys.items[0], (struct ival){ .n = i });
		if (s->u.foreach.value)
			bind_local(I, s->u.foreach.value, (struct ival){ .n = buckets[i] });
		bool stop;
		enum flow f = fe_body(I, s, &stop);
		if (stop)
			return f;
	}
	return F_OK;
}

static enum flow exec_foreach(struct interp *I, struct stmt *s)
{
	I->pending += 1;
	int64_t limit = -1;
	if (s->u.foreach.limit) {
		struct ival l;
		if (!interp_eval(I, s->u.foreach.limit, &l))
			return F_ERROR;
		limit = l.n < 0 ? 0 : l.n;
	}
	if (!charge_check(I, s->tok))
		return F_ERROR;
	struct expr *base = s->u.foreach.base;
	if (base->kind == EXPR_HIST)
		return foreach_hist(I, s, limit);
	const struct bvar *av = plan_var(base->u.sym.decl);
	struct ival slice[BPF_MAX_KEYS];
	bool wild[BPF_MAX_KEYS] = { 0 };
	if (s->u.foreach.has_slice) {
		for (uint32_t i = 0; i < av->nkeys; i++) {
			struct expr *k = i < s->u.foreach.slice.len ? s->u.foreach.slice.items[i] : NULL;
			wild[i] = !k;
			if (k && !interp_eval(I, k, &slice[i]))
				return F_ERROR;
		}
	}
	struct urt_snapshot snap;
	urt_snapshot(I->u, av, &snap);
	uint32_t n = 0;
	struct sort_item *items = xmalloc(sizeof(*items) * (snap.n + 1));
	struct sort_item *scratch = xmalloc(sizeof(*items) * (snap.n + 1));
	/* a sort orders the whole array, in place, as SystemTap's does: ties
	 * keep the previous order, later unsorted loops see the sorted one;
	 * a slice only filters (statistics arrays have no order of their own) */
	bool in_place = s->u.foreach.sort_dir && !av->percpu;
	for (uint32_t i = 0; i < snap.n; i++) {
		struct urt_elem *el = &snap.elems[i];
		if (!in_place && s->u.foreach.has_slice &&
		    !fe_slice_match(I, s, av, el, slice, wild))
			continue;
		struct sort_item *it = &items[n++];
		memset(it, 0, sizeof(*it));
		it->row = i;
		int col = s->u.foreach.sort_column;
		if (!s->u.foreach.sort_dir)
			continue;
		if (col == 0) {
			if (av->percpu)
				it->num = agg_column(av, &el->agg, s->u.foreach.sort_agg);
			else if (av->type == TYPE_STRING) {
				it->str = el->val.s;
				it->len = el->val.len;
			} else
				it->num = el->val.n;
		} else {
			struct ival k = urt_key_col(av, el->key, (uint32_t)col - 1);
			if (av->ktype[col - 1] == TYPE_STRING) {
				it->str = k.s;
				it->len = k.len;
			} else
				it->num = k.n;
		}
	}
	if (s->u.foreach.sort_dir)
		sort_items(items, scratch, n, s->u.foreach.sort_dir < 0);
	if (in_place) {
		uint64_t *seqs = xmalloc(sizeof(*seqs) * (n + 1));
		for (uint32_t j = 0; j < n; j++)
			seqs[j] = snap.elems[items[j].row].seq;
		urt_set_order(I->u, av, seqs, n);
		free(seqs);
	}
	enum flow result = F_OK;
	int64_t visited = 0;
	for (uint32_t j = 0; j < n && (limit < 0 || visited < limit); j++) {
		struct urt_elem *el = &snap.elems[items[j].row];
		if (in_place && s->u.foreach.has_slice &&
		    !fe_slice_match(I, s, av, el, slice, wild))
			continue;
		visited++;
		for (uint32_t i = 0; i < s->u.foreach.keys.len && i < av->nkeys; i++) {
			struct ival k = urt_key_col(av, el->key, i);
			if (av->ktype[i] == TYPE_STRING)
				k = interp_str(I, k.s, k.len);
			bind_local(I, s->u.foreach.keys.items[i], k);
		}
		if (s->u.foreach.value) {
			if (av->percpu) {
				/* a statistics value binds nothing printable; pass 2 forbids it */
			} else {
				struct ival v = el->val;
				if (av->type == TYPE_STRING)
					v = interp_str(I, v.s, v.len);
				bind_local(I, s->u.foreach.value, v);
			}
		}
		bool stop;
		result = fe_body(I, s, &stop);
		if (stop)
			break;
	}
	free(items);
	free(scratch);
	urt_snapshot_free(&snap);
	return result;
}

/* ------------------------------------------------------------ delete */

static enum flow exec_delete(struct interp *I, struct stmt *s)
{
	I->pending += 1;
	struct expr *t = s->u.del.target;
	if (t->kind == EXPR_SYMBOL) {
		struct bvar *v = plan_var(t->u.sym.decl);
		switch (v->kind) {
		case BV_LOCAL:
			*local_slot(I, t->u.sym.decl) =
				v->type == TYPE_STRING ? (struct ival){ .s = "", .len = 0 } : (struct ival){ 0 };
			break;
		case BV_LONG:
			urt_set_long(I->u, v, 0);
			break;
		case BV_STRING:
			urt_set_string(I->u, v, "", 0);
			break;
		case BV_STATS:
			urt_stats_clear(I->u, v);
			break;
		case BV_ARRAY:
			urt_array_clear(I->u, v);
			break;
		}
		return F_OK;
	}
	if (t->kind != EXPR_INDEX || t->u.index.base->kind != EXPR_SYMBOL)
		return interp_error(I, t->tok, "cannot delete histogram bucket entries"), F_ERROR;
	struct bvar *av = plan_var(t->u.index.base->u.sym.decl);
	struct ival keys[BPF_MAX_KEYS];
	bool wild[BPF_MAX_KEYS] = { 0 }, any_wild = false;
	for (uint32_t i = 0; i < av->nkeys; i++) {
		struct expr *k = t->u.index.keys.items[i];
		wild[i] = !k;
		any_wild |= !k;
		if (k && !interp_eval(I, k, &keys[i]))
			return F_ERROR;
	}
	if (!any_wild) {
		uint8_t *kb = (uint8_t *)interp_alloc(I, av->key_size);
		if (urt_key(av, keys, kb))
			urt_elem_delete(I->u, av, kb);
		return F_OK;
	}
	struct urt_snapshot snap;
	urt_snapshot(I->u, av, &snap);
	for (uint32_t i = 0; i < snap.n; i++)
		if (fe_slice_match(I, s, av, &snap.elems[i], keys, wild))
			urt_elem_delete(I->u, av, snap.elems[i].key);
	urt_snapshot_free(&snap);
	return F_OK;
}

/* ------------------------------------------------------------ statements */

static enum flow exec_for(struct interp *I, struct stmt *s)
{
	I->pending += 1;
	struct ival v;
	if (s->u.for_.init) {
		I->pending += 1;
		if (!interp_eval(I, s->u.for_.init, &v))
			return F_ERROR;
	}
	if (!charge_check(I, s->tok))
		return F_ERROR;
	for (;;) {
		if (s->u.for_.cond) {
			if (!interp_eval(I, s->u.for_.cond, &v))
				return F_ERROR;
			if (!v.n)
				break;
		}
		enum flow f = interp_exec(I, s->u.for_.body);
		if (f == F_BREAK)
			break;
		if (f != F_OK && f != F_CONTINUE)
			return f;
		if (!charge_check(I, s->tok))
			return F_ERROR;
		if (s->u.for_.incr && !interp_eval(I, s->u.for_.incr, &v))
			return F_ERROR;
	}
	return F_OK;
}

static enum flow exec_try(struct interp *I, struct stmt *s)
{
	I->pending += 1;
	enum flow f = interp_exec(I, s->u.try_.body);
	if (f != F_ERROR || I->err_uncatchable)
		return f;
	struct ival msg = interp_str(I, I->err, I->err_len);
	clear_error(I);
	if (s->u.try_.catch_var)
		bind_local(I, s->u.try_.catch_var, msg);
	if (!s->u.try_.handler)
		return F_OK;
	return interp_exec(I, s->u.try_.handler);
}

enum flow interp_exec(struct interp *I, struct stmt *s)
{
	struct ival v;
	switch (s->kind) {
	case STMT_BLOCK:
		I->pending += 1;
		vec_foreach(&s->u.block.stmts, i) {
			enum flow f = interp_exec(I, s->u.block.stmts.items[i]);
			if (f != F_OK)
				return f;
		}
		return F_OK;
	case STMT_EXPR:
		I->pending += 1;
		return interp_eval(I, s->u.expr, &v) ? F_OK : F_ERROR;
	case STMT_NULL:
		return F_OK;
	case STMT_IF:
		I->pending += 1;
		if (!interp_eval(I, s->u.if_.cond, &v))
			return F_ERROR;
		if (v.n)
			return interp_exec(I, s->u.if_.then);
		return s->u.if_.otherwise ? interp_exec(I, s->u.if_.otherwise) : F_OK;
	case STMT_FOR:
		return exec_for(I, s);
	case STMT_FOREACH:
		return exec_foreach(I, s);
	case STMT_RETURN:
		I->pending += 1;
		if (s->u.ret.value) {
			if (!interp_eval(I, s->u.ret.value, &v))
				return F_ERROR;
			I->fr->ret = v;
		}
		return F_RETURN;
	case STMT_NEXT:
		I->pending += 1;
		return F_NEXT;
	case STMT_BREAK:
		I->pending += 1;
		return F_BREAK;
	case STMT_CONTINUE:
		I->pending += 1;
		return F_CONTINUE;
	case STMT_DELETE:
		return exec_delete(I, s);
	case STMT_TRY:
		return exec_try(I, s);
	}
	return F_OK;
}

/* ------------------------------------------------------------ calls */

static struct iframe *frame_new(struct interp *I, const struct functiondecl *fn, uint32_t nslots)
{
	struct iframe *f = (struct iframe *)interp_alloc(I, sizeof(*f));
	memset(f, 0, sizeof(*f));
	f->nslots = nslots;
	f->fn = fn;
	f->slots = (struct ival *)interp_alloc(I, sizeof(struct ival) * (nslots + 1));
	memset(f->slots, 0, sizeof(struct ival) * (nslots + 1));
	return f;
}

static void frame_init_locals(struct iframe *f, const vardecl_vec *vars)
{
	vec_foreach(vars, i) {
		const struct bvar *v = plan_var(vars->items[i]);
		if (v && v->type == TYPE_STRING)
			f->slots[v->slot] = (struct ival){ .s = "", .len = 0 };
	}
}

bool interp_call(struct interp *I, struct expr *call, struct ival *out)
{
	struct functiondecl *fn = call->u.call.decl;
	if (fn->bpf_builtin || fn->embedded) {
		/* an unavailable builtin fails before its arguments run */
		if (!fn->bpf_builtin || !interp_builtin_available(fn->bpf_builtin))
			return interp_errorf(I, call->tok, "function '%s' is not available here",
					     fn->name);
		uint32_t n = call->u.call.args.len < 16 ? call->u.call.args.len : 16;
		struct ival bargs[16];
		for (uint32_t i = 0; i < n; i++)
			if (!interp_eval(I, call->u.call.args.items[i], &bargs[i]))
				return false;
		return interp_builtin(I, call, bargs, n, out);
	}
	uint32_t nargs = call->u.call.args.len;
	struct ival args[32];
	if (nargs > 32)
		return interp_error(I, call->tok, "too many arguments");
	for (uint32_t i = 0; i < nargs; i++)
		if (!interp_eval(I, call->u.call.args.items[i], &args[i]))
			return false;
	if (I->depth + 1 >= I->pl->lim.maxnesting)
		return interp_error(I, call->tok, "MAXNESTING exceeded");
	for (struct functiondecl *f = fn; f; f = f->next_overload) {
		struct bfunc *bf = plan_func(f);
		struct iframe *fr = frame_new(I, f, bf->nslots);
		frame_init_locals(fr, &f->params);
		frame_init_locals(fr, &f->locals);
		for (uint32_t i = 0; i < nargs && i < f->params.len; i++)
			fr->slots[plan_var(f->params.items[i])->slot] = args[i];
		fr->ret = f->type == TYPE_STRING ? (struct ival){ .s = "", .len = 0 } : (struct ival){ 0 };
		struct iframe *saved = I->fr;
		I->fr = fr;
		I->depth++;
		enum flow fl = f->body ? interp_exec(I, f->body) : F_OK;
		I->depth--;
		I->fr = saved;
		if (fl == F_ERROR)
			return false;
		if (fl == F_NEXT) {
			if (!f->next_overload)
				return interp_error(I, call->tok, "all functions exhausted");
			continue;
		}
		*out = fr->ret;
		return true;
	}
	return interp_error(I, call->tok, "all functions exhausted");
}

/* A pure script function applied to longs, for a record's deferred
 * argument (compiler/bpf/lower_defer.c): it reads only its parameters, so
 * no probe, frame or budget of a hit is involved. */
bool interp_apply(struct interp *I, const struct functiondecl *fn, const int64_t *args,
		  uint32_t nargs, struct ival *out)
{
	struct bfunc *bf = plan_func(fn);
	struct iframe *fr = frame_new(I, fn, bf->nslots);
	frame_init_locals(fr, &fn->params);
	frame_init_locals(fr, &fn->locals);
	for (uint32_t i = 0; i < nargs && i < fn->params.len; i++)
		fr->slots[plan_var(fn->params.items[i])->slot] = (struct ival){ .n = args[i] };
	fr->ret = (struct ival){ .s = "", .len = 0 };
	I->fr = fr;
	I->depth = 1;
	I->actions = I->pending = 0;
	clear_error(I);
	enum flow fl = interp_exec(I, fn->body);
	I->fr = NULL;
	I->depth = 0;
	*out = fl == F_ERROR ? (struct ival){ .s = "", .len = 0 } : fr->ret;
	return fl != F_ERROR;
}

void interp_release(struct interp *I)
{
	pool_reset(I);
}

/* ------------------------------------------------------------ hits */

struct interp *interp_new(struct urt *u)
{
	struct interp *I = xcalloc(1, sizeof(*I));
	I->u = u;
	I->pl = u->pl;
	return I;
}

void interp_free(struct interp *I)
{
	if (!I)
		return;
	while (I->pool) {
		struct pool_chunk *n = I->pool->next;
		free(I->pool);
		I->pool = n;
	}
	free(I->match_state);
	free(I->tok_buf);
	free(I);
}

bool interp_run(struct interp *I, struct bprobe *bp)
{
	struct derived_probe *dp = bp->dp;
	I->bp = bp;
	I->actions = I->pending = 0;
	I->depth = 0;
	I->match_groups = -1; /* no match yet: as after a failed one */
	I->tok_len = I->tok_pos = 0; /* tokenize() state belongs to the hit */
	clear_error(I);
	I->fr = frame_new(I, NULL, bp->nslots);
	frame_init_locals(I->fr, &dp->locals);
	enum flow f = F_OK;
	bool run = true;
	if (dp->condition) {
		struct ival c;
		if (!interp_eval(I, dp->condition, &c))
			f = F_ERROR;
		else
			run = c.n != 0;
	}
	if (run && f == F_OK) {
		f = interp_exec(I, dp->body);
		if (f != F_ERROR && !charge_check(I, dp->body->tok))
			f = F_ERROR;
	}
	bool ok = f != F_ERROR;
	urt_flush(I->u);
	if (!ok && !I->aborted)
		urt_error(I->u, I->err ? I->err : "unknown error", I->err ? I->err_len : 13,
			  I->err_tok, true);
	pool_reset(I);
	I->fr = NULL;
	return ok;
}

/* ------------------------------------------------------------ pass 3 check */

struct ucheck {
	struct ast_walker w;
	struct bpf_plan *pl;
	struct bprobe *bp;
	bool ok;
	/* functions already checked (cycle guard) */
	VEC(const struct functiondecl *) seen;
};

static void ucheck_fn(struct ucheck *uc, struct functiondecl *f);

static enum walk_result ucheck_expr(struct ast_walker *w, struct expr *e)
{
	struct ucheck *uc = w->data;
	const char *what = NULL;
	switch (e->kind) {
	case EXPR_CALL: {
		struct functiondecl *f = e->u.call.decl;
		if (!f)
			break;
		if (f->bpf_builtin) {
			if (!interp_builtin_available(f->bpf_builtin)) {
				diag_error(&uc->pl->s->diag, D_TRANS_BUILTIN, e->tok,
					   "function '%s' (BPF builtin '%s') is not available in "
					   "user-space handlers of the BPF runtime (probe %s)",
					   f->name, f->bpf_builtin, uc->bp->dp->pp);
				uc->ok = false;
			}
		} else if (f->embedded) {
			diag_error(&uc->pl->s->diag, D_TRANS_BUILTIN, e->tok,
				   "function '%s' has embedded C and no BPF implementation: it is "
				   "not available with the BPF runtime (probe %s)",
				   f->name, uc->bp->dp->pp);
			uc->ok = false;
		} else {
			for (struct functiondecl *g = f; g; g = g->next_overload)
				ucheck_fn(uc, g);
		}
		break;
	}
	case EXPR_EMBEDDED:
		what = "embedded C";
		break;
	case EXPR_TARGET:
	case EXPR_CAST:
		what = "target variables";
		break;
	case EXPR_PERF:
		what = "@perf";
		break;
	case EXPR_REGISTER:
		what = "@kregister/@uregister";
		break;
	case EXPR_DEREF:
		what = "@kderef/@uderef";
		break;
	case EXPR_ENTRY:
		what = "@entry";
		break;
	default:
		break;
	}
	if (what) {
		diag_error(&uc->pl->s->diag, D_TRANS_UNSUPPORTED, e->tok,
			   "%s cannot be used in probe %s with the BPF runtime (it runs in user space)",
			   what, uc->bp->dp->pp);
		uc->ok = false;
	}
	return WALK_NEXT;
}

static void ucheck_fn(struct ucheck *uc, struct functiondecl *f)
{
	vec_foreach(&uc->seen, i)
		if (uc->seen.items[i] == f)
			return;
	vec_push_heap(&uc->seen, f);
	if (f->body)
		ast_walk_stmt(&uc->w, f->body);
}

bool interp_check(struct bpf_plan *pl)
{
	struct ucheck uc = { .pl = pl, .ok = true };
	uc.w.expr_pre = ucheck_expr;
	uc.w.data = &uc;
	vec_foreach(&pl->probes, i) {
		struct bprobe *bp = pl->probes.items[i];
		if (bp->where != BP_USER)
			continue;
		uc.bp = bp;
		uc.seen.len = 0;
		if (bp->dp->condition)
			ast_walk_expr(&uc.w, bp->dp->condition);
		ast_walk_stmt(&uc.w, bp->dp->body);
	}
	vec_free_heap(&uc.seen);
	return uc.ok;
}

/* ------------------------------------------------- kernel context wanted */

struct kneed {
	struct ast_walker w;
	bool wants;
	VEC(const struct functiondecl *) seen;
};

static enum walk_result kneed_expr(struct ast_walker *w, struct expr *e)
{
	struct kneed *kn = w->data;
	switch (e->kind) {
	case EXPR_TARGET:
	case EXPR_CAST:
	case EXPR_REGISTER:
	case EXPR_DEREF:
		kn->wants = true;
		return WALK_STOP;
	case EXPR_CALL: {
		const struct functiondecl *f = e->u.call.decl;
		if (!f)
			break;
		if (f->bpf_builtin) {
			if (interp_builtin_wants_kernel(f->bpf_builtin)) {
				kn->wants = true;
				return WALK_STOP;
			}
			break;
		}
		for (const struct functiondecl *g = f; g; g = g->next_overload) {
			bool seen = false;
			vec_foreach(&kn->seen, i)
				seen |= kn->seen.items[i] == g;
			if (seen || !g->body)
				continue;
			vec_push_heap(&kn->seen, g);
			if (ast_walk_stmt(w, g->body) == WALK_STOP)
				return WALK_STOP;
		}
		break;
	}
	default:
		break;
	}
	return WALK_NEXT;
}

bool interp_needs_kernel(const struct bprobe *bp)
{
	struct kneed kn = { .wants = false };
	kn.w.expr_pre = kneed_expr;
	kn.w.data = &kn;
	if (bp->dp->condition)
		ast_walk_expr(&kn.w, bp->dp->condition);
	if (!kn.wants)
		ast_walk_stmt(&kn.w, bp->dp->body);
	vec_free_heap(&kn.seen);
	return kn.wants;
}
