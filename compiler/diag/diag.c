/*
 * diag: rendering and bookkeeping of compiler diagnostics (see diag.h).
 *
 * Shapes follow SystemTap 4.8 exactly, because users grep for them:
 * parse errors indent "saw:"/"at:"/"source:" to column 13, semantic errors
 * indent "source:" to column 16, warnings to column 9; the caret line copies
 * tabs from the source line so the caret lands under the token.
 */
#include "diag/diag.h"

#include <stdlib.h>
#include <string.h>

#include "diag/source.h"
#include "util/arena.h"
#include "util/strbuf.h"

static const char *const code_names[] = {
#define X(code, man) #code,
#include "diag/diag_codes.def"
#undef X
};

static const char *const code_mans[] = {
#define X(code, man) man,
#include "diag/diag_codes.def"
#undef X
};

const char *diag_code_name(enum diag_code code)
{
	return code < D__COUNT ? code_names[code] : "?";
}

const char *diag_code_man(enum diag_code code)
{
	return code < D__COUNT ? code_mans[code] : "";
}

void diag_init(struct diag_sink *s, const struct source_table *src, FILE *out)
{
	memset(s, 0, sizeof(*s));
	s->sources = src;
	s->out = out;
	s->last_file = -1;
}

void diag_fini(struct diag_sink *s)
{
	free(s->seen);
	s->seen = NULL;
	s->nseen = s->capseen = 0;
}

static const char *tok_kind_word(enum tok_kind k)
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

/* Token text as SystemTap prints it: non-printable bytes become '?'. */
static void put_token_text(struct strbuf *sb, const struct token *tok)
{
	uint32_t n = tok->len;
	if (n > 200)
		n = 200; /* keep hostile megabyte tokens out of the terminal */
	for (uint32_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tok->text[i];
		strbuf_putc(sb, (c >= 0x20 && c < 0x7f) ? (char)c : '?');
	}
	if (n < tok->len)
		strbuf_puts(sb, "...");
}

/* "identifier 'x' at FILE:LINE:COL".  Semantic errors and warnings omit
 * FILE when the previously described token was in the same file; parse
 * errors always name it and leave that state alone (as 4.8 prints them). */
static void describe_as(struct diag_sink *s, struct strbuf *sb, const struct token *tok, bool full)
{
	const struct source_file *f = source_get(s->sources, tok->loc.file);
	const char *fname = f ? f->name : "";
	if (tok->kind == TK_EOF) {
		strbuf_printf(sb, "%s EOF", fname);
		if (!full)
			s->last_file = (int)tok->loc.file;
		return;
	}
	strbuf_puts(sb, tok_kind_word(tok->kind));
	if (tok->kind != TK_KEYWORD && tok->kind != TK_EMBEDDED) {
		strbuf_puts(sb, " '");
		put_token_text(sb, tok);
		strbuf_putc(sb, '\'');
	}
	if (!full && (int)tok->loc.file == s->last_file)
		fname = "";
	strbuf_printf(sb, " at %s:%u:%u", fname, tok->loc.line, tok->loc.col);
	if (!full)
		s->last_file = (int)tok->loc.file;
}

static void describe(struct diag_sink *s, struct strbuf *sb, const struct token *tok)
{
	describe_as(s, sb, tok, false);
}

