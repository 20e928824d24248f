/*
 * kprobe: kernel.function("NAME")[.call|.return[.maxactive(N)]],
 * module("M").function(...) and .statement(...) from the module's DWARF,
 * and kprobe.function("NAME")[.call|.return[.maxactive(N)]] (probes.md
 * §2.3-4).
 *
 * With the kernel's DWARF installed, kernel.function names functions as
 * SystemTap does (FUNC@FILE[:LINE], "NAME@FILE:LINE" points) and reads
 * parameters and locals at entry from their DWARF locations (kdwarf.c).
 * Without it, functions come from the target's symbol table (globs
 * allowed for kernel.function) and parameters from BTF prototypes: $param
 * at entry (read from the ABI argument registers) and $return in .return
 * probes.  FUNC@FILE and :LINE forms need DWARF line tables and say so.
 */
#include "probes/kprobe.h"

#include <fnmatch.h>
#include <string.h>

#include "bpf/family.h"
#include "bpf/feature.h"
#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/pretty.h"
#include "elab/typeinfo.h"
#include "session.h"
#include "kmod/kmod.h"
#include "elab/uvars.h"
#include "target/target.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

static const char *const patterns[] = {
	"kernel.function(string)",
	"kernel.function(string).call",
	"kernel.function(string).return",
	"kernel.function(string).return.maxactive(number)",
	"kprobe.function(string)",
	"kprobe.function(string).call",
	"kprobe.function(string).return",
	"kprobe.function(string).return.maxactive(number)",
	"kernel.statement(string)",
	"module(string).function(string)",
	"module(string).function(string).call",
	"module(string).function(string).return",
	"module(string).function(string).return.maxactive(number)",
	"module(string).statement(string)",
	NULL,
};

struct collect {
	struct derive_ctx *ctx;
	const struct pp_match *m;
	const char *module_debuginfo;   /* module("M"): its DWARF */
	bool dwarfless, is_return;
	bool from_pattern;              /* the point's function is a wildcard */
	bool kprobe_events;             /* BPF: attached as kprobe events */
	int64_t maxactive;
	int count;
	int skipped_init;
	int skipped_notrace;            /* no ftrace entry: kprobe events refuse them */
	const char *notrace_symbol;     /* the first of them */
};

/* Functions in .init.text are gone once the kernel has booted. */
static bool in_init_text(struct target *t, uint64_t addr)
{
	const struct target_symbol *s = target_function(t, "_sinittext");
	const struct target_symbol *e = target_function(t, "_einittext");
	return s && e && addr && s->addr && addr >= s->addr && addr < e->addr;
}

/* The DWARF of a module's .ko, or of the kernel (module_debuginfo NULL) */
static struct udwarf *kprobe_dwarf(struct elab *E, const char *module_debuginfo)
{
	return module_debuginfo ? udwarf_open(E->s->dwarf, module_debuginfo, NULL) : kdwarf_open(E);
}

/* One probe on a kernel symbol; `point` names it in pp() (the DWARF form
 * "NAME@FILE:LINE" when there is one), dwarf what DWARF knows, or NULL. */
static void add_probe(struct collect *c, const char *symbol, uint64_t addr, const char *point,
		      const struct kdwarf_func *dwarf)
{
	struct elab *E = c->ctx->E;
	struct target *t = elab_target(E);
	if (t && !c->module_debuginfo && in_init_text(t, addr)) {
		c->skipped_init++;
		return;
	}
	if (c->kprobe_events && target_ftrace_traceable(t, symbol) == 0) {
		if (!c->skipped_notrace++)
			c->notrace_symbol = symbol;
		return;
	}
	struct kprobe_data *d = arena_new_obj(E->arena, struct kprobe_data);
	d->symbol = symbol;
	d->addr = addr;
	d->is_return = c->is_return;
	d->maxactive = c->maxactive;
	d->dwarfless = c->dwarfless;
	d->proto = t && !c->module_debuginfo ? target_function_proto(t, symbol) : NULL;
	d->module_debuginfo = c->module_debuginfo;
	if (dwarf) {
		d->offset = dwarf->offset;
		d->has_dwarf = true;
		d->die_offset = dwarf->die_offset;
		d->pc = dwarf->pc;
	}

	const char *functors[PP_MAX_COMPS];
	struct expr *args[PP_MAX_COMPS] = { 0 };
	for (unsigned i = 0; i < c->m->ncomps; i++) {
		functors[i] = c->m->functors[i];
		args[i] = c->m->args[i] ? ast_expr_copy(E->arena, c->m->args[i]) : NULL;
	}
	args[1] = elab_string(E, c->m->args[1]->tok, point);
	struct probe_point *pp = elab_make_point(E, c->m->point, c->m->ncomps, functors, args);
	struct derived_probe *dp = elab_add_probe(c->ctx, &kprobe_family, pp, d);
	dp->is_return = c->is_return;
	c->count++;
}

