/*
 * diag_test: the diagnostics sink's scopes (diag_mark, diag_mute,
 * diag_rollback, diag_forgive, diag_errors_since) on a sink writing to a
 * memory stream: what a muted attempt leaves behind (nothing: no text, no
 * count, no dedup entry, no change to how the next message names its
 * file), what a forgiven one leaves (its text and dedup entries, no
 * count), and that marks nest.  Prints "ok - NAME" / "not ok - NAME".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "util/arena.h"

static int failures;

static void check(bool ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	if (!ok)
		failures++;
}

struct fixture {
	struct arena *arena;
	struct source_table sources;
	struct diag_sink sink;
	char *text;
	size_t len;
	FILE *out;
	struct token a, b; /* identifiers in two files */
};

static void fixture_open(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->arena = arena_new();
	source_table_init(&f->sources, f->arena);
	static const char one[] = "probe begin { x = 1 }\n";
	static const char two[] = "probe end { y = 2 }\n";
	struct source_file *s1 = source_add(&f->sources, SOURCE_USER, "one.stp", one, strlen(one));
	struct source_file *s2 = source_add(&f->sources, SOURCE_TAPSET, "two.stp", two, strlen(two));
	f->a = (struct token){ .kind = TK_IDENT, .text = "x", .len = 1,
			       .loc = { .file = s1->id, .line = 1, .col = 15, .off = 14 } };
	f->b = (struct token){ .kind = TK_IDENT, .text = "y", .len = 1,
			       .loc = { .file = s2->id, .line = 1, .col = 13, .off = 12 } };
	f->out = open_memstream(&f->text, &f->len);
	diag_init(&f->sink, &f->sources, f->out);
}

/* What the sink printed since the last call. */
static const char *fixture_take(struct fixture *f)
{
	fflush(f->out);
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s", f->text ? f->text : "");
	fclose(f->out);
	free(f->text);
	f->text = NULL;
	f->out = open_memstream(&f->text, &f->len);
	f->sink.out = f->out;
	return buf;
}

static void fixture_close(struct fixture *f)
{
	diag_fini(&f->sink);
	fclose(f->out);
	free(f->text);
	source_table_fini(&f->sources);
	arena_free(f->arena);
}

static void test_mute_rollback(void)
{
	struct fixture f;
	fixture_open(&f);
	struct diag_mark m = diag_mark(&f.sink);
	diag_mute(&f.sink);
	diag_error(&f.sink, D_SEM, &f.a, "quiet failure");
	diag_chain(&f.sink, &f.b, "chained to it");
	diag_warning(&f.sink, W_GENERIC, NULL, "quiet warning");
	diag_print(&f.sink, "1 parse error.\n");
	check(diag_errors_since(&f.sink, &m) == 1, "muted: an error is still counted");
	check(strcmp(fixture_take(&f), "") == 0, "muted: nothing printed, chains and lines neither");
	diag_rollback(&f.sink, &m);
	check(f.sink.errors == 0 && f.sink.warnings == 0 && !diag_errors_since(&f.sink, &m),
	      "rollback: no error or warning left counted");
	check(!f.sink.muted, "rollback: the mute ends");
	diag_error(&f.sink, D_SEM, &f.a, "quiet failure");
	check(strstr(fixture_take(&f), "quiet failure: identifier 'x' at one.stp:1:15") != NULL,
	      "rollback: the muted message is not remembered by dedup, and its file is named");
	check(f.sink.suppressed_errors == 0, "rollback: no duplicate counted");
	fixture_close(&f);
}

static void test_rollback_keeps_earlier(void)
{
	struct fixture f;
	fixture_open(&f);
	diag_error(&f.sink, D_SEM, &f.a, "before the mark");
	fixture_take(&f);
	struct diag_mark m = diag_mark(&f.sink);
	diag_mute(&f.sink);
	diag_error(&f.sink, D_SEM, &f.b, "in the other file");
	diag_rollback(&f.sink, &m);
	diag_error(&f.sink, D_SEM, &f.a, "after");
	check(strstr(fixture_take(&f), "after: identifier 'x' at :1:15") != NULL,
	      "rollback: the next message omits the file as if nothing had been muted");
	diag_error(&f.sink, D_SEM, &f.a, "before the mark");
	check(strcmp(fixture_take(&f), "") == 0 && f.sink.suppressed_errors == 1,
	      "rollback: what came before the mark is still deduplicated");
	check(f.sink.errors == 3, "rollback: errors before the mark still count");
	fixture_close(&f);
}

static void test_forgive(void)
{
	struct fixture f;
	fixture_open(&f);
	struct diag_mark m = diag_mark(&f.sink);
	diag_parse_error(&f.sink, D_PARSE, &f.a, DIAG_SAW, "broken tapset");
	check(diag_errors_since(&f.sink, &m) == 1 && diag_parse_errors_since(&f.sink, &m) == 1,
	      "forgive: errors and parse errors since the mark are counted first");
	diag_forgive(&f.sink, &m);
	check(f.sink.errors == 0 && f.sink.parse_errors == 0, "forgive: they stop counting");
	check(strstr(fixture_take(&f), "parse error: broken tapset") != NULL,
	      "forgive: what was printed stays printed");
	diag_parse_error(&f.sink, D_PARSE, &f.b, DIAG_SAW, "broken tapset");
	check(strcmp(fixture_take(&f), "") == 0, "forgive: dedup still knows the message");
	fixture_close(&f);
}

static void test_nesting(void)
{
	struct fixture f;
	fixture_open(&f);
	struct diag_mark outer = diag_mark(&f.sink);
	diag_mute(&f.sink);
	diag_error(&f.sink, D_SEM, &f.a, "outer");
	struct diag_mark inner = diag_mark(&f.sink);
	diag_error(&f.sink, D_SEM, &f.b, "inner");
	diag_forgive(&f.sink, &inner);
	check(diag_errors_since(&f.sink, &outer) == 1, "nested: a forgiven inner error leaves the outer one");
	diag_rollback(&f.sink, &inner);
	check(f.sink.muted, "nested: rolling back the inner mark keeps the outer mute");
	diag_error(&f.sink, D_SEM, &f.b, "still quiet");
	check(strcmp(fixture_take(&f), "") == 0, "nested: still muted");
	diag_rollback(&f.sink, &outer);
	check(f.sink.errors == 0 && !f.sink.muted, "nested: the outer rollback restores all");
	fixture_close(&f);
}

static void test_warnings_as_errors(void)
{
	struct fixture f;
	fixture_open(&f);
	f.sink.warnings_are_errors = true;
	struct diag_mark m = diag_mark(&f.sink);
	diag_mute(&f.sink);
	diag_warning(&f.sink, W_GENERIC, &f.a, "a warning");
	check(diag_errors_since(&f.sink, &m) == 1, "-W: a muted warning counts as an error");
	diag_rollback(&f.sink, &m);
	check(f.sink.errors == 0 && f.sink.warnings == 0, "-W: rollback forgets it");
	fixture_close(&f);
}

int main(void)
{
	test_mute_rollback();
	test_rollback_keeps_earlier();
	test_forgive();
	test_nesting();
	test_warnings_as_errors();
	return failures ? 1 : 0;
}
