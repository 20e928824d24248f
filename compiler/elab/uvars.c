/*
 * uvars: $variables from DWARF (see uvars.h).
 *
 * A walk state is a type plus whether the current value is an object's
 * address (an aggregate in memory) or the value itself.  Each component
 * adds an access step: a member adds its offset, an index its element
 * size; a step that lands on a scalar loads it, one that lands on an
 * aggregate keeps its address.
 */
#include "elab/uvars.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "session.h"
#include "util/intern.h"
#include "util/similar.h"
#include "util/strbuf.h"

static const char *const pie_static_why =
	"it is a static variable of a position-independent file, which ctap relocates only "
	"where the probe's own address is known (not in .return probes)";
static const char *const kernel_static_why =
	"it is a static variable ctap cannot relocate here: a kernel module's, or the "
	"kernel's when its debuginfo has no symbol 'jiffies' to take KASLR's offset from";

/* The anchor of kernel statics (target_access.kaslr_anchor): 0 if none */
static uint64_t kaslr_anchor(struct udwarf *dw)
{
	uint64_t addr = 0;
	return udwarf_elf_symbol(dw, "jiffies", &addr) ? addr : 0;
}

static struct access_step *add_step(struct elab *E, struct target_access *acc)
{
	struct access_step *n = arena_alloc(E->arena, sizeof(*n) * (acc->nsteps + 1));
	if (acc->nsteps)
		memcpy(n, acc->steps, sizeof(*n) * acc->nsteps);
	acc->steps = n;
	return &n[acc->nsteps++];
}

struct walk {
	struct udwarf_type type;  /* !type.valid: void */
	bool is_address;          /* the value is the address of an object of `type` */
	bool cast_base;           /* @cast(p, "T")[i]: p is an array of T */
};

/* After a step that computed an object's address: load scalars, keep
 * aggregates as addresses. */
static void land(struct access_step *s, struct walk *w, const struct udwarf_type *type)
{
	uint32_t size;
	bool sign;
	w->type = *type;
	if (udwarf_type_scalar(type, &size, &sign)) {
		s->load_size = size;
		s->load_signed = sign;
		w->is_address = false;
	} else {
		s->load_size = 0;
		w->is_address = true;
	}
}

static void offer(void *ctx, const char *name)
{
	similar_offer(ctx, name);
}

