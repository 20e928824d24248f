/*
 * families: how each probe family of pass 2 (compiler/probes/) becomes an
 * entry of the runtime's family tables (runtime/kmod/families.h).
 *
 * The probe families do not know this back end; this file maps each
 * struct probe_family to a struct kfamily of hooks: the runtime kind of a
 * derived probe (begin/end/error/normal), a check of what the kernel
 * runtime supports, declarations printed before the handlers (a
 * tracepoint's argument struct), and the table entry.
 *
 * Tracepoints: the callback has the tracepoint's exact prototype, written
 * with fixed-width integer types from the argument sizes pass 2 knows
 * (pointers as unsigned long), which is ABI-identical on x86_64 and needs
 * no kernel header for the argument types; it packs the arguments into a
 * struct the handler reads through c->args.  syscalls:sys_enter_NAME /
 * sys_exit_NAME are ftrace events, not tracepoints: they attach to the
 * raw_syscalls sys_enter / sys_exit tracepoints and filter on __NR_NAME.
 */
#include <string.h>

#include "kmod/kmod.h"
#include "probes/begin_end.h"
#include "probes/kprobe.h"
#include "probes/perf.h"
#include "probes/timer.h"
#include "probes/tracepoint.h"
#include "session.h"
#include "util/arena.h"

/* ---------------------------------------------------------- begin/end */

static int be_kind(struct derived_probe *dp)
{
	const struct begin_end_data *d = dp->family_data;
	switch (d->kind) {
	case BE_BEGIN: return KP_BEGIN;
	case BE_END: return KP_END;
	case BE_ERROR: return KP_ERROR;
	case BE_NEVER: return KP_NEVER;
	}
	return KP_NEVER;
}

/* ---------------------------------------------------------- timers */

static int normal_kind(struct derived_probe *dp)
{
	(void)dp;
	return KP_NORMAL;
}

static bool timer_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct timer_data *d = p->dp->family_data;
	if (d->kind == TIMER_HRTIMER && d->period_ns <= 0) {
		kmod_error(K, p->dp->tok, "timer period must be positive");
		return false;
	}
	if (d->kind == TIMER_JIFFIES && d->jiffies <= 0) {
		kmod_error(K, p->dp->tok, "timer period must be positive");
		return false;
	}
	return true;
}

static void timer_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	const struct timer_data *d = p->dp->family_data;
	switch (d->kind) {
	case TIMER_HRTIMER:
		if (d->randomize_ns)
			kw_line(w, "{ .probe = &probes[%u], .period = %lldULL, .randomize = %lldULL },",
			       p->index, (long long)d->period_ns, (long long)d->randomize_ns);
		else
			kw_line(w, "{ .probe = &probes[%u], .period = %lldULL },", p->index,
			       (long long)d->period_ns);
		break;
	case TIMER_JIFFIES:
		kw_line(w, "{ .probe = &probes[%u], .period = %lld, .randomize = %lld, "
		       ".jiffies = true },", p->index, (long long)d->jiffies,
		       (long long)d->randomize_jiffies);
		break;
	case TIMER_PROFILE:
		break;
	}
}

/* timer.profile: a per-CPU cpu-clock perf event at the tick rate. */
static void profile_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	kw_line(w, "{ .probe = &probes[%u], .type = PERF_TYPE_SOFTWARE, "
	       ".config = PERF_COUNT_SW_CPU_CLOCK, .sample_period = NSEC_PER_SEC / HZ },",
	       p->index);
}

/* ---------------------------------------------------------- tracepoints */

static const struct target_tracepoint *tp_of(struct kprobe_tr *p)
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

