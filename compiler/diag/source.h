/*
 * source: the table of every text the compiler reads (the user script,
 * -e/-E text, tapset files, command-line arguments re-lexed as text), so that
 * a location is just (file id, line, column, offset) and diagnostics can
 * quote the source line.
 */
#ifndef CTAP_SOURCE_H
#define CTAP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

enum source_kind {
	SOURCE_USER,    /* the script being compiled (file, -e, stdin) */
	SOURCE_EXTRA,   /* -E text */
	SOURCE_TAPSET,  /* a library file (.stp) */
	SOURCE_MACROS,  /* a library macro file (.stpm) */
	SOURCE_ARG,     /* a command-line argument being re-lexed ($1) */
	SOURCE_SYNTH,   /* text the compiler made up (e.g. -T's timer probe) */
};

struct source_file {
	uint32_t id;
	enum source_kind kind;
	const char *name;       /* as shown in messages: path, "<input>", ... */
	const char *text;       /* NUL-terminated; may contain NUL bytes */
	size_t len;
	uint32_t *line_starts;  /* computed on first use */
	uint32_t nlines;
};

struct source_table {
	struct arena *arena;
	struct source_file **files;
	uint32_t nfiles, cap;
};

void source_table_init(struct source_table *t, struct arena *a);
void source_table_fini(struct source_table *t);
/* Registers text (copied into the arena) and returns the new file. */
struct source_file *source_add(struct source_table *t, enum source_kind kind,
			       const char *name, const char *text, size_t len);
struct source_file *source_get(const struct source_table *t, uint32_t id);
/* The text of 1-based line `line` without its newline. */
const char *source_line(struct source_file *f, uint32_t line, size_t *len);

#endif
