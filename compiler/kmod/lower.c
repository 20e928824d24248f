/*
 * lower: pass 3's order of work, and the lowering of probe handlers.
 *
 * translate: layout (names, storage) -> probes (family, kind, index) ->
 * locks -> functions -> handlers -> module text.  Each derived probe gets
 * a handler `probe_N(struct _ctap_context *c)` with its own frame; a
 * handler whose frame and code are identical to an earlier one's (the
 * derived probes of one wildcard point, usually) is not printed again: the
 * probe entry points at the first.
 *
 * An arming condition (`probe P if (cond)`) is tested on entry: the runtime
 * has no arming hook, so a false condition just skips the body, which
 * SystemTap allows for every family (language.md §6.3).
 * --suppress-handler-errors wraps the body as a try whose catch counts the
 * error (_ctap_error_suppress) instead of reporting it.
 */
#include <stdarg.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/family.h"
#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"


static bool setup_probes(struct kmod *K)
{
	struct program *P = K->prog;
	K->probes = arena_new_array(K->a, struct kprobe_tr, P->probes.len + 1);
	bool ok = true;
	vec_foreach(&P->probes, i) {
		struct derived_probe *dp = P->probes.items[i];
		const struct kmod_family *fam = dp->family->kmod;
		if (!fam) {
			kmod_error(K, D_TRANS_FAMILY, dp->tok, "probe point '%s' (%s) is not supported by the "
				   "kernel-module back end yet", dp->pp, dp->family->name);
			ok = false;
			continue;
		}
		if (fam->variant)
			fam = fam->variant(dp);
		int kind = fam->kind ? fam->kind(dp) : KP_NORMAL;
		if (kind == KP_NEVER)
			continue;
		struct kprobe_tr *p = &K->probes[K->nprobes];
		p->dp = dp;
		p->fam = fam;
		p->kind = kind;
		p->index = K->nprobes++;
		if (fam->check && !fam->check(K, p))
			ok = false;
	}
	return ok;
}

static void handler_entry(struct kmod *K, struct kprobe_tr *p, struct frame *f, struct writer *w)
{
	(void)K;
	(void)p;
	vec_foreach(&f->members, i) {
		const struct frame_member *m = &f->members.items[i];
		if (strncmp(m->name, "l_", 2) != 0)
			continue;
		if (m->is_string)
			kw_line(w, "l->%s[0] = '\\0';", m->name);
		else
			kw_line(w, "l->%s = 0;", m->name);
	}
}

static void km_handler(struct kmod *K, struct kprobe_tr *p)
{
	struct derived_probe *dp = p->dp;
	const char *name = arena_printf(K->a, "probe_%u", p->index);
	struct frame *f = kframe_new(K->a, arena_printf(K->a, "ck_%s", name));
	vec_foreach(&dp->locals, i) {
		struct vardecl *v = dp->locals.items[i];
		kframe_add(K->a, f, "int64_t", v->backend, 0, v->type == TYPE_STRING);
	}
	struct strbuf body = STRBUF_INIT;
	struct writer bw = { &body, 1 };
	bool suppress = K->s->opts.suppress_handler_errors;
	struct km_lower L = { .K = K, .w = &bw, .f = f, .probe = p,
			   .errlabel = suppress ? "suppress" : "out" };
	if (dp->condition) {
		struct val c = km_expr(&L, dp->condition);
		kw_line(&bw, "if (!(%s))", c.c);
		kw_line(&bw, "\tgoto out;");
	}
	km_body(&L, dp->body);
	if (suppress) {
		kw_line(&bw, "goto out;");
		kw_label(&bw, "suppress:");
		kw_line(&bw, "if (!c->uncatchable)");
		kw_line(&bw, "\t_ctap_error_suppress(c);");
	}

	/* identical to an earlier handler? */
	struct strbuf key = STRBUF_INIT;
	struct writer kw = { &key, 0 };
	f->tag = "ck_X";
	kframe_print(&kw, f);
	strbuf_add(&key, body.buf, body.len);
	f->tag = arena_printf(K->a, "ck_%s", name);
	const char *k = strbuf_str(&key);
	vec_foreach(&K->handler_texts, i) {
		if (strcmp(K->handler_texts.items[i], k) == 0) {
			p->handler = K->handler_names.items[i];
			strbuf_free(&key);
			strbuf_free(&body);
			return;
		}
	}
	vec_push(K->a, &K->handler_texts, arena_strdup(K->a, k));
	vec_push(K->a, &K->handler_names, name);
	strbuf_free(&key);
	p->handler = name;

	struct writer w = { &K->handlers, 0 };
	kw_blank(&w);
	kw_line(&w, "/* %s */", dp->pp);
	kw_func(&w, "static void %s(struct _ctap_context *c)", name);
	if (f->members.len) {
		vec_push(K->a, &K->probe_frames, f);
		kw_line(&w, "struct %s *l = &CK_LOCALS(c)->probe.%s;", f->tag, name);
		kw_blank(&w);
		handler_entry(K, p, f, &w);
	}
	strbuf_add(w.sb, body.buf, body.len);
	kw_label(&w, "out: __attribute__((unused));");
	kw_line(&w, "return;");
	kw_close(&w, NULL);
	strbuf_free(&body);
}

bool km_lower_all(struct kmod *K)
{
	if (!setup_probes(K))
		return false;
	if (!km_locks(K))
		return false;
	struct diag_mark before = diag_mark(&K->s->diag);
	km_functions(K);
	for (unsigned i = 0; i < K->nprobes; i++)
		km_handler(K, &K->probes[i]);
	return !diag_errors_since(&K->s->diag, &before);
}
