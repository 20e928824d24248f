/*
 * regex_sub: struct redfa_sub into struct submatch_prog (regex_sub.h).
 */
#include "elab/regex_sub.h"

#include <string.h>

#include "common/submatch.h"
#include "util/arena.h"
#include "util/redfa.h"

_Static_assert(REDFA_SUB_MAX_STATES == SUBMATCH_MAX_STATES &&
		       REDFA_SUB_MAX_SLOTS == SUBMATCH_MAX_SLOTS &&
		       REDFA_SUB_MAX_ITEMS == SUBMATCH_MAX_ITEMS,
	       "redfa and the submatch engine disagree on limits");
_Static_assert((int)REDFA_SUB_SET == SUBMATCH_SET && (int)REDFA_SUB_EOL == SUBMATCH_EOL &&
		       (int)REDFA_SUB_MATCH == SUBMATCH_MATCH,
	       "redfa and the submatch engine disagree on state kinds");

const struct submatch_prog *regex_sub_prog(struct arena *A, const struct redfa *dfa,
					   uint32_t *size)
{
	const struct redfa_sub *R = dfa->sub;
	*size = 0;
	if (!R)
		return NULL;
	uint32_t n = SUBMATCH_PROG_SIZE(R->nstates, R->nlists, R->nitems);
	/* arena blocks are 8-byte aligned, as the layout needs */
	char *blob = arena_alloc(A, n);
	memset(blob, 0, n);
	struct submatch_prog *p = (struct submatch_prog *)blob;
	*p = (struct submatch_prog){ R->nstates, R->nslots, R->nlists, R->nitems, R->seed_first,
				     R->seed_later };
	struct submatch_pstate *st = (struct submatch_pstate *)(blob + SUBMATCH_STATES_OFF);
	for (uint32_t q = 0; q < R->nstates; q++) {
		memcpy(st[q].set, R->set[q], 32);
		st[q].kind = R->kind[q];
		st[q].list = R->list[q];
	}
	struct submatch_list *ls = (struct submatch_list *)(blob + SUBMATCH_LISTS_OFF(R->nstates));
	for (uint32_t l = 0; l < R->nlists; l++)
		ls[l] = (struct submatch_list){ R->first[l], R->count[l] };
	struct submatch_item *it =
		(struct submatch_item *)(blob + SUBMATCH_ITEMS_OFF(R->nstates, R->nlists));
	for (uint32_t i = 0; i < R->nitems; i++)
		it[i] = (struct submatch_item){ .target = R->items[i].target, .slots = R->items[i].slots };
	*size = n;
	return p;
}
