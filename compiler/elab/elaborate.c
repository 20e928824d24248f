/*
 * elaborate: pass 2's driver (see elab.h for the stages) and its outputs:
 * the -p2 dump, the -v summary line, and the listing modes.
 */
#include "elab/elaborate.h"

#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "elab/elab.h"
#include "parse/ast_print.h"
#include "parse/library.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

bool elab_add_global_display(struct elab *E);

static void use_user_file(struct elab *E, struct stapfile *f)
{
	vec_push(E->arena, &E->user_files, f);
	f->used = true;
	for (uint32_t i = 0; i < f->probes.len; i++)
		vec_push(E->arena, &E->pending, f->probes.items[i]);
}

/* A script the driver makes up (-T, listings): parsed like the user's. */
static struct stapfile *synthesize(struct elab *E, const char *name, const char *text)
{
	struct source_file *src = source_add(&E->s->sources, SOURCE_SYNTH, name, text, strlen(text));
	unsigned errors = 0;
	struct stapfile *f = parse_text(E->s, src, true, &errors);
	return errors ? NULL : f;
}

static bool resolve_all(struct elab *E)
{
	bool ok = true;
	for (int round = 0; round < 1000; round++) {
		if (!elab_derive_pending(E))
			ok = false;
		bool more = false;
		if (!elab_resolve_symbols(E, &more))
			ok = false;
		if (!more)
			break;
	}
	return ok;
}

static int cmp_fn(const void *a, const void *b)
{
	const struct functiondecl *x = *(struct functiondecl *const *)a;
	const struct functiondecl *y = *(struct functiondecl *const *)b;
	return strcmp(x->name, y->name);
}

static void build_program(struct elab *E)
{
	struct program *p = E->prog;
	p->globals = E->globals;
	p->functions = E->functions;
	stapfile_vec *sets[2] = { &E->user_files, &E->pulled };
	for (int k = 0; k < 2; k++)
		for (uint32_t i = 0; i < sets[k]->len; i++) {
			struct stapfile *f = sets[k]->items[i];
			vec_push(E->arena, &p->files, f);
			for (uint32_t j = 0; j < f->embeds.len; j++)
				vec_push(E->arena, &p->embeds, f->embeds.items[j]);
		}
}

static struct elab *elab_new(struct session *s, struct parse_result *parsed,
			    const struct probe_family *const *families)
{
	struct elab *E = arena_new_obj(s->arena, struct elab);
	E->s = s;
	E->arena = s->arena;
	E->diag = &s->diag;
	E->parsed = parsed;
	E->prog = arena_new_obj(s->arena, struct program);
	E->prog->session = s;
	E->listing = s->opts.listing != LIST_NONE;
	match_tree_init(&E->tree, s->arena);
	E->families = families;
	match_tree_add_families(&E->tree, families);
	return E;
}

static bool elaborate_listing_probes(struct elab *E)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "probe %s {}", E->s->opts.list_pattern);
	struct stapfile *f = synthesize(E, "<listing>", strbuf_str(&sb));
	strbuf_free(&sb);
	if (!f)
		return false;
	/* every point of the pattern is optional: nothing found is not an
	 * error, it is an empty listing */
	for (uint32_t i = 0; i < f->probes.len; i++)
		for (uint32_t j = 0; j < f->probes.items[i]->points.len; j++)
			f->probes.items[i]->points.items[j]->optional = true;
	use_user_file(E, f);
	return true;
}

/* Arguments no $N/@N took are probably a mistake, unless the script reads
 * them through the argv tapset (its argc/argv globals). */
static void warn_unused_arguments(struct elab *E)
{
	const struct parse_result *r = E->parsed;
	for (uint32_t i = 0; i < E->globals.len; i++)
		if (!strcmp(E->globals.items[i]->name, "argv"))
			return;
	for (uint32_t i = 0; i < r->nargs; i++)
		if (!(r->args_used[i / 64] & (1ull << (i % 64))))
			diag_warning(E->diag, W_UNUSED_ARG, NULL,
				     "unused command line option $%u/@%u", i + 1, i + 1);
}