static bool tp_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct target_tracepoint *tp = tp_of(p);
	if (tp->syscall)
		return true;
	if (!tp->args_known) {
		kmod_error(K, p->dp->tok, "the prototype of tracepoint %s:%s is unknown (no BTF "
			   "for it), so the kernel-module back end cannot attach to it",
			   tp->system, tp->name);
		return false;
	}
	for (uint32_t i = 0; i < tp->nargs; i++) {
		uint32_t s = tp->args[i].size;
		if (!tp->args[i].is_pointer && s != 1 && s != 2 && s != 4 && s != 8) {
			kmod_error(K, p->dp->tok, "tracepoint %s:%s passes '%s' (%u bytes) by value, "
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
	return arena_printf(K->a, "ck_tp_%s", tp_of(p)->name);
}

const char *km_tp_arg(struct kmod *K, struct kprobe_tr *p, int index)
{
	return arena_printf(K->a, "((struct %s *)c->args)->a%d", tp_struct(K, p), index);
}

static void tp_decls(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	const struct target_tracepoint *tp = tp_of(p);
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
		kw_line(w, "_ctap_probe_run(((struct _ctap_tracepoint *)data)->probe, NULL, &args);");
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
	kw_line(w, "_ctap_probe_run(((struct _ctap_tracepoint *)data)->probe, NULL, &args);");
	kw_close(w, NULL);
	strbuf_free(&proto);
	strbuf_free(&init);
}

static void tp_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	const struct target_tracepoint *tp = tp_of(p);
	const char *name = tp->name;
	if (tp->syscall)
		name = tp_is_exit(tp) ? "sys_exit" : "sys_enter";
	kw_line(w, "{ .probe = &probes[%u], .name = \"%s\", .callback = %s_cb%s },", p->index, name,
	       tp_struct(K, p), p->dp->optional ? ", .optional = true" : "");
}

/* ---------------------------------------------------------- kprobes */

static void kprobe_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	const struct kprobe_data *d = p->dp->family_data;
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "{ .probe = &probes[%u], .symbol = %s", p->index,
		      km_quote(K->a, d->symbol, strlen(d->symbol)));
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

/* ---------------------------------------------------------- perf */

/* perf.type(T).config(C)[.sample(N)]: a per-CPU counter whose overflow
 * runs the probe; the runtime has no per-process or frequency mode yet. */
static bool perf_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct perf_data *d = p->dp->family_data;
	if (d->counter || d->process || d->freq || d->period <= 0) {
		kmod_error(K, p->dp->tok, "perf probe '%s': only system-wide sampling by event "
			   "count is supported by the kernel-module back end yet", p->dp->pp);
		return false;
	}
	return true;
}

static void perf_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	const struct perf_data *d = p->dp->family_data;
	kw_line(w, "{ .probe = &probes[%u], .type = %lld, .config = %lldULL, .sample_period = %lld },",
		p->index, (long long)d->type, (long long)d->config, (long long)d->period);
}

/* ---------------------------------------------------------- the table */

static const struct kfamily kf_begin_end = {
	.name = "begin_end", .kind = be_kind,
};
static const struct kfamily kf_timer = {
	.name = "timer", .kind = normal_kind, .check = timer_check, .emit_entry = timer_entry,
	.table = "timers",
};
static const struct kfamily kf_profile = {
	.name = "perf", .kind = normal_kind, .emit_entry = profile_entry, .table = "perfs",
};
static const struct kfamily kf_perf = {
	.name = "perf", .kind = normal_kind, .check = perf_check, .emit_entry = perf_entry,
	.table = "perfs",
};
static const struct kfamily kf_tracepoint = {
	.name = "tracepoint", .kind = normal_kind, .check = tp_check, .emit_decls = tp_decls,
	.emit_entry = tp_entry, .table = "tracepoints",
};
static const struct kfamily kf_kprobe = {
	.name = "kprobe", .kind = normal_kind, .emit_entry = kprobe_entry, .table = "kprobes",
};

const struct kfamily *km_family_find(const struct probe_family *f)
{
	if (f == &begin_end_family)
		return &kf_begin_end;
	if (f == &timer_family)
		return &kf_timer;
	if (f == &tracepoint_family)
		return &kf_tracepoint;
	if (f == &kprobe_family)
		return &kf_kprobe;
	if (f == &perf_family)
		return &kf_perf;
	return NULL;
}

/* timer.profile is a timer-family probe that the runtime runs as perf. */
const struct kfamily *km_family_of(struct derived_probe *dp)
{
	const struct kfamily *kf = km_family_find(dp->family);
	if (kf == &kf_timer && ((const struct timer_data *)dp->family_data)->kind == TIMER_PROFILE)
		return &kf_profile;
	return kf;
}
