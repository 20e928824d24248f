/*
 * pretty: the sprintf behind `$var$` and `$var$$` (see pretty.h).
 *
 * An object is reached as a "place": the value of the original access
 * (its base and steps) plus a constant offset is the object's address.  A
 * scalar member is one more step that loads at that offset; an embedded
 * struct or array only moves the offset; following a pointer loads it and
 * starts a new place at offset 0.  Each load is its own target expression
 * (a copy of the original access with one more step), so a back end needs
 * nothing new to evaluate one.
 *
 * What is shown, as SystemTap shows it: signed integers %d, unsigned %u,
 * char '%#c', pointers 0x%x (%p's text), char pointers and char arrays as quoted strings
 * (the address in hex when unreadable), floating point ?, arrays as their
 * first element and ", ...", anonymous members as <struct>= / <union>=.
 * With $ only the top level is expanded (nested aggregates are {...} and
 * [...]); with $$ everything is.  A pointer at the top is followed.  After
 * PRETTY_MAX_VALUES values the rest is "...".
 */
#include "elab/pretty.h"

#include <bpf/btf.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/typeinfo.h"
#include "target/user/udwarf.h"
#include "session.h"
#include "util/arena.h"
#include "util/intern.h"
#include "util/strbuf.h"
#include "util/vec.h"

/* Nesting beyond this shows as {...}: a bound for self-similar types. */
#define PRETTY_MAX_DEPTH 8
/* Pointers followed at the top (T **p) before giving up. */
#define PRETTY_MAX_FOLLOW 4

struct place {
	const struct access_step *steps;
	uint32_t nsteps;
	int64_t off;
};

/* A type: BTF's id, or DWARF's (pretty.dwarf) */
struct ptype {
	int32_t id;
	struct udwarf_type die;
};

enum pkind { PK_INT, PK_PTR, PK_STRUCT, PK_ARRAY, PK_OTHER };

/* What the printer needs of a type, BTF or DWARF alike */
struct pinfo {
	enum pkind kind;
	uint32_t size;              /* PK_INT */
	bool sign;
	bool is_char;               /* PK_INT: one byte, not a bool */
	bool is_union;              /* PK_STRUCT */
	struct ptype inner;         /* PK_PTR: the pointee; PK_ARRAY: the element */
	bool inner_valid;
	uint64_t nelems;            /* PK_ARRAY, 0 if unknown */
};

struct pmember {
	const char *name;           /* NULL or "": anonymous */
	struct ptype type;
	uint64_t byte_off;
	bool bitfield;
	struct access_step bits;    /* bitfield: the load, offset from the struct */
};

struct pretty {
	struct elab *E;
	bool dwarf;                 /* types are DWARF's (user space), not BTF's */
	const struct btf *btf;
	const struct target_access *acc;
	const struct expr *at;
	bool deep;                  /* $$ */
	struct strbuf fmt;
	struct print_format *pf;
	unsigned values;
	bool full;                  /* PRETTY_MAX_VALUES reached: "..." written */
	bool failed;
};

static const struct btf_type *resolved(const struct pretty *P, int32_t type)
{
	int32_t r = typeinfo_skip_mods(P->btf, type);
	return r > 0 ? btf__type_by_id(P->btf, (uint32_t)r) : NULL;
}

static bool is_bool(const struct btf_type *t)
{
	return btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_BOOL);
}

static void describe_btf(const struct pretty *P, int32_t type, struct pinfo *in)
{
	const struct btf_type *t = resolved(P, type);
	if (!t)
		return;
	if (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t)) {
		if (t->size <= 8 && typeinfo_scalar(P->btf, type, &in->size, &in->sign)) {
			in->kind = PK_INT;
			in->is_char = btf_is_int(t) && t->size == 1 && !is_bool(t);
		}
	} else if (btf_is_ptr(t)) {
		in->kind = PK_PTR;
		in->inner.id = (int32_t)t->type;
		in->inner_valid = resolved(P, (int32_t)t->type) != NULL;
	} else if (btf_is_struct(t) || btf_is_union(t)) {
		in->kind = PK_STRUCT;
		in->is_union = btf_is_union(t);
	} else if (btf_is_array(t)) {
		in->kind = PK_ARRAY;
		in->inner.id = (int32_t)btf_array(t)->type;
		in->inner_valid = true;
		in->nelems = btf_array(t)->nelems;
	}
}

