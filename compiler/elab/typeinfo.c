/*
 * typeinfo: BTF walks for target expressions (see typeinfo.h).
 *
 * The walk keeps (type, is_address): either the current value IS a value
 * of `type` (a scalar or pointer), or it is the ADDRESS of an object of
 * `type` (a struct, union or array reached by an embedded member, an
 * index, or @cast).  Member access and indexing compute an address the
 * same way from a pointer value and from an object address; a scalar or
 * pointer at that address is then loaded, an aggregate is kept by address.
 */
#include "elab/typeinfo.h"

#include <bpf/btf.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "target/target.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

#define MAX_MODS 32

int32_t typeinfo_skip_mods(const struct btf *btf, int32_t id)
{
	for (int i = 0; i < MAX_MODS && id > 0; i++) {
		const struct btf_type *t = btf__type_by_id(btf, (uint32_t)id);
		if (!t)
			return 0;
		if (btf_is_typedef(t) || btf_is_mod(t))
			id = (int32_t)t->type;
		else
			return id;
	}
	return id;
}

#define skip_mods typeinfo_skip_mods

void typeinfo_param_access(struct target_access *acc, enum access_base base, uint32_t i,
			   const struct target_param *p)
{
	acc->base = base;
	acc->index = (int)i;
	acc->base_size = p->size;
	acc->base_signed = p->is_signed;
	acc->ctype = p->ctype;
	acc->btf_id = p->btf_type_id;
	acc->module = "kernel";
}

bool typeinfo_scalar(const struct btf *btf, int32_t id, uint32_t *size, bool *is_signed)
{
	int32_t r = skip_mods(btf, id);
	const struct btf_type *t = r > 0 ? btf__type_by_id(btf, (uint32_t)r) : NULL;
	if (!t)
		return false;
	if (btf_is_int(t)) {
		*size = t->size;
		*is_signed = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
		return true;
	}
	if (btf_is_ptr(t)) {
		*size = 8;
		*is_signed = false;
		return true;
	}
	if (btf_is_enum(t) || btf_is_enum64(t)) {
		*size = t->size;
		*is_signed = btf_is_enum(t) ? (btf_kflag(t) != 0) : false;
		return true;
	}
	return false;
}

/* "const struct sk_buff" and "struct sk_buff const" (as tracefs formats
 * spell argument types) name struct sk_buff: the qualifiers go, in place */
static void strip_qualifiers(char *name)
{
	static const char *const quals[] = { "const", "volatile" };
	for (size_t q = 0; q < sizeof(quals) / sizeof(quals[0]); q++) {
		size_t ql = strlen(quals[q]);
		char *p = name;
		while ((p = strstr(p, quals[q]))) {
			bool starts = p == name || p[-1] == ' ';
			bool ends = p[ql] == '\0' || p[ql] == ' ';
			if (!starts || !ends) {
				p += ql;
				continue;
			}
			memmove(p, p + ql, strlen(p + ql) + 1);
		}
	}
	/* squeeze the blanks left behind */
	char *w = name;
	for (char *r = name; *r; r++)
		if (*r != ' ' || (w > name && w[-1] != ' '))
			*w++ = *r;
	while (w > name && w[-1] == ' ')
		w--;
	*w = '\0';
}

bool typeinfo_from_ctype(struct btf *btf, const char *ctype, int32_t *id, bool *is_address)
{
	char name[256];
	size_t n = strlen(ctype);
	while (n && ctype[n - 1] == ' ')
		n--;
	bool pointer = n && ctype[n - 1] == '*';
	if (pointer)
		n--;
	while (n && ctype[n - 1] == ' ')
		n--;
	if (n == 0 || n >= sizeof(name) || memchr(ctype, '*', n))
		return false; /* pointers to pointers: no walk without the real id */
	memcpy(name, ctype, n);
	name[n] = 0;
	strip_qualifiers(name);
	int32_t t = typeinfo_find_type(btf, name);
	if (!t)
		return false;
	*id = t;
	*is_address = pointer;
	return true;
}

int32_t typeinfo_find_type(struct btf *btf, const char *name)
{
	if (!strncmp(name, "struct ", 7)) {
		name += 7;
	} else if (!strncmp(name, "union ", 6)) {
		int32_t u = btf__find_by_name_kind(btf, name + 6, BTF_KIND_UNION);
		return u > 0 ? u : 0;
	}
	while (*name == ' ')
		name++;
	int32_t id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (id <= 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_UNION);
	if (id <= 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_INT);
	return id > 0 ? id : 0;
}

static const char *type_name(struct elab *E, int32_t id)
{
	struct target *t = elab_target(E);
	return t ? target_btf_type_name(t, id) : "?";
}

