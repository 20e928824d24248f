/*
 * procfs: procfs[("PATH")][.umask(N)].read[.maxsize(N)] and
 * procfs[("PATH")][.umask(N)].write (probes.md §2.8).
 *
 * PATH is relative to /proc/systemtap/MODULE/, "command" by default; it
 * may name subdirectories but no empty, "." or ".." component.  A file
 * has at most one read and one write probe.  $value is the one context
 * variable: a string the read probe sets (never reads) and the write
 * probe reads (never sets).
 */
#include "probes/procfs.h"

#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "util/arena.h"
#include "util/strbuf.h"

static const char *const patterns[] = {
	"procfs.read", "procfs.read.maxsize(number)", "procfs.write",
	"procfs(string).read", "procfs(string).read.maxsize(number)", "procfs(string).write",
	"procfs.umask(number).read", "procfs.umask(number).read.maxsize(number)",
	"procfs.umask(number).write",
	"procfs(string).umask(number).read", "procfs(string).umask(number).read.maxsize(number)",
	"procfs(string).umask(number).write",
	NULL,
};

static const char *path_problem(const char *path)
{
	if (path[0] == '/')
		return "procfs path cannot start with a '/'";
	size_t len = strlen(path);
	if (len && path[len - 1] == '/')
		return "procfs path cannot end with a '/'";
	const char *p = path;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0)
			return "procfs path component cannot be empty";
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "procfs path cannot be relative (and contain '.' or '..')";
		p += n;
		if (*p == '/')
			p++;
	}
	return NULL;
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	const char *given = m->args[0] ? m->args[0]->u.str.val : NULL;
	const char *path = given ? given : PROCFS_DEFAULT_PATH;
	const char *why = path_problem(path);
	if (!*path)
		why = "procfs path component cannot be empty";
	if (why) {
		elab_point_error(E, m, m->toks[0], "%s", why);
		return -1;
	}
	struct procfs_data *d = arena_new_obj(E->arena, struct procfs_data);
	d->path = path;
	d->is_write = pp_match_has(m, "write");
	d->umask_given = pp_match_has(m, "umask");
	d->umask = pp_match_num(m, "umask", d->is_write ? PROCFS_DEFAULT_WRITE_UMASK
							: PROCFS_DEFAULT_READ_UMASK);
	if (pp_match_has(m, "maxsize")) {
		d->maxsize = pp_match_num(m, "maxsize", 0);
		if (d->maxsize <= 0) {
			elab_point_error(E, m, NULL, "maxsize must be greater than 0");
			return -1;
		}
	}
	if (d->umask < 0 || d->umask > 0777) {
		elab_point_error(E, m, pp_match_tok(m, "umask"),
				 "umask must be between 0 and 0777");
		return -1;
	}
	uint32_t at = 0;
	for (const struct derived_probe *o; (o = family_next_probe(E->prog, &procfs_family, &at));) {
		const struct procfs_data *od = o->family_data;
		if (od->is_write == d->is_write && strcmp(od->path, path) == 0) {
			diag_error(E->diag, D_SEM_PROBE_POINT, NULL,
				   "only one %s procfs probe can exist for procfs path \"%s\"",
				   d->is_write ? "write" : "read", path);
			return -1;
		}
	}
	struct expr *args[PP_MAX_COMPS] = { 0 };
	for (unsigned i = 0; i < m->ncomps; i++)
		args[i] = m->args[i] ? ast_expr_copy(E->arena, m->args[i]) : NULL;
	struct probe_point *pp = elab_make_point(E, m->point, m->ncomps, m->functors, args);
	elab_add_probe(ctx, &procfs_family, pp, d);
	return 1;
}

/* ------------------------------------------------------------- $value */

struct lvalue_find {
	const struct expr *target;
	bool found, append;
};

static enum walk_result find_lvalue(struct ast_walker *w, struct expr *e)
{
	struct lvalue_find *f = w->data;
	if (e->kind == EXPR_ASSIGN && e->u.assign.lhs == f->target) {
		f->found = true;
		f->append = e->u.assign.op != ASSIGN_SET;
	} else if (e->kind == EXPR_INCDEC && e->u.incdec.operand == f->target) {
		f->found = true;
		f->append = true;
	}
	return WALK_NEXT;
}

static void var_error(struct elab *E, const struct token *tok, const char *msg)
{
	if (!E->quiet_targets)
		diag_error(E->diag, D_SEM_TARGET_VAR, tok, "%s", msg);
}

static bool target_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	const struct procfs_data *d = dp->family_data;
	if (e->kind != EXPR_TARGET || e->u.target.is_at_var ||
	    strcmp(e->u.target.name, "$value") != 0) {
		var_error(E, e->tok, "invalid target symbol for procfs probe, $value expected");
		return true;
	}
	for (uint32_t i = 0; i < e->u.target.comps.len; i++) {
		const struct target_comp *c = &e->u.target.comps.items[i];
		if (c->kind == TCOMP_MEMBER) {
			var_error(E, c->tok, "procfs variable '$value' may not be used as a structure");
			return true;
		}
		if (c->kind == TCOMP_INDEX_NUM || c->kind == TCOMP_INDEX_EXPR) {
			var_error(E, c->tok, "procfs variable '$value' may not be used as array");
			return true;
		}
	}
	if (e->u.target.addressof) {
		var_error(E, e->tok, "cannot take the address of procfs variable '$value'");
		return true;
	}
	struct lvalue_find f = { .target = e };
	struct ast_walker w = { .expr_pre = find_lvalue, .data = &f };
	ast_walk_stmt(&w, dp->body);
	if (d->is_write && f.found) {
		var_error(E, e->tok, "procfs $value variable is read-only in a procfs write probe");
		return true;
	}
	if (!d->is_write && !f.found) {
		var_error(E, e->tok, "procfs $value variable cannot be read in a procfs read probe");
		return true;
	}
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->base = ACCESS_FAMILY;
	acc->index = PROCFS_VAR_VALUE;
	acc->is_string = true;
	acc->ctype = "string";
	acc->writable = !d->is_write;
	e->type = TYPE_STRING;
	e->u.target.resolved = acc;
	return true;
}

/* ------------------------------------------------------------- files */

struct procfs_file *procfs_files(const struct program *p, struct arena *a, uint32_t *n)
{
	struct procfs_file *files = arena_new_array(a, struct procfs_file, p->probes.len + 1);
	uint32_t count = 0;
	uint32_t i = 0;
	for (struct derived_probe *dp; (dp = family_next_probe(p, &procfs_family, &i));) {
		const struct procfs_data *d = dp->family_data;
		struct procfs_file *f = NULL;
		for (uint32_t k = 0; k < count && !f; k++)
			if (strcmp(files[k].path, d->path) == 0)
				f = &files[k];
		if (!f) {
			f = &files[count++];
			f->path = d->path;
		}
		if (d->is_write) {
			f->write = dp;
		} else {
			f->read = dp;
			f->maxsize = d->maxsize;
		}
	}
	for (uint32_t k = 0; k < count; k++) {
		struct procfs_file *f = &files[k];
		unsigned mode = 0, mask = 0;
		if (f->read) {
			mode |= 0444;
			mask |= (unsigned)((const struct procfs_data *)f->read->family_data)->umask;
		}
		if (f->write) {
			mode |= 0222;
			mask |= (unsigned)((const struct procfs_data *)f->write->family_data)->umask;
		}
		f->mode = mode & ~mask;
	}
	*n = count;
	return files;
}

const struct probe_family procfs_family = {
	.name = "procfs",
	.patterns = patterns,
	.build = build,
	.target_var = target_var,
};
