/*
 * target_desc: resolving which kernel a compilation is for (see
 * target_desc.h).  Reads uname, a fixture's release and arch, a build
 * tree's kernel.release, and stat()s the places a release's files live;
 * opens nothing else.
 */
#include "target/target_desc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "target/fixture_file.h"
#include "util/arena.h"
#include "util/fileutil.h"

static const char *version_of_release(struct arena *a, const char *release)
{
	/* "6.1.0-56-amd64" -> "6.1.0": the leading digits-and-dots part */
	size_t n = 0;
	while (release[n] && (isdigit((unsigned char)release[n]) || release[n] == '.'))
		n++;
	while (n && release[n - 1] == '.')
		n--;
	return arena_strndup(a, release, n);
}

static const char *host_arch_name(struct arena *a, const struct utsname *u)
{
	if (!u)
		return "x86_64";
	if (strcmp(u->machine, "aarch64") == 0)
		return "arm64";
	if (u->machine[0] == 'i' && strcmp(u->machine + 2, "86") == 0)
		return "i386";
	return arena_strdup(a, u->machine);
}

/* "UTS_RELEASE" of a build tree: include/config/kernel.release */
static const char *release_of_build_dir(struct arena *a, const char *dir)
{
	char *path = arena_printf(a, "%s/include/config/kernel.release", dir);
	char *text = file_read_all(path, NULL);
	if (!text)
		return NULL;
	text[strcspn(text, "\n")] = 0;
	const char *r = arena_strdup(a, text);
	free(text);
	return r;
}

/* A fixture's one-line file, or NULL. */
static const char *fixture_line(struct arena *a, const char *dir, const char *name)
{
	char *text = fixture_file_text(dir, name);
	if (!text)
		return NULL;
	const char *r = arena_strdup(a, text);
	free(text);
	return r;
}

/* $SYSTEMTAP_DIR/cache/btf, SYSTEMTAP_DIR defaulting to ~/.systemtap as
 * SystemTap's own cache does. */
static const char *cache_dir_of(struct arena *a, const struct target_options *o)
{
	if (o->no_cache || o->fixture_dir)
		return NULL;
	if (o->cache_dir)
		return arena_strdup(a, o->cache_dir);
	const char *base = getenv("SYSTEMTAP_DIR");
	if (base && *base)
		return arena_printf(a, "%s/cache/btf", base);
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	return arena_printf(a, "%s/.systemtap/cache/btf", home);
}

/* The kbuild tree of a release: the only place compiler/ spells it. */
static const char *kbuild_dir_of(struct arena *a, const char *release)
{
	return arena_printf(a, "/lib/modules/%s/build", release);
}

static const char *if_file(struct arena *a, const char *path)
{
	return file_exists(path) ? arena_strdup(a, path) : NULL;
}

size_t target_debuginfo_dirs(struct arena *a, const char **dirs, size_t max)
{
	const char *path = getenv("SYSTEMTAP_DEBUGINFO_PATH");
	if (!path || !*path)
		path = "+:.debug:/usr/lib/debug:build";
	size_t n = 0;
	for (const char *p = path; *p && n < max;) {
		size_t len = strcspn(p, ":");
		const char *dir = arena_printf(a, "%.*s", (int)len, p);
		p += len + (p[len] == ':');
		if (!strcmp(dir, "build") || dir[0] == '/')
			dirs[n++] = dir;
	}
	return n;
}

/* Where an uncompressed vmlinux with DWARF is looked for, as SystemTap
 * looks: in each debuginfo directory (target_debuginfo_dirs), DIR/boot/
 * vmlinux-R or DIR/lib/modules/R/vmlinux, or for "build" the build
 * tree's vmlinux; then /boot/vmlinux-R and /lib/modules/R/vmlinux. */
