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

const char *const upath_library_dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
					   "/lib64", "/usr/lib64", "/lib", "/usr/lib",
					   "/usr/local/lib", NULL };

static const char *existing(struct arena *a, const char *path)
{
	char buf[PATH_MAX];
	return realpath(path, buf) ? arena_strdup(a, buf) : NULL;
}

const char *upath_library(struct arena *a, const char *from, const char *runpath,
			  const char *name)
{
	if (strchr(name, '/'))
		return existing(a, name);
	const char *slash = strrchr(from, '/');
	const char *origin = slash ? arena_strndup(a, from, (size_t)(slash - from)) : ".";
	for (const char *p = runpath; p && *p;) {
		size_t len = strcspn(p, ":");
		const char *dir = arena_strndup(a, p, len);
		if (!strncmp(dir, "$ORIGIN", 7))
			dir = arena_printf(a, "%s%s", origin, dir + 7);
		else if (!strncmp(dir, "${ORIGIN}", 9))
			dir = arena_printf(a, "%s%s", origin, dir + 9);
		const char *found = *dir ? existing(a, arena_printf(a, "%s/%s", dir, name)) : NULL;
		if (found)
			return found;
		p += len + (p[len] == ':');
	}
	for (int i = 0; upath_library_dirs[i]; i++) {
		const char *found = existing(a, arena_printf(a, "%s/%s", upath_library_dirs[i], name));
		if (found)
			return found;
	}
	return NULL;
}