static void describe_dwarf(const struct udwarf_type *type, struct pinfo *in)
{
	struct udwarf_type t;
	if (!udwarf_type_peel(type, &t))
		return;
	switch (udwarf_type_kind(&t)) {
	case UDWARF_TYPE_POINTER:
	case UDWARF_TYPE_REFERENCE: {
		in->kind = PK_PTR;
		struct udwarf_type to;
		in->inner_valid = udwarf_type_inner(&t, &in->inner.die) &&
				  udwarf_type_peel(&in->inner.die, &to);
		break;
	}
	case UDWARF_TYPE_STRUCT:
		in->kind = PK_STRUCT;
		break;
	case UDWARF_TYPE_ARRAY: {
		uint64_t all = 0, one = 0;
		struct udwarf_type e;
		in->kind = PK_ARRAY;
		in->inner_valid = udwarf_type_inner(&t, &in->inner.die);
		if (in->inner_valid && udwarf_type_peel(&in->inner.die, &e) &&
		    udwarf_type_size(&t, &all) && udwarf_type_size(&e, &one) && one)
			in->nelems = all / one;
		break;
	}
	default:
		if (udwarf_type_scalar(&t, &in->size, &in->sign)) {
			in->kind = PK_INT;
			in->is_char = udwarf_type_is_char(&t);
		}
		break;
	}
}

static struct pinfo describe(const struct pretty *P, const struct ptype *t)
{
	struct pinfo in = { .kind = PK_OTHER };
	if (P->dwarf)
		describe_dwarf(&t->die, &in);
	else
		describe_btf(P, t->id, &in);
	return in;
}

/* char, signed char, unsigned char and their typedefs (u8, __u8) */
static bool is_char(const struct pretty *P, const struct ptype *t)
{
	struct pinfo in = describe(P, t);
	return in.kind == PK_INT && in.is_char;
}

struct names {
	struct arena *a;
	VEC(const char *) v;
};

static void add_name(void *ctx, const char *name)
{
	struct names *n = ctx;
	vec_push(n->a, &n->v, name);
}

/* The members of struct/union t, in order, into *out (in the arena). */
static uint32_t members_of(struct pretty *P, const struct ptype *t, struct pmember **out)
{
	struct arena *a = P->E->arena;
	if (P->dwarf) {
		struct udwarf_type st;
		struct names n = { .a = a };
		if (!udwarf_type_peel(&t->die, &st))
			return 0;
		udwarf_type_members(&st, add_name, &n);
		*out = arena_alloc(a, sizeof(**out) * (n.v.len ? n.v.len : 1));
		uint32_t k = 0;
		vec_foreach(&n.v, i) {
			struct udwarf_member m;
			if (!udwarf_type_member(&st, n.v.items[i], &m))
				continue;
			struct pmember *pm = &(*out)[k++];
			*pm = (struct pmember){ .name = n.v.items[i], .type.die = m.type,
						.byte_off = m.offset };
			uint32_t size;
			bool sign;
			if (m.bit_size) {
				if (!udwarf_type_scalar(&m.type, &size, &sign))
					size = 4, sign = false;
				uint64_t unit = size * 8;
				pm->bitfield = true;
				pm->bits = (struct access_step){
					.offset = (int64_t)((m.bit_offset / unit) * size),
					.bit_offset = (uint8_t)(m.bit_offset % unit),
					.bit_size = (uint8_t)m.bit_size,
					.load_size = size, .load_signed = sign,
				};
			}
		}
		return k;
	}
	const struct btf_type *st = resolved(P, t->id);
	uint16_t n = st ? btf_vlen(st) : 0;
	*out = arena_alloc(a, sizeof(**out) * (n ? n : 1));
	const struct btf_member *m = n ? btf_members(st) : NULL;
	for (uint16_t i = 0; i < n; i++, m++) {
		struct pmember *pm = &(*out)[i];
		uint32_t bit_off = btf_member_bit_offset(st, i);
		uint32_t bits = btf_member_bitfield_size(st, i);
		*pm = (struct pmember){ .name = btf__name_by_offset(P->btf, m->name_off),
					.type.id = (int32_t)m->type, .byte_off = bit_off / 8 };
		if (bits) {
			pm->bitfield = true;
			typeinfo_bitfield(P->btf, (int32_t)m->type, bit_off, bits, &pm->bits);
		}
	}
	return n;
}

