/*
 * submatch_test: where the groups of a =~ match are - util/redfa.c's
 * tagged NFA, elab/regex_sub.c's layout and runtime/common/submatch.c's
 * engine, as every runtime runs them.  Table cases give the groups the
 * rules of submatch.h fix (POSIX's where POSIX is clear); a generated run
 * checks the whole match against the C library's regexec (POSIX
 * leftmost-longest) and the step bound.  Prints "ok - NAME" /
 * "not ok - NAME".
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/submatch.h"
#include "elab/regex_sub.h"
#include "util/arena.h"
#include "util/redfa.h"

static int failures;

static void check(bool ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	if (!ok)
		failures++;
}

static struct submatch_state state;

/* The groups of re over s as "(from,to)..." (ngroups of them), "nomatch"
 * or "error"; *steps: how many steps the search took, *bound its bound. */
static const char *groups(struct arena *A, const char *re, const char *s, uint64_t *steps,
			  uint64_t *bound)
{
	static char text[512];
	struct redfa d;
	struct redfa_error err;
	if (redfa_compile(A, re, strlen(re), 0, &d, &err) != REDFA_OK)
		return "error";
	if (!redfa_match(&d, s))
		return "nomatch";
	uint32_t size;
	const struct submatch_prog *p = regex_sub_prog(A, &d, &size);
	if (!p)
		return "error";
	uint32_t len = (uint32_t)strlen(s), cap = 1;
	while (cap <= len)
		cap <<= 1;
	submatch_begin(&state, len);
	*steps = 0;
	while (submatch_step(&state, p, s, cap))
		++*steps;
	*bound = submatch_steps_max(p, len);
	int16_t slot[SUBMATCH_MAX_SLOTS];
	if (!submatch_end(&state, p, slot))
		return "lost";
	text[0] = 0;
	for (uint32_t g = 0; g < d.ngroups; g++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "(%d,%d)", slot[2 * g],
			 slot[2 * g + 1]);
	return text;
}

struct gcase {
	const char *re, *s, *want;
};

static const struct gcase cases[] = {
	{ "str(ing)", "an example string", "(11,17)(14,17)" },
	{ "a|(b)", "ab", "(0,1)(-1,-1)" },
	{ "^(.*)/([^/]+)$", "/usr/lib/libc.so.6", "(0,18)(0,8)(9,18)" },
	{ "gid=([0-9]+)", "uid=0 gid=100", "(6,13)(10,13)" },
	/* leftmost, then longest */
	{ "(ab|a)(c|bcd)", "abcd", "(0,4)(0,1)(1,4)" },
	{ "abcd|bc", "abcd", "(0,4)" },
	{ "x*", "aaxx", "(0,0)" },
	{ "(a|ab)(bc|c)?", "abc", "(0,3)(0,1)(1,3)" },
	/* the last iteration of a repeated group */
	{ "(ab)+", "xxabababyy", "(2,8)(6,8)" },
	{ "([a-c])*", "abcd", "(0,3)(2,3)" },
	/* an empty iteration only as the first */
	{ "(a*)*", "", "(0,0)(0,0)" },
	{ "(a*)*", "b", "(0,0)(0,0)" },
	{ "(a*)*", "aaa", "(0,3)(0,3)" },
	{ "(a*)+", "aa", "(0,2)(0,2)" },
	{ "(a|)+", "aab", "(0,2)(1,2)" },
	/* groups that take no part */
	{ "(x)?y", "y", "(0,1)(-1,-1)" },
	{ "((a)|(b))+", "ab", "(0,2)(1,2)(0,1)(1,2)" },
	/* anchors */
	{ "^(a)|(b)$", "ab", "(0,1)(0,1)(-1,-1)" },
	{ "(a$)|(b)", "ba", "(0,1)(-1,-1)(0,1)" },
	{ "(^|x)(y)", "xy", "(0,2)(0,1)(1,2)" },
	{ "a(b)$", "abab", "(2,4)(3,4)" },
	{ "q", "xyz", "nomatch" },
};

