/*
 * usyms: the user-space symbol tables a module carries, so that usymname,
 * usymdata, probefunc and the user backtraces name addresses of the
 * objects the script probes or names with -d (runtime/kmod/usym.c).
 *
 * Symbols are the function symbols of the file and of its separate
 * debuginfo (libc's internal functions are only there), each turned into
 * a file offset through the file's PT_LOAD segments: the runtime finds an
 * address's file offset from its mapping alone, whatever the load address
 * (PIE, shared libraries) and without the segment table.
 *
 * Beside the symbols, each object's .eh_frame rows (target/user/ucfi.h),
 * by file offset too, so that the runtime unwinds user stacks through
 * code without frame pointers, and its source lines when the script asks
 * for them (ulines.c).
 *
 * --ldd adds what the loader maps with those objects, as ldd(1) lists it:
 * their DT_NEEDED libraries, transitively, and the program's loader.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kmod/family.h"
#include "kmod/kmod.h"
#include "session.h"
#include "target/user/ucfi.h"
#include "target/user/uelf.h"
#include "target/user/upath.h"
#include "util/arena.h"
#include "util/strbuf.h"

struct usym {
	uint64_t offset, size;
	const char *name;
	bool global;
};

typedef VEC(struct usym) usym_vec;

/* An object the module carries tables for, read once. */
struct uobj {
	const char *path;        /* canonical */
	struct uelf *elf;        /* NULL until read, or when unreadable */
	bool read;
};
typedef VEC(struct uobj) uobj_vec;

static int by_offset(const void *a, const void *b)
{
	const struct usym *x = a, *y = b;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	/* of aliases, the one a backtrace names first (the BPF runtime's
	 * choice too) */
	struct uelf_symbol sx = { .name = x->name, .size = x->size, .global = x->global };
	struct uelf_symbol sy = { .name = y->name, .size = y->size, .global = y->global };
	return uelf_alias_cmp(&sx, &sy);
}

static void add_path(struct kmod *K, uobj_vec *objs, const char *path)
{
	char buf[PATH_MAX];
	const char *p = realpath(path, buf) ? buf : path;
	vec_foreach(objs, i)
		if (!strcmp(objs->items[i].path, p))
			return;
	vec_push(K->a, objs, ((struct uobj){ .path = arena_strdup(K->a, p) }));
}

static struct uelf *obj_elf(struct kmod *K, struct uobj *o)
{
	const char *why = NULL;
	if (!o->read)
		o->elf = uelf_open(K->a, o->path, &why);
	o->read = true;
	return o->elf;
}

static void add_symbols(const struct uelf *main, const struct uelf *from, struct arena *a,
			usym_vec *out)
{
	for (uint32_t i = 0; i < from->nsyms; i++) {
		const struct uelf_symbol *s = &from->syms[i];
		struct usym u = { 0, s->size, s->name, s->global };
		if (s->vaddr && uelf_offset(main, s->vaddr, &u.offset))
			vec_push(a, out, u);
	}
}

/* --ldd: the libraries of every object in paths (the list grows as it is
 * walked, so dependencies of dependencies come in too). */
static void add_dependencies(struct kmod *K, uobj_vec *objs)
{
	for (uint32_t i = 0; i < objs->len; i++) {
		struct uelf *u = obj_elf(K, &objs->items[i]);
		if (!u)
			continue;
		const char *path = objs->items[i].path;
		if (u->interp)
			add_path(K, objs, u->interp);
		for (uint32_t j = 0; j < u->nneeded; j++) {
			const char *lib = upath_library(K->a, path, u->runpath, u->needed[j]);
			if (lib)
				add_path(K, objs, lib);
			else
				diag_warning(&K->s->diag, D_TRANS_OPTION, NULL,
					     "--ldd: %s needs %s, which is not found", path,
					     u->needed[j]);
		}
	}
}