static void member_missing(struct elab *E, const struct target_comp *c,
			   const struct udwarf_type *st)
{
	if (E->quiet_targets)
		return;
	struct similar sim;
	similar_init(&sim, c->name);
	udwarf_type_members(st, offer, &sim);
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "unable to find member '%s' for %s", c->name,
		      udwarf_type_name(E->arena, st));
	similar_append(&sim, &sb, "alternatives");
	elab_target_error(E, c->tok, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

static bool walk_member(struct elab *E, struct walk *w, const struct target_comp *c,
			struct target_access *acc)
{
	struct udwarf_type p = w->type, st;
	bool ok = udwarf_type_peel(&w->type, &p);
	if (ok && !w->is_address && udwarf_type_kind(&p) == UDWARF_TYPE_POINTER) {
		struct udwarf_type pointee;
		ok = udwarf_type_inner(&p, &pointee) && udwarf_type_peel(&pointee, &st);
	} else {
		st = p;
		ok = ok && w->is_address;
	}
	if (!ok || udwarf_type_kind(&st) != UDWARF_TYPE_STRUCT) {
		elab_target_error(E, c->tok, "invalid access '->%s' vs '%s'", c->name,
			          udwarf_type_name(E->arena, &w->type));
		return false;
	}
	struct udwarf_member m;
	if (!udwarf_type_member(&st, c->name, &m)) {
		member_missing(E, c, &st);
		return false;
	}
	struct access_step *s = add_step(E, acc);
	if (m.bit_size) {
		uint32_t size;
		bool sign;
		if (!udwarf_type_scalar(&m.type, &size, &sign))
			size = 4, sign = false;
		uint64_t unit = size * 8;
		s->offset = (int64_t)((m.bit_offset / unit) * size);
		s->bit_offset = (uint8_t)(m.bit_offset % unit);
		s->bit_size = (uint8_t)m.bit_size;
		s->load_size = size;
		s->load_signed = sign;
		w->type = m.type;
		w->is_address = false;
		return true;
	}
	s->offset = (int64_t)m.offset;
	land(s, w, &m.type);
	return true;
}

static bool walk_index(struct elab *E, struct walk *w, const struct target_comp *c,
		       struct target_access *acc)
{
	struct udwarf_type p, elem;
	bool ok = udwarf_type_peel(&w->type, &p);
	enum udwarf_kind kind = ok ? udwarf_type_kind(&p) : UDWARF_TYPE_OTHER;
	if (ok && w->cast_base && w->is_address && kind != UDWARF_TYPE_ARRAY) {
		elem = w->type;
	} else if ((kind == UDWARF_TYPE_POINTER && !w->is_address) ||
		   (kind == UDWARF_TYPE_ARRAY && w->is_address)) {
		ok = ok && udwarf_type_inner(&p, &elem);
	} else {
		ok = false;
	}
	if (!ok) {
		elab_target_error(E, c->tok, "invalid access '[...]' vs '%s'",
			          udwarf_type_name(E->arena, &w->type));
		return false;
	}
	uint64_t esize = 0;
	struct udwarf_type pe;
	if (!udwarf_type_peel(&elem, &pe) || !udwarf_type_size(&pe, &esize) || !esize) {
		elab_target_error(E, c->tok, "cannot index an array of '%s' (size unknown)",
			          udwarf_type_name(E->arena, &elem));
		return false;
	}
	struct access_step *s = add_step(E, acc);
	if (c->kind == TCOMP_INDEX_NUM)
		s->offset = c->num * (int64_t)esize;
	else
		s->index = c->index;
	s->elem_size = (uint32_t)esize;
	land(s, w, &elem);
	return true;
}

static bool walk_comps(struct elab *E, struct walk *w, struct expr *e, struct target_access *acc)
{
	const target_comp_vec *comps = &e->u.target.comps;
	for (uint32_t i = 0; i < comps->len; i++) {
		const struct target_comp *c = &comps->items[i];
		bool ok = true;
		switch (c->kind) {
		case TCOMP_MEMBER:
			ok = walk_member(E, w, c, acc);
			break;
		case TCOMP_INDEX_NUM:
		case TCOMP_INDEX_EXPR:
			ok = walk_index(E, w, c, acc);
			break;
		case TCOMP_PRETTY:
		case TCOMP_PRETTY_DEEP:
			/* the value as it is; pretty.c writes its text */
			acc->pretty = c->kind == TCOMP_PRETTY ? 1 : 2;
			acc->is_string = true;
			break;
		}
		if (!ok)
			return false;
		w->cast_base = false;
	}
	if (acc->pretty && e->u.target.addressof) {
		elab_target_error(E, e->tok, "cannot take the address of a pretty-printed value");
		return false;
	}
	acc->ctype = udwarf_type_name(E->arena, &w->type);
	struct uvars_type *dt = arena_new_obj(E->arena, struct uvars_type);
	dt->type = w->type;
	dt->user = acc->user;
	acc->dtype = dt;
	acc->is_address = w->is_address;
	if (e->u.target.addressof && !acc->nsteps && acc->base == ACCESS_EXPR && w->is_address) {
		acc->is_address = true; /* &@cast(p, "T"): p itself */
		return true;
	}
	if (e->u.target.addressof) {
		if (!acc->nsteps || acc->steps[acc->nsteps - 1].bit_size) {
			elab_target_error(E, e->tok, "cannot take the address of this expression");
			return false;
		}
		acc->steps[acc->nsteps - 1].load_size = 0;
		acc->is_address = true;
		return true;
	}
	struct udwarf_type p;
	if (!acc->pretty && w->is_address && udwarf_type_peel(&w->type, &p) &&
	    udwarf_type_kind(&p) == UDWARF_TYPE_STRUCT) {
		elab_target_error(E, e->tok, "'%s' is a struct or union, not a value (use ->member)",
			          acc->ctype);
		return false;
	}
	return true;
}

struct find {
	const char *name;
	struct udwarf_var var;
	bool found;
};

static bool find_cb(void *ctx, const struct udwarf_var *v)
{
	struct find *f = ctx;
	if (strcmp(v->name, f->name) != 0)
		return true;
	f->var = *v;
	f->found = true;
	return false;
}

static bool names_cb(void *ctx, const struct udwarf_var *v)
{
	struct strbuf *sb = ctx;
	strbuf_printf(sb, "%s$%s", sb->len ? " " : "", v->name);
	return true;
}

/* "$a $b": the variables in scope, for "alternatives:" in errors. */
static const char *var_names(struct udwarf *dw, struct elab *E, uint64_t die_offset, uint64_t pc,
			     bool only_params)
{
	struct strbuf sb = STRBUF_INIT;
	udwarf_vars(dw, die_offset, pc, only_params, false, names_cb, &sb);
	const char *r = sb.len ? arena_strndup(E->arena, sb.buf, sb.len) : "";
	strbuf_free(&sb);
	return r;
}

/* Where v is at pc, statics of position-independent files excluded. */
static bool locate(struct udwarf *dw, const struct udwarf_var *v, uint64_t pc,
		   enum uvars_space space, struct udwarf_loc *l)
{
	if (!udwarf_var_location(dw, v, pc, l))
		return false;
	if (l->kind == UDWARF_LOC_STATIC && space == UVARS_KERNEL && !kaslr_anchor(dw)) {
		l->why = kernel_static_why;
		return false;
	}
	if (l->kind == UDWARF_LOC_STATIC && space == UVARS_USER_PIE && !pc) {
		l->why = pie_static_why;
		return false;
	}
	return true;
}

/* The base of acc: v's register, or its memory as a first step. */
static bool base_access(struct elab *E, struct expr *e, const char *name,
			const struct udwarf_var *v, const struct udwarf_loc *l, uint64_t pc,
			enum uvars_space space, struct walk *w, struct target_access *acc)
{
	uint32_t size = 8;
	bool sign = false;
	bool is_scalar = udwarf_type_scalar(&v->type, &size, &sign);
	acc->user = space != UVARS_KERNEL;
	if (l->kind == UDWARF_LOC_REGISTER) {
		if (!is_scalar) {
			elab_target_error(E, e->tok, "not accessible at this address (pc: 0x%llx): '%s' is "
				          "an aggregate held in registers [man error::dwarf]",
				          (unsigned long long)pc, name);
			return false;
		}
		acc->base = ACCESS_REGISTER;
		acc->index = l->reg;
		acc->base_size = size;
		acc->base_signed = sign;
		if (e->u.target.addressof && !e->u.target.comps.len) {
			elab_target_error(E, e->tok, "cannot take the address of '%s': it is in a register",
				          e->u.target.name);
			return false;
		}
		return true;
	}
	if (l->kind == UDWARF_LOC_CONST || l->kind == UDWARF_LOC_VALUE) {
		/* a value with no storage: DWARF computes it */
		if (e->u.target.addressof && !e->u.target.comps.len) {
			elab_target_error(E, e->tok, "cannot take the address of '%s': it is a computed "
				          "value, not stored anywhere", e->u.target.name);
			return false;
		}
		if (!is_scalar) {
			elab_target_error(E, e->tok, "not accessible at this address (pc: 0x%llx): '%s' is "
				          "an aggregate DWARF computes [man error::dwarf]",
				          (unsigned long long)pc, name);
			return false;
		}
		if (l->kind == UDWARF_LOC_CONST) {
			acc->base = ACCESS_EXPR;
			acc->base_expr = elab_number(E, e->tok, l->value);
		} else {
			acc->base = ACCESS_REGISTER;
			acc->index = l->reg;
			add_step(E, acc)->offset = l->offset;
		}
		acc->base_size = size;
		acc->base_signed = sign;
		return true;
	}
	if (l->kind == UDWARF_LOC_STATIC && space == UVARS_USER_PIE) {
		/* where the file is loaded: a uprobe's address is its pc moved
		 * by the same bias as the variable */
		struct expr *here = ast_expr_new(E->arena, EXPR_CALL, e->tok);
		here->u.call.name = intern(E->s->names, "uaddr");
		if (!elab_call_library(E, here)) {
			elab_target_error(E, e->tok, "'%s': relocating a static needs the tapset function "
				          "uaddr(), which is missing", name);
			return false;
		}
		acc->base = ACCESS_EXPR;
		acc->base_expr = ast_expr_new(E->arena, EXPR_BINARY, e->tok);
		acc->base_expr->u.binary.op = OP_ADD;
		acc->base_expr->u.binary.lhs = here;
		acc->base_expr->u.binary.rhs = elab_number(E, e->tok, (int64_t)(l->addr - pc));
		/* a child of e, so that every pass sees the call */
		e->u.target.operand = acc->base_expr;
	} else if (l->kind == UDWARF_LOC_STATIC) {
		acc->base = ACCESS_SYMBOL;
		acc->symbol = arena_strdup(E->arena, name);
		acc->symbol_addr = l->addr;
	} else {
		acc->base = ACCESS_REGISTER;
		acc->index = l->reg;
	}
	acc->base_size = 8;
	struct access_step *st = add_step(E, acc);
	st->offset = l->kind == UDWARF_LOC_STATIC ? 0 : l->offset;
	if (w->type.valid)
		land(st, w, &w->type);
	return true;
}

/* acc for e, variable v at location l */
static bool access_of(struct elab *E, struct udwarf *dw, struct expr *e, const char *name,
		      const struct udwarf_var *v, const struct udwarf_loc *l, uint64_t pc,
		      enum uvars_space space, struct target_access *acc)
{
	struct walk w = { .type = v->type };
	if (!base_access(E, e, name, v, l, pc, space, &w, acc))
		return false;
	if (acc->base == ACCESS_SYMBOL && space == UVARS_KERNEL)
		acc->kaslr_anchor = kaslr_anchor(dw);
	return walk_comps(E, &w, e, acc);
}

bool uvars_cast(struct elab *E, const struct uvars_type *t, bool is_address, bool from_cast,
		struct expr *e, struct target_access *acc)
{
	struct walk w = { .type = t->type, .is_address = is_address, .cast_base = from_cast };
	acc->base = ACCESS_EXPR;
	acc->base_expr = e->u.target.operand;
	acc->base_size = 8;
	acc->user = t->user;
	return walk_comps(E, &w, e, acc);
}

bool uvars_global(struct elab *E, struct udwarf *dw, uint64_t pc, enum uvars_space space,
		  const struct udwarf_filter *units, struct expr *e, struct target_access *acc)
{
	const char *spec = e->u.target.name;
	const char *at = strchr(spec, '@');
	const char *name = at ? arena_strndup(E->arena, spec, (size_t)(at - spec)) : spec;
	struct udwarf_var v;
	if (!udwarf_global_var(dw, name, units, &v)) {
		elab_target_error(E, e->tok, "unable to find global '%s'%s%s, [man error::dwarf]", name,
			          at ? " in " : "", at ? at + 1 : "");
		return false;
	}
	struct udwarf_loc l;
	if (!locate(dw, &v, pc, space, &l)) {
		elab_target_error(E, e->tok, "not accessible: global '%s': %s [man error::dwarf]", name,
			          l.why);
		return false;
	}
	return access_of(E, dw, e, name, &v, &l, pc, space, acc);
}

bool uvars_resolve(struct elab *E, struct udwarf *dw, uint64_t die_offset, uint64_t pc,
		   enum uvars_space space, bool only_params, struct expr *e,
		   struct target_access *acc)
{
	const char *name = e->u.target.name;
	if (name[0] == '$')
		name++;
	struct find f = { .name = name };
	if (!udwarf_vars(dw, die_offset, pc, only_params, false, find_cb, &f)) {
		elab_target_error(E, e->tok, "unable to find local '%s', [man error::dwarf] (no scope)", name);
		return false;
	}
	if (!f.found) {
		elab_target_error(E, e->tok, "unable to find local '%s', [man error::dwarf] (alternatives: %s)",
			          name, var_names(dw, E, die_offset, pc, only_params));
		return false;
	}
	struct udwarf_loc l;
	if (!locate(dw, &f.var, pc, space, &l)) {
		elab_target_error(E, e->tok, "not accessible at this address (pc: 0x%llx): '%s': %s "
			          "[man error::dwarf]", (unsigned long long)pc, name, l.why);
		return false;
	}
	return access_of(E, dw, e, name, &f.var, &l, pc, space, acc);
}

bool uvars_return(struct elab *E, struct udwarf *dw, uint64_t die_offset, enum uvars_space space,
		  struct expr *e, struct target_access *acc)
{
	struct walk w = { 0 };
	if (!udwarf_return_type(dw, die_offset, &w.type))
		return false;
	uint32_t size;
	bool sign;
	if (!udwarf_type_scalar(&w.type, &size, &sign)) {
		elab_target_error(E, e->tok, "$return of type '%s' is not a scalar: not accessible",
			          udwarf_type_name(E->arena, &w.type));
		acc->ctype = NULL;
		return true;
	}
	acc->base = ACCESS_RETURN;
	acc->base_size = size;
	acc->base_signed = sign;
	acc->user = space != UVARS_KERNEL;
	if (e->u.target.addressof && !e->u.target.comps.len) {
		elab_target_error(E, e->tok, "cannot take the address of $return: it is a register");
		acc->ctype = NULL;
		return true;
	}
	if (!walk_comps(E, &w, e, acc))
		acc->ctype = NULL;
	return true;
}

struct listing {
	struct udwarf *dw;
	struct elab *E;
	uint64_t pc;
	enum uvars_space space;
	struct strbuf *out;
};

static bool list_cb(void *ctx, const struct udwarf_var *v)
{
	struct listing *L = ctx;
	struct udwarf_loc l;
	if (!locate(L->dw, v, L->pc, L->space, &l))
		return true;
	uint32_t size;
	bool sign;
	if (l.kind == UDWARF_LOC_REGISTER && !udwarf_type_scalar(&v->type, &size, &sign))
		return true; /* an aggregate in registers: not readable */
	strbuf_printf(L->out, " $%s:%s", v->name, udwarf_type_name(L->E->arena, &v->type));
	return true;
}

void uvars_list(struct udwarf *dw, struct elab *E, uint64_t die_offset, uint64_t pc,
		enum uvars_space space, bool ret, bool only_params, struct strbuf *out)
{
	/* $return comes first, but only for a function with a scope at pc */
	struct strbuf vars = STRBUF_INIT;
	struct listing L = { dw, E, pc, space, &vars };
	if (udwarf_vars(dw, die_offset, pc, only_params, false, list_cb, &L)) {
		struct udwarf_type rt;
		if (ret && udwarf_return_type(dw, die_offset, &rt))
			strbuf_printf(out, " $return:%s", udwarf_type_name(E->arena, &rt));
		if (vars.len)
			strbuf_add(out, vars.buf, vars.len);
	}
	strbuf_free(&vars);
}
