/*
 * target/core: opening a target kernel and answering the questions that
 * need no symbol table: release, version, arch, build tree and whether
 * modules can be loaded.  Opening reads nothing but uname and a few stat()s;
 * every other source is loaded on first use by its own file.
 */
#include "target/target_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "util/arena.h"
#include "util/fileutil.h"

static char *version_of_release(const char *release)
{
	/* "6.1.0-56-amd64" -> "6.1.0": the leading digits-and-dots part */
	size_t n = 0;
	while (release[n] && (isdigit((unsigned char)release[n]) || release[n] == '.'))
		n++;
	while (n && release[n - 1] == '.')
		n--;
	char *v = xmalloc(n + 1);
	memcpy(v, release, n);
	v[n] = 0;
	return v;
}

static char *host_arch_name(void)
{
	struct utsname u;
	if (uname(&u) != 0)
		return xstrdup("x86_64");
	if (strcmp(u.machine, "aarch64") == 0)
		return xstrdup("arm64");
	if (u.machine[0] == 'i' && strcmp(u.machine + 2, "86") == 0)
		return xstrdup("i386");
	return xstrdup(u.machine);
}

/* "UTS_RELEASE" of a build tree: include/config/kernel.release */
static char *release_of_build_dir(const char *dir)
{
	char *path = NULL;
	if (asprintf(&path, "%s/include/config/kernel.release", dir) < 0)
		xoom();
	char *text = file_read_all(path, NULL);
	free(path);
	if (!text)
		return NULL;
	text[strcspn(text, "\n")] = 0;
	return text;
}

/* $SYSTEMTAP_DIR/cache/btf, SYSTEMTAP_DIR defaulting to ~/.systemtap as
 * SystemTap's own cache does. */
static char *default_cache_dir(const struct target_options *opts)
{
	if (opts->no_cache || opts->fixture_dir)
		return NULL;
	if (opts->cache_dir)
		return xstrdup(opts->cache_dir);
	const char *base = getenv("SYSTEMTAP_DIR");
	char *dir = NULL;
	if (base && *base) {
		if (asprintf(&dir, "%s/cache/btf", base) < 0)
			xoom();
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home)
			return NULL;
		if (asprintf(&dir, "%s/.systemtap/cache/btf", home) < 0)
			xoom();
	}
	return dir;
}

void target_set_why(char **slot, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(*slot);
	*slot = NULL;
	if (vasprintf(slot, fmt, ap) < 0)
		xoom();
	va_end(ap);
}

struct target *target_open(const struct target_options *opts, char **err)
{
	struct target *t = xcalloc(1, sizeof(*t));
	struct utsname u;
	bool have_uname = uname(&u) == 0;

	if (opts->fixture_dir) {
		t->fixture_dir = xstrdup(opts->fixture_dir);
		t->release = target_fixture_read(t, "release");
		t->arch = target_fixture_read(t, "arch");
		if (!t->release) {
			if (asprintf(err, "target fixture '%s' has no 'release' file",
				     opts->fixture_dir) < 0)
				xoom();
			target_close(t);
			return NULL;
		}
		if (!t->arch)
			t->arch = xstrdup("x86_64");
	} else if (opts->release && opts->release[0] == '/') {
		/* -r /BUILDDIR */
		t->build_dir = xstrdup(opts->release);
		t->release = release_of_build_dir(opts->release);
		if (!t->release) {
			if (asprintf(err, "Checking \"%s/include/config/kernel.release\" failed: "
				     "not a configured kernel build tree", opts->release) < 0)
				xoom();
			target_close(t);
			return NULL;
		}
	} else {
		t->release = xstrdup(opts->release ? opts->release
					 : (have_uname ? u.release : "unknown"));
	}
	t->running = !t->fixture_dir && have_uname && strcmp(t->release, u.release) == 0;
	if (!t->arch)
		t->arch = opts->arch ? xstrdup(opts->arch) : host_arch_name();
	t->kernel_version = version_of_release(t->release);
	t->arena = arena_new();
	t->cache_dir = default_cache_dir(opts);

