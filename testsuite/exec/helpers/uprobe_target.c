/*
 * uprobe_target: a program for user-space probe tests.  Built with -g so
 * that pass 2 finds parameters in its DWARF; prints nothing (its output
 * would interleave with the script's).
 *
 *   uprobe_target [N]      N rounds (default 3) of: add(i, 10) (counting
 *                          its calls in target_config.calls), greet()
 *                          with a long and a short name, getpid() (libc),
 *                          sum(2) (recursive), and every fn_NNN (120 small
 *                          functions), list_visit() of a three-item list;
 *                          rounds_done counts the rounds
 *   uprobe_target wait     the same once stdin closes (for -x / process(PID))
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, used))

/* globals for @var: one the program's, one static to this file */
struct target_config {
	int level;
	long calls;
} target_config = { 7, 0 };
static int rounds_done;

NOINLINE int add(int a, int b)
{
	target_config.calls++;
	return a + b;
}

NOINLINE const char *greet(const char *name)
{
	return strlen(name) > 4 ? "long" : "short";
}

/* recursive, each level returning on its own (called through a volatile
 * pointer, so that the compiler cannot turn the recursion into a loop) */
NOINLINE int sum(int n);
static int (*volatile sum_again)(int) = sum;
NOINLINE int sum(int n)
{
	return n > 0 ? n + sum_again(n - 1) : 0;
}

/* A list handed over as a void * (for @cast) and as a pointer to a
 * struct this unit only declares: its members are in
 * uprobe_target_list.c's DWARF, not in this unit's. */
struct item;
struct item *list_make(void);
NOINLINE int list_visit(void *head, struct item *first)
{
	return head == first;
}

#define F(n) NOINLINE int fn_##n(int x) { return x * 3 + n; }
#define F10(t) F(t##0) F(t##1) F(t##2) F(t##3) F(t##4) F(t##5) F(t##6) F(t##7) F(t##8) F(t##9)
F10(10) F10(11) F10(12) F10(13) F10(14) F10(15) F10(16) F10(17) F10(18) F10(19) F10(20) F10(21)
#define R(n) fn_##n,
#define R10(t) R(t##0) R(t##1) R(t##2) R(t##3) R(t##4) R(t##5) R(t##6) R(t##7) R(t##8) R(t##9)
static int (*const fns[])(int) = {
	R10(10) R10(11) R10(12) R10(13) R10(14) R10(15) R10(16) R10(17) R10(18) R10(19) R10(20) R10(21)
};

volatile int sink;

int main(int argc, char **argv)
{
	int rounds = 3;
	if (argc > 1 && !strcmp(argv[1], "wait")) {
		char c;
		while (read(0, &c, 1) > 0)
			;
		rounds = 1;
	} else if (argc > 1) {
		rounds = atoi(argv[1]);
	}
	for (int r = 0; r < rounds; r++) {
		sink += add(r, 10);
		sink += (int)strlen(greet("alexander"));
		sink += (int)strlen(greet("bob"));
		sink += getpid() > 0;
		sink += sum(2);
		sink += list_visit(list_make(), list_make());
		for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
			sink += fns[i](r);
		rounds_done++;
	}
	return 0;
}