/* The original access plus one step. */
static struct expr *load(struct pretty *P, const struct place *pl, const struct access_step *last)
{
	struct arena *a = P->E->arena;
	struct target_access *acc = arena_new_obj(a, struct target_access);
	*acc = *P->acc;
	acc->pretty = 0;
	acc->is_string = false;
	acc->is_address = false;
	acc->btf_id = 0;
	acc->ctype = "long";
	acc->nsteps = pl->nsteps + (last ? 1 : 0);
	struct access_step *s = arena_alloc(a, sizeof(*s) * (acc->nsteps ? acc->nsteps : 1));
	if (pl->nsteps)
		memcpy(s, pl->steps, sizeof(*s) * pl->nsteps);
	if (last)
		s[pl->nsteps] = *last;
	acc->steps = s;
	struct expr *e = ast_expr_new(a, EXPR_TARGET, P->at->tok);
	e->u.target.name = P->at->u.target.name ? P->at->u.target.name : "@cast";
	e->u.target.resolved = acc;
	e->type = TYPE_LONG;
	return e;
}

static struct expr *load_scalar(struct pretty *P, const struct place *pl, uint32_t size,
				bool sign)
{
	struct access_step s = { .offset = pl->off, .load_size = size, .load_signed = sign };
	return load(P, pl, &s);
}

static struct expr *address_of(struct pretty *P, const struct place *pl)
{
	struct access_step s = { .offset = pl->off };
	return load(P, pl, pl->off ? &s : NULL);
}

/* The place a pointer stored at pl points to. */
static struct place follow(struct pretty *P, const struct place *pl)
{
	struct expr *e = load_scalar(P, pl, 8, false);
	const struct target_access *acc = e->u.target.resolved;
	return (struct place){ acc->steps, acc->nsteps, 0 };
}

static void text(struct pretty *P, const char *s)
{
	for (; *s; s++) {
		strbuf_putc(&P->fmt, *s);
		if (*s == '%')
			strbuf_putc(&P->fmt, '%');
	}
}

static void value(struct pretty *P, const char *conv, struct expr *arg)
{
	strbuf_puts(&P->fmt, conv);
	vec_push(P->E->arena, &P->pf->args, arg);
	P->values++;
}

/* kernel_string_quoted(addr) or user_string_quoted(addr) */
static void string_at(struct pretty *P, struct expr *addr)
{
	struct arena *a = P->E->arena;
	struct expr *call = ast_expr_new(a, EXPR_CALL, P->at->tok);
	call->u.call.name = intern(P->E->s->names,
				   P->acc->user ? "user_string_quoted" : "kernel_string_quoted");
	vec_push(a, &call->u.call.args, addr);
	call->type = TYPE_STRING;
	if (!elab_call_library(P->E, call)) {
		if (!P->E->quiet_targets)
			diag_error(P->E->diag, D_SEM_TARGET_VAR, P->at->tok,
				   "pretty-printing needs the tapset function %s, which is missing",
				   call->u.call.name);
		P->failed = true;
		return;
	}
	value(P, "%s", call);
}

static void integer(struct pretty *P, struct expr *arg, const struct pinfo *in)
{
	if (in->kind == PK_INT && in->is_char)
		value(P, "'%#c'", arg);
	else
		value(P, in->sign ? "%d" : "%u", arg);
}

static void object(struct pretty *P, const struct place *pl, const struct ptype *type,
		   unsigned level);

/* A struct or union's members, each one level deeper. */
static void members(struct pretty *P, const struct place *pl, const struct ptype *st,
		    unsigned level)
{
	text(P, "{");
	struct pmember *m;
	uint32_t n = members_of(P, st, &m);
	for (uint32_t i = 0; i < n && !P->full; i++) {
		if (P->values >= PRETTY_MAX_VALUES) {
			text(P, i ? ", ..." : "...");
			P->full = true;
			break;
		}
		if (i)
			text(P, ", ");
		struct pinfo mt = describe(P, &m[i].type);
		if (m[i].name && *m[i].name) {
			text(P, ".");
			text(P, m[i].name);
			text(P, "=");
		} else {
			text(P, mt.kind == PK_STRUCT && mt.is_union ? "<union>=" : "<struct>=");
		}
		if (m[i].bitfield) {
			struct access_step s = m[i].bits;
			s.offset += pl->off;
			struct pinfo bi = { .kind = PK_INT, .sign = s.load_signed,
					    .is_char = mt.kind == PK_INT && mt.is_char };
			integer(P, load(P, pl, &s), &bi);
			continue;
		}
		struct place in = *pl;
		in.off += (int64_t)m[i].byte_off;
		object(P, &in, &m[i].type, level + 1);
	}
	text(P, "}");
}

