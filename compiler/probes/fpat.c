/*
 * fpat: FUNC[@FILE[:LINE]] (see fpat.h).
 */
#include "probes/fpat.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

bool fpat_parse(struct arena *a, const char *spec, struct fpat *p, const char **why)
{
	memset(p, 0, sizeof(*p));
	const char *at = strchr(spec, '@');
	p->func = at ? arena_strndup(a, spec, (size_t)(at - spec)) : spec;
	if (!*p->func)
		p->func = "*";
	if (!at)
		return true;
	const char *file = at + 1;
	const char *colon = strrchr(file, ':');
	const char *plus = strrchr(file, '+');
	if (plus) {
		*why = "relative line numbers (FUNC@FILE+N) are not supported yet";
		return false;
	}
	if (colon) {
		char *end;
		long line = strtol(colon + 1, &end, 10);
		if (*end || line <= 0) {
			*why = "only a single line number (FUNC@FILE:N) is supported";
			return false;
		}
		p->line = (int)line;
		p->file = arena_strndup(a, file, (size_t)(colon - file));
	} else {
		p->file = file;
	}
	return true;
}

bool fpat_file_matches(const char *have, const char *want)
{
	if (!want)
		return true;
	if (!have)
		return false;
	/* "./x.c" is x.c relative to where it was compiled */
	while (want[0] == '.' && want[1] == '/' && want[2])
		want += 2;
	if (fnmatch(want, have, 0) == 0)
		return true;
	size_t h = strlen(have), w = strlen(want);
	if (h > w && have[h - w - 1] == '/' && fnmatch(want, have + h - w, 0) == 0)
		return true;
	const char *base = strrchr(have, '/');
	return base && fnmatch(want, base + 1, 0) == 0;
}


bool fpat_unit_of_file(void *file, const char *cu_name)
{
	return cu_name && fpat_file_matches(cu_name, file);
}

/* udwarf_filter callbacks over a struct fpat (its func and file) */
bool fpat_want_name(void *arg, const char *name)
{
	const struct fpat *p = arg;
	return fnmatch(p->func, name, 0) == 0;
}

bool fpat_want_file(void *arg, const char *decl_file)
{
	const struct fpat *p = arg;
	return fpat_file_matches(decl_file, p->file);
}

static bool names_c_file(const char *file)
{
	size_t n = file ? strlen(file) : 0;
	return n > 2 && !strcmp(file + n - 2, ".c");
}

/* A function declared in a .c file is defined in that file's unit: the
 * others need not be read (functions of headers are in every unit). */
bool fpat_want_unit(void *arg, const char *cu_name)
{
	const struct fpat *p = arg;
	return !cu_name || !names_c_file(p->file) || fpat_file_matches(cu_name, p->file);
}
