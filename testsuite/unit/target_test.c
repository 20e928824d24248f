/*
 * target_test: compiler/target against the recorded fixtures (always), a
 * synthetic fixture written here (edge cases), and, where installed, the
 * Debian 6.1 release installed (the VM's guest kernel) and the running
 * kernel; the description a
 * target is resolved into (target_desc.h); and the DWARF reader of
 * compiler/target/user on this very program.  Cases that need something
 * absent print "skip - NAME: reason" (the runner counts it as skipped).
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "target/target.h"
#include "target/user/ucfi.h"
#include "target/user/udwarf.h"
#include "target/user/uelf.h"
#include "target/user/upath.h"
#include "util/arena.h"
#include "util/fileutil.h"

static int failures;

static void report(bool ok, const char *name, const char *fmt, ...)
{
	if (ok) {
		printf("ok - %s\n", name);
		return;
	}
	failures++;
	printf("not ok - %s: ", name);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void skip(const char *name, const char *why)
{
	printf("skip - %s: %s\n", name, why);
}

static const char *srcdir(void)
{
	const char *s = getenv("CTAP_SRCDIR");
	return s && *s ? s : CTAP_ABS_SRCDIR;
}

/* Descriptions live here until the program ends. */
static struct arena *descs;

/* Resolves o and opens its facts, as session_target() does; NULL with
 * *err (malloc'd) when either step fails. */
static struct target *open_target(const struct target_options *o, char **err)
{
	const struct target_desc *d = target_desc_resolve(descs, o, err);
	return d ? target_open(d, err) : NULL;
}

static struct target *open_fixture(const char *name)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/testsuite/fixtures/%s", srcdir(), name);
	struct target_options o = { .fixture_dir = dir };
	char *err = NULL;
	struct target *t = open_target(&o, &err);
	if (!t) {
		printf("not ok - open %s: %s\n", name, err);
		failures++;
	}
	free(err);
	return t;
}

/* ---- collecting callbacks ---- */

struct syms {
	const struct target_symbol *s[512];
	int n;
	bool sorted;
};

static void collect(void *ctx, const struct target_symbol *sym)
{
	struct syms *c = ctx;
	if (c->n && sym->addr < c->s[c->n - 1]->addr)
		c->sorted = false;
	if (c->n < 512)
		c->s[c->n++] = sym;
}

static int count_tp;
static void count_cb(void *ctx, const struct target_tracepoint *tp)
{
	(void)ctx;
	(void)tp;
	count_tp++;
}

static bool has_arg(const struct target_tracepoint *tp, uint32_t i, const char *name,
		    const char *ctype)
{
	return tp && i < tp->nargs && strcmp(tp->args[i].name, name) == 0 &&
	       strcmp(tp->args[i].ctype, ctype) == 0;
}

/* sched_switch as SystemTap 4.8 lists it for 6.1 */
static bool sched_switch_ok(const struct target_tracepoint *tp)
{
	return tp && tp->nargs == 4 && has_arg(tp, 0, "preempt", "bool") &&
	       has_arg(tp, 1, "prev", "struct task_struct*") &&
	       has_arg(tp, 2, "next", "struct task_struct*") &&
	       has_arg(tp, 3, "prev_state", "unsigned int") && tp->args[1].is_pointer &&
	       tp->args[1].size == 8;
}

static bool vfs_read_ok(const struct target_func_proto *p)
{
	return p && p->nparams == 4 && strcmp(p->ret_ctype, "ssize_t") == 0 &&
	       strcmp(p->params[0].name, "file") == 0 &&
	       strcmp(p->params[0].ctype, "struct file*") == 0 &&
	       strcmp(p->params[1].ctype, "char*") == 0 &&
	       strcmp(p->params[2].ctype, "size_t") == 0 && p->params[2].size == 8 &&
	       !p->params[2].is_signed && strcmp(p->params[3].ctype, "loff_t*") == 0;
}

/* ---- the 6.1 fixture ---- */

