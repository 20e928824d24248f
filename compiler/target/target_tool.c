/*
 * ctap-target: a developer's window on compiler/target, and the fixture
 * recorder.  Not installed; testsuite/fixtures/record-target and
 * bench/target_bench.sh run it from the build tree.
 *
 *   ctap-target [-r RELEASE | --fixture DIR] [--cache DIR | --no-cache] CMD ...
 *     info                      the description (release, arch, where its
 *                               files are), sources and what is missing
 *     functions GLOB            matching kernel functions ("ADDR NAME")
 *     proto NAME...             BTF prototypes, SystemTap -L style
 *     at ADDR...                symbol containing each address
 *     tracepoints [SYS:]GLOB    "kernel.trace("sys:name") $arg:type ..." (-L style)
 *     config NAME...            CONFIG_ values
 *     record DIR [--btf=full|trim|none] [--functions GLOB] [--protos GLOB,...]
 *     bench                     timings of each source (first use), in ms
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "target/target.h"
#include "util/arena.h"

static void usage(void)
{
	fputs("usage: ctap-target [-r RELEASE | --fixture DIR] [--cache DIR | --no-cache] "
	      "info|functions GLOB|proto NAME...|at ADDR...|tracepoints [SYS:]GLOB|"
	      "config NAME...|record DIR [--btf=full|trim|none] [--functions GLOB] "
	      "[--protos GLOB,...]|bench\n",
	      stderr);
	exit(2);
}

static void print_sym(void *ctx, const struct target_symbol *s)
{
	(void)ctx;
	if (s->module)
		printf("%016llx %s [%s]\n", (unsigned long long)s->addr, s->name, s->module);
	else
		printf("%016llx %s\n", (unsigned long long)s->addr, s->name);
}

static void print_tp(void *ctx, const struct target_tracepoint *tp)
{
	bool *verbose = ctx;
	printf("kernel.trace(\"%s:%s\")", tp->system, tp->name);
	if (*verbose)
		for (uint32_t i = 0; i < tp->nargs; i++)
			printf(" $%s:%s", tp->args[i].name, tp->args[i].ctype);
	putchar('\n');
}

static int cmd_proto(struct target *t, int argc, char **argv)
{
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		const struct target_func_proto *p = target_function_proto(t, argv[i]);
		if (!p) {
			printf("%s: no prototype\n", argv[i]);
			rc = 1;
			continue;
		}
		printf("kernel.function(\"%s\")", p->name);
		for (uint32_t k = 0; k < p->nparams; k++)
			printf(" $%s:%s", p->params[k].name, p->params[k].ctype);
		printf("  /* returns %s%s */\n", p->ret_ctype, p->varargs ? ", varargs" : "");
	}
	return rc;
}

