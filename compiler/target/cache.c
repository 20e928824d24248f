/*
 * target/cache: what was extracted from a -r release's vmlinuz (its BTF,
 * its symbol table) kept on disk so that only the first run pays for the
 * decompression (~1 s for an 8 MB XZ bzImage).
 *
 * Layout: CACHE_DIR/RELEASE-SIZE-MTIME.WHAT, CACHE_DIR defaulting to
 * $SYSTEMTAP_DIR/cache/btf (SYSTEMTAP_DIR defaults to ~/.systemtap).  The
 * key changes when the vmlinuz is replaced, so stale entries are never
 * read; they are simply left behind, as SystemTap leaves its own.
 * Writes go to a temporary file renamed into place, so a concurrent reader
 * sees either nothing or a complete file.  Every failure here is silent:
 * the cache is an optimisation and the answer is recomputed.
 */
#include "target/target_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/fileutil.h"

char *cache_path(struct target *t, const char *what)
{
	struct stat st;
	if (!t->d->cache_dir || !t->d->vmlinuz || stat(t->d->vmlinuz, &st) != 0)
		return NULL;
	char *path = NULL;
	if (asprintf(&path, "%s/%s-%lld-%lld.%s", t->d->cache_dir, t->d->release,
		     (long long)st.st_size, (long long)st.st_mtime, what) < 0)
		xoom();
	return path;
}

void cache_store(const char *path, const void *data, size_t size)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	int made = slash ? mkdir_p(dir, 0755) : 0;
	free(dir);
	if (made != 0)
		return;
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		xoom();
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0;
	const char *p = data;
	while (ok && size) {
		ssize_t w = write(fd, p, size);
		ok = w > 0;
		if (ok) {
			p += w;
			size -= (size_t)w;
		}
	}
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
	free(tmp);
}

/* Decompresses the vmlinuz once and keeps both artefacts, caching them. */
static void extract_all(struct target *t)
{
	t->image_tried = true;
	if (!t->d->vmlinuz) {
		why_set(&t->image_why, "no /boot/vmlinuz-%s", t->d->release);
		return;
	}
	size_t size = 0;
	void *image = vmlinuz_extract(t->d->vmlinuz, &size, &t->image_why);
	if (!image)
		return;
	size_t btf_size = 0;
	const void *btf = vmlinuz_elf_section(image, size, ".BTF", &btf_size);
	if (btf) {
		t->image_btf = xmalloc(btf_size);
		memcpy(t->image_btf, btf, btf_size);
		t->image_btf_size = btf_size;
		char *p = cache_path(t, "btf");
		if (p)
			cache_store(p, btf, btf_size);
		free(p);
	} else {
		why_set(&t->image_btf_why, "%s has no .BTF section "
			"(CONFIG_DEBUG_INFO_BTF is not set)", t->d->vmlinuz);
	}
	size_t notes_size = 0;
	const void *notes = vmlinuz_elf_section(image, size, ".notes", &notes_size);
	t->image_build_id = notes ? notes_build_id(notes, notes_size) : NULL;
	if (t->image_build_id) {
		char *p = cache_path(t, "buildid");
		if (p)
			cache_store(p, t->image_build_id, strlen(t->image_build_id));
		free(p);
	} else {
		why_set(&t->image_build_id_why, "%s has no GNU build-id note", t->d->vmlinuz);
	}
	const char *pcpu = target_config(t, "CONFIG_KALLSYMS_ABSOLUTE_PERCPU");
	int abs_pcpu = target_has_config(t) ? (pcpu && strcmp(pcpu, "y") == 0) : -1;
	t->image_map = vmlinux_kallsyms_extract(image, size, abs_pcpu, &t->image_map_why);
	if (t->image_map) {
		char *p = cache_path(t, "map");
		if (p)
			cache_store(p, t->image_map, strlen(t->image_map));
		free(p);
	}
	free(image);
}

void *cache_artefact(struct target *t, const char *what, size_t *size, char **why)
{
	char *path = cache_path(t, what);
	void *data = path ? file_read_all(path, size) : NULL;
	free(path);
	if (data)
		return data;
	if (!t->image_tried)
		extract_all(t);
	bool is_btf = strcmp(what, "btf") == 0, is_id = strcmp(what, "buildid") == 0;
	void **slot = is_btf ? &t->image_btf
		      : is_id ? (void **)&t->image_build_id : (void **)&t->image_map;
	data = *slot;
	*slot = NULL;
	if (data) {
		*size = is_btf ? t->image_btf_size : strlen(data);
		return data;
	}
	const char *reason = t->image_why ? t->image_why
			     : is_btf ? t->image_btf_why
			     : is_id ? t->image_build_id_why : t->image_map_why;
	why_set(why, "%s", reason ? reason : "already taken");
	return NULL;
}
