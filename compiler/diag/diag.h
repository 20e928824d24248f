/*
 * diag: the one diagnostics facility of the compiler.
 *
 * Every error and warning has a code (diag_codes.def), a message, and
 * usually the token it is about.  The sink renders SystemTap's shapes:
 *
 *   parse error: expected literal string or number
 *           saw: operator '}' at t.stp:1:19
 *        source: probe begin { x = }
 *                                  ^
 *
 *   semantic error: type mismatch (string): identifier 'x' at t.stp:1:22
 *           source: ...
 *
 *   WARNING: Eliding assignment to 'x': operator '=' at :1:17
 *    source: ...
 *
 * It counts errors, suppresses exact duplicates (counting them, as stap
 * does), applies -w (no warnings) and -W (warnings are errors), and prints
 * "in expansion of macro" lines for tokens that came from a macro.
 *
 * Some work is tried before anyone knows whether its complaints matter: a
 * tapset file is indexed before it is parsed, -l/-L type what they can, an
 * optional probe point may fail.  A mark (diag_mark) records where the sink
 * stands; the caller asks what happened since (diag_errors_since), and may
 * silence it (diag_mute) and forget it (diag_rollback), or keep it printed
 * but not count it (diag_forgive).  Callers read the sink's counters but
 * change them only through these.
 */
#ifndef CTAP_DIAG_H
#define CTAP_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "diag/token.h"

struct source_table;

enum diag_code {
#define X(code, man) code,
#include "diag/diag_codes.def"
#undef X
	D__COUNT
};

enum diag_kind {
	DIAG_PARSE,     /* "parse error: " */
	DIAG_SEMANTIC,  /* "semantic error: " */
	DIAG_WARNING,   /* "WARNING: " */
	DIAG_PLAIN,     /* no prefix: "Input file 'x' is empty." */
	DIAG_ERROR,     /* "ERROR: " (driver, build and run failures) */
};

/* How the token is introduced in a parse error: "saw:" for an unexpected
 * token, "at:" when the message names the token itself. */
enum diag_tok_style { DIAG_SAW, DIAG_AT };

struct diag_sink {
	const struct source_table *sources;
	FILE *out;
	unsigned errors;          /* errors reported (after dedup) */
	unsigned parse_errors;    /* for "N parse errors." */
	unsigned warnings;
	unsigned suppressed_errors, suppressed_warnings;
	bool no_warnings;         /* -w */
	bool warnings_are_errors; /* -W */
	bool no_dedup;            /* -v: show duplicates too */
	bool print_codes;         /* --ctap-diag-codes */
	unsigned verbose;
	int last_file;            /* file of the last printed token, -1 if none */
	bool last_printed;        /* whether the last report got printed (for chains) */
	bool muted;               /* diag_mute: render nothing (counts still go on) */
	/* dedup set (hashes of rendered messages) */
	unsigned long *seen;
	unsigned nseen, capseen;
};

void diag_init(struct diag_sink *s, const struct source_table *src, FILE *out);
void diag_fini(struct diag_sink *s);

/* Report.  tok may be NULL (message without location).  Returns true when
 * the message was printed (false: suppressed as duplicate or by -w). */
bool diag_report(struct diag_sink *s, enum diag_kind kind, enum diag_code code,
		 const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool diag_vreport(struct diag_sink *s, enum diag_kind kind, enum diag_code code,
		  const struct token *tok, enum diag_tok_style style,
		  const char *fmt, va_list ap);

/* Shorthands. */
void diag_parse_error(struct diag_sink *s, enum diag_code code, const struct token *tok,
		      enum diag_tok_style style, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void diag_error(struct diag_sink *s, enum diag_code code, const struct token *tok,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_warning(struct diag_sink *s, enum diag_code code, const struct token *tok,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A chained semantic error: printed right after the previous one as its own
 * "semantic error:" block, e.g. "type was first inferred here (long)".
 * Not counted as a separate error; suppressed with its parent.
 */
void diag_chain(struct diag_sink *s, const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A chained parse error, printed after the previous one as its own
 * "parse error:" block with "at:" (4.8: "macro '@x' first defined here").
 * Not counted; suppressed with its parent.
 */
void diag_parse_chain(struct diag_sink *s, const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "identifier 'x' at file:1:2" (file omitted when same as last printed). */
void diag_describe_token(struct diag_sink *s, const struct token *tok, char *buf, size_t size);

/* The same, always naming the file (run-time messages: "operator '/' at
 * t.stp:3:13"); leaves the sink as it was. */
void diag_describe_token_full(const struct diag_sink *s, const struct token *tok, char *buf,
			      size_t size);

/* "Number of similar error messages suppressed: N." etc. */
void diag_print_summary(struct diag_sink *s);

/* A line that is no diagnostic ("2 parse errors."): printed unless muted,
 * so that it goes wherever the diagnostics it sums up went. */
void diag_print(struct diag_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Where the sink stands: its counters, its dedup set, what the next
 * message's rendering depends on, and whether it is muted.  A value: marks
 * nest, and a mark that is dropped costs nothing. */
struct diag_mark {
	unsigned errors, parse_errors, warnings;
	unsigned suppressed_errors, suppressed_warnings;
	unsigned nseen;
	int last_file;
	bool last_printed;
	bool muted;
};

struct diag_mark diag_mark(const struct diag_sink *s);

/* Errors (warnings under -W included) and parse errors reported since the
 * mark, duplicates included: what decides whether the work succeeded. */
unsigned diag_errors_since(const struct diag_sink *s, const struct diag_mark *m);
unsigned diag_parse_errors_since(const struct diag_sink *s, const struct diag_mark *m);

/* Nothing is printed from now until a rollback to a mark made before this
 * call; reports are still counted and deduplicated, so the caller can ask
 * what happened.  A mute must end in such a rollback: what was muted is
 * not to be seen and so must not be remembered either. */
void diag_mute(struct diag_sink *s);

/* The sink as it was at the mark: everything reported since is forgotten
 * (counts, dedup, the file the next message may omit), and a mute begun
 * since ends. */
void diag_rollback(struct diag_sink *s, const struct diag_mark *m);

/* The errors since the mark stop counting (a broken tapset is skipped
 * with a warning, an optional probe point that fails is dropped); what
 * was printed stays printed, and so stays known to dedup. */
void diag_forgive(struct diag_sink *s, const struct diag_mark *m);

const char *diag_code_name(enum diag_code code);
const char *diag_code_man(enum diag_code code);

#endif
