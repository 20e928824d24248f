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

#include "elab/elaborate.h"
#include "kmod/kmod.h"
#include "parse/ast.h"
#include "session.h"
#include "target/klines.h"
#include "target/user/udwarf.h"
#include "target/user/uelf.h"
#include "util/arena.h"
#include "util/intern.h"
#include "util/vec.h"

struct lcollect {
	struct kmod *K;
	const struct uelf *u;
	struct intern_table *names;
	VEC(struct klines_row) rows;  /* pc: the file offset */
};

bool km_wants_lines(const struct kmod *K)
{
	static const char *const line_functions[] = { "usymfileline", "print_ubacktrace_fileline",
						      NULL };
	return elaborate_uses_tapset(K->prog, line_functions) != NULL;
}

static void on_row(void *ctx, const struct udwarf_line *l)
{
	struct lcollect *c = ctx;
	struct klines_row r = { .line = l->end || l->line < 0 ? 0 : (uint32_t)l->line,
				.seq = (uint32_t)c->rows.len };
	if (r.line)
		r.file = intern(c->names, l->file);
	if (!uelf_offset(c->u, l->pc, &r.pc) || r.pc > UINT32_MAX)
		return;
	vec_push(c->K->a, &c->rows, r);
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
	size_t nrows = klines_rows_compact(c.rows.items, c.rows.len);
	const char **files;
	uint32_t unique = klines_rows_files(c.rows.items, nrows, &files);
	kw_open(w, "static const char *const ufiles_%u[] =", index);
	for (uint32_t i = 0; i < unique; i++)
		kw_line(w, "%s,", km_quote(K->a, files[i], strlen(files[i])));
	kw_close(w, ";");

	kw_open(w, "static const struct _ctap_uline ulines_%u[] =", index);
	for (size_t i = 0; i < nrows; i++) {
		const struct klines_row *r = &c.rows.items[i];
		uint32_t fi = r->file ? klines_file_index(files, unique, r->file) : 0;
		kw_line(w, "{ 0x%llx, %u, %u },", (unsigned long long)r->pc, r->line, fi);
	}
	free(files);
	kw_close(w, ";");
	intern_free(c.names);
	return (uint32_t)nrows;
}
