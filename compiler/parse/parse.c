/*
 * parse: pass 1 (see parse.h).
 *
 * Order, as SystemTap does it: library macro files (*.stpm) first, so every
 * file sees them; then every tapset file (a tapset with errors is reported,
 * skipped, and only fails the pass under -W); then the user script and the
 * -E scripts.  Tapset search order per root directory R (the library, then
 * each -I): R/linux/ARCH, R/linux, R/ARCH, R; files sorted by name.
 */
#include "parse/parse.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "parse/ast_print.h"
#include "parse/library.h"
#include "parse/parse_internal.h"
#include "parse/grammar.h"
#include "parse/lexer.h"
#include "parse/parser.h"
#include "parse/preproc.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"
#include "util/fileutil.h"
#include "util/strbuf.h"


/* ------------------------------------------------------------- pp_env */

static const char *env_config(void *ctx, const char *name)
{
	struct session *s = ctx;
	struct target *t = session_target(s);
	return t ? target_config(t, name) : NULL;
}

/* The runtime the user asked for.  Automatic selection of the BPF back
 * end (no module support) happens after parsing, so a script without
 * --runtime/--bpf sees "kernel", as under SystemTap. */
static const char *env_runtime(void *ctx)
{
	struct session *s = ctx;
	return s->opts.runtime == RUNTIME_BPF ? "bpf" : "kernel";
}

/* The conditions' values; false (reported) when there is no target to
 * take kernel_v, kernel_vr and arch from. */
static bool env_init(struct parse_ctx *c, struct session *s, struct parse_result *out)
{
	memset(c, 0, sizeof(*c));
	c->s = s;
	const struct target_desc *d = session_target_desc(s);
	if (!d)
		return false;
	struct pp_env *e = &c->env;
	e->kernel_vr = d->release;
	e->kernel_v = d->kernel_version;
	e->arch = d->arch;
	e->systemtap_v = s->compat_version;
	e->privilege = s->opts.privilege ? s->opts.privilege : "stapdev";
	e->guru = s->opts.guru;
	e->glue_strings = session_compat_cmp(s, "2.0") >= 0;
	e->runtime = env_runtime;
	e->config = env_config;
	e->ctx = s;
	e->args = s->opts.args.items;
	e->nargs = s->opts.args.len;
	out->nargs = e->nargs;
	out->args_used = arena_new_array(s->arena, uint64_t, e->nargs / 64 + 1);
	e->args_used = out->args_used;
	return true;
}

/* -------------------------------------------------------------- files */

static struct stapfile *new_file(struct session *s, struct source_file *src, bool tapset,
				 bool privileged)
{
	struct stapfile *f = arena_new_obj(s->arena, struct stapfile);
	f->name = src->name;
	f->source_id = src->id;
	f->is_tapset = tapset;
	f->privileged = privileged;
	return f;
}

void parse_print_error_count(struct session *s, unsigned n)
{
	if (n)
		diag_print(&s->diag, "%u parse error%s.\n", n, n == 1 ? "" : "s");
}

/* *errors: every error while parsing (warnings too under -W); *parse_errors:
 * the parse errors alone, which "N parse errors." counts. */
struct stapfile *parse_source(struct parse_ctx *c, struct source_file *src, bool tapset,
				     bool privileged, unsigned *errors, unsigned *parse_errors)
{
	struct session *s = c->s;
	struct diag_mark before = diag_mark(&s->diag);
	struct stapfile *f = new_file(s, src, tapset, privileged);
	struct preproc *pp = preproc_open(s->arena, s->names, &s->diag, &s->sources, &c->env,
					  &c->lib, src);
	struct parser P;
	parser_init(&P, s->arena, s->names, &s->diag, pp, f, privileged, s->opts.guru);
	P.autocast = session_compat_cmp(s, "2.6") >= 0;
	P.sources = &s->sources;
	parser_run(&P);
	parser_fini(&P);
	preproc_close(pp);
	*errors = diag_errors_since(&s->diag, &before);
	*parse_errors = diag_parse_errors_since(&s->diag, &before);
	return f;
}

static bool is_blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return false;
	return true;
}

static bool file_is_empty(const struct stapfile *f)
{
	return f->globals.len == 0 && f->functions.len == 0 && f->probes.len == 0 &&
	       f->aliases.len == 0 && f->embeds.len == 0;
}

