/*
 * submatch: the Pike VM of submatch.h.  One call of submatch_step() does a
 * bounded piece of work (one thread's acceptance test, one item of its
 * list, one seed item, or the move to the next position) over explicit
 * state, so that BPF runs it as a bpf_loop body the verifier checks once.
 * Every index is checked against the program's counts or masked to the
 * arrays' sizes, which is also what the verifier needs to see.
 */
#include "common/submatch.h"

COMPAT_INLINE const struct submatch_pstate *submatch_states(const struct submatch_prog *p)
{
	return (const struct submatch_pstate *)((const char *)p + SUBMATCH_STATES_OFF);
}

COMPAT_INLINE const struct submatch_list *submatch_list_at(const struct submatch_prog *p, uint32_t l)
{
	return (const struct submatch_list *)((const char *)p + SUBMATCH_LISTS_OFF(p->nstates)) + l;
}

COMPAT_INLINE const struct submatch_item *submatch_item_at(const struct submatch_prog *p, uint32_t i)
{
	return (const struct submatch_item *)((const char *)p +
					      SUBMATCH_ITEMS_OFF(p->nstates, p->nlists)) + i;
}

void submatch_begin(struct submatch_state *st, uint32_t len)
{
	st->pos = -1;
	st->len = len < SUBMATCH_MAX_LEN ? len : SUBMATCH_MAX_LEN;
	st->cur = 0;
	st->count[0] = 0;
	st->count[1] = 0;
	st->thread = 0;
	st->item = 0;
	st->found = 0;
	memset(st->none, 0xff, sizeof(st->none));
	memset(st->best, 0xff, sizeof(st->best));
	memset(st->stamp, 0, sizeof(st->stamp));
}

/* dst = src, SUBMATCH_MAX_SLOTS positions (both 8-byte aligned; they
 * may be the same array, never overlapping otherwise) */
COMPAT_INLINE void submatch_copy_slots(int16_t *dst, const int16_t *src)
{
	for (uint32_t i = 0; i < SUBMATCH_MAX_SLOTS; i += 4)
		*(uint64_t *)(void *)(dst + i) = *(const uint64_t *)(const void *)(src + i);
}

/* A match with these positions: kept if it starts earlier than the best so
 * far, or at the same place and ends later. */
COMPAT_INLINE void submatch_offer(struct submatch_state *st, const int16_t *slot)
{
	if (st->found && !(slot[0] < st->best[0] || (slot[0] == st->best[0] && slot[1] > st->best[1])))
		return;
	submatch_copy_slots(st->best, slot);
	st->found = 1;
}

COMPAT_INLINE void submatch_set_slots(int16_t *slot, uint64_t bits, int16_t at)
{
	for (uint32_t b = 0; b < SUBMATCH_MAX_SLOTS; b++)
		if ((bits >> b) & 1)
			slot[b] = at;
}

/* A thread in state it->target at position `at` of the next list, unless
 * a thread of higher priority is there already. */
COMPAT_INLINE void submatch_add(struct submatch_state *st, const struct submatch_prog *p,
			 const int16_t *from, const struct submatch_item *it, int32_t at)
{
	uint32_t nxt = (st->cur & 1) ^ 1, q = it->target, k = st->count[nxt];
	if (q >= p->nstates || q >= SUBMATCH_MAX_STATES || k >= SUBMATCH_MAX_STATES)
		return;
	q = COMPAT_MASK(q, SUBMATCH_MAX_STATES - 1);
	k = COMPAT_MASK(k, SUBMATCH_MAX_STATES - 1);
	if (st->stamp[q] == (uint16_t)(at + 1))
		return;
	st->stamp[q] = (uint16_t)(at + 1);
	struct submatch_thread *t = &st->list[nxt][k];
	submatch_copy_slots(t->slot, from);
	submatch_set_slots(t->slot, it->slots, (int16_t)at);
	t->state = q;
	st->count[nxt] = k + 1;
}

/* Item number st->item of list l, added at position at; 0 when the list
 * is done. */
