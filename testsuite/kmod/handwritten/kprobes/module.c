/*
 * kprobes: what the translator emits for
 *
 *   kprobes.stp  (run as: staprun -c "sh workload.sh" MODULE)
 *   1  global forks, reads, rets, opens
 *   2  probe begin {
 *   3    try { println(kernel_string(0)) } catch (m) { println(m) }
 *   4    try { println(user_string(8)) } catch (m) { println(m) }
 *   5  }
 *   6  probe kernel.trace("sched:sched_process_fork") {
 *   7    if ($parent->tgid == target()) forks[kernel_string($parent->comm)]++ }
 *   8  probe kprobe.function("vfs_read") { if (pid() == target() && !reads++) {
 *        where = symdata(addr()); bt = sprint of symname() of the first 3 frames } }
 *   9  probe kprobe.function("vfs_read").return { if (pid() == target()) rets[returnval()]++ }
 *  10  probe kprobe.function("do_sys_openat2") {
 *  11    if (pid() == target()) opens[user_string(pointer_arg(2))]++ }
 *  12  probe end {
 *  13    foreach (k in forks-) printf("%s forked %d\n", k, forks[k])
 *  14    printf("vfs_read entries %d\n", reads); printf("%s\n%s\n", where, bt)
 *  15    foreach (r+ in rets) printf("vfs_read returned %d: %d\n", r, rets[r])
 *  16    foreach (f in opens+) printf("opened %s\n", f)
 *  17  }
 *
 * A tracepoint with typed arguments, kprobe and kretprobe on the same
 * function with the return value, target() from -c, kernel and user string
 * reads with their fault errors caught, symbols and a backtrace of the
 * probed context.
 */
#include "kmod/runtime.h"
#include <linux/sched.h>

static struct _ctap_map g_forks = {
	.name = "forks", .nkeys = 1, .ktype = { CTAP_T_STRING }, .vtype = CTAP_T_LONG,
};
static int64_t g_reads;
static char g_where[MAXSTRINGLEN], g_bt[MAXSTRINGLEN];
static struct _ctap_map g_rets = {
	.name = "rets", .nkeys = 1, .ktype = { CTAP_T_LONG }, .vtype = CTAP_T_LONG,
};
static struct _ctap_map g_opens = {
	.name = "opens", .nkeys = 1, .ktype = { CTAP_T_STRING }, .vtype = CTAP_T_LONG,
};

static struct _ctap_global_lock glocks[] = {
	CTAP_GLOBAL_LOCK("forks"), CTAP_GLOBAL_LOCK("reads"), CTAP_GLOBAL_LOCK("rets"),
	CTAP_GLOBAL_LOCK("opens"), CTAP_GLOBAL_LOCK("where"), CTAP_GLOBAL_LOCK("bt"),
};

struct locals_str {
	char s[MAXSTRINGLEN];
	char m[MAXSTRINGLEN];
};

union ctap_locals {
	struct locals_str str;
};

/* The tapset's kernel_string(): the string or an error. */
static const char *kernel_string(struct _ctap_context *c, char *dst, unsigned long addr)
{
	if (_ctap_kstring(dst, addr, MAXSTRINGLEN) < 0)
		_ctap_errorf(c, "kernel string copy fault at 0x%lx [man error::fault]", addr);
	return dst;
}

static const char *user_string(struct _ctap_context *c, char *dst, unsigned long addr)
{
	long rc = _ctap_ustring(dst, addr, MAXSTRINGLEN);

	if (rc < 0)
		_ctap_errorf(c, "user string copy fault %ld at 0x%lx [man error::fault]", rc, addr);
	return dst;
}

static void probe_begin(struct _ctap_context *c)
{
	struct locals_str *l = c->locals;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (i == 0)
			kernel_string(c, l->s, 0);
		else
			user_string(c, l->s, 8);
		if (_ctap_failed(c)) {
			if (!_ctap_catch(c, l->m))
				return;
			outbuf_puts(_ctap_out(c), l->m);
		} else {
			outbuf_puts(_ctap_out(c), l->s);
		}
		outbuf_putc(_ctap_out(c), '\n');
	}
}

