/*
 * functions: script functions (language.md §5.2) as C functions.
 *
 * Calling convention: `RET f_NAME(struct _ctap_context *c, [char *__ret,]
 * PARAMS)` where longs are int64_t, strings `const char *` (copied into the
 * callee's frame on entry) and a string result is copied into the caller's
 * temporary __ret.  The callee enters one call level (_ctap_call_enter:
 * MAXNESTING) and takes its frame from c->locals by depth, so recursion
 * has a frame per level.  Callers test _ctap_failed(c) after every call.
 *
 * Runtime overloading (same name and arity, `next`): each member of a chain
 * is an implementation `int f_NAME__impl(c, RET *__retp, PARAMS)` that
 * returns 1 when it executed `next`; the chain's head gets a dispatcher
 * under the plain name that tries them in priority order and raises `all
 * functions exhausted` after the last.  `next` in a function outside any
 * chain raises the same error.
 */
#include <string.h>

#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

static const char *ctype_of(enum stap_type t)
{
	return t == TYPE_STRING ? "const char *" : "int64_t ";
}

static const char *ret_type(const struct functiondecl *f)
{
	return f->type == TYPE_LONG ? "int64_t" : "void";
}

/* "struct _ctap_context *c[, char *__ret], int64_t l_a, const char *l_s" */
static void params(struct strbuf *sb, const struct kfunc *kf, bool impl)
{
	const struct functiondecl *f = kf->decl;
	strbuf_puts(sb, "struct _ctap_context *c");
	if (impl && kf->chained && f->type == TYPE_LONG)
		strbuf_puts(sb, ", int64_t *__retp");
	else if (f->type == TYPE_STRING)
		strbuf_puts(sb, ", char *__ret");
	vec_foreach(&f->params, i) {
		const struct vardecl *p = f->params.items[i];
		strbuf_printf(sb, ", %sa_%u", ctype_of(p->type), i);
	}
}

