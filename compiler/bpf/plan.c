/*
 * plan: limits, probe placement, data layout and string widths for the
 * BPF back end (see plan.h).
 *
 * Widths: every string-valued place (local, global, array key column,
 * array value, function parameter and result) starts at 1 (the empty
 * string) and grows to the widest value stored into it, re-walking every
 * body until nothing grows (monotone and capped at MAXSTRINGLEN, so it
 * ends).  A read through a narrower place can only find what was stored
 * there; a lookup key wider than a key column is simply absent.
 */
#include "bpf/plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpfmc/budget.h"
#include "bpfmc/ir.h"
#include "bpf/rtdata.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "bpf/family.h"
#include "elab/elaborate.h"
#include "elab/family.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"
#include "util/strbuf.h"

/* ------------------------------------------------------------ options */

const char *plan_define(const struct session *s, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	vec_foreach(&s->opts.defines, i) {
		const char *d = s->opts.defines.items[i];
		if (!strncmp(d, name, n) && (d[n] == '=' || d[n] == 0))
			found = d[n] == '=' ? d + n + 1 : "";
	}
	return found;
}

/* -D NAME=VALUE as a number in [lo, hi], else dflt.  A value the BPF
 * back end cannot honour is an error naming the macro, the value and the
 * range, never silently clamped or truncated (a map's size is a u32, an
 * action or error budget is compared as a 32-bit immediate). */
static int64_t define_range(struct session *s, const char *name, int64_t dflt, int64_t lo,
			    int64_t hi)
{
	const char *v = plan_define(s, name);
	if (!v || !*v)
		return dflt;
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 0);
	if (end == v || *end) {
		diag_report(&s->diag, DIAG_WARNING, W_DEFINE, NULL,
			    "ignoring -D %s=%s: not a number", name, v);
		return dflt;
	}
	if (errno == ERANGE || x < lo || x > hi) {
		diag_error(&s->diag, D_TRANS_OPTION, NULL,
			   "-D %s=%s is out of range: the BPF runtime takes %lld to %lld",
			   name, v, (long long)lo, (long long)hi);
		return dflt;
	}
	return x;
}

static int64_t define_num(struct session *s, const char *name, int64_t dflt)
{
	return define_range(s, name, dflt, INT64_MIN, INT64_MAX);
}

/* MAXSTRINGLEN: strings live in per-CPU scratch and the format helpers'
 * buffers, sized for at most 4096 bytes (fmt_helpers.h); below 8 the
 * runtime's own messages do not fit. */
#define BPF_MAXSTRINGLEN_MIN 8
#define BPF_MAXSTRINGLEN_MAX 4096
#define BPF_USTACK_SIZE_DEFAULT 8192
#define BPF_USTACK_SIZE_MIN 64
#define BPF_USTACK_SIZE_MAX 16384

