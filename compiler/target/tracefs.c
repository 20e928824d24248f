/*
 * target/tracefs: the tracepoints of the running kernel, from tracefs.
 *
 * Root: /sys/kernel/tracing (mounted there if it is not and we are root,
 * as `perf` and SystemTap's runtime do), else /sys/kernel/debug/tracing.
 * Listing reads directory names and each event's `id` only; the `format`
 * file (record fields) is parsed when a tracepoint is matched.
 *
 * Skipped: the "ftrace" system (function, print, ...: ftrace's own record
 * types, not attachable events) and dynamic events (kprobes, uprobes,
 * synthetic), which exist only because someone created them.
 */
#include "target/target_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/fileutil.h"

static const char *const skipped_systems[] = {
	"ftrace", "kprobes", "uprobes", "synthetic", "eprobes", "user_events",
};

static bool has_events(const char *root)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/events", root);
	return dir_exists(path);
}

const char *tracefs_root(struct target *t)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	if (t->tracefs_tried)
		return t->tracefs;
	t->tracefs_tried = true;
	if (!t->d->running)
		return NULL;
	for (size_t i = 0; i < 2 && !t->tracefs; i++)
		if (has_events(roots[i]))
			t->tracefs = roots[i];
	if (!t->tracefs && geteuid() == 0 && dir_exists(roots[0]) &&
	    mount("nodev", roots[0], "tracefs", 0, NULL) == 0 && has_events(roots[0]))
		t->tracefs = roots[0];
	return t->tracefs;
}

static bool skipped(const char *system)
{
	for (size_t i = 0; i < sizeof(skipped_systems) / sizeof(skipped_systems[0]); i++)
		if (strcmp(system, skipped_systems[i]) == 0)
			return true;
	return false;
}

static int32_t read_id(const char *dir, const char *sys, const char *name)
{
	char path[1024];
	if (snprintf(path, sizeof(path), "%s/%s/%s/id", dir, sys, name) >= (int)sizeof(path))
		return -1;
	char *text = file_read_all(path, NULL);
	int32_t id = text ? (int32_t)strtol(text, NULL, 10) : -1;
	free(text);
	return id;
}

static void load_system(struct target *t, const char *events, const char *sys)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", events, sys);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		/* the id is read with the format, for the tracepoints a
		 * script uses: reading some 2,000 id files was most of the
		 * time of a one-tracepoint script's pass 2 */
		tptable_add(&t->tps, t->arena, sys, de->d_name, -1);
	}
	closedir(d);
}

bool tracefs_load(struct target *t)
{
	const char *root = tracefs_root(t);
	if (!root) {
		why_set(&t->tps_why, "tracefs is not mounted at /sys/kernel/tracing and "
			"cannot be mounted (not root?)");
		return false;
	}
	char events[512];
	snprintf(events, sizeof(events), "%s/events", root);
	DIR *d = opendir(events);
	if (!d) {
		why_set(&t->tps_why, "cannot read %s: %m", events);
		return false;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR || skipped(de->d_name))
			continue;
		load_system(t, events, de->d_name);
	}
	closedir(d);
	t->tps_source = arena_strdup(t->arena, events);
	return true;
}

/* "field:unsigned long call_site;" -> ctype "unsigned long", name
 * "call_site"; "char comm[16]" -> "char[16]", "comm";
 * "__data_loc char[] name" stays a __data_loc type. */
static void split_decl(struct target *t, const char *decl, size_t n, struct target_tp_field *f)
{
	while (n && isspace((unsigned char)decl[n - 1]))
		n--;
	const char *arr = NULL;
	size_t arrlen = 0;
	if (n && decl[n - 1] == ']') {
		const char *open = decl + n;
		while (open > decl && *open != '[')
			open--;
		/* "char[] name" has the brackets before the name, not after */
		arr = open;
		arrlen = (size_t)(decl + n - open);
		n = (size_t)(open - decl);
	}
	size_t e = n;
	while (e && (isalnum((unsigned char)decl[e - 1]) || decl[e - 1] == '_'))
		e--;
	f->name = arena_strndup(t->arena, decl + e, n - e);
	size_t tl = e;
	while (tl && isspace((unsigned char)decl[tl - 1]))
		tl--;
	f->ctype = arena_printf(t->arena, "%.*s%.*s", (int)tl, decl, (int)arrlen, arr ? arr : "");
}

static uint32_t field_num(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	return p ? (uint32_t)strtoul(p + strlen(key), NULL, 10) : 0;
}

void tracefs_parse_format(struct target *t, struct target_tracepoint *tp, const char *text)
{
	uint32_t n = 0, cap = 0;
	struct target_tp_field *fields = NULL;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *f = strstr(line, "field:");
		if (f && (!nl || f < nl)) {
			const char *decl = f + 6;
			const char *semi = strchr(decl, ';');
			if (semi && (!nl || semi < nl)) {
				if (n == cap) {
					uint32_t ncap = cap ? cap * 2 : 16;
					struct target_tp_field *nf =
						arena_new_array(t->arena, struct target_tp_field, ncap);
					if (n)
						memcpy(nf, fields, sizeof(*nf) * n);
					fields = nf;
					cap = ncap;
				}
				struct target_tp_field *fd = &fields[n++];
				split_decl(t, decl, (size_t)(semi - decl), fd);
				fd->offset = field_num(semi, "offset:");
				fd->size = field_num(semi, "size:");
				fd->is_signed = field_num(semi, "signed:") != 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	tp->fields = fields;
	tp->nfields = n;
}

void tracefs_load_fields(struct target *t, struct target_tracepoint *tp)
{
	const char *root = tracefs_root(t);
	if (!root)
		return;
	char path[1024];
	snprintf(path, sizeof(path), "%s/events", root);
	tp->tracefs_id = read_id(path, tp->system, tp->name);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, tp->system, tp->name);
	char *text = file_read_all(path, NULL);
	if (!text)
		return;
	tracefs_parse_format(t, tp, text);
	free(text);
}
