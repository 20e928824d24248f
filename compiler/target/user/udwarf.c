/*
 * udwarf: reading the DWARF of one ELF file (see udwarf.h).
 *
 * Types are followed in the DWARF itself (no conversion); names are
 * spelled the way SystemTap's -L spells them: "char const*", "long int",
 * "struct point", "int[]".
 */
#include "target/user/udwarf.h"
#include "target/user/udwarf_int.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target/user/uelf.h"
#include "util/arena.h"
#include "util/strbuf.h"


/* A few files stay open: a script names the kernel, a module or two, a
 * program and its libraries, and asks about each in turn. */
#define UDWARF_OPEN_MAX 4

struct udwarf_cache {
	struct udwarf *open[UDWARF_OPEN_MAX]; /* most recently used first */
};

static void udwarf_close(struct udwarf *u)
{
	if (!u)
		return;
	if (u->dwfl) {
		dwfl_end(u->dwfl); /* its Dwarf and Elf with it */
	} else {
		if (u->dw)
			dwarf_end(u->dw);
		if (u->cfi_eh)
			dwarf_cfi_end(u->cfi_eh);
		if (u->delf && u->delf != u->elf)
			elf_end(u->delf);
		if (u->elf)
			elf_end(u->elf);
	}
	if (u->dfd >= 0 && u->dfd != u->fd)
		close(u->dfd);
	if (u->fd >= 0)
		close(u->fd);
	free(u->path);
	free(u->debug_path);
	free(u->symbol_asked);
	free(u);
}

struct udwarf_cache *udwarf_cache_new(void)
{
	return xcalloc(1, sizeof(struct udwarf_cache));
}

void udwarf_cache_free(struct udwarf_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < UDWARF_OPEN_MAX; i++)
		udwarf_close(c->open[i]);
	free(c);
}

static bool is_relocatable(Elf *elf)
{
	GElf_Ehdr eh;
	return gelf_getehdr(elf, &eh) && eh.e_type == ET_REL;
}

/* u->debug_path's DWARF through libdwfl, relocated */
static bool open_relocatable(struct udwarf *u)
{
	static const Dwfl_Callbacks offline = {
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
	};
	u->dwfl = dwfl_begin(&offline);
	if (!u->dwfl)
		return false;
	dwfl_report_begin(u->dwfl);
	u->module = dwfl_report_offline(u->dwfl, "", u->debug_path, -1);
	dwfl_report_end(u->dwfl, NULL, NULL);
	if (!u->module)
		return false;
	u->dw = dwfl_module_getdwarf(u->module, &u->bias);
	Dwarf_Addr ebias;
	u->elf = u->delf = dwfl_module_getelf(u->module, &ebias);
	return u->dw && u->elf && ebias == u->bias;
}

/* path: the ELF (for .eh_frame); debug_path: where DWARF is (NULL = path).
 * A file that has no DWARF stays in the cache too, so that asking again
 * costs nothing. */
