/* kmod/backend: the kernel-module back end's hooks (see backend.h). */
#include "backend.h"

#include "session.h"

static bool kmod_translate(struct session *s, struct program *p, void **out)
{
	(void)p;
	(void)out;
	diag_report(&s->diag, DIAG_PLAIN, D_TRANS, NULL,
		    "the kernel-module back end cannot translate yet in this build of ctap");
	return false;
}

const struct backend kmod_backend = {
	.name = "kernel",
	.translate = kmod_translate,
};
