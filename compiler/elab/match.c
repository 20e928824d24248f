/*
 * match: the match tree (see match.h).
 *
 * A node is one component: a name (no globs), whether it takes an argument
 * (for family patterns: a number or a string; for alias names: none), the
 * families whose pattern ends here, the aliases whose name ends here, and
 * children.  Matching walks the point's components; a glob in the point
 * matches every child whose name it fnmatch()es, and a component holding
 * `**` matches one or more components (`syscall.**` reaches
 * syscall.read.return, `ke**on("f")` kernel.function("f")).  When no child continues the
 * point but an alias ends at the current node, the alias takes the
 * remaining components as a suffix.
 */
#include "elab/match.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/similar.h"
#include "util/vec.h"

struct alias_entry {
	struct probe_alias *alias;
	struct probe_point *name;
};

struct family_entry {
	const struct probe_family *family;
	const char *pattern;
};

struct match_node {
	const char *functor;
	enum pp_arg_kind arg;
	VEC(struct match_node *) children;
	VEC(struct family_entry) families;
	VEC(struct alias_entry) aliases;
};

void match_tree_init(struct match_tree *t, struct arena *a)
{
	t->arena = a;
	t->root = arena_new_obj(a, struct match_node);
}

static struct match_node *child(struct match_tree *t, struct match_node *n, const char *functor,
				enum pp_arg_kind arg)
{
	for (uint32_t i = 0; i < n->children.len; i++) {
		struct match_node *c = n->children.items[i];
		if (strcmp(c->functor, functor) == 0 && c->arg == arg)
			return c;
	}
	struct match_node *c = arena_new_obj(t->arena, struct match_node);
	c->functor = arena_strdup(t->arena, functor);
	c->arg = arg;
	vec_push(t->arena, &n->children, c);
	return c;
}

/* "timer.ms(number).randomize(number)" */
static void add_pattern(struct match_tree *t, const struct probe_family *f, const char *pattern)
{
	struct match_node *n = t->root;
	const char *p = pattern;
	while (*p) {
		const char *dot = p;
		int depth = 0;
		while (*dot && (*dot != '.' || depth)) {
			if (*dot == '(')
				depth++;
			else if (*dot == ')')
				depth--;
			dot++;
		}
		char comp[128];
		size_t len = (size_t)(dot - p);
		if (len >= sizeof(comp))
			len = sizeof(comp) - 1;
		memcpy(comp, p, len);
		comp[len] = 0;
		enum pp_arg_kind arg = PPA_NONE;
		char *paren = strchr(comp, '(');
		if (paren) {
			arg = strncmp(paren, "(number)", 8) == 0 ? PPA_NUMBER : PPA_STRING;
			*paren = 0;
		}
		n = child(t, n, comp, arg);
		p = *dot ? dot + 1 : dot;
	}
	struct family_entry e = { f, pattern };
	vec_push(t->arena, &n->families, e);
}

void match_tree_add_families(struct match_tree *t, const struct probe_family *const *families)
{
	for (int i = 0; families[i]; i++)
		for (int j = 0; families[i]->patterns[j]; j++)
			add_pattern(t, families[i], families[i]->patterns[j]);
}

void match_tree_add_alias(struct match_tree *t, struct probe_alias *al, struct probe_point *name)
{
	struct match_node *n = t->root;
	for (uint32_t i = 0; i < name->comps.len; i++) {
		const struct probe_point_comp *c = &name->comps.items[i];
		enum pp_arg_kind arg = PPA_NONE;
		if (c->arg)
			arg = c->arg->kind == EXPR_NUMBER ? PPA_NUMBER : PPA_STRING;
		n = child(t, n, c->functor, arg);
	}
	struct alias_entry e = { al, name };
	vec_push(t->arena, &n->aliases, e);
}

static enum pp_arg_kind comp_arg_kind(const struct probe_point_comp *c)
{
	if (!c->arg)
		return PPA_NONE;
	return c->arg->kind == EXPR_NUMBER ? PPA_NUMBER : PPA_STRING;
}

struct walk {
	struct probe_point *pp;
	match_result_vec *out;
	/* the tree's components walked so far, and the point's argument of
	 * each (NULL within a `**`) */
	const char *functors[PP_MAX_COMPS];
	const struct expr *args[PP_MAX_COMPS];
	const struct token *toks[PP_MAX_COMPS];
};

static void emit_families(struct walk *w, struct match_node *n, unsigned depth)
{
	for (uint32_t i = 0; i < n->families.len; i++) {
		struct match_result r;
		memset(&r, 0, sizeof(r));
		r.kind = MR_FAMILY;
		r.match.family = n->families.items[i].family;
		r.match.pattern = n->families.items[i].pattern;
		r.match.ncomps = depth;
		r.match.point = w->pp;
		for (unsigned k = 0; k < depth; k++) {
			r.match.functors[k] = w->functors[k];
			r.match.args[k] = w->args[k];
			r.match.toks[k] = w->toks[k];
		}
		vec_push_heap(w->out, r);
	}
}

/* the aliases ending at n, the point's first `used` components matched
 * by `depth` components of the tree */