static void test_fixture_61(void)
{
	struct target *t = open_fixture("kernel-6.1.0-56-amd64");
	if (!t)
		return;
	const struct target_desc *d = target_description(t);
	report(strcmp(d->release, "6.1.0-56-amd64") == 0 &&
		       strcmp(d->kernel_version, "6.1.0") == 0 &&
		       strcmp(d->arch, "x86_64") == 0 && !d->running,
	       "fixture61 identity", "release %s version %s arch %s", d->release,
	       d->kernel_version, d->arch);
	report(target_can_load_modules(t), "fixture61 can_load_modules", "expected 1");
	const char *m = target_config(t, "CONFIG_MODULES");
	const char *cc = target_config(t, "CONFIG_CC_VERSION_TEXT");
	report(target_has_config(t) && m && strcmp(m, "y") == 0 && cc && cc[0] != '"' &&
		       strncmp(cc, "gcc", 3) == 0 && !target_config(t, "CONFIG_KERNEL_ZSTD") &&
		       !target_config(t, "CONFIG_NO_SUCH_OPTION"),
	       "fixture61 config values", "MODULES=%s CC_VERSION_TEXT=%s", m ? m : "-",
	       cc ? cc : "-");

	struct syms c = { .sorted = true };
	int n = target_functions_match(t, "vfs_*", collect, &c);
	bool all_vfs = n > 0;
	for (int i = 0; i < c.n; i++)
		all_vfs = all_vfs && strncmp(c.s[i]->name, "vfs_", 4) == 0 && !c.s[i]->module;
	report(n == 78 && c.n == n && c.sorted && all_vfs, "fixture61 glob vfs_*",
	       "%d matches, sorted %d", n, c.sorted);
	report(target_functions_match(t, "vfs_rea?", NULL, NULL) == 1 &&
		       target_functions_match(t, "vfs_read*", NULL, NULL) == 3 &&
		       target_functions_match(t, "[v]fs_read", NULL, NULL) == 1 &&
		       target_functions_match(t, "*_sys_openat", NULL, NULL) >= 1 &&
		       target_functions_match(t, "no_such_function_*", NULL, NULL) == 0,
	       "fixture61 glob forms", "vfs_rea?=%d",
	       target_functions_match(t, "vfs_rea?", NULL, NULL));
	int all = target_functions_match(t, "*", NULL, NULL);
	report(all > 40000, "fixture61 all functions", "%d", all);

	const struct target_symbol *vr = target_function(t, "vfs_read");
	uint64_t off = 1;
	const struct target_symbol *at = vr ? target_symbol_at(t, vr->addr + 0x10, &off) : NULL;
	const struct target_symbol *exact = vr ? target_symbol_at(t, vr->addr, &off) : NULL;
	report(vr && vr->addr == 0xffffffff813669e0ull && at == vr && exact == vr && off == 0 &&
		       target_symbol_at(t, 0x1000, &off) == NULL && target_has_addresses(t),
	       "fixture61 address lookup", "vfs_read at %llx",
	       vr ? (unsigned long long)vr->addr : 0ull);
	report(target_function_exists(t, "schedule") && !target_function_exists(t, "vfs_"),
	       "fixture61 exact lookup", "schedule/vfs_");

	report(sched_switch_ok(target_tracepoint(t, "sched", "sched_switch")),
	       "fixture61 tracepoint sched_switch args", "mismatch");
	const struct target_tracepoint *k = target_tracepoint(t, "kmem", "kmalloc");
	report(has_arg(k, 1, "ptr", "void const*") && has_arg(k, 2, "bytes_req", "size_t") &&
		       has_arg(k, 4, "gfp_flags", "gfp_t"),
	       "fixture61 tracepoint kmalloc const spelling", "mismatch");
	const struct target_tracepoint *se = target_tracepoint(t, "raw_syscalls", "sys_enter");
	report(has_arg(se, 0, "regs", "struct pt_regs*") && has_arg(se, 1, "id", "long int") &&
		       se->args[1].is_signed,
	       "fixture61 tracepoint raw_syscalls:sys_enter", "mismatch");
	const struct target_tracepoint *sys = target_tracepoint(t, "syscalls", "sys_enter_openat");
	report(sys && sys->syscall && !sys->args_known &&
		       target_tracepoint(t, "syscalls", "sys_exit_openat"),
	       "fixture61 syscall events", "sys_enter_openat missing or not flagged");
	count_tp = 0;
	int nsched = target_tracepoints_match(t, "sched", "*", count_cb, NULL);
	int nall = target_tracepoints_match(t, NULL, "*", NULL, NULL);
	report(nsched == count_tp && nsched >= 25 && nall > 1400 &&
		       !target_tracepoint(t, "sched", "no_such_event") &&
		       target_tracepoints_match(t, "sch*", "sched_switch", NULL, NULL) == 1,
	       "fixture61 tracepoint globs", "sched %d all %d", nsched, nall);

	report(vfs_read_ok(target_function_proto(t, "vfs_read")), "fixture61 proto vfs_read",
	       "mismatch");
	const struct target_func_proto *pk = target_function_proto(t, "_printk");
	report(pk && pk->varargs && pk->nparams == 1 &&
		       strcmp(pk->params[0].ctype, "char const*") == 0 &&
		       strcmp(pk->ret_ctype, "int") == 0,
	       "fixture61 proto varargs", "_printk");
	report(!target_function_proto(t, "no_such_function") && target_btf(t) != NULL,
	       "fixture61 proto missing, btf present", "unexpected");
	target_close(t);
}