/* Whether the text has any token (4.8: "is empty." when it has none, "is
 * empty after preprocessing." when conditionals removed them all). */
static bool has_tokens(struct session *s, struct source_file *src)
{
	struct lexer *lx = lexer_open(s->arena, s->names, &s->diag, src);
	bool any = lexer_next(lx)->type != T_EOF;
	lexer_close(lx);
	return any;
}

/* Parses one user-level text; false on errors (reported). */
static bool parse_user_text(struct parse_ctx *c, const char *name, const char *text, size_t len,
			    enum source_kind kind, struct stapfile **out)
{
	struct session *s = c->s;
	if (is_blank(text, len)) {
		diag_report(&s->diag, DIAG_PLAIN, D_PARSE_EMPTY, NULL, "Input file '%s' is empty.",
			    name);
		return false;
	}
	struct source_file *src = source_add(&s->sources, kind, name, text, len);
	unsigned errors, parse_errors;
	struct stapfile *f = parse_source(c, src, false, s->opts.guru, &errors, &parse_errors);
	if (errors) {
		parse_print_error_count(s, parse_errors);
		return false;
	}
	if (file_is_empty(f)) {
		diag_report(&s->diag, DIAG_PLAIN, D_PARSE_EMPTY, NULL,
			    has_tokens(s, src) ? "Input file '%s' is empty after preprocessing."
					       : "Input file '%s' is empty.", name);
		return false;
	}
	*out = f;
	return true;
}

