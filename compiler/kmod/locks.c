/*
 * locks: which global locks each probe takes (runtime/kmod/README.md §3.4,
 * language.md §6 "Execution model").
 *
 * Input: the program, laid out.  Output: per function and per probe, a mode
 * per global (LOCK_R / LOCK_W, 0 = untouched), transitive over every
 * function the body can call; per global, whether a concurrently running
 * probe writes it; per probe, needs_locks.
 *
 * Modes, as SystemTap takes them: reading a scalar or an element, `in` and
 * an unsorted foreach of a plain array read; assigning, ++, delete and
 * sorted foreach write; `<<<` only reads (per-CPU accumulation); anything
 * that reads statistics (extractors, histograms, foreach, `in`, delete)
 * writes, because the merge is shared.  Embedded-C functions name their
 * globals with /\* pragma:read:X *\/ and /\* pragma:write:X *\/.
 *
 * begin, end and error probes take no locks: begin probes run before any
 * other probe is armed and end/error probes after every probe was disarmed
 * and no handler runs (runtime session.c), one at a time.  A normal probe
 * locks a global only if some normal probe writes it; globals written only
 * by begin/end probes (or at load, -G) are read without locks (SystemTap's
 * "read-mostly" rule).  The runtime takes a probe's locks in ascending
 * global order, which is declaration order, so no two probes can deadlock.
 */
#include <string.h>

#include "kmod/kmod.h"
#include "util/arena.h"

struct acc {
	struct kmod *K;
	uint8_t *modes;
};

static void mark(struct acc *A, struct vardecl *v, uint8_t mode)
{
	if (!v || v->kind != VAR_GLOBAL || !v->backend)
		return;
	struct kglobal *g = v->backend;
	if (A->modes[g->index] < mode)
		A->modes[g->index] = mode;
}

static struct vardecl *base_var(struct expr *e)
{
	if (!e)
		return NULL;
	if (e->kind == EXPR_INDEX)
		e = e->u.index.base;
	if (e->kind == EXPR_HIST)
		return base_var(e->u.hist.operand);
	return e->kind == EXPR_SYMBOL ? e->u.sym.decl : NULL;
}

static bool is_stats(struct vardecl *v)
{
	return v && v->type == TYPE_STATS;
}

static void merge(uint8_t *into, const uint8_t *from, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (into[i] < from[i])
			into[i] = from[i];
}

static enum walk_result acc_expr(struct ast_walker *w, struct expr *e)
{
	struct acc *A = w->data;
	struct vardecl *v;
	switch (e->kind) {
	case EXPR_SYMBOL:
		v = e->u.sym.decl;
		/* arrays and statistics: their parent decides the mode */
		if (v && v->arity <= 0 && !is_stats(v))
			mark(A, v, LOCK_R);
		break;
	case EXPR_INDEX:
		v = base_var(e);
		mark(A, v, is_stats(v) ? LOCK_W : LOCK_R);
		break;
	case EXPR_ASSIGN:
		v = base_var(e->u.assign.lhs);
		mark(A, v, e->u.assign.op == ASSIGN_STATS ? LOCK_R : LOCK_W);
		break;
	case EXPR_INCDEC:
		mark(A, base_var(e->u.incdec.operand), LOCK_W);
		break;
	case EXPR_IN:
		v = base_var(e->u.in.array);
		mark(A, v, is_stats(v) ? LOCK_W : LOCK_R);
		break;
	case EXPR_STAT:
		mark(A, base_var(e->u.stat.operand), LOCK_W);
		break;
	case EXPR_HIST:
		mark(A, base_var(e->u.hist.operand), LOCK_W);
		break;
	case EXPR_CALL: {
		struct functiondecl *f = e->u.call.decl;
		for (; f; f = f->next_overload) {
			struct kfunc *kf = f->backend;
			if (kf && kf->modes)
				merge(A->modes, kf->modes, A->K->nglobals);
		}
		break;
	}
	default:
		break;
	}
	return WALK_NEXT;
}

static enum walk_result acc_stmt(struct ast_walker *w, struct stmt *s)
{
	struct acc *A = w->data;
	struct vardecl *v;
	switch (s->kind) {
	case STMT_FOREACH:
		v = base_var(s->u.foreach.base);
		mark(A, v, (is_stats(v) || s->u.foreach.sort_dir) ? LOCK_W : LOCK_R);
		break;
	case STMT_DELETE:
		mark(A, base_var(s->u.del.target), LOCK_W);
		break;
	default:
		break;
	}
	return WALK_NEXT;
}

static void collect(struct kmod *K, uint8_t *modes, struct stmt *body, struct expr *cond)
{
	struct acc A = { K, modes };
	struct ast_walker w = { .expr_pre = acc_expr, .stmt_pre = acc_stmt, .data = &A };
	if (body)
		ast_walk_stmt(&w, body);
	if (cond)
		ast_walk_expr(&w, cond);
}

/* Functions: direct accesses, then callees' until nothing changes
 * (recursion makes the call graph cyclic). */
static void functions_modes(struct kmod *K)
{
	for (unsigned i = 0; i < K->nfuncs; i++) {
		struct kfunc *kf = K->funcs[i];
		kf->modes = arena_alloc(K->a, K->nglobals + 1);
		if (kf->decl->embedded)
			km_pragma_globals(K, kf->decl->embedded, kf->modes);
	}
	uint8_t *tmp = arena_alloc(K->a, K->nglobals + 1);
	bool changed = true;
	while (changed) {
		changed = false;
		for (unsigned i = 0; i < K->nfuncs; i++) {
			struct kfunc *kf = K->funcs[i];
			if (!kf->decl->body)
				continue;
			memcpy(tmp, kf->modes, K->nglobals);
			collect(K, tmp, kf->decl->body, NULL);
			if (memcmp(tmp, kf->modes, K->nglobals) != 0) {
				memcpy(kf->modes, tmp, K->nglobals);
				changed = true;
			}
		}
	}
}

bool km_locks(struct kmod *K)
{
	functions_modes(K);
	for (unsigned i = 0; i < K->nprobes; i++) {
		struct kprobe_tr *p = &K->probes[i];
		p->modes = arena_alloc(K->a, K->nglobals + 1);
		collect(K, p->modes, p->dp->body, p->dp->condition);
		if (p->kind != KP_NORMAL)
			continue;
		for (unsigned g = 0; g < K->nglobals; g++)
			if (p->modes[g] == LOCK_W)
				K->globals[g]->written_live = true;
	}
	for (unsigned i = 0; i < K->nprobes; i++) {
		struct kprobe_tr *p = &K->probes[i];
		if (p->kind != KP_NORMAL)
			continue;
		for (unsigned g = 0; g < K->nglobals; g++)
			if (p->modes[g] && K->globals[g]->written_live)
				p->needs_locks = true;
	}
	return true;
}