/* ---- the running-kernel fixture (6.18: __pfx_ stubs) ---- */

static void test_fixture_running(void)
{
	struct target *t = open_fixture("kernel-running-6.18");
	if (!t)
		return;
	struct syms c = { .sorted = true };
	target_functions_match(t, "*vfs_read", collect, &c);
	bool no_stub = c.n > 0;
	for (int i = 0; i < c.n; i++)
		no_stub = no_stub && strncmp(c.s[i]->name, "__pfx_", 6) != 0;
	report(no_stub && target_functions_match(t, "__pfx_vfs_read", NULL, NULL) == 1,
	       "fixture-running __pfx_ stubs only on request", "%d matches", c.n);
	const struct target_symbol *vr = target_function(t, "vfs_read");
	uint64_t off = 0;
	const struct target_symbol *at = vr ? target_symbol_at(t, vr->addr, &off) : NULL;
	report(at == vr && off == 0, "fixture-running symbol_at prefers function over __pfx_",
	       "got %s", at ? at->name : "NULL");
	const struct target_tracepoint *sw = target_tracepoint(t, "sched", "sched_switch");
	report(sched_switch_ok(sw) && sw->tracefs_id > 0 && sw->nfields >= 8,
	       "fixture-running sched_switch args, id, fields", "mismatch");
	bool comm = false;
	for (uint32_t i = 0; sw && i < sw->nfields; i++)
		if (strcmp(sw->fields[i].name, "prev_comm") == 0)
			comm = strcmp(sw->fields[i].ctype, "char[16]") == 0 && sw->fields[i].size == 16;
	report(comm, "fixture-running format field prev_comm", "char[16] expected");
	report(vfs_read_ok(target_function_proto(t, "vfs_read")),
	       "fixture-running proto vfs_read", "mismatch");
	report(!target_can_load_modules(t), "fixture-running no modules", "expected 0");
	target_close(t);
}

