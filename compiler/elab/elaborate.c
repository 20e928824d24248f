/* elaborate: pass 2 (placeholder until elaboration lands: says so). */
#include "elab/elaborate.h"

#include "session.h"

struct program *elaborate(struct session *s, struct parse_result *parsed)
{
	(void)parsed;
	diag_report(&s->diag, DIAG_PLAIN, D_SEM, NULL,
		    "pass 2 (elaboration) is not available yet in this build of ctap");
	return NULL;
}

void elaborate_report(const struct program *p, FILE *out)
{
	(void)p;
	(void)out;
}

void elaborate_print(struct session *s, const struct program *p, FILE *out)
{
	(void)s;
	(void)p;
	(void)out;
}

bool elaborate_listing(struct session *s, const struct program *p, FILE *out)
{
	(void)s;
	(void)p;
	(void)out;
	return false;
}
