/*
 * regex: `=~` / `!~` (language.md §14).  Not translated yet: a clear
 * pass-3 error instead of a wrong answer.
 */
#include "kmod/kmod.h"

struct val km_regex(struct km_lower *L, struct expr *e)
{
	kmod_error(L->K, e->tok, "regular expression matching is not supported by the "
		   "kernel-module back end yet");
	L->failed = true;
	return kv_long("0", true);
}
