/*
 * targets: context variables ($var, $$vars, @var, @cast, autocast) and the
 * @defined/@entry operators, resolved by the family of each derived probe.
 *
 * @defined(e) becomes 1 or 0 here: e is resolved quietly and the operator
 * is replaced by the literal (branches a literal condition kills are
 * dropped, so @choose_defined($x, y) never resolves an undefined $x).
 *
 * Autocasts (x->member on a plain value) take the type of what x holds:
 * a variable assigned a typed target expression, or a function returning
 * one, carries that type as a hint.  Hints flow in rounds until nothing
 * changes; a final round reports what is still unresolved.  Functions have
 * no probe context: $vars there are unresolvable (so @defined gives 0).
 */
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/pretty.h"
#include "elab/typeinfo.h"
#include "elab/uvars.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"

struct tctx {
	struct elab *E;
	struct derived_probe *dp;       /* NULL in functions */
	struct functiondecl *fn;        /* the function being walked, or NULL */
	bool final;                     /* last round: report what is left */
	bool progress;                  /* a hint or resolution appeared */
};

static bool is_target(const struct expr *e)
{
	return e->kind == EXPR_TARGET || e->kind == EXPR_CAST;
}

static bool is_autocast(const struct expr *e)
{
	return e->kind == EXPR_CAST && !e->u.target.type_name;
}

/* A value's type for autocasts: BTF id, address-ness, and the module the
 * type came from (types from different @cast modules are different). */
struct vtype {
	int32_t id;
	bool is_address;
	const char *module;
	const struct uvars_type *dtype; /* a DWARF type (id unused), else NULL */
};

/* A DWARF type as the object a value reaches: a pointer to T held as a
 * value and the address of a T are the same to member access, so that
 * p = &$s->member and p = p->next give p one type. */
static void dwarf_object(const struct vtype *v, Dwarf_Off *die, const void **cu, bool *addr)
{
	struct udwarf_type t = v->dtype->type, peeled, inner;
	*addr = v->is_address;
	if (!v->is_address && udwarf_type_peel(&t, &peeled) &&
	    udwarf_type_kind(&peeled) == UDWARF_TYPE_POINTER && udwarf_type_inner(&peeled, &inner)) {
		t = inner;
		*addr = true;
	}
	if (udwarf_type_peel(&t, &peeled))
		t = peeled;
	*die = dwarf_dieoffset(&t.die);
	*cu = t.die.cu;
}

static bool same_type(const struct vtype *a, const struct vtype *b)
{
	if (!a->dtype || !b->dtype) {
		return !a->dtype && !b->dtype && a->id == b->id && a->is_address == b->is_address &&
		       !strcmp(a->module, b->module);
	}
	Dwarf_Off da, db;
	const void *ca, *cb;
	bool aa, ab;
	dwarf_object(a, &da, &ca, &aa);
	dwarf_object(b, &db, &cb, &ab);
	return da == db && ca == cb && aa == ab && a->dtype->user == b->dtype->user;
}

static bool value_type(const struct expr *x, struct vtype *t)
{
	switch (x->kind) {
	case EXPR_TARGET:
	case EXPR_CAST: {
		const struct target_access *a = x->u.target.resolved;
		if (!a || a->is_string || (!a->btf_id && !a->dtype))
			return false;
		if (!a->btf_id) {
			*t = (struct vtype){ 1, a->is_address, "dwarf", a->dtype };
			return true;
		}
		*t = (struct vtype){ a->btf_id, a->is_address, a->module ? a->module : "kernel", NULL };
		return true;
	}
	case EXPR_SYMBOL: {
		const struct vardecl *v = x->u.sym.decl;
		if (!v || v->type_hint <= 0)
			return false;
		*t = (struct vtype){ v->type_hint, v->type_hint_address, v->type_hint_module,
				     v->type_hint_dwarf };
		return true;
	}
	case EXPR_CALL: {
		const struct functiondecl *f = x->u.call.decl;
		if (!f || f->type_hint <= 0)
			return false;
		*t = (struct vtype){ f->type_hint, f->type_hint_address, f->type_hint_module,
				     f->type_hint_dwarf };
		return true;
	}
	case EXPR_ADDROF:
		return value_type(x->u.op1.operand, t);
	case EXPR_ASSIGN:
		return x->u.assign.op == ASSIGN_SET && value_type(x->u.assign.rhs, t);
	case EXPR_TERNARY: {
		struct vtype a, b;
		if (!value_type(x->u.ternary.then, &a) || !value_type(x->u.ternary.otherwise, &b))
			return false;
		if (!same_type(&a, &b))
			return false;
		*t = a;
		return true;
	}
	default:
		return false;
	}
}