static void array(struct pretty *P, const struct place *pl, const struct pinfo *t,
		  unsigned level)
{
	if (t->inner_valid && is_char(P, &t->inner)) {
		if (level && !P->deep)
			text(P, "[...]");
		else
			string_at(P, address_of(P, pl));
		return;
	}
	if ((level && !P->deep) || !t->nelems || !t->inner_valid || level > PRETTY_MAX_DEPTH) {
		text(P, "[...]");
		return;
	}
	text(P, "[");
	object(P, pl, &t->inner, level + 1);
	if (!P->full)
		text(P, ", ...");
	text(P, "]");
}

/* whether a pointer to `to` is followed at the top: to a struct, a
 * union or another pointer */
static bool followed(const struct pretty *P, const struct pinfo *ptr)
{
	if (!ptr->inner_valid)
		return false;
	struct pinfo to = describe(P, &ptr->inner);
	return to.kind == PK_STRUCT || to.kind == PK_PTR;
}

/* The object of `type` at pl; level 0 is what the script named. */
static void object(struct pretty *P, const struct place *pl, const struct ptype *type,
		   unsigned level)
{
	struct pinfo t = describe(P, type);
	switch (t.kind) {
	case PK_INT:
		integer(P, load_scalar(P, pl, t.size, t.sign), &t);
		return;
	case PK_PTR:
		if (t.inner_valid && is_char(P, &t.inner)) {
			string_at(P, load_scalar(P, pl, 8, false));
		} else if (level == 0 && followed(P, &t) &&
			   pl->nsteps < P->acc->nsteps + PRETTY_MAX_FOLLOW) {
			struct place there = follow(P, pl);
			object(P, &there, &t.inner, 0);
		} else {
			value(P, "0x%x", load_scalar(P, pl, 8, false));
		}
		return;
	case PK_STRUCT:
		if ((level && !P->deep) || level > PRETTY_MAX_DEPTH)
			text(P, "{...}");
		else
			members(P, pl, type, level);
		return;
	case PK_ARRAY:
		array(P, pl, &t, level);
		return;
	case PK_OTHER:
		text(P, "?"); /* floating point, functions, void */
		return;
	}
}

/* The value the access ends at, when it is a scalar or pointer value
 * (not an object's address): shown as the object it would be in memory,
 * except that it is already loaded. */
static void top_value(struct pretty *P, const struct ptype *type)
{
	struct pinfo t = describe(P, type);
	struct place here = { P->acc->steps, P->acc->nsteps, 0 };
	if (t.kind == PK_PTR) {
		if (t.inner_valid && is_char(P, &t.inner))
			string_at(P, load(P, &here, NULL));
		else if (followed(P, &t))
			object(P, &here, &t.inner, 0);
		else
			value(P, "0x%x", load(P, &here, NULL));
		return;
	}
	if (t.kind == PK_INT) {
		integer(P, load(P, &here, NULL), &t);
		return;
	}
	text(P, "?");
}

static struct expr *build(struct pretty P, const struct ptype *type, bool is_address);

struct expr *pretty_build(struct elab *E, const struct btf *btf, const struct target_access *acc,
			  int32_t type, bool is_address, const struct expr *at)
{
	struct pretty P = {
		.E = E, .btf = btf, .acc = acc, .at = at, .deep = acc->pretty == 2,
		.fmt = STRBUF_INIT,
	};
	return build(P, &(struct ptype){ .id = type }, is_address);
}

struct expr *pretty_build_dwarf(struct elab *E, const struct target_access *acc,
				const struct udwarf_type *type, bool is_address,
				const struct expr *at)
{
	struct pretty P = {
		.E = E, .dwarf = true, .acc = acc, .at = at, .deep = acc->pretty == 2,
		.fmt = STRBUF_INIT,
	};
	return build(P, &(struct ptype){ .die = *type }, is_address);
}

