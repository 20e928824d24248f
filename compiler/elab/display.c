/*
 * display: the automatic end-of-session printing of globals the script
 * writes but never reads (output-formats.md §6), as an ordinary `end`
 * probe written in the script language, so both back ends just compile it.
 */
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "elab/elab.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

static bool user_global(struct elab *E, const struct vardecl *v)
{
	for (uint32_t i = 0; i < E->user_files.len; i++)
		if (E->user_files.items[i] == v->file)
			return true;
	return false;
}

static void key_formats(struct strbuf *sb, const struct vardecl *v)
{
	for (int i = 0; i < v->arity; i++)
		strbuf_puts(sb, i ? (v->index_types[i] == TYPE_STRING ? ",\\\"%s\\\"" : ",%d")
				  : (v->index_types[i] == TYPE_STRING ? "\\\"%s\\\"" : "%d"));
}

/* The loop variables are named after their array: the display is one
 * probe, and a name shared by two arrays would get both key types. */
static void key_args(struct strbuf *sb, const struct vardecl *v)
{
	for (int i = 0; i < v->arity; i++)
		strbuf_printf(sb, ", __%s_idx%d", v->name, i);
}

static void key_list(struct strbuf *sb, const struct vardecl *v)
{
	for (int i = 0; i < v->arity; i++)
		strbuf_printf(sb, "%s__%s_idx%d", i ? ", " : "", v->name, i);
}

static void stats_line(struct strbuf *sb, const char *ref)
{
	strbuf_printf(sb,
		      " @count=%%d @min=%%d @max=%%d @sum=%%d @avg=%%d\\n\", "
		      "@count(%s), @min(%s), @max(%s), @sum(%s), @avg(%s)",
		      ref, ref, ref, ref, ref);
}

static void display_one(struct strbuf *sb, const struct vardecl *v)
{
	const char *n = v->name;
	if (v->arity <= 0) {
		switch (v->type) {
		case TYPE_LONG:
			strbuf_printf(sb, "  printf(\"%s=%%d\\n\", %s)\n", n, n);
			break;
		case TYPE_STRING:
			strbuf_printf(sb, "  printf(\"%s=\\\"%%s\\\"\\n\", %s)\n", n, n);
			break;
		case TYPE_STATS:
			strbuf_printf(sb, "  if (@count(%s)) printf(\"%s", n, n);
			stats_line(sb, n);
			strbuf_printf(sb, ") else printf(\"%s @count=0x0\\n\")\n", n);
			break;
		default:
			break;
		}
		return;
	}
	strbuf_puts(sb, "  foreach ([");
	key_list(sb, v);
	if (v->type == TYPE_STATS) {
		struct strbuf ref = STRBUF_INIT;
		strbuf_printf(&ref, "%s[", n);
		key_list(&ref, v);
		strbuf_putc(&ref, ']');
		const char *r = strbuf_str(&ref);
		strbuf_printf(sb, "] in %s @count-) {\n    printf(\"%s[", n, n);
		key_formats(sb, v);
		strbuf_puts(sb, "] @count=%d @min=%d @max=%d @sum=%d @avg=%d\\n\"");
		key_args(sb, v);
		strbuf_printf(sb, ", @count(%s), @min(%s), @max(%s), @sum(%s), @avg(%s))\n  }\n", r, r,
			      r, r, r);
		strbuf_free(&ref);
		return;
	}
	strbuf_printf(sb, "] in %s-) {\n    printf(\"%s[", n, n);
	key_formats(sb, v);
	strbuf_printf(sb, v->type == TYPE_STRING ? "]=\\\"%%s\\\"\\n\"" : "]=%%d\\n\"");
	key_args(sb, v);
	strbuf_printf(sb, ", %s[", n);
	key_list(sb, v);
	strbuf_puts(sb, "])\n  }\n");
}

bool elab_add_global_display(struct elab *E)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned n = 0;
	for (uint32_t i = 0; i < E->globals.len; i++) {
		const struct vardecl *v = E->globals.items[i];
		if (!v->written || v->read || !user_global(E, v) || v->type == TYPE_UNKNOWN)
			continue;
		if (n++ == 0)
			strbuf_puts(&sb, "probe end {\n");
		display_one(&sb, v);
	}
	if (!n)
		return true;
	strbuf_puts(&sb, "}\n");
	struct source_file *src = source_add(&E->s->sources, SOURCE_SYNTH, "<global display>",
					     sb.buf, sb.len);
	strbuf_free(&sb);
	unsigned errors = 0;
	struct stapfile *f = parse_text(E->s, src, true, &errors);
	if (errors || !f)
		return false;
	f->synthetic = true;
	/* resolve against the user's globals as if written in their file */
	vec_push(E->arena, &E->user_files, f);
	f->used = true;
	for (uint32_t i = 0; i < f->probes.len; i++)
		vec_push(E->arena, &E->pending, f->probes.items[i]);
	struct diag_mark before = diag_mark(E->diag);
	bool more;
	elab_derive_pending(E);
	elab_resolve_symbols(E, &more);
	/* the display reads the globals: they stay "written but not read"
	 * for the back ends only through this probe */
	elab_infer_types(E);
	return !diag_errors_since(E->diag, &before);
}