/* ---- a synthetic fixture: duplicates, modules, missing sources ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_synthetic(void)
{
	char dir[] = "/tmp/ctap-target-test.XXXXXX";
	if (!mkdtemp(dir)) {
		report(false, "synthetic fixture", "mkdtemp failed");
		return;
	}
	write_file(dir, "release", "9.9.9-test\n");
	struct target_options o = { .fixture_dir = dir };
	char *err = NULL;
	struct target *t = open_target(&o, &err);
	report(t && target_functions_match(t, "*", NULL, NULL) == -1 && !target_has_symbols(t) &&
		       target_symbols_missing(t) &&
		       target_tracepoints_match(t, NULL, "*", NULL, NULL) == -1 &&
		       !target_btf(t) && !target_function_proto(t, "x") && !target_has_config(t),
	       "synthetic: missing sources answer -1/NULL", "unexpected answers");
	target_close(t);

	write_file(dir, "kallsyms",
		   "ffffffff81000100 t helper\n"
		   "ffffffff81000000 T _stext\n"
		   "ffffffff81000200 t helper\n"
		   "ffffffff81000300 D some_data\n"
		   "ffffffff81000400 W weak_fn\n"
		   "ffffffff81000500 T __cfi_helper\n"
		   "ffffffffc0001000 t helper\t[mod_a]\n"
		   "ffffffffc0002000 t mod_fn\t[mod_b]\n");
	write_file(dir, "tracepoints",
		   "TP\tsys\tev_b\t7\nARG\tx\tint\t4\t1\t0\n\n"
		   "TP\tsys\tev_a\t-1\nARGS\t?\n\n");
	t = open_target(&o, &err);
	struct syms c = { .sorted = true };
	int n = t ? target_functions_match(t, "helper", collect, &c) : -2;
	report(n == 1 && c.s[0]->addr == 0xffffffff81000100ull && !c.s[0]->module,
	       "synthetic: duplicates by name, lowest address, vmlinux only", "%d", n);
	report(t && target_functions_match(t, "*", NULL, NULL) == 3 &&
		       target_function_exists(t, "weak_fn") &&
		       !target_function_exists(t, "some_data"),
	       "synthetic: text and weak symbols only", "count %d",
	       t ? target_functions_match(t, "*", NULL, NULL) : -1);
	report(t && target_module_functions_match(t, "mod_*", "*", NULL, NULL) == 2 &&
		       target_module_functions_match(t, "mod_b", "*", NULL, NULL) == 1,
	       "synthetic: module functions", "mismatch");
	uint64_t off = 0;
	const struct target_symbol *s = t ? target_symbol_at(t, 0xffffffff81000250ull, &off) : NULL;
	report(s && strcmp(s->name, "helper") == 0 && off == 0x50, "synthetic: symbol_at offset",
	       "got %s", s ? s->name : "NULL");
	const struct target_tracepoint *a = t ? target_tracepoint(t, "sys", "ev_a") : NULL;
	const struct target_tracepoint *b = t ? target_tracepoint(t, "sys", "ev_b") : NULL;
	report(a && !a->args_known && b && b->args_known && b->nargs == 1 && b->tracefs_id == 7 &&
		       b->args[0].is_signed,
	       "synthetic: tracepoint file format", "mismatch");
	target_close(t);
	remove_tree(dir);

	o = (struct target_options){ .release = "0.0.0-no-such-release" };
	t = open_target(&o, &err);
	report(!t && err && strstr(err, "not installed"), "open unknown release fails clearly",
	       "%s", err ? err : "no error");
	free(err);
	target_close(t);
}

/* ---- the description: what is resolved once, before any fact ---- */

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool contains(const char *s, const char *part)
{
	return s && strstr(s, part);
}

static void test_desc_fixture(void)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/testsuite/fixtures/kernel-6.1.0-56-amd64", srcdir());
	struct target_options o = { .fixture_dir = dir, .arch = "arm64" };
	char *err = NULL;
	const struct target_desc *d = target_desc_resolve(descs, &o, &err);
	report(d && streq(d->release, "6.1.0-56-amd64") && streq(d->kernel_version, "6.1.0") &&
		       streq(d->arch, "x86_64") && !d->running && streq(d->fixture_dir, dir),
	       "desc fixture: identity from its files, its arch over -a", "%s",
	       d ? d->arch : err);
	report(d && !d->build_dir && !d->source_dir && !d->system_map && !d->vmlinuz &&
		       !d->debuginfo && !d->cache_dir &&
		       streq(d->kbuild_dir, "/lib/modules/6.1.0-56-amd64/build"),
	       "desc fixture: no host files, kbuild dir named", "kbuild %s",
	       d ? d->kbuild_dir : "-");
	char btf[4200];
	snprintf(btf, sizeof(btf), "%s/btf", dir);
	report(d && d->btf_from == TARGET_BTF_FIXTURE && streq(d->btf_path, btf) &&
		       target_desc_installed(d),
	       "desc fixture: btf source", "mismatch");
	free(err);
}