static void limits_init(struct bpf_plan *pl)
{
	struct session *s = pl->s;
	struct bpf_limits *l = &pl->lim;
	l->maxstringlen = (uint32_t)define_range(s, "MAXSTRINGLEN", 512, BPF_MAXSTRINGLEN_MIN,
						 BPF_MAXSTRINGLEN_MAX);
	l->maxmapentries = (uint32_t)define_range(s, "MAXMAPENTRIES", 2048, 1, UINT32_MAX);
	int64_t ma = define_range(s, "MAXACTION", 1000, 1, INT32_MAX);
	int64_t interruptible = define_num(s, "INTERRUPTIBLE", 1);
	l->maxaction = interruptible ? define_range(s, "MAXACTION_INTERRUPTIBLE",
						    ma * 10 > INT32_MAX ? INT32_MAX : ma * 10, 1,
						    INT32_MAX)
				     : ma;
	l->maxerrors = define_range(s, "MAXERRORS", 0, 0, INT32_MAX);
	l->maxskipped = define_range(s, "MAXSKIPPED", 100, 0, INT64_MAX);
	l->max_buckets = (uint32_t)define_range(s, "STP_MAX_BUCKETS", STATS_MAX_BUCKETS_DEFAULT,
						1, UINT32_MAX);
	l->hist_width = define_num(s, "HIST_WIDTH", 50);
	l->hist_elision = define_num(s, "HIST_ELISION", 2);
	l->no_action_limit = s->opts.suppress_time_limits;
	/* a stricter kernel than any real one, for tests: only downwards */
	l->stack_limit = (uint32_t)define_range(s, "BPF_STACK_LIMIT", BUDGET_STACK_MAX, 64,
						 BUDGET_STACK_MAX);
	l->insn_limit = (uint32_t)define_range(s, "BPF_INSN_LIMIT", BUDGET_INSNS_MAX, 16,
						BUDGET_INSNS_MAX);
	/* the slice of user stack a user backtrace copies (lower_ustack.c):
	 * a record lives in per-CPU scratch, whose temporaries stop at 32000 */
	l->ustack_size = (uint32_t)define_range(s, "BPF_USTACK_SIZE", BPF_USTACK_SIZE_DEFAULT,
						 BPF_USTACK_SIZE_MIN, BPF_USTACK_SIZE_MAX);
	l->ustack_size = (l->ustack_size + 7) & ~7u;
	int mb = s->opts.bufsize_mb > 0 ? s->opts.bufsize_mb : 1;
	l->ringbuf_bytes = (uint32_t)(mb > 1024 ? 1024 : mb) << 20;
}

/* ------------------------------------------------------------ widths */

/*
 * BPF builtins (tapset functions whose kmod body is embedded C with a
 * "bpf: NAME" comment; tapset/BPF_BUILTINS.md) return strings narrower
 * than MAXSTRINGLEN where this table says so.
 */
enum builtin_width {
	BW_MAX = 0,          /* MAXSTRINGLEN */
	BW_ARG0 = 1u << 30,  /* as wide as the first (string) argument */
};

struct width_entry {
	const char *name;
	uint32_t width;
};

/* String results narrower than MAXSTRINGLEN (everything else: BW_MAX). */
static const struct width_entry widths[] = {
	{ "execname", 16 },     /* TASK_COMM_LEN */
	{ "stack_addrs", BW_MAX },
	{ "text_strn", BW_MAX },
	{ "substr", BW_ARG0 },
	{ "tokenize", BW_ARG0 },
	{ "matched", BW_MAX },
	{ "pp", BW_MAX },
	{ "pn", BW_MAX },
};

/* Width bound of a builtin call's string result. */
static uint32_t builtin_width(const struct bpf_plan *pl, const struct expr *call)
{
	const struct functiondecl *f = call->u.call.decl;
	uint32_t msl = pl->lim.maxstringlen;
	if (!strcmp(f->bpf_builtin, "pp") || !strcmp(f->bpf_builtin, "pn")) {
		/* per-probe constants: as wide as the widest */
		uint64_t w = 1;
		vec_foreach(&pl->probes, i) {
			const struct derived_probe *dp = pl->probes.items[i]->dp;
			const char *t = f->bpf_builtin[1] == 'p' ? dp->pp : dp->pn;
			if (strlen(t) + 1 > w)
				w = strlen(t) + 1;
		}
		return w < msl ? (uint32_t)w : msl;
	}
	uint32_t width = BW_MAX;
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (!strcmp(widths[i].name, f->bpf_builtin))
			width = widths[i].width;
	if (width == BW_MAX)
		return msl;
	if (width == BW_ARG0) {
		for (uint32_t i = 0; i < call->u.call.args.len; i++)
			if (call->u.call.args.items[i]->type == TYPE_STRING)
				return plan_width(pl, call->u.call.args.items[i]);
		return msl;
	}
	return width < msl ? width : msl;
}


static uint32_t wmin(const struct bpf_plan *pl, uint64_t w)
{
	return w > pl->lim.maxstringlen ? pl->lim.maxstringlen : w < 1 ? 1 : (uint32_t)w;
}

