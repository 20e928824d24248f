/*
 * similar: "did you mean" suggestions (edit distance), as in SystemTap's
 * "(similar: tcp, udp, module)" hints.
 */
#ifndef CTAP_SIMILAR_H
#define CTAP_SIMILAR_H

#include <stddef.h>

struct strbuf;

struct similar {
	const char *want;
	const char *best[5];
	unsigned dist[5];
	unsigned n;
};

void similar_init(struct similar *s, const char *want);
/* Offers a candidate; keeps the closest five (ties: first offered wins). */
void similar_offer(struct similar *s, const char *candidate);
/* Appends " (similar: a, b, c)" or nothing when there is no candidate. */
void similar_append(const struct similar *s, struct strbuf *out, const char *label);

#endif