/* Prints one object's sorted symbol table; returns the number of symbols. */
static uint32_t emit_symbols(struct kmod *K, struct writer *w, unsigned index, struct uelf *u)
{
	const char *why = NULL;
	usym_vec syms = { 0 };
	add_symbols(u, u, K->a, &syms);
	const char *dbg = uelf_debug_file(K->a, u);
	struct uelf *d = dbg ? uelf_open(K->a, dbg, &why) : NULL;
	if (d)
		add_symbols(u, d, K->a, &syms);
	if (!syms.len)
		return 0;
	qsort(syms.items, syms.len, sizeof(struct usym), by_offset);
	uint32_t n = 0;
	kw_open(w, "static const struct _ctap_usym usyms_%u[] =", index);
	vec_foreach(&syms, i) {
		const struct usym *s = &syms.items[i];
		if (n && s->offset == syms.items[i - 1].offset)
			continue; /* one name per address (aliases share it) */
		kw_line(w, "{ 0x%llx, 0x%llx, %s },", (unsigned long long)s->offset,
			(unsigned long long)s->size, km_quote(K->a, s->name, strlen(s->name)));
		n++;
	}
	kw_close(w, ";");
	return n;
}

/* Prints the object's CFI rows by file offset (a row equal to the one
 * before it is left out); returns their number. */
static uint32_t emit_cfi(struct kmod *K, struct writer *w, unsigned index, struct uelf *u)
{
	const char *why = NULL;
	struct ucfi *cfi = ucfi_read(K->a, u->path, &why);
	if (!cfi)
		return 0;
	uint32_t n = 0;
	const struct ucfi_row *prev = NULL;
	for (uint32_t i = 0; i < cfi->nrows; i++) {
		const struct ucfi_row *r = &cfi->rows[i];
		uint64_t off;
		if (!uelf_offset(u, r->vaddr, &off) || off > UINT32_MAX)
			continue;
		if (prev && prev->cfa_reg == r->cfa_reg && prev->cfa_offset == r->cfa_offset &&
		    prev->rbp_offset == r->rbp_offset)
			continue;
		if (!n)
			kw_open(w, "static const struct _ctap_ucfi ucfi_%u[] =", index);
		kw_line(w, "{ 0x%llx, %d, %d, %d },", (unsigned long long)off, r->cfa_offset,
			r->rbp_offset, (int)r->cfa_reg);
		prev = r;
		n++;
	}
	if (n)
		kw_close(w, ";");
	return n;
}

unsigned km_emit_usyms(struct kmod *K, struct writer *w)
{
	uobj_vec objs = { 0 };
	for (unsigned i = 0; i < K->nprobes; i++) {
		struct kprobe_tr *p = &K->probes[i];
		const char *obj = p->fam->user_object ? p->fam->user_object(p) : NULL;
		if (obj)
			add_path(K, &objs, obj);
	}
	vec_foreach(&K->s->opts.dash_d, i)
		add_path(K, &objs, K->s->opts.dash_d.items[i]);
	if (K->s->opts.ldd)
		add_dependencies(K, &objs);
	if (!objs.len)
		return 0;
	uint32_t *nsyms = arena_new_array(K->a, uint32_t, objs.len);
	uint32_t *ncfi = arena_new_array(K->a, uint32_t, objs.len);
	uint32_t *nlines = arena_new_array(K->a, uint32_t, objs.len);
	bool lines = km_wants_lines(K);
	vec_foreach(&objs, i) {
		struct uelf *u = obj_elf(K, &objs.items[i]);
		if (!u)
			continue;
		nsyms[i] = emit_symbols(K, w, (unsigned)i, u);
		ncfi[i] = emit_cfi(K, w, (unsigned)i, u);
		if (lines)
			nlines[i] = km_emit_ulines(K, w, (unsigned)i, u);
	}
	kw_open(w, "static struct _ctap_uobj uobjs[] =");
	vec_foreach(&objs, i) {
		const char *path = objs.items[i].path;
		struct strbuf sb = STRBUF_INIT;
		strbuf_printf(&sb, "{ .path = %s", km_quote(K->a, path, strlen(path)));
		if (nsyms[i])
			strbuf_printf(&sb, ", .syms = usyms_%u, .nsyms = %u", (unsigned)i, nsyms[i]);
		if (ncfi[i])
			strbuf_printf(&sb, ", .cfi = ucfi_%u, .ncfi = %u", (unsigned)i, ncfi[i]);
		if (nlines[i])
			strbuf_printf(&sb, ", .lines = ulines_%u, .nlines = %u, .files = ufiles_%u",
				      (unsigned)i, nlines[i], (unsigned)i);
		kw_line(w, "%s },", sb.buf);
		strbuf_free(&sb);
	}
	kw_close(w, ";");
	return (unsigned)objs.len;
}
