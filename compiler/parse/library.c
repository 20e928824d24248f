/*
 * library: lazy loading of the tapset library (see library.h).
 */
#include "parse/library.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "parse/grammar.h"
#include "parse/parse_internal.h"
#include "session.h"
#include "util/arena.h"
#include "util/fileutil.h"
#include "util/intern.h"
#include "util/strbuf.h"

#define INDEX_MAGIC "ctap-tapset-index 1"

typedef VEC(const char *) name_vec;

struct lib_file {
	const char *path;
	uint64_t size;
	int64_t mtime_ns;
	struct source_file *src;  /* read while indexing, reused when parsed */
	bool parsed;
	bool eager;               /* from an -I directory: parsed (and checked) up front */
	name_vec functions, globals, aliases;
};

struct library {
	struct parse_ctx *c;
	VEC(struct lib_file) files;
	uint64_t key;
};

/* ---------------------------------------------------------------- files */

static void add_file(struct parse_ctx *c, const char *dir)
{
	struct library *L = c->out->lib;
	size_t n;
	char **names = parse_list_dir(dir, ".stp", &n);
	size_t lib_len = strlen(c->s->tapset_dir);
	/* the user's own tapsets (-I) are few and may be broken: report them
	 * on every run, as stap does; ctap's library is loaded on demand */
	bool eager = strncmp(dir, c->s->tapset_dir, lib_len) != 0 ||
		     (dir[lib_len] != 0 && dir[lib_len] != '/');
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0)
			continue;
		struct lib_file f = {
			.eager = eager,
			.path = arena_strdup(c->s->arena, names[i]),
			.size = (uint64_t)st.st_size,
			.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
		};
		vec_push(c->s->arena, &L->files, f);
	}
	parse_free_list(names, n);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(fnv(h, s ? s : "(null)", strlen(s ? s : "(null)")), "\0", 1);
}

/* Everything the index depends on: ctap's version, how conditionals will
 * evaluate, the library macro files, and every tapset file's identity. */
static uint64_t index_key(struct library *L)
{
	const struct pp_env *e = &L->c->env;
	uint64_t h = 1469598103934665603ull;
	h = fnv_str(h, INDEX_MAGIC);
	h = fnv_str(h, PACKAGE_VERSION);
	h = fnv_str(h, e->kernel_v);
	h = fnv_str(h, e->kernel_vr);
	h = fnv_str(h, e->arch);
	h = fnv_str(h, e->systemtap_v);
	h = fnv_str(h, e->privilege);
	h = fnv_str(h, e->runtime ? e->runtime(e->ctx) : "");
	h = fnv(h, &e->guru, sizeof(e->guru));
	h = fnv(h, &e->glue_strings, sizeof(e->glue_strings));
	for (uint32_t i = 0; i < L->files.len; i++) {
		const struct lib_file *f = &L->files.items[i];
		h = fnv_str(h, f->path);
		h = fnv(h, &f->size, sizeof(f->size));
		h = fnv(h, &f->mtime_ns, sizeof(f->mtime_ns));
	}
	return h;
}

/* The .stpm files take part in the key through their stat, like tapsets. */
static void key_macro_dir(struct parse_ctx *c, const char *dir)
{
	struct library *L = c->out->lib;
	size_t n;
	char **names = parse_list_dir(dir, ".stpm", &n);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0)
			continue;
		int64_t m = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		L->key = fnv_str(L->key, names[i]);
		L->key = fnv(L->key, &st.st_size, sizeof(st.st_size));
		L->key = fnv(L->key, &m, sizeof(m));
	}
	parse_free_list(names, n);
}

/* ------------------------------------------------------------- indexing */

static void add_name(struct library *L, name_vec *v, const char *name)
{
	const char *n = intern(L->c->s->names, name);
	for (uint32_t i = 0; i < v->len; i++)
		if (v->items[i] == n)
			return;
	vec_push(L->c->s->arena, v, n);
}

