/*
 * listing: -l, -L, --dump-probe-types, --dump-probe-aliases,
 * --dump-functions (cli.md §2, §5).
 */
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "parse/library.h"
#include "elab/elaborate.h"
#include "parse/ast_print.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints sorted, de-duplicated lines; returns how many. */
typedef VEC(char *) line_vec;

static unsigned print_sorted(line_vec *lines, FILE *out)
{
	qsort(lines->items, lines->len, sizeof(char *), cmp_str);
	unsigned n = 0;
	for (uint32_t i = 0; i < lines->len; i++) {
		if (i && strcmp(lines->items[i], lines->items[i - 1]) == 0)
			continue;
		fprintf(out, "%s\n", lines->items[i]);
		n++;
	}
	return n;
}

static void list_aliases(struct elab *E, FILE *out)
{
	line_vec lines = { 0 };
	for (uint32_t f = 0; f < E->parsed->library.len; f++) {
		struct stapfile *file = E->parsed->library.items[f];
		for (uint32_t i = 0; i < file->aliases.len; i++) {
			const struct probe_alias *al = file->aliases.items[i];
			for (uint32_t j = 0; j < al->names.len; j++) {
				struct strbuf sb = STRBUF_INIT;
				ast_print_probe_point(&sb, al->names.items[j], false);
				strbuf_puts(&sb, " = ");
				for (uint32_t k = 0; k < al->points.len; k++) {
					if (k)
						strbuf_puts(&sb, ", ");
					ast_print_probe_point(&sb, al->points.items[k], true);
				}
				vec_push(E->arena, &lines, arena_strdup(E->arena, strbuf_str(&sb)));
				strbuf_free(&sb);
			}
		}
	}
	print_sorted(&lines, out);
}

static void list_functions(struct elab *E, FILE *out)
{
	/* type every library function, as if each were called */
	for (uint32_t f = 0; f < E->parsed->library.len; f++) {
		struct stapfile *file = E->parsed->library.items[f];
		for (uint32_t i = 0; i < file->functions.len; i++) {
			struct functiondecl *fn = file->functions.items[i];
			if (!fn->used) {
				fn->used = true;
				vec_push(E->arena, &E->functions, fn);
			}
		}
	}
	struct diag_mark m = diag_mark(E->diag);
	diag_mute(E->diag);
	bool more;
	elab_resolve_symbols(E, &more);
	elab_infer_types(E);
	diag_rollback(E->diag, &m);

	line_vec lines = { 0 };
	for (uint32_t i = 0; i < E->functions.len; i++) {
		const struct functiondecl *fn = E->functions.items[i];
		if (fn->is_private || fn->name[0] == '_')
			continue;
		struct strbuf sb = STRBUF_INIT;
		strbuf_printf(&sb, "%s:%s (", fn->name, stap_type_name(fn->type));
		for (uint32_t j = 0; j < fn->params.len; j++)
			strbuf_printf(&sb, "%s%s:%s", j ? ", " : "", fn->params.items[j]->name,
				      stap_type_name(fn->params.items[j]->type));
		strbuf_putc(&sb, ')');
		if (fn->pragmas & FNP_UNPRIVILEGED)
			strbuf_puts(&sb, " /* unprivileged */");
		if (fn->pragmas & FNP_MYPROC_UNPRIVILEGED)
			strbuf_puts(&sb, " /* myproc-unprivileged */");
		if (fn->pragmas & FNP_GURU)
			strbuf_puts(&sb, " /* guru */");
		vec_push(E->arena, &lines, arena_strdup(E->arena, strbuf_str(&sb)));
		strbuf_free(&sb);
	}
	print_sorted(&lines, out);
}

/* Locals named in every derived probe of the same listed name. */
static bool local_in_all(struct elab *E, const char *pn, const char *name)
{
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		const struct derived_probe *dp = E->prog->probes.items[i];
		if (strcmp(dp->pn, pn) != 0)
			continue;
		bool found = false;
		for (uint32_t j = 0; j < dp->locals.len && !found; j++)
			found = dp->locals.items[j]->name == name;
		if (!found)
			return false;
	}
	return true;
}

struct listed {
	const char *pn, *line;
};

/* by name, then the line with the most variables first */
static int cmp_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	int c = strcmp(x->pn, y->pn);
	if (c)
		return c;
	size_t lx = strlen(x->line), ly = strlen(y->line);
	return lx != ly ? (lx > ly ? -1 : 1) : strcmp(x->line, y->line);
}

static unsigned list_probes(struct elab *E, bool vars, FILE *out)
{
	/* One line per probe point name: a function's instances (inlined
	 * copies, clones) can reach different variables; the line that names
	 * the most is shown, as SystemTap shows one */
	struct listed *all = arena_new_array(E->arena, struct listed, E->prog->probes.len + 1);
	for (uint32_t i = 0; i < E->prog->probes.len; i++) {
		struct derived_probe *dp = E->prog->probes.items[i];
		struct strbuf sb = STRBUF_INIT;
		strbuf_puts(&sb, dp->pn);
		if (vars) {
			for (uint32_t j = 0; j < dp->locals.len; j++) {
				const struct vardecl *v = dp->locals.items[j];
				if (v->name[0] == '_' && v->name[1] == '_' &&
				    strncmp(v->name, "__tracepoint_arg_", 17) != 0)
					continue;
				if (!local_in_all(E, dp->pn, v->name))
					continue;
				strbuf_printf(&sb, " %s:%s", v->name, stap_type_name(v->type));
			}
			if (dp->family->list_vars)
				dp->family->list_vars(E, dp, &sb);
		}
		all[i] = (struct listed){ dp->pn, arena_strdup(E->arena, strbuf_str(&sb)) };
		strbuf_free(&sb);
	}
	qsort(all, E->prog->probes.len, sizeof(*all), cmp_listed);
	line_vec lines = { 0 };
	for (uint32_t i = 0; i < E->prog->probes.len; i++)
		if (!i || strcmp(all[i].pn, all[i - 1].pn) != 0)
			vec_push(E->arena, &lines, (char *)all[i].line);
	return print_sorted(&lines, out);
}

bool elaborate_listing(struct session *s, const struct program *p, FILE *out)
{
	if (!p || !p->elab)
		return false;
	struct elab *E = p->elab;
	if (s->opts.listing == LIST_PROBE_ALIASES || s->opts.listing == LIST_FUNCTIONS) {
		library_load_all(E->parsed);
		elab_sync_library(E);
	}
	switch (s->opts.listing) {
	case LIST_PROBE_TYPES:
		family_dump_patterns(E->families, out);
		return true;
	case LIST_PROBE_ALIASES:
		list_aliases(E, out);
		return true;
	case LIST_FUNCTIONS:
		list_functions(E, out);
		return true;
	case LIST_PROBES:
		return list_probes(E, false, out) > 0;
	case LIST_PROBES_VARS:
		return list_probes(E, true, out) > 0;
	case LIST_NONE:
		break;
	}
	return false;
}
