/*
 * usym: user call chains by the call frame information the module carries
 * (else frame pointers), and user addresses named by
 * the symbol tables the module carries for the probed and -d objects
 * (looked up by the mapping's inode and file offset), else by the file
 * mapping that covers them.  Probe handlers cannot sleep: user
 * memory is read with copy_from_user_nofault and the mappings are looked
 * at only when mmap_read_trylock succeeds (else through the mappings
 * earlier lookups saw, umaps.c, or the address stays bare).
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/jhash.h>
#include <linux/namei.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kmod/config.h"
#include "kmod/context.h"
#include "kmod/error.h"
#include "kmod/module.h"
#include "kmod/print.h"
#include "kmod/umaps.h"
#include "kmod/usym.h"

/* How many of n rows (sorted by their .offset) start at or before off:
 * the last of them is rows[result - 1]. */
#define _ctap_rows_upto(rows, n, off)					\
	({								\
		unsigned int __lo = 0, __hi = (n);			\
		while (__lo < __hi) {					\
			unsigned int __mid = __lo + (__hi - __lo) / 2;	\
			if ((rows)[__mid].offset <= (off))		\
				__lo = __mid + 1;			\
			else						\
				__hi = __mid;				\
		}							\
		__lo;							\
	})

/* The carried symbol holding `off` (a file offset of o), or NULL. */
static const struct _ctap_usym *_ctap_usym_at(const struct _ctap_uobj *o, unsigned long off)
{
	unsigned int k = _ctap_rows_upto(o->syms, o->nsyms, off);
	const struct _ctap_usym *s;

	if (!k)
		return NULL;
	s = &o->syms[k - 1];
	if (off - s->offset < s->size || off == s->offset)
		return s;
	return NULL;
}

/* The carried line row holding `off`, or NULL (no table, or no line). */
static const struct _ctap_uline *_ctap_uline_at(const struct _ctap_uobj *o, unsigned long off)
{
	unsigned int k = _ctap_rows_upto(o->lines, o->nlines, off);

	if (!k || !o->lines[k - 1].line)
		return NULL;
	return &o->lines[k - 1];
}

/*
 * What the current process maps at addr: the mapped file's path (in
 * c->sym_buf) and the carried object's symbol, or else (when `extent` is
 * asked: it walks every mapping) the extent of the file's mappings.
 * Returns false when no file mapping covers addr (or the mappings cannot
 * be looked at now).
 */
struct _ctap_uwhere {
	const struct _ctap_uobj *obj;
	const struct _ctap_usym *sym;
	unsigned long off;		/* addr as a file offset of obj */
	const char *path;		/* the mapped file */
	unsigned long lo, hi;
};

/* w's object, file offset and symbol for addr, in the mapping m */
static void _ctap_uwhere_in(struct _ctap_uwhere *w, const struct _ctap_umap *m, unsigned long addr)
{
	w->obj = m->obj;
	if (w->obj) {
		w->off = addr - m->start + (m->pgoff << PAGE_SHIFT);
		w->sym = _ctap_usym_at(w->obj, w->off);
	}
}

/* w from a mapping the table remembers (the mm lock was taken) */
static bool _ctap_uwhere_noted(struct _ctap_context *c, unsigned long addr, bool extent,
			       struct _ctap_uwhere *w)
{
	struct _ctap_umap m;

	if (!_ctap_umaps_find(addr, &m, c->sym_buf, sizeof(c->sym_buf)))
		return false;
	w->path = c->sym_buf;
	_ctap_uwhere_in(w, &m, addr);
	if (!w->sym && extent) {
		if (!m.hi)
			return false;	/* its extent was never looked at */
		w->lo = m.lo;
		w->hi = m.hi;
	}
	return true;
}

