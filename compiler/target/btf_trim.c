/*
 * target/btf_trim: a small, closed subset of a kernel's BTF for fixtures.
 *
 * Roots are named types (FUNC "vfs_read", TYPEDEF "btf_trace_sched_switch").
 * Everything they reach by value is copied whole; a struct or union reached
 * only through a pointer becomes a forward declaration ("struct file" with
 * no body), unless it is in the keep list (then whole).  Spellings
 * ("struct file*") and sizes of what is kept stay exact, and the result is
 * a valid BTF blob that libbpf parses like the original.  A kernel's BTF
 * (4-6 MB) trims to a few hundred KB for every prototype and tracepoint.
 *
 * Two phases, because libbpf's btf__add_*() appends types in id order:
 * plan() walks the roots depth-first and gives every (type, via-pointer)
 * node its new id before its children are visited (so cycles close);
 * emit() then adds the nodes in id order, mapping each reference.
 */
#include "target/target_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "util/arena.h"

struct trim_node {
	uint32_t old;
	bool fwd;         /* emit a struct/union as a forward declaration */
	bool ptr_ctx;     /* reached through a pointer (for modifiers, typedefs) */
};

struct btf_trim {
	struct target *t;
	const struct btf *src;
	const char *const *keep;
	uint32_t n;              /* types in src */
	uint32_t *newid[2];      /* [ptr_ctx][old] -> new id, 0 = not planned */
	struct trim_node *nodes; /* by new id - 1 */
	uint32_t nnodes, cap;
};

struct btf_trim *btf_trim_new(struct target *t, const struct btf *src,
			      const char *const *keep_structs)
{
	struct btf_trim *tr = xcalloc(1, sizeof(*tr));
	tr->t = t;
	tr->src = src;
	tr->keep = keep_structs;
	tr->n = btf__type_cnt(src);
	tr->newid[0] = xcalloc(tr->n, sizeof(uint32_t));
	tr->newid[1] = xcalloc(tr->n, sizeof(uint32_t));
	return tr;
}

static bool kept(const struct btf_trim *tr, const char *name)
{
	for (const char *const *k = tr->keep; k && *k; k++)
		if (strcmp(*k, name) == 0)
			return true;
	return false;
}

/* Modifiers and typedefs pass the pointer context on to what they name. */
static bool passes_ptr_ctx(int kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_CONST || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

static uint32_t plan(struct btf_trim *tr, uint32_t old, bool ptr_ctx);

static void plan_children(struct btf_trim *tr, uint32_t old, bool ptr_ctx)
{
	const struct btf_type *bt = btf__type_by_id(tr->src, old);
	int kind = btf_kind(bt);
	if (kind == BTF_KIND_PTR) {
		plan(tr, bt->type, true);
	} else if (passes_ptr_ctx(kind)) {
		plan(tr, bt->type, ptr_ctx);
	} else if (kind == BTF_KIND_FUNC) {
		plan(tr, bt->type, false);
	} else if (kind == BTF_KIND_ARRAY) {
		plan(tr, btf_array(bt)->type, false);
		plan(tr, btf_array(bt)->index_type, false);
	} else if (kind == BTF_KIND_FUNC_PROTO) {
		plan(tr, bt->type, false);
		const struct btf_param *p = btf_params(bt);
		for (uint16_t i = 0; i < btf_vlen(bt); i++)
			plan(tr, p[i].type, false);
	} else if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) {
		const struct btf_member *m = btf_members(bt);
		for (uint16_t i = 0; i < btf_vlen(bt); i++)
			plan(tr, m[i].type, false);
	}
}

static uint32_t plan(struct btf_trim *tr, uint32_t old, bool ptr_ctx)
{
	if (old == 0 || old >= tr->n)
		return 0;
	const struct btf_type *bt = btf__type_by_id(tr->src, old);
	int kind = btf_kind(bt);
	/* only chains that can end in a struct keep two versions */
	if (!passes_ptr_ctx(kind) && kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION)
		ptr_ctx = false;
	uint32_t *slot = &tr->newid[ptr_ctx][old];
	if (*slot)
		return *slot;
	const char *name = btf__name_by_offset(tr->src, bt->name_off);
	bool fwd = ptr_ctx && (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) && name &&
		   *name && !kept(tr, name);
	if (tr->nnodes == tr->cap) {
		tr->cap = tr->cap ? tr->cap * 2 : 1024;
		tr->nodes = xrealloc(tr->nodes, sizeof(*tr->nodes) * tr->cap);
	}
	tr->nodes[tr->nnodes++] = (struct trim_node){ old, fwd, ptr_ctx };
	*slot = tr->nnodes;
	if (!fwd)
		plan_children(tr, old, ptr_ctx);
	return *slot;
}

void btf_trim_add_named(struct btf_trim *tr, const char *prefix, const char *name)
{
	char full[512];
	if ((size_t)snprintf(full, sizeof(full), "%s%s", prefix, name) >= sizeof(full))
		return;
	int kind = *prefix ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC;
	int32_t id;
	if (kind == BTF_KIND_FUNC) {
		btf_index_funcs(tr->t);
		id = (int32_t)(uintptr_t)namemap_get(&tr->t->btf_funcs, name);
	} else {
		btf_index_traces(tr->t);
		id = strcmp(prefix, "btf_trace_") == 0
			     ? (int32_t)(uintptr_t)namemap_get(&tr->t->btf_traces, name)
			     : btf__find_by_name_kind(tr->src, full, kind);
	}
	if (id > 0)
		plan(tr, (uint32_t)id, false);
}

