/*
 * target/kconfig: the target's .config, read on first use.
 *
 * Sources, first found wins: the fixture's "config", the build tree's
 * .config, /boot/config-R, and for the running kernel /proc/config.gz.
 * The text is kept; names and values point into it ("CONFIG_X" -> "y",
 * string values unquoted).  Lookups are linear: pass 2 asks a handful of
 * options per script, a hash would cost more to build than it saves.
 */
#include "target/target_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/fixture_file.h"
#include "target/gzfile.h"
#include "util/arena.h"
#include "util/fileutil.h"

static char *load_config_text(struct target *t)
{
	if (t->d->fixture_dir)
		return fixture_file_text(t->d->fixture_dir, "config");
	char *text = NULL, *path = NULL;
	if (t->d->build_dir) {
		if (asprintf(&path, "%s/.config", t->d->build_dir) < 0)
			xoom();
		text = file_read_all(path, NULL);
		free(path);
		if (text)
			return text;
	}
	if (asprintf(&path, "/boot/config-%s", t->d->release) < 0)
		xoom();
	text = file_read_all(path, NULL);
	free(path);
	if (text)
		return text;
	if (t->d->running)
		text = gzfile_read("/proc/config.gz", NULL);
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

