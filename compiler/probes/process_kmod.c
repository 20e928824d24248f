/*
 * process_kmod: the process family's hooks for the kernel-module back end
 * (kmod/family.h).  Every uprobe site is one entry of the runtime's
 * uprobes table (runtime/kmod/probe_uprobe.c): the file, the file offset,
 * the SDT semaphore's offset, and the pid / -c/-x filter the handler
 * applies.  Lifecycle and syscall probes are entries of the tracepoints
 * table (runtime/kmod/probe_tracepoint.c) on sched_process_exec,
 * sched_process_exit, sys_enter and sys_exit, as on the BPF back end: one
 * callback per probe, which tests the process id, or leaves the test to
 * the guard pass 2 put in the body (process_lifecycle.c).
 */
#include "probes/process.h"

#include <string.h>

#include "diag/diag.h"
#include "elab/program.h"
#include "kmod/family.h"
#include "kmod/kmod.h"
#include "session.h"
#include "target/target_desc.h"
#include "util/arena.h"
#include "util/strbuf.h"

static bool kmod_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct process_data *d = p->dp->family_data;
	const char *why = NULL, *hint = "";
	if (d->absolute) {
		why = ".absolute statement probes";
		hint = " (use --runtime=bpf)";
	} else if (d->kind == PROCESS_UPROBE && K->s->target_desc &&
		   K->s->target_desc->kernel_version &&
		   strverscmp(K->s->target_desc->kernel_version, "6.12") >= 0) {
		kmod_error(K, D_TRANS_PROBE, p->dp->tok, "probe %s: process probes on the kernel-module "
			   "back end need the uprobes interface of Linux before 6.12 (the target is "
			   "%s); use --runtime=bpf", p->dp->pp, K->s->target_desc->kernel_version);
		return false;
	}
	if (why) {
		kmod_error(K, D_TRANS_PROBE, p->dp->tok, "probe %s: %s are not supported by the "
			   "kernel-module back end%s", p->dp->pp, why, hint);
		return false;
	}
	return true;
}

static void kmod_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	const struct process_data *d = p->dp->family_data;
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "{ .probe = &probes[%u], .path = %s, .offset = 0x%llx", p->index,
		      km_quote(K->a, d->path, strlen(d->path)), (unsigned long long)d->offset);
	if (d->semaphore_vaddr)
		strbuf_printf(&sb, ", .ref_ctr_offset = 0x%llx",
			      (unsigned long long)d->semaphore_offset);
	if (d->is_return)
		strbuf_puts(&sb, ", .is_return = true");
	if (d->pid)
		strbuf_printf(&sb, ", .pid = %lld", (long long)d->pid);
	if (d->target)
		strbuf_puts(&sb, ", .target = true");
	if (p->dp->optional)
		strbuf_puts(&sb, ", .optional = true");
	strbuf_puts(&sb, " },");
	kw_line(w, "%s", sb.buf);
	strbuf_free(&sb);
}

static const char *kmod_object(const struct kprobe_tr *p)
{
	const struct process_data *d = p->dp->family_data;
	return d->kind == PROCESS_UPROBE ? d->path : NULL;
}

static const struct kmod_family uprobe_hooks = {
	.check = kmod_check,
	.emit_entry = kmod_entry,
	.table = "uprobes",
	.has_regs = true,
	.user_object = kmod_object,
};

/* ---- lifecycle and syscall probes on the kernel's tracepoints ---- */

static bool is_syscall(const struct process_data *d)
{
	return d->kind == PROCESS_SYSCALL || d->kind == PROCESS_SYSCALL_RETURN;
}