static uint32_t print_width(const struct bpf_plan *pl, const struct print_format *pf)
{
	uint64_t w = 1;
	if (pf->flags & PRINT_FORMAT) {
		unsigned pos = 0, argi = 0;
		struct fmt_spec sp;
		const char *err;
		while (pos < pf->format_len) {
			int r = fmt_next(pf->format, pf->format_len, &pos, &sp, &err);
			if (r <= 0)
				break;
			if (sp.conv == FMT_LITERAL) {
				w += sp.lit_len;
				continue;
			}
			if (sp.conv == FMT_PERCENT) {
				w += 1;
				continue;
			}
			if (sp.width == FMT_STAR || sp.prec == FMT_STAR)
				return pl->lim.maxstringlen;
			uint64_t fw = sp.width > 0 ? (uint64_t)sp.width : 0;
			uint64_t cw;
			const struct expr *a = argi < pf->args.len ? pf->args.items[argi] : NULL;
			argi++;
			switch (sp.conv) {
			case FMT_STRING:
				cw = a ? plan_width(pl, a) - 1 : pl->lim.maxstringlen;
				if (sp.prec >= 0 && (uint64_t)sp.prec < cw)
					cw = (uint64_t)sp.prec;
				cw += (sp.flags & FMT_F_ZERO) ? 1 : 0;
				break;
			case FMT_CHAR:
				cw = 4;
				break;
			case FMT_BINARY:
				cw = 8;
				break;
			case FMT_MEMORY:
			case FMT_MEMORY_HEX:
				return pl->lim.maxstringlen;
			default:
				cw = 24 + (sp.prec > 0 ? (uint64_t)sp.prec : 0);
				break;
			}
			w += fw > cw ? fw : cw;
		}
		return wmin(pl, w);
	}
	for (uint32_t i = 0; i < pf->args.len; i++) {
		const struct expr *a = pf->args.items[i];
		w += a->type == TYPE_STRING ? plan_width(pl, a) - 1 : 21;
		if (i && pf->delim)
			w += pf->delim_len;
	}
	if (pf->flags & PRINT_NEWLINE)
		w += 1;
	if (pf->hist)
		return pl->lim.maxstringlen;
	return wmin(pl, w);
}

uint32_t plan_width(const struct bpf_plan *pl, const struct expr *e)
{
	uint32_t msl = pl->lim.maxstringlen;
	switch (e->kind) {
	case EXPR_STRING:
		return wmin(pl, (uint64_t)e->u.str.len + 1);
	case EXPR_SYMBOL: {
		struct bvar *v = e->u.sym.decl ? plan_var(e->u.sym.decl) : NULL;
		return v && v->width ? v->width : msl;
	}
	case EXPR_INDEX: {
		const struct expr *b = e->u.index.base;
		if (b->kind == EXPR_SYMBOL && b->u.sym.decl) {
			struct bvar *v = plan_var(b->u.sym.decl);
			return v && v->width ? v->width : msl;
		}
		return msl;
	}
	case EXPR_CALL: {
		const struct functiondecl *f = e->u.call.decl;
		if (!f)
			return msl;
		if (f->bpf_builtin)
			return builtin_width(pl, e);
		struct bfunc *bf = plan_func(f);
		return bf && bf->ret_width ? bf->ret_width : msl;
	}
	case EXPR_PRINT:
		return print_width(pl, e->u.print);
	case EXPR_CONCAT:
		return wmin(pl, (uint64_t)plan_width(pl, e->u.binary.lhs) +
				       plan_width(pl, e->u.binary.rhs) - 1);
	case EXPR_TERNARY: {
		uint32_t a = plan_width(pl, e->u.ternary.then);
		uint32_t b = plan_width(pl, e->u.ternary.otherwise);
		return a > b ? a : b;
	}
	case EXPR_ASSIGN:
		if (e->u.assign.op == ASSIGN_CONCAT)
			return plan_width(pl, e->u.assign.lhs);
		return plan_width(pl, e->u.assign.rhs);
	case EXPR_TARGET:
	case EXPR_CAST: {
		const struct target_access *acc = e->u.target.resolved;
		if (acc && acc->base == ACCESS_CONST_STRING && acc->const_string)
			return wmin(pl, strlen(acc->const_string) + 1);
		return msl;
	}
	default:
		return msl;
	}
}

