/*
 * kernel_lines: whether a script asks for kernel source lines, and the
 * line table that answers (see elaborate.h).
 */
#include "elab/elaborate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/program.h"
#include "parse/ast.h"
#include "session.h"
#include "target/klines.h"
#include "target/target_desc.h"
#include "util/arena.h"

const char *elaborate_kernel_lines(struct session *s, const struct program *p)
{
	const struct functiondecl *f = NULL;
	vec_foreach(&p->functions, i) {
		const struct functiondecl *g = p->functions.items[i];
		if (g->file && g->file->is_tapset &&
		    (!strcmp(g->name, "symfileline") || !strcmp(g->name, "symfile") ||
		     !strcmp(g->name, "symline"))) {
			f = g;
			break;
		}
	}
	if (!f)
		return NULL;
	const struct target_desc *d = s->target_desc;
	char *why = NULL, *path = NULL;
	if (!d || !d->debuginfo) {
		if (asprintf(&why, "no DWARF of kernel %s is installed (Debian: linux-image-%s-dbg)",
			     d ? d->release : "?", d ? d->release : "RELEASE") < 0)
			why = NULL;
	}
	else
		path = klines_path(s->dwarf, d->debuginfo,
				   arena_printf(s->arena, "%s/cache/klines", session_systemtap_dir(s)),
				   &why);
	if (!path) {
		diag_warning(&s->diag, W_DWARF, f->tok,
			     "%s() has no kernel line table: %s; kernel addresses print as 0x...",
			     f->name, why);
		free(why);
		return NULL;
	}
	const char *kept = arena_strdup(s->arena, path);
	free(path);
	return kept;
}