static void add_symbol(void *arg, const struct target_symbol *sym)
{
	add_probe(arg, sym->name, sym->addr, sym->name, NULL);
}

static void add_dwarf(void *arg, const struct kdwarf_func *f)
{
	add_probe(arg, f->symbol, f->addr, f->point, f);
}

static void offer_symbol(void *arg, const struct target_symbol *sym)
{
	similar_offer(arg, sym->name);
}

/* c's count, or -1 after saying why nothing matched (with the kernel's
 * functions nearest a plain name, as SystemTap: sys_open -> do_sys_open) */
static int no_match(struct collect *c, const char *spec)
{
	struct elab *E = c->ctx->E;
	if (c->skipped_notrace && !c->from_pattern && !c->ctx->optional) {
		/* named: every copy of it must be probed, or the point is wrong */
		elab_point_error(E, c->m, NULL, "kernel function '%s' has no ftrace entry (notrace, "
				 "or the out-of-line copy of an inline function): the BPF back "
				 "end's kprobes (kprobe events) refuse it; use --runtime=kmod",
				 c->notrace_symbol);
		return -1;
	}
	if (c->count == 0 && !c->ctx->optional && !E->listing) {
		if (c->skipped_notrace) {
			elab_point_error(E, c->m, NULL, "every kernel function '%s' matches has no "
					 "ftrace entry (here %s: notrace, or the out-of-line copy of "
					 "an inline function): the BPF back end's kprobes (kprobe "
					 "events) refuse them; use --runtime=kmod", spec,
					 c->notrace_symbol);
			return -1;
		}
		if (c->skipped_init) {
			elab_point_error(E, c->m, NULL, "kernel function '%s' is in .init.text, "
					 "which is freed after boot: it cannot be probed", spec);
			return -1;
		}
		struct strbuf sb = STRBUF_INIT;
		strbuf_printf(&sb, "no match for %s function '%s'",
			      c->module_debuginfo ? "module" : "kernel", spec);
		struct target *t = elab_target(E);
		if (t && !c->module_debuginfo && !strpbrk(spec, "*?[@:+")) {
			struct similar sim;
			similar_init(&sim, spec);
			target_functions_match(t, "*", offer_symbol, &sim);
			similar_append(&sim, &sb, "similar functions");
		}
		elab_point_error(E, c->m, NULL, "%s", strbuf_str(&sb));
		strbuf_free(&sb);
		return -1;
	}
	return c->count;
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	const char *spec = m->args[1]->u.str.val;
	struct collect c = {
		.ctx = ctx, .m = m,
		.dwarfless = strcmp(m->functors[0], "kprobe") == 0,
		.is_return = pp_match_has(m, "return"),
		.maxactive = pp_match_num(m, "maxactive", -1),
		.from_pattern = strpbrk(spec, "*?[") != NULL,
		/* a wildcard leaves the functions kprobe events refuse out,
		 * as the kprobes code leaves out what it cannot probe */
		.kprobe_events = !E->listing && !pp_match_str(m, "module") &&
				 session_runtime_expected(E->s) == RUNTIME_BPF,
	};
	const char *module = pp_match_str(m, "module");
	if (module) {
		const char *why = NULL;
		if (strpbrk(module, "*?[")) {
			elab_point_error(E, m, NULL, "module(\"%s\"): wildcards in module names are "
					 "not supported yet; name the module", module);
			return -1;
		}
		c.module_debuginfo = kmodule_debuginfo(E, module, &why);
		if (!c.module_debuginfo) {
			if (!ctx->optional)
				elab_point_error(E, m, NULL, "module(\"%s\"): %s", module, why);
			return ctx->optional ? 0 : -1;
		}
	}
	if (ctx->optional && !E->listing && session_runtime_expected(E->s) == RUNTIME_BPF &&
	    !feature_available(FEATURE_KPROBE)) {
		/* the BPF back end could not attach what this point resolves
		 * to: an optional or sufficient point (an alias's `!`, as
		 * kprocess.exit's do_exit) resolves to nothing, so that the
		 * next alternative (a tracepoint) is taken */
		return 0;
	}
	struct udwarf *dw = c.dwarfless ? NULL : kprobe_dwarf(E, c.module_debuginfo);
	if (module && !dw) {
		if (!ctx->optional)
			elab_point_error(E, m, NULL, "module(\"%s\"): %s has no DWARF debuginfo "
					 "(built without -g, or stripped)", module, c.module_debuginfo);
		return ctx->optional ? 0 : -1;
	}
	const char *module_name = module ? kmodule_name(E->arena, module) : NULL;
	bool statement = pp_match_has(m, "statement");
	if (statement && !dw) {
		elab_point_error(E, m, NULL, "'%s': kernel.statement needs the kernel's DWARF "
				 "debuginfo (linux-image-RELEASE-dbg on Debian), which is not "
				 "installed", spec);
		return -1;
	}
	if (dw) {
		const char *why = NULL;
		bool inlines = !c.is_return && !pp_match_has(m, "call");
		int n = statement
				? kdwarf_statements(E, dw, module_name, spec, &why, add_dwarf, &c)
				: kdwarf_functions(E, dw, module_name, spec, inlines, &why, add_dwarf, &c);
		if (n < 0) {
			if (why)
				elab_point_error(E, m, NULL, "'%s': %s", spec, why);
			return -1;
		}
		return no_match(&c, spec);
	}
	if (strpbrk(spec, "@:+")) {
		elab_point_error(E, m, NULL,
				 "'%s': source files and lines need the kernel's DWARF debuginfo, "
				 "which is not installed; name the function alone", spec);
		return -1;
	}
	if (c.dwarfless && strpbrk(spec, "*?[")) {
		elab_point_error(E, m, NULL, "kprobe.function does not take wildcards: '%s'", spec);
		return -1;
	}
	struct target *t = elab_target(E);
	if (!t)
		return -1;
	int n = target_functions_match(t, spec, add_symbol, &c);
	if (n < 0) {
		const char *why = target_symbols_missing(t);
		elab_point_error(E, m, NULL, "no kernel function symbol table%s%s", why ? ": " : "",
				 why ? why : "");
		return -1;
	}
	return no_match(&c, spec);
}