struct widen {
	struct ast_walker w;
	struct bpf_plan *pl;
	struct functiondecl *fn;   /* the function being walked, or NULL */
	bool changed;
};

static void grow(struct widen *wd, uint32_t *place, uint32_t w)
{
	if (w > *place) {
		*place = w;
		wd->changed = true;
	}
}

static struct bvar *array_of(const struct expr *base)
{
	if (base && base->kind == EXPR_SYMBOL && base->u.sym.decl)
		return plan_var(base->u.sym.decl);
	return NULL;
}

/* keys stored into an array (an insert may create the element) */
static void widen_keys(struct widen *wd, struct bvar *av, const expr_vec *keys)
{
	if (!av || av->kind != BV_ARRAY)
		return;
	for (uint32_t i = 0; i < keys->len && i < av->nkeys; i++) {
		const struct expr *k = keys->items[i];
		if (k && av->ktype[i] == TYPE_STRING)
			grow(wd, &av->kwidth[i], plan_width(wd->pl, k));
	}
}

static void widen_store(struct widen *wd, struct expr *lhs, enum assign_op op, struct expr *rhs)
{
	struct bvar *v = NULL;
	if (lhs->kind == EXPR_SYMBOL && lhs->u.sym.decl)
		v = plan_var(lhs->u.sym.decl);
	else if (lhs->kind == EXPR_INDEX) {
		v = array_of(lhs->u.index.base);
		widen_keys(wd, v, &lhs->u.index.keys);
	}
	if (!v || v->type != TYPE_STRING || !rhs)
		return;
	if (op == ASSIGN_SET)
		grow(wd, &v->width, plan_width(wd->pl, rhs));
	else if (op == ASSIGN_CONCAT)
		grow(wd, &v->width, wmin(wd->pl, (uint64_t)v->width + plan_width(wd->pl, rhs) - 1));
}

static enum walk_result widen_expr(struct ast_walker *w, struct expr *e)
{
	struct widen *wd = w->data;
	switch (e->kind) {
	case EXPR_ASSIGN:
		widen_store(wd, e->u.assign.lhs, e->u.assign.op, e->u.assign.rhs);
		break;
	case EXPR_INCDEC:
		if (e->u.incdec.operand->kind == EXPR_INDEX)
			widen_keys(wd, array_of(e->u.incdec.operand->u.index.base),
				   &e->u.incdec.operand->u.index.keys);
		break;
	case EXPR_CALL: {
		struct functiondecl *f = e->u.call.decl;
		if (!f || f->bpf_builtin || !f->body)
			break;
		for (struct functiondecl *g = f; g; g = g->next_overload)
			for (uint32_t i = 0; i < e->u.call.args.len && i < g->params.len; i++) {
				struct bvar *p = plan_var(g->params.items[i]);
				if (p && p->type == TYPE_STRING)
					grow(wd, &p->width, plan_width(wd->pl, e->u.call.args.items[i]));
			}
		break;
	}
	default:
		break;
	}
	return WALK_NEXT;
}