static void test_desc_synthetic(void)
{
	char dir[] = "/tmp/ctap-desc-test.XXXXXX";
	if (!mkdtemp(dir)) {
		report(false, "desc synthetic", "mkdtemp failed");
		return;
	}
	struct target_options o = { .fixture_dir = dir };
	char *err = NULL;
	const struct target_desc *d = target_desc_resolve(descs, &o, &err);
	report(!d && contains(err, "has no 'release' file"), "desc fixture without release",
	       "%s", err ? err : "resolved");
	free(err);
	err = NULL;
	write_file(dir, "release", "5.10.0-rc1+\n");
	d = target_desc_resolve(descs, &o, &err);
	report(d && streq(d->release, "5.10.0-rc1+") && streq(d->kernel_version, "5.10.0") &&
		       streq(d->arch, "x86_64"),
	       "desc fixture: version of a -rc release, default arch", "%s %s",
	       d ? d->kernel_version : err, d ? d->arch : "");
	free(err);
	err = NULL;

	/* -r /BUILDDIR: a tree that is not configured, then one that is */
	o = (struct target_options){ .release = dir, .arch = "arm64", .no_cache = true };
	d = target_desc_resolve(descs, &o, &err);
	report(!d && contains(err, "not a configured kernel build tree") &&
		       contains(err, "/include/config/kernel.release"),
	       "desc -r /BUILDDIR not configured", "%s", err ? err : "resolved");
	free(err);
	err = NULL;
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/include/config", dir);
	mkdir_p(sub, 0755);
	write_file(sub, "kernel.release", "7.7.7-tree\n");
	write_file(dir, "vmlinux", "not really ELF");
	d = target_desc_resolve(descs, &o, &err);
	char vmlinux[4200];
	snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux", dir);
	report(d && streq(d->release, "7.7.7-tree") && streq(d->arch, "arm64") && !d->running &&
		       streq(d->kbuild_dir, dir) && streq(d->build_dir, dir) && !d->cache_dir,
	       "desc -r /BUILDDIR: release from the tree, -a arch", "%s",
	       d ? d->release : err);
	report(d && d->btf_from == TARGET_BTF_ELF && streq(d->btf_path, vmlinux) &&
		       streq(d->debuginfo, vmlinux),
	       "desc -r /BUILDDIR: its vmlinux for BTF and DWARF", "btf %s debuginfo %s",
	       d ? d->btf_path : "-", d && d->debuginfo ? d->debuginfo : "-");
	struct target *t = d ? target_open(d, &err) : NULL;
	report(t && target_description(t) == d, "desc -r /BUILDDIR: opens, same description",
	       "%s", err ? err : "mismatch");
	target_close(t);
	free(err);
	remove_tree(dir);
}

static void test_desc_releases(void)
{
	struct target_options o = { .release = "0.0.0-no-such-release" };
	char *err = NULL;
	const struct target_desc *d = target_desc_resolve(descs, &o, &err);
	report(d && !target_desc_installed(d) && !d->build_dir && !d->vmlinuz && !d->system_map &&
		       streq(d->kbuild_dir, "/lib/modules/0.0.0-no-such-release/build") &&
		       d->btf_from == TARGET_BTF_VMLINUZ && !d->btf_path,
	       "desc unknown release resolves, not installed", "%s", err ? err : "mismatch");
	struct target *t = d ? target_open(d, &err) : NULL;
	report(!t && contains(err, "is not installed: no /lib/modules/0.0.0-no-such-release/build"),
	       "desc unknown release: open names the kbuild dir", "%s", err ? err : "opened");
	target_close(t);
	free(err);
	err = NULL;

	struct utsname u;
	o = (struct target_options){ .cache_dir = "/nowhere/cache" };
	d = target_desc_resolve(descs, &o, &err);
	report(d && uname(&u) == 0 && streq(d->release, u.release) && d->running &&
		       d->btf_from == TARGET_BTF_SYSFS &&
		       streq(d->btf_path, "/sys/kernel/btf/vmlinux") && !d->vmlinuz &&
		       !d->system_map && streq(d->cache_dir, "/nowhere/cache"),
	       "desc running kernel", "%s", d ? d->release : err);
	free(err);
	err = NULL;

	const char *old = getenv("SYSTEMTAP_DIR");
	char *saved = old ? strdup(old) : NULL;
	setenv("SYSTEMTAP_DIR", "/tmp/ctap-desc-sd", 1);
	o = (struct target_options){ 0 };
	d = target_desc_resolve(descs, &o, &err);
	report(d && streq(d->cache_dir, "/tmp/ctap-desc-sd/cache/btf"),
	       "desc cache dir under $SYSTEMTAP_DIR", "%s", d && d->cache_dir ? d->cache_dir : "-");
	o.no_cache = true;
	d = target_desc_resolve(descs, &o, &err);
	report(d && !d->cache_dir, "desc no_cache", "%s", d && d->cache_dir ? d->cache_dir : "-");
	if (saved)
		setenv("SYSTEMTAP_DIR", saved, 1);
	else
		unsetenv("SYSTEMTAP_DIR");
	free(saved);
	free(err);
}

