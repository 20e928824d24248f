/*
 * usym: user call chains by frame pointers and user addresses named by
 * the file mapping that covers them.  Probe handlers cannot sleep: user
 * memory is read with copy_from_user_nofault and the mappings are looked
 * at only when mmap_read_trylock succeeds (else the address stays bare).
 */
#include <linux/dcache.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kmod/config.h"
#include "kmod/context.h"
#include "kmod/usym.h"

unsigned int _ctap_ubacktrace(struct _ctap_context *c, unsigned long *pcs, unsigned int max)
{
	struct pt_regs *regs = c->regs && user_mode(c->regs) ? c->regs : NULL;
	unsigned long fp, frame[2];
	unsigned int n = 0;

	if (!current->mm || (current->flags & PF_KTHREAD) || !max)
		return 0;
	if (!regs)
		regs = task_pt_regs(current);
	pcs[n++] = instruction_pointer(regs);
	fp = regs->bp;
	/* each frame: [fp] = the caller's fp, [fp + 8] = the return address;
	 * frames grow towards higher addresses, so a chain that does not is
	 * not a frame-pointer chain */
	while (n < max && fp && !(fp & (sizeof(long) - 1))) {
		if (copy_from_user_nofault(frame, (const void __user *)fp, sizeof(frame)))
			break;
		if (!frame[1])
			break;
		pcs[n++] = frame[1];
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	return n;
}

void _ctap_usymname(struct _ctap_context *c, char *dst, unsigned long addr)
{
	(void)c;
	snprintf(dst, MAXSTRINGLEN, "0x%lx", addr);
}

void _ctap_usymdata(struct _ctap_context *c, char *dst, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct file *file = NULL;
	unsigned long lo = 0, hi = 0;
	char *path;

	snprintf(dst, MAXSTRINGLEN, "0x%lx", addr);
	if (!mm || (current->flags & PF_KTHREAD) || !mmap_read_trylock(mm))
		return;
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_file) {
		VMA_ITERATOR(vmi, mm, 0);

		file = vma->vm_file;
		/* the object's extent: every mapping of the same file */
		for_each_vma(vmi, vma) {
			if (vma->vm_file != file)
				continue;
			if (!lo || vma->vm_start < lo)
				lo = vma->vm_start;
			if (vma->vm_end > hi)
				hi = vma->vm_end;
		}
		path = d_path(&file->f_path, c->sym_buf, sizeof(c->sym_buf));
		if (!IS_ERR(path))
			snprintf(dst, MAXSTRINGLEN, "0x%lx [%s+0x%lx/0x%lx]", addr, path, addr - lo,
				 hi - lo);
	}
	mmap_read_unlock(mm);
}