struct program *elaborate(struct session *s, struct parse_result *parsed,
			  const struct probe_family *const *families)
{
	struct elab *E = elab_new(s, parsed, families);
	struct diag_mark before = diag_mark(E->diag);

	stapfile_vec mine = { 0 };
	if (parsed->user)
		vec_push(E->arena, &mine, parsed->user);
	for (uint32_t i = 0; i < parsed->extra.len; i++)
		vec_push(E->arena, &mine, parsed->extra.items[i]);
	for (uint32_t i = 0; i < mine.len; i++)
		elab_register_aliases(E, mine.items[i]);
	elab_sync_library(E);

	if (s->opts.listing == LIST_PROBES || s->opts.listing == LIST_PROBES_VARS) {
		if (!elaborate_listing_probes(E))
			return NULL;
	} else if (s->opts.listing == LIST_NONE) {
		for (uint32_t i = 0; i < mine.len; i++)
			use_user_file(E, mine.items[i]);
		if (s->opts.timeout > 0) {
			char text[128];
			snprintf(text, sizeof(text), "probe timer.ms(%lld) { exit() }",
				 (long long)(s->opts.timeout * 1000 + 0.5));
			struct stapfile *t = synthesize(E, "<timeout>", text);
			if (t)
				use_user_file(E, t);
		}
	}
	if (s->opts.listing != LIST_NONE && s->opts.listing != LIST_PROBES &&
	    s->opts.listing != LIST_PROBES_VARS) {
		E->prog->elab = E; /* --dump-*: pass 2 proper is not needed */
		return E->prog;
	}

	bool ok = resolve_all(E) && !diag_errors_since(E->diag, &before);
	if (E->listing) {
		/* -L shows alias locals with types: type what resolved, quietly */
		struct diag_mark quiet = diag_mark(E->diag);
		diag_mute(E->diag);
		elab_resolve_targets(E);
		elab_infer_types(E);
		diag_rollback(E->diag, &quiet);
		build_program(E);
		E->prog->elab = E;
		return E->prog;
	}
	/* elision first: a target expression nobody uses (an autocast whose
	 * result is dropped) is never resolved, as in SystemTap */
	if (ok)
		ok = elab_elide(E);
	uint32_t functions_before = E->functions.len;
	if (ok)
		ok = elab_resolve_targets(E);
	/* pretty-printing ($var$) calls library functions: resolve what they use */
	if (ok && E->functions.len != functions_before)
		ok = resolve_all(E) && !diag_errors_since(E->diag, &before) && elab_resolve_targets(E);
	/* entry values of .return probes: saved by a probe at the entry,
	 * which calls tid() (resolve what it uses) */
	functions_before = E->functions.len;
	if (ok)
		ok = elab_save_entry_values(E);
	if (ok && E->functions.len != functions_before)
		ok = resolve_all(E) && !diag_errors_since(E->diag, &before);
	/* @defined() folding may have emptied code: trim again */
	if (ok)
		ok = elab_elide(E);
	if (ok)
		ok = elab_infer_types(E);
	if (ok)
		ok = elab_check(E);
	if (ok && !s->opts.no_global_var_display)
		ok = elab_add_global_display(E);
	if (!ok || diag_errors_since(E->diag, &before))
		return NULL;
	build_program(E);
	warn_unused_arguments(E);
	E->prog->elab = E;
	return E->prog;
}

/* -------------------------------------------------------------- report */

