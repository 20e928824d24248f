/*
 * target/trace_headers: the tracepoints of a release that is not running
 * (-r), or of a running kernel without tracefs, from the release's files.
 *
 *   names and typed args:  BTF btf_trace_<name> typedefs (every TRACE_EVENT,
 *                          DEFINE_EVENT and bare DECLARE_TRACE built in)
 *   systems:               `#define TRACE_SYSTEM x` in the headers that
 *                          define them: include/trace/events/NAME.h,
 *                          include/ras/NAME.h, arch/ARCH/include/asm{,/trace}/NAME.h
 *                          of the build tree and its source tree
 *   syscalls:sys_{enter,exit}_*: where the symbol table has
 *                          __syscall_meta__<name> (CONFIG_FTRACE_SYSCALLS)
 *
 * Header scanning is lexical, not a preprocessor: an event macro whose
 * name is pasted inside a helper macro (`#define DEFINE_RPC_EVENT(name)
 * DEFINE_EVENT(cls, rpc_##name, ...)`) becomes the glob "rpc_*" of that
 * header's system, used for BTF names no literal definition claims (the
 * longest literal part wins); helper macros whose event name is one of
 * their parameters (`#define DEFINE_PAGE_FAULT_EVENT(name) DEFINE_EVENT_FN(
 * cls, name, ...)`) name an event at each call.  Names still unclaimed
 * are tracepoints defined in headers the headers package does not ship
 * (drivers/, fs/iomap/, kernel/trace/ ...): their system is unknowable
 * from these files, so they are left out and counted in tps_why.
 * Not covered: tracepoints of modules (their BTF is in each .ko).
 */
#include "target/target_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/fileutil.h"

struct pattern {
	const char *glob;     /* "rpc_*" */
	const char *system;
	size_t literal;       /* literal characters in glob */
};

struct scan {
	struct target *t;
	struct namemap systems;    /* event name -> system (literal definitions) */
	struct namemap protos;     /* event name -> "TP_PROTO(...)" text */
	struct pattern *pats;
	uint32_t npats, cap;
};

static const char *const event_macros[][2] = {
	/* macro, index of the name argument */
	{ "TRACE_EVENT", "0" },           { "TRACE_EVENT_FN", "0" },
	{ "TRACE_EVENT_FN_COND", "0" },   { "TRACE_EVENT_CONDITION", "0" },
	{ "DECLARE_TRACE", "0" },         { "DECLARE_TRACE_CONDITION", "0" },
	{ "DEFINE_EVENT", "1" },          { "DEFINE_EVENT_FN", "1" },
	{ "DEFINE_EVENT_PRINT", "1" },    { "DEFINE_EVENT_CONDITION", "1" },
	{ "TRACE_EVENT_NOP", "0" },       { "DEFINE_EVENT_NOP", "1" },
	{ "DEFINE_EVENT_WRITABLE", "1" },
};

