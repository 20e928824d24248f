#include "diag/source.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

void source_table_init(struct source_table *t, struct arena *a)
{
	memset(t, 0, sizeof(*t));
	t->arena = a;
}

void source_table_fini(struct source_table *t)
{
	for (uint32_t i = 0; i < t->nfiles; i++)
		free(t->files[i]->line_starts);
	free(t->files);
	memset(t, 0, sizeof(*t));
}

struct source_file *source_add(struct source_table *t, enum source_kind kind,
			       const char *name, const char *text, size_t len)
{
	if (t->nfiles == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->files = xrealloc(t->files, sizeof(*t->files) * t->cap);
	}
	struct source_file *f = arena_new_obj(t->arena, struct source_file);
	f->id = t->nfiles;
	f->kind = kind;
	f->name = arena_strdup(t->arena, name);
	/* text need not be NUL-terminated (the fuzzer's input is not): copy
	 * len bytes, then terminate */
	char *copy = arena_alloc(t->arena, len + 1);
	memcpy(copy, text, len);
	copy[len] = 0;
	f->text = copy;
	f->len = len;
	t->files[t->nfiles++] = f;
	return f;
}

struct source_file *source_get(const struct source_table *t, uint32_t id)
{
	return id < t->nfiles ? t->files[id] : NULL;
}

static void source_index_lines(struct source_file *f)
{
	uint32_t n = 1;
	for (size_t i = 0; i < f->len; i++)
		if (f->text[i] == '\n')
			n++;
	f->line_starts = xmalloc(sizeof(uint32_t) * (n + 1));
	f->line_starts[0] = 0;
	uint32_t k = 1;
	for (size_t i = 0; i < f->len; i++)
		if (f->text[i] == '\n')
			f->line_starts[k++] = (uint32_t)(i + 1);
	f->line_starts[k] = (uint32_t)f->len + 1;
	f->nlines = n;
}

const char *source_line(struct source_file *f, uint32_t line, size_t *len)
{
	if (!f->line_starts)
		source_index_lines(f);
	if (line == 0 || line > f->nlines) {
		*len = 0;
		return "";
	}
	uint32_t start = f->line_starts[line - 1];
	uint32_t end = f->line_starts[line] - 1; /* the newline or end of text */
	if (end > f->len)
		end = (uint32_t)f->len;
	if (end > start && f->text[end - 1] == '\r')
		end--;
	*len = end - start;
	return f->text + start;
}