/* Finds member `name` in struct/union `sid`, looking through anonymous
 * members; *bit_off accumulates the offset. */
static bool find_member(const struct btf *btf, int32_t sid, const char *name, uint32_t *bit_off,
			int32_t *mtype, uint32_t *bitfield, int depth)
{
	const struct btf_type *st = btf__type_by_id(btf, (uint32_t)sid);
	if (!st || depth > 16 || !(btf_is_struct(st) || btf_is_union(st)))
		return false;
	const struct btf_member *m = btf_members(st);
	for (uint16_t i = 0; i < btf_vlen(st); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t off = btf_member_bit_offset(st, i);
		if (mn && *mn) {
			if (strcmp(mn, name) == 0) {
				*bit_off += off;
				*mtype = (int32_t)m->type;
				*bitfield = btf_member_bitfield_size(st, i);
				return true;
			}
			continue;
		}
		/* anonymous struct/union: its members are ours */
		uint32_t inner = *bit_off + off;
		if (find_member(btf, skip_mods(btf, (int32_t)m->type), name, &inner, mtype,
				bitfield, depth + 1)) {
			*bit_off = inner;
			return true;
		}
	}
	return false;
}

static void offer_members(const struct btf *btf, int32_t sid, struct similar *sim, int depth)
{
	const struct btf_type *st = btf__type_by_id(btf, (uint32_t)sid);
	if (!st || depth > 16 || !(btf_is_struct(st) || btf_is_union(st)))
		return;
	const struct btf_member *m = btf_members(st);
	for (uint16_t i = 0; i < btf_vlen(st); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		if (mn && *mn)
			similar_offer(sim, mn);
		else
			offer_members(btf, skip_mods(btf, (int32_t)m->type), sim, depth + 1);
	}
}

struct walk_state {
	int32_t type;       /* BTF id (with modifiers) of the value or object */
	bool is_address;    /* the value is the address of an object of `type` */
	bool at_base;       /* no component walked yet: the @cast or $var itself */
};

/* After computing the address of an object of type `t`: load it if it is
 * a scalar, keep the address if it is an aggregate. */
static void land_on(struct elab *E, const struct btf *btf, struct access_step *st,
		    struct walk_state *ws, int32_t t)
{
	(void)E;
	int32_t r = skip_mods(btf, t);
	const struct btf_type *bt = r > 0 ? btf__type_by_id(btf, (uint32_t)r) : NULL;
	uint32_t size;
	bool sign;
	ws->type = t;
	if (bt && typeinfo_scalar(btf, r, &size, &sign)) {
		st->load_size = size;
		st->load_signed = sign;
		ws->is_address = false;
	} else {
		st->load_size = 0;
		ws->is_address = true;
	}
}

static struct access_step *add_step(struct elab *E, struct target_access *acc)
{
	struct access_step *n = arena_alloc(E->arena, sizeof(*n) * (acc->nsteps + 1));
	if (acc->nsteps)
		memcpy(n, acc->steps, sizeof(*n) * acc->nsteps);
	acc->steps = n;
	return &n[acc->nsteps++];
}

static bool walk_member(struct elab *E, const struct btf *btf, struct walk_state *ws,
			const struct target_comp *c, struct target_access *acc)
{
	int32_t r = skip_mods(btf, ws->type);
	const struct btf_type *t = r > 0 ? btf__type_by_id(btf, (uint32_t)r) : NULL;
	int32_t sid = 0;
	if (!ws->is_address && t && btf_is_ptr(t))
		sid = skip_mods(btf, (int32_t)t->type);
	else if (ws->is_address)
		sid = r;
	const struct btf_type *st = sid > 0 ? btf__type_by_id(btf, (uint32_t)sid) : NULL;
	if (!st || !(btf_is_struct(st) || btf_is_union(st))) {
		elab_target_error(E, c->tok, "invalid access '->%s' vs '%s'", c->name,
			          type_name(E, ws->type));
		return false;
	}
	uint32_t bit_off = 0, bitfield = 0;
	int32_t mtype = 0;
	if (!find_member(btf, sid, c->name, &bit_off, &mtype, &bitfield, 0)) {
		if (!E->quiet_targets) {
			struct similar sim;
			similar_init(&sim, c->name);
			offer_members(btf, sid, &sim, 0);
			struct strbuf sb = STRBUF_INIT;
			strbuf_printf(&sb, "unable to find member '%s' for %s", c->name,
				      type_name(E, sid));
			similar_append(&sim, &sb, "alternatives");
			elab_target_error(E, c->tok, "%s", strbuf_str(&sb));
			strbuf_free(&sb);
		}
		return false;
	}
	struct access_step *s = add_step(E, acc);
	if (bitfield) {
		typeinfo_bitfield(btf, mtype, bit_off, bitfield, s);
		ws->type = mtype;
		ws->is_address = false;
		return true;
	}
	s->offset = bit_off / 8;
	land_on(E, btf, s, ws, mtype);
	return true;
}

