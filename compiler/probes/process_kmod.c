/*
 * process_kmod: the process family's hooks for the kernel-module back end
 * (kmod/family.h).  Every uprobe site is one entry of the runtime's
 * uprobes table (runtime/kmod/probe_uprobe.c): the file, the file offset,
 * the SDT semaphore's offset, and the pid / -c/-x filter the handler
 * applies.  Lifecycle and syscall probes are not in the runtime yet.
 */
#include "probes/process.h"

#include <string.h>

#include "diag/diag.h"
#include "elab/program.h"
#include "kmod/family.h"
#include "kmod/kmod.h"
#include "util/strbuf.h"

static bool kmod_check(struct kmod *K, struct kprobe_tr *p)
{
	const struct process_data *d = p->dp->family_data;
	const char *why = NULL;
	if (d->kind != PROCESS_UPROBE)
		why = "process lifecycle (begin, end, thread.*) and syscall probes";
	else if (d->absolute)
		why = ".absolute statement probes";
	if (why) {
		kmod_error(K, D_TRANS_PROBE, p->dp->tok, "probe %s: %s are not supported by the "
			   "kernel-module back end yet (use --runtime=bpf)", p->dp->pp, why);
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

const struct kmod_family process_kmod_hooks = {
	.check = kmod_check,
	.emit_entry = kmod_entry,
	.table = "uprobes",
	.has_regs = true,
};