static struct target_access *new_access(struct elab *E)
{
	return arena_new_obj(E->arena, struct target_access);
}

/*
 * The register (0..5: rdi, rsi, rdx, rcx, r8, r9) holding parameter i at
 * the entry, or -1: the x86-64 calling convention passes a struct of 9 to
 * 16 bytes by value in two registers (tcp_setsockopt's sockptr_t) and a
 * bigger one on the stack, which moves the parameters after it.
 */
static int arg_register(const struct target_func_proto *proto, uint32_t i)
{
	uint32_t reg = 0;
	for (uint32_t j = 0; j < i; j++) {
		uint32_t size = proto->params[j].size;
		reg += size > 16 ? 0 : size > 8 ? 2 : 1;
	}
	if (proto->params[i].size > 8 || reg >= 6)
		return -1;
	return (int)reg;
}

/* $return of an int function is the low 32 bits of rax, sign-extended
 * (-104, not 4294967192); pointers and longs are all 64 */
static void return_width(struct elab *E, const char *ctype, struct target_access *acc)
{
	struct target *t = elab_target(E);
	struct btf *btf = t ? target_btf(t) : NULL;
	int32_t id = 0;
	bool is_address = false;
	uint32_t size;
	bool is_signed;
	acc->base_size = 8;
	if (btf && typeinfo_from_ctype(btf, ctype, &id, &is_address) && !is_address &&
	    typeinfo_scalar(btf, id, &size, &is_signed) && size && size <= 8) {
		acc->base_size = size;
		acc->base_signed = is_signed;
	}
}

