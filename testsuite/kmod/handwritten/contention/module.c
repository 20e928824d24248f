/*
 * contention: what the translator emits for
 *
 *   contention.stp  (run as: staprun -c "sh spin.sh" MODULE)
 *   1  global total, per
 *   2  probe timer.profile { total++; per[cpu()]++ }
 *   3  probe end { foreach (c in per) sum += per[c]
 *   4              printf("consistent=%d cpus>0=%d\n", sum == total, count(per) > 0) }
 *
 * Every CPU's profile tick takes the same write locks, so the CPUs contend
 * (trylock retries, and under emulation sometimes a timeout that skips a
 * hit); whatever ran must have run atomically: the per-CPU counts add up
 * to the total.  The closing warning (skips) varies and is filtered out.
 */
#include "kmod/runtime.h"
#include <linux/perf_event.h>

static int64_t g_total;
static struct _ctap_map g_per = {
	.name = "per", .nkeys = 1, .ktype = { CTAP_T_LONG }, .vtype = CTAP_T_LONG,
};
static struct _ctap_global_lock glocks[] = {
	CTAP_GLOBAL_LOCK("total"), CTAP_GLOBAL_LOCK("per"),
};

static void probe_profile(struct _ctap_context *c)
{
	union _ctap_key k[1] = { { .l = smp_processor_id() } };
	int64_t *v;

	if (_ctap_actions(c, 3))
		return;
	g_total++;
	c->last_stmt = "identifier 'per' at contention.stp:2:35";
	v = _ctap_map_ref_long(c, &g_per, k);
	if (v)
		(*v)++;
}

static void probe_end(struct _ctap_context *c)
{
	struct _ctap_mnode *n;
	struct fmt_arg a[2];
	int64_t sum = 0;

	for (n = _ctap_map_first(&g_per); n; n = _ctap_map_next(&g_per, n))
		sum += *_ctap_mnode_long(&g_per, n);
	a[0] = fmt_arg_long(sum == g_total);
	a[1] = fmt_arg_long(_ctap_map_size(&g_per) > 0);
	_ctap_printf(c, _ctap_out(c), "consistent=%d cpus>0=%d\n", a, 2);
}

static const struct _ctap_lock_req l_w[] = {
	{ &glocks[0], CTAP_LOCK_WRITE }, { &glocks[1], CTAP_LOCK_WRITE },
};
static const struct _ctap_lock_req l_r[] = {
	{ &glocks[0], CTAP_LOCK_READ }, { &glocks[1], CTAP_LOCK_READ },
};

static const struct _ctap_probe probes[] = {
	{ .handler = probe_profile, .pp = "perf.type(1).config(0).sample(1000000)",
	  .pn = "timer.profile", .locks = l_w, .nlocks = 2 },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end", .locks = l_r, .nlocks = 2 },
};

static const struct _ctap_probe *const be[] = { &probes[1] };
static struct _ctap_map *const maps[] = { &g_per };
static struct _ctap_perf perfs[] = {
	{ .probe = &probes[0], .type = PERF_TYPE_SOFTWARE, .config = PERF_COUNT_SW_CPU_CLOCK,
	  .sample_period = 200000 },
};

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.global_locks = glocks, .nglobal_locks = ARRAY_SIZE(glocks),
	.be = be, .nbe = ARRAY_SIZE(be),
	.maps = maps, .nmaps = ARRAY_SIZE(maps),
	.perfs = perfs, .nperfs = ARRAY_SIZE(perfs),
};

#include "kmod/runtime.c"
