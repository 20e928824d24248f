/* parse: pass 1 (placeholder until the front end lands: says so). */
#include "parse/parse.h"

#include "session.h"

bool parse_pass(struct session *s, struct parse_result *out)
{
	(void)out;
	diag_report(&s->diag, DIAG_PLAIN, D_PARSE, NULL,
		    "pass 1 (parsing) is not available yet in this build of ctap");
	return false;
}

void parse_print(struct session *s, const struct parse_result *r, FILE *out)
{
	(void)s;
	(void)r;
	(void)out;
}