static enum walk_result widen_stmt(struct ast_walker *w, struct stmt *s)
{
	struct widen *wd = w->data;
	switch (s->kind) {
	case STMT_RETURN:
		if (wd->fn && s->u.ret.value && s->u.ret.value->type == TYPE_STRING) {
			struct bfunc *bf = plan_func(wd->fn);
			grow(wd, &bf->ret_width, plan_width(wd->pl, s->u.ret.value));
		}
		break;
	case STMT_FOREACH: {
		struct bvar *av = array_of(s->u.foreach.base);
		if (!av || av->kind != BV_ARRAY)
			break;
		for (uint32_t i = 0; i < s->u.foreach.keys.len && i < av->nkeys; i++) {
			struct expr *k = s->u.foreach.keys.items[i];
			struct bvar *kv = k->u.sym.decl ? plan_var(k->u.sym.decl) : NULL;
			if (kv && av->ktype[i] == TYPE_STRING)
				grow(wd, &kv->width, av->kwidth[i]);
		}
		struct expr *val = s->u.foreach.value;
		if (val && val->u.sym.decl && av->type == TYPE_STRING)
			grow(wd, &plan_var(val->u.sym.decl)->width, av->width);
		break;
	}
	case STMT_TRY:
		if (s->u.try_.catch_var && s->u.try_.catch_var->u.sym.decl)
			grow(wd, &plan_var(s->u.try_.catch_var->u.sym.decl)->width,
			     wd->pl->lim.maxstringlen);
		break;
	default:
		break;
	}
	return WALK_NEXT;
}

static void widths_fixpoint(struct bpf_plan *pl)
{
	struct widen wd = { .pl = pl };
	wd.w.expr_post = widen_expr;
	wd.w.stmt_pre = widen_stmt;
	wd.w.data = &wd;
	for (int round = 0; round < 1000; round++) {
		wd.changed = false;
		vec_foreach(&pl->probes, i) {
			wd.fn = NULL;
			struct derived_probe *dp = pl->probes.items[i]->dp;
			if (dp->condition)
				ast_walk_expr(&wd.w, dp->condition);
			ast_walk_stmt(&wd.w, dp->body);
		}
		vec_foreach(&pl->prog->functions, i) {
			struct functiondecl *f = pl->prog->functions.items[i];
			if (!f->body)
				continue;
			wd.fn = f;
			ast_walk_stmt(&wd.w, f->body);
		}
		if (!wd.changed)
			break;
	}
}

/* ------------------------------------------------------------ variables */

static struct bvar *new_local(struct bpf_plan *pl, struct vardecl *v, uint32_t slot)
{
	struct bvar *b = arena_new_obj(pl->arena, struct bvar);
	b->kind = BV_LOCAL;
	b->decl = v;
	b->type = v->type;
	b->width = 1;
	b->slot = slot;
	v->backend = b;
	return b;
}

static uint32_t align8(uint32_t x)
{
	return (x + 7) & ~7u;
}

static const char *find_g_option(struct bpf_plan *pl, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	vec_foreach(&pl->s->opts.globals_set, i) {
		const char *g = pl->s->opts.globals_set.items[i];
		if (!strncmp(g, name, n) && g[n] == '=')
			found = g + n + 1;
	}
	return found;
}

static void stats_desc_for(struct bpf_plan *pl, struct bvar *b)
{
	enum stats_hist h = b->hist == HIST_LOG ? STATS_HIST_LOG
			    : b->hist == HIST_LINEAR ? STATS_HIST_LINEAR : STATS_HIST_NONE;
	enum stats_linear_check why = stats_desc_init(&b->sdesc, h, b->hist_start, b->hist_stop,
						      b->hist_interval, b->var_shift,
						      b->want_variance ? STATS_WANT_VARIANCE : 0,
						      pl->lim.max_buckets);
	if (why != STATS_LINEAR_OK)
		b->hist_bad = true;
}

/* Histogram kinds and @variance shifts come from the uses (the first
 * @hist_linear's parameters; pass 2 checks they agree). */
struct statuse {
	struct ast_walker w;
};

static struct bvar *stat_var(const struct expr *operand)
{
	if (operand->kind == EXPR_INDEX)
		operand = operand->u.index.base;
	return operand->kind == EXPR_SYMBOL && operand->u.sym.decl ? plan_var(operand->u.sym.decl)
								 : NULL;
}