static bool walk(struct elab *E, struct expr *e, struct target_access *acc, int32_t type,
		 const char *ctype)
{
	acc->module = "kernel";
	if (!e->u.target.comps.len)
		return true;
	struct target *t = elab_target(E);
	struct btf *btf = t ? target_btf(t) : NULL;
	bool is_address = false;
	if (btf && !type && ctype)
		typeinfo_from_ctype(btf, ctype, &type, &is_address);
	if (!btf || !type) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "no type information (BTF) for '%s'",
				   e->u.target.name);
		return false;
	}
	return typeinfo_walk(E, btf, type, is_address, e, acc);
}

/* $$parms / $$vars: the arguments (no locals without DWARF; in a return
 * probe as they were at entry), $$return: the value returned - or
 * pretty-printed for $$parms$ and $$parms$$. */
static struct expr *vars_sprintf(struct elab *E, const struct kprobe_data *d, const struct expr *at,
				 const char *name, int level)
{
	struct pretty_var vars[6];
	uint32_t n = 0;
	if (!strcmp(name, "$$return")) {
		if (d->is_return && strcmp(d->proto->ret_ctype, "void") != 0) {
			struct target_access *acc = new_access(E);
			acc->base = ACCESS_RETURN;
			acc->ctype = d->proto->ret_ctype;
			acc->base_size = 8;
			acc->module = "kernel";
			vars[n++] = (struct pretty_var){ "return", acc, 0, false };
		}
	} else if (strcmp(name, "$$locals") != 0) {
		/* in a .return probe: as they were at entry (elab/entry.c) */
		for (uint32_t i = 0; i < d->proto->nparams && n < 6; i++) {
			const struct target_param *p = &d->proto->params[i];
			int reg = arg_register(d->proto, i);
			if (!p->name || reg < 0)
				break;
			struct target_access *acc = new_access(E);
			typeinfo_param_access(acc, d->is_return ? ACCESS_ENTRY : ACCESS_FUNC_ARG,
					      (uint32_t)reg, p);
			vars[n++] = (struct pretty_var){ p->name, acc, p->btf_type_id, false };
		}
	}
	struct target *t = level ? elab_target(E) : NULL;
	return pretty_vars(E, t ? target_btf(t) : NULL, vars, n, level, at);
}

/* Whether BTF's prototype of d's function has a parameter `name`
 * passed in a register (one of the first six). */
static bool btf_param(const struct kprobe_data *d, const char *name)
{
	for (uint32_t i = 0; d->proto && i < d->proto->nparams && i < 6; i++)
		if (d->proto->params[i].name && !strcmp(d->proto->params[i].name, name))
			return true;
	return false;
}

/* e from the kernel's DWARF; false: BTF's prototype is to answer instead */
static bool dwarf_var(struct elab *E, const struct kprobe_data *d, struct udwarf *dw,
		      struct expr *e)
{
	const char *name = e->u.target.name;
	struct uvars_point point = {
		.dw = dw, .die_offset = d->die_offset, .pc = d->pc, .entry_pc = d->pc,
		.space = UVARS_KERNEL, .is_return = d->is_return,
	};
	if (!strcmp(name, "$$parms") || !strcmp(name, "$$vars") || !strcmp(name, "$$locals") ||
	    !strcmp(name, "$$return")) {
		uvars_sets(E, &point, e, name);
		return true;
	}
	if (!strcmp(name, "$return")) {
		if (d->proto || !d->is_return)
			return false;
		struct target_access *acc = new_access(E);
		if (uvars_return(E, dw, d->die_offset, UVARS_KERNEL, e, acc) && acc->ctype)
			e->u.target.resolved = acc;
		else if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "function '%s' returns no value ($return)", d->symbol);
		return true;
	}
	if (name[1] == '$')
		return false;
	/* at an out-of-line function's entry a parameter whose DWARF location
	 * ctap cannot follow (an entry value, a computed one) is still in its
	 * ABI register, which BTF's prototype names */
	bool abi_param = !d->offset && btf_param(d, name + 1);
	struct target_access *acc = new_access(E);
	acc->module = "kernel";
	bool quiet = E->quiet_targets;
	E->quiet_targets = quiet || abi_param;
	bool ok = uvars_access(E, &point, e, acc);
	E->quiet_targets = quiet;
	if (ok) {
		if (acc->is_string)
			e->type = TYPE_STRING;
		e->u.target.resolved = acc;
	}
	return ok || !abi_param;
}