static uint32_t map(const struct btf_trim *tr, uint32_t old, bool ptr_ctx)
{
	if (old == 0)
		return 0;
	const struct btf_type *bt = btf__type_by_id(tr->src, old);
	int kind = btf_kind(bt);
	if (!passes_ptr_ctx(kind) && kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION)
		ptr_ctx = false;
	return tr->newid[ptr_ctx][old];
}

static int emit_members(struct btf *dst, const struct btf_trim *tr, const struct btf_type *bt)
{
	const struct btf_member *m = btf_members(bt);
	int err = 0;
	for (uint16_t i = 0; i < btf_vlen(bt) && err >= 0; i++)
		err = btf__add_field(dst, btf__name_by_offset(tr->src, m[i].name_off),
				     (int)map(tr, m[i].type, false), btf_member_bit_offset(bt, i),
				     btf_member_bitfield_size(bt, i));
	return err;
}

static int emit_one(struct btf *dst, const struct btf_trim *tr, const struct trim_node *nd)
{
	const struct btf *src = tr->src;
	const struct btf_type *bt = btf__type_by_id(src, nd->old);
	const char *name = btf__name_by_offset(src, bt->name_off);
	int kind = btf_kind(bt), err;
	/* bt->type is a size for INT, STRUCT, ...: map it only for kinds
	 * that reference a type */
	uint32_t ref = 0;
	if (kind == BTF_KIND_PTR)
		ref = map(tr, bt->type, true);
	else if (passes_ptr_ctx(kind))
		ref = map(tr, bt->type, nd->ptr_ctx);
	if (nd->fwd)
		return btf__add_fwd(dst, name, kind == BTF_KIND_UNION ? BTF_FWD_UNION : BTF_FWD_STRUCT);
	switch (kind) {
	case BTF_KIND_INT:
		return btf__add_int(dst, name, (size_t)bt->size, btf_int_encoding(bt));
	case BTF_KIND_FLOAT:
		return btf__add_float(dst, name, (size_t)bt->size);
	case BTF_KIND_PTR:
		return btf__add_ptr(dst, (int)ref);
	case BTF_KIND_TYPEDEF:
		return btf__add_typedef(dst, name, (int)ref);
	case BTF_KIND_CONST:
		return btf__add_const(dst, (int)ref);
	case BTF_KIND_VOLATILE:
		return btf__add_volatile(dst, (int)ref);
	case BTF_KIND_RESTRICT:
		return btf__add_restrict(dst, (int)ref);
	case BTF_KIND_TYPE_TAG:
		return btf__add_type_tag(dst, name, (int)ref);
	case BTF_KIND_FWD:
		return btf__add_fwd(dst, name, btf_kflag(bt) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
	case BTF_KIND_FUNC:
		return btf__add_func(dst, name, (enum btf_func_linkage)btf_vlen(bt),
				     (int)map(tr, bt->type, false));
	case BTF_KIND_ARRAY:
		return btf__add_array(dst, (int)map(tr, btf_array(bt)->index_type, false),
				      (int)map(tr, btf_array(bt)->type, false),
				      btf_array(bt)->nelems);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		err = kind == BTF_KIND_STRUCT ? btf__add_struct(dst, name, bt->size)
					      : btf__add_union(dst, name, bt->size);
		return err < 0 ? err : emit_members(dst, tr, bt) < 0 ? -1 : err;
	case BTF_KIND_ENUM:
		err = btf__add_enum(dst, name, bt->size);
		for (uint16_t i = 0; i < btf_vlen(bt) && err >= 0; i++)
			if (btf__add_enum_value(dst, btf__name_by_offset(src, btf_enum(bt)[i].name_off),
						btf_enum(bt)[i].val) < 0)
				err = -1;
		return err;
	case BTF_KIND_ENUM64:
		err = btf__add_enum64(dst, name, bt->size, btf_kflag(bt));
		for (uint16_t i = 0; i < btf_vlen(bt) && err >= 0; i++)
			if (btf__add_enum64_value(dst, btf__name_by_offset(src, btf_enum64(bt)[i].name_off),
						  btf_enum64_value(&btf_enum64(bt)[i])) < 0)
				err = -1;
		return err;
	case BTF_KIND_FUNC_PROTO:
		err = btf__add_func_proto(dst, (int)map(tr, bt->type, false));
		for (uint16_t i = 0; i < btf_vlen(bt) && err >= 0; i++) {
			const struct btf_param *p = &btf_params(bt)[i];
			if (btf__add_func_param(dst, btf__name_by_offset(src, p->name_off),
						(int)map(tr, p->type, false)) < 0)
				err = -1;
		}
		return err;
	default:
		/* VAR, DATASEC, DECL_TAG are never reached from types */
		return btf__add_int(dst, "?", 1, 0);
	}
}

void *btf_trim_finish(struct btf_trim *tr, uint32_t *size)
{
	struct btf *dst = btf__new_empty();
	void *out = NULL;
	bool ok = dst != NULL;
	for (uint32_t i = 0; ok && i < tr->nnodes; i++)
		ok = emit_one(dst, tr, &tr->nodes[i]) == (int)(i + 1);
	if (ok) {
		const void *raw = btf__raw_data(dst, size);
		if (raw) {
			out = xmalloc(*size);
			memcpy(out, raw, *size);
		}
	}
	btf__free(dst);
	free(tr->newid[0]);
	free(tr->newid[1]);
	free(tr->nodes);
	free(tr);
	return out;
}