/* ---------------------------------------------------------- tapset dirs */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted regular files in dir ending in suffix (malloc'd paths). */
char **parse_list_dir(const char *dir, const char *suffix, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	size_t cap = 0;
	char **names = NULL;
	struct dirent *de;
	size_t sl = strlen(suffix);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0 || de->d_name[0] == '.')
			continue;
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			xoom();
		if (!file_exists(path)) {
			free(path);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[(*n)++] = path;
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

void parse_free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Visits R/linux/ARCH, R/linux, R/ARCH, R for each root, in order. */
void parse_for_each_tapset_dir(struct parse_ctx *c, void (*fn)(struct parse_ctx *, const char *dir))
{
	struct session *s = c->s;
	const char *arch = s->target_desc->arch;
	VEC(const char *) roots = { 0 };
	vec_push_heap(&roots, s->tapset_dir);
	for (uint32_t i = 0; i < s->opts.include_dirs.len; i++)
		vec_push_heap(&roots, s->opts.include_dirs.items[i]);
	for (uint32_t i = 0; i < roots.len; i++) {
		const char *r = roots.items[i];
		char *dirs[4];
		if (asprintf(&dirs[0], "%s/linux/%s", r, arch) < 0 ||
		    asprintf(&dirs[1], "%s/linux", r) < 0 ||
		    asprintf(&dirs[2], "%s/%s", r, arch) < 0 ||
		    asprintf(&dirs[3], "%s", r) < 0)
			xoom();
		for (int k = 0; k < 4; k++) {
			fn(c, dirs[k]);
			free(dirs[k]);
		}
	}
	vec_free_heap(&roots);
}

struct source_file *parse_load_source(struct session *s, const char *path, int kind)
{
	size_t len;
	char *text = file_read_all(path, &len);
	if (!text) {
		diag_warning(&s->diag, W_GENERIC, NULL, "cannot read tapset \"%s\": %s", path,
			     strerror(errno));
		return NULL;
	}
	struct source_file *src = source_add(&s->sources, kind, path, text, len);
	free(text);
	return src;
}

static void load_macro_dir(struct parse_ctx *c, const char *dir)
{
	struct session *s = c->s;
	size_t n;
	char **files = parse_list_dir(dir, ".stpm", &n);
	for (size_t i = 0; i < n; i++) {
		struct source_file *src = parse_load_source(s, files[i], SOURCE_MACROS);
		if (!src)
			continue;
		/* As in 4.8, a macro file with errors is skipped with a
		 * warning and its errors stand: pass 1 fails (unlike a tapset
		 * .stp file with errors, which only warns). */
		struct diag_mark before = diag_mark(&s->diag);
		preproc_library_file(s->arena, s->names, &s->diag, &s->sources, &c->env, &c->lib, src);
		if (diag_errors_since(&s->diag, &before))
			diag_warning(&s->diag, W_GENERIC, NULL,
				     "macro tapset \"%s\" has errors, and will be skipped.", files[i]);
	}
	parse_free_list(files, n);
}

/* --------------------------------------------------------------- pass 1 */

/* Without its library every script fails with "unresolved function" on its
 * first tapset call (exit, printf's helpers), which hides the cause: a
 * tapset directory that is missing or that this user may not read (a tree
 * under root's 0700 home, run as another user). */
static bool tapset_dir_readable(struct session *s)
{
	DIR *d = opendir(s->tapset_dir);
	if (d) {
		closedir(d);
		return true;
	}
	diag_error(&s->diag, D_INPUT, NULL, "cannot read the tapset directory \"%s\": %s",
		   s->tapset_dir, strerror(errno));
	return false;
}

bool parse_pass(struct session *s, struct parse_result *out)
{
	struct parse_ctx *c = arena_new_obj(s->arena, struct parse_ctx);
	memset(out, 0, sizeof(*out));
	if (!env_init(c, s, out))
		return false;
	if (!tapset_dir_readable(s))
		return false;

	parse_for_each_tapset_dir(c, load_macro_dir);
	c->out = out;
	library_open(c);
	/* -W must see every tapset's warnings; otherwise files are parsed when
	 * pass 2 first needs something they define */
	if (s->opts.warnings_as_errors)
		library_load_all(out);
	if (s->diag.errors)
		return false; /* a bad macro file, or -W made a tapset warning an error */

	const struct options *o = &s->opts;
	if (!o->script_text && !o->script_file) {
		/* listing modes (-l, -L, --dump-*) have no script */
	} else if (o->script_text) {
		if (!parse_user_text(c, "<input>", o->script_text, strlen(o->script_text),
				     SOURCE_USER, &out->user))
			return false;
	} else {
		bool is_stdin = strcmp(o->script_file, "-") == 0;
		size_t len;
		char *text = file_read_all(o->script_file, &len);
		if (!text) {
			if (errno == ENOENT)
				diag_report(&s->diag, DIAG_PLAIN, D_INPUT, NULL,
					    "Input file '%s' is missing.", o->script_file);
			else
				diag_report(&s->diag, DIAG_PLAIN, D_INPUT, NULL,
					    "Input file '%s' could not be read: %s", o->script_file,
					    strerror(errno));
			return false;
		}
		bool ok = parse_user_text(c, is_stdin ? "<input>" : o->script_file, text, len,
					  SOURCE_USER, &out->user);
		free(text);
		if (!ok)
			return false;
	}
	for (uint32_t i = 0; i < o->extra_scripts.len; i++) {
		char name[32];
		snprintf(name, sizeof(name), "<input%u>", i + 1);
		struct stapfile *f;
		const char *text = o->extra_scripts.items[i];
		if (!parse_user_text(c, name, text, strlen(text), SOURCE_EXTRA, &f))
			return false;
		vec_push(s->arena, &out->extra, f);
	}
	return true;
}

void parse_print(struct session *s, const struct parse_result *r, FILE *out)
{
	(void)s;
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, "# parse tree dump\n");
	if (r->user) {
		strbuf_printf(&sb, "# file %s\n", r->user->name);
		ast_print_file(&sb, r->user);
	}
	for (uint32_t i = 0; i < r->extra.len; i++) {
		strbuf_printf(&sb, "# file %s\n", r->extra.items[i]->name);
		ast_print_file(&sb, r->extra.items[i]);
	}
	strbuf_putc(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, out);
	strbuf_free(&sb);
}

struct stapfile *parse_text(struct session *s, struct source_file *src, bool privileged,
			    unsigned *errors)
{
	struct parse_ctx *c = arena_new_obj(s->arena, struct parse_ctx);
	struct parse_result dummy;
	memset(&dummy, 0, sizeof(dummy));
	if (!env_init(c, s, &dummy)) {
		*errors = 1;
		return NULL;
	}
	unsigned parse_errors;
	return parse_source(c, src, src->kind == SOURCE_TAPSET, privileged, errors, &parse_errors);
}
