/*
 * process: the data of process(...) derived probes (probes.md §2.6), for
 * the back ends (kmod: uprobes + task finder; BPF: uprobe / uretprobe /
 * uprobe_multi, sched tracepoints for begin/end).
 *
 * Every derived probe is one of:
 *
 *   lifecycle   process[("PATH"|PID)].begin/.end/.thread.begin/.thread.end
 *   syscall     process[("PATH"|PID)].syscall[.return]
 *   uprobe      .function / .statement / .plt / .mark: one address in one
 *               ELF file (`path`), given as a FILE OFFSET (`offset`), which
 *               is what the kernel's uprobe_register(), the uprobe PMU
 *               (config2) and uprobe_multi take; `vaddr` is the same place
 *               as a link-time virtual address (for listings and symbols).
 *               offset = vaddr - p_vaddr + p_offset of the PT_LOAD segment
 *               holding vaddr: right for PIE, non-PIE and shared libraries.
 *
 * Filters, all to be applied together:
 *   path      NULL: every process (process.begin); else only tasks that
 *             map/execute this file.  For a shared library (`is_library`)
 *             the probe fires in every process that maps it.
 *   exe       library probes named through process("EXE").library("LIB"):
 *             the executable whose processes the probe is meant for
 *             (SystemTap fires in every process mapping LIB; a back end may
 *             narrow to EXE).  NULL otherwise.
 *   pid       process(PID): only that process (0 = any).
 *   target    -c/-x given: only the target process and its descendants.
 *
 * Context variables resolve to struct target_access (program.h): DWARF
 * parameters/locals as ACCESS_REGISTER (+ steps, `user` set), $return as
 * ACCESS_RETURN, entry values in .return probes as ACCESS_ENTRY with
 * `inner` evaluated at `entry_offset`; SDT operands as ACCESS_REGISTER
 * (+ a load step for memory operands) or, for immediates, ACCESS_SYMBOL
 * with symbol "$N" and symbol_addr the constant; $syscall, $argN and
 * $return of syscall probes and $$name/$$provider as ACCESS_FAMILY /
 * ACCESS_CONST_STRING.
 */
#ifndef CTAP_PROBES_PROCESS_H
#define CTAP_PROBES_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/family.h"
#include "elab/uvars.h"

enum process_kind {
	PROCESS_BEGIN,           /* process created (after exec), and every matching
	                          * process already running at start */
	PROCESS_END,             /* process exits */
	PROCESS_THREAD_BEGIN,    /* a thread of a matching process starts */
	PROCESS_THREAD_END,      /* ... exits */
	PROCESS_SYSCALL,         /* a matching thread enters a system call */
	PROCESS_SYSCALL_RETURN,  /* ... returns from one */
	PROCESS_UPROBE,          /* an address in `path` (see `site`) */
};

enum process_site {
	PROCESS_SITE_FUNCTION,   /* .function(...): entry (after the prologue when
	                          * DWARF says where it ends) or .return */
	PROCESS_SITE_STATEMENT,  /* .statement(...): a line or an address */
	PROCESS_SITE_PLT,        /* .plt("NAME"): the PLT slot of NAME */
	PROCESS_SITE_MARK,       /* .mark("NAME"): an SDT (USDT) note */
};

/* The tracepoint a lifecycle or syscall probe sits on. */
enum process_event {
	PROCESS_AT_EXEC,         /* sched_process_exec */
	PROCESS_AT_EXIT,         /* sched_process_exit */
	PROCESS_AT_SYS_ENTER,    /* raw_syscalls sys_enter */
	PROCESS_AT_SYS_EXIT,     /* raw_syscalls sys_exit */
};

/* The tracepoint's name, as both back ends attach to it. */
static inline const char *process_event_tracepoint(enum process_event ev)
{
	return ev == PROCESS_AT_EXEC ? "sched_process_exec"
	       : ev == PROCESS_AT_EXIT ? "sched_process_exit"
	       : ev == PROCESS_AT_SYS_ENTER ? "sys_enter" : "sys_exit";
}

