/*
 * import_test.bpf.c: a BPF object for bpf_helpers_test's importer cases,
 * compiled by clang at build time.  It holds one of each thing the
 * importer resolves: a call to a static function, a call to a global
 * one, a callback's address (bpf_loop) and an extern datum.
 *
 *   entry(a, b) = 2 * a + (0 + 1 + ... + b-1) + ctap_test_k
 */
extern const unsigned long ctap_test_k;

static long (*const test_bpf_loop)(unsigned int n, void *fn, void *ctx, unsigned long flags) =
	(void *)181;

static __attribute__((noinline)) long twice(long x)
{
	return 2 * x;
}

__attribute__((noinline)) long add_k(long x)
{
	return x + (long)ctap_test_k;
}

static long sum_cb(unsigned long i, void *ctx)
{
	*(long *)ctx += (long)i;
	return 0;
}

long entry(long a, long b)
{
	long acc = 0;

	test_bpf_loop((unsigned int)(b & 63), sum_cb, &acc, 0);
	return twice(a) + add_k(acc);
}
