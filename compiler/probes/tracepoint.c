/*
 * tracepoint: kernel.trace("NAME") / kernel.trace("SYSTEM:NAME"), globs in
 * both parts (probes.md §2.5).  Arguments are the TP_PROTO parameters,
 * typed from BTF: $prev->pid etc.  $$name, $$system, $$vars, $$parms.
 */
#include "probes/tracepoint.h"

#include <string.h>

#include "bpf/family.h"
#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/pretty.h"
#include "elab/typeinfo.h"
#include "kmod/kmod.h"
#include "probes/kprobe.h"
#include "session.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

static const char *const patterns[] = { "kernel.trace(string)", NULL };

struct collect {
	struct derive_ctx *ctx;
	const struct pp_match *m;
	int count;
};

static void add_one(void *arg, const struct target_tracepoint *tp)
{
	struct collect *c = arg;
	struct elab *E = c->ctx->E;
	struct tracepoint_data *d = arena_new_obj(E->arena, struct tracepoint_data);
	d->tp = tp;
	const char *functors[2] = { "kernel", "trace" };
	struct expr *args[2] = {
		NULL,
		elab_string(E, c->m->args[1]->tok, arena_printf(E->arena, "%s:%s", tp->system, tp->name)),
	};
	struct probe_point *pp = elab_make_point(E, c->m->point, 2, functors, args);
	elab_add_probe(c->ctx, &tracepoint_family, pp, d);
	c->count++;
}

struct near {
	struct similar *sim;
};

static void offer(void *arg, const struct target_tracepoint *tp)
{
	similar_offer(((struct near *)arg)->sim, tp->name);
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	const char *spec = m->args[1]->u.str.val;
	struct target *t = elab_target(E);
	if (!t)
		return -1;
	char *sys = NULL;
	const char *name = spec;
	const char *colon = strchr(spec, ':');
	if (colon) {
		sys = arena_strndup(E->arena, spec, (size_t)(colon - spec));
		name = colon + 1;
	}
	struct collect c = { ctx, m, 0 };
	int n = target_tracepoints_match(t, sys, name, add_one, &c);
	if (n < 0) {
		const char *why = target_tracepoints_missing(t);
		elab_point_error(E, m, NULL, "no tracepoint list for kernel %s%s%s",
				 target_description(t)->release, why ? ": " : "", why ? why : "");
		return -1;
	}
	if (n == 0 && !ctx->optional && !E->listing) {
		struct similar sim;
		similar_init(&sim, name);
		struct near nr = { &sim };
		target_tracepoints_match(t, NULL, "*", offer, &nr);
		struct strbuf sb = STRBUF_INIT;
		strbuf_puts(&sb, "no match");
		similar_append(&sim, &sb, "similar tracepoints");
		elab_point_error(E, m, NULL, "%s", strbuf_str(&sb));
		strbuf_free(&sb);
		return -1;
	}
	return c.count;
}

static void alternatives(struct elab *E, const struct target_tracepoint *tp, struct expr *e)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "unable to find tracepoint variable '%s' (alternatives:", e->u.target.name);
	for (uint32_t i = 0; i < tp->nargs; i++)
		strbuf_printf(&sb, " $%s,", tp->args[i].name);
	strbuf_puts(&sb, " $$name, $$system, $$parms, $$vars)");
	diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

/* $$vars and $$parms as sprintf("a=%p b=%#x", $a, $b): every argument in
 * prototype order, pointers as %p, other values as %#x (what kmod_vars
 * prints), or pretty-printed for $$vars$ / $$vars$$; $$locals is "" (a
 * tracepoint has no locals). */
static struct expr *vars_sprintf(struct elab *E, const struct target_tracepoint *tp,
				 const struct expr *at, bool locals, int level)
{
	uint32_t n = locals ? 0 : tp->nargs;
	struct pretty_var *vars = arena_alloc(E->arena, sizeof(*vars) * (n ? n : 1));
	for (uint32_t i = 0; i < n; i++) {
		struct target_access *acc = arena_new_obj(E->arena, struct target_access);
		typeinfo_param_access(acc, ACCESS_TP_ARG, i, &tp->args[i]);
		vars[i] = (struct pretty_var){ tp->args[i].name, acc, tp->args[i].btf_type_id,
					       tp->args[i].is_pointer };
	}
	struct target *t = level ? elab_target(E) : NULL;
	return pretty_vars(E, t ? target_btf(t) : NULL, vars, n, level, at);
}

