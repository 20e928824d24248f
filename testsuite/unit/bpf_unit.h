/*
 * bpf_unit.h: the harness the BPF unit tests share (bpf_core_test,
 * bpf_helpers_test): a case runs, records its first failure with fail()
 * or CHECK(), and prints "ok - NAME" / "not ok - NAME: why" / "skip -
 * NAME: why" for the runner; a fixture (struct t) holds what loading a
 * program needs: an arena, a diagnostics sink writing to memory and a
 * loader.
 *
 * Header-only on purpose: each test is one program, and the state below
 * is that program's.
 */
#ifndef CTAP_TESTSUITE_BPF_UNIT_H
#define CTAP_TESTSUITE_BPF_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/load.h"
#include "bpfmc/ir.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "util/arena.h"

static int failures;
static const char *case_name;
static char fail_msg[2048];
static bool case_failed;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));

static void fail(const char *fmt, ...)
{
	if (case_failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
	case_failed = true;
}

#define CHECK(cond, ...)                        \
	do {                                    \
		if (!(cond)) {                  \
			fail(__VA_ARGS__);      \
			goto out;               \
		}                               \
	} while (0)

struct t {
	struct arena *a;
	struct source_table src;
	struct diag_sink diag;
	char *dbuf;
	size_t dlen;
	FILE *dout;
	struct ir_tagger tagger;
	struct load_ctx *lc;
	struct source_file *file;
	struct token toks[8];
};

/* Opens the fixture; with a script, its text is source file "t.stp" for
 * tags to point into. */
static __attribute__((unused)) void t_open_with(struct t *t, const char *script)
{
	memset(t, 0, sizeof(*t));
	t->a = arena_new();
	source_table_init(&t->src, t->a);
	if (script)
		t->file = source_add(&t->src, SOURCE_USER, "t.stp", script, strlen(script));
	t->dout = open_memstream(&t->dbuf, &t->dlen);
	diag_init(&t->diag, &t->src, t->dout);
	ir_tagger_for_tokens(&t->tagger, &t->src);
	t->lc = load_open(&t->diag, &t->tagger);
}

static __attribute__((unused)) const char *t_diag(struct t *t)
{
	fflush(t->dout);
	return t->dbuf ? t->dbuf : "";
}

static __attribute__((unused)) void t_close(struct t *t)
{
	load_close(t->lc);
	diag_fini(&t->diag);
	fclose(t->dout);
	free(t->dbuf);
	source_table_fini(&t->src);
	arena_free(t->a);
}

/* Whether this process may load BPF here; why not in *why. */
static bool have_bpf(const char **why)
{
	if (geteuid() != 0) {
		*why = "needs root";
		return false;
	}
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 8, 1, NULL);
	if (fd < 0) {
		*why = "bpf() refused";
		return false;
	}
	close(fd);
	return true;
}

/* A case that needs more than bpf() says why it cannot run (NULL: it can). */
typedef const char *(*case_needs_fn)(void);

static __attribute__((unused)) void run_case_if(const char *name, void (*fn)(void),
						bool needs_bpf, case_needs_fn needs)
{
	const char *why = NULL;
	case_name = name;
	if ((needs_bpf && !have_bpf(&why)) || (needs && (why = needs()))) {
		printf("skip - %s: %s\n", name, why);
		fflush(stdout);
		return;
	}
	case_failed = false;
	fail_msg[0] = '\0';
	fn();
	if (case_failed) {
		failures++;
		printf("not ok - %s: %s\n", name, fail_msg);
	} else {
		printf("ok - %s\n", name);
	}
	fflush(stdout);
}

#endif
