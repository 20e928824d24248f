/*
 * vec: typed growable arrays.  VEC(T) declares an anonymous struct; name it
 * with a typedef or a struct tag when it is passed around.
 *
 * vec_push() grows in the compilation arena (the old storage is simply left
 * behind, which is cheap for AST-sized lists); vec_push_heap() grows with
 * realloc for long-lived or large vectors, freed with vec_free_heap().
 */
#ifndef CTAP_VEC_H
#define CTAP_VEC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

#define VEC(T)                 \
	struct {               \
		T *items;      \
		uint32_t len;  \
		uint32_t cap;  \
	}

#define vec_grow_arena_(a, v)                                                  \
	do {                                                                   \
		uint32_t ncap_ = (v)->cap ? (v)->cap * 2 : 4;                  \
		void *n_ = arena_alloc((a), sizeof(*(v)->items) * ncap_);      \
		if ((v)->len)                                                  \
			memcpy(n_, (v)->items, sizeof(*(v)->items) * (v)->len); \
		(v)->items = n_;                                               \
		(v)->cap = ncap_;                                              \
	} while (0)

#define vec_push(a, v, x)                         \
	do {                                      \
		if ((v)->len == (v)->cap)         \
			vec_grow_arena_((a), (v)); \
		(v)->items[(v)->len++] = (x);     \
	} while (0)

#define vec_push_heap(v, x)                                                    \
	do {                                                                   \
		if ((v)->len == (v)->cap) {                                    \
			(v)->cap = (v)->cap ? (v)->cap * 2 : 8;                \
			(v)->items = xrealloc((v)->items,                      \
					      sizeof(*(v)->items) * (v)->cap); \
		}                                                              \
		(v)->items[(v)->len++] = (x);                                  \
	} while (0)

#define vec_free_heap(v)                  \
	do {                              \
		free((v)->items);         \
		(v)->items = NULL;        \
		(v)->len = (v)->cap = 0;  \
	} while (0)

#define vec_last(v) ((v)->items[(v)->len - 1])

#define vec_foreach(v, i) for (uint32_t i = 0; i < (v)->len; i++)

#endif
