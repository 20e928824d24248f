/*
 * transport_full: what the translator emits for (built with
 * -DMAXACTION_INTERRUPTIBLE=100000)
 *
 *   transport_full.stp
 *   1  probe begin { for (i = 0; i < 2048; i++) printf("%1023s\n", "x"); exit() }
 *
 * run as `staprun -L -b 1 MODULE` (load, run the begin probe, detach),
 * then `staprun -A transport_full -o out.txt` (check script).  Nobody
 * reads while the begin probe prints 2 MB into a 1 MB buffer: exactly
 * half of the 8 KB flushes are refused, counted, and reported when the
 * session ends; the other half arrive intact.
 */
#include "kmod/runtime.h"

static void probe_begin(struct _ctap_context *c)
{
	struct fmt_arg a[1] = { fmt_arg_str("x") };
	int i;

	for (i = 0; i < 2048; i++) {
		if (_ctap_actions(c, 2))
			return;
		_ctap_printf(c, _ctap_out(c), "%1023s\n", a, 1);
	}
	_ctap_exit();
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