struct udwarf *udwarf_open(struct udwarf_cache *c, const char *path, const char *debug_path)
{
	const char *dp = debug_path ? debug_path : path;
	for (int i = 0; i < UDWARF_OPEN_MAX; i++) {
		struct udwarf *cached = c->open[i];
		if (!cached || strcmp(cached->path, path) || strcmp(cached->debug_path, dp))
			continue;
		memmove(&c->open[1], &c->open[0], (size_t)i * sizeof(c->open[0]));
		c->open[0] = cached;
		return cached->dw ? cached : NULL;
	}
	udwarf_close(c->open[UDWARF_OPEN_MAX - 1]);
	memmove(&c->open[1], &c->open[0], (UDWARF_OPEN_MAX - 1) * sizeof(c->open[0]));
	struct udwarf *u = xcalloc(1, sizeof(*u));
	c->open[0] = u;
	u->path = xstrdup(path);
	u->debug_path = xstrdup(dp);
	u->fd = open(path, O_RDONLY | O_CLOEXEC);
	u->dfd = strcmp(dp, path) ? open(dp, O_RDONLY | O_CLOEXEC) : u->fd;
	if (u->fd < 0 || u->dfd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	u->elf = elf_begin(u->fd, ELF_C_READ_MMAP, NULL);
	u->delf = u->dfd == u->fd ? u->elf : elf_begin(u->dfd, ELF_C_READ_MMAP, NULL);
	if (!u->elf || !u->delf)
		return NULL;
	if (is_relocatable(u->delf)) {
		if (u->delf != u->elf)
			elf_end(u->delf);
		elf_end(u->elf);
		if (u->dfd != u->fd)
			close(u->dfd);
		u->elf = u->delf = NULL;
		u->dfd = u->fd;
		if (!open_relocatable(u))
			u->dw = NULL;
		return u->dw ? u : NULL;
	}
	u->dw = dwarf_begin_elf(u->delf, DWARF_C_READ, NULL);
	if (!u->dw)
		return NULL;
	u->cfi_eh = dwarf_getcfi_elf(u->elf);
	u->cfi_debug = dwarf_getcfi(u->dw);
	return u;
}

struct udwarf *udwarf_of_uelf(struct udwarf_cache *c, struct arena *a, const struct uelf *u,
			      const char **debug_file)
{
	*debug_file = NULL;
	if (u->has_debug_info)
		return udwarf_open(c, u->path, NULL);
	const char *dbg = uelf_debug_file(a, u);
	if (!dbg)
		return NULL;
	*debug_file = dbg;
	return udwarf_open(c, u->path, dbg);
}

const char *udwarf_symbol_at(struct udwarf *dw, uint64_t addr, uint64_t *off)
{
	if (!dw->module)
		return NULL;
	GElf_Off o = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(dw->module, addr + dw->bias, &o, &sym, NULL, NULL,
						NULL);
	if (!name || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
		return NULL;
	*off = o;
	return name;
}

/* ------------------------------------------------------------ types */

static bool die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

static bool is_type_tag(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_base_type || tag == DW_TAG_structure_type ||
	       tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type ||
	       tag == DW_TAG_class_type;
}

/* The first unit-level definition (not a declaration) of the type `name`
 * with tag `tag` (any type tag when 0) in the file, preferring what is
 * complete: a typedef of a declared-only struct is kept only while
 * nothing better turns up. */
static bool find_named_type(Dwarf *dbg, const char *name, int tag, Dwarf_Die *out)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	bool have_typedef = false;
	while (dwarf_nextcu(dbg, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		if (dwarf_offdie(dbg, off + hsize, &cu) && dwarf_child(&cu, &child) == 0) {
			do {
				int t = dwarf_tag(&child);
				const char *n = dwarf_diename(&child);
				if (!n || strcmp(n, name) != 0 || (tag ? t != tag : !is_type_tag(t)) ||
				    dwarf_hasattr(&child, DW_AT_declaration))
					continue;
				Dwarf_Die target;
				if (t == DW_TAG_typedef && die_type(&child, &target) &&
				    dwarf_hasattr(&target, DW_AT_declaration)) {
					if (!have_typedef)
						*out = child;
					have_typedef = true;
					continue;
				}
				*out = child;
				return true;
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
	return have_typedef;
}

/* A struct, union or class only declared in this unit (a pointer to an
 * opaque type here) completed from the unit that defines it. */
static void complete_declaration(Dwarf_Die *t)
{
	int tag = dwarf_tag(t);
	const char *name;
	Dwarf_Die def;
	if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type) &&
	    dwarf_hasattr(t, DW_AT_declaration) && (name = dwarf_diename(t)) &&
	    find_named_type(dwarf_cu_getdwarf(t->cu), name, tag, &def))
		*t = def;
}

bool udwarf_find_type(struct udwarf *dw, const char *name, struct udwarf_type *out)
{
	static const struct { const char *prefix; int tag; } tagged[] = {
		{ "struct ", DW_TAG_structure_type }, { "union ", DW_TAG_union_type },
		{ "enum ", DW_TAG_enumeration_type }, { "class ", DW_TAG_class_type },
	};
	int tag = 0;
	for (size_t i = 0; i < sizeof(tagged) / sizeof(tagged[0]); i++) {
		size_t n = strlen(tagged[i].prefix);
		if (!strncmp(name, tagged[i].prefix, n)) {
			name += n;
			tag = tagged[i].tag;
			break;
		}
	}
	out->valid = find_named_type(dw->dw, name, tag, &out->die);
	return out->valid;
}

/* typedef/const/volatile peeled; false for void */
static bool peel(Dwarf_Die *t, Dwarf_Die *out)
{
	Dwarf_Die cur = *t;
	for (int i = 0; i < 64; i++) {
		int tag = dwarf_tag(&cur);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type) {
			complete_declaration(&cur);
			*out = cur;
			return true;
		}
		if (!die_type(&cur, &cur))
			return false;
	}
	return false;
}

static void type_name_into(Dwarf_Die *t, struct strbuf *sb, int depth)
{
	if (!t || depth > 16) {
		strbuf_puts(sb, "void");
		return;
	}
	Dwarf_Die inner;
	bool has = die_type(t, &inner);
	const char *name = dwarf_diename(t);
	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type:
		if (has && dwarf_tag(&inner) == DW_TAG_subroutine_type) {
			/* SystemTap: "int (*) (void*, long int)" */
			Dwarf_Die ret, arg;
			type_name_into(die_type(&inner, &ret) ? &ret : NULL, sb, depth + 1);
			strbuf_puts(sb, " (*) (");
			bool first = true;
			if (dwarf_child(&inner, &arg) == 0) {
				do {
					if (dwarf_tag(&arg) != DW_TAG_formal_parameter)
						continue;
					Dwarf_Die at;
					if (!first)
						strbuf_puts(sb, ", ");
					type_name_into(die_type(&arg, &at) ? &at : NULL, sb, depth + 1);
					first = false;
				} while (dwarf_siblingof(&arg, &arg) == 0);
			}
			strbuf_puts(sb, ")");
			return;
		}
		/* fallthrough */
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		strbuf_puts(sb, dwarf_tag(t) == DW_TAG_pointer_type ? "*" : "&");
		return;
	case DW_TAG_const_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		strbuf_puts(sb, " const");
		return;
	case DW_TAG_volatile_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		strbuf_puts(sb, " volatile");
		return;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		return;
	case DW_TAG_structure_type:
		strbuf_printf(sb, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_class_type:
		strbuf_printf(sb, "class %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		strbuf_printf(sb, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		strbuf_printf(sb, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_array_type: {
		/* SystemTap spells every dimension "[]", whatever its bound */
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		Dwarf_Die sub;
		if (dwarf_child(t, &sub) == 0) {
			do
				if (dwarf_tag(&sub) == DW_TAG_subrange_type)
					strbuf_puts(sb, "[]");
			while (dwarf_siblingof(&sub, &sub) == 0);
		}
		return;
	}
	case DW_TAG_subroutine_type:
		strbuf_puts(sb, "func");
		return;
	default:
		strbuf_puts(sb, name ? name : "void");
	}
}

/* size and signedness of a scalar (base, enum, pointer); false otherwise */
static bool scalar(Dwarf_Die *t, uint32_t *size, bool *is_signed)
{
	Dwarf_Die p;
	if (!peel(t, &p))
		return false;
	Dwarf_Word sz = 0;
	int tag = dwarf_tag(&p);
	if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type ||
	    tag == DW_TAG_rvalue_reference_type) {
		*size = 8;
		*is_signed = false;
		return true;
	}
	if (tag != DW_TAG_base_type && tag != DW_TAG_enumeration_type)
		return false;
	if (dwarf_aggregate_size(&p, &sz) != 0 || sz == 0 || sz > 8)
		return false;
	*size = (uint32_t)sz;
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	if (tag == DW_TAG_base_type && dwarf_attr(&p, DW_AT_encoding, &a))
		dwarf_formudata(&a, &enc);
	*is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char ||
		     (tag == DW_TAG_enumeration_type);
	if (enc == DW_ATE_float)
		return false;
	return true;
}

enum udwarf_kind udwarf_type_kind(const struct udwarf_type *t)
{
	Dwarf_Die d = t->die;
	switch (t->valid ? dwarf_tag(&d) : 0) {
	case DW_TAG_pointer_type:
		return UDWARF_TYPE_POINTER;
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		return UDWARF_TYPE_REFERENCE;
	case DW_TAG_array_type:
		return UDWARF_TYPE_ARRAY;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
		return UDWARF_TYPE_STRUCT;
	default:
		return UDWARF_TYPE_OTHER;
	}
}

/* libdw takes DIEs as non-const pointers but does not write them: the
 * copies keep struct udwarf_type const at the interface. */
bool udwarf_type_peel(const struct udwarf_type *t, struct udwarf_type *out)
{
	Dwarf_Die d = t->die;
	out->valid = t->valid && peel(&d, &out->die);
	return out->valid;
}

bool udwarf_type_inner(const struct udwarf_type *t, struct udwarf_type *out)
{
	Dwarf_Die d = t->die;
	out->valid = t->valid && die_type(&d, &out->die);
	return out->valid;
}

bool udwarf_type_scalar(const struct udwarf_type *t, uint32_t *size, bool *is_signed)
{
	Dwarf_Die d = t->die;
	return t->valid && scalar(&d, size, is_signed);
}

bool udwarf_type_is_char(const struct udwarf_type *t)
{
	Dwarf_Die in = t->die, d;
	Dwarf_Attribute a;
	Dwarf_Word enc = 0, size = 0;
	if (!t->valid || !peel(&in, &d) || dwarf_tag(&d) != DW_TAG_base_type)
		return false;
	if (!dwarf_attr(&d, DW_AT_encoding, &a) || dwarf_formudata(&a, &enc) != 0 ||
	    !dwarf_attr(&d, DW_AT_byte_size, &a) || dwarf_formudata(&a, &size) != 0)
		return false;
	return size == 1 && (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char ||
			     enc == DW_ATE_signed || enc == DW_ATE_unsigned);
}

bool udwarf_type_size(const struct udwarf_type *t, uint64_t *size)
{
	Dwarf_Die d = t->die;
	Dwarf_Word sz = 0;
	if (!t->valid || dwarf_aggregate_size(&d, &sz) != 0)
		return false;
	*size = sz;
	return true;
}

const char *udwarf_type_name(struct arena *a, const struct udwarf_type *t)
{
	Dwarf_Die d = t->die;
	struct strbuf sb = STRBUF_INIT;
	type_name_into(t->valid ? &d : NULL, &sb, 0);
	const char *r = arena_strdup(a, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

static bool find_member(Dwarf_Die *st, const char *name, uint64_t *off, Dwarf_Die *mem, int depth)
{
	Dwarf_Die c;
	if (depth > 8 || dwarf_child(st, &c) != 0)
		return false;
	do {
		if (dwarf_tag(&c) != DW_TAG_member && dwarf_tag(&c) != DW_TAG_inheritance)
			continue;
		Dwarf_Attribute a;
		Dwarf_Word moff = 0;
		if (dwarf_attr_integrate(&c, DW_AT_data_member_location, &a))
			dwarf_formudata(&a, &moff);
		const char *n = dwarf_diename(&c);
		if (n && !strcmp(n, name)) {
			*off = moff;
			*mem = c;
			return true;
		}
		if (!n) {
			Dwarf_Die t, p;
			if (die_type(&c, &t) && peel(&t, &p) &&
			    find_member(&p, name, off, mem, depth + 1)) {
				*off += moff;
				return true;
			}
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

bool udwarf_type_member(const struct udwarf_type *st, const char *name, struct udwarf_member *m)
{
	Dwarf_Die d = st->die, mem;
	memset(m, 0, sizeof(*m));
	if (!st->valid || !find_member(&d, name, &m->offset, &mem, 0) ||
	    !die_type(&mem, &m->type.die))
		return false;
	m->type.valid = true;
	Dwarf_Attribute a;
	Dwarf_Word bits = 0, bitoff = 0;
	if (dwarf_attr_integrate(&mem, DW_AT_bit_size, &a) && dwarf_formudata(&a, &bits) == 0 &&
	    bits) {
		if (dwarf_attr_integrate(&mem, DW_AT_data_bit_offset, &a))
			dwarf_formudata(&a, &bitoff);
		else
			bitoff = m->offset * 8;
		m->bit_size = bits;
		m->bit_offset = bitoff;
	}
	return true;
}

void udwarf_type_members(const struct udwarf_type *st, void (*cb)(void *ctx, const char *name),
			 void *ctx)
{
	Dwarf_Die d = st->die, c;
	if (!st->valid || dwarf_child(&d, &c) != 0)
		return;
	do {
		const char *n = dwarf_diename(&c);
		if (dwarf_tag(&c) == DW_TAG_member && n)
			cb(ctx, n);
	} while (dwarf_siblingof(&c, &c) == 0);
}

bool udwarf_return_type(struct udwarf *dw, uint64_t die_offset, struct udwarf_type *out)
{
	Dwarf_Die fn, origin;
	out->valid = false;
	if (!dwarf_offdie(dw->dw, die_offset, &fn))
		return false;
	origin = fn;
	Dwarf_Attribute a;
	if (dwarf_attr(&fn, DW_AT_abstract_origin, &a))
		dwarf_formref_die(&a, &origin);
	out->valid = die_type(&origin, &out->die);
	return out->valid;
}

/* ------------------------------------------------------------ functions */

static bool optimized_cu(Dwarf_Die *cu)
{
	Dwarf_Attribute a;
	const char *prod = dwarf_attr(cu, DW_AT_producer, &a) ? dwarf_formstring(&a) : NULL;
	if (!prod)
		return false;
	for (const char *p = strstr(prod, " -O"); p; p = strstr(p + 1, " -O"))
		if (p[3] != '0')
			return true;
	return false;
}

/* Second line-table row of the function: where gcc marks the prologue's end. */
static uint64_t after_prologue(Dwarf_Die *cu, uint64_t low, uint64_t high)
{
	Dwarf_Lines *lines;
	size_t n;
	if (dwarf_getsrclines(cu, &lines, &n) != 0)
		return low;
	uint64_t best = 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr a;
		bool stmt = false;
		if (!l || dwarf_lineaddr(l, &a) != 0 || dwarf_linebeginstatement(l, &stmt) != 0)
			continue;
		if (stmt && a > low && a < high && (!best || a < best))
			best = a;
	}
	return best ? best : low;
}

struct fctx {
	struct udwarf *dw;
	struct arena *a;
	bool inlines;
	const struct udwarf_filter *want;
	void (*cb)(void *, const struct udwarf_func *);
	void *ctx;
	Dwarf_Die *cu;
	bool optimized;
	/* abstract inline functions of this CU whose instances are wanted */
	Dwarf_Off *inline_offs;
	size_t ninline, inline_cap;
};

/* Whether the caller wants the function (its abstract origin): its name
 * (or linkage name) first, its file only then, before anything costly. */
static bool wanted(struct fctx *c, Dwarf_Die *origin)
{
	const struct udwarf_filter *w = c->want;
	if (!w)
		return true;
	const char *n = dwarf_diename(origin);
	if (!n || !w->name(w->ctx, n)) {
		Dwarf_Attribute a;
		const char *ln = dwarf_attr_integrate(origin, DW_AT_linkage_name, &a)
					 ? dwarf_formstring(&a)
					 : NULL;
		if (!ln || !w->name(w->ctx, ln))
			return false;
	}
	return !w->file || w->file(w->ctx, dwarf_decl_file(origin));
}

static void fill_common(struct fctx *c, Dwarf_Die *die, Dwarf_Die *origin, struct udwarf_func *f)
{
	const char *n = dwarf_diename(origin);
	f->name = n ? arena_strdup(c->a, n) : "";
	Dwarf_Attribute a;
	const char *ln = dwarf_attr_integrate(origin, DW_AT_linkage_name, &a) ? dwarf_formstring(&a)
									     : NULL;
	f->linkage = ln ? arena_strdup(c->a, ln) : NULL;
	const char *file = dwarf_decl_file(origin);
	f->decl_file = file ? arena_strdup(c->a, file) : NULL;
	dwarf_decl_line(origin, &f->decl_line);
	f->die_offset = dwarf_dieoffset(die);
	f->cu_offset = dwarf_dieoffset(c->cu);
	f->external = dwarf_hasattr_integrate(origin, DW_AT_external);
	Dwarf_Die rt;
	f->has_return_value = die_type(origin, &rt);
}

static void each_inline(struct fctx *c, Dwarf_Die *inst, Dwarf_Die *origin)
{
	Dwarf_Addr pc;
	if (dwarf_entrypc(inst, &pc) != 0 && dwarf_lowpc(inst, &pc) != 0)
		return;
	struct udwarf_func f = { 0 };
	fill_common(c, inst, origin, &f);
	f.entry = f.probe_pc = pc;
	f.is_inline = true;
	c->cb(c->ctx, &f);
}

static int each_func(Dwarf_Die *die, void *arg)
{
	struct fctx *c = arg;
	Dwarf_Die origin = *die;
	Dwarf_Attribute a;
	if (dwarf_attr(die, DW_AT_abstract_origin, &a))
		dwarf_formref_die(&a, &origin);
	else if (dwarf_attr(die, DW_AT_specification, &a))
		dwarf_formref_die(&a, &origin);
	if (!wanted(c, &origin))
		return DWARF_CB_OK;
	if (dwarf_func_inline(die) && c->inlines) {
		/* its instances are found in one walk of the CU (inline_walk) */
		if (c->ninline == c->inline_cap) {
			c->inline_cap = c->inline_cap ? 2 * c->inline_cap : 16;
			c->inline_offs = xrealloc(c->inline_offs, c->inline_cap * sizeof(Dwarf_Off));
		}
		c->inline_offs[c->ninline++] = dwarf_dieoffset(die);
		/* an inline function may also have an out-of-line copy: below */
	}
	Dwarf_Addr low, high;
	if (dwarf_lowpc(die, &low) != 0 || dwarf_highpc(die, &high) != 0) {
		/* code in several ranges (a hot part and its .cold part): the
		 * entry is where the first range starts, unless DW_AT_entry_pc
		 * says otherwise */
		Dwarf_Addr base;
		if (dwarf_ranges(die, 0, &base, &low, &high) <= 0)
			return DWARF_CB_OK;
		Dwarf_Attribute ea;
		Dwarf_Addr entry;
		if (dwarf_attr(die, DW_AT_entry_pc, &ea) && dwarf_entrypc(die, &entry) == 0)
			low = entry;
	}
	struct udwarf_func f = { 0 };
	fill_common(c, die, &origin, &f);
	f.entry = low;
	f.probe_pc = c->optimized ? low : after_prologue(c->cu, low, high);
	c->cb(c->ctx, &f);
	return DWARF_CB_OK;
}

static bool inline_wanted(const struct fctx *c, Dwarf_Off off)
{
	for (size_t i = 0; i < c->ninline; i++)
		if (c->inline_offs[i] == off)
			return true;
	return false;
}

/* Every inlined instance below die of the wanted abstract functions: one
 * walk of the tree, where asking libdw for each function's instances
 * would walk the CU once per function (quadratic in a kernel's CUs). */
static void inline_walk(struct fctx *c, Dwarf_Die *die)
{
	Dwarf_Die child;
	if (dwarf_child(die, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		if (tag == DW_TAG_inlined_subroutine) {
			Dwarf_Attribute a;
			Dwarf_Die origin;
			if (dwarf_attr(&child, DW_AT_abstract_origin, &a) &&
			    dwarf_formref_die(&a, &origin) &&
			    inline_wanted(c, dwarf_dieoffset(&origin)))
				each_inline(c, &child, &origin);
		}
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
		    tag == DW_TAG_lexical_block || tag == DW_TAG_namespace ||
		    tag == DW_TAG_class_type || tag == DW_TAG_structure_type)
			inline_walk(c, &child);
	} while (dwarf_siblingof(&child, &child) == 0);
}

void udwarf_functions(struct udwarf *dw, struct arena *a, bool inlines,
		      const struct udwarf_filter *want,
		      void (*cb)(void *ctx, const struct udwarf_func *f), void *ctx)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	struct fctx c = { .dw = dw, .a = a, .inlines = inlines, .want = want, .cb = cb, .ctx = ctx };
	while (dwarf_nextcu(dw->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw->dw, off + hsize, &cu) &&
		    (!want || !want->unit || want->unit(want->ctx, dwarf_diename(&cu)))) {
			c.cu = &cu;
			c.optimized = optimized_cu(&cu);
			c.ninline = 0;
			dwarf_getfuncs(&cu, each_func, &c, 0);
			if (c.ninline)
				inline_walk(&c, &cu);
		}
		off = next;
	}
	free(c.inline_offs);
}

static bool file_matches(const char *have, const char *want)
{
	if (!want)
		return true;
	/* "./x.c" is x.c relative to where it was compiled */
	while (want[0] == '.' && want[1] == '/' && want[2])
		want += 2;
	size_t h = strlen(have), w = strlen(want);
	if (fnmatch(want, have, 0) == 0)
		return true;
	if (h >= w && !strcmp(have + h - w, want) && (h == w || have[h - w - 1] == '/'))
		return true;
	char *glob = xmalloc(w + 3);
	strcpy(glob, "*/");
	strcat(glob, want);
	bool ok = fnmatch(glob, have, 0) == 0;
	free(glob);
	return ok;
}

struct line_addrs {
	const char *file;
	int line;
	uint64_t *out;
	int max, count;
	bool in_run;
};

static void line_addr_row(void *ctx, const struct udwarf_line *l)
{
	struct line_addrs *c = ctx;
	if (l->new_cu)
		c->in_run = false;
	bool hit = !l->end && l->line == c->line && file_matches(l->file, c->file);
	if (hit && l->is_stmt && !c->in_run && c->count < c->max) {
		bool dup = false;
		for (int k = 0; k < c->count; k++)
			dup |= c->out[k] == l->pc;
		if (!dup)
			c->out[c->count++] = l->pc;
	}
	c->in_run = hit;
}

int udwarf_line_addrs(struct udwarf *dw, const char *file, int line, uint64_t *out, int max)
{
	struct line_addrs c = { .file = file, .line = line, .out = out, .max = max };
	udwarf_line_rows(dw, NULL, line_addr_row, &c);
	return c.count;
}

uint64_t udwarf_func_at(struct udwarf *dw, uint64_t pc)
{
	Dwarf_Die cu, *scopes = NULL;
	if (!dwarf_addrdie(dw->dw, pc, &cu))
		return 0;
	int n = dwarf_getscopes(&cu, pc, &scopes);
	uint64_t off = 0;
	for (int i = 0; i < n && !off; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
			off = dwarf_dieoffset(&scopes[i]);
	}
	free(scopes);
	return off;
}

bool udwarf_func_has_pc(struct udwarf *dw, uint64_t die_offset, uint64_t pc)
{
	Dwarf_Die die;
	return dwarf_offdie(dw->dw, die_offset, &die) && dwarf_haspc(&die, pc) == 1;
}

bool udwarf_in_prologue(struct udwarf *dw, uint64_t die_offset, uint64_t pc)
{
	Dwarf_Die fn, cu;
	Dwarf_Addr low, high;
	if (!dwarf_offdie(dw->dw, die_offset, &fn) || dwarf_tag(&fn) != DW_TAG_subprogram ||
	    !dwarf_diecu(&fn, &cu, NULL, NULL) || optimized_cu(&cu) ||
	    dwarf_lowpc(&fn, &low) != 0 || dwarf_highpc(&fn, &high) != 0)
		return false;
	return pc < after_prologue(&cu, low, high);
}

const char *udwarf_section_at(struct udwarf *dw, uint64_t addr)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(dw->elf, &shstrndx) != 0)
		return NULL;
	for (Elf_Scn *scn = elf_nextscn(dw->elf, NULL); scn; scn = elf_nextscn(dw->elf, scn)) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) && addr >= sh.sh_addr &&
		    addr < sh.sh_addr + sh.sh_size)
			return elf_strptr(dw->elf, shstrndx, sh.sh_name);
	}
	return NULL;
}