static int macro_arg(const char *id, size_t n)
{
	for (size_t i = 0; i < sizeof(event_macros) / sizeof(event_macros[0]); i++)
		if (strlen(event_macros[i][0]) == n && memcmp(id, event_macros[i][0], n) == 0)
			return event_macros[i][1][0] - '0';
	return -1;
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The text of argument `want` of the call whose '(' is at p, without line
 * continuations; blanks are dropped (squeeze) or collapsed to one space.
 * NULL if absent. */
static char *nth_arg(struct scan *s, const char *p, int want, bool squeeze)
{
	int depth = 0, arg = 0;
	const char *start = p + 1;
	for (const char *q = p; *q; q++) {
		if (*q == '(') {
			depth++;
		} else if (*q == ')' || (*q == ',' && depth == 1)) {
			if (*q == ')' && --depth > 0)
				continue;
			if (arg == want) {
				char *out = arena_alloc(s->t->arena, (size_t)(q - start) + 1), *o = out;
				bool blank = false;
				for (const char *c = start; c < q; c++) {
					if (isspace((unsigned char)*c) || *c == '\\') {
						blank = true;
						continue;
					}
					if (blank && !squeeze && o > out)
						*o++ = ' ';
					blank = false;
					*o++ = *c;
				}
				*o = 0;
				return out;
			}
			if (*q == ')')
				return NULL;
			arg++;
			start = q + 1;
		}
	}
	return NULL;
}

/* "rpc_##name" -> "rpc_*"; NULL if nothing literal is left. */
static const char *paste_glob(struct scan *s, const char *arg, size_t *literal)
{
	char *g = arena_alloc(s->t->arena, strlen(arg) * 2 + 2), *o = g;
	size_t lit = 0;
	for (const char *part = arg; *part;) {
		const char *end = strstr(part, "##");
		size_t n = end ? (size_t)(end - part) : strlen(part);
		/* a part that is a macro parameter is unknown: any lowercase
		 * identifier directly pasted is taken for a parameter unless
		 * it ends in '_' or starts with it (prefixes and suffixes) */
		bool param = n && part[0] != '_' && part[n - 1] != '_';
		if (param) {
			*o++ = '*';
		} else {
			memcpy(o, part, n);
			o += n;
			lit += n;
		}
		part += n;
		if (end)
			part += 2;
	}
	*o = 0;
	*literal = lit;
	return lit ? g : NULL;
}

static void add_pattern(struct scan *s, const char *glob, size_t lit, const char *system)
{
	if (s->npats == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->pats = xrealloc(s->pats, sizeof(*s->pats) * s->cap);
	}
	s->pats[s->npats++] = (struct pattern){ glob, system, lit };
}

/* A helper macro that defines an event: `#define DEFINE_PAGE_FAULT_EVENT(name)
 * DEFINE_EVENT_FN(cls, name, ...)` or `... DEFINE_EVENT(cls, rpc_##name, ...)`:
 * its calls name events prefix + argument `arg` + suffix. */
struct wrapper {
	const char *macro;
	size_t macro_len;
	int arg;
	const char *prefix, *suffix;
	const char *system;
	const char *proto;        /* TP_PROTO(...) text in the body, or NULL */
	int proto_arg;            /* else the parameter passed as PARAMS(p), or -1 */
};

struct define_ctx {
	const char *end;          /* end of the #define's logical line */
	const char *name;
	size_t name_len;
	char params[8][64];
	int nparams;
};

/* Parses "#define NAME(a, b)" at q (after "define"); sets d->end. */
static void parse_define(const char *q, struct define_ctx *d)
{
	memset(d, 0, sizeof(*d));
	while (*q == ' ' || *q == '\t')
		q++;
	d->name = q;
	while (is_ident(q[d->name_len]))
		d->name_len++;
	const char *p = q + d->name_len;
	if (*p == '(') {
		for (p++; *p && *p != ')' && d->nparams < 8;) {
			while (*p == ' ' || *p == ',')
				p++;
			size_t n = 0;
			while (is_ident(p[n]))
				n++;
			if (!n)
				break;
			snprintf(d->params[d->nparams++], 64, "%.*s", (int)n, p);
			p += n;
		}
	}
	d->end = p;
	while (*d->end && !(*d->end == '\n' && d->end[-1] != '\\'))
		d->end++;
}

static int param_index(const struct define_ctx *d, const char *id, size_t n)
{
	for (int i = 0; i < d->nparams; i++)
		if (strlen(d->params[i]) == n && strncmp(d->params[i], id, n) == 0)
			return i;
	return -1;
}

/* An event macro inside a #define: a wrapper if its name is built from
 * one parameter, else a glob of what is literal. */
static void note_define_event(struct scan *s, const struct define_ctx *d, const char *arg,
			      const char *system, const char *proto, struct wrapper *w, int *nw)
{
	const char *hash = strstr(arg, "##");
	const char *tail = hash ? strstr(hash + 2, "##") : NULL;
	char pre[64] = "", suf[64] = "";
	const char *param = arg;
	size_t plen = strlen(arg);
	if (hash && !tail) {
		/* pre##param or param##suf */
		int k = param_index(d, hash + 2, strlen(hash + 2));
		if (k >= 0) {
			snprintf(pre, sizeof(pre), "%.*s", (int)(hash - arg), arg);
			param = hash + 2;
		} else {
			snprintf(suf, sizeof(suf), "%s", hash + 2);
		}
		plen = k >= 0 ? strlen(param) : (size_t)(hash - arg);
	} else if (hash) {
		snprintf(pre, sizeof(pre), "%.*s", (int)(hash - arg), arg);
		param = hash + 2;
		plen = (size_t)(tail - param);
		snprintf(suf, sizeof(suf), "%s", tail + 2);
	}
	int k = param_index(d, param, plen);
	if (k >= 0 && *nw < 64 && d->name_len) {
		int proto_arg = -1;
		if (proto && strncmp(proto, "PARAMS(", 7) == 0) {
			proto_arg = param_index(d, proto + 7, strcspn(proto + 7, ")"));
			proto = NULL;
		}
		w[(*nw)++] = (struct wrapper){
			arena_strndup(s->t->arena, d->name, d->name_len), d->name_len, k,
			arena_strdup(s->t->arena, pre), arena_strdup(s->t->arena, suf), system,
			proto, proto_arg };
		return;
	}
	size_t lit;
	const char *g = hash ? paste_glob(s, arg, &lit) : NULL;
	if (g)
		add_pattern(s, g, lit, system);
}

static void note_event(struct scan *s, const char *name, const char *system, const char *proto)
{
	if (!*name || strstr(name, "##") || namemap_get(&s->systems, name))
		return;
	namemap_put(&s->systems, name, (void *)system);
	if (proto && strncmp(proto, "TP_PROTO(", 9) == 0)
		namemap_put(&s->protos, name, (void *)proto);
}

/* `#define DEFINE_EVENT_SCHEDSTAT DEFINE_EVENT`: an alias of an event
 * macro, recorded as a wrapper that passes the name argument through. */
static void note_alias(struct scan *s, const struct define_ctx *d, struct wrapper *w, int *nw,
		       const char *system)
{
	const char *body = d->name + d->name_len;
	while (*body == ' ' || *body == '\t')
		body++;
	size_t n = 0;
	while (is_ident(body[n]))
		n++;
	int arg = n ? macro_arg(body, n) : -1;
	if (d->nparams || arg < 0 || *nw >= 64 || !system)
		return;
	w[(*nw)++] = (struct wrapper){ arena_strndup(s->t->arena, d->name, d->name_len),
				       d->name_len, arg, "", "", system, NULL, arg + 1 };
}

static const char *skip_directive(struct scan *s, const char *p, const char **system,
				  struct define_ctx *def)
{
	const char *q = p + 1;
	while (*q == ' ' || *q == '\t')
		q++;
	if (strncmp(q, "define", 6) != 0)
		return p;
	q += 6;
	while (*q == ' ' || *q == '\t')
		q++;
	if (strncmp(q, "TRACE_SYSTEM", 12) == 0 && (q[12] == ' ' || q[12] == '\t')) {
		q += 12;
		while (*q == ' ' || *q == '\t')
			q++;
		size_t n = 0;
		while (is_ident(q[n]))
			n++;
		if (n)
			*system = arena_strndup(s->t->arena, q, n);
		return q + n;
	}
	parse_define(q, def);
	return def->name + def->name_len;
}

static void scan_text(struct scan *s, const char *text)
{
	const char *system = NULL;
	struct define_ctx def = { 0 };
	struct wrapper w[64];
	int nw = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return;
			p = e + 1;
			continue;
		}
		if (*p == '#') {
			const char *before = def.name;
			p = skip_directive(s, p, &system, &def);
			if (def.name != before)
				note_alias(s, &def, w, &nw, system);
			continue;
		}
		if (!isupper((unsigned char)*p) || (p > text && is_ident(p[-1])))
			continue;
		size_t n = 0;
		while (is_ident(p[n]))
			n++;
		bool in_define = def.end && p < def.end;
		int want = p[n] == '(' ? macro_arg(p, n) : -1;
		bool called = false;
		for (int i = 0; want < 0 && p[n] == '(' && !in_define && i < nw; i++) {
			const struct wrapper *wr = &w[i];
			if (wr->macro_len != n || strncmp(wr->macro, p, n) != 0 || !system)
				continue;
			/* one helper macro may define several events (name##_entry,
			 * name##_exit): every wrapper of that name applies */
			char *arg = nth_arg(s, p + n, wr->arg, true);
			char *proto = wr->proto_arg >= 0 ? nth_arg(s, p + n, wr->proto_arg, false) : NULL;
			if (arg)
				note_event(s, arena_printf(s->t->arena, "%s%s%s", wr->prefix, arg,
							   wr->suffix),
					   wr->system, wr->proto ? wr->proto : proto);
			called = true;
		}
		if (want < 0 || called || !system) {
			p += n - 1;
			continue;
		}
		char *arg = nth_arg(s, p + n, want, true);
		/* TP_PROTO follows the name in every event macro */
		char *proto = nth_arg(s, p + n, want + 1, false);
		p += n - 1;
		if (!arg)
			continue;
		if (in_define)
			note_define_event(s, &def, arg, system, proto, w, &nw);
		else
			note_event(s, arg, system, proto);
	}
}