/* kernel.trace("sched:sched_process_fork"): the tracepoint's arguments. */
struct tp_fork_args {
	struct task_struct *parent, *child;
};

static void probe_fork(struct _ctap_context *c)
{
	struct tp_fork_args *args = c->args;
	struct locals_str *l = c->locals;
	union _ctap_key k[1];
	int64_t *v;

	if (_ctap_actions(c, 3))
		return;
	if (args->parent->tgid != _ctap_target())
		return;
	c->last_stmt = "identifier '$parent' at kprobes.stp:7:51";
	k[0].s = kernel_string(c, l->s, (unsigned long)args->parent->comm);
	if (_ctap_failed(c))
		return;
	c->last_stmt = "identifier 'forks' at kprobes.stp:7:35";
	v = _ctap_map_ref_long(c, &g_forks, k);
	if (v)
		(*v)++;
}

static void tp_fork_cb(void *data, struct task_struct *parent, struct task_struct *child)
{
	struct _ctap_tracepoint *tp = data;
	struct tp_fork_args args = { parent, child };

	_ctap_probe_run(tp->probe, NULL, &args);
}

static void probe_read(struct _ctap_context *c)
{
	struct locals_str *l = c->locals;
	unsigned long pcs[3];
	unsigned int i, n;

	if (_ctap_actions(c, 4) || current->tgid != _ctap_target() || g_reads++)
		return;
	_ctap_symdata(c, g_where, instruction_pointer(_ctap_regs(c)));
	n = _ctap_backtrace(c, pcs, ARRAY_SIZE(pcs));
	g_bt[0] = '\0';
	for (i = 0; i < n; i++) {
		_ctap_symname(c, l->s, pcs[i]);
		_ctap_concat(g_bt, g_bt, l->s);
		_ctap_strcat(g_bt, i + 1 < n ? " " : "");
	}
}

static void probe_read_ret(struct _ctap_context *c)
{
	union _ctap_key k[1];
	int64_t *v;

	if (_ctap_actions(c, 2) || current->tgid != _ctap_target())
		return;
	k[0].l = (long)regs_return_value(c->regs);
	c->last_stmt = "identifier 'rets' at kprobes.stp:9:69";
	v = _ctap_map_ref_long(c, &g_rets, k);
	if (v)
		(*v)++;
}

static void probe_open(struct _ctap_context *c)
{
	struct locals_str *l = c->locals;
	union _ctap_key k[1];
	int64_t *v;

	if (_ctap_actions(c, 2) || current->tgid != _ctap_target())
		return;
	c->last_stmt = "identifier 'user_string' at kprobes.stp:11:34";
	k[0].s = user_string(c, l->s, c->regs->si);
	if (_ctap_failed(c))
		return;
	c->last_stmt = "identifier 'opens' at kprobes.stp:11:27";
	v = _ctap_map_ref_long(c, &g_opens, k);
	if (v)
		(*v)++;
}