static bool _ctap_uwhere(struct _ctap_context *c, unsigned long addr, bool extent,
			 struct _ctap_uwhere *w)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct _ctap_umap m;
	bool found = false;
	unsigned int i;

	memset(w, 0, sizeof(*w));
	if (!mm || (current->flags & PF_KTHREAD))
		return false;
	if (!mmap_read_trylock(mm))
		return _ctap_uwhere_noted(c, addr, extent, w);
	vma = vma_lookup(mm, addr);
	if (vma && vma->vm_file) {
		struct file *file = vma->vm_file;
		struct inode *inode = file_inode(file);

		found = true;
		m = (struct _ctap_umap){ .start = vma->vm_start, .end = vma->vm_end,
					 .pgoff = vma->vm_pgoff };
		for (i = 0; i < _ctap_module.nuobjs; i++)
			if (_ctap_module.uobjs[i].inode == inode)
				m.obj = &_ctap_module.uobjs[i];
		_ctap_uwhere_in(w, &m, addr);
		/* the file's own path (the object's, through any link) */
		w->path = d_path(&file->f_path, c->sym_buf, sizeof(c->sym_buf));
		if (IS_ERR(w->path))
			found = false;
		if (found && !w->sym && extent) {
			VMA_ITERATOR(vmi, mm, 0);

			/* the object's extent: every mapping of the same file */
			for_each_vma(vmi, vma) {
				if (vma->vm_file != file)
					continue;
				if (!w->lo || vma->vm_start < w->lo)
					w->lo = vma->vm_start;
				if (vma->vm_end > w->hi)
					w->hi = vma->vm_end;
			}
			m.lo = w->lo;
			m.hi = w->hi;
		}
		if (found)
			_ctap_umaps_note(&m, w->path);
	}
	mmap_read_unlock(mm);
	return found;
}

/* A file of the file system that no carried table covers: the stack
 * cannot be followed through it. */
static bool _ctap_uwhere_untabled(const struct _ctap_uwhere *w)
{
	return !w->obj && w->path[0] == '/';
}

/* Whether addr is in a file no carried table covers (its path then in
 * c->sym_buf, *path). */
bool _ctap_umissing(struct _ctap_context *c, unsigned long addr, const char **path)
{
	struct _ctap_uwhere w;

	if (!_ctap_uwhere(c, addr, false, &w) || !_ctap_uwhere_untabled(&w))
		return false;
	*path = w.path;
	return true;
}

/*
 * Each path is named once a session (staprun prints a text once anyway):
 * a stack per hit through a file without tables would otherwise fill the
 * control channel with the same line, and lose other messages.  Paths
 * are remembered by hash, in a table slots are claimed in without a lock
 * (probe context); past its size, warnings are sent again.
 */
static u32 _ctap_umissing_seen[64];

static void _ctap_umissing_warn(const char *path)
{
	u32 h = jhash(path, strlen(path), 0) | 1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(_ctap_umissing_seen); i++) {
		u32 old = READ_ONCE(_ctap_umissing_seen[i]);

		if (old == h)
			return;
		if (!old) {
			old = cmpxchg(&_ctap_umissing_seen[i], 0, h);
			if (!old)
				break;
			if (old == h)
				return;
		}
	}
	_ctap_warn("Missing unwind data for a module, rerun with 'stap -d %s'", path);
}

/* The CFI row of o holding file offset off, or NULL (none, or no rule). */
static const struct _ctap_ucfi *_ctap_ucfi_at(const struct _ctap_uobj *o, unsigned long off)
{
	unsigned int k = _ctap_rows_upto(o->cfi, o->ncfi, off);

	if (!k || !o->cfi[k - 1].cfa_reg)
		return NULL;
	return &o->cfi[k - 1];
}

struct _ctap_uregs {
	unsigned long ip, sp, bp;
};

static bool _ctap_uword(unsigned long addr, unsigned long *v)
{
	return !copy_from_user_nofault(v, (const void __user *)addr, sizeof(*v));
}

/*
 * One frame up: the caller's ip, sp and bp.  By the object's CFI where the
 * module carries it; else by frame pointers (at a function's first
 * instruction, where nothing is pushed yet, the return address is at sp).
 * False when the chain ends: no rule, an unreadable or non-increasing
 * frame, or a file the module has no table for.  `exact` says r->ip is
 * the probed instruction itself rather than a return address (which is
 * looked up one byte back: the call may be a function's last instruction).
 */
static bool _ctap_ustep(struct _ctap_context *c, struct _ctap_uregs *r, bool exact)
{
	unsigned long ip = exact ? r->ip : r->ip - 1;
	unsigned long cfa, ra, bp = r->bp, frame[2];
	const struct _ctap_ucfi *row;
	struct _ctap_uwhere w;
	bool mapped = _ctap_uwhere(c, ip, false, &w);

	if (mapped && _ctap_uwhere_untabled(&w))
		return false;
	if (mapped && w.obj && w.obj->ncfi) {
		row = _ctap_ucfi_at(w.obj, w.off);
		if (!row)
			return false;
		cfa = (row->cfa_reg == 7 ? r->sp : r->bp) + row->cfa_offset;
		if (cfa <= r->sp || !_ctap_uword(cfa - 8, &ra) || !ra)
			return false;
		if (row->rbp_offset && !_ctap_uword(cfa + row->rbp_offset, &bp))
			return false;
		r->ip = ra;
		r->sp = cfa;
		r->bp = bp;
		return true;
	}
	if (exact && mapped && w.sym && w.off == w.sym->offset) {
		if (!_ctap_uword(r->sp, &ra) || !ra)
			return false;
		r->ip = ra;
		r->sp += sizeof(long);
		return true;
	}
	/* [bp] = the caller's bp, [bp + 8] = the return address; frames grow
	 * towards higher addresses, so a chain that does not is not a
	 * frame-pointer chain (its last return address still counts) */
	if (!r->bp || (r->bp & (sizeof(long) - 1)) || r->bp < r->sp ||
	    copy_from_user_nofault(frame, (const void __user *)r->bp, sizeof(frame)) || !frame[1])
		return false;
	r->ip = frame[1];
	r->sp = r->bp + 2 * sizeof(long);
	r->bp = frame[0] > r->bp ? frame[0] : 0;
	return true;
}