static bool target_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	struct kprobe_data *d = dp->family_data;
	const char *name = e->u.target.name;
	if (e->kind != EXPR_TARGET)
		return false;
	if (e->u.target.is_at_var)
		return kdwarf_at_var(E, e);
	if (d->dwarfless) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "kprobe.function probes have no $variables; use the *_arg() "
				   "functions (int_arg, pointer_arg, ...) or returnval()");
		return true;
	}
	/* DWARF reads what BTF cannot (locals, parameters past the sixth, any
	 * address); pretty-printing ($var$) still takes BTF's types */
	bool btf_will_do = d->proto && pretty_level(e);
	struct udwarf *dw = d->has_dwarf && !btf_will_do ? kprobe_dwarf(E, d->module_debuginfo)
							  : NULL;
	if (dw && dwarf_var(E, d, dw, e))
		return true;
	if (!d->proto) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "unable to find local '%s': kernel function '%s' has no BTF "
				   "prototype and DWARF debuginfo is not installed", name + 1, d->symbol);
		return true;
	}
	struct target_access *acc = new_access(E);
	if (!strcmp(name, "$return")) {
		if (!d->is_return || !strcmp(d->proto->ret_ctype, "void")) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "$return is only available in .return probes of functions "
					   "that return a value");
			return true;
		}
		if (e->u.target.addressof && !e->u.target.comps.len) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "cannot take the address of $return: it is a register");
			return true;
		}
		acc->base = ACCESS_RETURN;
		acc->ctype = d->proto->ret_ctype;
		return_width(E, d->proto->ret_ctype, acc);
		if (!walk(E, e, acc, 0, d->proto->ret_ctype))
			return true;
		e->u.target.resolved = acc;
		return true;
	}
	if (!strcmp(name, "$$parms") || !strcmp(name, "$$vars") || !strcmp(name, "$$locals") ||
	    !strcmp(name, "$$return")) {
		pretty_vars_resolve(acc, e, vars_sprintf(E, d, e, name, pretty_level(e)));
		return true;
	}
	for (uint32_t i = 0; i < d->proto->nparams; i++) {
		const struct target_param *p = &d->proto->params[i];
		if (!p->name || strcmp(p->name, name + 1) != 0)
			continue;
		int reg = arg_register(d->proto, i);
		if (reg < 0) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "'%s' is argument %u: only the first six (passed in "
					   "registers) can be read without DWARF", name, i + 1);
			return true;
		}
		if (e->u.target.addressof && !e->u.target.comps.len) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "cannot take the address of '%s': it is passed in a register",
					   name);
			return true;
		}
		typeinfo_param_access(acc, d->is_return ? ACCESS_ENTRY : ACCESS_FUNC_ARG,
				      (uint32_t)reg, p);
		if (!walk(E, e, acc, p->btf_type_id, p->ctype))
			return true;
		if (acc->is_string)
			e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!E->quiet_targets) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_printf(&sb, "unable to find local '%s', [man error::dwarf] (alternatives:",
			      name + 1);
		for (uint32_t i = 0; i < d->proto->nparams; i++)
			if (d->proto->params[i].name)
				strbuf_printf(&sb, " $%s", d->proto->params[i].name);
		strbuf_puts(&sb, ")");
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "%s", strbuf_str(&sb));
		strbuf_free(&sb);
	}
	return true;
}

/* The kprobe at the function's entry that saves a .return probe's entry
 * values (elab/entry.c). */
static void *entry_twin(struct elab *E, const struct derived_probe *ret)
{
	struct kprobe_data *d = arena_new_obj(E->arena, struct kprobe_data);
	*d = *(const struct kprobe_data *)ret->family_data;
	d->is_return = false;
	d->maxactive = -1;
	return d;
}

