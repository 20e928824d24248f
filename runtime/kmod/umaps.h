/*
 * umaps: the file mappings user-address lookups last saw, for the hits
 * that find the process's mm lock taken (runtime/kmod/usym.c).
 */
#ifndef CTAP_KMOD_UMAPS_H
#define CTAP_KMOD_UMAPS_H

#include <linux/types.h>

struct _ctap_uobj;

/* One file mapping: [start, end) at file offset pgoff << PAGE_SHIFT;
 * lo..hi, when looked at (else 0), the extent of all the file's mappings. */
struct _ctap_umap {
	unsigned long start, end, pgoff;
	unsigned long lo, hi;
	const struct _ctap_uobj *obj;	/* the carried tables of its file, or NULL */
};

/* Remembers the mapping m of the current process, whose file is at path. */
void _ctap_umaps_note(const struct _ctap_umap *m, const char *path);
/* The remembered mapping of the current process covering addr: true and
 * *m and its path (into buf, of size len) if there is one. */
bool _ctap_umaps_find(unsigned long addr, struct _ctap_umap *m, char *buf, size_t len);

#endif
