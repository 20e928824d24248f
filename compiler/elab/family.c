/*
 * family: helpers for probe families (family.h): reading a matched point,
 * finding a family's probes, listing the patterns.
 */
#include "elab/family.h"

#include <stdlib.h>
#include <string.h>

#include "util/vec.h"

static int comp_index(const struct pp_match *m, const char *functor)
{
	for (unsigned i = 0; i < m->ncomps; i++)
		if (strcmp(m->functors[i], functor) == 0)
			return (int)i;
	return -1;
}

bool pp_match_has(const struct pp_match *m, const char *functor)
{
	return comp_index(m, functor) >= 0;
}

const struct expr *pp_match_arg(const struct pp_match *m, const char *functor)
{
	int i = comp_index(m, functor);
	return i >= 0 ? m->args[i] : NULL;
}

int64_t pp_match_num(const struct pp_match *m, const char *functor, int64_t dflt)
{
	const struct expr *e = pp_match_arg(m, functor);
	return e && e->kind == EXPR_NUMBER ? e->u.num : dflt;
}

const char *pp_match_str(const struct pp_match *m, const char *functor)
{
	const struct expr *e = pp_match_arg(m, functor);
	return e && e->kind == EXPR_STRING ? e->u.str.val : NULL;
}

const struct token *pp_match_tok(const struct pp_match *m, const char *functor)
{
	int i = comp_index(m, functor);
	return i >= 0 ? m->toks[i] : NULL;
}

struct derived_probe *family_next_probe(const struct program *p, const struct probe_family *f,
					uint32_t *i)
{
	while (*i < p->probes.len) {
		struct derived_probe *dp = p->probes.items[(*i)++];
		if (dp->family == f)
			return dp;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void family_dump_patterns(const struct probe_family *const *families, FILE *out)
{
	VEC(const char *) all = { 0 };
	for (int i = 0; families[i]; i++)
		for (int j = 0; families[i]->patterns[j]; j++)
			vec_push_heap(&all, families[i]->patterns[j]);
	qsort(all.items, all.len, sizeof(*all.items), cmp_str);
	for (uint32_t i = 0; i < all.len; i++)
		if (i == 0 || strcmp(all.items[i], all.items[i - 1]) != 0)
			fprintf(out, "%s\n", all.items[i]);
	vec_free_heap(&all);
}
