/*
 * uprobe_vars_target: the traced program of bench/uprobe_vars_bench.sh.
 * Calls f(&p) N times (N from the environment, default 300000; a tenth
 * more first, untimed, as a warm-up), f being a noinline function whose
 * argument p points at a struct with two members a and b, which the
 * tracers read ($p->a + $p->b).  The loop is timed here
 * (CLOCK_MONOTONIC), so a tracer's start-up is not in it; prints ns per
 * call ("12.3 ns/call") and nothing else.  Built with cc -O2 -g (DWARF
 * for $p).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct pair {
	long a;
	long b;
};

volatile long sink;

__attribute__((noinline)) void f(struct pair *p)
{
	sink += p->a + p->b;
	__asm__ volatile("" ::: "memory");
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(void)
{
	const char *e = getenv("N");
	long n = e && *e ? atol(e) : 300000;
	struct pair p = { 1, 2 };
	if (n <= 0)
		n = 1;
	for (long i = 0; i < n / 10; i++)
		f(&p);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		p.a = i;
		f(&p);
	}
	printf("%.1f ns/call\n", (now_ns() - t0) / (double)n);
	return 0;
}
