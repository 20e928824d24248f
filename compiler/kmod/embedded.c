/*
 * embedded: embedded C (language.md §5.3) — function bodies, expressions,
 * and the support their conventions need.
 *
 * A function body `%{ ... %}` runs inside a C function shaped like a script
 * function's (functions.c: same calling convention, call level, frame),
 * with SystemTap's conventions defined around it:
 *
 *   STAP_ARG_x        the parameter x in the frame (char[] for strings)
 *   STAP_RETVALUE     the result in the frame (char[MAXSTRINGLEN] for strings)
 *   STAP_RETURN(v)    set the result and leave; STAP_RETURN() for void
 *   STAP_ERROR(...)   raise a formatted, catchable error and leave
 *   STAP_PRINTF(...)  C printf to the probe's output
 *   STAP_NEXT         run-time overload fall-through
 *   CONTEXT, THIS     the context and the frame (THIS->x with unmangled)
 *   STAP_GLOBAL_GET_x(keys...), STAP_GLOBAL_SET_x(keys..., v)
 *                     for globals named by pragma:read:x / pragma:write:x
 *   kread(p), kderef(n, a), uread(p), uderef(n, a), kwrite(p, v),
 *   store_kderef(n, a, v), CATCH_DEREF_FAULT()
 *                     fault-safe memory access: a fault raises `read fault
 *                     [man error::fault] at 0x...` and jumps to the label
 *                     deref_fault that CATCH_DEREF_FAULT() places
 *
 * `return` inside the body leaves the function (`#define return goto out`,
 * as SystemTap does).  Expressions `%{ C %}` are longs, or strings when
 * they contain /\* string *\/; their value is copied into a temporary.
 */
#include <ctype.h>
#include <string.h>

#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

/* The globals a body names in pragma:read:X / pragma:write:X comments. */
static void each_pragma(const char *code, const char *which,
			void (*cb)(void *ctx, const char *name, size_t len, bool write), void *ctx)
{
	char key[32];
	snprintf(key, sizeof(key), "pragma:%s:", which);
	for (const char *p = code; (p = strstr(p, key)); ) {
		p += strlen(key);
		size_t n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
		if (n)
			cb(ctx, p, n, which[0] == 'w');
		p += n;
	}
}

struct pragma_ctx {
	struct kmod *K;
	uint8_t *modes;
	struct strbuf *defs;
};

static struct kglobal *find_global(struct kmod *K, const char *name, size_t len)
{
	for (unsigned i = 0; i < K->nglobals; i++) {
		const char *n = K->globals[i]->decl->name;
		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return K->globals[i];
	}
	return NULL;
}

static void pragma_mode(void *ctx, const char *name, size_t len, bool write)
{
	struct pragma_ctx *pc = ctx;
	struct kglobal *g = find_global(pc->K, name, len);
	if (!g)
		return;
	uint8_t m = write ? LOCK_W : LOCK_R;
	if (g->kind == KG_STAT || g->kind == KG_PMAP)
		m = LOCK_W;
	if (pc->modes[g->index] < m)
		pc->modes[g->index] = m;
}

void km_pragma_globals(struct kmod *K, const char *code, uint8_t *modes)
{
	struct pragma_ctx pc = { K, modes, NULL };
	each_pragma(code, "read", pragma_mode, &pc);
	each_pragma(code, "write", pragma_mode, &pc);
}

/* STAP_GLOBAL_GET_x / STAP_GLOBAL_SET_x for one global. */
static void pragma_macros(void *ctx, const char *name, size_t len, bool write)
{
	struct pragma_ctx *pc = ctx;
	struct kglobal *g = find_global(pc->K, name, len);
	if (!g)
		return;
	struct strbuf *d = pc->defs;
	const char *n = g->decl->name;
	switch (g->kind) {
	case KG_LONG:
		if (write)
			strbuf_printf(d, "#define STAP_GLOBAL_SET_%s(v) (%s = (v))\n", n, g->cname);
		else
			strbuf_printf(d, "#define STAP_GLOBAL_GET_%s() (%s)\n", n, g->cname);
		break;
	case KG_STRING:
		if (write)
			strbuf_printf(d, "#define STAP_GLOBAL_SET_%s(v) _ctap_strcpy(%s, (v))\n", n,
				      g->cname);
		else
			strbuf_printf(d, "#define STAP_GLOBAL_GET_%s() ((const char *)%s)\n", n,
				      g->cname);
		break;
	case KG_MAP:
		if (write)
			strbuf_printf(d, "#define STAP_GLOBAL_SET_%s(...) ck_set_%s(c, __VA_ARGS__)\n",
				      n, g->cname);
		else
			strbuf_printf(d, "#define STAP_GLOBAL_GET_%s(...) ck_get_%s(__VA_ARGS__)\n", n,
				      g->cname);
		break;
	default:
		break;
	}
}

static void pragma_undefs(void *ctx, const char *name, size_t len, bool write)
{
	struct pragma_ctx *pc = ctx;
	strbuf_printf(pc->defs, "#undef STAP_GLOBAL_%s_%.*s\n", write ? "SET" : "GET", (int)len,
		      name);
}

/* ck_get_g_a(k...) / ck_set_g_a(c, k..., v): array access by key list for
 * STAP_GLOBAL_GET/SET. */
