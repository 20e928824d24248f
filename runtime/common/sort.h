/*
 * sort: the stable sort behind `foreach (… in A+)`, `A-`, `k+`, `v- =`,
 * `A @sum-` and the automatic global display's value order
 * (language.md §6.1).
 *
 * The caller extracts the sort column of every element into an array of
 * struct sort_item (a key column, the value, or a stats aggregate such as
 * @count), in the array's unsorted order (the kernel runtime: insertion
 * order), with `row` identifying the element; sort_items() reorders the
 * items and the caller then walks them.  Ties keep their input order in
 * both directions (descending is not a reversed ascending sort).
 *
 * Both arrays belong to the caller: the kernel runtime allocates items and
 * scratch (n entries each) at module init, so nothing is allocated in
 * probe context.  The sort is an iterative bottom-up merge sort: O(n log n)
 * comparisons, no recursion, constant stack.
 */
#ifndef CTAP_COMMON_SORT_H
#define CTAP_COMMON_SORT_H

#include "common/compat.h"

struct sort_item {
	int64_t num;		/* a long column */
	const char *str;	/* a string column of len bytes; NULL: long column */
	uint32_t len;
	uint32_t row;		/* the caller's element id, carried along */
};

/*
 * Compares the columns of a and b: strings bytewise as unsigned chars (as
 * strcmp does, a prefix sorting first), longs as signed numbers.  Returns
 * <0, 0 or >0.  Both items must hold the same kind of column.
 */
int sort_cmp(const struct sort_item *a, const struct sort_item *b);

/* Stable sort of items[0..n), ascending or (descending != 0) descending. */
void sort_items(struct sort_item *items, struct sort_item *scratch, uint32_t n,
		int descending);

#endif