static bool target_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	if (e->kind != EXPR_TARGET)
		return false;
	const struct target_tracepoint *tp = ((struct tracepoint_data *)dp->family_data)->tp;
	const char *name = e->u.target.name;
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	if (e->u.target.is_at_var)
		return kdwarf_at_var(E, e);
	if (!strcmp(name, "$$name") || !strcmp(name, "$$system")) {
		acc->base = ACCESS_CONST_STRING;
		acc->const_string = name[2] == 'n' ? tp->name : tp->system;
		acc->is_string = true;
		e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!strcmp(name, "$$vars") || !strcmp(name, "$$parms") || !strcmp(name, "$$locals")) {
		if (tp->args_known) {
			pretty_vars_resolve(acc, e,
					    vars_sprintf(E, tp, e, name[2] == 'l', pretty_level(e)));
			return true;
		}
		acc->base = ACCESS_VARS;
		acc->is_string = true;
		e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!tp->args_known) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "the arguments of tracepoint %s:%s are unknown (no BTF for it)",
				   tp->system, tp->name);
		return true;
	}
	for (uint32_t i = 0; i < tp->nargs; i++) {
		const struct target_param *p = &tp->args[i];
		if (strcmp(p->name, name + 1) != 0)
			continue;
		typeinfo_param_access(acc, ACCESS_TP_ARG, i, &tp->args[i]);
		if (e->u.target.comps.len || e->u.target.addressof) {
			struct target *t = elab_target(E);
			struct btf *btf = t ? target_btf(t) : NULL;
			int32_t id = p->btf_type_id;
			bool is_address = false;
			if (btf && !id)
				typeinfo_from_ctype(btf, p->ctype, &id, &is_address);
			if (!btf || !id) {
				if (!E->quiet_targets)
					diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
						   "no type information (BTF) for '%s'", name);
				return true;
			}
			if (!typeinfo_walk(E, btf, id, is_address, e, acc))
				return true;
		}
		if (acc->is_string)
			e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!E->quiet_targets)
		alternatives(E, tp, e);
	return true;
}

static void list_vars(struct elab *E, struct derived_probe *dp, struct strbuf *out)
{
	(void)E;
	const struct target_tracepoint *tp = ((struct tracepoint_data *)dp->family_data)->tp;
	for (uint32_t i = 0; i < tp->nargs; i++)
		strbuf_printf(out, " $%s:%s", tp->args[i].name, tp->args[i].ctype);
}

/* ------------------------------------------------ kernel-module back end */

static const struct target_tracepoint *kmod_tp(struct kprobe_tr *p)
{
	return ((const struct tracepoint_data *)p->dp->family_data)->tp;
}

static const char *int_type(const struct target_param *a)
{
	if (a->is_pointer)
		return "unsigned long";
	switch (a->size) {
	case 1: return a->is_signed ? "s8" : "u8";
	case 2: return a->is_signed ? "s16" : "u16";
	case 4: return a->is_signed ? "s32" : "u32";
	default: return a->is_signed ? "s64" : "u64";
	}
}

static bool kmod_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct target_tracepoint *tp = kmod_tp(p);
	if (tp->syscall)
		return true;
	if (!tp->args_known) {
		kmod_error(K, D_TRANS_PROBE, p->dp->tok, "the prototype of tracepoint %s:%s is unknown (no BTF "
			   "for it), so the kernel-module back end cannot attach to it",
			   tp->system, tp->name);
		return false;
	}
	for (uint32_t i = 0; i < tp->nargs; i++) {
		uint32_t s = tp->args[i].size;
		if (!tp->args[i].is_pointer && s != 1 && s != 2 && s != 4 && s != 8) {
			kmod_error(K, D_TRANS_PROBE, p->dp->tok, "tracepoint %s:%s passes '%s' (%u bytes) by value, "
				   "which the kernel-module back end cannot receive", tp->system,
				   tp->name, tp->args[i].name, s);
			return false;
		}
	}
	return true;
}