COMPAT_INLINE int submatch_list_step(struct submatch_state *st, const struct submatch_prog *p, uint32_t l,
			      const int16_t *from, int32_t at)
{
	if (l >= p->nlists)
		return 0;
	const struct submatch_list *ls = submatch_list_at(p, l);
	if (st->item >= ls->count)
		return 0;
	uint32_t i = ls->first + st->item;
	if (i >= p->nitems)
		return 0;
	submatch_add(st, p, from, submatch_item_at(p, i), at);
	st->item++;
	return 1;
}

/* Whether thread t goes on past the current position (a SET state whose
 * byte is next); a MATCH or an EOL at the end is offered as a match. */
COMPAT_INLINE int submatch_visit(struct submatch_state *st, const struct submatch_prog *p,
			  struct submatch_thread *t, const struct submatch_pstate *ps,
			  const char *subject, uint32_t size)
{
	if (ps->kind == SUBMATCH_MATCH) {
		submatch_offer(st, t->slot);
		return 0;
	}
	if ((uint32_t)st->pos >= st->len) {
		if (ps->kind != SUBMATCH_EOL || ps->list >= p->nlists)
			return 0;
		/* the first way on to the match; the thread ends here */
		const struct submatch_list *ls = submatch_list_at(p, ps->list);
		if (ls->count == 0 || ls->first >= p->nitems)
			return 0;
		submatch_set_slots(t->slot, submatch_item_at(p, ls->first)->slots, (int16_t)st->pos);
		submatch_offer(st, t->slot);
		return 0;
	}
	if (ps->kind != SUBMATCH_SET)
		return 0;
	if (st->found && t->slot[0] > st->best[0])
		return 0; /* starts after the match found: cannot win */
	unsigned char c = (unsigned char)subject[(uint32_t)st->pos & (size - 1)];
	return (ps->set[c >> 3] >> (c & 7)) & 1;
}

/* The next position's list becomes the current one; 0 when the search
 * is over. */
COMPAT_INLINE int submatch_advance(struct submatch_state *st, const struct submatch_prog *p)
{
	uint32_t cur = st->cur & 1, nxt = cur ^ 1;
	st->count[cur] = 0;
	st->cur = nxt;
	st->thread = 0;
	st->item = 0;
	st->pos++;
	if (st->pos > (int32_t)st->len)
		return 0;
	if (st->count[nxt] == 0) {
		/* nothing alive: over unless a later start may still match */
		if (st->found || p->seed_later >= p->nlists)
			return 0;
		if (submatch_list_at(p, p->seed_later)->count == 0)
			return 0;
	}
	return 1;
}

int submatch_step(struct submatch_state *st, const struct submatch_prog *p, const char *subject,
		  uint32_t size)
{
	uint32_t cur = st->cur & 1;
	uint32_t n = st->count[cur];
	if (n > SUBMATCH_MAX_STATES)
		n = SUBMATCH_MAX_STATES;
	if (st->thread < n) {
		struct submatch_thread *t = &st->list[cur][COMPAT_MASK(st->thread, SUBMATCH_MAX_STATES - 1)];
		uint32_t q = t->state;
		const struct submatch_pstate *ps = q < p->nstates ? submatch_states(p) + q : NULL;
		if (!ps || (st->item == 0 && !submatch_visit(st, p, t, ps, subject, size)) ||
		    !submatch_list_step(st, p, ps->list, t->slot, st->pos + 1)) {
			st->thread++;
			st->item = 0;
		}
		return 1;
	}
	/* after the threads, lowest in priority: a match starting at pos + 1 */
	if (!st->found && st->pos < (int32_t)st->len &&
	    submatch_list_step(st, p, st->pos < 0 ? p->seed_first : p->seed_later, st->none,
			       st->pos + 1))
		return 1;
	return submatch_advance(st, p);
}

int submatch_end(const struct submatch_state *st, const struct submatch_prog *p, int16_t *slot)
{
	if (!st->found)
		return 0;
	for (uint32_t k = 0; k < SUBMATCH_MAX_SLOTS && k < p->nslots; k++)
		slot[k] = st->best[k];
	return 1;
}
