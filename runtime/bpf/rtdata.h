/*
 * rtdata: the run-time data contract between the BPF programs pass 3
 * emits (lower*.c) and the stap process that runs them (interp, run.c).
 *
 * 1. The globals map (ARRAY, one entry, BPF_F_MMAPABLE): its value starts
 *    with `struct rt_head`, followed by the scalar globals at the offsets
 *    plan.c assigns (longs as u64, strings as zero-padded byte slots).
 *    Programs reach it with a direct map-value load (no helper call); the
 *    stap process maps it into its address space, so user-space handlers
 *    read and write globals with plain (atomic where it matters) memory
 *    operations.
 *
 * 2. Session state: handlers run only while head.state == RT_RUNNING.
 *    exit() moves RUNNING to STOPPING; an error beyond MAXERRORS sets
 *    ERROR.  Both also send a record so the loop wakes up.
 *
 * 3. Arrays: one hash map per global array; value = { u64 seq; value }.
 *    seq is taken from head.seq when an element is created, so user space
 *    can iterate in insertion order as the kernel-module runtime does.
 *
 * 4. Records (kernel -> user) in the ring buffer: a `struct rt_rec`
 *    header, then a payload whose layout the site (print or error) fixes
 *    at compile time: longs as 8 bytes, strings as their width rounded up
 *    to 8 (zero-padded).
 */
#ifndef CTAP_BPF_RTDATA_H
#define CTAP_BPF_RTDATA_H

#include <stdint.h>

enum rt_state {
	RT_STARTING = 0,
	RT_RUNNING = 1,
	RT_STOPPING = 2,
	RT_ERROR = 3,
};

struct rt_head {
	uint64_t state;       /* enum rt_state */
	uint64_t errors;      /* run-time errors (all, printed or not) */
	uint64_t skipped;     /* skipped probe hits (reentrancy) */
	uint64_t seq;         /* array insertion sequence */
	uint64_t target;      /* target() */
	uint64_t wall;        /* realtime - boottime clock, ns (gettimeofday_*; wallclock.h) */
	uint64_t stp_pid;     /* stp_pid(): the stap process running the session */
	uint64_t kaslr;       /* what KASLR added to the kernel's link-time addresses */
	uint64_t stp_uid;     /* the real uid of the stap process (is_myproc()) */
};

#define RT_OFF_STATE 0
#define RT_OFF_ERRORS 8
#define RT_OFF_SKIPPED 16
#define RT_OFF_SEQ 24
#define RT_OFF_TARGET 32
#define RT_OFF_WALL 40
#define RT_OFF_STP_PID 48
#define RT_OFF_KASLR 56
#define RT_OFF_STP_UID 64
#define RT_HEAD_SIZE 72

enum rt_rec_kind {
	RTR_PRINT = 1,        /* site = print site; payload = its arguments */
	RTR_ERROR = 2,        /* site = error site; payload = its detail */
	RTR_EXIT = 3,         /* exit() was called */
	RTR_HIST = 4,         /* print a histogram from the maps; site = print site */
	RTR_WARN = 5,         /* warn(msg); payload = string */
	RTR_SYSTEM = 6,       /* system(cmd); payload = string */
	RTR_USTACK = 12,      /* a user stack to unwind in user space; site =
			       * ustack op (enum rt_ustack_op) | probe index << 8;
			       * payload = struct rt_ustack + lim.ustack_size bytes */
	RTR_UKEEP = 13,       /* a user stack or symbol a handler keeps as a value
			       * (keptstr.h); site as RTR_USTACK's; payload = u64
			       * handle, then the op's payload (rt_ustack and its
			       * slice, or rt_uaddr) */
};

/* What user space does with a user stack (runtime/bpf/ustack.h): an
 * RTR_USTACK record prints it; a print argument (psite_arg.ustack) holding
 * one becomes the string of a tapset function. */
enum rt_ustack_op {
	RTU_PRINT = 1,        /* print_ubacktrace(): " 0xADDR : symdata\n" per frame */
	RTU_ADDRS = 2,        /* ubacktrace(): "0xADDR " per frame */
	RTU_CALLERS = 3,      /* ucallers(arg): arg+1 (arg < 0: all) "0xADDR" space separated */
	RTU_SPRINT = 4,       /* sprint_ubacktrace(): "name+0xOFF [OBJECT]\n" per frame */
	RTU_PRINT_BRIEF = 5,  /* print_ubacktrace_brief(): "name+0xOFF\n" per frame */
	RTU_SYMS = 6,         /* [s]print_usyms(ucallers(arg)) or of ubacktrace() (arg -1):
			       * " 0xADDR : symdata\n" per frame */
	RTU_PRINT_FILELINE = 7, /* print_ubacktrace_fileline(): as RTU_PRINT with
				 * " at FILE:LINE" before the " [PATH]" */
	/* one address (struct rt_uaddr), no stack */
	RTU_USYMNAME = 16,    /* usymname(addr) */
	RTU_USYMDATA = 17,    /* usymdata(addr) */
	RTU_UMODNAME = 18,    /* umodname(addr) */
	RTU_USYMFILELINE = 19, /* usymfileline(addr) */
};

/* A user stack: the task, its user registers (x86_64 struct pt_regs, from
 * bpf_task_pt_regs of the current task) and how many bytes of its user
 * stack from regs[RT_PTREGS_SP] follow (BPF_USTACK_SIZE are reserved). */
#define RT_PTREGS_WORDS 21
#define RT_PTREGS_SP 19
#define RT_PTREGS_IP 16
#define RT_PTREGS_CS 17
struct rt_ustack {
	uint64_t pid_tgid;
	uint64_t size;        /* stack bytes copied (0: none could be read) */
	int64_t arg;          /* RTU_CALLERS, RTU_SYMS: n (-1: all frames) */
	uint64_t regs[RT_PTREGS_WORDS];
};

#define RT_USTACK_HEAD 192

/* mem_page_size(): the page size of the target architecture, x86_64 */
#define RT_PAGE_SIZE 4096

/* An address of the current process, to symbolize in user space. */
struct rt_uaddr {
	uint64_t pid_tgid;
	uint64_t addr;
};

/* The payload size of an op (enum rt_ustack_op) with a stack slice of
 * ustack_size bytes. */
static inline uint32_t rt_ustack_payload(uint32_t op, uint32_t ustack_size)
{
	return op >= RTU_USYMNAME ? (uint32_t)sizeof(struct rt_uaddr) : RT_USTACK_HEAD + ustack_size;
}

struct rt_rec {
	uint32_t kind;        /* enum rt_rec_kind */
	uint32_t site;
};

#define RT_REC_HDR 8

#endif