/* ---- the DWARF reader of compiler/target/user, on this program ---- */

struct probe_me {
	int a;
	unsigned b : 3;
	struct {
		long c;
	};
	int arr[4];
};

__attribute__((noinline, used)) int udwarf_probe_me(struct probe_me *p, int k)
{
	return p->a + p->arr[k] + (int)p->c + (int)p->b;
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	for (struct dirent *de; d && (de = readdir(d));)
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

struct found_func {
	uint64_t die, pc;
};

static void find_probe_me(void *ctx, const struct udwarf_func *f)
{
	struct found_func *ff = ctx;
	if (!f->is_inline && strcmp(f->name, "udwarf_probe_me") == 0) {
		ff->die = f->die_offset;
		ff->pc = f->probe_pc;
	}
}

struct params {
	struct arena *a;
	char text[256];
	struct udwarf_type p;
};

static bool collect_param(void *ctx, const struct udwarf_var *v)
{
	struct params *ps = ctx;
	size_t n = strlen(ps->text);
	snprintf(ps->text + n, sizeof(ps->text) - n, "%s%s:%s", n ? " " : "", v->name,
		 udwarf_type_name(ps->a, &v->type));
	if (strcmp(v->name, "p") == 0)
		ps->p = v->type;
	return true;
}

/* This program's path in exe; false (after a skip line) without one. */
static bool self_exe(char *exe, size_t size, const char *test)
{
	ssize_t len = readlink("/proc/self/exe", exe, size - 1);
	if (len <= 0) {
		skip(test, "no /proc/self/exe");
		return false;
	}
	exe[len] = 0;
	return true;
}

/* --ldd's inputs: this program's DT_NEEDED and loader, and the search
 * that turns a needed name into a file */
static void test_uelf_needed(void)
{
	char exe[4096];
	if (!self_exe(exe, sizeof(exe), "uelf needed"))
		return;
	struct arena *a = arena_new();
	const char *why = NULL;
	struct uelf *u = uelf_open(a, exe, &why);
	bool libc = false;
	for (uint32_t i = 0; u && i < u->nneeded; i++)
		libc |= strcmp(u->needed[i], "libc.so.6") == 0;
	report(libc && u->interp && u->interp[0] == '/', "uelf: DT_NEEDED and PT_INTERP",
	       "needs libc %d, interp %s", libc, u && u->interp ? u->interp : "(none)");
	const char *found = upath_library(a, exe, NULL, "libc.so.6");
	struct stat st;
	report(found && found[0] == '/' && stat(found, &st) == 0, "upath_library: a needed name",
	       "libc.so.6 -> %s", found ? found : "(null)");
	char tmp[] = "/tmp/ctap-origin.XXXXXX";
	if (found && mkdtemp(tmp)) {
		/* $ORIGIN is the needing object's directory: a name only there */
		const char *link = arena_printf(a, "%s/libctap-origin.so.1", tmp);
		const char *via = NULL;
		if (symlink(found, link) == 0)
			via = upath_library(a, arena_printf(a, "%s/libneeder.so", tmp),
					    "/nonexistent:$ORIGIN", "libctap-origin.so.1");
		report(via && !strcmp(via, found), "upath_library: $ORIGIN in the run path", "%s",
		       via ? via : "(null)");
		unlink(link);
		rmdir(tmp);
	}
	report(!upath_library(a, exe, NULL, "libctap-no-such-library.so.9"),
	       "upath_library: a missing library", "found");
	arena_free(a);
}

/* the .eh_frame rows of this program: udwarf_probe_me's first byte has
 * the CFA at rsp + 8 (the return address just pushed), and rows are
 * sorted */
static void test_ucfi(void)
{
	char exe[4096];
	if (!self_exe(exe, sizeof(exe), "ucfi"))
		return;
	struct arena *a = arena_new();
	const char *why = NULL;
	struct ucfi *cfi = ucfi_read(a, exe, &why);
	report(cfi && cfi->nrows > 10, "ucfi: rows of this program", "%s",
	       why ? why : "too few rows");
	const char *why2 = NULL;
	struct uelf *u = uelf_open(a, exe, &why2);
	const struct uelf_symbol *sym = NULL;
	for (uint32_t i = 0; u && i < u->nsyms; i++)
		if (!strcmp(u->syms[i].name, "udwarf_probe_me"))
			sym = &u->syms[i];
	bool sorted = true, entry = false;
	for (uint32_t i = 0; cfi && i < cfi->nrows; i++) {
		const struct ucfi_row *r = &cfi->rows[i];
		if (i && r->vaddr < cfi->rows[i - 1].vaddr)
			sorted = false;
		if (sym && r->vaddr == sym->vaddr)
			entry = r->cfa_reg == UCFI_RSP && r->cfa_offset == 8 && r->rbp_offset == 0;
	}
	report(sorted, "ucfi: rows sorted", "out of order");
	report(sym && entry, "ucfi: CFA = rsp + 8 at a function's first byte", "%s",
	       sym ? "wrong or no row" : "no udwarf_probe_me symbol");
	report(ucfi_read(a, "/nonexistent/ctap", &why) == NULL && why, "ucfi: a missing file",
	       "no error");
	arena_free(a);
}

static void test_udwarf(void)
{
	char exe[4096];
	if (!self_exe(exe, sizeof(exe), "udwarf"))
		return;
	int fds = open_fds();
	struct arena *a = arena_new();
	struct udwarf_cache *c = udwarf_cache_new();
	struct udwarf *dw = udwarf_open(c, exe, NULL);
	if (!dw) {
		skip("udwarf functions, variables and types", "this program has no DWARF");
		udwarf_cache_free(c);
		arena_free(a);
		return;
	}
	report(udwarf_open(c, exe, NULL) == dw, "udwarf: the cache keeps the open file", "reopened");
	struct found_func ff = { 0 };
	udwarf_functions(dw, a, false, NULL, find_probe_me, &ff);
	report(ff.die && udwarf_func_at(dw, ff.pc) == ff.die, "udwarf: functions and func_at",
	       "die %llu", (unsigned long long)ff.die);
	struct params ps = { .a = a };
	bool scope = ff.die && udwarf_vars(dw, ff.die, ff.pc, true, false, collect_param, &ps);
	report(scope && strcmp(ps.text, "p:struct probe_me* k:int") == 0,
	       "udwarf: parameters and their type names", "%s", ps.text);
	struct udwarf_type st, rt;
	struct udwarf_member mc, mb, ma;
	uint64_t size = 0;
	bool walked = scope && udwarf_type_kind(&ps.p) == UDWARF_TYPE_POINTER &&
		      udwarf_type_inner(&ps.p, &st) && udwarf_type_peel(&st, &st) &&
		      udwarf_type_kind(&st) == UDWARF_TYPE_STRUCT &&
		      udwarf_type_size(&st, &size) && size == sizeof(struct probe_me);
	report(walked, "udwarf: pointer to struct, its size", "size %llu",
	       (unsigned long long)size);
	report(walked && udwarf_type_member(&st, "c", &mc) &&
		       mc.offset == offsetof(struct probe_me, c) && !mc.bit_size &&
		       udwarf_type_member(&st, "b", &mb) && mb.bit_size == 3 &&
		       udwarf_type_member(&st, "arr", &ma) &&
		       udwarf_type_kind(&ma.type) == UDWARF_TYPE_ARRAY &&
		       strcmp(udwarf_type_name(a, &ma.type), "int[]") == 0 &&
		       !udwarf_type_member(&st, "nosuch", &mc),
	       "udwarf: members (anonymous, bit field, array)", "mismatch");
	report(ff.die && udwarf_return_type(dw, ff.die, &rt) &&
		       strcmp(udwarf_type_name(a, &rt), "int") == 0,
	       "udwarf: return type", "mismatch");
	udwarf_open(c, "/nonexistent/file", NULL);
	dw = udwarf_open(c, exe, NULL);
	report(dw != NULL, "udwarf: a file is reopened after another", "NULL");
	udwarf_cache_free(c);
	report(open_fds() == fds, "udwarf: freeing the cache closes its files", "%d fds, %d before",
	       open_fds(), fds);
	arena_free(a);
}

/* ---- an installed Debian 6.1 release (first run extracts from vmlinuz) ---- */

/* The newest /boot/vmlinuz-6.1.0-N-amd64 (Debian moves N), or NULL. */
static const char *installed_61(char *buf, size_t size)
{
	DIR *d = opendir("/boot");
	long best = -1;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		long n;
		char tail[32];
		if (sscanf(de->d_name, "vmlinuz-6.1.0-%ld-%31s", &n, tail) == 2 &&
		    !strcmp(tail, "amd64") && n > best)
			best = n;
	}
	if (d)
		closedir(d);
	if (best < 0)
		return NULL;
	snprintf(buf, size, "6.1.0-%ld-amd64", best);
	return buf;
}