static void emit_aliases(struct walk *w, struct match_node *n, unsigned used, unsigned depth)
{
	for (uint32_t i = 0; i < n->aliases.len; i++) {
		bool seen = false;  /* reached again through another split of `**`s */
		for (uint32_t k = 0; k < w->out->len && !seen; k++)
			seen = w->out->items[k].kind == MR_ALIAS &&
			       w->out->items[k].alias_name == n->aliases.items[i].name &&
			       w->out->items[k].prefix_len == used;
		if (seen)
			continue;
		struct match_result r;
		memset(&r, 0, sizeof(r));
		r.kind = MR_ALIAS;
		r.alias = n->aliases.items[i].alias;
		r.alias_name = n->aliases.items[i].name;
		r.prefix_len = used;
		r.nfunctors = depth;
		for (unsigned k = 0; k < depth; k++) {
			r.functors[k] = w->functors[k];
			r.args[k] = w->args[k];
		}
		vec_push_heap(w->out, r);
	}
}

/* "a**b" as the glob "a*b", whose `*` (fnmatch without FNM_PERIOD or
 * FNM_PATHNAME) matches dots too */
static const char *single_star(char *buf, size_t size, const char *functor)
{
	size_t o = 0;
	for (const char *p = functor; *p && o + 1 < size; p++)
		if (!(p[0] == '*' && p[1] == '*'))
			buf[o++] = *p;
	buf[o] = 0;
	return buf;
}

static bool walk(struct walk *w, struct match_node *n, unsigned i, unsigned depth, bool suffix);

/* The point's component c (the i-th) holds `**`: it matches every path
 * below n, "b", "b.c", ..., whose dotted names the glob matches, the
 * last name taking c's argument (`ke**on("f")` is kernel.function("f"));
 * `path` is the part walked so far ("" at first). */
static bool walk_across(struct walk *w, struct match_node *n, unsigned i, unsigned depth,
			const char *glob, const char *path)
{
	if (depth >= PP_MAX_COMPS)
		return false;
	const struct probe_point_comp *c = &w->pp->comps.items[i];
	enum pp_arg_kind ak = comp_arg_kind(c);
	bool found = false;
	for (uint32_t k = 0; k < n->children.len; k++) {
		struct match_node *ch = n->children.items[k];
		char sub[512];
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", ch->functor);
		w->functors[depth] = ch->functor;
		w->toks[depth] = c->tok;
		/* no suffix there: the point's next component belongs after
		 * some deeper name the `**` reaches, not to this alias */
		if (ch->arg == ak && fnmatch(glob, sub, 0) == 0) {
			w->args[depth] = c->arg;
			if (walk(w, ch, i + 1, depth + 1, false))
				found = true;
		}
		if (ch->arg == PPA_NONE) {
			w->args[depth] = NULL;
			if (walk_across(w, ch, i, depth + 1, glob, sub))
				found = true;
		}
	}
	return found;
}

/* Returns whether anything matched from this node down: the point's
 * component i against n's children, `depth` tree components below the
 * root; suffix: an alias ending at n may take the rest as a suffix. */
static bool walk(struct walk *w, struct match_node *n, unsigned i, unsigned depth, bool suffix)
{
	unsigned ncomps = w->pp->comps.len;
	if (i == ncomps) {
		emit_aliases(w, n, i, depth);
		emit_families(w, n, depth);
		return n->aliases.len || n->families.len;
	}
	if (depth >= PP_MAX_COMPS)
		return false;
	const struct probe_point_comp *c = &w->pp->comps.items[i];
	enum pp_arg_kind ak = comp_arg_kind(c);
	if (strstr(c->functor, "**")) {
		char buf[256];
		return walk_across(w, n, i, depth, single_star(buf, sizeof(buf), c->functor), "");
	}
	bool found = false;
	bool glob = strpbrk(c->functor, "*?[") != NULL;
	for (uint32_t k = 0; k < n->children.len; k++) {
		struct match_node *ch = n->children.items[k];
		if (ch->arg != ak)
			continue;
		if (glob ? fnmatch(c->functor, ch->functor, 0) != 0
			 : strcmp(c->functor, ch->functor) != 0)
			continue;
		/* an alias component with an argument must match it exactly;
		 * family arguments are checked by the family */
		w->functors[depth] = ch->functor;
		w->args[depth] = c->arg;
		w->toks[depth] = c->tok;
		if (walk(w, ch, i + 1, depth + 1, true))
			found = true;
	}
	if (!found && suffix && n->aliases.len && i > 0) {
		/* the rest of the point is a suffix to the alias */
		emit_aliases(w, n, i, depth);
		found = true;
	}
	return found;
}

bool match_tree_find(struct match_tree *t, struct probe_point *pp, match_result_vec *out,
		     const char **why)
{
	if (pp->comps.len > PP_MAX_COMPS) {
		*why = "probe point has too many components";
		return false;
	}
	struct walk w = { .pp = pp, .out = out };
	walk(&w, t->root, 0, 0, true);
	return true;
}

unsigned match_tree_mismatch(struct match_tree *t, const struct probe_point *pp,
			     struct similar *sim, bool *invalid_suffix)
{
	struct match_node *n = t->root;
	*invalid_suffix = false;
	for (unsigned i = 0; i < pp->comps.len; i++) {
		const struct probe_point_comp *c = &pp->comps.items[i];
		enum pp_arg_kind ak = comp_arg_kind(c);
		struct match_node *next = NULL;
		for (uint32_t k = 0; k < n->children.len && !next; k++) {
			struct match_node *ch = n->children.items[k];
			if (ch->arg == ak && fnmatch(c->functor, ch->functor, 0) == 0)
				next = ch;
		}
		if (!next) {
			similar_init(sim, c->functor);
			for (uint32_t k = 0; k < n->children.len; k++)
				similar_offer(sim, n->children.items[k]->functor);
			*invalid_suffix = i > 0 && (n->families.len || n->aliases.len);
			return i;
		}
		n = next;
	}
	return pp->comps.len;
}
