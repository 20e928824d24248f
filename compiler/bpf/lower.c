/* lower: placeholder. */
#include "bpf/lower.h"

#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

struct bpf_translation *lower_program(struct bpf_plan *pl)
{
	struct bpf_translation *t = arena_new_obj(pl->arena, struct bpf_translation);
	t->pl = pl;
	ir_tagger_for_tokens(&t->tagger, &pl->s->sources);
	vec_foreach(&pl->probes, i) {
		struct bprobe *bp = pl->probes.items[i];
		if (bp->where == BP_KERNEL) {
			diag_error(&pl->s->diag, D_TRANS, bp->dp->tok, "kernel probes: not yet");
			return NULL;
		}
	}
	return t;
}

void lower_print(struct bpf_translation *t, struct strbuf *out)
{
	(void)t;
	(void)out;
}