static void probe_end(struct _ctap_context *c)
{
	struct _ctap_mnode *n;
	struct fmt_arg a[2];

	if (_ctap_actions(c, 50))
		return;
	_ctap_map_sort(c, &g_forks, 0, -1, CTAP_STAT_COUNT);
	for (n = _ctap_map_first(&g_forks); n; n = _ctap_map_next(&g_forks, n)) {
		a[0] = fmt_arg_str(_ctap_mnode_key_str(&g_forks, n, 0));
		a[1] = fmt_arg_long(*_ctap_mnode_long(&g_forks, n));
		_ctap_printf(c, _ctap_out(c), "%s forked %d\n", a, 2);
	}
	a[0] = fmt_arg_long(g_reads);
	_ctap_printf(c, _ctap_out(c), "vfs_read entries %d\n", a, 1);
	a[0] = fmt_arg_str(g_where);
	a[1] = fmt_arg_str(g_bt);
	_ctap_printf(c, _ctap_out(c), "%s\n%s\n", a, 2);
	_ctap_map_sort(c, &g_rets, 1, +1, CTAP_STAT_COUNT);
	for (n = _ctap_map_first(&g_rets); n; n = _ctap_map_next(&g_rets, n)) {
		a[0] = fmt_arg_long(_ctap_mnode_key_long(&g_rets, n, 0));
		a[1] = fmt_arg_long(*_ctap_mnode_long(&g_rets, n));
		_ctap_printf(c, _ctap_out(c), "vfs_read returned %d: %d\n", a, 2);
	}
	_ctap_map_sort(c, &g_opens, 1, +1, CTAP_STAT_COUNT);
	for (n = _ctap_map_first(&g_opens); n; n = _ctap_map_next(&g_opens, n)) {
		a[0] = fmt_arg_str(_ctap_mnode_key_str(&g_opens, n, 0));
		_ctap_printf(c, _ctap_out(c), "opened %s\n", a, 1);
	}
}

static const struct _ctap_lock_req l_fork[] = { { &glocks[0], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l_read[] = {
	{ &glocks[1], CTAP_LOCK_WRITE }, { &glocks[4], CTAP_LOCK_WRITE },
	{ &glocks[5], CTAP_LOCK_WRITE },
};
static const struct _ctap_lock_req l_ret[] = { { &glocks[2], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l_open[] = { { &glocks[3], CTAP_LOCK_WRITE } };
static const struct _ctap_lock_req l_end[] = {
	{ &glocks[0], CTAP_LOCK_WRITE }, { &glocks[1], CTAP_LOCK_READ },
	{ &glocks[2], CTAP_LOCK_WRITE }, { &glocks[3], CTAP_LOCK_WRITE },
	{ &glocks[4], CTAP_LOCK_READ }, { &glocks[5], CTAP_LOCK_READ },
};

#define LOCKS(x) .locks = x, .nlocks = ARRAY_SIZE(x)
static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin" },
	{ .handler = probe_fork, .pp = "kernel.trace(\"sched:sched_process_fork\")",
	  LOCKS(l_fork) },
	{ .handler = probe_read, .pp = "kprobe.function(\"vfs_read\")", LOCKS(l_read) },
	{ .handler = probe_read_ret, .pp = "kprobe.function(\"vfs_read\").return",
	  LOCKS(l_ret) },
	{ .handler = probe_open, .pp = "kprobe.function(\"do_sys_openat2\")", LOCKS(l_open) },
	{ .handler = probe_end, .kind = CTAP_PROBE_END, .pp = "end", LOCKS(l_end) },
};

static const struct _ctap_probe *const be[] = { &probes[0], &probes[5] };
static struct _ctap_map *const maps[] = { &g_forks, &g_rets, &g_opens };

static struct _ctap_tracepoint tracepoints[] = {
	{ .probe = &probes[1], .name = "sched_process_fork", .callback = tp_fork_cb },
};

static struct _ctap_kprobe kprobes[] = {
	{ .probe = &probes[2], .symbol = "vfs_read" },
	{ .probe = &probes[3], .symbol = "vfs_read", .is_return = true },
	{ .probe = &probes[4], .symbol = "do_sys_openat2" },
};

const struct _ctap_module _ctap_module = {
	.locals_size = sizeof(union ctap_locals),
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
	.maps = maps, .nmaps = ARRAY_SIZE(maps),
	.tracepoints = tracepoints, .ntracepoints = ARRAY_SIZE(tracepoints),
	.kprobes = kprobes, .nkprobes = ARRAY_SIZE(kprobes),
};

#include "kmod/runtime.c"
