/*
 * regex: the groups of `=~` in kernel modules (regex.h).
 */
#include "kmod/regex.h"
#include "kmod/context.h"

int _ctap_regex_track(struct _ctap_context *c, const char *s, int matched,
		      const struct submatch_prog *p)
{
	struct _ctap_match *m = &c->match;
	size_t len;

	if (!matched) {
		m->groups = -1;
		return 0;
	}
	len = strscpy(m->subject, s, sizeof(m->subject));
	if ((ssize_t)len < 0)
		len = sizeof(m->subject) - 1;
	memset(m->slot, 0xff, sizeof(m->slot));
	submatch_begin(&m->st, len);
	while (submatch_step(&m->st, p, m->subject, roundup_pow_of_two(MAXSTRINGLEN)))
		;
	submatch_end(&m->st, p, m->slot);
	m->groups = p->nslots / 2;
	return 1;
}

int _ctap_matched(struct _ctap_context *c, char *out, int64_t n)
{
	struct _ctap_match *m = &c->match;
	int from, to;

	out[0] = '\0';
	if (m->groups < 0)
		return -1;
	if (n < 0 || n >= m->groups || n >= SUBMATCH_MAX_SLOTS / 2)
		return -2;
	from = m->slot[2 * n];
	to = m->slot[2 * n + 1];
	if (from >= 0 && to > from && to < MAXSTRINGLEN) {
		memcpy(out, m->subject + from, to - from);
		out[to - from] = '\0';
	}
	return 0;
}
