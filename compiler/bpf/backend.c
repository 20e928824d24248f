/* bpf/backend: the BPF back end's hooks (see backend.h). */
#include "backend.h"

#include "session.h"

static bool bpf_translate(struct session *s, struct program *p, void **out)
{
	(void)p;
	(void)out;
	diag_report(&s->diag, DIAG_PLAIN, D_TRANS, NULL,
		    "the BPF back end cannot translate yet in this build of ctap");
	return false;
}

const struct backend bpf_backend = {
	.name = "bpf",
	.translate = bpf_translate,
};
