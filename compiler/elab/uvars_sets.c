/*
 * uvars_sets: a DWARF probe point's variables taken together - $var in a
 * .return probe (a parameter as it was at entry), and $$parms, $$locals,
 * $$vars and $$return as the sprintf pass 2 builds for them
 * (elab/pretty.h), which both back ends lower as any sprintf of target
 * variables.  For process and kernel probes alike.
 */
#include "elab/uvars.h"

#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/pretty.h"
#include "target/user/udwarf.h"
#include "util/arena.h"

/* $$parms, $$locals, $$vars of a DWARF probe point: "name=0x..." per
 * variable in scope (a parameter of a .return probe as it was at entry),
 * "name={...}" for a struct, union or array, "name=?" where the value is
 * not accessible at the address, as SystemTap shows them. */
#define UVARS_MAX_VARS 32

struct vars_walk {
	struct elab *E;
	const struct uvars_point *p;
	const struct expr *at;
	struct pretty_var vars[UVARS_MAX_VARS];
	uint32_t n;
};

bool uvars_access(struct elab *E, const struct uvars_point *p, struct expr *e,
		  struct target_access *acc)
{
	if (p->is_return) {
		/* parameters as they were at entry */
		struct target_access *inner = arena_new_obj(E->arena, struct target_access);
		if (!uvars_resolve(E, p->dw, p->die_offset, p->entry_pc, p->space, true, e, inner))
			return false;
		acc->base = ACCESS_ENTRY;
		acc->inner = inner;
		acc->ctype = inner->ctype;
		acc->base_size = 8;
		acc->user = inner->user;
		acc->is_address = inner->is_address;
		acc->btf_id = inner->btf_id;
		acc->module = inner->module;
		acc->is_string = inner->is_string;
		return true;
	}
	if (p->check_prologue && udwarf_in_prologue(p->dw, p->die_offset, p->pc)) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "not accessible at this address (pc: 0x%llx): '%s' is read before "
				   "the function's prologue has stored it [man error::dwarf]",
				   (unsigned long long)p->pc, e->u.target.name + 1);
		return false;
	}
	return uvars_resolve(E, p->dw, p->die_offset, p->pc, p->space, false, e, acc);
}

/* One variable of $$vars, NULL where it is not accessible. */
static struct target_access *var_access(struct vars_walk *w, const char *name)
{
	struct elab *E = w->E;
	struct expr *v = ast_expr_new(E->arena, EXPR_TARGET, w->at->tok);
	v->u.target.name = arena_printf(E->arena, "$%s", name);
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	bool quiet = E->quiet_targets;
	E->quiet_targets = true;
	bool ok = uvars_access(E, w->p, v, acc);
	E->quiet_targets = quiet;
	return ok ? acc : NULL;
}

static bool collect_var(void *ctx, const struct udwarf_var *v)
{
	struct vars_walk *w = ctx;
	for (uint32_t i = 0; i < w->n; i++)
		if (!strcmp(w->vars[i].name, v->name))
			return true;  /* shadowed by an inner scope's */
	if (w->n == UVARS_MAX_VARS)
		return false;
	struct pretty_var *pv = &w->vars[w->n++];
	*pv = (struct pretty_var){ .name = arena_strdup(w->E->arena, v->name) };
	struct udwarf_type t;
	enum udwarf_kind kind = udwarf_type_peel(&v->type, &t) ? udwarf_type_kind(&t)
							      : UDWARF_TYPE_OTHER;
	if (kind == UDWARF_TYPE_STRUCT || kind == UDWARF_TYPE_ARRAY)
		pv->text = "{...}";
	else if (!(pv->acc = var_access(w, v->name)))
		pv->text = "?";
	pv->pointer = kind == UDWARF_TYPE_POINTER;
	return true;
}

void uvars_sets(struct elab *E, const struct uvars_point *p, struct expr *e, const char *name)
{
	if (pretty_level(e)) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "%s with $ or $$ at a DWARF probe point is not supported yet", name);
		return;
	}
	struct vars_walk w = { .E = E, .p = p, .at = e };
	uint64_t pc = p->is_return ? p->entry_pc : p->pc;
	if (!strcmp(name, "$$return")) {
		struct target_access *acc = arena_new_obj(E->arena, struct target_access);
		struct expr *r = ast_expr_new(E->arena, EXPR_TARGET, e->tok);
		r->u.target.name = "$return";
		if (p->is_return && uvars_return(E, p->dw, p->die_offset, p->space, r, acc) &&
		    acc->ctype)
			w.vars[w.n++] = (struct pretty_var){ .name = "return", .acc = acc };
	} else {
		bool parms = strcmp(name, "$$locals") != 0;
		bool locals = strcmp(name, "$$parms") != 0 && !p->is_return;
		if (parms)
			udwarf_vars(p->dw, p->die_offset, pc, true, false, collect_var, &w);
		if (locals)
			udwarf_vars(p->dw, p->die_offset, pc, false, true, collect_var, &w);
	}
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->base = ACCESS_VARS;
	acc->is_string = true;
	acc->vars_sprintf = pretty_vars(E, NULL, w.vars, w.n, 0, e);
	if (!acc->vars_sprintf)
		return;
	e->type = TYPE_STRING;
	e->u.target.resolved = acc;
}
