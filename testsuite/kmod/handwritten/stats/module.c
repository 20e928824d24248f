/*
 * stats: what the translator emits for
 *
 *   stats.stp
 *   1  global s, lin, e, lat
 *   2  probe begin {
 *   3    for each v in 1,2,2,3,3,3,5,9,9,200,-3: s <<< v
 *   4    printf("count=%d sum=%d min=%d max=%d avg=%d var=%d\n", @count(s), @sum(s),
 *   5           @min(s), @max(s), @avg(s), @variance(s))
 *   6    print(@hist_log(s))
 *   7    for each v in 5,15,15,25,95,-20,300: lin <<< v
 *   8    print(@hist_linear(lin, 0, 100, 10))
 *   9    lat["read"] <<< 10; lat["read"] <<< 30; lat["write"] <<< 5
 *  10    lat["open"] <<< 7; lat["open"] <<< 1; lat["open"] <<< 2
 *  11    foreach (k in lat @count-) printf("%s %d %d\n", k, @count(lat[k]), @sum(lat[k]))
 *  12    foreach (k in lat @sum+) printf("%s %d %d\n", k, @count(lat[k]), @sum(lat[k]))
 *  13    try { x = @min(e) } catch (msg) { printf("caught: %s\n", msg) }
 *  14    printf("%d %d %d\n", ["read"] in lat, ["nope"] in lat, @count(lat["nope"]))
 *  15    delete lat["read"]; foreach (k in lat) printf("%s ", k); println("")
 *  16    printf("%d\n", @hist_log(s)[66])
 *  17    exit()
 *  18  }
 *
 * Scalar statistics with histograms and @variance, a statistics array
 * merged across CPUs and sorted by aggregates, `empty aggregate` caught by
 * try/catch, histogram indexing.
 */
#include "kmod/runtime.h"

static struct _ctap_stat g_s = {
	.name = "s", .decl = { .hist = STATS_HIST_LOG, .want = STATS_WANT_VARIANCE },
};
static struct _ctap_stat g_lin = {
	.name = "lin",
	.decl = { .hist = STATS_HIST_LINEAR, .start = 0, .stop = 100, .interval = 10 },
};
static struct _ctap_stat g_e = { .name = "e" };
static struct _ctap_pmap g_lat = {
	.agg = { .name = "lat", .nkeys = 1, .ktype = { CTAP_T_STRING } },
};

static struct _ctap_global_lock glocks[] = {
	CTAP_GLOBAL_LOCK("s"), CTAP_GLOBAL_LOCK("lin"), CTAP_GLOBAL_LOCK("e"),
	CTAP_GLOBAL_LOCK("lat"),
};

struct probe_0_locals {
	int64_t x;
	char msg[MAXSTRINGLEN];
};

union ctap_locals {
	struct probe_0_locals p0;
};

static void lat_add(struct _ctap_context *c, const char *key, int64_t v)
{
	union _ctap_key k[1] = { { .s = key } };

	c->last_stmt = "identifier 'lat' at stats.stp:9:3";
	_ctap_pmap_add(c, &g_lat, k, v);
}

static void print_lat(struct _ctap_context *c, struct _ctap_map *m)
{
	struct _ctap_mnode *n;
	struct fmt_arg a[3];

	for (n = _ctap_map_first(m); n; n = _ctap_map_next(m, n)) {
		/* @count(lat[k]), @sum(lat[k]) read the merged element */
		const struct stats_agg *g = &_ctap_mnode_agg(m, n)->agg;

		a[0] = fmt_arg_str(_ctap_mnode_key_str(m, n, 0));
		a[1] = fmt_arg_long(stats_count(g));
		a[2] = fmt_arg_long(stats_sum(g));
		_ctap_printf(c, _ctap_out(c), "%s %d %d\n", a, 3);
	}
}