static bool tp_is_exit(const struct target_tracepoint *tp)
{
	return strncmp(tp->name, "sys_exit_", 9) == 0;
}

/* One struct and callback per tracepoint, shared by its probes (so that
 * their handlers, reading the same arguments, can be shared too). */
static const char *tp_struct(struct kmod *K, struct kprobe_tr *p)
{
	return arena_printf(K->a, "ck_tp_%s", kmod_tp(p)->name);
}

static const char *kmod_arg(struct kmod *K, struct kprobe_tr *p, int index)
{
	return arena_printf(K->a, "((struct %s *)c->args)->a%d", tp_struct(K, p), index);
}

static void kmod_decls(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	const struct target_tracepoint *tp = kmod_tp(p);
	const char *st = tp_struct(K, p);
	if (tp->syscall) {
		/* sys_enter(regs, id) / sys_exit(regs, ret) */
		const char *sc = strchr(tp->name + 4, '_') + 1;
		bool exit = tp_is_exit(tp);
		kw_line(w, "/* %s:%s: raw_syscalls:%s filtered on __NR_%s */", tp->system, tp->name,
		       exit ? "sys_exit" : "sys_enter", sc);
		kw_open(w, "struct %s", st);
		kw_line(w, "s64 a0;");
		kw_close(w, ";");
		kw_func(w, "static void %s_cb(void *data, struct pt_regs *regs, long v)", st);
		kw_line(w, "struct %s args = { v };", st);
		kw_blank(w);
		if (exit)
			kw_line(w, "if (syscall_get_nr(current, regs) != __NR_%s)", sc);
		else
			kw_line(w, "if (v != __NR_%s)", sc);
		kw_line(w, "\treturn;");
		kw_line(w, "_ctap_probe_run_tracepoint(((struct _ctap_tracepoint *)data)->probe, &args);");
		kw_close(w, NULL);
		return;
	}
	kw_line(w, "/* %s:%s */", tp->system, tp->name);
	kw_open(w, "struct %s", st);
	for (uint32_t i = 0; i < tp->nargs; i++)
		kw_line(w, "%s a%u;\t/* %s %s */", int_type(&tp->args[i]), i, tp->args[i].ctype,
		       tp->args[i].name);
	if (!tp->nargs)
		kw_line(w, "int unused;");
	kw_close(w, ";");
	struct strbuf proto = STRBUF_INIT, init = STRBUF_INIT;
	for (uint32_t i = 0; i < tp->nargs; i++) {
		strbuf_printf(&proto, ", %s a%u", int_type(&tp->args[i]), i);
		strbuf_printf(&init, "%sa%u", i ? ", " : "", i);
	}
	kw_func(w, "static void %s_cb(void *data%s)", st, proto.len ? proto.buf : "");
	kw_line(w, "struct %s args = { %s };", st, tp->nargs ? init.buf : "0");
	kw_blank(w);
	kw_line(w, "_ctap_probe_run_tracepoint(((struct _ctap_tracepoint *)data)->probe, &args);");
	kw_close(w, NULL);
	strbuf_free(&proto);
	strbuf_free(&init);
}

static void kmod_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	const struct target_tracepoint *tp = kmod_tp(p);
	const char *name = tp->name;
	if (tp->syscall)
		name = tp_is_exit(tp) ? "sys_exit" : "sys_enter";
	kw_line(w, "{ .probe = &probes[%u], .name = \"%s\", .callback = %s_cb%s },", p->index, name,
	       tp_struct(K, p), p->dp->optional ? ", .optional = true" : "");
}

static const char *const syscall_headers[] = { "asm/syscall.h", "asm/unistd.h", NULL };

/* syscalls:* probes name __NR_ constants and call syscall_get_nr() */
static const char *const *kmod_includes(const struct kprobe_tr *p)
{
	return ((const struct tracepoint_data *)p->dp->family_data)->tp->syscall ? syscall_headers
										 : NULL;
}

