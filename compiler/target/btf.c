/*
 * target/btf: the target kernel's BTF, loaded on first use, and what pass 2
 * derives from it: C type spellings and function prototypes.
 *
 * Sources, as the description says (target_desc.h, btf_from): the
 * fixture's DIR/btf; /sys/kernel/btf/vmlinux for the running kernel; for
 * -r, BUILDDIR/vmlinux (ELF) or the .BTF section of /boot/vmlinuz-R
 * (cache.c extracts and caches it).  libbpf parses it.
 *
 * Spellings follow DWARF as SystemTap prints it (pahole names BTF types
 * after DWARF): "long unsigned int", "char const*", "struct file*",
 * typedefs by name ("size_t", "gfp_t"), qualifiers after the type they
 * qualify, no space before '*'.  Type tags (__user etc.) are invisible.
 *
 * What BTF cannot tell, and DWARF could: functions without BTF (inlined
 * everywhere, or dropped by pahole for inconsistent prototypes) have no
 * prototype here; parameters optimised away still appear; there are no
 * local variables or line numbers.  A NULL prototype means "unknown", not
 * "no such function".
 */
#include "target/target_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "util/arena.h"
#include "util/fileutil.h"
#include "util/strbuf.h"

/* -r targets: the build tree's vmlinux, else the .BTF of the vmlinuz
 * (cache.c extracts it once). */
static struct btf *load_release_btf(struct target *t)
{
	if (t->d->btf_from == TARGET_BTF_ELF) {
		struct btf *b = btf__parse_elf(t->d->btf_path, NULL);
		if (b) {
			t->btf_source = t->d->btf_path;
			return b;
		}
	}
	size_t size = 0;
	char *why = NULL;
	void *raw = cache_artefact(t, "btf", &size, &why);
	if (!raw) {
		why_set(&t->btf_why, "no BTF for %s: %s", t->d->release, why);
		free(why);
		return NULL;
	}
	struct btf *b = btf__new(raw, (uint32_t)size);
	free(raw);
	if (!b) {
		why_set(&t->btf_why, "the BTF of %s does not parse: %s", t->d->vmlinuz,
			strerror(errno));
		return NULL;
	}
	t->btf_source = arena_printf(t->arena, ".BTF of %s", t->d->vmlinuz);
	return b;
}

struct btf *btf_load(struct target *t)
{
	if (t->btf_tried)
		return t->btf;
	t->btf_tried = true;
	switch (t->d->btf_from) {
	case TARGET_BTF_FIXTURE:
		t->btf = fixture_load_btf(t);
		break;
	case TARGET_BTF_SYSFS:
		t->btf = btf__parse_raw(t->d->btf_path);
		if (t->btf)
			t->btf_source = t->d->btf_path;
		else
			why_set(&t->btf_why, "cannot read %s: %s (is CONFIG_DEBUG_INFO_BTF "
				"set?)", t->d->btf_path, strerror(errno));
		break;
	case TARGET_BTF_ELF:
	case TARGET_BTF_VMLINUZ:
		t->btf = load_release_btf(t);
		break;
	}
	return t->btf;
}

struct btf *target_btf(struct target *t)
{
	return btf_load(t);
}

bool target_member_offset(struct target *t, const char *struct_name, const char *member,
			  uint32_t *offset)
{
	struct btf *b = btf_load(t);
	int32_t id = b ? btf__find_by_name_kind(b, struct_name, BTF_KIND_STRUCT) : -1;
	if (id <= 0)
		return false;
	const struct btf_type *st = btf__type_by_id(b, (uint32_t)id);
	const struct btf_member *m = btf_members(st);
	for (uint16_t i = 0; i < btf_vlen(st); i++, m++) {
		const char *n = btf__name_by_offset(b, m->name_off);
		if (n && !strcmp(n, member)) {
			uint32_t bits = btf_member_bit_offset(st, i);
			if (bits % 8)
				return false;
			*offset = bits / 8;
			return true;
		}
	}
	return false;
}

const char *target_btf_source(struct target *t)
{
	return btf_load(t) ? t->btf_source : NULL;
}

const char *target_btf_missing(struct target *t)
{
	return btf_load(t) ? NULL : t->btf_why;
}

/* Passes over all types (libbpf's btf__find_by_name_kind() is a linear
 * scan per call).  Tracepoints need only the btf_trace_<name> typedefs and
 * the __bpf_trace_<class> FUNCs, a few thousand names; the index of all
 * FUNCs (some 60,000 on a distribution kernel) is built only for what
 * needs function prototypes, since it is most of a tracepoint script's
 * pass 2. */