static bool is_name(int type)
{
	return type == T_IDENT || type == T_STRING_KW || type == T_LONG_KW ||
	       (type >= T_PROBE && type <= T_CATCH);
}

enum scan_state {
	SCAN_TOP,
	SCAN_FUNCTION,          /* next: the function's name */
	SCAN_PRIVATE,           /* after `private` */
	SCAN_GLOBAL_NAME,       /* next: a global's name */
	SCAN_GLOBAL_AFTER,      /* size, %, initialiser, or `,` */
	SCAN_PROBE,             /* in the points of a probe or alias */
};

/*
 * Reads the file's token stream after preprocessing and notes what it
 * defines at top level.  Bodies are skipped by brace depth; probe points
 * before '=' or '+=' are alias names (their first component is the head).
 */
static void index_file(struct library *L, struct lib_file *f)
{
	struct parse_ctx *c = L->c;
	struct session *s = c->s;
	f->src = parse_load_source(s, f->path, SOURCE_TAPSET);
	if (!f->src)
		return;
	/* errors are the parser's to report, when (if) the file is parsed */
	struct diag_mark quiet = diag_mark(&s->diag);
	diag_mute(&s->diag);
	struct preproc *pp = preproc_open(s->arena, s->names, &s->diag, &s->sources, &c->env,
					  &c->lib, f->src);
	enum scan_state st = SCAN_TOP;
	bool private_decl = false;
	int depth = 0, pp_braces = 0;
	const char *heads[64];
	unsigned nheads = 0;
	bool at_point_start = false;
	int prev = 0;
	for (;;) {
		struct token *t = preproc_next(pp);
		int ty = t->type;
		if (ty == T_EOF)
			break;
		if (depth > 0) {
			if (ty == '{')
				depth++;
			else if (ty == '}')
				depth--;
			prev = ty;
			continue;
		}
	again:
		switch (st) {
		case SCAN_TOP:
			private_decl = false;
			if (ty == T_FUNCTION)
				st = SCAN_FUNCTION;
			else if (ty == T_GLOBAL)
				st = SCAN_GLOBAL_NAME;
			else if (ty == T_PRIVATE)
				st = SCAN_PRIVATE;
			else if (ty == T_PROBE) {
				st = SCAN_PROBE;
				nheads = 0;
				at_point_start = true;
				pp_braces = 0;
			} else if (ty == '{')
				depth++;
			break;
		case SCAN_PRIVATE:
			private_decl = true;
			if (ty == T_FUNCTION) {
				st = SCAN_FUNCTION;
			} else if (ty == T_GLOBAL) {
				st = SCAN_GLOBAL_NAME;
			} else {
				st = SCAN_GLOBAL_NAME;
				goto again;
			}
			break;
		case SCAN_FUNCTION:
			if (is_name(ty) && !private_decl)
				add_name(L, &f->functions, t->text);
			st = SCAN_TOP;
			break;
		case SCAN_GLOBAL_NAME:
			if (ty == T_IDENT) {
				if (!private_decl)
					add_name(L, &f->globals, t->text);
				st = SCAN_GLOBAL_AFTER;
			} else {
				st = SCAN_TOP;
				goto again;
			}
			break;
		case SCAN_GLOBAL_AFTER:
			if (ty == ',') {
				st = SCAN_GLOBAL_NAME;
			} else if (ty == ';') {
				st = SCAN_TOP;
			} else if (ty != '%' && ty != '[' && ty != ']' && ty != T_NUMBER && ty != '=' &&
				   ty != '-' && ty != T_STRING) {
				st = SCAN_TOP;
				goto again;
			}
			break;
		case SCAN_PROBE:
			if (ty == '{' && (at_point_start || prev == '.')) {
				pp_braces++; /* a brace group inside the point */
				at_point_start = true;
			} else if (ty == '}' && pp_braces) {
				pp_braces--;
			} else if (ty == '{') {
				depth++; /* the body */
				st = SCAN_TOP;
			} else if (ty == ',' ) {
				at_point_start = true;
				prev = ty;
				continue;
			} else if (ty == '=' || ty == T_ADD_ASSIGN) {
				for (unsigned i = 0; i < nheads; i++)
					add_name(L, &f->aliases, heads[i]);
				nheads = 0;
				at_point_start = true;
				prev = ty;
				continue;
			} else if (at_point_start && is_name(ty) && pp_braces == 0) {
				if (nheads < 64)
					heads[nheads++] = t->text;
			}
			at_point_start = false;
			break;
		}
		prev = ty;
	}
	preproc_close(pp);
	diag_rollback(&s->diag, &quiet);
}