static void lifecycle_decls(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	const struct process_data *d = p->dp->family_data;
	switch (d->event) {
	case PROCESS_AT_EXEC:
		kw_func(w, "static void ck_process_%u_cb(void *data, struct task_struct *task, "
			"pid_t old_pid, struct linux_binprm *bprm)", p->index);
		break;
	case PROCESS_AT_EXIT:
		kw_func(w, "static void ck_process_%u_cb(void *data, struct task_struct *task)",
			p->index);
		break;
	default:
		if (is_syscall(d)) {
			kw_line(w, "/* sys_enter(regs, id) / sys_exit(regs, ret) */");
			kw_open(w, "struct ck_process_%u_args", p->index);
			kw_line(w, "struct pt_regs *regs;");
			kw_line(w, "long v;");
			kw_close(w, ";");
		}
		kw_func(w, "static void ck_process_%u_cb(void *data, struct pt_regs *regs, long v)",
			p->index);
		if (is_syscall(d)) {
			kw_line(w, "struct ck_process_%u_args args = { regs, v };", p->index);
			kw_blank(w);
		}
		break;
	}
	/* process(PID) / -c/-x: that process, its threads included (a
	 * guarded probe's guard tests it, tapset/linux/process_lifecycle.stp) */
	if (d->pid && !d->guarded) {
		kw_line(w, "if (task_tgid_nr(current) != %lld)", (long long)d->pid);
		kw_line(w, "\treturn;");
	}
	if (d->target && !d->guarded) {
		kw_line(w, "if (task_tgid_nr(current) != _ctap_target())");
		kw_line(w, "\treturn;");
	}
	/* the process ends when its last thread does; the leader's exit is
	 * what the BPF back end reports too */
	if (d->kind == PROCESS_END && !d->guarded) {
		kw_line(w, "if (current->pid != current->tgid)");
		kw_line(w, "\treturn;");
	}
	kw_line(w, "_ctap_probe_run_tracepoint(((struct _ctap_tracepoint *)data)->probe, %s);",
		is_syscall(d) ? "&args" : "NULL");
	kw_close(w, NULL);
}

static void lifecycle_entry(struct kmod *K, struct kprobe_tr *p, struct writer *w)
{
	(void)K;
	const struct process_data *d = p->dp->family_data;
	kw_line(w, "{ .probe = &probes[%u], .name = \"%s\", .callback = ck_process_%u_cb%s },",
		p->index, process_event_tracepoint(d->event), p->index,
		p->dp->optional ? ", .optional = true" : "");
}

static const char *const syscall_headers[] = { "asm/syscall.h", NULL };
static const char *const exec_headers[] = { "linux/binfmts.h", NULL };

static const char *const *lifecycle_includes(const struct kprobe_tr *p)
{
	const struct process_data *d = p->dp->family_data;
	return is_syscall(d) ? syscall_headers : d->event == PROCESS_AT_EXEC ? exec_headers : NULL;
}

/* $syscall, $return, $arg1..$arg6 of syscall probes (x86_64 registers) */
static const char *lifecycle_value(struct kmod *K, struct kprobe_tr *p, int index)
{
	static const char *const arg_regs[] = { "di", "si", "dx", "r10", "r8", "r9" };
	const struct process_data *d = p->dp->family_data;
	if (!is_syscall(d))
		return NULL;
	bool exit = d->kind == PROCESS_SYSCALL_RETURN;
	const char *args = arena_printf(K->a, "((struct ck_process_%u_args *)c->args)", p->index);
	if (index == PROCESS_VAR_SYSCALL)
		return exit ? arena_printf(K->a, "syscall_get_nr(current, %s->regs)", args)
			    : arena_printf(K->a, "%s->v", args);
	if (index == PROCESS_VAR_RETURN)
		return exit ? arena_printf(K->a, "%s->v", args) : NULL;
	if (index >= PROCESS_VAR_ARG1 && index < PROCESS_VAR_ARG1 + 6 && !exit)
		return arena_printf(K->a, "%s->regs->%s", args, arg_regs[index - PROCESS_VAR_ARG1]);
	return NULL;
}

static const struct kmod_family lifecycle_hooks = {
	.check = kmod_check,
	.emit_decls = lifecycle_decls,
	.emit_entry = lifecycle_entry,
	.table = "tracepoints",
	.includes = lifecycle_includes,
	.family_value = lifecycle_value,
};

static const struct kmod_family *kmod_variant(struct derived_probe *dp)
{
	const struct process_data *d = dp->family_data;
	return d->kind == PROCESS_UPROBE ? &uprobe_hooks : &lifecycle_hooks;
}

const struct kmod_family process_kmod_hooks = {
	.variant = kmod_variant,
};
