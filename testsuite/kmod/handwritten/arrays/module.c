/*
 * arrays: what the translator emits for (built with -DMAXMAPENTRIES=8
 * -DMAXERRORS=1)
 *
 *   arrays.stp
 *   1  global m, sv, w%[3], a[4], u
 *   2  probe begin {
 *   3    m["b",2] = 20; m["a",3] = 30; m["c",1] = 10; m["a",1] = 40; m["b",1] = 20
 *   4    foreach ([k, n] in m) printf("%s,%d=%d ", k, n, m[k,n]); println("")
 *   5    foreach ([k, n] in m-) ...;  foreach ([k-, n] in m) ...
 *   6    foreach ([k, n+] in m limit 3) ...
 *   7    printf("%d %d %d %d\n", ["a",3] in m, ["z",3] in m, ["a",*] in m, [*,5] in m)
 *   8    delete m["a",*]; foreach ([k, n] in m) ...
 *   9    sv["x"] = "pear"; sv["y"] = "apple"; sv["z"] = "fig"; foreach (k in sv+) ...
 *  10    for (i = 1; i <= 5; i++) w[i] = i; w[4] = 40; foreach (k in w) ...; foreach (k- in w) ...
 *  11  }
 *  12  probe begin(1) { for (i = 1; i <= 5; i++) a[i] = i }
 *  13  probe begin(2) { for (i = 1; i <= 9; i++) u[i] = i }
 *  14  probe end { println("end: not reached") }
 *  15  probe error { printf("error probe: a has %d, u has %d\n", count(a), count(u)) }
 *
 * Two-column keys, insertion order, sorting on the value and on each key
 * column in both directions (stable, in place), limit, `in` with
 * wildcards, slice delete, string values, a wrapping array, both overflow
 * errors, MAXERRORS.
 */
#include "kmod/runtime.h"

static struct _ctap_map g_m = {
	.name = "m", .nkeys = 2, .ktype = { CTAP_T_STRING, CTAP_T_LONG }, .vtype = CTAP_T_LONG,
};
static struct _ctap_map g_sv = {
	.name = "sv", .nkeys = 1, .ktype = { CTAP_T_STRING }, .vtype = CTAP_T_STRING,
};
static struct _ctap_map g_w = {
	.name = "w", .nkeys = 1, .ktype = { CTAP_T_LONG }, .vtype = CTAP_T_LONG,
	.size = 3, .wrap = true,
};
static struct _ctap_map g_a = {
	.name = "a", .nkeys = 1, .ktype = { CTAP_T_LONG }, .vtype = CTAP_T_LONG, .size = 4,
};
static struct _ctap_map g_u = {
	.name = "u", .nkeys = 1, .ktype = { CTAP_T_LONG }, .vtype = CTAP_T_LONG,
};

static struct _ctap_global_lock glocks[] = {
	CTAP_GLOBAL_LOCK("m"), CTAP_GLOBAL_LOCK("sv"), CTAP_GLOBAL_LOCK("w"),
	CTAP_GLOBAL_LOCK("a"), CTAP_GLOBAL_LOCK("u"),
};

/* foreach ([k, n] in m) printf("%s,%d=%d ", k, n, m[k,n]), at most limit times */
static void print_m(struct _ctap_context *c, long limit)
{
	struct _ctap_mnode *n;
	struct fmt_arg a[3];

	for (n = _ctap_map_first(&g_m); n && limit-- != 0; n = _ctap_map_next(&g_m, n)) {
		a[0] = fmt_arg_str(_ctap_mnode_key_str(&g_m, n, 0));
		a[1] = fmt_arg_long(_ctap_mnode_key_long(&g_m, n, 1));
		a[2] = fmt_arg_long(*_ctap_mnode_long(&g_m, n));
		_ctap_printf(c, _ctap_out(c), "%s,%d=%d ", a, 3);
	}
	outbuf_putc(_ctap_out(c), '\n');
}

static void set_m(struct _ctap_context *c, const char *s, int64_t i, int64_t v)
{
	union _ctap_key k[2] = { { .s = s }, { .l = i } };

	c->last_stmt = "identifier 'm' at arrays.stp:3:3";
	_ctap_map_set_long(c, &g_m, k, v);
}

static int64_t in_m(const char *s, int64_t i, u32 wild)
{
	union _ctap_key k[2] = { { .s = s }, { .l = i } };

	return _ctap_map_exists_slice(&g_m, k, wild);
}