static void test_cases(struct arena *A)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t steps = 0, bound = 0;
		const char *got = groups(A, cases[i].re, cases[i].s, &steps, &bound);
		char name[200];
		snprintf(name, sizeof(name), "\"%s\" =~ \"%s\": %s%s%s", cases[i].s, cases[i].re,
			 cases[i].want, strcmp(got, cases[i].want) ? ", got " : "",
			 strcmp(got, cases[i].want) ? got : "");
		check(!strcmp(got, cases[i].want) && steps <= bound, name);
	}
}

/* Random patterns over a small alphabet: the whole match is POSIX's
 * leftmost-longest (regexec's), in at most the bound of steps. */
static void test_generated(struct arena *A)
{
	static const char *atoms[] = { "a", "b", "ab", "(a)", "(b)", "(a|b)", "(ab|a)", "[ab]", ".",
				       "(a*)", "(b+)", "(a|ab)", "^", "$", "(a|)", "(a*b)", "x" };
	static const char *ops[] = { "", "*", "+", "?", "{1,2}" };
	const int natoms = sizeof(atoms) / sizeof(atoms[0]);
	unsigned seed = 1, cases_run = 0, wrong = 0, over = 0;
	for (int it = 0; it < 40000; it++) {
		char re[160] = "", s[16];
		int k = 1 + rand_r(&seed) % 4;
		for (int i = 0; i < k; i++) {
			const char *a = atoms[rand_r(&seed) % natoms];
			strcat(re, a);
			if (a[0] != '^' && a[0] != '$')
				strcat(re, ops[rand_r(&seed) % 5]);
		}
		/* $ before ^ can only match the empty string; regexec and
		 * the DFA disagree there, which is not this engine's matter */
		const char *dollar = strchr(re, '$');
		if (dollar && strchr(dollar, '^'))
			continue;
		int n = rand_r(&seed) % 10;
		for (int i = 0; i < n; i++)
			s[i] = "abx"[rand_r(&seed) % 3];
		s[n] = 0;
		regex_t posix;
		if (regcomp(&posix, re, REG_EXTENDED))
			continue;
		regmatch_t m[1];
		bool pm = regexec(&posix, s, 1, m, 0) == 0;
		regfree(&posix);
		uint64_t steps = 0, bound = 0;
		const char *got = groups(A, re, s, &steps, &bound);
		char want[32];
		snprintf(want, sizeof(want), "(%d,%d)", pm ? (int)m[0].rm_so : 0, pm ? (int)m[0].rm_eo : 0);
		cases_run++;
		if (!pm ? strcmp(got, "nomatch") != 0 : strncmp(got, want, strlen(want)) != 0) {
			if (wrong++ < 5)
				printf("# \"%s\" =~ \"%s\": regexec %s, got %s\n", s, re,
				       pm ? want : "nomatch", got);
		}
		if (steps > bound)
			over++;
	}
	char name[120];
	snprintf(name, sizeof(name), "%u generated cases: whole match as regexec's", cases_run);
	check(wrong == 0 && cases_run > 30000, name);
	check(over == 0, "generated cases: steps within submatch_steps_max");
}

static void test_limits(struct arena *A)
{
	struct redfa d;
	struct redfa_error err;
	char re[200] = "";
	for (int i = 0; i < 15; i++)
		strcat(re, "(a)");
	check(redfa_compile(A, re, strlen(re), 0, &d, &err) == REDFA_OK && d.sub,
	      "15 groups are tracked");
	strcat(re, "(a)");
	check(redfa_compile(A, re, strlen(re), 0, &d, &err) == REDFA_OK && !d.sub && d.sub_why,
	      "16 groups are not (the DFA still matches)");
	check(redfa_compile(A, "[a-z]{62}", 9, 0, &d, &err) == REDFA_OK && d.sub,
	      "62 positions (with the match state and the start) are tracked");
	check(redfa_compile(A, "[a-z]{70}", 9, 0, &d, &err) == REDFA_OK && !d.sub && d.sub_why,
	      "70 positions are not");
}

int main(void)
{
	struct arena *A = arena_new();
	test_cases(A);
	test_generated(A);
	test_limits(A);
	arena_free(A);
	return failures != 0;
}
