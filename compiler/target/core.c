/*
 * target/core: opening a target kernel and answering the questions that
 * need no symbol table: release, version, arch, build tree, .config and
 * whether modules can be loaded.
 */
#include "target/target_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "util/arena.h"
#include "util/fileutil.h"

char *target_fixture_read(const struct target *t, const char *name)
{
	if (!t->fixture_dir)
		return NULL;
	char *path = NULL;
	if (asprintf(&path, "%s/%s", t->fixture_dir, name) < 0)
		xoom();
	char *text = file_read_all(path, NULL);
	free(path);
	if (text) {
		size_t n = strlen(text);
		while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
			text[--n] = 0;
	}
	return text;
}

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
	if (opts->cache_dir)
		t->cache_dir = xstrdup(opts->cache_dir);

	if (!t->build_dir && !t->fixture_dir) {
		char *bd = NULL;
		if (asprintf(&bd, "/lib/modules/%s/build", t->release) < 0)
			xoom();
		if (dir_exists(bd))
			t->build_dir = bd;
		else
			free(bd);
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
	free(t->config_text);
	free(t->config_names);
	free(t->config_values);
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

/* ---------------------------------------------------------------- config */

static char *read_gzip(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (cap - n < 4096) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		int r = gzread(gz, buf + n, (unsigned)(cap - n - 1));
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	gzclose(gz);
	buf[n] = 0;
	return buf;
}

static char *load_config_text(struct target *t)
{
	if (t->fixture_dir)
		return target_fixture_read(t, "config");
	char *text = NULL, *path = NULL;
	if (t->build_dir) {
		if (asprintf(&path, "%s/.config", t->build_dir) < 0)
			xoom();
		text = file_read_all(path, NULL);
		free(path);
		if (text)
			return text;
	}
	if (asprintf(&path, "/boot/config-%s", t->release) < 0)
		xoom();
	text = file_read_all(path, NULL);
	free(path);
	if (text)
		return text;
	if (t->running)
		text = read_gzip("/proc/config.gz");
	return text;
}

static void load_config(struct target *t)
{
	if (t->config_loaded)
		return;
	t->config_loaded = true;
	t->config_text = load_config_text(t);
	if (!t->config_text)
		return;
	t->config_found = true;
	unsigned cap = 0;
	for (char *line = t->config_text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *eq = strchr(line, '=');
		if (strncmp(line, "CONFIG_", 7) == 0 && eq) {
			*eq = 0;
			char *val = eq + 1;
			size_t vl = strlen(val);
			if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
				val[vl - 1] = 0;
				val++;
			}
			if (t->nconfig == cap) {
				cap = cap ? cap * 2 : 1024;
				t->config_names = xrealloc(t->config_names, sizeof(char *) * cap);
				t->config_values = xrealloc(t->config_values, sizeof(char *) * cap);
			}
			t->config_names[t->nconfig] = line;
			t->config_values[t->nconfig] = val;
			t->nconfig++;
		}
		line = nl ? nl + 1 : NULL;
	}
}

const char *target_config(struct target *t, const char *name)
{
	load_config(t);
	for (unsigned i = 0; i < t->nconfig; i++)
		if (strcmp(t->config_names[i], name) == 0)
			return t->config_values[i];
	return NULL;
}

bool target_has_config(struct target *t)
{
	load_config(t);
	return t->config_found;
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