/* Records what a variable or function is given; a second, different type
 * makes it untyped for good.  Returns whether anything changed. */
static bool hint(int32_t *id, bool *addr, const char **module, const struct uvars_type **dtype,
		 const struct vtype *t)
{
	if (*id == 0) {
		*id = t->id;
		*addr = t->is_address;
		*module = t->module;
		*dtype = t->dtype;
		return true;
	}
	struct vtype had = { *id, *addr, *module, *dtype };
	if (*id > 0 && !same_type(&had, t)) {
		*id = -1;
		return true;
	}
	return false;
}

/* @cast(p, "T") in a probe whose family names a DWARF file for it (a
 * process probe: the probed file's types), or an autocast of a value
 * typed from DWARF.  False: BTF is to answer. */
static bool resolve_dwarf_cast(struct tctx *c, struct expr *e, const struct vtype *base)
{
	struct elab *E = c->E;
	const struct uvars_type *type = base ? base->dtype : NULL;
	bool is_address = base ? base->is_address : true;
	if (!type) {
		const struct probe_family *f = c->dp ? c->dp->family : NULL;
		bool user = false;
		const char *file = NULL;
		struct udwarf *dw = !base && !e->u.target.module && f && f->cast_dwarf
					    ? f->cast_dwarf(E, c->dp, &user, &file) : NULL;
		if (!dw)
			return false;
		struct uvars_type *t = arena_new_obj(E->arena, struct uvars_type);
		t->user = user;
		if (!udwarf_find_type(dw, e->u.target.type_name, &t->type)) {
			elab_target_error(E, e->tok, "type definition '%s' not found in '%s'",
					  e->u.target.type_name, file);
			return true;
		}
		type = t;
	}
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->module = "dwarf";
	if (uvars_cast(E, type, is_address, !base, e, acc))
		e->u.target.resolved = acc;
	return true;
}

/* @cast(p, "type"[, "module"]) and autocasts work in any probe and in
 * functions: they need only the type of the base. */
static void resolve_cast(struct elab *E, struct expr *e, const struct vtype *base)
{
	int32_t auto_id = base ? base->id : 0;
	bool auto_address = base ? base->is_address : false;
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->module = base ? base->module : (e->u.target.module ? e->u.target.module : "kernel");
	acc->base = ACCESS_EXPR;
	acc->base_expr = e->u.target.operand;
	acc->base_size = 8;
	struct target *t = elab_target(E);
	struct btf *btf = t ? target_btf(t) : NULL;
	if (!btf) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "no kernel type information (BTF) for %s",
				   e->u.target.type_name ? "@cast" : "this autocast");
		return;
	}
	int32_t id = auto_id;
	bool is_address = auto_address;
	if (e->u.target.type_name) {
		id = typeinfo_find_type(btf, e->u.target.type_name);
		if (!id) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "type definition '%s' not found in '%s'",
					   e->u.target.type_name,
					   e->u.target.module ? e->u.target.module : "kernel");
			return;
		}
		is_address = true;
	}
	if (!typeinfo_walk(E, btf, id, is_address, e, acc))
		return;
	if (acc->is_string)
		e->type = TYPE_STRING;
	e->u.target.resolved = acc;
}

/* $var$ / $var$$ resolved to a value of a known type: the text that shows
 * it (a family's $$vars$ writes its own). */
static bool pretty_text(struct elab *E, struct expr *e)
{
	struct target_access *acc = e->u.target.resolved;
	if (!acc->pretty || e->u.target.pretty)
		return true;
	struct target *t = elab_target(E);
	struct btf *btf = t ? target_btf(t) : NULL;
	if (acc->dtype && !acc->btf_id)
		e->u.target.pretty = pretty_build_dwarf(E, acc, &acc->dtype->type, acc->is_address, e);
	else if (btf && acc->btf_id)
		e->u.target.pretty = pretty_build(E, btf, acc, acc->btf_id, acc->is_address, e);
	else if (!E->quiet_targets)
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
			   "cannot pretty-print '%s': its type is unknown (no BTF)",
			   e->u.target.name ? e->u.target.name : "@cast");
	return e->u.target.pretty != NULL;
}

/* Resolves one target expression; quiet: no messages.  Returns whether it
 * resolved; *waiting: an autocast whose base type is not known yet. */