static void list_vars(struct elab *E, struct derived_probe *dp, struct strbuf *out)
{
	struct kprobe_data *d = dp->family_data;
	struct udwarf *dw = d->has_dwarf ? kprobe_dwarf(E, d->module_debuginfo) : NULL;
	if (dw) {
		uvars_list(dw, E, d->die_offset, d->pc, UVARS_KERNEL, d->is_return, d->is_return,
			   out);
		return;
	}
	if (d->dwarfless || !d->proto)
		return;
	if (d->is_return && strcmp(d->proto->ret_ctype, "void"))
		strbuf_printf(out, " $return:%s", d->proto->ret_ctype);
	for (uint32_t i = 0; i < d->proto->nparams; i++)
		if (d->proto->params[i].name)
			strbuf_printf(out, " $%s:%s", d->proto->params[i].name, d->proto->params[i].ctype);
}

/* ------------------------------------------------ kernel-module back end */

static void kmod_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	const struct kprobe_data *d = p->dp->family_data;
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "{ .probe = &probes[%u], .symbol = %s", p->index,
		      km_quote(K->a, d->symbol, strlen(d->symbol)));
	if (d->offset)
		strbuf_printf(&sb, ", .offset = 0x%llx", (unsigned long long)d->offset);
	if (d->is_return)
		strbuf_puts(&sb, ", .is_return = true");
	if (d->is_return && d->maxactive > 0)
		strbuf_printf(&sb, ", .maxactive = %lld", (long long)d->maxactive);
	if (p->dp->optional)
		strbuf_puts(&sb, ", .optional = true");
	strbuf_puts(&sb, " },");
	kw_line(w, "%s", sb.buf);
	strbuf_free(&sb);
}

static const struct kmod_family kmod_hooks = {
	.emit_entry = kmod_entry,
	.table = "kprobes",
	.has_regs = true,
};

/* ------------------------------------------------------- BPF back end */

/* Kprobes through the kprobe PMU: all entry probes share one program and
 * all return probes another, each function attached with its own cookie
 * (the probe's index in the program), which picks the handler.  A
 * statement or an inlined instance is a kprobe at its offset into the
 * function that holds it.  The
 * context is struct pt_regs: parameters from the ABI argument registers
 * (lower_func_arg), $return from ax (lower_return_value).  A kernel
 * without kprobes gets a pass-3 error naming what it lacks. */
static bool bpf_group(struct bpf_translation *t, struct bprobe *bp)
{
	struct bpf_plan *pl = t->pl;
	struct derived_probe *dp = bp->dp;
	const struct kprobe_data *d = dp->family_data;
	if (d->is_return && d->maxactive >= 0) {
		diag_error(&pl->s->diag, D_TRANS_PROBE, dp->tok,
			   "probe %s: .maxactive(%lld) cannot be honoured by the BPF runtime: "
			   "kretprobes made through the kprobe PMU take the kernel's default "
			   "number of instances (drop .maxactive, or use --runtime=kmod)",
			   dp->pp, (long long)d->maxactive);
		return false;
	}
	if (!feature_available(FEATURE_KPROBE)) {
		if (dp->optional) {
			/* an optional point this kernel cannot probe: dropped, as
			 * an optional point that resolves to nothing is */
			bp->where = BP_NEVER;
			pl->nkernel--;
			return true;
		}
		if (pl->refused_point == dp->tok)
			return false;
		pl->refused_point = dp->tok;
		static const enum feature alts[] = { FEATURE_KPROBE };
		struct strbuf what = STRBUF_INIT;
		strbuf_printf(&what, "kernel.function probes (here %s)", dp->pp);
		feature_require(&pl->s->diag, dp->tok, strbuf_str(&what), "kprobes", alts, 1);
		strbuf_free(&what);
		return false;
	}
	const char *ev = d->is_return ? "kretprobe" : "kprobe";
	struct kprog *kp = bpf_group_find(t, KA_KPROBE, ev);
	if (!kp) {
		kp = bpf_group_new(t, KA_KPROBE, ev, dp->tok);
		kp->retprobe = d->is_return;
		kp->cookie_dispatch = true;
	}
	uint32_t i = bpf_group_add_site(t, kp, d->offset, d->symbol, 0);
	bpf_group_add(t, kp, bp, (int32_t)i, 0, false);
	return true;
}

static const struct bpf_family bpf_hooks = {
	.group = bpf_group,
};

const struct probe_family kprobe_family = {
	.name = "kernel.function",
	.patterns = patterns,
	.build = build,
	.target_var = target_var,
	.entry_twin = entry_twin,
	.list_vars = list_vars,
	.kmod = &kmod_hooks,
	.bpf = &bpf_hooks,
};
