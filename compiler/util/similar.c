#include "util/similar.h"

#include <string.h>

#include "util/strbuf.h"

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 1000;
	unsigned row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = prev + cost;
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = cur;
		}
	}
	return row[lb];
}

void similar_init(struct similar *s, const char *want)
{
	memset(s, 0, sizeof(*s));
	s->want = want;
}

void similar_offer(struct similar *s, const char *candidate)
{
	if (!candidate || !*candidate || strcmp(candidate, s->want) == 0)
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->best[i], candidate) == 0)
			return;
	unsigned d = edit_distance(s->want, candidate);
	size_t lw = strlen(s->want);
	/* far-off names are noise, not suggestions */
	if (d > (lw > 4 ? lw : 4))
		return;
	unsigned pos = s->n;
	while (pos > 0 && s->dist[pos - 1] > d)
		pos--;
	if (pos >= 5)
		return;
	unsigned last = s->n < 5 ? s->n : 4;
	for (unsigned i = last; i > pos; i--) {
		s->best[i] = s->best[i - 1];
		s->dist[i] = s->dist[i - 1];
	}
	s->best[pos] = candidate;
	s->dist[pos] = d;
	if (s->n < 5)
		s->n++;
}

void similar_append(const struct similar *s, struct strbuf *out, const char *label)
{
	if (!s->n)
		return;
	strbuf_printf(out, " (%s: ", label ? label : "similar");
	for (unsigned i = 0; i < s->n; i++)
		strbuf_printf(out, "%s%s", i ? ", " : "", s->best[i]);
	strbuf_putc(out, ')');
}