void btf_index_traces(struct target *t)
{
	if (t->btf_traces_indexed || !btf_load(t))
		return;
	t->btf_traces_indexed = true;
	uint32_t n = btf__type_cnt(t->btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *bt = btf__type_by_id(t->btf, id);
		int kind = btf_kind(bt);
		if (kind != BTF_KIND_FUNC && kind != BTF_KIND_TYPEDEF)
			continue;
		const char *name = btf__name_by_offset(t->btf, bt->name_off);
		if (!name || !*name)
			continue;
		if (kind == BTF_KIND_FUNC) {
			if (strncmp(name, "__bpf_trace_", 12) == 0) {
				uint32_t k = t->nbpf_trace_funcs++;
				if ((k & (k - 1)) == 0)
					t->bpf_trace_funcs = xrealloc(t->bpf_trace_funcs,
								      sizeof(uint32_t) * (k ? 2 * k : 1));
				t->bpf_trace_funcs[k] = id;
			}
		} else if (strncmp(name, "btf_trace_", 10) == 0 && name[10]) {
			namemap_put(&t->btf_traces, name + 10, (void *)(uintptr_t)id);
		}
	}
}

void btf_index_funcs(struct target *t)
{
	if (t->btf_indexed || !btf_load(t))
		return;
	t->btf_indexed = true;
	uint32_t n = btf__type_cnt(t->btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *bt = btf__type_by_id(t->btf, id);
		if (btf_kind(bt) != BTF_KIND_FUNC)
			continue;
		const char *name = btf__name_by_offset(t->btf, bt->name_off);
		if (name && *name && !namemap_get(&t->btf_funcs, name))
			namemap_put(&t->btf_funcs, name, (void *)(uintptr_t)id);
	}
}

/* ---------------------------------------------------------- spelling */

static void spell(const struct btf *btf, int32_t id, struct strbuf *sb, int depth);

static void spell_proto(const struct btf *btf, const struct btf_type *fp, const char *inner,
			struct strbuf *sb, int depth)
{
	/* SystemTap: "int (*) (unsigned int)" */
	spell(btf, (int32_t)fp->type, sb, depth + 1);
	strbuf_printf(sb, " %s%s(", inner, *inner ? " " : "");
	const struct btf_param *p = btf_params(fp);
	uint16_t n = btf_vlen(fp);
	for (uint16_t i = 0; i < n; i++) {
		if (i)
			strbuf_puts(sb, ", ");
		if (p[i].type == 0)
			strbuf_puts(sb, "...");
		else
			spell(btf, (int32_t)p[i].type, sb, depth + 1);
	}
	strbuf_putc(sb, ')');
}

static void spell_named(const struct btf *btf, const struct btf_type *bt, const char *tag,
			struct strbuf *sb)
{
	const char *name = btf__name_by_offset(btf, bt->name_off);
	if (tag)
		strbuf_printf(sb, "%s ", tag);
	strbuf_puts(sb, name && *name ? name : "{...}");
}

static void spell(const struct btf *btf, int32_t id, struct strbuf *sb, int depth)
{
	if (id == 0) {
		strbuf_puts(sb, "void");
		return;
	}
	const struct btf_type *bt = btf__type_by_id(btf, (uint32_t)id);
	if (!bt || depth > 32) {
		strbuf_puts(sb, "?");
		return;
	}
	switch (btf_kind(bt)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FUNC:
		spell_named(btf, bt, NULL, sb);
		break;
	case BTF_KIND_STRUCT:
		spell_named(btf, bt, "struct", sb);
		break;
	case BTF_KIND_UNION:
		spell_named(btf, bt, "union", sb);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		spell_named(btf, bt, "enum", sb);
		break;
	case BTF_KIND_FWD:
		spell_named(btf, bt, btf_kflag(bt) ? "union" : "struct", sb);
		break;
	case BTF_KIND_PTR: {
		const struct btf_type *to = btf__type_by_id(btf, bt->type);
		if (to && btf_kind(to) == BTF_KIND_FUNC_PROTO)
			spell_proto(btf, to, "(*)", sb, depth);
		else {
			spell(btf, (int32_t)bt->type, sb, depth + 1);
			strbuf_putc(sb, '*');
		}
		break;
	}
	case BTF_KIND_CONST:
		spell(btf, (int32_t)bt->type, sb, depth + 1);
		strbuf_puts(sb, " const");
		break;
	case BTF_KIND_VOLATILE:
		spell(btf, (int32_t)bt->type, sb, depth + 1);
		strbuf_puts(sb, " volatile");
		break;
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		spell(btf, (int32_t)bt->type, sb, depth + 1);
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(bt);
		spell(btf, (int32_t)a->type, sb, depth + 1);
		strbuf_printf(sb, "[%u]", a->nelems);
		break;
	}
	case BTF_KIND_FUNC_PROTO:
		spell_proto(btf, bt, "", sb, depth);
		break;
	default:
		strbuf_puts(sb, "?");
		break;
	}
}