static void array_accessors(struct kmod *K, struct kglobal *g, struct writer *w)
{
	struct vardecl *v = g->decl;
	struct strbuf ps = STRBUF_INIT, ks = STRBUF_INIT;
	for (int i = 0; i < v->arity; i++) {
		bool s = v->index_types && v->index_types[i] == TYPE_STRING;
		strbuf_printf(&ps, "%s%s k%d", i ? ", " : "", s ? "const char *" : "int64_t", i);
		strbuf_printf(&ks, "%s{ .%c = k%d }", i ? ", " : "", s ? 's' : 'l', i);
	}
	bool str = v->type == TYPE_STRING;
	kw_func(w, "static __maybe_unused %s ck_get_%s(%s)", str ? "const char *" : "int64_t",
	       g->cname, ps.buf);
	kw_line(w, "union _ctap_key k[] = { %s };", ks.buf);
	kw_blank(w);
	kw_line(w, "return _ctap_map_get_%s(&%s, k);", str ? "str" : "long", g->cname);
	kw_close(w, NULL);
	kw_func(w, "static __maybe_unused int ck_set_%s(struct _ctap_context *c, %s, %s val)",
	       g->cname, ps.buf, str ? "const char *" : "int64_t");
	kw_line(w, "union _ctap_key k[] = { %s };", ks.buf);
	kw_blank(w);
	kw_line(w, "return _ctap_map_set_%s(c, &%s, k, val);", str ? "str" : "long", g->cname);
	kw_close(w, NULL);
	strbuf_free(&ps);
	strbuf_free(&ks);
	(void)K;
}

static void collect_accessor(void *ctx, const char *name, size_t len, bool write)
{
	struct pragma_ctx *pc = ctx;
	struct kglobal *g = find_global(pc->K, name, len);
	(void)write;
	if (g && g->kind == KG_MAP)
		pc->modes[g->index] = 1;
}

void km_embedded_support(struct kmod *K, struct writer *w)
{
	/* array accessors for every array some body names in a pragma */
	uint8_t *want = arena_alloc(K->a, K->nglobals + 1);
	struct pragma_ctx pc = { K, want, NULL };
	for (unsigned i = 0; i < K->nfuncs; i++) {
		const char *code = K->funcs[i]->decl->embedded;
		if (!code)
			continue;
		each_pragma(code, "read", collect_accessor, &pc);
		each_pragma(code, "write", collect_accessor, &pc);
	}
	for (unsigned i = 0; i < K->nglobals; i++)
		if (want[i])
			array_accessors(K, K->globals[i], w);
}

void km_embedded_function(struct kmod *K, struct kfunc *kf, struct writer *w)
{
	struct functiondecl *f = kf->decl;
	bool str = f->type == TYPE_STRING;
	bool chained = kf->chained;
	struct strbuf defs = STRBUF_INIT, undefs = STRBUF_INIT;

	vec_foreach(&f->params, i) {
		struct vardecl *p = f->params.items[i];
		strbuf_printf(&defs, "#define STAP_ARG_%s (l->%s)\n", p->name, (const char *)p->backend);
		strbuf_printf(&undefs, "#undef STAP_ARG_%s\n", p->name);
	}
	if (f->type == TYPE_LONG || str)
		strbuf_puts(&defs, "#define STAP_RETVALUE (l->__retvalue)\n");
	/* STAP_RETURN(v) sets the result and leaves; STAP_RETURN() leaves with
	 * what the body already wrote into STAP_RETVALUE */
	if (str)
		strbuf_puts(&defs, "#define STAP_RETURN(...) do { __VA_OPT__(_ctap_strcpy("
			    "STAP_RETVALUE, (__VA_ARGS__));) goto out; } while (0)\n");
	else if (f->type == TYPE_LONG)
		strbuf_puts(&defs, "#define STAP_RETURN(...) do { __VA_OPT__(STAP_RETVALUE = "
			    "(__VA_ARGS__);) goto out; } while (0)\n");
	else
		strbuf_puts(&defs, "#define STAP_RETURN(...) goto out\n");
	if (chained)
		strbuf_puts(&defs, "#define STAP_NEXT do { __next = 1; goto out; } while (0)\n");
	else
		strbuf_puts(&defs, "#define STAP_NEXT do { _ctap_error(c, \"all functions "
			    "exhausted\"); goto out; } while (0)\n");
	strbuf_puts(&defs, "#define return goto out\n");
	strbuf_puts(&undefs, "#undef return\n#undef STAP_NEXT\n#undef STAP_RETURN\n");
	if (f->type == TYPE_LONG || str)
		strbuf_puts(&undefs, "#undef STAP_RETVALUE\n");
	struct pragma_ctx pc = { K, NULL, &defs };
	each_pragma(f->embedded, "read", pragma_macros, &pc);
	each_pragma(f->embedded, "write", pragma_macros, &pc);
	pc.defs = &undefs;
	each_pragma(f->embedded, "read", pragma_undefs, &pc);
	each_pragma(f->embedded, "write", pragma_undefs, &pc);

	/* the function, shaped like a script function (functions.c) */
	struct strbuf body = STRBUF_INIT;
	strbuf_add(&body, defs.buf, defs.len);
	strbuf_puts(&body, "\t{\n");
	strbuf_puts(&body, f->embedded);
	strbuf_puts(&body, "\n\t}\n");
	strbuf_add(&body, undefs.buf, undefs.len);
	kf->uses_next = false;
	km_wrap(K, kf, w, &body);
	strbuf_free(&body);
	strbuf_free(&defs);
	strbuf_free(&undefs);
}
