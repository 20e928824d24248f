/*
 * redfa_test: util/redfa.c, regular expressions into DFAs.  Each case
 * compiles a pattern and walks the DFA (redfa_match) over strings whose
 * outcome POSIX ERE search semantics fix (language.md §14); cross-checks
 * the same strings with the C library's regexec; checks the error cases
 * (message and position) and the bound on states.  Prints "ok - NAME" /
 * "not ok - NAME".
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "util/arena.h"
#include "util/redfa.h"

static int failures;

static void check(bool ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	if (!ok)
		failures++;
}

struct mcase {
	const char *re, *s;
	bool want;
};

static const struct mcase matches[] = {
	{ "o w", "hello world", true },
	{ "^hello", "hello world", true },
	{ "^world", "hello world", false },
	{ "world$", "hello world", true },
	{ "hello$", "hello world", false },
	{ "^$", "", true },
	{ "^$", "x", false },
	{ "a*", "", true },
	{ "a.c", "abc", true },
	{ "a.c", "ac", false },
	{ "^(ab)+$", "abab", true },
	{ "^(ab)+$", "aba", false },
	{ "colou?r", "color", true },
	{ "colou?r", "colour", true },
	{ "[0-9]{3}", "x123y", true },
	{ "[0-9]{3}", "x12y", false },
	{ "^x[0-9]{1,2}y$", "x12y", true },
	{ "^x[0-9]{1,2}y$", "x123y", false },
	{ "^x[0-9]{2,}y$", "x1234y", true },
	{ "^x[0-9]{2,}y$", "x1y", false },
	{ "^a{0}b$", "b", true },
	{ "foo\\.bar", "foo.bar", true },
	{ "foo\\.bar", "fooxbar", false },
	{ "^(cat|dog)$", "dog", true },
	{ "^(cat|dog)$", "cow", false },
	{ "a|X", "zXz", true },
	{ "a|", "zzz", true },
	{ "^[A-Z]+$", "ABC", true },
	{ "^[A-Z]+$", "AbC", false },
	{ "[]]", "a]b", true },
	{ "[-]", "a-b", true },
	{ "[^a-z]", "abc", false },
	{ "[^a-z]", "ab1", true },
	{ "^[[:upper:]][[:lower:]][[:digit:]]$", "Ab1", true },
	{ "^[[:upper:]][[:lower:]][[:digit:]]$", "aB1", false },
	{ "[[:space:]]", "a b", true },
	{ "[[:xdigit:]]+$", "zzF0", true },
	{ "(abc){2}", "abcabc", true },
	{ "(abc){2}", "abcab", false },
	{ "x^", "x", false },
	{ "$x", "x", false },
	{ "^(a|b)*c$", "ababc", true },
	{ "^(a|b)*c$", "abxc", false },
	{ "a)", "a)", true },
	{ "^stap(io|run)?$", "stapio", true },
	{ "^stap(io|run)?$", "staprunx", false },
};

static void test_matches(struct arena *A)
{
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		const struct mcase *m = &matches[i];
		struct redfa d;
		struct redfa_error err;
		char name[160];
		snprintf(name, sizeof(name), "match \"%s\" =~ \"%s\" is %d", m->s, m->re, m->want);
		bool ok = redfa_compile(A, m->re, strlen(m->re), 0, &d, &err) == REDFA_OK &&
			  redfa_match(&d, m->s) == m->want;
		/* the C library agrees (where it takes the pattern the same way) */
		regex_t rx;
		if (ok && strcmp(m->re, "a)") != 0 && regcomp(&rx, m->re, REG_EXTENDED | REG_NOSUB) == 0) {
			ok = (regexec(&rx, m->s, 0, NULL, 0) == 0) == m->want;
			regfree(&rx);
		}
		check(ok, name);
	}
}

static void test_tables(struct arena *A)
{
	struct redfa d;
	struct redfa_error err;
	bool ok = redfa_compile(A, "^x(a|b)+y$", 10, 0, &d, &err) == REDFA_OK;
	/* x, a|b, y and everything else: four classes plus NUL's */
	ok = ok && d.nclasses <= 5 && d.cls['a'] == d.cls['b'] && d.cls['x'] != d.cls['y'];
	for (uint32_t i = 0; ok && i < d.nstates * d.nclasses; i++)
		ok = d.next[i] < d.nstates;
	check(ok, "tables: byte classes shared, transitions in range");
	ok = redfa_compile(A, "(a)(b(c))|(d)", 13, 0, &d, &err) == REDFA_OK && d.ngroups == 5;
	check(ok, "ngroups counts groups and the whole match");
	ok = redfa_compile(A, "abc", 3, 0, &d, &err) == REDFA_OK && d.ngroups == 1;
	check(ok, "ngroups without groups is 1");
}

struct ecase {
	const char *re;
	const char *msg;
	uint32_t pos;
};

static const struct ecase errors[] = {
	{ "(", "unbalanced '('", 1 },
	{ "(a|b", "unbalanced '('", 4 },
	{ "[a", "unterminated bracket expression", 2 },
	{ "*a", "repetition operator without an operand", 0 },
	{ "a|+", "repetition operator without an operand", 2 },
	{ "a{3", "unterminated {m,n}", 3 },
	{ "a{x}", "invalid repetition count", 2 },
	{ "a{2,1}", "invalid repetition count", 5 },
	{ "a{256}", "invalid repetition count", 5 },
	{ "[[:foo:]]", "unknown character class", 1 },
	{ "[b-a]", "invalid range in a bracket expression", 4 },
	{ "a\\", "trailing backslash", 2 },
};

static void test_errors(struct arena *A)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const struct ecase *c = &errors[i];
		struct redfa d;
		struct redfa_error err;
		char name[160];
		snprintf(name, sizeof(name), "error \"%s\": %s at %u", c->re, c->msg, c->pos);
		bool ok = redfa_compile(A, c->re, strlen(c->re), 0, &d, &err) == REDFA_SYNTAX &&
			  err.msg && strcmp(err.msg, c->msg) == 0 && err.pos == c->pos;
		if (!ok && err.msg)
			printf("# got \"%s\" at %u\n", err.msg, err.pos);
		check(ok, name);
	}
}

static void test_limit(struct arena *A)
{
	/* (a|b)*a(a|b){n}: the classic DFA blow-up, 2^(n+1) states */
	const char *re = "(a|b)*a(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)";
	struct redfa d;
	struct redfa_error err;
	check(redfa_compile(A, re, strlen(re), 0, &d, &err) == REDFA_TOO_COMPLEX,
	      "state bound: exponential pattern refused");
	check(redfa_compile(A, "(a|b)*a(a|b)(a|b)", 17, 0, &d, &err) == REDFA_OK &&
	      redfa_compile(A, "(a|b)*a(a|b)(a|b)", 17, 4, &d, &err) == REDFA_TOO_COMPLEX,
	      "state bound: the caller's limit applies");
	/* a large bounded repetition stays within the bound */
	check(redfa_compile(A, "^a{1,200}$", 10, 0, &d, &err) == REDFA_OK && redfa_match(&d, "aaaa") &&
	      !redfa_match(&d, "aab"), "bounded repetition {1,200}");
}

int main(void)
{
	struct arena *A = arena_new();
	test_matches(A);
	test_tables(A);
	test_errors(A);
	test_limit(A);
	arena_free(A);
	return failures != 0;
}
