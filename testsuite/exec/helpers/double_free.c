/*
 * double_free: frees one heap block twice without glibc noticing, for
 * the double-free tracer of the seed documents (004-mem_double_free.stp,
 * testsuite/exec/seeds/mem_double_free).  Seven frees fill the tcache,
 * so the next ones go to a fastbin, whose check only compares a block
 * with the one freed just before it: a, b, a passes.  Nothing else
 * allocates; the program ends before the corrupted list is used.
 * Built -O2 without frame pointers: stacks unwind through .eh_frame.
 */
#include <stdlib.h>

#define NOINLINE __attribute__((noinline, noipa, used))

static void *blocks[9];
volatile int frees;

NOINLINE void *grab(void)
{
	return malloc(24);
}

/* not a tail call: release keeps its frame in the stacks */
NOINLINE void release(void *p)
{
	free(p);
	frees++;
}

int main(void)
{
	for (int i = 0; i < 9; i++)
		blocks[i] = grab();
	for (int i = 2; i < 9; i++)
		release(blocks[i]);
	release(blocks[0]);
	release(blocks[1]);
	release(blocks[0]);
	return 0;
}
