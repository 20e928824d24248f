/*
 * target_internal: the target's state, shared by the files of compiler/target
 * (core.c: release, arch, config; the symbol, BTF and tracepoint sources in
 * their own files).  Nothing outside compiler/target includes this.
 */
#ifndef CTAP_TARGET_INTERNAL_H
#define CTAP_TARGET_INTERNAL_H

#include <stdbool.h>

#include "target/target.h"

struct target {
	char *release;          /* "6.1.0-56-amd64" */
	char *kernel_version;   /* "6.1.0" */
	char *arch;
	char *build_dir;        /* NULL if missing */
	char *fixture_dir;      /* NULL unless testing */
	char *cache_dir;
	bool running;           /* the running kernel */

	/* .config, loaded on first use: "CONFIG_X=value" lines */
	bool config_loaded;
	bool config_found;
	char *config_text;
	char **config_names, **config_values;
	unsigned nconfig;

};

/* Reads DIR/name (fixtures) into a malloc'd string, or NULL. */
char *target_fixture_read(const struct target *t, const char *name);

#endif
