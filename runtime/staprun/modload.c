/*
 * modload: finding, inserting and removing a module.  Input: the MODULE
 * argument and the options that become module parameters.  Output: the
 * module loaded under the name recorded in its .modinfo, or an `ERROR:`.
 *
 * Insertion uses finit_module(2) and falls back to init_module(2) on
 * kernels (or seccomp policies) without it.  Parameters: the NAME=VALUE
 * arguments (script globals) and the runtime's own _ctap_* parameters.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "staprun.h"

/* The "name=" entry of the module's .modinfo section, if any. */
static int modinfo_name(const char *img, size_t size, char *name, size_t cap)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh;
	const char *strtab;
	int i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff >= size ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > size ||
	    eh->e_shstrndx >= eh->e_shnum)
		return -1;
	sh = (const void *)(img + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset >= size)
		return -1;
	strtab = img + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		const char *p, *end;

		if (sh[i].sh_name >= sh[eh->e_shstrndx].sh_size ||
		    strcmp(strtab + sh[i].sh_name, ".modinfo") ||
		    sh[i].sh_offset + sh[i].sh_size > size)
			continue;
		p = img + sh[i].sh_offset;
		end = p + sh[i].sh_size;
		while (p < end) {
			size_t len = strnlen(p, end - p);

			if (len > 5 && len - 5 < cap && !strncmp(p, "name=", 5)) {
				memcpy(name, p + 5, len - 5);
				name[len - 5] = '\0';
				return 0;
			}
			p += len + 1;
		}
	}
	return -1;
}

int modload_resolve(const char *arg, struct module_file *m)
{
	const char *base;
	size_t len;
	struct utsname u;
	int fd;
	struct stat st;
	void *img;

	if (strchr(arg, '/') || (strlen(arg) > 3 && !strcmp(arg + strlen(arg) - 3, ".ko"))) {
		snprintf(m->path, sizeof(m->path), "%s", arg);
	} else {
		uname(&u);
		snprintf(m->path, sizeof(m->path), "/lib/modules/%s/systemtap/%s.ko",
			 u.release, arg);
	}
	base = strrchr(m->path, '/');
	base = base ? base + 1 : m->path;
	len = strlen(base);
	if (len > 3 && !strcmp(base + len - 3, ".ko"))
		len -= 3;
	snprintf(m->name, sizeof(m->name), "%.*s", (int)len, base);

	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		msg_error("Couldn't open module '%s': %s", m->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (img != MAP_FAILED) {
			modinfo_name(img, st.st_size, m->name, sizeof(m->name));
			munmap(img, st.st_size);
		}
	}
	close(fd);
	/* The kernel spells '-' in module names as '_'. */
	for (char *p = m->name; *p; p++)
		if (*p == '-')
			*p = '_';
	return 0;
}

/* "a=1 b=\"x y\" _ctap_bufsize=4" */
static char *build_params(const struct options *o)
{
	size_t cap = 64;
	char *s, *p;
	int i;

	for (i = 0; i < o->n_mod_options; i++)
		cap += strlen(o->mod_options[i]) + 4;
	if (o->remote)
		cap += strlen(o->remote) + 64;
	s = malloc(cap);
	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (i = 0; i < o->n_mod_options; i++) {
		const char *opt = o->mod_options[i];
		const char *eq = strchr(opt, '=');

		if (strpbrk(eq + 1, " \t\n"))
			p += sprintf(p, "%s%.*s\"%s\"", i ? " " : "", (int)(eq + 1 - opt), opt, eq + 1);
		else
			p += sprintf(p, "%s%s", i ? " " : "", opt);
	}
	if (o->bufsize_mb)
		p += sprintf(p, " _ctap_bufsize=%u", o->bufsize_mb);
	if (o->remote) {
		const char *colon = strchr(o->remote, ':');

		p += sprintf(p, " _ctap_remote_id=%.*s _ctap_remote_uri=\"%s\"",
			     (int)(colon - o->remote), o->remote, colon + 1);
	}
	return s;
}

static int insert_image(const char *path, const char *params)
{
	struct stat st;
	void *img;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = (int)syscall(SYS_finit_module, fd, params, 0);
	if (rc == 0 || (errno != ENOSYS && errno != EOPNOTSUPP && errno != EPERM)) {
		close(fd);
		return rc;
	}
	/* No finit_module (or a policy refusing it): read and pass the image. */
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return -1;
	rc = (int)syscall(SYS_init_module, img, (unsigned long)st.st_size, params);
	munmap(img, st.st_size);
	return rc;
}

int modload_insert(const struct module_file *m, const struct options *o)
{
	char *params = build_params(o);
	int rc;

	if (!params) {
		msg_error("Out of memory");
		return -1;
	}
	msg_verbose(1, "inserting %s (%s) with parameters '%s'", m->path, m->name, params);
	rc = insert_image(m->path, params);
	if (rc) {
		int e = errno;

		if (e == EEXIST)
			msg_error("Couldn't insert module '%s': a module named '%s' is already loaded",
				  m->path, m->name);
		else
			msg_error("Couldn't insert module '%s': %s", m->path, strerror(e));
	}
	free(params);
	return rc ? -1 : 0;
}

bool modload_is_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

int modload_remove(const char *name)
{
	int tries;

	for (tries = 0; tries < 50; tries++) {
		if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0) {
			msg_verbose(1, "removed module %s", name);
			return 0;
		}
		if (errno == ENOENT)	/* someone else removed it: fine */
			return 0;
		if (errno != EAGAIN && errno != EBUSY && errno != EINTR)
			break;
		usleep(100 * 1000);
	}
	msg_error("Couldn't remove module '%s': %s", name, strerror(errno));
	return -1;
}