unsigned int _ctap_ubacktrace(struct _ctap_context *c, unsigned long *pcs, unsigned int max,
			      bool warn)
{
	struct pt_regs *regs = c->regs && user_mode(c->regs) ? c->regs : NULL;
	struct _ctap_uregs r;
	const char *missing;
	unsigned int n = 0;

	if (!current->mm || (current->flags & PF_KTHREAD) || !max || !c->probe ||
	    c->probe->kind != CTAP_PROBE_NORMAL)
		return 0;
	if (!regs)
		regs = task_pt_regs(current);
	r.ip = instruction_pointer(regs);
	r.sp = regs->sp;
	r.bp = regs->bp;
	pcs[n++] = r.ip;
	while (n < max && _ctap_ustep(c, &r, n == 1))
		pcs[n++] = r.ip;
	/* a frame in an object without a table ends the stack, with
	 * SystemTap's warning naming the -d to give */
	if (warn && _ctap_umissing(c, pcs[n - 1], &missing))
		_ctap_umissing_warn(missing);
	return n;
}

/* The frame-by-frame printer's warning: after the frames before it. */
void _ctap_ubacktrace_warn(struct _ctap_context *c, unsigned long addr)
{
	const char *missing;

	if (_ctap_umissing(c, addr, &missing)) {
		_ctap_print_flush(c);
		_ctap_umissing_warn(missing);
	}
}

void _ctap_uobjs_open(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nuobjs; i++) {
		struct _ctap_uobj *o = &_ctap_module.uobjs[i];
		struct path p;

		if (kern_path(o->path, LOOKUP_FOLLOW, &p))
			continue;
		o->inode = igrab(d_real_inode(p.dentry));
		path_put(&p);
	}
}

void _ctap_uobjs_close(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nuobjs; i++) {
		struct _ctap_uobj *o = &_ctap_module.uobjs[i];

		if (o->inode)
			iput(o->inode);
		o->inode = NULL;
	}
}

void _ctap_usymname(struct _ctap_context *c, char *dst, unsigned long addr)
{
	struct _ctap_uwhere w;

	if (_ctap_uwhere(c, addr, false, &w) && w.sym)
		strscpy(dst, w.sym->name, MAXSTRINGLEN);
	else
		snprintf(dst, MAXSTRINGLEN, "0x%lx", addr);
}

void _ctap_usymdata(struct _ctap_context *c, char *dst, unsigned long addr)
{
	struct _ctap_uwhere w;

	if (!_ctap_uwhere(c, addr, true, &w))
		snprintf(dst, MAXSTRINGLEN, "0x%lx", addr);
	else if (w.sym)
		snprintf(dst, MAXSTRINGLEN, "%s+0x%lx/0x%lx [%s]", w.sym->name, w.off - w.sym->offset,
			 w.sym->size, w.path);
	else
		snprintf(dst, MAXSTRINGLEN, "0x%lx [%s+0x%lx/0x%lx]", addr, w.path, addr - w.lo,
			 w.hi - w.lo);
}

bool _ctap_uline(struct _ctap_context *c, unsigned long addr, const char **file,
		 unsigned int *line)
{
	struct _ctap_uwhere w;
	const struct _ctap_uline *l = NULL;

	if (_ctap_uwhere(c, addr, false, &w) && w.obj)
		l = _ctap_uline_at(w.obj, w.off);
	if (!l)
		return false;
	*file = w.obj->files[l->file];
	*line = l->line;
	return true;
}

void _ctap_usymfileline(struct _ctap_context *c, char *dst, unsigned long addr)
{
	const char *file;
	unsigned int line;

	if (_ctap_uline(c, addr, &file, &line))
		snprintf(dst, MAXSTRINGLEN, "%s:%u", file, line);
	else
		snprintf(dst, MAXSTRINGLEN, "0x%lx", addr);
}