bool udwarf_addr_line(struct udwarf *dw, struct arena *a, uint64_t pc, const char **file,
		      int *line)
{
	Dwarf_Die cu;
	if (!dwarf_addrdie(dw->dw, pc, &cu))
		return false;
	Dwarf_Line *l = dwarf_getsrc_die(&cu, pc);
	const char *src = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
	if (!src || dwarf_lineno(l, line) != 0)
		return false;
	*file = arena_strdup(a, src);
	return true;
}

void udwarf_line_rows(struct udwarf *dw, const struct udwarf_filter *units,
		      void (*cb)(void *ctx, const struct udwarf_line *l), void *ctx)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		size_t n;
		if (dwarf_offdie(dw->dw, off + hsize, &cu) &&
		    (!units || !units->unit || units->unit(units->ctx, dwarf_diename(&cu))) &&
		    dwarf_getsrclines(&cu, &lines, &n) == 0) {
			bool first = true;
			for (size_t i = 0; i < n; i++) {
				Dwarf_Line *l = dwarf_onesrcline(lines, i);
				struct udwarf_line row = { .new_cu = first };
				Dwarf_Addr a;
				row.file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
				if (!row.file || dwarf_lineno(l, &row.line) != 0 ||
				    dwarf_lineaddr(l, &a) != 0)
					continue;
				row.pc = a;
				dwarf_linebeginstatement(l, &row.is_stmt);
				dwarf_lineendsequence(l, &row.end);
				cb(ctx, &row);
				first = false;
			}
		}
		off = next;
	}
}

