/*
 * parse_fuzz: libFuzzer target for pass 1 (lexer, preprocessor, parser,
 * printer), built by testsuite/fuzz/run-fuzz with clang and
 * -fsanitize=fuzzer,address,undefined.
 *
 * One input is one user script.  Each input gets what a session gives a
 * compilation (arena, names, sources, diagnostics), torn down before the
 * next one, so the process runs millions of inputs and LeakSanitizer sees
 * anything that outlives its input.  Diagnostics go to /dev/null.  It
 * needs only the front end (no session, target or back end), so run-fuzz
 * compiles it straight from the sources without configure.
 *
 * What varies with the input, so that one corpus reaches more paths:
 * the input's length modulo 4 picks guru mode (embedded C allowed) and the
 * BPF runtime (the `runtime` condition); three script arguments are always
 * given ($1 = 42, @2 = "two words", $3 = "$1", a nested substitution);
 * a small library macro file is read first, as the tapset's .stpm files
 * are, so that library-macro paths run too.
 *
 * Property checked beyond "no crash, no leak, no hang": when the script
 * parses, its -p1 dump parses again and prints the same text (the
 * round-trip that testsuite/parse/roundtrip_test.sh checks on real
 * scripts).  A difference aborts, so it is reported like a crash
 * (PARSE_FUZZ_NO_ROUND_TRIP=1 in the environment turns the check off).
 *
 * Built with -DPARSE_FUZZ_MAIN it is instead a plain program (no libFuzzer)
 * that runs the target over files and directories given on the command
 * line (by default the kept corpus and the regression inputs): that is
 * testsuite/unit/parse_fuzz_test, so `make check` replays them all.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "parse/ast_print.h"
#include "parse/parser.h"
#include "parse/preproc.h"
#include "util/arena.h"
#include "util/fileutil.h"
#include "util/intern.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static const char library_macros[] =
	"@define lib_one %( 1 %)\n"
	"@define lib_pair(a, b) %( (@a + @b) %)\n"
	"%( arch == \"x86_64\" %? @define lib_arch %( \"x86\" %) %: @define lib_arch %( \"other\" %) %)\n";

static const char *const script_args[] = { "42", "two words", "$1" };

/* What one input's compilation owns (the front end's part of a session). */
struct fuzz_ctx {
	struct arena *arena;
	struct intern_table *names;
	struct source_table sources;
	struct diag_sink diag;
	bool guru;
	bool bpf;
	struct pp_env env;
	uint64_t args_used[1];
};

static const char *fuzz_runtime(void *ctx)
{
	return ((struct fuzz_ctx *)ctx)->bpf ? "bpf" : "kernel";
}

/* A fixed kernel configuration: numbers, y/m, a string, a non-number. */
static const char *fuzz_config(void *ctx, const char *name)
{
	static const char *const config[][2] = {
		{ "CONFIG_HZ", "250" },         { "CONFIG_SMP", "y" },
		{ "CONFIG_MODULES", "y" },      { "CONFIG_EXT4_FS", "m" },
		{ "CONFIG_NR_CPUS", "8192" },   { "CONFIG_LOCALVERSION", "\"-fuzz\"" },
		{ "CONFIG_BASE_SMALL", "0" },   { "CONFIG_PHYSICAL_START", "0x1000000" },
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(config) / sizeof(config[0]); i++)
		if (strcmp(config[i][0], name) == 0)
			return config[i][1];
	return NULL;
}

static void fuzz_open(struct fuzz_ctx *c, size_t size)
{
	memset(c, 0, sizeof(*c));
	c->arena = arena_new();
	c->names = intern_new(c->arena);
	source_table_init(&c->sources, c->arena);
	diag_init(&c->diag, &c->sources, devnull);
	c->guru = (size & 1) != 0;
	c->bpf = (size & 2) != 0;
	c->env = (struct pp_env){
		.kernel_v = "6.1.0", .kernel_vr = "6.1.0-56-amd64", .arch = "x86_64",
		.systemtap_v = "5.0", .privilege = "stapdev", .guru = c->guru,
		.glue_strings = true, .runtime = fuzz_runtime, .config = fuzz_config, .ctx = c,
		.args = script_args, .nargs = 3, .args_used = c->args_used,
	};
}

static void fuzz_close(struct fuzz_ctx *c)
{
	diag_fini(&c->diag);
	source_table_fini(&c->sources);
	intern_free(c->names);
	arena_free(c->arena);
}

/* Runs one text through preprocessor and parser as parse.c does for a
 * user script; NULL when it had errors. */
