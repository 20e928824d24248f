/*
 * builtin: the table of BPF builtins (see builtin.h): names as tapset
 * functions give them in a "bpf: NAME" comment, and string result widths.
 * Implementations are found by name in interp_builtin.c (user space) and
 * lower_builtin.c (kernel).
 */
#include "bpf/builtin.h"

#include <string.h>

#include "bpf/plan.h"
#include "util/arena.h"

struct width_entry {
	const char *name;
	uint32_t width;
};

/* String results narrower than MAXSTRINGLEN (everything else: BW_MAX). */
static const struct width_entry widths[] = {
	{ "execname", 16 },     /* TASK_COMM_LEN */
	{ "stack_addrs", BW_MAX },
	{ "text_strn", BW_MAX },
	{ "substr", BW_ARG0 },
	{ "tokenize", BW_ARG0 },
	{ "matched", BW_MAX },
	{ "pp", BW_MAX },
	{ "pn", BW_MAX },
};

static struct builtin *cache;
static uint32_t ncache, capcache;

const struct builtin *builtin_find(const char *name)
{
	for (uint32_t i = 0; i < ncache; i++)
		if (!strcmp(cache[i].name, name))
			return &cache[i];
	builtin_user_fn u = builtin_user_impl(name);
	builtin_kernel_fn k = builtin_kernel_impl(name);
	if (!u && !k)
		return NULL;
	if (ncache == capcache) {
		capcache = capcache ? capcache * 2 : 32;
		cache = xrealloc(cache, capcache * sizeof(*cache));
	}
	struct builtin *b = &cache[ncache++];
	b->name = xstrdup(name);
	b->width = BW_MAX;
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (!strcmp(widths[i].name, name))
			b->width = widths[i].width;
	b->user = u;
	b->kernel = k;
	return b;
}

uint32_t builtin_width(const struct bpf_plan *pl, const struct expr *call)
{
	const struct functiondecl *f = call->u.call.decl;
	const struct builtin *b = builtin_find(f->bpf_builtin);
	uint32_t msl = pl->lim.maxstringlen;
	if (!strcmp(f->bpf_builtin, "pp") || !strcmp(f->bpf_builtin, "pn")) {
		/* per-probe constants: as wide as the widest */
		uint64_t w = 1;
		vec_foreach(&pl->probes, i) {
			const struct derived_probe *dp = pl->probes.items[i]->dp;
			const char *t = f->bpf_builtin[1] == 'p' ? dp->pp : dp->pn;
			if (strlen(t) + 1 > w)
				w = strlen(t) + 1;
		}
		return w < msl ? (uint32_t)w : msl;
	}
	if (!b || b->width == BW_MAX)
		return msl;
	if (b->width == BW_ARG0) {
		for (uint32_t i = 0; i < call->u.call.args.len; i++)
			if (call->u.call.args.items[i]->type == TYPE_STRING)
				return plan_width(pl, call->u.call.args.items[i]);
		return msl;
	}
	return b->width < msl ? b->width : msl;
}
