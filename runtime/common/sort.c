/*
 * sort: stable bottom-up merge sort of sort_items (see sort.h).
 * Input: items[0..n) and scratch space of the same size.  Output: items
 * sorted in place.  Invariant: within a merge, an element of the left run
 * is taken on ties, which is what makes the sort stable.
 */
#include "common/sort.h"

int sort_cmp(const struct sort_item *a, const struct sort_item *b)
{
	if (a->str && b->str) {
		uint32_t n = a->len < b->len ? a->len : b->len;
		int c = memcmp(a->str, b->str, n);

		if (c)
			return c;
		return a->len < b->len ? -1 : a->len > b->len;
	}
	return a->num < b->num ? -1 : a->num > b->num;
}

/* Whether b must go before a: strictly smaller (or larger, descending). */
static int sort_before(const struct sort_item *b, const struct sort_item *a,
		       int descending)
{
	int c = sort_cmp(b, a);

	return descending ? c > 0 : c < 0;
}

/* Merges src[lo..mid) and src[mid..hi) into dst[lo..hi). */
static void sort_merge(const struct sort_item *src, struct sort_item *dst,
		       uint32_t lo, uint32_t mid, uint32_t hi, int descending)
{
	uint32_t i = lo, j = mid, k = lo;

	while (i < mid && j < hi) {
		if (sort_before(&src[j], &src[i], descending))
			dst[k++] = src[j++];
		else
			dst[k++] = src[i++];
	}
	while (i < mid)
		dst[k++] = src[i++];
	while (j < hi)
		dst[k++] = src[j++];
}

void sort_items(struct sort_item *items, struct sort_item *scratch, uint32_t n,
		int descending)
{
	struct sort_item *src = items, *dst = scratch, *t;
	uint32_t width, lo;

	for (width = 1; width < n; width = width > n / 2 ? n : 2 * width) {
		for (lo = 0; lo < n; lo += 2 * width) {
			uint32_t mid = n - lo > width ? lo + width : n;
			uint32_t hi = n - mid > width ? mid + width : n;

			sort_merge(src, dst, lo, mid, hi, descending);
			if (hi == n)
				break;
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != items)
		memcpy(items, src, n * sizeof *items);
}
