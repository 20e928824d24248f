/*
 * sym: symbol names through sprint_symbol() and call chains through the
 * kernel's unwinder (unwind_start on the probed registers, as perf's
 * kernel callchains do), both usable in any probe context but NMI.
 */
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <asm/unwind.h>
#include <linux/jiffies.h>
#include "common/klines.h"
#include "kmod/config.h"
#include "kmod/module.h"
#include "kmod/context.h"
#include "kmod/sym.h"

void _ctap_symname(struct _ctap_context *c, char *dst, unsigned long addr)
{
	char *sp;

	sprint_symbol_no_offset(c->sym_buf, addr);
	sp = strchr(c->sym_buf, ' ');	/* "name [module]" */
	if (sp)
		*sp = '\0';
	strscpy(dst, c->sym_buf, MAXSTRINGLEN);
}

void _ctap_symdata(struct _ctap_context *c, char *dst, unsigned long addr)
{
	size_t len;

	sprint_symbol(c->sym_buf, addr);
	len = strlen(c->sym_buf);
	/* kallsyms names no module for the kernel itself; SystemTap does. */
	if (strncmp(c->sym_buf, "0x", 2) && !strchr(c->sym_buf, '[') &&
	    len + sizeof(" [kernel]") <= sizeof(c->sym_buf))
		strcpy(c->sym_buf + len, " [kernel]");
	strscpy(dst, c->sym_buf, MAXSTRINGLEN);
}

void _ctap_symline(struct _ctap_context *c, char *dst, unsigned long addr, int style)
{
	const struct klines_head *h = _ctap_module.klines;
	const char *file;
	u32 line;

	/* the table has link-time addresses: KASLR moved the kernel as much
	 * as it moved the exported jiffies */
	if (h && klines_lookup(h, addr - ((unsigned long)&jiffies - h->anchor), &file, &line)) {
		if (style == 6)
			strscpy(dst, file, MAXSTRINGLEN);
		else if (style == 7)
			snprintf(dst, MAXSTRINGLEN, "%u", line);
		else
			snprintf(dst, MAXSTRINGLEN, "%s:%u", file, line);
		return;
	}
	snprintf(dst, MAXSTRINGLEN, "0x%lx", addr);
}

/*
 * A tracepoint's callback has no registers of the probed context: its
 * call chain is the current stack above this module's frames (the
 * callback, the runner, the handler) and the kernel's iterator over the
 * event's callbacks (__traceiter_EVENT, a frame while more than one is
 * attached), so that it starts at the function that hit the tracepoint,
 * as perf's and the BPF back end's do.
 */
static unsigned int tracepoint_chain(struct _ctap_context *c, unsigned long *pcs, unsigned int max)
{
	struct unwind_state state;
	unsigned int n = 0;
	bool above = false;

	for (unwind_start(&state, current, NULL, NULL); n < max && !unwind_done(&state);
	     unwind_next_frame(&state)) {
		unsigned long addr = unwind_get_return_address(&state);

		if (!addr)
			break;
		if (!above) {
			if (within_module(addr, THIS_MODULE))
				continue;
			sprint_symbol_no_offset(c->sym_buf, addr);
			if (!strncmp(c->sym_buf, "__traceiter_", 12))
				continue;
			above = true;
		}
		pcs[n++] = addr;
	}
	return n;
}

unsigned int _ctap_backtrace(struct _ctap_context *c, unsigned long *pcs, unsigned int max)
{
	struct pt_regs *regs = c->regs;
	struct unwind_state state;
	unsigned int n = 0;

	if (!regs && c->in_tracepoint && max)
		return tracepoint_chain(c, pcs, max);
	if (!regs || user_mode(regs) || !max)
		return 0;
	pcs[n++] = instruction_pointer(regs);
	for (unwind_start(&state, current, regs, NULL); n < max && !unwind_done(&state);
	     unwind_next_frame(&state)) {
		unsigned long addr = unwind_get_return_address(&state);

		if (!addr)
			break;
		if (addr != pcs[n - 1] || n > 1)
			pcs[n++] = addr;
	}
	return n;
}