static enum walk_result statuse_expr(struct ast_walker *w, struct expr *e)
{
	(void)w;
	struct bvar *v;
	if (e->kind == EXPR_HIST && (v = stat_var(e->u.hist.operand)) && !v->hist) {
		v->hist = e->u.hist.kind;
		v->hist_start = e->u.hist.start;
		v->hist_stop = e->u.hist.stop;
		v->hist_interval = e->u.hist.interval;
	} else if (e->kind == EXPR_STAT && e->u.stat.op == STAT_VARIANCE &&
		   (v = stat_var(e->u.stat.operand))) {
		v->want_variance = true;
		if (e->u.stat.has_shift)
			v->var_shift = (uint32_t)e->u.stat.shift;
	}
	return WALK_NEXT;
}

static void collect_stats_usage(struct bpf_plan *pl)
{
	struct statuse su = { 0 };
	su.w.expr_pre = statuse_expr;
	vec_foreach(&pl->probes, i) {
		struct derived_probe *dp = pl->probes.items[i]->dp;
		ast_walk_stmt(&su.w, dp->body);
	}
	vec_foreach(&pl->prog->functions, i)
		if (pl->prog->functions.items[i]->body)
			ast_walk_stmt(&su.w, pl->prog->functions.items[i]->body);
	vec_foreach(&pl->globals, i) {
		struct bvar *b = pl->globals.items[i];
		if (b->type == TYPE_STATS)
			stats_desc_for(pl, b);
	}
}

static bool layout_global(struct bpf_plan *pl, struct vardecl *v)
{
	struct bvar *b = arena_new_obj(pl->arena, struct bvar);
	b->decl = v;
	b->type = v->type;
	b->width = 1;
	v->backend = b;
	vec_push(pl->arena, &pl->globals, b);
	b->init_text = find_g_option(pl, v->name);
	if (v->init && v->init->kind == EXPR_STRING)
		b->width = wmin(pl, (uint64_t)v->init->u.str.len + 1);
	if (b->init_text && v->type == TYPE_STRING) {
		uint32_t w = wmin(pl, strlen(b->init_text) + 1);
		if (w > b->width)
			b->width = w;
	}
	if (v->arity > 0) {
		b->kind = BV_ARRAY;
		b->nkeys = (uint32_t)v->arity;
		if (b->nkeys > BPF_MAX_KEYS) {
			diag_error(&pl->s->diag, D_TRANS_LIMIT, v->tok, "array '%s' has too many indexes",
				   v->name);
			return false;
		}
		for (uint32_t i = 0; i < b->nkeys; i++) {
			b->ktype[i] = v->index_types ? v->index_types[i] : TYPE_LONG;
			b->kwidth[i] = 1;
		}
		b->wrap = v->wrap;
		b->sized = v->maxsize > 0;
		b->capacity = v->maxsize > 0 ? (uint32_t)v->maxsize : pl->lim.maxmapentries;
		b->percpu = v->type == TYPE_STATS;
		return true;
	}
	switch (v->type) {
	case TYPE_LONG:
		b->kind = BV_LONG;
		break;
	case TYPE_STRING:
		b->kind = BV_STRING;
		break;
	case TYPE_STATS:
		b->kind = BV_STATS;
		break;
	default:
		diag_error(&pl->s->diag, D_TRANS_PROGRAM, v->tok, "global '%s' has no type", v->name);
		return false;
	}
	return true;
}

