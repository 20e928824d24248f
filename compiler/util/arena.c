/*
 * arena: bump allocation from a chain of blocks.  Blocks grow geometrically
 * up to 1 MiB; an allocation bigger than a block gets a block of its own.
 */
#include "util/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_ALIGN 16
#define ARENA_MIN_BLOCK (16 * 1024)
#define ARENA_MAX_BLOCK (2 * 1024 * 1024)
/* Blocks of the largest size are aligned to and advised as transparent
 * huge pages (where the kernel offers them on request): a large script
 * then takes one page fault per 2 MiB instead of per 4 KiB, which was a
 * third of pass 1's time on a 50,000-line script (bench/parse_bench.sh). */
#define ARENA_HUGE (2 * 1024 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct arena_block *head;
	size_t next_block_size;
	size_t total;
};

void xoom(void)
{
	fputs("stap: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		xoom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		xoom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		xoom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		xoom();
	return p;
}

struct arena *arena_new(void)
{
	struct arena *a = xcalloc(1, sizeof(*a));
	a->next_block_size = ARENA_MIN_BLOCK;
	return a;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

static struct arena_block *arena_grow(struct arena *a, size_t need)
{
	size_t size = a->next_block_size;
	if (size < need)
		size = need;
	if (a->next_block_size < ARENA_MAX_BLOCK)
		a->next_block_size *= 2;
	struct arena_block *b;
	if (size == ARENA_MAX_BLOCK && need <= ARENA_HUGE - sizeof(*b)) {
		size = ARENA_HUGE - sizeof(*b); /* the header shares the huge page */
		void *p = NULL;
		if (posix_memalign(&p, ARENA_HUGE, ARENA_HUGE) != 0 || !p)
			xoom();
		madvise(p, ARENA_HUGE, MADV_HUGEPAGE); /* a hint: failure is fine */
		b = p;
	} else {
		b = xmalloc(sizeof(*b) + size);
	}
	b->size = size;
	b->used = 0;
	/* A block made for one oversized request goes behind the head so the
	 * head's free space stays usable. */
	if (a->head && need > a->head->size - a->head->used && size == need) {
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
	}
	return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < size)
		b = arena_grow(a, size);
	void *p = b->data + b->used;
	b->used += size;
	a->total += size;
	memset(p, 0, size);
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t size)
{
	void *q = arena_alloc(a, size);
	if (size)
		memcpy(q, p, size);
	return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *q = arena_alloc(a, n + 1);
	memcpy(q, s, n);
	q[n] = 0;
	return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *q = arena_alloc(a, (size_t)n + 1);
	vsnprintf(q, (size_t)n + 1, fmt, ap);
	return q;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *q = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return q;
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}
