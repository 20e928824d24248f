/*
 * ustack_target: a call chain for user-stack tests (testsuite/exec/ustack),
 * built three ways from this one file: without frame pointers (unwound
 * from .eh_frame), with frame pointers, and without any CFI (the frame
 * pointer fallback and its warning).
 *
 *   main -> a -> b -> c -> d     N times (argument, default 1), then exit
 *   qsort: main -> qsort (libc) -> cmp -> a -> b -> c -> d, once (a stack
 *          through libc in its middle)
 *   bsearch: bsearch (libc, an exported function that calls cmp itself)
 *          -> cmp -> a -> b -> c -> d, once, from a constructor (main's
 *          code, whose offsets goldens show, stays as it is)
 *
 * Every function keeps a frame of its own (a volatile buffer moves the
 * stack pointer, so "the return address is at sp" guesses fail) and uses
 * its callee's result after the call (no tail calls fold frames away).
 * The process stays alive a moment after the last call so that the tracer
 * can read its mappings (/proc/PID/maps) while it unwinds.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noipa, used))

volatile int sink;

NOINLINE int d(int x)
{
	volatile char buf[48];
	buf[x & 31] = (char)x;
	return buf[x & 31] + 1;
}

NOINLINE int c(int x)
{
	volatile char buf[40];
	buf[x & 31] = (char)d(x + 1);
	return buf[x & 31] * 3 + 1;
}

NOINLINE int b(int x)
{
	volatile char buf[24];
	buf[x & 15] = (char)c(x + 1);
	return buf[x & 15] * 5 + 2;
}

NOINLINE int a(int x)
{
	volatile char buf[16];
	buf[x & 7] = (char)b(x + 1);
	return buf[x & 7] * 7 + 3;
}

static int once;

static int cmp(const void *x, const void *y)
{
	if (!once++)
		sink += a(1);
	return *(const int *)x - *(const int *)y;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "qsort")) {
		int v[2] = { 2, 1 };
		qsort(v, 2, sizeof(v[0]), cmp);
		usleep(200000);
		return v[0] != 1;
	}
	int n = argc > 1 ? atoi(argv[1]) : 1;
	for (int i = 0; i < n; i++)
		sink += a(i);
	usleep(200000);
	return 0;
}

/* argv of a constructor: glibc passes main's arguments */
__attribute__((constructor)) static void bsearch_mode(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "bsearch")) {
		int key = 1, v[1] = { 1 };
		void *(*volatile search)(const void *, const void *, size_t, size_t,
					 int (*)(const void *, const void *)) = bsearch;
		int found = search(&key, v, 1, sizeof(v[0]), cmp) != NULL;
		usleep(200000);
		exit(!found);
	}
}
