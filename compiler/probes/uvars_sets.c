/*
 * process_vars: $$parms, $$locals, $$vars and $$return of process probes
 * with DWARF, as the sprintf pass 2 builds for them (elab/pretty.h), which
 * both back ends lower as any sprintf of target variables.
 */
#include "probes/process.h"

#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/pretty.h"
#include "probes/uvars.h"
#include "target/user/udwarf.h"
#include "util/arena.h"

/* $$parms, $$locals, $$vars of a DWARF probe point: "name=0x..." per
 * variable in scope (a parameter of a .return probe as it was at entry),
 * "name={...}" for a struct, union or array, "name=?" where the value is
 * not accessible at the address, as SystemTap shows them. */
#define PROCESS_MAX_VARS 32

struct vars_walk {
	struct elab *E;
	struct udwarf *dw;
	const struct process_data *d;
	const struct expr *at;
	struct pretty_var vars[PROCESS_MAX_VARS];
	uint32_t n;
};

bool process_var_access(struct elab *E, struct udwarf *dw, const struct process_data *d,
			struct expr *e, struct target_access *acc)
{
	if (d->is_return) {
		/* parameters as they were at entry */
		struct target_access *inner = arena_new_obj(E->arena, struct target_access);
		if (!uvars_resolve(E, dw, d->die_offset, d->entry_vaddr, process_space(d), true, e, inner))
			return false;
		acc->base = ACCESS_ENTRY;
		acc->inner = inner;
		acc->ctype = inner->ctype;
		acc->base_size = 8;
		acc->user = true;
		acc->is_address = inner->is_address;
		return true;
	}
	if (udwarf_in_prologue(dw, d->die_offset, d->vaddr)) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "not accessible at this address (pc: 0x%llx): '%s' is read before "
				   "the function's prologue has stored it [man error::dwarf]",
				   (unsigned long long)d->vaddr, e->u.target.name + 1);
		return false;
	}
	return uvars_resolve(E, dw, d->die_offset, d->vaddr, process_space(d), false, e, acc);
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
	bool ok = process_var_access(E, w->dw, w->d, v, acc);
	E->quiet_targets = quiet;
	return ok ? acc : NULL;
}

static bool collect_var(void *ctx, const struct udwarf_var *v)
{
	struct vars_walk *w = ctx;
	for (uint32_t i = 0; i < w->n; i++)
		if (!strcmp(w->vars[i].name, v->name))
			return true;  /* shadowed by an inner scope's */
	if (w->n == PROCESS_MAX_VARS)
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

void process_vars(struct elab *E, struct udwarf *dw, const struct process_data *d, struct expr *e,
		  const char *name)
{
	if (pretty_level(e)) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "%s with $ or $$ in process probes is not supported yet", name);
		return;
	}
	struct vars_walk w = { .E = E, .dw = dw, .d = d, .at = e };
	uint64_t pc = d->is_return ? d->entry_vaddr : d->vaddr;
	if (!strcmp(name, "$$return")) {
		struct target_access *acc = arena_new_obj(E->arena, struct target_access);
		struct expr *r = ast_expr_new(E->arena, EXPR_TARGET, e->tok);
		r->u.target.name = "$return";
		if (d->is_return && uvars_return(E, dw, d->die_offset, process_space(d), r, acc) && acc->ctype)
			w.vars[w.n++] = (struct pretty_var){ .name = "return", .acc = acc };
	} else {
		bool parms = strcmp(name, "$$locals") != 0;
		bool locals = strcmp(name, "$$parms") != 0 && !d->is_return;
		if (parms)
			udwarf_vars(dw, d->die_offset, pc, true, false, collect_var, &w);
		if (locals)
			udwarf_vars(dw, d->die_offset, pc, false, true, collect_var, &w);
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