/* ACCESS_FAMILY values of syscall probes */
enum process_var {
	PROCESS_VAR_SYSCALL,     /* $syscall: the system call number */
	PROCESS_VAR_RETURN,      /* $return in .syscall.return */
	PROCESS_VAR_ARG1,        /* $arg1 .. $arg6: PROCESS_VAR_ARG1 + n - 1 */
};

/* One SDT argument as the note's operand string describes it. */
struct process_sdt_arg {
	const char *text;        /* "-4@%esi", "8@-24(%rbp)", "4@$5" */
	int size;                /* bytes, negative = signed ("-4@...") */
};

struct process_data {
	enum process_kind kind;
	const char *path;        /* canonical ELF file, or NULL = any process */
	const char *exe;         /* .library(): the executable named, else NULL */
	int64_t pid;             /* process(PID), 0 = any */
	bool target;             /* restricted to the -c/-x target process tree */
	bool is_library;         /* path is a shared library */

	/* lifecycle and syscall probes: where they sit, and whether the
	 * guard pass 2 put in front of the body does all the filtering
	 * (process_lifecycle.c), the back end applying no pid/target test */
	enum process_event event;
	bool guarded;

	/* PROCESS_UPROBE */
	enum process_site site;
	const char *symbol;      /* function or PLT name, SDT probe name */
	uint64_t vaddr;          /* link-time address of the probe in path */
	uint64_t offset;         /* FILE OFFSET of the probe in path */
	uint64_t func_vaddr;     /* the containing function (symbol value), 0 if none */
	uint64_t func_size;      /* its size (symbol st_size) */
	bool is_return;          /* .return: a uretprobe at offset (the entry) */
	uint64_t entry_offset;   /* .return: where entry values (@entry, parameters)
	                          * are valid and saved: the post-prologue address's
	                          * file offset; == offset without DWARF */
	bool absolute;           /* process(PID).statement(ADDR).absolute (guru):
	                          * vaddr is an address in pid's memory, no file */
	bool et_exec;            /* path is ET_EXEC (non-PIE): vaddr is absolute */
	bool is_inline;          /* an inlined instance (no .return possible) */

	/* SDT (.mark) */
	const char *provider;
	uint64_t semaphore_vaddr;  /* 0: the probe has no semaphore */
	uint64_t semaphore_offset; /* FILE OFFSET of the 2-byte semaphore (uprobe
	                            * ref_ctr_offset, PMU config bits 32-63) */
	struct process_sdt_arg *sdt_args;
	uint32_t sdt_nargs;

	/* DWARF (has_dwarf): where $vars are looked up at run time */
	bool has_dwarf;
	const char *debug_file;  /* the file holding the DWARF (path or .debug) */
	uint64_t die_offset;     /* DW_TAG_subprogram / inlined_subroutine */
	uint64_t cu_offset;
	uint64_t entry_vaddr;    /* vaddr matching entry_offset */
	const char *decl_file;
	int decl_line;
};

extern const struct probe_family process_family;

/*
 * Adds the derived probes of a lifecycle or syscall point (d->kind not
 * PROCESS_UPROBE) at pp: on the sched tracepoints for process(PID) and
 * -c/-x begin/end/syscall, and, for what those cannot tell (a process of
 * a file, a thread's birth and death), on system-call returns and task
 * exits behind a guard from tapset/linux/process_lifecycle.stp.  Returns
 * the number added.
 */
int process_lifecycle_add(struct derive_ctx *ctx, struct probe_point *pp,
			  struct process_data *d);

/* Whose memory d's variables are in, for uvars. */
static inline enum uvars_space process_space(const struct process_data *d)
{
	return d->et_exec ? UVARS_USER_EXEC : UVARS_USER_PIE;
}

/* its BPF back end (process_bpf.c) */
extern const struct bpf_family process_bpf_hooks;
/* its kernel-module back end (process_kmod.c) */
extern const struct kmod_family process_kmod_hooks;

#endif
