/*
 * arena: the compilation's allocator.
 *
 * Everything a compilation creates (tokens, AST, types, strings, diagnostics)
 * lives in one arena and dies with it in arena_free(), so no pass frees
 * anything and the fuzzer can run millions of inputs in one process.
 * Allocation failure is fatal (a compiler has nothing sensible to do then).
 */
#ifndef CTAP_ARENA_H
#define CTAP_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);

/* Zero-filled, aligned for any scalar type. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_memdup(struct arena *a, const void *p, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Bytes handed out so far (for -v memory figures and tests). */
size_t arena_used(const struct arena *a);

#define arena_new_obj(a, type) ((type *)arena_alloc((a), sizeof(type)))
#define arena_new_array(a, type, n) ((type *)arena_alloc((a), sizeof(type) * (n)))

/* Abort with a message: used when malloc itself fails. */
void xoom(void) __attribute__((noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
