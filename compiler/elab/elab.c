/*
 * elab: the operations on pass 2's shared state (elab.h) that its stages
 * and the probe families all use: registering probe aliases in the match
 * tree as library files get parsed, pulling a tapset file into the
 * program, and the target kernel.  The stages (elaborate.c runs them)
 * call these, never each other's internals.
 */
#include "elab/elab.h"

#include <string.h>

#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"
#include "util/vec.h"

void elab_register_aliases(struct elab *E, struct stapfile *f)
{
	for (uint32_t i = 0; i < f->aliases.len; i++) {
		struct probe_alias *al = f->aliases.items[i];
		for (uint32_t j = 0; j < al->names.len; j++) {
			struct probe_point *name = al->names.items[j];
			bool glob = false;
			for (uint32_t k = 0; k < name->comps.len; k++)
				if (strpbrk(name->comps.items[k].functor, "*?["))
					glob = true;
			if (glob) {
				diag_error(E->diag, D_SEM_PROBE_POINT, al->tok,
					   "while registering probe alias");
				diag_chain(E->diag, NULL, "invalid use of wildcard probe point component");
				continue;
			}
			match_tree_add_alias(&E->tree, al, name);
		}
	}
}

void elab_sync_library(struct elab *E)
{
	while (E->library_registered < E->parsed->library.len)
		elab_register_aliases(E, E->parsed->library.items[E->library_registered++]);
}

void elab_use_file(struct elab *E, struct stapfile *f)
{
	if (f->used)
		return;
	f->used = true;
	vec_push(E->arena, &E->pulled, f);
	for (uint32_t i = 0; i < f->probes.len; i++)
		vec_push(E->arena, &E->pending, f->probes.items[i]);
}

struct target *elab_target(struct elab *E)
{
	return session_target(E->s);
}