/* After widths are known: offsets and map shapes. */
static void layout_finish(struct bpf_plan *pl)
{
	uint32_t goff = RT_HEAD_SIZE, soff = 0;
	vec_foreach(&pl->globals, i) {
		struct bvar *b = pl->globals.items[i];
		switch (b->kind) {
		case BV_LONG:
			b->off = goff;
			goff += 8;
			break;
		case BV_STRING:
			b->off = goff;
			goff += align8(b->width);
			break;
		case BV_STATS:
			b->off = soff;
			soff += align8(stats_acc_size(&b->sdesc));
			break;
		case BV_ARRAY: {
			uint32_t k = 0;
			for (uint32_t j = 0; j < b->nkeys; j++) {
				b->koff[j] = k;
				k += b->ktype[j] == TYPE_STRING ? align8(b->kwidth[j]) : 8;
			}
			b->key_size = k ? k : 8;
			uint32_t vs = b->type == TYPE_STRING ? align8(b->width)
				      : b->type == TYPE_STATS ? stats_acc_size(&b->sdesc) : 8;
			b->value_size = BV_VALUE_OFF + vs;
			/* a wrap-around array is a plain hash too: inserting into
			 * a full one deletes the element with the smallest
			 * sequence (lower_map.c, urt.c); an LRU map would evict
			 * approximately */
			enum bpf_map_type t = b->percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
			uint32_t flags = 0;
			uint64_t bytes = (uint64_t)(b->key_size + b->value_size) * b->capacity *
					 (b->percpu ? (uint64_t)pl->ncpus : 1);
			if (bytes > (16u << 20))
				flags |= BPF_F_NO_PREALLOC;
			b->map = ir_map_new(pl->arena, b->decl->name, t, b->key_size, b->value_size,
					    b->capacity, flags);
			break;
		}
		default:
			break;
		}
	}
	pl->globals_size = goff;
	pl->stats_size = soff;
	pl->gmap = ir_map_new(pl->arena, "globals", BPF_MAP_TYPE_ARRAY, 4, goff, 1,
			      BPF_F_MMAPABLE);
	if (soff)
		pl->smap = ir_map_new(pl->arena, "stats", BPF_MAP_TYPE_PERCPU_ARRAY, 4, soff, 1, 0);
}

/* ------------------------------------------------------------ functions */

static bool reaches(struct functiondecl *from, struct functiondecl *to, int depth);

struct callscan {
	struct ast_walker w;
	struct functiondecl *to;
	int depth;
	bool found;
	unsigned max_depth;
};

static enum walk_result scan_call(struct ast_walker *w, struct expr *e)
{
	struct callscan *cs = w->data;
	if (e->kind != EXPR_CALL || !e->u.call.decl)
		return WALK_NEXT;
	for (struct functiondecl *g = e->u.call.decl; g; g = g->next_overload) {
		if (g == cs->to || reaches(g, cs->to, cs->depth + 1)) {
			cs->found = true;
			return WALK_STOP;
		}
	}
	return WALK_NEXT;
}

static bool reaches(struct functiondecl *from, struct functiondecl *to, int depth)
{
	if (!from->body || depth > 64)
		return depth > 64;
	struct callscan cs = { .to = to, .depth = depth };
	cs.w.expr_pre = scan_call;
	cs.w.data = &cs;
	ast_walk_stmt(&cs.w, from->body);
	return cs.found;
}

struct depthscan {
	struct ast_walker w;
	unsigned depth, max;
};

static unsigned call_depth(struct functiondecl *f, unsigned guard);

static enum walk_result scan_depth(struct ast_walker *w, struct expr *e)
{
	struct depthscan *ds = w->data;
	if (e->kind != EXPR_CALL || !e->u.call.decl)
		return WALK_NEXT;
	for (struct functiondecl *g = e->u.call.decl; g; g = g->next_overload) {
		unsigned d = 1 + call_depth(g, ds->depth + 1);
		if (d > ds->max)
			ds->max = d;
	}
	return WALK_NEXT;
}

static unsigned call_depth(struct functiondecl *f, unsigned guard)
{
	if (!f->body || guard > 32)
		return 0;
	struct bfunc *bf = plan_func(f);
	if (bf && bf->recursive)
		return 0;
	struct depthscan ds = { .depth = guard };
	ds.w.expr_pre = scan_depth;
	ds.w.data = &ds;
	ast_walk_stmt(&ds.w, f->body);
	return ds.max;
}

