/*
 * print: lowering of the print family (output-formats.md §1, §2) onto the
 * common printf engine (runtime/common/format.h).
 *
 * A printf format is parsed here, once, with the same grammar the runtime
 * uses (fmt_spec.c, compiled into libctap.a too); the module gets a static
 * spec table per format and calls _ctap_printf_parsed().  A format without
 * conversions becomes one outbuf_put of its text.  print/println/printd/
 * printdln go through format_print(), or straight to outbuf_puts() for a
 * single string.  The sprint forms write into a string temporary through
 * an outbuf made by _ctap_string_out(), so they truncate at MAXSTRINGLEN-1
 * exactly like SystemTap.
 *
 * Arguments are evaluated left to right before anything is written, each
 * copied first when a later argument has side effects.
 */
#include <string.h>

#include "common/fmt_spec.h"
#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

static const char *conv_name(enum fmt_conv c)
{
	static const char *const names[] = {
		"FMT_LITERAL", "FMT_PERCENT", "FMT_SIGNED", "FMT_UNSIGNED", "FMT_OCTAL",
		"FMT_HEX", "FMT_HEX_UPPER", "FMT_POINTER", "FMT_CHAR", "FMT_STRING",
		"FMT_BINARY", "FMT_MEMORY", "FMT_MEMORY_HEX",
	};
	return names[c];
}

/* Evaluates the arguments into a struct fmt_arg array temporary. */
static const char *km_args(struct km_lower *L, expr_vec *args, unsigned from)
{
	unsigned n = args->len - from;
	if (!n)
		return "NULL";
	struct val *v = arena_new_array(L->K->a, struct val, n);
	for (unsigned i = 0; i < n; i++) {
		v[i] = km_expr(L, args->items[from + i]);
		bool later = false;
		for (unsigned j = from + i + 1; j < args->len && !later; j++)
			later = km_has_effects(args->items[j]);
		if (later)
			v[i] = km_stabilize(L, v[i]);
	}
	const char *a = arena_printf(L->K->a, "l->%s",
				     kframe_temp(L->K->a, L->f, "struct fmt_arg", n));
	for (unsigned i = 0; i < n; i++) {
		if (v[i].t != TYPE_LONG && v[i].t != TYPE_STRING) {
			kmod_error(L->K, D_TRANS_PROGRAM, args->items[from + i]->tok,
				   "print format actual argument evaluation type unsupported");
			L->failed = true;
		}
		kw_line(L->w, "%s[%u] = fmt_arg_%s(%s);", a, i, v[i].t == TYPE_STRING ? "str" : "long",
		       v[i].c);
	}
	return a;
}

/* The text of a format without conversions ("%%" as "%"). */
static bool literal_only(const struct print_format *pf, struct strbuf *text, bool *ok)
{
	unsigned pos = 0;
	struct fmt_spec sp;
	const char *err;
	int r;
	*ok = true;
	while ((r = fmt_next(pf->format, pf->format_len, &pos, &sp, &err)) == 1) {
		if (sp.conv == FMT_LITERAL)
			strbuf_add(text, pf->format + sp.lit_off, sp.lit_len);
		else if (sp.conv == FMT_PERCENT)
			strbuf_putc(text, '%');
		else
			return false;
	}
	if (r < 0)
		*ok = false;
	return true;
}

void km_printf(struct km_lower *L, struct expr *e, const char *ob)
{
	struct print_format *pf = e->u.print;
	struct strbuf text = STRBUF_INIT;
	bool ok;
	if (literal_only(pf, &text, &ok) && pf->args.len == 0) {
		if (text.len)
			kw_line(L->w, "outbuf_put(%s, %s, %zu);", ob,
			       km_quote(L->K->a, text.buf, text.len), text.len);
		strbuf_free(&text);
		return;
	}
	strbuf_free(&text);
	if (!ok) {
		kmod_error(L->K, D_TRANS_PROGRAM, pf->format_tok, "invalid format string");
		L->failed = true;
		return;
	}
	/* the spec table */
	struct strbuf *st = &L->K->statics;
	unsigned id = ++L->K->nfmt, n = 0, pos = 0;
	bool memory = false;
	struct fmt_spec sp;
	const char *err;
	strbuf_printf(st, "static const struct fmt_spec ck_fmt_%u[] = {\n", id);
	while (fmt_next(pf->format, pf->format_len, &pos, &sp, &err) == 1) {
		strbuf_printf(st, "\t{ %s, %u, %d, %d, %u, %u },\n", conv_name(sp.conv), sp.flags,
			      sp.width, sp.prec, sp.lit_off, sp.lit_len);
		memory |= sp.conv == FMT_MEMORY || sp.conv == FMT_MEMORY_HEX;
		n++;
	}
	strbuf_puts(st, "};\n");
	const char *args = km_args(L, &pf->args, 0);
	if (memory)
		km_where(L, e->tok);
	kw_line(L->w, "_ctap_printf_parsed(c, %s, %s, ck_fmt_%u, %u, %s, %u);", ob,
	       km_quote(L->K->a, pf->format, pf->format_len), id, n, args, pf->args.len);
	if (memory)
		km_check(L);
}

void km_print_values(struct km_lower *L, struct expr *e, const char *ob)
{
	struct print_format *pf = e->u.print;
	bool nl = pf->flags & PRINT_NEWLINE;
	if (pf->args.len == 0) {
		if (nl)
			kw_line(L->w, "outbuf_putc(%s, '\\n');", ob);
		return;
	}
	if (pf->args.len == 1 && !(pf->flags & PRINT_DELIM)) {
		struct val v = km_expr(L, pf->args.items[0]);
		if (v.t == TYPE_STRING)
			kw_line(L->w, "outbuf_puts(%s, %s);", ob, v.c);
		else
			kw_line(L->w, "format_long(%s, %s);", ob, v.c);
		if (nl)
			kw_line(L->w, "outbuf_putc(%s, '\\n');", ob);
		return;
	}
	const char *args = km_args(L, &pf->args, 0);
	if (pf->flags & PRINT_DELIM)
		kw_line(L->w, "format_print(%s, %s, %u, %s, %u, %d);", ob, args, pf->args.len,
		       km_quote(L->K->a, pf->delim, pf->delim_len), pf->delim_len, nl ? 1 : 0);
	else
		kw_line(L->w, "format_print(%s, %s, %u, NULL, 0, %d);", ob, args, pf->args.len,
		       nl ? 1 : 0);
}