	if (!t->build_dir && !t->fixture_dir) {
		char *bd = NULL;
		if (asprintf(&bd, "/lib/modules/%s/build", t->release) < 0)
			xoom();
		if (dir_exists(bd))
			t->build_dir = bd;
		else
			free(bd);
	}

	if (!t->running && !t->fixture_dir) {
		char *vz = NULL;
		if (asprintf(&vz, "/boot/vmlinuz-%s", t->release) < 0)
			xoom();
		if (file_exists(vz))
			t->vmlinuz = vz;
		else
			free(vz);
	}

	/* A release that is neither running nor installed in any form is a
	 * typo: say so now rather than failing later in every lookup. */
	if (!t->running && !t->fixture_dir && !t->build_dir) {
		char *p1 = NULL, *p2 = NULL;
		if (asprintf(&p1, "/boot/System.map-%s", t->release) < 0 ||
		    asprintf(&p2, "/boot/vmlinuz-%s", t->release) < 0)
			xoom();
		bool known = file_exists(p1) || file_exists(p2);
		free(p1);
		free(p2);
		if (!known) {
			if (asprintf(err, "Kernel release '%s' is not installed: no "
				     "/lib/modules/%s/build, /boot/System.map-%s or "
				     "/boot/vmlinuz-%s", t->release, t->release, t->release,
				     t->release) < 0)
				xoom();
			target_close(t);
			return NULL;
		}
	}
	return t;
}

void target_close(struct target *t)
{
	if (!t)
		return;
	free(t->release);
	free(t->kernel_version);
	free(t->arch);
	free(t->build_dir);
	free(t->fixture_dir);
	free(t->cache_dir);
	free(t->vmlinuz);
	free(t->config_text);
	free(t->config_names);
	free(t->config_values);
	symtab_free(&t->syms);
	free(t->syms_why);
	free(t->image_why);
	free(t->image_btf);
	free(t->image_btf_why);
	free(t->image_map);
	free(t->image_map_why);
	btf__free(t->btf);
	free(t->btf_why);
	namemap_free(&t->btf_funcs);
	namemap_free(&t->btf_traces);
	free(t->bpf_trace_funcs);
	namemap_free(&t->protos);
	free(t->tps);
	free(t->tps_why);
	arena_free(t->arena);
	free(t);
}

const char *target_release(const struct target *t)
{
	return t->release;
}

const char *target_kernel_version(const struct target *t)
{
	return t->kernel_version;
}

const char *target_arch(const struct target *t)
{
	return t->arch;
}

bool target_is_running_kernel(const struct target *t)
{
	return t->running;
}

const char *target_build_dir(const struct target *t)
{
	return t->build_dir;
}

/* ---------------------------------------------------------- capabilities */

bool target_can_load_modules(struct target *t)
{
	if (t->fixture_dir) {
		char *v = target_fixture_read(t, "can_load_modules");
		bool yes = v && v[0] == '1';
		free(v);
		return yes;
	}
	if (!t->running) {
		const char *m = target_config(t, "CONFIG_MODULES");
		return m && strcmp(m, "y") == 0;
	}
	if (access("/proc/modules", F_OK) != 0)
		return false;
	/* lockdown=integrity or confidentiality refuses unsigned modules
	 * when module signature enforcement is on; "[none]" allows all. */
	char *lock = file_read_all("/sys/kernel/security/lockdown", NULL);
	if (lock) {
		bool locked = strstr(lock, "[none]") == NULL;
		free(lock);
		if (locked)
			return false;
	}
	char *sig = file_read_all("/sys/module/module/parameters/sig_enforce", NULL);
	if (sig) {
		bool enforce = sig[0] == 'Y';
		free(sig);
		if (enforce)
			return false;
	}
	return true;
}
