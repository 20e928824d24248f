/*
 * regex: the groups of the last successful `=~` of a hit, for matched()
 * and ngroups() (language.md §14).  The generated module walks the
 * regex's DFA (ck_regex, compiler/kmod/regex.c); when the script asks for
 * groups it calls _ctap_regex_track() with the walk's answer, and on a
 * match the submatch engine of common/submatch.c finds where the groups
 * are, over the same program the BPF back end and user space run.
 */
#ifndef CTAP_KMOD_REGEX_H
#define CTAP_KMOD_REGEX_H

#include <linux/types.h>
#include "common/submatch.h"
#include "kmod/config.h"

struct _ctap_context;

struct _ctap_match {
	int groups;			/* ngroups(); -1: the last =~ failed, or none yet */
	int16_t slot[SUBMATCH_MAX_SLOTS] SUBMATCH_SLOTS_ALIGN;
	char subject[MAXSTRINGLEN];
	struct submatch_state st;
};

/* After a =~ over s answered `matched`: the hit's groups (p: the regex's
 * program).  Returns matched. */
int _ctap_regex_track(struct _ctap_context *c, const char *s, int matched,
		      const struct submatch_prog *p);
/* Group n of the last successful =~ into out (MAXSTRINGLEN bytes): 0, or
 * -1 after a failed match (or none), -2 if it has no group n. */
int _ctap_matched(struct _ctap_context *c, char *out, int64_t n);

#endif