static void plan_functions(struct bpf_plan *pl)
{
	unsigned max_depth = 0;
	bool any_recursive = false;
	vec_foreach(&pl->prog->functions, i) {
		struct functiondecl *f = pl->prog->functions.items[i];
		struct bfunc *bf = arena_new_obj(pl->arena, struct bfunc);
		f->backend = bf;
		bf->ret_width = 1;
		uint32_t slot = 0;
		vec_foreach(&f->params, j)
			new_local(pl, f->params.items[j], slot++);
		vec_foreach(&f->locals, j)
			new_local(pl, f->locals.items[j], slot++);
		bf->nslots = slot;
	}
	vec_foreach(&pl->prog->functions, i) {
		struct functiondecl *f = pl->prog->functions.items[i];
		if (reaches(f, f, 0)) {
			plan_func(f)->recursive = true;
			any_recursive = true;
		}
	}
	vec_foreach(&pl->prog->functions, i) {
		unsigned d = 1 + call_depth(pl->prog->functions.items[i], 0);
		if (d > max_depth)
			max_depth = d;
	}
	int64_t mn = define_range(pl->s, "MAXNESTING",
				  (int64_t)max_depth + 1 + (any_recursive ? 10 : 0), 1, INT32_MAX);
	pl->lim.maxnesting = (uint32_t)mn;
}

/* ------------------------------------------------------------ probes */

static bool place_probe(struct bpf_plan *pl, struct derived_probe *dp)
{
	struct bprobe *bp = arena_new_obj(pl->arena, struct bprobe);
	bp->dp = dp;
	bp->index = pl->probes.len;
	uint32_t slot = 0;
	vec_foreach(&dp->locals, j)
		new_local(pl, dp->locals.items[j], slot++);
	bp->nslots = slot;
	const struct bpf_family *fam = dp->family->bpf;
	bp->where = BP_KERNEL;
	if (fam && fam->place)
		fam->place(pl, bp);
	if (bp->where == BP_KERNEL)
		pl->nkernel++;
	else if (bp->where == BP_USER)
		pl->nuser++;
	vec_push(pl->arena, &pl->probes, bp);
	return true;
}

static int target_hz(struct session *s)
{
	struct target *t = s->target ? s->target : NULL;
	const char *v = t ? target_config(t, "CONFIG_HZ") : NULL;
	long hz = v ? strtol(v, NULL, 10) : 0;
	return hz > 0 ? (int)hz : 250;
}

/* The translator's time zone, fixed at pass 3 for both sides of the run
 * (SystemTap takes it from the translator's local time now). */
static void local_zone(struct bpf_plan *pl)
{
	time_t now = time(NULL);
	struct tm tm;
	tzset();
	if (!localtime_r(&now, &tm)) {
		pl->tz_name = "UTC";
		return;
	}
	pl->tz_gmtoff = -(int64_t)tm.tm_gmtoff;
	pl->tz_name = arena_strdup(pl->arena, tm.tm_zone && *tm.tm_zone ? tm.tm_zone : "UTC");
}

struct bpf_plan *plan_build(struct session *s, struct program *p)
{
	struct bpf_plan *pl = arena_new_obj(s->arena, struct bpf_plan);
	pl->s = s;
	pl->prog = p;
	pl->arena = s->arena;
	struct diag_mark before = diag_mark(&s->diag);
	limits_init(pl);
	int n = libbpf_num_possible_cpus();
	pl->ncpus = n > 0 ? n : 1;
	pl->hz = target_hz(s);
	local_zone(pl);
	vec_foreach(&p->functions, i) {
		const char *b = p->functions.items[i]->bpf_builtin;
		if (b && (!strcmp(b, "matched") || !strcmp(b, "ngroups")))
			pl->track_groups = true;
	}

	vec_foreach(&p->globals, i)
		layout_global(pl, p->globals.items[i]);
	plan_functions(pl);
	vec_foreach(&p->probes, i)
		place_probe(pl, p->probes.items[i]);
	if (diag_errors_since(&s->diag, &before))
		return NULL;
	collect_stats_usage(pl);
	widths_fixpoint(pl);
	layout_finish(pl);
	pl->klines_path = elaborate_kernel_lines(s, p);
	return pl;
}