static void probe_0(struct _ctap_context *c)
{
	union _ctap_key k[2];
	struct _ctap_mnode *n;
	struct fmt_arg a[4];
	int64_t i;

	if (_ctap_actions(c, 40))
		return;
	set_m(c, "b", 2, 20);
	set_m(c, "a", 3, 30);
	set_m(c, "c", 1, 10);
	set_m(c, "a", 1, 40);
	set_m(c, "b", 1, 20);
	if (_ctap_failed(c))
		return;
	print_m(c, -1);
	_ctap_map_sort(c, &g_m, 0, -1, CTAP_STAT_COUNT);
	print_m(c, -1);
	_ctap_map_sort(c, &g_m, 1, -1, CTAP_STAT_COUNT);
	print_m(c, -1);
	_ctap_map_sort(c, &g_m, 2, +1, CTAP_STAT_COUNT);
	print_m(c, 3);

	a[0] = fmt_arg_long(in_m("a", 3, 0));
	a[1] = fmt_arg_long(in_m("z", 3, 0));
	a[2] = fmt_arg_long(in_m("a", 0, 1u << 1));
	a[3] = fmt_arg_long(in_m("", 5, 1u << 0));
	_ctap_printf(c, _ctap_out(c), "%d %d %d %d\n", a, 4);

	k[0].s = "a";
	k[1].l = 0;
	_ctap_map_delete_slice(&g_m, k, 1u << 1);
	print_m(c, -1);

	c->last_stmt = "identifier 'sv' at arrays.stp:9:3";
	k[0].s = "x";
	_ctap_map_set_str(c, &g_sv, k, "pear");
	k[0].s = "y";
	_ctap_map_set_str(c, &g_sv, k, "apple");
	k[0].s = "z";
	_ctap_map_set_str(c, &g_sv, k, "fig");
	if (_ctap_failed(c))
		return;
	_ctap_map_sort(c, &g_sv, 0, +1, CTAP_STAT_COUNT);
	for (n = _ctap_map_first(&g_sv); n; n = _ctap_map_next(&g_sv, n)) {
		a[0] = fmt_arg_str(_ctap_mnode_key_str(&g_sv, n, 0));
		a[1] = fmt_arg_str(_ctap_mnode_str(&g_sv, n));
		_ctap_printf(c, _ctap_out(c), "%s=%s ", a, 2);
	}
	outbuf_putc(_ctap_out(c), '\n');

	c->last_stmt = "identifier 'w' at arrays.stp:10:35";
	for (i = 1; i <= 5; i++) {
		k[0].l = i;
		if (_ctap_map_set_long(c, &g_w, k, i))
			return;
	}
	k[0].l = 4;
	_ctap_map_set_long(c, &g_w, k, 40);
	for (n = _ctap_map_first(&g_w); n; n = _ctap_map_next(&g_w, n)) {
		a[0] = fmt_arg_long(_ctap_mnode_key_long(&g_w, n, 0));
		a[1] = fmt_arg_long(*_ctap_mnode_long(&g_w, n));
		_ctap_printf(c, _ctap_out(c), "%d:%d ", a, 2);
	}
	outbuf_putc(_ctap_out(c), '\n');
	_ctap_map_sort(c, &g_w, 1, -1, CTAP_STAT_COUNT);
	for (n = _ctap_map_first(&g_w); n; n = _ctap_map_next(&g_w, n)) {
		a[0] = fmt_arg_long(_ctap_mnode_key_long(&g_w, n, 0));
		_ctap_printf(c, _ctap_out(c), "%d ", a, 1);
	}
	outbuf_putc(_ctap_out(c), '\n');
}

/* for (i = 1; i <= max; i++) m[i] = i */
static void fill(struct _ctap_context *c, struct _ctap_map *m, int64_t max, const char *loc)
{
	union _ctap_key k[1];
	int64_t i;

	for (i = 1; i <= max; i++) {
		if (_ctap_actions(c, 2))
			return;
		k[0].l = i;
		c->last_stmt = loc;
		if (_ctap_map_set_long(c, m, k, i))
			return;
	}
}

static void probe_1(struct _ctap_context *c)
{
	fill(c, &g_a, 5, "identifier 'a' at arrays.stp:12:39");
}

static void probe_2(struct _ctap_context *c)
{
	fill(c, &g_u, 9, "identifier 'u' at arrays.stp:13:39");
}

static void probe_3(struct _ctap_context *c)
{
	outbuf_puts(_ctap_out(c), "end: not reached\n");
}

static void probe_4(struct _ctap_context *c)
{
	struct fmt_arg a[2];

	if (_ctap_actions(c, 2))
		return;
	a[0] = fmt_arg_long(_ctap_map_size(&g_a));
	a[1] = fmt_arg_long(_ctap_map_size(&g_u));
	_ctap_printf(c, _ctap_out(c), "error probe: a has %d, u has %d\n", a, 2);
}

static const struct _ctap_lock_req l0[] = {
	{ &glocks[0], CTAP_LOCK_WRITE }, { &glocks[1], CTAP_LOCK_WRITE },
	{ &glocks[2], CTAP_LOCK_WRITE },
};
static const struct _ctap_lock_req l1[] = { { &glocks[3], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l2[] = { { &glocks[4], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l4[] = {
	{ &glocks[3], CTAP_LOCK_READ }, { &glocks[4], CTAP_LOCK_READ },
};

#define LOCKS(x) .locks = x, .nlocks = ARRAY_SIZE(x)
static const struct _ctap_probe probes[] = {
	{ .handler = probe_0, .kind = CTAP_PROBE_BEGIN, .pp = "begin", LOCKS(l0) },
	{ .handler = probe_1, .kind = CTAP_PROBE_BEGIN, .pp = "begin(1)", LOCKS(l1) },
	{ .handler = probe_2, .kind = CTAP_PROBE_BEGIN, .pp = "begin(2)", LOCKS(l2) },
	{ .handler = probe_3, .kind = CTAP_PROBE_END, .pp = "end" },
	{ .handler = probe_4, .kind = CTAP_PROBE_ERROR, .pp = "error", LOCKS(l4) },
};

static const struct _ctap_probe *const be[] = {
	&probes[0], &probes[1], &probes[2], &probes[3], &probes[4],
};

static struct _ctap_map *const maps[] = { &g_m, &g_sv, &g_w, &g_a, &g_u };

const struct _ctap_module _ctap_module = {
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.maps = maps, .nmaps = ARRAY_SIZE(maps),
};

#include "kmod/runtime.c"