/* ---------------------------------------------------------------- cache */

static char *cache_path(struct library *L)
{
	const char *dir = getenv("SYSTEMTAP_DIR");
	char *base = NULL;
	if (dir && *dir) {
		base = xstrdup(dir);
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home)
			return NULL;
		if (asprintf(&base, "%s/.systemtap", home) < 0)
			xoom();
	}
	char *p = NULL;
	if (asprintf(&p, "%s/cache/tapset-index-%016llx", base, (unsigned long long)L->key) < 0)
		xoom();
	free(base);
	return p;
}

static bool cache_read(struct library *L, const char *path)
{
	size_t len;
	char *text = file_read_all(path, &len);
	if (!text)
		return false;
	bool ok = strncmp(text, INDEX_MAGIC "\n", strlen(INDEX_MAGIC) + 1) == 0;
	struct lib_file *cur = NULL;
	uint32_t next = 0;
	for (char *line = text + strlen(INDEX_MAGIC) + 1; ok && *line;) {
		char *nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		if (line[0] == 'F' && line[1] == '\t') {
			/* files come in the same order they were listed */
			if (next >= L->files.len || strcmp(line + 2, L->files.items[next].path)) {
				ok = false;
				break;
			}
			cur = &L->files.items[next++];
		} else if (cur && line[1] == '\t' && (line[0] == 'f' || line[0] == 'g' || line[0] == 'a')) {
			name_vec *v = line[0] == 'f' ? &cur->functions
				    : line[0] == 'g' ? &cur->globals : &cur->aliases;
			add_name(L, v, line + 2);
		} else {
			ok = false;
		}
		line = nl + 1;
	}
	free(text);
	return ok && next == L->files.len;
}

static void cache_write(struct library *L, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, INDEX_MAGIC "\n");
	for (uint32_t i = 0; i < L->files.len; i++) {
		const struct lib_file *f = &L->files.items[i];
		strbuf_printf(&sb, "F\t%s\n", f->path);
		for (uint32_t j = 0; j < f->functions.len; j++)
			strbuf_printf(&sb, "f\t%s\n", f->functions.items[j]);
		for (uint32_t j = 0; j < f->globals.len; j++)
			strbuf_printf(&sb, "g\t%s\n", f->globals.items[j]);
		for (uint32_t j = 0; j < f->aliases.len; j++)
			strbuf_printf(&sb, "a\t%s\n", f->aliases.items[j]);
	}
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = 0;
	char *tmp = NULL;
	if (mkdir_p(dir, 0755) == 0 && asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) >= 0) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			bool ok = write(fd, sb.buf, sb.len) == (ssize_t)sb.len;
			ok = close(fd) == 0 && ok;
			if (!ok || rename(tmp, path) != 0)
				unlink(tmp); /* a cache that can't be written is just slower */
		}
	}
	free(tmp);
	free(dir);
	strbuf_free(&sb);
}

static void parse_file(struct library *L, struct lib_file *f);

static void load_eager(struct library *L)
{
	for (uint32_t i = 0; i < L->files.len; i++)
		if (L->files.items[i].eager && !L->files.items[i].parsed)
			parse_file(L, &L->files.items[i]);
}

