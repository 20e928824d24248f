/*
 * target/fixture: reading a recorded target (tests): the directory format
 * documented in target.h, written by record.c.
 *
 * Each file is read on first use, like the real sources, so a fixture
 * behaves like a kernel: no kallsyms file means no symbol table, no
 * tracepoints file means no tracepoint list.  NAME.gz is read when NAME is
 * absent (fixture_file.c).
 */
#include "target/target_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "target/fixture_file.h"
#include "util/arena.h"

bool fixture_load_symbols(struct target *t)
{
	char *text = fixture_file_read(t->d->fixture_dir, "kallsyms", NULL);
	if (!text) {
		why_set(&t->syms_why, "fixture %s has no kallsyms", t->d->fixture_dir);
		return false;
	}
	kallsyms_parse(&t->syms, text);
	t->syms_source = arena_printf(t->arena, "%s/kallsyms", t->d->fixture_dir);
	return true;
}

struct btf *fixture_load_btf(struct target *t)
{
	size_t size = 0;
	char *raw = fixture_file_read(t->d->fixture_dir, "btf", &size);
	if (!raw) {
		why_set(&t->btf_why, "fixture %s has no btf", t->d->fixture_dir);
		return NULL;
	}
	struct btf *b = btf__new(raw, (uint32_t)size);
	free(raw);
	if (!b)
		why_set(&t->btf_why, "fixture %s: btf does not parse", t->d->fixture_dir);
	else
		t->btf_source = arena_printf(t->arena, "%s/btf", t->d->fixture_dir);
	return b;
}

/* Splits a line at TABs in place; returns the field count (at most max). */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	while (n < max) {
		f[n++] = line;
		char *tab = strchr(line, '\t');
		if (!tab)
			break;
		*tab = 0;
		line = tab + 1;
	}
	return n;
}

/* "ARG NAME CTYPE SIZE SIGNED POINTER" / "PARAM ..." */
static void parse_param(struct target *t, char **f, struct target_param *p)
{
	p->name = arena_strdup(t->arena, f[1]);
	p->ctype = arena_strdup(t->arena, f[2]);
	p->size = (uint32_t)strtoul(f[3], NULL, 10);
	p->is_signed = f[4][0] == '1';
	p->is_pointer = f[5][0] == '1';
	p->btf_type_id = 0;
}

/* Room for element n of an arena array whose capacity doubles from 4:
 * a new array when n is 0 or a full power of two. */
static void *grow(struct target *t, void *items, uint32_t n, size_t elem)
{
	if (n == 0)
		return arena_alloc(t->arena, elem * 4);
	if (n < 4 || (n & (n - 1)))
		return items;
	void *bigger = arena_alloc(t->arena, elem * n * 2);
	memcpy(bigger, items, elem * n);
	return bigger;
}

static void parse_tp_line(struct target *t, struct tp_entry **cur, char *line)
{
	char *f[8];
	int n = split_tabs(line, f, 8);
	if (strcmp(f[0], "TP") == 0 && n >= 4) {
		*cur = tptable_add(&t->tps, t->arena, f[1], f[2], (int32_t)strtol(f[3], NULL, 10));
		(*cur)->args_done = (*cur)->fields_done = true;
		(*cur)->tp.args_known = true;
		return;
	}
	struct target_tracepoint *tp = *cur ? &(*cur)->tp : NULL;
	if (!tp)
		return;
	if (strcmp(f[0], "SYSCALL") == 0) {
		tp->syscall = true;
	} else if (strcmp(f[0], "ARGS") == 0 && n >= 2 && f[1][0] == '?') {
		tp->args_known = false;
	} else if (strcmp(f[0], "ARG") == 0 && n >= 6) {
		tp->args = grow(t, tp->args, tp->nargs, sizeof(*tp->args));
		parse_param(t, f, &tp->args[tp->nargs++]);
	} else if (strcmp(f[0], "FIELD") == 0 && n >= 6) {
		tp->fields = grow(t, tp->fields, tp->nfields, sizeof(*tp->fields));
		struct target_tp_field *fd = &tp->fields[tp->nfields++];
		fd->name = arena_strdup(t->arena, f[1]);
		fd->ctype = arena_strdup(t->arena, f[2]);
		fd->offset = (uint32_t)strtoul(f[3], NULL, 10);
		fd->size = (uint32_t)strtoul(f[4], NULL, 10);
		fd->is_signed = f[5][0] == '1';
	}
}

bool fixture_load_tracepoints(struct target *t)
{
	char *text = fixture_file_read(t->d->fixture_dir, "tracepoints", NULL);
	if (!text) {
		why_set(&t->tps_why, "fixture %s has no tracepoints", t->d->fixture_dir);
		return false;
	}
	struct tp_entry *cur = NULL;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (*line && *line != '#') {
			/* tracepoints_add may move the table: keep an index */
			uint32_t before = t->tps.n;
			parse_tp_line(t, &cur, line);
			if (t->tps.n != before)
				cur = &t->tps.e[t->tps.n - 1];
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	t->tps_source = arena_printf(t->arena, "%s/tracepoints", t->d->fixture_dir);
	return true;
}

static void load_protos(struct target *t)
{
	char *text = fixture_file_read(t->d->fixture_dir, "protos", NULL);
	if (!text)
		return;
	struct target_func_proto *cur = NULL;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *f[8];
		int n = split_tabs(line, f, 8);
		if (strcmp(f[0], "FUNC") == 0 && n >= 3) {
			cur = arena_new_obj(t->arena, struct target_func_proto);
			cur->name = arena_strdup(t->arena, f[1]);
			cur->ret_ctype = arena_strdup(t->arena, f[2]);
			namemap_put(&t->protos, cur->name, cur);
		} else if (cur && strcmp(f[0], "PARAM") == 0 && n >= 6) {
			cur->params = grow(t, cur->params, cur->nparams, sizeof(*cur->params));
			parse_param(t, f, &cur->params[cur->nparams++]);
		} else if (cur && strcmp(f[0], "VARARGS") == 0) {
			cur->varargs = true;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
}

const struct target_func_proto *fixture_proto(struct target *t, const char *name)
{
	if (!t->fixture_protos_loaded) {
		t->fixture_protos_loaded = true;
		load_protos(t);
	}
	return namemap_get(&t->protos, name);
}
