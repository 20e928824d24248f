/*
 * regex: `STR =~ "RE"` and `STR !~ "RE"` (language.md §14) in kernel
 * modules.  util/redfa.c compiled RE into a DFA at pass 2; this
 * file prints its tables into the module and calls ck_regex, one table walk
 * over the string with no allocation, recursion or backtracking.
 * matched()/ngroups() (submatches) are not supported on this back end.
 */
#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"
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
	return kv_long(arena_printf(K->a, "(int64_t)%s%s", e->u.regex.negated ? "!" : "", call), false);
}
