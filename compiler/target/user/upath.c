/*
 * upath: user-space probe paths (see upath.h).
 *
 * Only pass 2 reads these files, and only their names, "#!" line and ELF
 * header: nothing here keeps a file open.
 */
#include "target/user/upath.h"

#include <ctype.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/arena.h"

#define MAX_INTERP_DEPTH 4

static bool is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "name" searched in $PATH; NULL when not found. */
static char *search_path(struct arena *a, const char *name)
{
	const char *p = getenv("PATH");
	if (!p)
		p = "/usr/local/bin:/usr/bin:/bin";
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = arena_printf(a, "%.*s/%s", (int)len, len ? p : ".", name);
		if (is_regular(cand) && access(cand, X_OK) == 0)
			return cand;
		p += len;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/* A "#!" script's interpreter (first word after "#!"), or NULL. */
static char *interpreter(struct arena *a, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char line[PATH_MAX + 8];
	char *r = NULL;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char *s = line + 2;
		while (*s == ' ' || *s == '\t')
			s++;
		char *e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		*e = 0;
		if (*s)
			r = arena_strdup(a, s);
	}
	fclose(f);
	return r;
}

/* realpath, then scripts -> interpreter (a few levels). */
static const char *canonical(struct arena *a, const char *path)
{
	for (int depth = 0; depth < MAX_INTERP_DEPTH; depth++) {
		char buf[PATH_MAX];
		if (!realpath(path, buf) || !is_regular(buf))
			return NULL;
		char *interp = interpreter(a, buf);
		if (!interp)
			return arena_strdup(a, buf);
		path = interp;
	}
	return NULL;
}

int upath_resolve(struct arena *a, const char *spec, upath_cb cb, void *ctx)
{
	if (!spec || !*spec)
		return 0;
	if (strpbrk(spec, "*?[")) {
		glob_t g;
		int n = 0;
		if (glob(spec, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++) {
				const char *c = canonical(a, g.gl_pathv[i]);
				if (c) {
					cb(ctx, c);
					n++;
				}
			}
		}
		globfree(&g);
		return n;
	}
	const char *path = spec;
	if (!strchr(spec, '/')) {
		path = search_path(a, spec);
		if (!path)
			return 0;
	}
	const char *c = canonical(a, path);
	if (!c)
		return 0;
	cb(ctx, c);
	return 1;
}

static void keep_first(void *ctx, const char *path)
{
	const char **out = ctx;
	if (!*out)
		*out = path;
}

const char *upath_command(struct arena *a, const char *cmd)
{
	if (!cmd)
		return NULL;
	while (isspace((unsigned char)*cmd))
		cmd++;
	size_t len = 0;
	while (cmd[len] && !isspace((unsigned char)cmd[len]))
		len++;
	const char *first = arena_strndup(a, cmd, len);
	const char *out = NULL;
	upath_resolve(a, first, keep_first, &out);
	return out;
}

bool upath_is_shared_library(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool lib = false;
	GElf_Ehdr eh;
	if (e && gelf_getehdr(e, &eh) && eh.e_type == ET_DYN) {
		bool pie = false, interp = false;
		size_t n = 0;
		elf_getphdrnum(e, &n);
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(e, (int)i, &ph))
				continue;
			if (ph.p_type == PT_INTERP)
				interp = true;
		}
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Dyn dyn;
				if (gelf_getdyn(d, (int)i, &dyn) && dyn.d_tag == DT_FLAGS_1 &&
				    (dyn.d_un.d_val & DF_1_PIE))
					pie = true;
			}
		}
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		lib = !pie && (!interp || strstr(base, ".so"));
	}
	if (e)
		elf_end(e);
	close(fd);
	return lib;
}
