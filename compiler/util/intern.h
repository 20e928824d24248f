/*
 * intern: one copy of every name, so that names compare with ==.
 * The table's strings live in the arena it was created with.
 */
#ifndef CTAP_INTERN_H
#define CTAP_INTERN_H

#include <stddef.h>

struct arena;
struct intern_table;

struct intern_table *intern_new(struct arena *a);
void intern_free(struct intern_table *t);
const char *intern_n(struct intern_table *t, const char *s, size_t len);
const char *intern(struct intern_table *t, const char *s);

#endif