static const char *debuginfo_of(struct arena *a, const struct target_desc *d)
{
	const char *r = d->release, *dirs[16];
	size_t ndirs = target_debuginfo_dirs(a, dirs, 16);
	for (size_t i = 0; i < ndirs; i++) {
		const char *cands[2] = { NULL, NULL };
		if (!strcmp(dirs[i], "build")) {
			if (d->build_dir)
				cands[0] = arena_printf(a, "%s/vmlinux", d->build_dir);
		} else {
			cands[0] = arena_printf(a, "%s/boot/vmlinux-%s", dirs[i], r);
			cands[1] = arena_printf(a, "%s/lib/modules/%s/vmlinux", dirs[i], r);
		}
		for (int j = 0; j < 2; j++)
			if (cands[j] && file_exists(cands[j]))
				return cands[j];
	}
	const char *tail[] = {
		arena_printf(a, "/boot/vmlinux-%s", r),
		arena_printf(a, "/lib/modules/%s/vmlinux", r),
	};
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		if (file_exists(tail[i]))
			return tail[i];
	return NULL;
}

/* Release, arch and whether it is the running kernel: false when the
 * fixture or build tree named has no release. */
static bool identify(struct arena *a, const struct target_options *o, struct target_desc *d,
		     const struct utsname *u, char **err)
{
	if (o->fixture_dir) {
		d->fixture_dir = arena_strdup(a, o->fixture_dir);
		d->release = fixture_line(a, o->fixture_dir, "release");
		if (!d->release) {
			if (asprintf(err, "target fixture '%s' has no 'release' file",
				     o->fixture_dir) < 0)
				xoom();
			return false;
		}
		d->arch = fixture_line(a, o->fixture_dir, "arch");
		if (!d->arch)
			d->arch = "x86_64";
	} else if (o->release && o->release[0] == '/') {
		d->kbuild_dir = arena_strdup(a, o->release);
		d->release = release_of_build_dir(a, o->release);
		if (!d->release) {
			if (asprintf(err, "Checking \"%s/include/config/kernel.release\" failed: "
				     "not a configured kernel build tree", o->release) < 0)
				xoom();
			return false;
		}
	} else {
		d->release = arena_strdup(a, o->release ? o->release : u ? u->release : "unknown");
	}
	d->running = !d->fixture_dir && u && strcmp(d->release, u->release) == 0;
	if (!d->arch)
		d->arch = o->arch ? arena_strdup(a, o->arch) : host_arch_name(a, u);
	d->kernel_version = version_of_release(a, d->release);
	return true;
}

/* Where the release's files are; a fixture stands for a kernel whose
 * files are all in its directory. */
static void locate(struct arena *a, struct target_desc *d)
{
	if (!d->kbuild_dir) {
		d->kbuild_dir = kbuild_dir_of(a, d->release);
		if (!d->fixture_dir && dir_exists(d->kbuild_dir))
			d->build_dir = d->kbuild_dir;
	} else {
		d->build_dir = d->kbuild_dir; /* -r /BUILDDIR: its kernel.release was read */
	}
	if (d->fixture_dir) {
		d->btf_from = TARGET_BTF_FIXTURE;
		d->btf_path = arena_printf(a, "%s/btf", d->fixture_dir);
		return;
	}
	if (d->build_dir) {
		const char *src = arena_printf(a, "/lib/modules/%s/source", d->release);
		d->source_dir = dir_exists(src) ? src : NULL;
	}
	if (!d->running) {
		d->system_map = if_file(a, arena_printf(a, "/boot/System.map-%s", d->release));
		d->vmlinuz = if_file(a, arena_printf(a, "/boot/vmlinuz-%s", d->release));
	}
	d->debuginfo = debuginfo_of(a, d);
	if (d->running) {
		d->btf_from = TARGET_BTF_SYSFS;
		d->btf_path = "/sys/kernel/btf/vmlinux";
	} else {
		const char *elf = d->build_dir ? if_file(a, arena_printf(a, "%s/vmlinux",
								       d->build_dir)) : NULL;
		d->btf_from = elf ? TARGET_BTF_ELF : TARGET_BTF_VMLINUZ;
		d->btf_path = elf ? elf : d->vmlinuz;
	}
}

const struct target_desc *target_desc_resolve(struct arena *a, const struct target_options *o,
					      char **err)
{
	struct target_desc *d = arena_new_obj(a, struct target_desc);
	struct utsname un;
	const struct utsname *u = uname(&un) == 0 ? &un : NULL;
	if (!identify(a, o, d, u, err))
		return NULL;
	d->cache_dir = cache_dir_of(a, o);
	locate(a, d);
	return d;
}

bool target_desc_installed(const struct target_desc *d)
{
	return d->running || d->fixture_dir || d->build_dir || d->system_map || d->vmlinuz;
}
