/*
 * ptrmap: interned name -> pointer, by open addressing on the name's
 * address (names are interned, so equal names are the same pointer).
 * Pass 1 looks up globals and macros by name once per use; with lists
 * that was quadratic in the size of the script.  The table grows in the
 * arena it is given (old arrays are left behind), so nothing is freed.
 */
#ifndef CTAP_PTRMAP_H
#define CTAP_PTRMAP_H

#include <stdint.h>

struct arena;

struct ptrmap {
	const char **keys;
	void **vals;
	uint32_t cap, len;
};

/* The value for name, or NULL. */
void *ptrmap_get(const struct ptrmap *m, const char *name);
/* Sets (or replaces) the value for name. */
void ptrmap_put(struct arena *a, struct ptrmap *m, const char *name, void *val);

#endif