static struct stapfile *parse_one(struct fuzz_ctx *c, struct pp_library *lib, const char *text,
				  size_t len)
{
	struct source_file *src = source_add(&c->sources, SOURCE_USER, "<input>", text, len);
	struct stapfile *f = arena_new_obj(c->arena, struct stapfile);
	f->name = src->name;
	f->source_id = src->id;
	f->privileged = c->guru;
	unsigned before = c->diag.errors;
	struct preproc *pp = preproc_open(c->arena, c->names, &c->diag, &c->sources, &c->env, lib,
					  src);
	struct parser P;
	parser_init(&P, c->arena, c->names, &c->diag, pp, f, c->guru, c->guru);
	P.autocast = true;
	P.sources = &c->sources;
	parser_run(&P);
	parser_fini(&P);
	preproc_close(pp);
	return c->diag.errors == before ? f : NULL;
}

static void check_round_trip(struct fuzz_ctx *c, struct pp_library *lib, const struct stapfile *f)
{
	struct strbuf one = STRBUF_INIT, two = STRBUF_INIT;
	ast_print_file(&one, f);
	const struct stapfile *g = parse_one(c, lib, strbuf_str(&one), one.len);
	if (g)
		ast_print_file(&two, g);
	if (!g || one.len != two.len || (one.len && memcmp(one.buf, two.buf, one.len) != 0)) {
		fprintf(stderr, "parse_fuzz: the dump does not round-trip (%s)\n--- dump:\n%s\n",
			g ? "prints differently" : "does not parse again", strbuf_str(&one));
		if (g)
			fprintf(stderr, "--- dump of the dump:\n%s\n", strbuf_str(&two));
		abort();
	}
	strbuf_free(&one);
	strbuf_free(&two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int round_trip = -1;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	if (round_trip < 0)
		round_trip = getenv("PARSE_FUZZ_NO_ROUND_TRIP") == NULL;
	struct fuzz_ctx c;
	fuzz_open(&c, size);
	struct pp_library lib = { 0 };
	struct source_file *macros = source_add(&c.sources, SOURCE_MACROS, "<library>",
						library_macros, sizeof(library_macros) - 1);
	if (!preproc_library_file(c.arena, c.names, &c.diag, &c.sources, &c.env, &lib, macros))
		abort(); /* the fixed library must always be accepted */
	struct stapfile *f = parse_one(&c, &lib, (const char *)data, size);
	if (f && round_trip)
		check_round_trip(&c, &lib, f);
	fuzz_close(&c);
	return 0;
}

#ifdef PARSE_FUZZ_MAIN
/* Replays files (or every file in directories) through the target and
 * prints one "ok - " line per argument: the runner's unit-test shape. */
static int replay_file(const char *path)
{
	size_t len;
	char *text = file_read_all(path, &len);
	if (!text)
		return -1;
	LLVMFuzzerTestOneInput((const uint8_t *)text, len);
	free(text);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, unsigned *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **names = NULL;
	size_t count = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (count + 1) * sizeof(*names));
		if (asprintf(&names[count], "%s/%s", dir, de->d_name) < 0)
			xoom();
		count++;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < count; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(names[i]) != 0)
				rc = -1;
			else
				(*n)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Without arguments: the kept corpus and the regression inputs of the
 * source tree (CTAP_SRCDIR from the test runner, else the configured one). */
static int replay_defaults(char ***argv)
{
	const char *src = getenv("CTAP_SRCDIR");
#ifdef CTAP_ABS_SRCDIR
	if (!src || !*src)
		src = CTAP_ABS_SRCDIR;
#endif
	if (!src || !*src)
		return 0;
	static char *dirs[3];
	if (asprintf(&dirs[1], "%s/testsuite/fuzz/corpus", src) < 0 ||
	    asprintf(&dirs[2], "%s/testsuite/fuzz/regressions", src) < 0)
		xoom();
	*argv = dirs;
	return 3;
}

int main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2)
		argc = replay_defaults(&argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		unsigned n = 0;
		int rc;
		if (stat(argv[i], &st) != 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = replay_dir(argv[i], &n);
		else
			rc = replay_file(argv[i]), n = 1;
		const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		if (rc == 0) {
			printf("ok - replay %s (%u input%s)\n", name, n, n == 1 ? "" : "s");
		} else {
			printf("not ok - replay %s: cannot read %s\n", name, argv[i]);
			status = 1;
		}
		fflush(stdout);
	}
	if (devnull)
		fclose(devnull);
	return status;
}
#endif
