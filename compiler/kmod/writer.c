/*
 * writer: the indenting writer every part of pass 3 prints C through, and
 * the few text helpers generated code needs (C string literals, SystemTap's
 * run-time token descriptions).
 *
 * Indentation is one tab per level (kernel style).  Token descriptions
 * always carry the file name: they end up in run-time messages
 * (`ERROR: division by 0 near operator '/' at t.stp:3:13`), which stand
 * alone, unlike pass-2 diagnostics that omit a repeated file name.
 */
#include <stdarg.h>
#include <string.h>

#include "diag/source.h"
#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

static void put_indent(struct writer *w, int n)
{
	for (int i = 0; i < n; i++)
		strbuf_putc(w->sb, '\t');
}

static void vline(struct writer *w, int indent, const char *fmt, va_list ap)
{
	put_indent(w, indent);
	strbuf_vprintf(w->sb, fmt, ap);
	strbuf_putc(w->sb, '\n');
}

void kw_line(struct writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(w, w->indent, fmt, ap);
	va_end(ap);
}

void kw_blank(struct writer *w)
{
	strbuf_putc(w->sb, '\n');
}

void kw_label(struct writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(w, w->indent > 0 ? w->indent - 1 : 0, fmt, ap);
	va_end(ap);
}

void kw_open(struct writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	put_indent(w, w->indent);
	strbuf_vprintf(w->sb, fmt, ap);
	va_end(ap);
	strbuf_puts(w->sb, fmt[0] ? " {\n" : "{\n");
	w->indent++;
}

void kw_func(struct writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(w, w->indent, fmt, ap);
	va_end(ap);
	put_indent(w, w->indent);
	strbuf_puts(w->sb, "{\n");
	w->indent++;
}

void kw_close(struct writer *w, const char *suffix)
{
	w->indent--;
	put_indent(w, w->indent);
	strbuf_putc(w->sb, '}');
	if (suffix)
		strbuf_puts(w->sb, suffix);
	strbuf_putc(w->sb, '\n');
}

void kw_raw(struct writer *w, const char *text)
{
	strbuf_puts(w->sb, text);
	size_t n = strlen(text);
	if (n && text[n - 1] != '\n')
		strbuf_putc(w->sb, '\n');
}

const char *km_quote(struct arena *a, const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_putc(&sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': strbuf_puts(&sb, "\\\""); break;
		case '\\': strbuf_puts(&sb, "\\\\"); break;
		case '\n': strbuf_puts(&sb, "\\n"); break;
		case '\t': strbuf_puts(&sb, "\\t"); break;
		case '\r': strbuf_puts(&sb, "\\r"); break;
		case '?':
			/* no trigraphs */
			strbuf_puts(&sb, i + 1 < len && s[i + 1] == '?' ? "\\?" : "?");
			break;
		default:
			if (c < 0x20 || c >= 0x7f)
				strbuf_printf(&sb, "\\%03o", c);
			else
				strbuf_putc(&sb, (char)c);
		}
	}
	strbuf_putc(&sb, '"');
	const char *r = arena_strdup(a, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

static const char *kind_word(enum tok_kind k)
{
	switch (k) {
	case TK_IDENT: return "identifier";
	case TK_NUMBER: return "number";
	case TK_STRING: return "string";
	case TK_OPERATOR: return "operator";
	case TK_KEYWORD: return "keyword";
	case TK_EMBEDDED: return "embedded-code";
	case TK_JUNK: return "junk";
	case TK_EOF: return "EOF";
	}
	return "token";
}

static const char *file_name(struct session *s, const struct token *tok)
{
	struct source_file *f = source_get(&s->sources, tok->loc.file);
	return f ? f->name : "";
}

const char *km_tokwhere(struct session *s, const struct token *tok)
{
	if (!tok)
		return "";
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, kind_word(tok->kind));
	if (tok->kind != TK_KEYWORD && tok->kind != TK_EMBEDDED && tok->kind != TK_EOF) {
		strbuf_puts(&sb, " '");
		uint32_t n = tok->len > 200 ? 200 : tok->len;
		for (uint32_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)tok->text[i];
			strbuf_putc(&sb, (c >= 0x20 && c < 0x7f) ? (char)c : '?');
		}
		if (n < tok->len)
			strbuf_puts(&sb, "...");
		strbuf_putc(&sb, '\'');
	}
	strbuf_printf(&sb, " at %s:%u:%u", file_name(s, tok), tok->loc.line, tok->loc.col);
	const char *r = arena_strdup(s->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

const char *km_where_c(struct session *s, const struct token *tok)
{
	const char *w = km_tokwhere(s, tok);
	return km_quote(s->arena, w, strlen(w));
}

const char *km_location(struct session *s, const struct token *tok)
{
	if (!tok)
		return "";
	return arena_printf(s->arena, "%s:%u:%u", file_name(s, tok), tok->loc.line, tok->loc.col);
}
