/*
 * regex: `STR =~ "RE"` and `STR !~ "RE"` (language.md §14) in kernel
 * modules.  util/redfa.c compiled RE into a DFA at pass 2; this
 * file prints its tables into the module and calls ck_regex, one table walk
 * over the string with no allocation, recursion or backtracking.  When
 * the script asks for groups (matched(), ngroups()), the regex's submatch
 * program (elab/regex_sub.c) is printed too and the walk's answer goes
 * through _ctap_regex_track (runtime/kmod/regex.c), which finds where
 * the groups of a match are.
 */
#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"
#include "util/vec.h"
#include "util/redfa.h"

static void emit_tables(struct km_lower *L, const struct redfa *D, unsigned id)
{
	struct strbuf *st = &L->K->statics;
	unsigned ns = D->nstates, ncls = D->nclasses;
	strbuf_printf(st, "static const u8 ck_re_%u_cls[256] = {", id);
	for (int c = 0; c < 256; c++)
		strbuf_printf(st, "%s%d,", c % 16 ? " " : "\n\t", D->cls[c]);
	strbuf_puts(st, "\n};\n");
	strbuf_printf(st, "static const u16 ck_re_%u_next[%u] = {", id, ns * ncls);
	for (unsigned s = 0; s < ns; s++) {
		strbuf_puts(st, "\n\t");
		for (unsigned k = 0; k < ncls; k++)
			strbuf_printf(st, "%s%u,", k ? " " : "", D->next[s * ncls + k]);
	}
	strbuf_puts(st, "\n};\n");
	strbuf_printf(st, "static const u8 ck_re_%u_acc[%u] = {", id, ns);
	for (unsigned s = 0; s < ns; s++)
		strbuf_printf(st, "%s%u,", s % 16 ? " " : "\n\t", D->acc[s]);
	strbuf_puts(st, "\n};\n");
	L->K->regex_classes[id] = (int)ncls;
}

/* Does the script call matched() or ngroups() (then every =~ tracks its
 * groups)? */
static bool tracks_groups(const struct kmod *K)
{
	vec_foreach(&K->prog->functions, i) {
		const char *b = K->prog->functions.items[i]->bpf_builtin;
		if (b && (!strcmp(b, "matched") || !strcmp(b, "ngroups")))
			return true;
	}
	return false;
}

/* The submatch program as u64 words (its layout is 8-byte aligned) */
static void emit_sub(struct km_lower *L, const struct expr *e, unsigned id)
{
	struct strbuf *st = &L->K->statics;
	const uint64_t *w = (const uint64_t *)(const void *)e->u.regex.sub;
	unsigned n = e->u.regex.sub_size / 8;
	strbuf_printf(st, "static const u64 ck_re_%u_sub[%u] = {", id, n);
	for (unsigned i = 0; i < n; i++)
		strbuf_printf(st, "%s0x%llxULL,", i % 4 ? " " : "\n\t", (unsigned long long)w[i]);
	strbuf_puts(st, "\n};\n");
}

struct val km_regex(struct km_lower *L, struct expr *e)
{
	struct kmod *K = L->K;
	struct val s = km_expr(L, e->u.regex.lhs);
	/* pass 2 compiled it (elab/checks.c) or failed */
	const struct redfa *D = e->u.regex.dfa;
	if (K->nregex == KM_MAX_REGEX) {
		kmod_error(K, D_TRANS_LIMIT, e->tok, "too many regular expressions in one script");
		L->failed = true;
		return kv_long("0", true);
	}
	unsigned id = K->nregex++;
	strbuf_printf(&K->statics, "/* =~ %s */\n",
		      km_quote(K->a, e->u.regex.pattern, e->u.regex.pattern_len));
	emit_tables(L, D, id);
	K->helpers |= KH_REGEX;
	const char *call = arena_printf(K->a, "ck_regex(%s, ck_re_%u_cls, ck_re_%u_next, %d, ck_re_%u_acc)",
					s.c, id, id, K->regex_classes[id], id);
	if (tracks_groups(K)) {
		if (!e->u.regex.sub) {
			/* pass 2 refused it (elab/checks.c) */
			kmod_error(K, D_TRANS_PROGRAM, e->tok, "=~ without its submatch program");
			L->failed = true;
			return kv_long("0", true);
		}
		emit_sub(L, e, id);
		/* the string is evaluated once, for both */
		call = arena_printf(K->a,
				    "({ const char *re_s_ = (%s); _ctap_regex_track(c, re_s_, "
				    "ck_regex(re_s_, ck_re_%u_cls, ck_re_%u_next, %d, ck_re_%u_acc), "
				    "(const struct submatch_prog *)ck_re_%u_sub); })",
				    s.c, id, id, K->regex_classes[id], id, id);
	}
	return kv_long(arena_printf(K->a, "(int64_t)%s%s", e->u.regex.negated ? "!" : "", call), false);
}
