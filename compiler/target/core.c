/*
 * target/core: opening the facts about a described kernel (target_desc.h)
 * and answering what needs no symbol table: whether modules can be loaded.
 * Opening reads nothing; every source is loaded on first use by its own
 * file, and closing frees what they loaded.
 */
#include "target/target_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "target/fixture_file.h"
#include "util/arena.h"
#include "util/fileutil.h"

struct target *target_open(const struct target_desc *d, char **err)
{
	/* A release that is neither running nor installed in any form is a
	 * typo: say so now rather than failing later in every lookup. */
	if (!target_desc_installed(d)) {
		if (asprintf(err, "Kernel release '%s' is not installed: no %s, "
			     "/boot/System.map-%s or /boot/vmlinuz-%s", d->release, d->kbuild_dir,
			     d->release, d->release) < 0)
			xoom();
		return NULL;
	}
	struct target *t = xcalloc(1, sizeof(*t));
	t->d = d;
	t->arena = arena_new();
	return t;
}

void target_close(struct target *t)
{
	if (!t)
		return;
	free(t->config_text);
	free(t->config_names);
	free(t->config_values);
	symtab_free(&t->syms);
	free(t->syms_why);
	free(t->image_why);
	free(t->image_btf);
	free(t->image_btf_why);
	free(t->image_map);
	free(t->image_map_why);
	free(t->image_build_id);
	free(t->image_build_id_why);
	free(t->kernel_build_id);
	free(t->kernel_build_id_why);
	btf__free(t->btf);
	free(t->btf_why);
	namemap_free(&t->btf_funcs);
	namemap_free(&t->btf_traces);
	free(t->bpf_trace_funcs);
	namemap_free(&t->protos);
	free(t->ftrace_addrs);
	tptable_free(&t->tps);
	free(t->tps_why);
	arena_free(t->arena);
	free(t);
}

const struct target_desc *target_description(const struct target *t)
{
	return t->d;
}

/* ---------------------------------------------------------- capabilities */

bool target_can_load_modules(struct target *t)
{
	if (t->d->fixture_dir) {
		char *v = fixture_file_text(t->d->fixture_dir, "can_load_modules");
		bool yes = v && v[0] == '1';
		free(v);
		return yes;
	}
	if (!t->d->running) {
		const char *m = target_config(t, "CONFIG_MODULES");
		return m && strcmp(m, "y") == 0;
	}
	if (access("/proc/modules", F_OK) != 0)
		return false;
	/* lockdown=integrity or confidentiality refuses unsigned modules
	 * when module signature enforcement is on; "[none]" allows all. */
	char *lock = file_read_all("/sys/kernel/security/lockdown", NULL);
	if (lock) {
		bool locked = strstr(lock, "[none]") == NULL;
		free(lock);
		if (locked)
			return false;
	}
	char *sig = file_read_all("/sys/module/module/parameters/sig_enforce", NULL);
	if (sig) {
		bool enforce = sig[0] == 'Y';
		free(sig);
		if (enforce)
			return false;
	}
	return true;
}