static void scan_dir(struct scan *s, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 3 || strcmp(de->d_name + n - 2, ".h") != 0)
			continue;
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			xoom();
		char *text = file_read_all(path, NULL);
		free(path);
		if (text && strstr(text, "TRACE_SYSTEM"))
			scan_text(s, text);
		free(text);
	}
	closedir(d);
}

static const char *src_arch(const char *arch)
{
	if (strcmp(arch, "x86_64") == 0 || strcmp(arch, "i386") == 0 || strcmp(arch, "i686") == 0)
		return "x86";
	return arch;
}

static void scan_tree(struct scan *s, const char *root)
{
	static const char *const subdirs[][2] = {
		{ "include/trace/events", NULL },     { "include/ras", NULL },
		{ "arch/", "/include/asm/trace" },    { "arch/", "/include/asm" },
	};
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		char *dir = NULL;
		if (asprintf(&dir, "%s/%s%s%s", root, subdirs[i][0],
			     subdirs[i][1] ? src_arch(s->t->d->arch) : "",
			     subdirs[i][1] ? subdirs[i][1] : "") < 0)
			xoom();
		scan_dir(s, dir);
		free(dir);
	}
}

static const char *system_by_pattern(struct scan *s, const char *name)
{
	const struct pattern *best = NULL;
	for (uint32_t i = 0; i < s->npats; i++)
		if ((!best || s->pats[i].literal > best->literal) &&
		    fnmatch(s->pats[i].glob, name, 0) == 0)
			best = &s->pats[i];
	return best ? best->system : NULL;
}

