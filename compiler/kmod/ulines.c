/*
 * ulines: the source line tables a module carries for its user objects, so
 * that usymfileline and print_ubacktrace_fileline name the file and line
 * of an address (runtime/kmod/usym.c).
 *
 * Rows come from the object's DWARF line tables (its own, or its separate
 * debuginfo's), each turned into a file offset as the symbols are
 * (usyms.c): the runtime knows an address only as an offset into the
 * mapped file.  A row holds from its offset to the next row's; the end of
 * a sequence is a row with line 0, so that addresses between sequences
 * have no line.  Consecutive rows of the same file and line are one.
 *
 * Tables are carried only when the script asks for source lines: they are
 * large (libc's has hundreds of thousands of rows).
 */
#include <stdlib.h>
#include <string.h>

#include "kmod/kmod.h"
#include "parse/ast.h"
#include "session.h"
#include "target/user/udwarf.h"
#include "target/user/uelf.h"
#include "util/arena.h"
#include "util/intern.h"
#include "util/vec.h"

struct lrow {
	uint64_t off;
	const char *file;        /* interned; NULL at the end of a sequence */
	uint32_t line;
	uint32_t seq;            /* table order, which breaks ties of off */
};

struct lcollect {
	struct kmod *K;
	const struct uelf *u;
	struct intern_table *names;
	VEC(struct lrow) rows;
};

bool km_wants_lines(const struct kmod *K)
{
	vec_foreach(&K->prog->functions, i) {
		const struct functiondecl *f = K->prog->functions.items[i];
		if (f->file && f->file->is_tapset &&
		    (!strcmp(f->name, "usymfileline") || !strcmp(f->name, "print_ubacktrace_fileline")))
			return true;
	}
	return false;
}

static void on_row(void *ctx, const struct udwarf_line *l)
{
	struct lcollect *c = ctx;
	struct lrow r = { .line = l->end || l->line < 0 ? 0 : (uint32_t)l->line,
			  .seq = c->rows.len };
	if (r.line)
		r.file = intern(c->names, l->file);
	if (!uelf_offset(c->u, l->pc, &r.off) || r.off > UINT32_MAX)
		return;
	vec_push(c->K->a, &c->rows, r);
}

static int by_offset(const void *a, const void *b)
{
	const struct lrow *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	/* at one offset, the last row holds it (libdw's choice): a
	 * sequence's end before another's start, then table order */
	if (!x->file != !y->file)
		return !x->file ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_pointer(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return x < y ? -1 : x > y;
}

uint32_t km_emit_ulines(struct kmod *K, struct writer *w, unsigned index, const struct uelf *u)
{
	const char *dbg;
	struct udwarf *dw = udwarf_of_uelf(K->s->dwarf, K->a, u, &dbg);
	if (!dw)
		return 0;
	struct lcollect c = { .K = K, .u = u, .names = intern_new(K->a) };
	udwarf_line_rows(dw, NULL, on_row, &c);
	if (!c.rows.len) {
		intern_free(c.names);
		return 0;
	}
	qsort(c.rows.items, c.rows.len, sizeof(struct lrow), by_offset);

	/* the file names, each once, in pointer order (for bsearch) */
	const char **files = arena_new_array(K->a, const char *, c.rows.len);
	uint32_t nfiles = 0;
	vec_foreach(&c.rows, i)
		if (c.rows.items[i].file)
			files[nfiles++] = c.rows.items[i].file;
	qsort(files, nfiles, sizeof(*files), by_pointer);
	uint32_t unique = 0;
	for (uint32_t i = 0; i < nfiles; i++)
		if (!unique || files[unique - 1] != files[i])
			files[unique++] = files[i];
	kw_open(w, "static const char *const ufiles_%u[] =", index);
	for (uint32_t i = 0; i < unique; i++)
		kw_line(w, "%s,", km_quote(K->a, files[i], strlen(files[i])));
	kw_close(w, ";");

	uint32_t n = 0;
	const struct lrow *prev = NULL;
	kw_open(w, "static const struct _ctap_uline ulines_%u[] =", index);
	vec_foreach(&c.rows, i) {
		const struct lrow *r = &c.rows.items[i];
		if (i + 1 < c.rows.len && c.rows.items[i + 1].off == r->off)
			continue;
		if (prev && prev->file == r->file && prev->line == r->line)
			continue;
		uint32_t fi = 0;
		if (r->file) {
			const char **at = bsearch(&r->file, files, unique, sizeof(*files), by_pointer);
			fi = (uint32_t)(at - files);
		}
		kw_line(w, "{ 0x%llx, %u, %u },", (unsigned long long)r->off, r->line, fi);
		prev = r;
		n++;
	}
	kw_close(w, ";");
	intern_free(c.names);
	return n;
}