static struct expr *build(struct pretty P, const struct ptype *type, bool is_address)
{
	struct elab *E = P.E;
	const struct expr *at = P.at;
	const struct target_access *acc = P.acc;
	struct arena *a = E->arena;
	P.pf = arena_new_obj(a, struct print_format);
	P.pf->flags = PRINT_TO_STRING | PRINT_FORMAT;
	P.pf->name = "sprintf";
	P.pf->format_tok = at->tok;
	if (is_address) {
		struct place here = { acc->steps, acc->nsteps, 0 };
		object(&P, &here, type, 0);
	} else {
		top_value(&P, type);
	}
	if (P.failed) {
		strbuf_free(&P.fmt);
		return NULL;
	}
	P.pf->format_len = (uint32_t)P.fmt.len;
	P.pf->format = arena_strndup(a, strbuf_str(&P.fmt), P.fmt.len);
	strbuf_free(&P.fmt);
	struct expr *e = ast_expr_new(a, EXPR_PRINT, at->tok);
	e->u.print = P.pf;
	e->type = TYPE_STRING;
	return e;
}

struct expr *pretty_target(struct elab *E, const struct btf *btf, const struct target_access *acc,
			   int32_t type, int level, const struct expr *at)
{
	struct target_access *shown = arena_new_obj(E->arena, struct target_access);
	*shown = *acc;
	shown->pretty = level;
	shown->is_string = true;
	struct expr *e = ast_expr_new(E->arena, EXPR_TARGET, at->tok);
	e->u.target.name = at->u.target.name;
	e->u.target.resolved = shown;
	e->u.target.pretty = pretty_build(E, btf, shown, type, false, at);
	e->type = TYPE_STRING;
	return e->u.target.pretty ? e : NULL;
}

int pretty_level(const struct expr *e)
{
	const target_comp_vec *c = &e->u.target.comps;
	if (!c->len)
		return 0;
	switch (c->items[c->len - 1].kind) {
	case TCOMP_PRETTY:
		return 1;
	case TCOMP_PRETTY_DEEP:
		return 2;
	default:
		return 0;
	}
}

bool pretty_vars_resolve(struct target_access *acc, struct expr *e, struct expr *shown)
{
	acc->base = ACCESS_VARS;
	acc->is_string = true;
	if (!shown)
		return false;
	acc->vars_sprintf = shown;
	int level = pretty_level(e);
	if (level) {
		/* walked as the expression's own: its calls get resolved */
		acc->pretty = level;
		e->u.target.pretty = shown;
	}
	e->type = TYPE_STRING;
	e->u.target.resolved = acc;
	return true;
}

struct expr *pretty_vars(struct elab *E, const struct btf *btf, const struct pretty_var *vars,
			 uint32_t n, int level, const struct expr *at)
{
	struct arena *a = E->arena;
	if (!n) {
		struct expr *none = elab_string(E, at->tok, "");
		none->type = TYPE_STRING;
		return none;
	}
	struct print_format *pf = arena_new_obj(a, struct print_format);
	struct strbuf fmt = STRBUF_INIT;
	pf->flags = PRINT_TO_STRING | PRINT_FORMAT;
	pf->name = "sprintf";
	pf->format_tok = at->tok;
	for (uint32_t i = 0; i < n; i++) {
		const struct pretty_var *v = &vars[i];
		struct expr *arg;
		if (v->text) {
			/* a literal: % doubled for the format */
			strbuf_printf(&fmt, "%s%s=", i ? " " : "", v->name);
			for (const char *c = v->text; *c; c++)
				strbuf_puts(&fmt, *c == '%' ? "%%" : (char[]){ *c, 0 });
			continue;
		}
		if (level && btf && v->type) {
			arg = pretty_target(E, btf, v->acc, v->type, level, at);
			if (!arg) {
				strbuf_free(&fmt);
				return NULL;
			}
			strbuf_printf(&fmt, "%s%s=%%s", i ? " " : "", v->name);
		} else {
			arg = ast_expr_new(a, EXPR_TARGET, at->tok);
			arg->u.target.name = arena_printf(a, "$%s", v->name);
			arg->u.target.resolved = (void *)v->acc;
			arg->type = TYPE_LONG;
			/* %p and %#x print as 0x%x does, which bpf_snprintf can do */
			(void)v->pointer;
			strbuf_printf(&fmt, "%s%s=0x%%x", i ? " " : "", v->name);
		}
		vec_push(a, &pf->args, arg);
	}
	pf->format_len = (uint32_t)fmt.len;
	pf->format = arena_strndup(a, strbuf_str(&fmt), fmt.len);
	strbuf_free(&fmt);
	struct expr *e = ast_expr_new(a, EXPR_PRINT, at->tok);
	e->u.print = pf;
	e->type = TYPE_STRING;
	return e;
}
