/*
 * arith: what the translator emits for
 *
 *   arith.stp
 *   1  probe begin {
 *   2    m = -9223372036854775807 - 1
 *   3    printf("%d %d %d %d %d %d %d %d\n", m / -1, m % -1, 7 % -3, -7 % 3,
 *   4           1 << 65, -8 >> 1, -8 >>> 60, m - 1)
 *   5    x = 1 % 0
 *   6  }
 *
 * The language's integer rules: no trap on INT64_MIN / -1, C99 remainder
 * signs, shift counts masked to 0..63, logical >>>, wrapping subtraction,
 * and `%` by zero.
 */
#include "kmod/runtime.h"

static void probe_begin(struct _ctap_context *c)
{
	int64_t m = S64_MIN;
	struct fmt_arg a[8];

	a[0] = fmt_arg_long(_ctap_div(c, m, -1));
	a[1] = fmt_arg_long(_ctap_mod(c, m, -1));
	a[2] = fmt_arg_long(_ctap_mod(c, 7, -3));
	a[3] = fmt_arg_long(_ctap_mod(c, -7, 3));
	a[4] = fmt_arg_long(_ctap_shl(1, 65));
	a[5] = fmt_arg_long(_ctap_shr(-8, 1));
	a[6] = fmt_arg_long(_ctap_ushr(-8, 60));
	a[7] = fmt_arg_long(m - 1);
	if (_ctap_failed(c))
		return;
	_ctap_printf(c, _ctap_out(c), "%d %d %d %d %d %d %d %d\n", a, 8);
	c->last_stmt = "operator '%' at arith.stp:5:9";
	_ctap_mod(c, 1, 0);
}

static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin" },
};

static const struct _ctap_probe *const be[] = { &probes[0] };

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
};

#include "kmod/runtime.c"