/* ------------------------------------------------------------ variables */

struct scope {
	Dwarf_Die *scopes;
	int n;
	int func;                 /* index of the function (or inline instance) scope */
};

/* Scopes at pc, from innermost to the function die_offset. */
static bool scopes_at(struct udwarf *dw, uint64_t die_offset, uint64_t pc, struct scope *s)
{
	Dwarf_Die fn;
	if (!dwarf_offdie(dw->dw, die_offset, &fn))
		return false;
	Dwarf_Die cu;
	if (!dwarf_diecu(&fn, &cu, NULL, NULL))
		return false;
	s->n = dwarf_getscopes(&cu, pc, &s->scopes);
	s->func = -1;
	for (int i = 0; i < s->n; i++)
		if (dwarf_dieoffset(&s->scopes[i]) == die_offset)
			s->func = i;
	if (s->func < 0) {
		free(s->scopes);
		/* pc outside the function (a .return's entry pc is inside) */
		s->n = dwarf_getscopes_die(&fn, &s->scopes);
		s->func = 0;
		return s->n > 0;
	}
	return true;
}

/* Where a concrete parameter's abstract origin stands among the abstract
 * function's parameters (the source order), or a large number */
static int origin_rank(Dwarf_Die *param, Dwarf_Die *abstract_fn)
{
	Dwarf_Attribute a;
	Dwarf_Die origin, child;
	if (!dwarf_attr(param, DW_AT_abstract_origin, &a) || !dwarf_formref_die(&a, &origin) ||
	    dwarf_child(abstract_fn, &child) != 0)
		return 1 << 20;
	int rank = 0;
	do {
		if (dwarf_dieoffset(&child) == dwarf_dieoffset(&origin))
			return rank;
		rank += dwarf_tag(&child) == DW_TAG_formal_parameter;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 1 << 20;
}

struct ranked_param {
	Dwarf_Die die;
	int rank;
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked_param *x = a, *y = b;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The parameters of a concrete instance (an out-of-line copy of an
 * abstract function) in the source's order, as SystemTap lists them: the
 * compiler may emit them in another (a clone's).  n: how many; NULL when
 * fn has no abstract origin. */
static struct ranked_param *params_in_source_order(Dwarf_Die *fn, size_t *n)
{
	Dwarf_Attribute a;
	Dwarf_Die abstract_fn, child;
	*n = 0;
	if (!dwarf_attr(fn, DW_AT_abstract_origin, &a) || !dwarf_formref_die(&a, &abstract_fn) ||
	    dwarf_child(fn, &child) != 0)
		return NULL;
	struct ranked_param *p = NULL;
	size_t cap = 0;
	do {
		if (dwarf_tag(&child) != DW_TAG_formal_parameter)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			p = xrealloc(p, cap * sizeof(*p));
		}
		p[*n] = (struct ranked_param){ child, origin_rank(&child, &abstract_fn) };
		(*n)++;
	} while (dwarf_siblingof(&child, &child) == 0);
	qsort(p, *n, sizeof(*p), by_rank);
	return p;
}

static bool visit_var(Dwarf_Die *child, Dwarf_Die *scope, bool only_params, bool only_locals,
		      bool (*cb)(void *ctx, const struct udwarf_var *v), void *ctx)
{
	int tag = dwarf_tag(child);
	bool param = tag == DW_TAG_formal_parameter;
	if (!param && tag != DW_TAG_variable)
		return true;
	if ((only_params && !param) || (only_locals && param))
		return true;
	struct udwarf_var v = { .name = dwarf_diename(child), .is_param = param };
	if (!v.name)
		return true;
	v.die = *child;
	v.scope = *scope;
	v.type.valid = die_type(child, &v.type.die);
	return cb(ctx, &v);
}

bool udwarf_vars(struct udwarf *dw, uint64_t die_offset, uint64_t pc, bool only_params,
		 bool only_locals, bool (*cb)(void *ctx, const struct udwarf_var *v), void *ctx)
{
	struct scope s;
	if (!scopes_at(dw, die_offset, pc, &s))
		return false;
	bool more = true;
	for (int i = 0; more && i <= s.func && i < s.n; i++) {
		Dwarf_Die child;
		size_t np = 0;
		struct ranked_param *params =
			i == s.func && !only_locals ? params_in_source_order(&s.scopes[i], &np) : NULL;
		bool reordered = params != NULL;
		for (size_t k = 0; more && k < np; k++)
			more = visit_var(&params[k].die, &s.scopes[s.func], true, false, cb, ctx);
		free(params);
		if (!more || dwarf_child(&s.scopes[i], &child) != 0)
			continue;
		do {
			bool param = dwarf_tag(&child) == DW_TAG_formal_parameter;
			if (!(reordered && param))
				more = visit_var(&child, &s.scopes[s.func], only_params, only_locals, cb,
						 ctx);
		} while (more && dwarf_siblingof(&child, &child) == 0);
	}
	free(s.scopes);
	return true;
}

/* ------------------------------------------------------------ globals */

bool udwarf_global_var(struct udwarf *dw, const char *name, const struct udwarf_filter *units,
		       struct udwarf_var *v)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		if (dwarf_offdie(dw->dw, off + hsize, &cu) &&
		    (!units || !units->unit || units->unit(units->ctx, dwarf_diename(&cu))) &&
		    dwarf_child(&cu, &child) == 0) {
			do {
				Dwarf_Attribute a;
				const char *n;
				/* a definition: it has a location (its name may be
				 * on the declaration it completes) */
				if (dwarf_tag(&child) != DW_TAG_variable ||
				    !dwarf_attr(&child, DW_AT_location, &a) ||
				    !dwarf_attr_integrate(&child, DW_AT_name, &a) ||
				    !(n = dwarf_formstring(&a)) || strcmp(n, name) != 0)
					continue;
				memset(v, 0, sizeof(*v));
				v->name = n;
				v->die = child;
				v->scope = cu;
				v->type.valid = die_type(&child, &v->type.die);
				return true;
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
	return false;
}

static bool elf_symbol(struct udwarf *dw, const char *name, uint64_t *addr)
{
	for (Elf_Scn *scn = elf_nextscn(dw->delf, NULL); scn; scn = elf_nextscn(dw->delf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = data ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *sname;
			if (gelf_getsym(data, (int)i, &s) && s.st_value &&
			    (sname = elf_strptr(dw->delf, sh.sh_link, s.st_name)) &&
			    !strcmp(sname, name)) {
				*addr = s.st_value;
				return true;
			}
		}
	}
	return false;
}

bool udwarf_elf_symbol(struct udwarf *dw, const char *name, uint64_t *addr)
{
	if (dw->dwfl)
		return false;
	if (!dw->symbol_asked || strcmp(dw->symbol_asked, name) != 0) {
		free(dw->symbol_asked);
		dw->symbol_asked = xstrdup(name);
		dw->symbol_addr = 0;
		dw->symbol_found = elf_symbol(dw, name, &dw->symbol_addr);
	}
	*addr = dw->symbol_addr;
	return dw->symbol_found;
}