static int cmd_tracepoints(struct target *t, const char *spec, bool verbose)
{
	char *sys = NULL;
	const char *name = spec;
	const char *colon = strchr(spec, ':');
	if (colon) {
		sys = strndup(spec, (size_t)(colon - spec));
		name = colon + 1;
	}
	int n = target_tracepoints_match(t, sys, name, print_tp, &verbose);
	free(sys);
	if (n < 0) {
		fprintf(stderr, "no tracepoint list: %s\n", target_tracepoints_missing(t));
		return 1;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One line per source, in the order pass 2 meets them. */
static int cmd_bench(struct target *t)
{
	double t0 = now_ms();
	bool syms = target_has_symbols(t);
	double t1 = now_ms();
	int nvfs = target_functions_match(t, "vfs_*", NULL, NULL);
	double t2 = now_ms();
	bool btf = target_btf(t) != NULL;
	double t3 = now_ms();
	int ntp = target_tracepoints_match(t, NULL, "*", NULL, NULL);
	double t4 = now_ms();
	const struct target_tracepoint *sw = target_tracepoint(t, "sched", "sched_switch");
	int nall = target_tracepoints_match(t, NULL, "*", NULL, NULL);
	(void)nall;
	double t5 = now_ms();
	printf("symbols      %8.1f ms  %s (%s)\n", t1 - t0, syms ? "ok" : "missing",
	       syms ? target_symbols_source(t) : target_symbols_missing(t));
	printf("glob vfs_*   %8.3f ms  %d matches\n", t2 - t1, nvfs);
	printf("btf          %8.1f ms  %s (%s)\n", t3 - t2, btf ? "ok" : "missing",
	       btf ? target_btf_source(t) : target_btf_missing(t));
	printf("tracepoints  %8.1f ms  %d\n", t4 - t3, ntp);
	printf("sched_switch %8.3f ms  %u args\n", t5 - t4, sw ? sw->nargs : 0);
	return 0;
}

int main(int argc, char **argv)
{
	struct target_options o = { 0 };
	struct target_record_options ro = { .btf = TARGET_RECORD_BTF_TRIM };
	static const struct option longs[] = {
		{ "fixture", required_argument, NULL, 'F' },
		{ "cache", required_argument, NULL, 'C' },
		{ "no-cache", no_argument, NULL, 'N' },
		{ "btf", required_argument, NULL, 'B' },
		{ "functions", required_argument, NULL, 'f' },
		{ "protos", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	bool verbose = false;
	int c;
	while ((c = getopt_long(argc, argv, "+r:a:vL", longs, NULL)) != -1) {
		switch (c) {
		case 'r': o.release = optarg; break;
		case 'a': o.arch = optarg; break;
		case 'F': o.fixture_dir = optarg; break;
		case 'C': o.cache_dir = optarg; break;
		case 'N': o.no_cache = true; break;
		case 'v': case 'L': verbose = true; break;
		case 'f': ro.functions_glob = optarg; break;
		case 'P': ro.protos_glob = optarg; break;
		case 'B':
			ro.btf = strcmp(optarg, "full") == 0   ? TARGET_RECORD_BTF_FULL
				 : strcmp(optarg, "none") == 0 ? TARGET_RECORD_BTF_NONE
							       : TARGET_RECORD_BTF_TRIM;
			break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	char *err = NULL;
	struct arena *a = arena_new();
	const struct target_desc *d = target_desc_resolve(a, &o, &err);
	struct target *t = d ? target_open(d, &err) : NULL;
	if (!t) {
		fprintf(stderr, "ctap-target: %s\n", err);
		free(err);
		arena_free(a);
		return 1;
	}
	const char *cmd = argv[optind++];
	int rest = argc - optind, rc = 0;
	char **args = argv + optind;
	if (strcmp(cmd, "info") == 0) {
		printf("release %s\narch %s\nversion %s\nrunning %d\nbuild %s\nkbuild %s\n"
		       "debuginfo %s\nmodules %d\n",
		       d->release, d->arch, d->kernel_version, d->running,
		       d->build_dir ? d->build_dir : "-", d->kbuild_dir,
		       d->debuginfo ? d->debuginfo : "-", target_can_load_modules(t));
		printf("symbols %s\n", target_has_symbols(t) ? target_symbols_source(t)
							     : target_symbols_missing(t));
		printf("btf %s\n", target_btf(t) ? target_btf_source(t) : target_btf_missing(t));
		printf("tracepoints %s\n", target_has_tracepoints(t) ? target_tracepoints_source(t)
								      : target_tracepoints_missing(t));
		if (target_has_tracepoints(t) && target_tracepoints_missing(t))
			printf("tracepoints-note %s\n", target_tracepoints_missing(t));
	} else if (strcmp(cmd, "functions") == 0 && rest == 1) {
		int n = target_functions_match(t, args[0], print_sym, NULL);
		if (n < 0) {
			fprintf(stderr, "no symbol table: %s\n", target_symbols_missing(t));
			rc = 1;
		}
	} else if (strcmp(cmd, "proto") == 0) {
		rc = cmd_proto(t, rest, args);
	} else if (strcmp(cmd, "at") == 0) {
		for (int i = 0; i < rest; i++) {
			uint64_t off = 0;
			const struct target_symbol *s =
				target_symbol_at(t, strtoull(args[i], NULL, 0), &off);
			printf("%s %s+0x%llx\n", args[i], s ? s->name : "?", (unsigned long long)off);
		}
	} else if (strcmp(cmd, "tracepoints") == 0 && rest == 1) {
		rc = cmd_tracepoints(t, args[0], verbose);
	} else if (strcmp(cmd, "config") == 0) {
		for (int i = 0; i < rest; i++) {
			const char *v = target_config(t, args[i]);
			printf("%s=%s\n", args[i], v ? v : "(unset)");
		}
	} else if (strcmp(cmd, "record") == 0 && rest == 1) {
		if (target_record(t, args[0], &ro, &err) != 0) {
			fprintf(stderr, "ctap-target: %s\n", err);
			free(err);
			rc = 1;
		}
	} else if (strcmp(cmd, "bench") == 0) {
		rc = cmd_bench(t);
	} else {
		usage();
	}
	target_close(t);
	arena_free(a);
	return rc;
}
