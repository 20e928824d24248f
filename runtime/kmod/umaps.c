/*
 * umaps: a small table of the file mappings that symbol lookups found,
 * by process.  A handler names a user address through the process's
 * mappings only when mmap_read_trylock succeeds (it cannot sleep); while
 * another thread of the process holds the lock (mmap, munmap, a page
 * fault's write side), the same address would otherwise come out bare at
 * one hit and named at the next, and scripts that key arrays by
 * usymdata() would miss their own entries.  SystemTap follows mappings
 * through its task finder; here the mappings a lookup saw are kept.  An
 * entry can outlive its mapping (until a lookup under the lock notes what
 * replaced it): a process that unmaps a library and maps another file at
 * the same place could see a hit under contention named by the old one.
 *
 * Entries are written without a lock (probe context, any CPU): a writer
 * claims an entry by making its sequence odd, readers copy it and accept
 * the copy only if the sequence was even and unchanged.
 */
#include <linux/atomic.h>
#include <linux/jhash.h>
#include <linux/sched.h>
#include <linux/string.h>
#include "kmod/umaps.h"

#define UMAPS_ENTRIES 128
#define UMAPS_PATH 192

struct _ctap_umaps_entry {
	atomic_t seq;
	pid_t tgid;
	struct mm_struct *mm;
	struct _ctap_umap map;
	char path[UMAPS_PATH];
};

static struct _ctap_umaps_entry _ctap_umaps[UMAPS_ENTRIES];

/* a process's mappings spread over the table by their start */
static unsigned int _ctap_umaps_slot(pid_t tgid, unsigned long start)
{
	return jhash_2words((u32)tgid, (u32)(start >> PAGE_SHIFT), 0) % UMAPS_ENTRIES;
}

/* whether e holds m already (read without the sequence: a wrong answer
 * only skips or repeats a write) */
static bool _ctap_umaps_holds(const struct _ctap_umaps_entry *e, const struct _ctap_umap *m,
			      const char *path)
{
	return e->tgid == current->tgid && e->mm == current->mm && e->map.start == m->start &&
	       e->map.end == m->end && e->map.pgoff == m->pgoff && e->map.obj == m->obj &&
	       (e->map.hi || !m->hi) && !strncmp(e->path, path, sizeof(e->path) - 1);
}

void _ctap_umaps_note(const struct _ctap_umap *m, const char *path)
{
	struct _ctap_umaps_entry *e = &_ctap_umaps[_ctap_umaps_slot(current->tgid, m->start)];
	int seq = atomic_read(&e->seq);

	/* every symbol lookup notes its mapping: most find it there, and
	 * leave the shared entry's cache line alone */
	if (_ctap_umaps_holds(e, m, path))
		return;
	if (seq & 1 || atomic_cmpxchg(&e->seq, seq, seq + 1) != seq)
		return;		/* another CPU writes it: this one stays unnoted */
	smp_wmb();
	e->tgid = current->tgid;
	e->mm = current->mm;
	e->map = *m;
	strscpy(e->path, path, sizeof(e->path));
	smp_wmb();
	atomic_set(&e->seq, seq + 2);
}

/* entry e as it was, if it is the current process's mapping of addr */
static bool _ctap_umaps_read(struct _ctap_umaps_entry *e, unsigned long addr, struct _ctap_umap *m,
			     char *buf, size_t len)
{
	int seq = atomic_read(&e->seq);
	bool hit;

	if (seq & 1)
		return false;
	smp_rmb();
	hit = e->tgid == current->tgid && e->mm == current->mm &&
	      addr >= e->map.start && addr < e->map.end;
	if (hit) {
		*m = e->map;
		strscpy(buf, e->path, len);
	}
	smp_rmb();
	return hit && atomic_read(&e->seq) == seq;
}

bool _ctap_umaps_find(unsigned long addr, struct _ctap_umap *m, char *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < UMAPS_ENTRIES; i++)
		if (_ctap_umaps_read(&_ctap_umaps[i], addr, m, buf, len))
			return true;
	return false;
}
