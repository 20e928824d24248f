/*
 * target/ftrace_funcs: which functions of the running kernel carry an
 * ftrace entry (tracefs available_filter_functions).
 *
 * The kernel's kprobe events (and so the kprobe PMU a BPF session attaches
 * through) refuse a function without one (EINVAL, "Could not probe notrace
 * function"): notrace code, and the out-of-line copies of `inline`
 * functions, which the kernel's inline implies notrace for
 * (__do_sys_pidfd_send_signal in 6.1).  register_kprobe, which a module
 * calls, has no such rule, so only the BPF back end asks.
 */
#include "target/target_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The file names each traced function once, by the first of its names
 * (__ia32_sys_getppid, not its alias __x64_sys_getppid): what is kept is
 * the addresses those names have, so any name of the code answers. */
static bool load(struct target *t)
{
	const char *root = tracefs_root(t);
	if (!root)
		return false;
	char path[512];
	snprintf(path, sizeof(path), "%s/available_filter_functions", root);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char line[512];
	size_t cap = 0;
	while (fgets(line, sizeof(line), f)) {
		/* "name" for the kernel's, "name [module]" for a module's */
		size_t len = strcspn(line, " \t\n");
		if (!len || line[len] == ' ' || line[len] == '\t')
			continue;
		line[len] = '\0';
		const struct target_symbol *sym = target_function(t, line);
		if (!sym || !sym->addr || sym->module)
			continue;
		if (t->nftrace_addrs == cap) {
			cap = cap ? 2 * cap : 4096;
			t->ftrace_addrs = xrealloc(t->ftrace_addrs, cap * sizeof(uint64_t));
		}
		t->ftrace_addrs[t->nftrace_addrs++] = sym->addr;
	}
	fclose(f);
	qsort(t->ftrace_addrs, t->nftrace_addrs, sizeof(uint64_t), cmp_addr);
	return t->nftrace_addrs > 0;
}

int target_ftrace_traceable(struct target *t, const char *name)
{
	if (!t->d->running || strchr(name, ':'))
		return -1;
	if (!t->ftrace_funcs_tried) {
		t->ftrace_funcs_tried = true;
		t->ftrace_funcs_found = load(t);
	}
	const struct target_symbol *sym = target_function(t, name);
	if (!t->ftrace_funcs_found || !sym || !sym->addr)
		return -1;
	return bsearch(&sym->addr, t->ftrace_addrs, t->nftrace_addrs, sizeof(uint64_t),
		       cmp_addr) != NULL;
}