/* $$vars, $$parms: every argument; no $$locals or $$return */
static unsigned kmod_vars(struct kmod *K, struct kprobe_tr *p, const char *name, struct strbuf *fmt,
			  struct strbuf *args)
{
	if (!strcmp(name, "$$return") || !strcmp(name, "$$locals"))
		return 0;
	const struct target_tracepoint *tp = kmod_tp(p);
	for (uint32_t i = 0; i < tp->nargs; i++) {
		strbuf_printf(fmt, "%s%s=%s", i ? " " : "", tp->args[i].name,
			      tp->args[i].is_pointer ? "%p" : "%#x");
		strbuf_printf(args, "|%s", kmod_arg(K, p, (int)i));
	}
	return tp->nargs;
}

static const struct kmod_family kmod_hooks = {
	.check = kmod_check,
	.emit_decls = kmod_decls,
	.emit_entry = kmod_entry,
	.table = "tracepoints",
	.includes = kmod_includes,
	.arg = kmod_arg,
	.vars = kmod_vars,
};

/* ------------------------------------------------------- BPF back end */

static bool bpf_group(struct bpf_translation *t, struct bprobe *bp)
{
	struct bpf_plan *pl = t->pl;
	const struct target_tracepoint *tp = ((struct tracepoint_data *)bp->dp->family_data)->tp;
	if (tp->syscall) {
		bool enter = !strncmp(tp->name, "sys_enter_", 10);
		const char *sc = tp->name + (enter ? 10 : 9);
		int nr = bpf_group_syscall_number(sc);
		if (nr < 0) {
			diag_error(&pl->s->diag, D_TRANS_PROBE, bp->dp->tok,
				   "no x86_64 system call number for tracepoint syscalls:%s", tp->name);
			return false;
		}
		const char *ev = enter ? "sys_enter" : "sys_exit";
		enum kattach a = bpf_group_tracepoint_kind(pl, ev);
		struct kprog *kp = bpf_group_find(t, a, ev);
		if (!kp) {
			kp = bpf_group_new(t, a, ev, bp->dp->tok);
			kp->syscall_group = true;
			kp->syscall_exit = !enter;
		}
		bpf_group_add(t, kp, bp, nr, 0, false);
		return true;
	}
	enum kattach a = bpf_group_tracepoint_kind(pl, tp->name);
	struct kprog *kp = bpf_group_find(t, a, tp->name);
	if (!kp)
		kp = bpf_group_new(t, a, tp->name, bp->dp->tok);
	kp->tp_system = tp->system;
	if (!strcmp(tp->system, "raw_syscalls") &&
	    (!strcmp(tp->name, "sys_enter") || !strcmp(tp->name, "sys_exit"))) {
		/* the syscall aliases: dispatch on their numbers */
		kp->syscall_group = true;
		kp->syscall_exit = !strcmp(tp->name, "sys_exit");
	}
	bpf_group_add(t, kp, bp, -1, 0, false);
	return true;
}

/* syscalls:* tracepoints: their arguments are the system call's, read
 * from raw_syscalls (the return value at sys_exit) */
static enum bpf_base bpf_target_base(struct lower *L, struct expr *e,
				     const struct target_access *acc, ir_reg *out)
{
	if (acc->base != ACCESS_TP_ARG ||
	    !((const struct tracepoint_data *)lower_probe(L)->family_data)->tp->syscall)
		return BPF_BASE_GENERIC;
	bool exit = false;
	lower_at_syscall(L, &exit);
	bool ok = exit ? lower_return_value(L, e->tok, out)
		       : lower_func_arg(L, e->tok, IR_NOREG, acc->index, out);
	return ok ? BPF_BASE_READ : BPF_BASE_FAILED;
}

static const struct bpf_family bpf_hooks = {
	.group = bpf_group,
	.target_base = bpf_target_base,
};

const struct probe_family tracepoint_family = {
	.name = "kernel.trace",
	.patterns = patterns,
	.build = build,
	.target_var = target_var,
	.list_vars = list_vars,
	.kmod = &kmod_hooks,
	.bpf = &bpf_hooks,
};