static void probe_0(struct _ctap_context *c)
{
	static const int64_t sv[] = { 1, 2, 2, 3, 3, 3, 5, 9, 9, 200, -3 };
	static const int64_t lv[] = { 5, 15, 15, 25, 95, -20, 300 };
	struct probe_0_locals *l = c->locals;
	const struct stats_agg *g;
	union _ctap_key k[1];
	struct _ctap_map *m;
	struct fmt_arg a[6];
	unsigned int i;

	l->x = 0;
	l->msg[0] = '\0';
	if (_ctap_actions(c, 60))
		return;
	for (i = 0; i < ARRAY_SIZE(sv); i++)
		_ctap_stat_add(&g_s, sv[i]);
	g = _ctap_stat_get(&g_s);
	c->last_stmt = "operator '@min' at stats.stp:5:7";
	a[0] = fmt_arg_long(_ctap_stat_extract(c, &g_s.desc, g, CTAP_STAT_COUNT));
	a[1] = fmt_arg_long(_ctap_stat_extract(c, &g_s.desc, g, CTAP_STAT_SUM));
	a[2] = fmt_arg_long(_ctap_stat_extract(c, &g_s.desc, g, CTAP_STAT_MIN));
	a[3] = fmt_arg_long(_ctap_stat_extract(c, &g_s.desc, g, CTAP_STAT_MAX));
	a[4] = fmt_arg_long(_ctap_stat_extract(c, &g_s.desc, g, CTAP_STAT_AVG));
	a[5] = fmt_arg_long(_ctap_stat_extract(c, &g_s.desc, g, CTAP_STAT_VARIANCE));
	if (_ctap_failed(c))
		return;
	_ctap_printf(c, _ctap_out(c), "count=%d sum=%d min=%d max=%d avg=%d var=%d\n", a, 6);
	c->last_stmt = "operator '@hist_log' at stats.stp:6:9";
	if (_ctap_hist_print(c, _ctap_out(c), &g_s.desc, g))
		return;

	for (i = 0; i < ARRAY_SIZE(lv); i++)
		_ctap_stat_add(&g_lin, lv[i]);
	c->last_stmt = "operator '@hist_linear' at stats.stp:8:9";
	if (_ctap_hist_print(c, _ctap_out(c), &g_lin.desc, _ctap_stat_get(&g_lin)))
		return;

	lat_add(c, "read", 10);
	lat_add(c, "read", 30);
	lat_add(c, "write", 5);
	lat_add(c, "open", 7);
	lat_add(c, "open", 1);
	lat_add(c, "open", 2);
	if (_ctap_failed(c))
		return;
	c->last_stmt = "identifier 'lat' at stats.stp:11:15";
	m = _ctap_pmap_aggregate(c, &g_lat);
	if (!m)
		return;
	_ctap_map_sort(c, m, 0, -1, CTAP_STAT_COUNT);
	print_lat(c, m);
	m = _ctap_pmap_aggregate(c, &g_lat);
	if (!m)
		return;
	_ctap_map_sort(c, m, 0, +1, CTAP_STAT_SUM);
	print_lat(c, m);

	/* try { x = @min(e) } catch (msg) { ... } */
	c->last_stmt = "operator '@min' at stats.stp:13:13";
	l->x = _ctap_stat_extract(c, &g_e.desc, _ctap_stat_get(&g_e), CTAP_STAT_MIN);
	if (_ctap_failed(c)) {
		if (!_ctap_catch(c, l->msg))
			return;
		a[0] = fmt_arg_str(l->msg);
		_ctap_printf(c, _ctap_out(c), "caught: %s\n", a, 1);
	}

	k[0].s = "read";
	a[0] = fmt_arg_long(_ctap_pmap_exists(&g_lat, k));
	k[0].s = "nope";
	a[1] = fmt_arg_long(_ctap_pmap_exists(&g_lat, k));
	a[2] = fmt_arg_long(stats_count(_ctap_pmap_get(&g_lat, k)));
	_ctap_printf(c, _ctap_out(c), "%d %d %d\n", a, 3);

	k[0].s = "read";
	_ctap_pmap_delete(&g_lat, k);
	m = _ctap_pmap_aggregate(c, &g_lat);
	if (!m)
		return;
	for (struct _ctap_mnode *n = _ctap_map_first(m); n; n = _ctap_map_next(m, n)) {
		outbuf_puts(_ctap_out(c), _ctap_mnode_key_str(m, n, 0));
		outbuf_putc(_ctap_out(c), ' ');
	}
	outbuf_putc(_ctap_out(c), '\n');

	c->last_stmt = "operator '@hist_log' at stats.stp:16:17";
	a[0] = fmt_arg_long(_ctap_stat_bucket(c, _ctap_stat_get(&g_s), 66));
	if (_ctap_failed(c))
		return;
	_ctap_printf(c, _ctap_out(c), "%d\n", a, 1);
	_ctap_exit();
}

static const struct _ctap_lock_req l0[] = {
	{ &glocks[0], CTAP_LOCK_WRITE }, { &glocks[1], CTAP_LOCK_WRITE },
	{ &glocks[2], CTAP_LOCK_WRITE }, { &glocks[3], CTAP_LOCK_WRITE },
};

static const struct _ctap_probe probes[] = {
	{ .handler = probe_0, .kind = CTAP_PROBE_BEGIN, .pp = "begin",
	  .location = "stats.stp:2:1", .locks = l0, .nlocks = ARRAY_SIZE(l0) },
};

static const struct _ctap_probe *const be[] = { &probes[0] };
static struct _ctap_stat *const stats[] = { &g_s, &g_lin, &g_e };
static struct _ctap_pmap *const pmaps[] = { &g_lat };

const struct _ctap_module _ctap_module = {
	.locals_size = sizeof(union ctap_locals),
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.stats = stats, .nstats = ARRAY_SIZE(stats),
	.pmaps = pmaps, .npmaps = ARRAY_SIZE(pmaps),
};

#include "kmod/runtime.c"