const char *btf_spell(struct target *t, const struct btf *btf, int32_t id)
{
	struct strbuf sb = STRBUF_INIT;
	spell(btf, id, &sb, 0);
	const char *s = arena_strdup(t->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	return s;
}

const char *target_btf_type_name(struct target *t, int32_t id)
{
	struct btf *btf = target_btf(t);
	return btf ? btf_spell(t, btf, id) : "?";
}

/* Skips typedefs and qualifiers: the type that decides size and sign. */
static const struct btf_type *resolve(const struct btf *btf, int32_t id)
{
	for (int depth = 0; id && depth < 32; depth++) {
		const struct btf_type *bt = btf__type_by_id(btf, (uint32_t)id);
		if (!bt)
			return NULL;
		switch (btf_kind(bt)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = (int32_t)bt->type;
			continue;
		default:
			return bt;
		}
	}
	return NULL;
}

void btf_describe(struct target *t, const struct btf *btf, int32_t id, struct target_param *p)
{
	p->ctype = btf_spell(t, btf, id);
	p->btf_type_id = id;
	const struct btf_type *bt = resolve(btf, id);
	long size = id ? btf__resolve_size(btf, (uint32_t)id) : 0;
	p->size = size > 0 ? (uint32_t)size : 0;
	p->is_pointer = bt && btf_kind(bt) == BTF_KIND_PTR;
	p->is_signed = false;
	if (bt && btf_kind(bt) == BTF_KIND_INT)
		p->is_signed = (btf_int_encoding(bt) & BTF_INT_SIGNED) != 0;
	else if (bt && (btf_kind(bt) == BTF_KIND_ENUM || btf_kind(bt) == BTF_KIND_ENUM64))
		p->is_signed = btf_kflag(bt);
}

/* --------------------------------------------------------- prototypes */

/* Params of a FUNC_PROTO from index `first` on, into *out (target arena).
 * A trailing "..." (type 0) is dropped: it has no name to probe. */
uint32_t btf_params_of(struct target *t, int32_t proto_id, uint32_t first,
		       struct target_param **out)
{
	const struct btf_type *fp = btf__type_by_id(t->btf, (uint32_t)proto_id);
	*out = NULL;
	if (!fp || btf_kind(fp) != BTF_KIND_FUNC_PROTO)
		return 0;
	uint16_t n = btf_vlen(fp);
	const struct btf_param *bp = btf_params(fp);
	if (n && bp[n - 1].type == 0)
		n--;
	if (n <= first)
		return 0;
	struct target_param *ps = arena_new_array(t->arena, struct target_param, n - first);
	for (uint32_t i = first; i < n; i++) {
		struct target_param *p = &ps[i - first];
		const char *name = btf__name_by_offset(t->btf, bp[i].name_off);
		p->name = arena_strdup(t->arena, name ? name : "");
		btf_describe(t, t->btf, (int32_t)bp[i].type, p);
	}
	*out = ps;
	return n - first;
}

const struct target_func_proto *target_function_proto(struct target *t, const char *name)
{
	const struct target_func_proto *cached = namemap_get(&t->protos, name);
	if (cached)
		return cached;
	if (!btf_load(t))
		return t->d->fixture_dir ? fixture_proto(t, name) : NULL;
	btf_index_funcs(t);
	int32_t id = (int32_t)(uintptr_t)namemap_get(&t->btf_funcs, name);
	if (!id)
		return NULL;
	const struct btf_type *fn = btf__type_by_id(t->btf, (uint32_t)id);
	const struct btf_type *fp = btf__type_by_id(t->btf, fn->type);
	if (!fp || btf_kind(fp) != BTF_KIND_FUNC_PROTO)
		return NULL;
	struct target_func_proto *p = arena_new_obj(t->arena, struct target_func_proto);
	p->name = arena_strdup(t->arena, name);
	p->ret_ctype = btf_spell(t, t->btf, (int32_t)fp->type);
	p->nparams = btf_params_of(t, (int32_t)fn->type, 0, &p->params);
	p->varargs = btf_vlen(fp) && btf_params(fp)[btf_vlen(fp) - 1].type == 0;
	namemap_put(&t->protos, p->name, p);
	return p;
}