static bool resolve_target(struct tctx *c, struct expr *e, bool quiet, bool *waiting)
{
	struct elab *E = c->E;
	*waiting = false;
	if (e->u.target.resolved)
		return true;
	struct vtype base = { 0 };
	if (is_autocast(e) && !value_type(e->u.target.operand, &base)) {
		if (!c->final) {
			*waiting = true;
			return false;
		}
		if (!quiet) {
			const struct token *op = e->u.target.comps.len ? e->u.target.comps.items[0].tok
								       : e->tok;
			diag_error(E->diag, D_SEM_TARGET_VAR, op, "unknown type in dereference");
		}
		return false;
	}
	bool saved = E->quiet_targets;
	E->quiet_targets = quiet;
	struct diag_mark before = diag_mark(E->diag);
	if (quiet)
		diag_mute(E->diag);
	bool ok = false;
	const struct probe_family *f = c->dp ? c->dp->family : NULL;
	if (e->kind == EXPR_CAST) {
		if (!resolve_dwarf_cast(c, e, is_autocast(e) ? &base : NULL))
			resolve_cast(E, e, is_autocast(e) ? &base : NULL);
		ok = !diag_errors_since(E->diag, &before) && e->u.target.resolved != NULL;
	} else if (f && f->target_var) {
		ok = f->target_var(E, c->dp, e) && !diag_errors_since(E->diag, &before) &&
		     e->u.target.resolved != NULL;
	} else if (!quiet) {
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "unresolved target-symbol expression");
	}
	if (ok && !pretty_text(E, e))
		ok = false;
	E->quiet_targets = saved;
	if (quiet) {
		diag_rollback(E->diag, &before);
		if (!ok)
			e->u.target.resolved = NULL;
	}
	if (ok) {
		c->progress = true;
		if (c->dp)
			c->dp->uses_target_vars = true;
	}
	return ok;
}

static void make_number(struct expr *e, int64_t v)
{
	e->kind = EXPR_NUMBER;
	e->u.num = v;
	e->type = TYPE_LONG;
}

/* The bases of a target expression (cast operands) are ordinary
 * expressions; resolve what they contain first. */
static void walk_bases(struct ast_walker *w, struct expr *x)
{
	if (is_target(x) && x->u.target.operand)
		ast_walk_expr(w, x->u.target.operand);
	if (x->kind == EXPR_ADDROF)
		walk_bases(w, x->u.op1.operand);
}

/* @defined(x) -> 1/0, once it can be decided. */
static void fold_defined(struct ast_walker *w, struct expr *e)
{
	struct tctx *c = w->data;
	struct expr *x = e->u.op1.operand;
	bool addressof = false;
	while (x->kind == EXPR_ADDROF) {
		x = x->u.op1.operand;
		addressof = true;
	}
	if (is_target(x) && addressof)
		x->u.target.addressof = true;  /* &@cast(0, "struct s"): a struct's address */
	if (!is_target(x)) {
		if (x->kind == EXPR_DEFINED)
			fold_defined(w, x);
		make_number(e, 1);
		return;
	}
	walk_bases(w, x);
	bool waiting;
	bool defined = resolve_target(c, x, true, &waiting);
	if (waiting)
		return; /* decided in a later round */
	make_number(e, defined ? 1 : 0);
	c->progress = true;
}

static enum walk_result pre(struct ast_walker *w, struct expr *e);

/* A ternary whose condition became a literal keeps only the live branch. */
static bool fold_ternary(struct ast_walker *w, struct expr *e)
{
	struct expr *cond = e->u.ternary.cond;
	if (cond->kind == EXPR_DEFINED)
		fold_defined(w, cond);
	if (cond->kind != EXPR_NUMBER)
		return false;
	struct expr *live = cond->u.num ? e->u.ternary.then : e->u.ternary.otherwise;
	*e = *live;
	ast_walk_expr(w, e);
	return true;
}

/* @defined(x) && y with x undefined is 0, @defined(x) || y with x
 * defined is 1: y, whose target variables may not exist, is dropped. */
static bool fold_logical(struct ast_walker *w, struct expr *e)
{
	struct expr *lhs = e->u.binary.lhs;
	if (lhs->kind != EXPR_DEFINED)
		return false;
	fold_defined(w, lhs);
	if (lhs->kind != EXPR_NUMBER)
		return false;
	bool is_and = e->u.binary.op == OP_AND;
	if (is_and ? lhs->u.num != 0 : lhs->u.num == 0)
		return false; /* y decides: walked as usual */
	make_number(e, is_and ? 0 : 1);
	return true;
}

static enum walk_result pre(struct ast_walker *w, struct expr *e)
{
	if (e->kind == EXPR_ADDROF && is_target(e->u.op1.operand))
		e->u.op1.operand->u.target.addressof = true;
	if (e->kind == EXPR_TERNARY && fold_ternary(w, e))
		return WALK_SKIP;
	if (e->kind == EXPR_LOGICAL && fold_logical(w, e))
		return WALK_SKIP;
	if (e->kind == EXPR_DEFINED) {
		fold_defined(w, e);
		return WALK_SKIP;
	}
	return WALK_NEXT;
}