void diag_describe_token(struct diag_sink *s, const struct token *tok, char *buf, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	describe(s, &sb, tok);
	snprintf(buf, size, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

/* "source: LINE" and the caret line; `indent` is the width of the label
 * column ("     source: " is 13 wide for parse errors). */
static void put_source(struct diag_sink *s, struct strbuf *sb, const struct token *tok, int indent)
{
	struct source_file *f = source_get(s->sources, tok->loc.file);
	if (!f || tok->kind == TK_EOF || tok->loc.line == 0)
		return;
	size_t len;
	const char *line = source_line(f, tok->loc.line, &len);
	if (len > 4096)
		return; /* a megabyte line helps nobody */
	strbuf_printf(sb, "%*s", indent - 8, "");
	strbuf_puts(sb, "source: ");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		strbuf_putc(sb, (c == '\t' || (c >= 0x20 && c != 0x7f)) ? (char)c : '?');
	}
	strbuf_putc(sb, '\n');
	strbuf_printf(sb, "%*s", indent, "");
	for (uint32_t i = 0; i + 1 < tok->loc.col && i < len; i++)
		strbuf_putc(sb, line[i] == '\t' ? '\t' : ' ');
	strbuf_puts(sb, "^\n");
}

static void put_chain(struct diag_sink *s, struct strbuf *sb, const struct token *tok, int indent,
		      bool full)
{
	for (const struct token *t = tok->chain; t; t = t->chain) {
		strbuf_printf(sb, "\tin expansion of %s: ", t->chain_what ? t->chain_what : "macro");
		describe_as(s, sb, t, full);
		strbuf_putc(sb, '\n');
		put_source(s, sb, t, indent);
	}
}

static unsigned long hash_str(const char *p, size_t n)
{
	unsigned long h = 1469598103934665603ul;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ul;
	return h | 1;
}

/* 4.8 identifies a parse error by the place in its parser that raised it,
 * not by its text; its helper that says "expected one of '...'" is one
 * place, so ctap folds that family too, and the lexer's bad tokens. */
static void parse_error_identity(struct strbuf *key, enum diag_code code, const char *msg)
{
	/* 4.8 reports every bad token the lexer made (unclosed string or
	 * embedded code, bad $N) from one place */
	if (code == D_LEX_ARG || code == D_LEX_STRING || code == D_LEX_EMBEDDED ||
	    code == D_LEX_COMMENT)
		strbuf_puts(key, "junk");
	else if (strncmp(msg, "expected one of ", 16) == 0)
		strbuf_puts(key, "expected one of");
	else
		strbuf_puts(key, msg);
}

/* Returns true if the message was seen before (and records it if not). */
static bool seen_before(struct diag_sink *s, const char *msg, size_t n)
{
	if (s->no_dedup)
		return false;
	unsigned long h = hash_str(msg, n);
	for (unsigned i = 0; i < s->nseen; i++)
		if (s->seen[i] == h)
			return true;
	if (s->nseen == s->capseen) {
		s->capseen = s->capseen ? s->capseen * 2 : 64;
		s->seen = xrealloc(s->seen, sizeof(*s->seen) * s->capseen);
	}
	s->seen[s->nseen++] = h;
	return false;
}

static void count_printed(struct diag_sink *s, enum diag_kind kind, bool counts_as_error)
{
	if (kind == DIAG_WARNING) {
		s->warnings++;
		if (counts_as_error)
			s->errors++;
	} else {
		s->errors++;
		if (kind == DIAG_PARSE)
			s->parse_errors++;
	}
}

bool diag_vreport(struct diag_sink *s, enum diag_kind kind, enum diag_code code,
		  const struct token *tok, enum diag_tok_style style,
		  const char *fmt, va_list ap)
{
	/* -W: a warning still prints as "WARNING:" but counts as an error,
	 * so the pass fails (4.8 adds its warnings to its error count) */
	bool counts_as_error = kind == DIAG_WARNING && s->warnings_are_errors;
	if (kind == DIAG_WARNING && s->no_warnings) {
		s->last_printed = false;
		return false;
	}

	struct strbuf msg = STRBUF_INIT;
	strbuf_vprintf(&msg, fmt, ap);

	/* Identity for dedup: message plus the token's position (not its
	 * rendering, which depends on the previously printed file).  A parse
	 * error is identified by its code and message alone: 4.8 prints the
	 * second "expected literal string or number" of a file only under -v
	 * (4.8 keys on the place in its parser that raised the error, which
	 * the code stands for where one message has several places). */
	struct strbuf key = STRBUF_INIT;
	strbuf_printf(&key, "%d|", (int)kind);
	if (kind == DIAG_PARSE) {
		strbuf_printf(&key, "%d|", (int)code);
		parse_error_identity(&key, code, strbuf_str(&msg));
	}
	if (kind != DIAG_PARSE)
		strbuf_printf(&key, "%s|", strbuf_str(&msg));
	if (tok && kind != DIAG_PARSE)
		strbuf_printf(&key, "%u:%u:%u", tok->loc.file, tok->loc.line, tok->loc.col);
	bool dup = seen_before(s, key.buf, key.len);
	strbuf_free(&key);
	if (dup) {
		/* not shown, but still an error ("2 parse errors.") */
		if (kind == DIAG_WARNING) {
			s->suppressed_warnings++;
		} else {
			s->suppressed_errors++;
			s->errors++;
			if (kind == DIAG_PARSE)
				s->parse_errors++;
		}
		strbuf_free(&msg);
		s->last_printed = false;
		return false;
	}

	if (s->muted) {
		/* counted as if printed, so that the caller's question
		 * "did it fail?" has the same answer either way */
		strbuf_free(&msg);
		count_printed(s, kind, counts_as_error);
		s->last_printed = false;
		return false;
	}

	struct strbuf out = STRBUF_INIT;
	int indent = 0;
	switch (kind) {
	case DIAG_PARSE:
		strbuf_puts(&out, "parse error: ");
		indent = 13;
		break;
	case DIAG_SEMANTIC:
		strbuf_puts(&out, "semantic error: ");
		indent = 16;
		break;
	case DIAG_WARNING:
		strbuf_puts(&out, "WARNING: ");
		indent = 9;
		break;
	case DIAG_ERROR:
		strbuf_puts(&out, "ERROR: ");
		indent = 9;
		break;
	case DIAG_PLAIN:
		indent = 9;
		break;
	}
	strbuf_add(&out, msg.buf ? msg.buf : "", msg.len);
	if (s->print_codes)
		strbuf_printf(&out, " [%s]", diag_code_name(code));
	if (kind == DIAG_PARSE) {
		strbuf_putc(&out, '\n');
		if (tok) {
			/* 4.8 has no token for the end of the file, so EOF is
			 * always "saw: FILE EOF" */
			if (tok->kind == TK_EOF)
				style = DIAG_SAW;
			strbuf_puts(&out, style == DIAG_SAW ? "        saw: " : "         at: ");
			describe_as(s, &out, tok, true);
			strbuf_putc(&out, '\n');
			put_source(s, &out, tok, indent);
			put_chain(s, &out, tok, indent, true);
		}
		strbuf_putc(&out, '\n');
	} else {
		if (tok) {
			strbuf_puts(&out, ": ");
			describe(s, &out, tok);
		}
		strbuf_putc(&out, '\n');
		if (tok) {
			put_source(s, &out, tok, indent);
			put_chain(s, &out, tok, indent, false);
		}
		if (kind == DIAG_SEMANTIC)
			strbuf_putc(&out, '\n');
	}
	fputs(strbuf_str(&out), s->out);
	fflush(s->out);
	strbuf_free(&out);
	strbuf_free(&msg);

	count_printed(s, kind, counts_as_error);
	s->last_printed = true;
	return true;
}

bool diag_report(struct diag_sink *s, enum diag_kind kind, enum diag_code code,
		 const struct token *tok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = diag_vreport(s, kind, code, tok, DIAG_SAW, fmt, ap);
	va_end(ap);
	return r;
}

void diag_parse_error(struct diag_sink *s, enum diag_code code, const struct token *tok,
		      enum diag_tok_style style, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(s, DIAG_PARSE, code, tok, style, fmt, ap);
	va_end(ap);
}

void diag_error(struct diag_sink *s, enum diag_code code, const struct token *tok,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(s, DIAG_SEMANTIC, code, tok, DIAG_SAW, fmt, ap);
	va_end(ap);
}

void diag_warning(struct diag_sink *s, enum diag_code code, const struct token *tok,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(s, DIAG_WARNING, code, tok, DIAG_SAW, fmt, ap);
	va_end(ap);
}

void diag_chain(struct diag_sink *s, const struct token *tok, const char *fmt, ...)
{
	if (!s->last_printed)
		return;
	va_list ap;
	va_start(ap, fmt);
	struct strbuf out = STRBUF_INIT;
	strbuf_puts(&out, "semantic error: ");
	strbuf_vprintf(&out, fmt, ap);
	va_end(ap);
	if (tok) {
		strbuf_puts(&out, ": ");
		describe(s, &out, tok);
	}
	strbuf_putc(&out, '\n');
	if (tok)
		put_source(s, &out, tok, 16);
	strbuf_putc(&out, '\n');
	fputs(strbuf_str(&out), s->out);
	fflush(s->out);
	strbuf_free(&out);
}

void diag_parse_chain(struct diag_sink *s, const struct token *tok, const char *fmt, ...)
{
	if (!s->last_printed)
		return;
	va_list ap;
	va_start(ap, fmt);
	struct strbuf out = STRBUF_INIT;
	strbuf_puts(&out, "parse error: ");
	strbuf_vprintf(&out, fmt, ap);
	va_end(ap);
	strbuf_putc(&out, '\n');
	if (tok) {
		strbuf_puts(&out, tok->kind == TK_EOF ? "        saw: " : "         at: ");
		describe_as(s, &out, tok, true);
		strbuf_putc(&out, '\n');
		put_source(s, &out, tok, 13);
		put_chain(s, &out, tok, 13, true);
	}
	strbuf_putc(&out, '\n');
	fputs(strbuf_str(&out), s->out);
	fflush(s->out);
	strbuf_free(&out);
}

void diag_print(struct diag_sink *s, const char *fmt, ...)
{
	if (s->muted)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
}

void diag_print_summary(struct diag_sink *s)
{
	if (s->suppressed_errors)
		diag_print(s, "Number of similar error messages suppressed: %u.\n",
			   s->suppressed_errors);
	if (s->suppressed_warnings)
		diag_print(s, "Number of similar warning messages suppressed: %u.\n",
			   s->suppressed_warnings);
	if (s->suppressed_errors || s->suppressed_warnings)
		diag_print(s, "Rerun with -v to see them.\n");
}

/* ------------------------------------------------------------- scopes */

struct diag_mark diag_mark(const struct diag_sink *s)
{
	return (struct diag_mark){
		.errors = s->errors,
		.parse_errors = s->parse_errors,
		.warnings = s->warnings,
		.suppressed_errors = s->suppressed_errors,
		.suppressed_warnings = s->suppressed_warnings,
		.nseen = s->nseen,
		.last_file = s->last_file,
		.last_printed = s->last_printed,
		.muted = s->muted,
	};
}

unsigned diag_errors_since(const struct diag_sink *s, const struct diag_mark *m)
{
	return s->errors - m->errors;
}

unsigned diag_parse_errors_since(const struct diag_sink *s, const struct diag_mark *m)
{
	return s->parse_errors - m->parse_errors;
}

void diag_mute(struct diag_sink *s)
{
	s->muted = true;
}

void diag_rollback(struct diag_sink *s, const struct diag_mark *m)
{
	s->errors = m->errors;
	s->parse_errors = m->parse_errors;
	s->warnings = m->warnings;
	s->suppressed_errors = m->suppressed_errors;
	s->suppressed_warnings = m->suppressed_warnings;
	/* the dedup set only grows, so forgetting is truncating */
	s->nseen = m->nseen;
	s->last_file = m->last_file;
	s->last_printed = m->last_printed;
	s->muted = m->muted;
}

void diag_forgive(struct diag_sink *s, const struct diag_mark *m)
{
	s->errors = m->errors;
	s->parse_errors = m->parse_errors;
}

void diag_describe_token_full(const struct diag_sink *s, const struct token *tok, char *buf,
			      size_t size)
{
	struct diag_sink tmp = *s;
	tmp.last_file = -1;
	diag_describe_token(&tmp, tok, buf, size);
}
