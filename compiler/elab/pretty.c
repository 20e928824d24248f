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
#include "session.h"
#include "util/arena.h"
#include "util/intern.h"
#include "util/strbuf.h"

/* Nesting beyond this shows as {...}: a bound for self-similar types. */
#define PRETTY_MAX_DEPTH 8
/* Pointers followed at the top (T **p) before giving up. */
#define PRETTY_MAX_FOLLOW 4

struct place {
	const struct access_step *steps;
	uint32_t nsteps;
	int64_t off;
};

struct pretty {
	struct elab *E;
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

/* char, signed char, unsigned char and their typedefs (u8, __u8) */
static bool is_char(const struct pretty *P, int32_t type)
{
	const struct btf_type *t = resolved(P, type);
	return t && btf_is_int(t) && t->size == 1 && !is_bool(t);
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

static void integer(struct pretty *P, struct expr *arg, const struct btf_type *t, bool sign)
{
	if (btf_is_int(t) && t->size == 1 && !is_bool(t))
		value(P, "'%#c'", arg);
	else
		value(P, sign ? "%d" : "%u", arg);
}

static void object(struct pretty *P, const struct place *pl, int32_t type, unsigned level);

/* A struct or union's members, each one level deeper. */
static void members(struct pretty *P, const struct place *pl, const struct btf_type *st,
		    unsigned level)
{
	text(P, "{");
	const struct btf_member *m = btf_members(st);
	for (uint16_t i = 0; i < btf_vlen(st) && !P->full; i++, m++) {
		if (P->values >= PRETTY_MAX_VALUES) {
			text(P, i ? ", ..." : "...");
			P->full = true;
			break;
		}
		if (i)
			text(P, ", ");
		const char *name = btf__name_by_offset(P->btf, m->name_off);
		const struct btf_type *mt = resolved(P, (int32_t)m->type);
		if (name && *name) {
			text(P, ".");
			text(P, name);
			text(P, "=");
		} else {
			text(P, mt && btf_is_union(mt) ? "<union>=" : "<struct>=");
		}
		uint32_t bit_off = btf_member_bit_offset(st, i);
		uint32_t bits = btf_member_bitfield_size(st, i);
		if (bits) {
			struct access_step s = { 0 };
			typeinfo_bitfield(P->btf, (int32_t)m->type, bit_off, bits, &s);
			s.offset += pl->off;
			integer(P, load(P, pl, &s), mt ? mt : st, s.load_signed);
			continue;
		}
		struct place in = *pl;
		in.off += bit_off / 8;
		object(P, &in, (int32_t)m->type, level + 1);
	}
	text(P, "}");
}

static void array(struct pretty *P, const struct place *pl, const struct btf_type *t,
		  unsigned level)
{
	const struct btf_array *arr = btf_array(t);
	if (is_char(P, (int32_t)arr->type)) {
		if (level && !P->deep)
			text(P, "[...]");
		else
			string_at(P, address_of(P, pl));
		return;
	}
	if ((level && !P->deep) || !arr->nelems || level > PRETTY_MAX_DEPTH) {
		text(P, "[...]");
		return;
	}
	text(P, "[");
	object(P, pl, (int32_t)arr->type, level + 1);
	if (!P->full)
		text(P, ", ...");
	text(P, "]");
}

/* The object of `type` at pl; level 0 is what the script named. */
static void object(struct pretty *P, const struct place *pl, int32_t type, unsigned level)
{
	const struct btf_type *t = resolved(P, type);
	if (!t) {
		text(P, "?");
		return;
	}
	if (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t)) {
		uint32_t size;
		bool sign;
		if (t->size > 8 || !typeinfo_scalar(P->btf, type, &size, &sign)) {
			text(P, "?");
			return;
		}
		integer(P, load_scalar(P, pl, size, sign), t, sign);
		return;
	}
	if (btf_is_ptr(t)) {
		const struct btf_type *to = resolved(P, (int32_t)t->type);
		if (is_char(P, (int32_t)t->type)) {
			string_at(P, load_scalar(P, pl, 8, false));
		} else if (level == 0 && to && (btf_is_struct(to) || btf_is_union(to) || btf_is_ptr(to)) &&
			   pl->nsteps < P->acc->nsteps + PRETTY_MAX_FOLLOW) {
			struct place there = follow(P, pl);
			object(P, &there, (int32_t)t->type, 0);
		} else {
			value(P, "0x%x", load_scalar(P, pl, 8, false));
		}
		return;
	}
	if (btf_is_struct(t) || btf_is_union(t)) {
		if ((level && !P->deep) || level > PRETTY_MAX_DEPTH)
			text(P, "{...}");
		else
			members(P, pl, t, level);
		return;
	}
	if (btf_is_array(t)) {
		array(P, pl, t, level);
		return;
	}
	text(P, "?"); /* floating point, functions, void */
}

/* The value the access ends at, when it is a scalar or pointer value
 * (not an object's address): shown as the object it would be in memory,
 * except that it is already loaded. */
static void top_value(struct pretty *P, int32_t type)
{
	const struct btf_type *t = resolved(P, type);
	struct place here = { P->acc->steps, P->acc->nsteps, 0 };
	if (t && btf_is_ptr(t)) {
		const struct btf_type *to = resolved(P, (int32_t)t->type);
		if (is_char(P, (int32_t)t->type))
			string_at(P, load(P, &here, NULL));
		else if (to && (btf_is_struct(to) || btf_is_union(to) || btf_is_ptr(to)))
			object(P, &here, (int32_t)t->type, 0);
		else
			value(P, "0x%x", load(P, &here, NULL));
		return;
	}
	uint32_t size;
	bool sign;
	if (t && (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t)) && t->size <= 8 &&
	    typeinfo_scalar(P->btf, type, &size, &sign)) {
		integer(P, load(P, &here, NULL), t, sign);
		return;
	}
	text(P, "?");
}

struct expr *pretty_build(struct elab *E, const struct btf *btf, const struct target_access *acc,
			  int32_t type, bool is_address, const struct expr *at)
{
	struct arena *a = E->arena;
	struct pretty P = {
		.E = E, .btf = btf, .acc = acc, .at = at, .deep = acc->pretty == 2,
		.fmt = STRBUF_INIT,
	};
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