static void test_release_61(void)
{
	char relbuf[64];
	const char *rel = installed_61(relbuf, sizeof(relbuf));
	if (!rel) {
		skip("release61 symbols from vmlinuz", "no Debian 6.1.0-*-amd64 kernel is installed");
		skip("release61 btf and tracepoints", "no Debian 6.1.0-*-amd64 kernel is installed");
		return;
	}
	char cache[] = "/tmp/ctap-target-cache.XXXXXX";
	if (!mkdtemp(cache)) {
		report(false, "release61", "mkdtemp failed");
		return;
	}
	/* Debian's System.map is a placeholder, so the extracted symbols are
	 * checked for shape (vfs_read in kernel text, a plausible number of
	 * vfs_* functions) and the cached run for agreeing with the first. */
	uint64_t first_addr = 0;
	int first_count = -1;
	for (int round = 0; round < 2; round++) { /* extract, then from the cache */
		struct target_options o = { .release = rel, .cache_dir = cache };
		char *err = NULL;
		struct target *t = open_target(&o, &err);
		free(err);
		const char *name = round ? "release61 cached" : "release61 extracted";
		if (!t) {
			report(false, name, "cannot open %s", rel);
			continue;
		}
		const struct target_symbol *vr = target_function(t, "vfs_read");
		int count = target_functions_match(t, "vfs_*", NULL, NULL);
		char nm[64];
		snprintf(nm, sizeof(nm), "%s symbols", name);
		bool shape = vr && vr->addr >= 0xffffffff81000000ull && vr->addr < 0xffffffffa0000000ull &&
			     count >= 60 && count <= 120;
		if (round == 0 && vr) {
			first_addr = vr->addr;
			first_count = count;
		}
		report(shape && (round == 0 || (vr->addr == first_addr && count == first_count)), nm,
		       "%s", target_symbols_missing(t) ? target_symbols_missing(t)
						       : "vfs_read or vfs_* unlike the first run");
		snprintf(nm, sizeof(nm), "%s btf and tracepoints", name);
		report(target_btf(t) && vfs_read_ok(target_function_proto(t, "vfs_read")) &&
			       sched_switch_ok(target_tracepoint(t, "sched", "sched_switch")) &&
			       target_tracepoint(t, "syscalls", "sys_enter_read"),
		       nm, "%s", target_btf_missing(t) ? target_btf_missing(t) : "mismatch");
		target_close(t);
	}
	remove_tree(cache);
}

