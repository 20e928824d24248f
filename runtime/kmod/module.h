/*
 * module: the one descriptor a generated module defines, and the module
 * init/exit skeleton built on it (module.c).
 *
 * The generated file defines exactly one non-static object
 *
 *     const struct _ctap_module _ctap_module = { ... };
 *
 * listing everything the runtime must allocate, arm and run.  Lists are
 * arrays of pointers so that the generated globals keep their own names.
 * Counts may be 0 with a NULL list.
 */
#ifndef CTAP_KMOD_MODULE_H
#define CTAP_KMOD_MODULE_H

#include <linux/types.h>

struct _ctap_probe;
struct _ctap_global_lock;
struct _ctap_map;
struct _ctap_pmap;
struct _ctap_stat;
struct _ctap_timer;
struct _ctap_tracepoint;
struct _ctap_kprobe;
struct _ctap_perf;
struct _ctap_uprobe;

/* A user symbol: where it starts as a FILE OFFSET of its object (so that
 * any mapping of the file finds it without the ELF segment table), its
 * size and name; an object's symbols are sorted by offset. */
struct _ctap_usym {
	unsigned long offset;
	unsigned long size;
	const char *name;
};

/*
 * One row of an object's call frame information (from its .eh_frame, by
 * the translator): from file offset `offset` to the next row's, the CFA
 * is register cfa_reg (7 rsp, 6 rbp; 0: no rule, the unwinder stops)
 * plus cfa_offset, the return address is at CFA - 8, and the caller's rbp
 * is saved at CFA + rbp_offset (0: rbp is unchanged).
 */
struct _ctap_ucfi {
	unsigned int offset;
	int cfa_offset;
	short rbp_offset;
	unsigned char cfa_reg;
};

/*
 * One row of an object's source line table (from its DWARF, by the
 * translator, only for scripts that ask for lines): from file offset
 * `offset` to the next row's, the code is line `line` of files[file];
 * line 0 says no line (between sequences).
 */
struct _ctap_uline {
	unsigned int offset;
	unsigned int line;
	unsigned int file;
};

/* An object whose addresses the module can name and unwind through
 * (probed, -d, --ldd). */
struct _ctap_uobj {
	const char *path;
	const struct _ctap_usym *syms;
	unsigned int nsyms;
	const struct _ctap_ucfi *cfi;
	unsigned int ncfi;
	const struct _ctap_uline *lines;
	unsigned int nlines;
	const char *const *files;
	/* runtime */
	struct inode *inode;
};

struct _ctap_module {
	/* sizeof the generated locals union (per-CPU storage). */
	size_t locals_size;

	/* Every derived probe, begin/end/error included (lock-order check at
	 * load, -t report). */
	const struct _ctap_probe *probes;
	unsigned int nprobes;

	/* Every global's lock, in lock order (-t contention/skip report). */
	struct _ctap_global_lock *global_locks;
	unsigned int nglobal_locks;

	/* begin, end and error probes in run order (begin(N) order, then
	 * script order); each probe's kind says which it is. */
	const struct _ctap_probe *const *be;
	unsigned int nbe;

	/* Global storage allocated at load, freed at unload. */
	struct _ctap_map *const *maps;
	unsigned int nmaps;
	struct _ctap_pmap *const *pmaps;
	unsigned int npmaps;
	struct _ctap_stat *const *stats;
	unsigned int nstats;

	/* Probe families (families.h). */
	struct _ctap_timer *timers;
	unsigned int ntimers;
	struct _ctap_tracepoint *tracepoints;
	unsigned int ntracepoints;
	struct _ctap_kprobe *kprobes;
	unsigned int nkprobes;
	struct _ctap_uprobe *uprobes;
	unsigned int nuprobes;

	/* User objects named by symbol (usym.c). */
	struct _ctap_uobj *uobjs;
	unsigned int nuobjs;
	struct _ctap_perf *perfs;
	unsigned int nperfs;

	/* The kernel's line table (common/klines.h), when the script asks
	 * for kernel source lines and pass 3 had the kernel's DWARF. */
	const void *klines;

	/* Optional: extra setup after the runtime's allocations (process
	 * context, may sleep; nonzero fails the load) and its undo. */
	int (*init)(void);
	void (*exit)(void);
};

extern const struct _ctap_module _ctap_module;

/* remote_id() / remote_uri(): staprun -r N:URI, else -1 / "". */
long _ctap_remote_id_get(void);
const char *_ctap_remote_uri_get(void);

#endif