struct library *library_open(struct parse_ctx *c)
{
	struct session *s = c->s;
	struct library *L = arena_new_obj(s->arena, struct library);
	L->c = c;
	c->out->lib = L;
	parse_for_each_tapset_dir(c, add_file);
	L->key = index_key(L);
	parse_for_each_tapset_dir(c, key_macro_dir);
	char *path = s->opts.disable_cache ? NULL : cache_path(L);
	if (path && cache_read(L, path)) {
		free(path);
		load_eager(L);
		return L;
	}
	/* no (usable) cache: start over from empty names */
	for (uint32_t i = 0; i < L->files.len; i++) {
		struct lib_file *f = &L->files.items[i];
		memset(&f->functions, 0, sizeof(f->functions));
		memset(&f->globals, 0, sizeof(f->globals));
		memset(&f->aliases, 0, sizeof(f->aliases));
		index_file(L, f);
	}
	if (path)
		cache_write(L, path);
	free(path);
	load_eager(L);
	return L;
}

/* ------------------------------------------------------------- loading */

static void parse_file(struct library *L, struct lib_file *f)
{
	struct parse_ctx *c = L->c;
	struct session *s = c->s;
	f->parsed = true;
	if (!f->src)
		f->src = parse_load_source(s, f->path, SOURCE_TAPSET);
	if (!f->src)
		return;
	unsigned errors, parse_errors;
	struct diag_mark before = diag_mark(&s->diag);
	struct stapfile *sf = parse_source(c, f->src, true, true, &errors, &parse_errors);
	if (errors) {
		parse_print_error_count(s, parse_errors);
		/* a broken tapset only warns (it is skipped), unless -W */
		diag_forgive(&s->diag, &before);
		diag_warning(&s->diag, W_GENERIC, NULL,
			     "tapset \"%s\" has errors, and will be skipped", f->path);
		return;
	}
	vec_push(s->arena, &c->out->library, sf);
}

static bool has(const name_vec *v, const char *name)
{
	for (uint32_t i = 0; i < v->len; i++)
		if (v->items[i] == name)
			return true;
	return false;
}

static bool has_glob(const name_vec *v, const char *glob)
{
	for (uint32_t i = 0; i < v->len; i++)
		if (fnmatch(glob, v->items[i], 0) == 0)
			return true;
	return false;
}

unsigned library_load(struct parse_result *r, enum library_need what, const char *name)
{
	struct library *L = r->lib;
	if (!L)
		return 0;
	const char *n = intern(L->c->s->names, name);
	bool glob = what == LIBRARY_ALIAS && strpbrk(name, "*?[");
	char head[256];
	const char *across = glob ? strstr(name, "**") : NULL;
	if (across && (size_t)(across - name) + 2 < sizeof(head)) {
		/* "sys**pen" reaches syscall.open: the files whose aliases
		 * start with a name "sys*" matches */
		memcpy(head, name, (size_t)(across - name) + 1);
		head[across - name + 1] = 0;
		name = head;
	}
	unsigned loaded = 0;
	for (uint32_t i = 0; i < L->files.len; i++) {
		struct lib_file *f = &L->files.items[i];
		if (f->parsed)
			continue;
		bool wanted = what == LIBRARY_FUNCTION ? has(&f->functions, n)
			    : what == LIBRARY_GLOBAL   ? has(&f->globals, n)
			    : glob ? has_glob(&f->aliases, name) : has(&f->aliases, n);
		if (!wanted)
			continue;
		parse_file(L, f);
		loaded++;
	}
	return loaded;
}

void library_load_all(struct parse_result *r)
{
	struct library *L = r->lib;
	if (!L)
		return;
	for (uint32_t i = 0; i < L->files.len; i++)
		if (!L->files.items[i].parsed)
			parse_file(L, &L->files.items[i]);
}

void library_each_function(struct parse_result *r, void (*cb)(void *ctx, const char *name),
			   void *ctx)
{
	struct library *L = r->lib;
	if (!L)
		return;
	for (uint32_t i = 0; i < L->files.len; i++)
		for (uint32_t j = 0; j < L->files.items[i].functions.len; j++)
			cb(ctx, L->files.items[i].functions.items[j]);
}