/* ---- the running kernel ---- */

static void test_running(void)
{
	struct target_options o = { .no_cache = true };
	char *err = NULL;
	struct target *t = open_target(&o, &err);
	free(err);
	if (!t || !target_description(t)->running) {
		skip("running kernel", "cannot open it");
		target_close(t);
		return;
	}
	if (target_has_symbols(t))
		report(target_function_exists(t, "schedule") &&
			       target_functions_match(t, "vfs_*", NULL, NULL) > 10,
		       "running: kallsyms", "schedule or vfs_* missing");
	else
		skip("running: kallsyms", target_symbols_missing(t));
	if (target_btf(t))
		report(vfs_read_ok(target_function_proto(t, "vfs_read")), "running: btf proto",
		       "vfs_read mismatch");
	else
		skip("running: btf proto", target_btf_missing(t));
	if (target_has_tracepoints(t))
		report(sched_switch_ok(target_tracepoint(t, "sched", "sched_switch")),
		       "running: tracefs sched_switch", "mismatch");
	else
		skip("running: tracefs sched_switch", target_tracepoints_missing(t));
	target_close(t);
}

int main(void)
{
	descs = arena_new();
	test_desc_fixture();
	test_desc_synthetic();
	test_desc_releases();
	test_uelf_needed();
	test_ucfi();
	test_udwarf();
	test_fixture_61();
	test_fixture_running();
	test_synthetic();
	test_release_61();
	test_running();
	arena_free(descs);
	return failures ? 1 : 0;
}