static enum walk_result post(struct ast_walker *w, struct expr *e)
{
	struct tctx *c = w->data;
	if (is_target(e)) {
		bool waiting;
		bool quiet = c->E->s->opts.skip_badvars;
		if (!resolve_target(c, e, quiet, &waiting) && !waiting && quiet)
			make_number(e, 0);
		return WALK_NEXT;
	}
	/* @perf("NAME"): a counter of a perf probe bound to this probe's process */
	if (e->kind == EXPR_PERF && c->final) {
		if (c->dp && c->dp->family->perf_use)
			c->dp->family->perf_use(c->E, c->dp, e);
		else
			diag_error(c->E->diag, D_SEM_TARGET_VAR, e->tok,
				   "@perf(\"%s\") can only be used in a process probe", e->u.str.val);
		return WALK_NEXT;
	}
	/* hints: x = <typed value> */
	if (e->kind == EXPR_ASSIGN && e->u.assign.op == ASSIGN_SET &&
	    e->u.assign.lhs->kind == EXPR_SYMBOL && e->u.assign.lhs->u.sym.decl) {
		struct vardecl *v = e->u.assign.lhs->u.sym.decl;
		struct vtype t;
		/* only locals: a global may be assigned anything anywhere */
		if (v->kind != VAR_GLOBAL && value_type(e->u.assign.rhs, &t) &&
		    hint(&v->type_hint, &v->type_hint_address, &v->type_hint_module,
			 &v->type_hint_dwarf, &t))
			c->progress = true;
	}
	return WALK_NEXT;
}

static enum walk_result stmt_pre(struct ast_walker *w, struct stmt *s)
{
	/* if (@defined(...)) / if (!@defined(...)) keeps only the live branch */
	if (s->kind != STMT_IF)
		return WALK_NEXT;
	struct expr *cond = s->u.if_.cond;
	if (cond->kind == EXPR_DEFINED)
		fold_defined(w, cond);
	if (cond->kind == EXPR_UNARY && cond->u.unary.op == UOP_NOT) {
		struct expr *inner = cond->u.unary.operand;
		if (inner->kind == EXPR_DEFINED)
			fold_defined(w, inner);
		if (inner->kind == EXPR_NUMBER)
			make_number(cond, !inner->u.num);
	}
	if (cond->kind != EXPR_NUMBER)
		return WALK_NEXT;
	struct stmt *live = cond->u.num ? s->u.if_.then : s->u.if_.otherwise;
	if (!live)
		live = ast_stmt_new(((struct tctx *)w->data)->E->arena, STMT_BLOCK, s->tok);
	*s = *live;
	ast_walk_stmt(w, s);
	return WALK_SKIP;
}

static enum walk_result stmt_post(struct ast_walker *w, struct stmt *s)
{
	struct tctx *c = w->data;
	struct vtype t;
	if (s->kind == STMT_RETURN && c->fn && s->u.ret.value && value_type(s->u.ret.value, &t) &&
	    hint(&c->fn->type_hint, &c->fn->type_hint_address, &c->fn->type_hint_module,
		 &c->fn->type_hint_dwarf, &t))
		c->progress = true;
	return WALK_NEXT;
}

static bool round_all(struct elab *E, bool final)
{
	bool progress = false;
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct tctx c = { E, E->prog->probes.items[i], NULL, final, false };
		struct ast_walker w = { .expr_pre = pre, .expr_post = post, .stmt_pre = stmt_pre,
					.stmt_post = stmt_post, .data = &c };
		ast_walk_stmt(&w, c.dp->body);
		progress |= c.progress;
	}
	for (uint32_t i = 0; i < E->functions.len; i++) {
		struct functiondecl *fn = E->functions.items[i];
		if (!fn->body)
			continue;
		struct tctx c = { E, NULL, fn, final, false };
		struct ast_walker w = { .expr_pre = pre, .expr_post = post, .stmt_pre = stmt_pre,
					.stmt_post = stmt_post, .data = &c };
		ast_walk_stmt(&w, fn->body);
		progress |= c.progress;
	}
	return progress;
}

bool elab_resolve_targets(struct elab *E)
{
	struct diag_mark before = diag_mark(E->diag);
	/* hints only ever get added, so this ends; the bound is a guard */
	for (int round = 0; round < 100; round++)
		if (!round_all(E, false) || diag_errors_since(E->diag, &before))
			break;
	if (!diag_errors_since(E->diag, &before))
		round_all(E, true);
	return !diag_errors_since(E->diag, &before);
}