/* syscalls:sys_enter_NAME and sys_exit_NAME for every __syscall_meta__NAME
 * (their arguments would need the __do_sys_NAME prototypes, which are
 * inlined and absent from BTF: args stay unknown). */
static void add_syscalls(struct target *t)
{
	if (!target_has_symbols(t))
		return;
	for (uint32_t i = 0; i < t->syms.nsyscalls; i++) {
		char name[256];
		snprintf(name, sizeof(name), "sys_enter_%s", t->syms.syscalls[i]);
		tptable_add(&t->tps, t->arena, "syscalls", name, -1)->args_done = true;
		snprintf(name, sizeof(name), "sys_exit_%s", t->syms.syscalls[i]);
		tptable_add(&t->tps, t->arena, "syscalls", name, -1)->args_done = true;
	}
}

bool trace_headers_load(struct target *t)
{
	if (!btf_load(t)) {
		why_set(&t->tps_why, "no tracepoint list for %s: %s", t->d->release,
			t->btf_why ? t->btf_why : "no BTF");
		return false;
	}
	btf_index_traces(t);
	struct scan s = { .t = t };
	if (t->d->build_dir)
		scan_tree(&s, t->d->build_dir);
	if (t->d->source_dir)
		scan_tree(&s, t->d->source_dir);
	uint32_t unclaimed = 0;
	for (uint32_t i = 0; i < t->btf_traces.cap; i++) {
		const char *name = t->btf_traces.keys[i];
		if (!name)
			continue;
		const char *sys = namemap_get(&s.systems, name);
		if (!sys)
			sys = system_by_pattern(&s, name);
		if (sys)
			tptable_add(&t->tps, t->arena, sys, name, -1)->proto_text = namemap_get(&s.protos, name);
		else
			unclaimed++;
	}
	add_syscalls(t);
	if (unclaimed)
		why_set(&t->tps_why, "%u tracepoints of %s have no TRACE_SYSTEM in its "
			"headers and are not listed", unclaimed, t->d->release);
	t->tps_source = arena_printf(t->arena, "btf_trace_* of %s and %s headers",
				     t->btf_source, t->d->build_dir ? t->d->build_dir : "no");
	namemap_free(&s.systems);
	namemap_free(&s.protos);
	free(s.pats);
	return true;
}