static const char *signature(struct kmod *K, const struct kfunc *kf, bool impl)
{
	struct strbuf sb = STRBUF_INIT;
	bool chained_impl = impl && kf->chained;
	strbuf_printf(&sb, "static %s %s(", chained_impl ? "int" : ret_type(kf->decl),
		      impl ? kf->impl : kf->cname);
	params(&sb, kf, impl);
	strbuf_putc(&sb, ')');
	const char *r = arena_strdup(K->a, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

static bool is_head(struct kmod *K, const struct kfunc *kf)
{
	for (unsigned i = 0; i < K->nfuncs; i++)
		if (K->funcs[i]->decl->next_overload == kf->decl)
			return false;
	return true;
}

/* The frame of a function: parameters, result, locals. */
static void function_frame(struct kmod *K, struct kfunc *kf)
{
	struct functiondecl *f = kf->decl;
	kf->fr = kframe_new(K->a, kf->frame);
	vec_foreach(&f->params, i) {
		struct vardecl *p = f->params.items[i];
		kframe_add(K->a, kf->fr, "int64_t", p->backend, 0, p->type == TYPE_STRING);
	}
	if (f->type == TYPE_LONG || f->type == TYPE_STRING)
		kframe_add(K->a, kf->fr, "int64_t", "__retvalue", 0, f->type == TYPE_STRING);
	vec_foreach(&f->locals, i) {
		struct vardecl *v = f->locals.items[i];
		kframe_add(K->a, kf->fr, "int64_t", v->backend, 0, v->type == TYPE_STRING);
	}
}

/* Entry: call level, frame, parameters copied in, locals cleared. */
static void function_entry(struct kmod *K, struct kfunc *kf, struct writer *w)
{
	struct functiondecl *f = kf->decl;
	bool chained_impl = kf->chained;
	kw_line(w, "struct %s *l;", kf->frame);
	if (chained_impl || kf->uses_next)
		kw_line(w, "int __next = 0;");
	kw_blank(w);
	kw_line(w, "if (_ctap_call_enter(c))");
	kw_line(w, "\treturn%s;", chained_impl ? " 0" : f->type == TYPE_LONG ? " 0" : "");
	kw_line(w, "l = &CK_LOCALS(c)->fn[c->nesting - 1].%s;", kf->cname);
	kw_line(w, "c->last_stmt = %s;", km_where_c(K->s, f->tok));
	vec_foreach(&f->params, i) {
		struct vardecl *p = f->params.items[i];
		if (p->type == TYPE_STRING)
			kw_line(w, "_ctap_strcpy(l->%s, a_%u);", (const char *)p->backend, i);
		else
			kw_line(w, "l->%s = a_%u;", (const char *)p->backend, i);
	}
	if (f->type == TYPE_LONG)
		kw_line(w, "l->__retvalue = 0;");
	else if (f->type == TYPE_STRING)
		kw_line(w, "l->__retvalue[0] = '\\0';");
	vec_foreach(&f->locals, i) {
		struct vardecl *v = f->locals.items[i];
		if (v->type == TYPE_STRING)
			kw_line(w, "l->%s[0] = '\\0';", (const char *)v->backend);
		else
			kw_line(w, "l->%s = 0;", (const char *)v->backend);
	}
}

static void function_exit(struct kfunc *kf, struct writer *w)
{
	struct functiondecl *f = kf->decl;
	kw_label(w, "out: __attribute__((unused));");
	if (!kf->chained && kf->uses_next) {
		kw_line(w, "if (__next)");
		kw_line(w, "\t_ctap_error(c, \"all functions exhausted\");");
	}
	kw_line(w, "_ctap_call_leave(c);");
	if (f->type == TYPE_STRING)
		kw_line(w, "_ctap_strcpy(__ret, l->__retvalue);");
	if (kf->chained) {
		if (f->type == TYPE_LONG)
			kw_line(w, "*__retp = l->__retvalue;");
		kw_line(w, "return __next;");
	} else if (f->type == TYPE_LONG) {
		kw_line(w, "return l->__retvalue;");
	}
}

void km_wrap(struct kmod *K, struct kfunc *kf, struct writer *w, struct strbuf *body)
{
	kw_func(w, "%s", signature(K, kf, true));
	function_entry(K, kf, w);
	strbuf_add(w->sb, body->buf, body->len);
	function_exit(kf, w);
	kw_close(w, NULL);
}

static void km_script_function(struct kmod *K, struct kfunc *kf)
{
	struct strbuf body = STRBUF_INIT;
	struct writer bw = { &body, 1 };
	struct km_lower L = { .K = K, .w = &bw, .f = kf->fr, .fn = kf, .errlabel = "out" };
	km_body(&L, kf->decl->body);
	struct writer w = { &kf->text, 0 };
	km_wrap(K, kf, &w, &body);
	strbuf_free(&body);
}

/* The head of a chain: tries each implementation in priority order. */
static void dispatcher(struct kmod *K, struct kfunc *kf)
{
	struct functiondecl *f = kf->decl;
	struct writer w = { &kf->text, 0 };
	kw_blank(&w);
	kw_func(&w, "%s", signature(K, kf, false));
	struct strbuf args = STRBUF_INIT;
	vec_foreach(&f->params, i)
		strbuf_printf(&args, ", a_%u", i);
	const char *ret = f->type == TYPE_LONG ? ", &r" : f->type == TYPE_STRING ? ", __ret" : "";
	if (f->type == TYPE_LONG)
		kw_line(&w, "int64_t r = 0;");
	if (f->type == TYPE_LONG)
		kw_blank(&w);
	for (struct functiondecl *g = f; g; g = g->next_overload) {
		struct kfunc *kg = g->backend;
		if (!kg)
			continue;
		const char *call = arena_printf(K->a, "%s(c%s%s)", kg->impl, ret,
						args.len ? args.buf : "");
		kw_line(&w, "if (!%s || _ctap_failed(c))", call);
		kw_line(&w, "\treturn%s;", f->type == TYPE_LONG ? " r" : "");
	}
	kw_line(&w, "_ctap_error(c, \"all functions exhausted\");");
	if (f->type == TYPE_LONG)
		kw_line(&w, "return r;");
	kw_close(&w, NULL);
	strbuf_free(&args);
}

bool km_functions(struct kmod *K)
{
	for (unsigned i = 0; i < K->nfuncs; i++)
		function_frame(K, K->funcs[i]);
	for (unsigned i = 0; i < K->nfuncs; i++) {
		struct kfunc *kf = K->funcs[i];
		if (kf->decl->embedded) {
			struct writer w = { &kf->text, 0 };
			km_embedded_function(K, kf, &w);
		} else {
			km_script_function(K, kf);
		}
		if (kf->chained && is_head(K, kf))
			dispatcher(K, kf);
	}
	return true;
}

void km_protos(struct kmod *K, struct writer *w)
{
	for (unsigned i = 0; i < K->nfuncs; i++) {
		struct kfunc *kf = K->funcs[i];
		kw_line(w, "%s;", signature(K, kf, true));
		if (kf->chained && is_head(K, kf))
			kw_line(w, "%s;", signature(K, kf, false));
	}
}
