/*
 * map_sort: foreach's sorted iteration.  The sort column of every element
 * (a key, the value, or an aggregate of a statistics value) is extracted
 * into this CPU's sort arrays, ordered by the shared stable sort of
 * runtime/common/sort.h, and the map's order list is relinked in that
 * order; the foreach then walks the list (see map.h).  No allocation: the
 * sort arrays are allocated per CPU at module init with room for the
 * largest map.  The caller holds the global's write lock.
 */
#include <linux/string.h>
#include "common/sort.h"
#include "kmod/context.h"
#include "kmod/map.h"
#include "kmod/stat.h"

static void _ctap_sort_extract(const struct _ctap_map *m, struct _ctap_mnode *n,
			       unsigned int column, enum _ctap_stat_op agg,
			       struct sort_item *it)
{
	it->str = NULL;
	it->len = 0;
	it->num = 0;
	if (column) {
		unsigned int i = column - 1;

		if (m->ktype[i] == CTAP_T_STRING) {
			it->str = _ctap_mnode_key_str(m, n, i);
			it->len = strlen(it->str);
		} else {
			it->num = _ctap_mnode_key_long(m, n, i);
		}
	} else if (m->vtype == CTAP_T_STRING) {
		it->str = _ctap_mnode_str(m, n);
		it->len = strlen(it->str);
	} else if (m->vtype == CTAP_T_STATS_AGG) {
		_ctap_stat_value(m->stat, &_ctap_mnode_agg(m, n)->agg, agg, &it->num);
	} else {
		it->num = *_ctap_mnode_long(m, n);
	}
}

void _ctap_map_sort(struct _ctap_context *c, struct _ctap_map *m, unsigned int column,
		    int dir, enum _ctap_stat_op agg)
{
	struct sort_item *items = c->sort_items;
	struct _ctap_mnode *n;
	u32 i = 0, prev = CTAP_NIL;

	if (column > m->nkeys || m->count < 2 || m->count > c->sort_cap)
		return;
	for (n = _ctap_map_first(m); n; n = _ctap_map_next(m, n)) {
		_ctap_sort_extract(m, n, column, agg, &items[i]);
		items[i++].row = _ctap_map_index(m, n);
	}
	sort_items(items, c->sort_scratch, i, dir < 0);
	for (i = 0; i < m->count; i++) {
		n = _ctap_map_node(m, items[i].row);
		n->prev = prev;
		if (prev != CTAP_NIL)
			_ctap_map_node(m, prev)->next = items[i].row;
		else
			m->head = items[i].row;
		prev = items[i].row;
	}
	_ctap_map_node(m, prev)->next = CTAP_NIL;
	m->tail = prev;
}