void typeinfo_bitfield(const struct btf *btf, int32_t type, uint32_t bit_off, uint32_t bits,
		       struct access_step *s)
{
	uint32_t size;
	bool sign;
	if (!typeinfo_scalar(btf, type, &size, &sign))
		size = 4, sign = false;
	uint32_t unit = size * 8;
	s->offset = (bit_off / unit) * size;
	s->bit_offset = (uint8_t)(bit_off % unit);
	s->bit_size = (uint8_t)bits;
	s->load_size = size;
	s->load_signed = sign;
}

static bool walk_index(struct elab *E, const struct btf *btf, struct walk_state *ws,
		       const struct target_comp *c, struct target_access *acc)
{
	int32_t r = skip_mods(btf, ws->type);
	const struct btf_type *t = r > 0 ? btf__type_by_id(btf, (uint32_t)r) : NULL;
	int32_t elem = 0;
	if (t && !ws->is_address && btf_is_ptr(t))
		elem = (int32_t)t->type;
	else if (t && ws->is_address && btf_is_array(t))
		elem = (int32_t)btf_array(t)->type;
	else if (t && ws->is_address && ws->at_base)
		elem = ws->type; /* @cast(p, "t")[i]: p points at an array of t */
	if (!elem) {
		elab_target_error(E, c->tok, "invalid access '[...]' vs '%s'", type_name(E, ws->type));
		return false;
	}
	int64_t esize = btf__resolve_size(btf, (uint32_t)elem);
	if (esize <= 0) {
		elab_target_error(E, c->tok, "cannot index an array of '%s' (size unknown)",
			          type_name(E, elem));
		return false;
	}
	struct access_step *s = add_step(E, acc);
	if (c->kind == TCOMP_INDEX_NUM)
		s->offset = c->num * esize;
	else
		s->index = c->index;
	s->elem_size = (uint32_t)esize;
	land_on(E, btf, s, ws, elem);
	return true;
}

bool typeinfo_walk(struct elab *E, struct btf *btf, int32_t base_id, bool is_address,
		   struct expr *e, struct target_access *acc)
{
	struct walk_state ws = { base_id, is_address, true };
	const target_comp_vec *comps = &e->u.target.comps;
	for (uint32_t i = 0; i < comps->len; i++) {
		const struct target_comp *c = &comps->items[i];
		bool ok = true;
		switch (c->kind) {
		case TCOMP_MEMBER:
			ok = walk_member(E, btf, &ws, c, acc);
			break;
		case TCOMP_INDEX_NUM:
		case TCOMP_INDEX_EXPR:
			ok = walk_index(E, btf, &ws, c, acc);
			break;
		case TCOMP_PRETTY:
		case TCOMP_PRETTY_DEEP:
			acc->pretty = c->kind == TCOMP_PRETTY ? 1 : 2;
			acc->is_string = true;
			break;
		}
		if (!ok)
			return false;
		ws.at_base = false;
	}
	acc->btf_id = ws.type;
	acc->ctype = type_name(E, ws.type);
	acc->is_address = ws.is_address;
	if (acc->pretty && e->u.target.addressof) {
		elab_target_error(E, e->tok, "cannot take the address of a pretty-printed value");
		return false;
	}
	if (acc->pretty)
		return true; /* shown as a whole: targets.c has pretty.c write the text */
	if (e->u.target.addressof) {
		acc->is_address = true;
		if (!acc->nsteps && is_address)
			return true; /* &@cast(p, "t"): the address p itself */
		if (!acc->nsteps || acc->steps[acc->nsteps - 1].bit_size) {
			elab_target_error(E, e->tok, "cannot take the address of this expression");
			return false;
		}
		acc->steps[acc->nsteps - 1].load_size = 0;
		return true;
	}
	if (ws.is_address && !acc->pretty) {
		int32_t r = skip_mods(btf, ws.type);
		const struct btf_type *t = r > 0 ? btf__type_by_id(btf, (uint32_t)r) : NULL;
		if (t && (btf_is_struct(t) || btf_is_union(t))) {
			elab_target_error(E, e->tok,
				          "'%s' is a struct or union, not a value (use ->member, or $ / $$ "
				          "to print it)", type_name(E, ws.type));
			return false;
		}
	}
	return true;
}
