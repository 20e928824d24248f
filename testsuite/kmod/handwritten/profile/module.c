/*
 * profile: what the translator emits for
 *
 *   profile.stp  (run as: staprun -c "sh busy.sh" MODULE)
 *   1  global hits, cpus, mine
 *   2  probe timer.profile { hits <<< 1; cpus[cpu()] <<< 1; if (pid() == target()) mine <<< 1 }
 *   3  probe end {
 *   4    printf("hits>0=%d cpus>0=%d target hits>0=%d\n", @count(hits) > 0,
 *   5           count_of(cpus) > 0, @count(mine) > 0) }
 *
 * timer.profile as the per-CPU cpu-clock perf event (pp
 * perf.type(1).config(0).sample(1000000)), statistics accumulated on
 * several CPUs (read locks only, so the CPUs never wait for each other)
 * and merged at the end.
 */
#include "kmod/runtime.h"
#include <linux/perf_event.h>

static struct _ctap_stat g_hits = { .name = "hits" };
static struct _ctap_pmap g_cpus = {
	.agg = { .name = "cpus", .nkeys = 1, .ktype = { CTAP_T_LONG } },
};
static struct _ctap_stat g_mine = { .name = "mine" };

static struct _ctap_global_lock glocks[] = {
	CTAP_GLOBAL_LOCK("hits"), CTAP_GLOBAL_LOCK("cpus"), CTAP_GLOBAL_LOCK("mine"),
};

static void probe_profile(struct _ctap_context *c)
{
	union _ctap_key k[1] = { { .l = smp_processor_id() } };

	if (_ctap_actions(c, 4))
		return;
	_ctap_stat_add(&g_hits, 1);
	c->last_stmt = "identifier 'cpus' at profile.stp:2:39";
	if (_ctap_pmap_add(c, &g_cpus, k, 1))
		return;
	if (current->tgid == _ctap_target())
		_ctap_stat_add(&g_mine, 1);
}

static void probe_end(struct _ctap_context *c)
{
	struct _ctap_map *m;
	struct fmt_arg a[3];

	m = _ctap_pmap_aggregate(c, &g_cpus);
	if (!m)
		return;
	a[0] = fmt_arg_long(stats_count(_ctap_stat_get(&g_hits)) > 0);
	a[1] = fmt_arg_long(_ctap_map_size(m) > 0);
	a[2] = fmt_arg_long(stats_count(_ctap_stat_get(&g_mine)) > 0);
	_ctap_printf(c, _ctap_out(c), "hits>0=%d cpus>0=%d target hits>0=%d\n", a, 3);
}

static const struct _ctap_lock_req l_prof[] = {
	{ &glocks[0], CTAP_LOCK_READ }, { &glocks[1], CTAP_LOCK_READ },
	{ &glocks[2], CTAP_LOCK_READ },
};
static const struct _ctap_lock_req l_end[] = {
	{ &glocks[0], CTAP_LOCK_WRITE }, { &glocks[1], CTAP_LOCK_WRITE },
	{ &glocks[2], CTAP_LOCK_WRITE },
};

static const struct _ctap_probe probes[] = {
	{ .handler = probe_profile, .pp = "perf.type(1).config(0).sample(1000000)",
	  .pn = "timer.profile", .locks = l_prof, .nlocks = ARRAY_SIZE(l_prof) },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end",
	  .locks = l_end, .nlocks = ARRAY_SIZE(l_end) },
};

static const struct _ctap_probe *const be[] = { &probes[1] };
static struct _ctap_stat *const stats[] = { &g_hits, &g_mine };
static struct _ctap_pmap *const pmaps[] = { &g_cpus };
static struct _ctap_perf perfs[] = {
	{ .probe = &probes[0], .type = PERF_TYPE_SOFTWARE, .config = PERF_COUNT_SW_CPU_CLOCK,
	  .sample_period = 1000000 },
};

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.stats = stats, .nstats = ARRAY_SIZE(stats),
	.pmaps = pmaps, .npmaps = ARRAY_SIZE(pmaps),
	.perfs = perfs, .nperfs = ARRAY_SIZE(perfs),
};

#include "kmod/runtime.c"