void elaborate_report(const struct program *p, FILE *out)
{
	unsigned embeds = p->embeds.len;
	fprintf(out, "Pass 2: analyzed script: %u probe%s, %u function%s, %u embed%s, %u global%s",
		p->probes.len, p->probes.len == 1 ? "" : "s", p->functions.len,
		p->functions.len == 1 ? "" : "s", embeds, embeds == 1 ? "" : "s", p->globals.len,
		p->globals.len == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- -p2 */

static void print_decl_type(struct strbuf *sb, const struct vardecl *v)
{
	strbuf_puts(sb, stap_type_name(v->type));
	if (v->arity > 0) {
		strbuf_puts(sb, " [");
		for (int i = 0; i < v->arity; i++)
			strbuf_printf(sb, "%s%s", i ? ", " : "",
				      stap_type_name(v->index_types ? v->index_types[i] : TYPE_UNKNOWN));
		strbuf_putc(sb, ']');
	}
}

static void print_function_sig(struct strbuf *sb, const struct functiondecl *fn)
{
	strbuf_printf(sb, "%s:%s (", fn->name, stap_type_name(fn->type));
	for (uint32_t i = 0; i < fn->params.len; i++)
		strbuf_printf(sb, "%s%s:%s", i ? ", " : "", fn->params.items[i]->name,
			      stap_type_name(fn->params.items[i]->type));
	strbuf_putc(sb, ')');
}

void elaborate_print(struct session *s, const struct program *p, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	bool verbose = options_verbose(&s->opts, 2) > 0;
	if (p->embeds.len) {
		strbuf_puts(&sb, "# global embedded code\n");
		for (uint32_t i = 0; i < p->embeds.len; i++)
			strbuf_printf(&sb, "%%{%s%%}\n", p->embeds.items[i]->code);
	}
	if (p->globals.len) {
		strbuf_puts(&sb, "# globals\n");
		for (uint32_t i = 0; i < p->globals.len; i++) {
			const struct vardecl *v = p->globals.items[i];
			strbuf_puts(&sb, v->name);
			if (v->wrap)
				strbuf_putc(&sb, '%');
			if (v->maxsize)
				strbuf_printf(&sb, "[%lld]", (long long)v->maxsize);
			strbuf_putc(&sb, ':');
			print_decl_type(&sb, v);
			if (verbose && v->init) {
				strbuf_puts(&sb, " = ");
				ast_print_expr(&sb, v->init);
			}
			strbuf_putc(&sb, '\n');
		}
	}
	if (p->functions.len) {
		strbuf_puts(&sb, "# functions\n");
		struct functiondecl **fns = xmalloc(sizeof(*fns) * p->functions.len);
		memcpy(fns, p->functions.items, sizeof(*fns) * p->functions.len);
		qsort(fns, p->functions.len, sizeof(*fns), cmp_fn);
		for (uint32_t i = 0; i < p->functions.len; i++) {
			const struct functiondecl *fn = fns[i];
			print_function_sig(&sb, fn);
			strbuf_putc(&sb, '\n');
			if (fn->locals.len) {
				strbuf_puts(&sb, "  # locals\n");
				for (uint32_t j = 0; j < fn->locals.len; j++) {
					strbuf_printf(&sb, "  %s:", fn->locals.items[j]->name);
					print_decl_type(&sb, fn->locals.items[j]);
					strbuf_putc(&sb, '\n');
				}
			}
			if (verbose) {
				if (fn->embedded)
					strbuf_printf(&sb, "%%{%s%%}\n", fn->embedded);
				else if (fn->body) {
					ast_print_stmt(&sb, fn->body);
					strbuf_putc(&sb, '\n');
				}
			}
		}
		free(fns);
	}
	if (p->probes.len) {
		strbuf_puts(&sb, "# probes\n");
		for (uint32_t i = 0; i < p->probes.len; i++) {
			const struct derived_probe *dp = p->probes.items[i];
			/* the trail from the innermost alias out to the script */
			strbuf_puts(&sb, dp->pp);
			if (dp->family->dump_comment) {
				strbuf_puts(&sb, " /* ");
				dp->family->dump_comment(dp, &sb);
				strbuf_puts(&sb, " */");
			}
			strbuf_puts(&sb, " /*");
			for (const struct derivation *d = dp->derivation; d; d = d->next)
				strbuf_printf(&sb, " <- %s", d->text);
			strbuf_puts(&sb, " */\n");
			if (dp->locals.len) {
				strbuf_puts(&sb, "  # locals\n");
				for (uint32_t j = 0; j < dp->locals.len; j++) {
					strbuf_printf(&sb, "  %s:", dp->locals.items[j]->name);
					print_decl_type(&sb, dp->locals.items[j]);
					strbuf_putc(&sb, '\n');
				}
			}
			if (verbose) {
				ast_print_stmt(&sb, dp->body);
				strbuf_putc(&sb, '\n');
			}
		}
	}
	fwrite(sb.buf, 1, sb.len, out);
	strbuf_free(&sb);
}

const struct functiondecl *elaborate_uses_tapset(const struct program *p,
						 const char *const *names)
{
	vec_foreach(&p->functions, i) {
		const struct functiondecl *f = p->functions.items[i];
		for (const char *const *n = names; f->file && f->file->is_tapset && *n; n++)
			if (!strcmp(f->name, *n))
				return f;
	}
	return NULL;
}
