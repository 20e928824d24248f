/*
 * buildid: GNU build-ids of the kernel and of ELF files, so that DWARF is
 * used only for the build it describes (target.h).
 */
#include "target/target_internal.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "target/why.h"
#include "util/arena.h"
#include "util/fileutil.h"

static char *hex_of(const unsigned char *id, size_t n)
{
	char *h = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		snprintf(h + 2 * i, 3, "%02x", id[i]);
	h[2 * n] = '\0';
	return h;
}

char *notes_build_id(const void *notes, size_t size)
{
	const unsigned char *p = notes, *end = p + size;
	while ((size_t)(end - p) >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr h;
		memcpy(&h, p, sizeof(h));
		size_t name = (h.n_namesz + 3) & ~3u, desc = (h.n_descsz + 3) & ~3u;
		const unsigned char *q = p + sizeof(h);
		if ((size_t)(end - q) < name || (size_t)(end - q - name) < desc)
			break;
		if (h.n_type == NT_GNU_BUILD_ID && h.n_namesz == 4 && !memcmp(q, "GNU", 4) &&
		    h.n_descsz > 0)
			return hex_of(q + name, h.n_descsz);
		p = q + name + desc;
	}
	return NULL;
}

char *target_elf_build_id(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *id = NULL;
	ssize_t n = e ? dwelf_elf_gnu_build_id(e, &id) : -1;
	char *hex = n > 0 ? hex_of(id, (size_t)n) : NULL;
	if (e)
		elf_end(e);
	close(fd);
	return hex;
}

const char *target_kernel_build_id(struct target *t, const char **why)
{
	if (!t->kernel_build_id_tried) {
		t->kernel_build_id_tried = true;
		if (t->d->fixture_dir) {
			why_set(&t->kernel_build_id_why, "a fixture has no build-id");
		} else if (t->d->running) {
			size_t size;
			char *notes = file_read_all("/sys/kernel/notes", &size);
			t->kernel_build_id = notes ? notes_build_id(notes, size) : NULL;
			free(notes);
			if (!t->kernel_build_id)
				why_set(&t->kernel_build_id_why, "/sys/kernel/notes has no build-id");
		} else {
			size_t size;
			char *id = cache_artefact(t, "buildid", &size, &t->kernel_build_id_why);
			if (id) {
				t->kernel_build_id = xmalloc(size + 1);
				memcpy(t->kernel_build_id, id, size);
				t->kernel_build_id[size] = '\0';
				free(id);
			}
		}
	}
	*why = t->kernel_build_id_why;
	return t->kernel_build_id;
}
