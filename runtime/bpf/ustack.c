/*
 * ustack: unwinding and symbolizing captured user stacks (see ustack.h).
 *
 * One Dwfl per process (a few cached, the oldest replaced): modules from
 * /proc/PID/maps, thread state from the record through
 * Dwfl_Thread_Callbacks whose memory_read sees only the copied stack
 * slice, as perf's DWARF unwinding does - the process has moved on since
 * the hit, so its live memory would be wrong.
 */
#include "bpf/ustack.h"

#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/rtdata.h"
#include "bpf/translation.h"
#include "bpf/ualias.h"
#include "bpf/urt.h"
#include "session.h"
#include "util/arena.h"
#include "util/vec.h"

#define USTACK_MAX_FRAMES 20 /* MAXBACKTRACE */

_Static_assert(sizeof(struct rt_ustack) == RT_USTACK_HEAD, "rtdata.h: RT_USTACK_HEAD");
#define USTACK_CACHE 8

/* the record being unwound: what the thread callbacks read */
struct ucap {
	pid_t pid, tid;
	uint64_t regs[RT_PTREGS_WORDS];
	uint64_t sp, size;
	uint64_t full;                /* BPF_USTACK_SIZE: size when nothing was cut */
	const uint8_t *stack;
	bool given;                   /* next_thread handed out tid */
	bool beyond;                  /* a read above the copied slice */
};

struct uproc {
	Dwfl *dwfl;
	pid_t pid;
	bool attached;
	uint64_t used;                /* for replacement */
	uint64_t reported_ns;         /* CLOCK_MONOTONIC of the last /proc/PID/maps read */
	struct ucap cap;
};

struct ustack {
	struct urt *u;
	const struct bpf_translation *t;
	VEC(char *) known;            /* real paths of probed and -d objects */
	bool all_known;               /* --ldd */
	struct uproc procs[USTACK_CACHE];
	uint64_t clock;
	Dwfl_Callbacks callbacks;     /* the Dwfls keep pointers to these */
	char *debuginfo_path;
	struct ualias *alias;         /* the kernel-module back end's names */
};

static void add_known(struct ustack *us, const char *path)
{
	char buf[PATH_MAX];
	const char *p = realpath(path, buf) ? buf : path;
	vec_foreach(&us->known, i)
		if (!strcmp(us->known.items[i], p))
			return;
	vec_push_heap(&us->known, xstrdup(p));
}

struct ustack *ustack_new(struct urt *u, const struct bpf_translation *t)
{
	struct ustack *us = xcalloc(1, sizeof(*us));
	us->u = u;
	us->t = t;
	vec_foreach(&t->progs, i) {
		const struct kprog *kp = t->progs.items[i];
		if ((kp->attach == KA_UPROBE || kp->attach == KA_UPROBE_MULTI) && kp->path)
			add_known(us, kp->path);
	}
	vec_foreach(&u->s->opts.dash_d, i)
		add_known(us, u->s->opts.dash_d.items[i]);
	us->all_known = u->s->opts.ldd;
	us->alias = ualias_new();
	us->callbacks = (Dwfl_Callbacks){
		.find_elf = dwfl_linux_proc_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.debuginfo_path = &us->debuginfo_path,
	};
	return us;
}

void ustack_free(struct ustack *us)
{
	if (!us)
		return;
	for (int i = 0; i < USTACK_CACHE; i++)
		if (us->procs[i].dwfl)
			dwfl_end(us->procs[i].dwfl);
	vec_foreach(&us->known, i)
		free(us->known.items[i]);
	vec_free_heap(&us->known);
	ualias_free(us->alias);
	free(us);
}

/* ------------------------------------------------------------ thread state */

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	struct ucap *c = arg;
	if (c->given)
		return 0;
	c->given = true;
	*thread_argp = c;
	return c->tid;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	struct ucap *c = arg;
	if (addr < c->sp || c->size < 8 || addr - c->sp > c->size - 8) {
		if (addr >= c->sp && c->size == c->full)
			c->beyond = true;
		return false;
	}
	memcpy(result, c->stack + (addr - c->sp), 8);
	return true;
}

/* pt_regs word of each DWARF register 0..16 (rax rdx rcx rbx rsi rdi rbp
 * rsp r8..r15 rip) */
static const uint8_t dwarf_to_ptregs[17] = { 10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6,
					     3, 2, 1, 0, 16 };

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct ucap *c = arg;
	Dwarf_Word v[17];
	for (int i = 0; i < 17; i++)
		v[i] = c->regs[dwarf_to_ptregs[i]];
	dwfl_thread_state_register_pc(thread, v[16]);
	return dwfl_thread_state_registers(thread, 0, 17, v);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool report(struct uproc *p)
{
	p->reported_ns = now_ns();
	dwfl_report_begin(p->dwfl);
	int rc = dwfl_linux_proc_report(p->dwfl, p->pid);
	dwfl_report_end(p->dwfl, NULL, NULL);
	return rc == 0;
}

static struct uproc *proc_get(struct ustack *us, pid_t pid)
{
	struct uproc *old = &us->procs[0];
	us->clock++;
	for (int i = 0; i < USTACK_CACHE; i++) {
		struct uproc *p = &us->procs[i];
		if (p->dwfl && p->pid == pid) {
			p->used = us->clock;
			return p;
		}
		if (!p->dwfl || p->used < old->used)
			old = p;
	}
	if (old->dwfl)
		dwfl_end(old->dwfl);
	memset(old, 0, sizeof(*old));
	old->pid = pid;
	old->used = us->clock;
	old->dwfl = dwfl_begin(&us->callbacks);
	if (!old->dwfl || !report(old)) {
		if (old->dwfl)
			dwfl_end(old->dwfl);
		old->dwfl = NULL;
		char msg[120];
		int n = snprintf(msg, sizeof(msg),
				 "cannot unwind the user stack of process %d: its mappings are gone",
				 (int)pid);
		urt_warn(us->u, msg, (uint32_t)n);
		return NULL;
	}
	return old;
}

/* ------------------------------------------------------------ unwinding */

struct frames {
	Dwarf_Addr pc[USTACK_MAX_FRAMES];
	int n;
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct frames *f = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	f->pc[f->n++] = pc;
	return f->n < USTACK_MAX_FRAMES ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static bool known(struct ustack *us, const char *path)
{
	if (us->all_known || !path || path[0] != '/')
		return true; /* --ldd, or [vdso] and the like */
	vec_foreach(&us->known, i)
		if (!strcmp(us->known.items[i], path))
			return true;
	char buf[PATH_MAX];
	if (realpath(path, buf))
		vec_foreach(&us->known, i)
			if (!strcmp(us->known.items[i], buf))
				return true;
	return false;
}

static void missing(struct ustack *us, const char *path)
{
	char msg[PATH_MAX + 80];
	int n = snprintf(msg, sizeof(msg), "Missing unwind data for a module, rerun with 'stap -d %s'",
			 path);
	urt_warn(us->u, msg, (uint32_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1));
}

static bool cfi_at(Dwarf_CFI *cfi, Dwarf_Addr bias, Dwarf_Addr pc)
{
	Dwarf_Frame *fr;
	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &fr) != 0)
		return false;
	free(fr);
	return true;
}

/* Whether the object's CFI (.eh_frame or .debug_frame) covers pc. */
static bool has_cfi(Dwfl_Module *m, Dwarf_Addr pc)
{
	Dwarf_Addr bias;
	Dwarf_CFI *eh = dwfl_module_eh_cfi(m, &bias);
	if (cfi_at(eh, bias, pc))
		return true;
	Dwarf_CFI *dw = dwfl_module_dwarf_cfi(m, &bias);
	return cfi_at(dw, bias, pc);
}

/* What a frame's address is, by SystemTap's rules on objects. */
struct finfo {
	const char *path;             /* the object, or NULL */
	Dwarf_Addr lo, hi;            /* its mapped range */
	const char *name;             /* the symbol (known objects only), or NULL */
	GElf_Off off;
	GElf_Sym sym;
	bool known;
	const char *src;              /* source file and line (lines asked, known objects) */
	int line;
};

static void frame_info(struct ustack *us, struct uproc *p, Dwarf_Addr pc, struct finfo *fi)
{
	memset(fi, 0, sizeof(*fi));
	Dwfl_Module *m = p ? dwfl_addrmodule(p->dwfl, pc) : NULL;
	if (!m)
		return;
	void **verdict; /* the module's userdata: known(), asked once (realpath) */
	fi->path = dwfl_module_info(m, &verdict, &fi->lo, &fi->hi, NULL, NULL, NULL, NULL);
	if (!*verdict)
		*verdict = known(us, fi->path) ? (void *)&us->known : (void *)us;
	fi->known = *verdict == (void *)&us->known;
	if (fi->known) {
		fi->name = dwfl_module_addrinfo(m, pc, &fi->off, &fi->sym, NULL, NULL, NULL);
		fi->name = ualias_name(us->alias, fi->path, fi->name);
	}
}

/* fi's source line of `at` (pc, or a byte before a return address: its
 * call), from the object's DWARF line table. */
static void frame_line(struct uproc *p, Dwarf_Addr at, struct finfo *fi)
{
	Dwfl_Module *m = fi->known ? dwfl_addrmodule(p->dwfl, at) : NULL;
	Dwfl_Line *l = m ? dwfl_module_getsrc(m, at) : NULL;
	fi->src = l ? dwfl_lineinfo(l, NULL, &fi->line, NULL, NULL, NULL) : NULL;
}

/* While unwinding: false when the stack ends after this frame (an object
 * without unwind data we may use); warns about missing unwind data. */
static bool frame_goes_on(struct ustack *us, struct uproc *p, Dwarf_Addr pc,
			  const struct finfo *fi)
{
	if (!fi->path)
		return true;
	if (!fi->known) {
		missing(us, fi->path);
		return false;
	}
	Dwfl_Module *m = dwfl_addrmodule(p->dwfl, pc);
	if (m && !has_cfi(m, pc))
		missing(us, fi->path);
	return true;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* symdata: "name+0xOFF/0xSIZE [PATH]", "0xADDR [PATH+0xOFF/0xSIZE]", "0xADDR" */
static int symdata(char *out, size_t size, Dwarf_Addr pc, const struct finfo *fi)
{
	unsigned long long a = pc;
	if (fi->name)
		return snprintf(out, size, "%s+0x%llx/0x%llx [%s]", fi->name,
				(unsigned long long)fi->off, (unsigned long long)fi->sym.st_size,
				fi->path);
	if (fi->path)
		return snprintf(out, size, "0x%llx [%s+0x%llx/0x%llx]", a, fi->path,
				(unsigned long long)(pc - fi->lo),
				(unsigned long long)(fi->hi - fi->lo));
	return snprintf(out, size, "0x%llx", a);
}

/* One frame as text in style op (rt_ustack_op), '\n' included. */
static void frame_text(uint32_t op, Dwarf_Addr pc, const struct finfo *fi, char *out,
		       size_t size)
{
	unsigned long long a = pc;
	char sd[PATH_MAX + 200];
	char *mod;
	switch (op) {
	case RTU_PRINT:
	case RTU_PRINT_FILELINE:
	case RTU_SYMS:
		symdata(sd, sizeof(sd), pc, fi);
		/* print_ubacktrace_fileline: " at FILE:LINE" before " [PATH]" */
		mod = strstr(sd, " [");
		if (op == RTU_PRINT_FILELINE && fi->src && mod) {
			char tail[PATH_MAX + 32];
			snprintf(tail, sizeof(tail), "%s", mod);
			snprintf(mod, sizeof(sd) - (size_t)(mod - sd), " at %s:%d%s", fi->src,
				 fi->line, tail);
		}
		/* SystemTap: " 0xADDR : symdata", but " 0xADDR [PATH+...]" without a symbol */
		if (fi->name)
			snprintf(out, size, " 0x%llx : %s\n", a, sd);
		else
			snprintf(out, size, " %s\n", sd);
		break;
	case RTU_SPRINT:
		if (fi->name)
			snprintf(out, size, "%s+0x%llx [%s]\n", fi->name, (unsigned long long)fi->off,
				 base_name(fi->path));
		else
			snprintf(out, size, "0x%llx\n", a);
		break;
	default: /* RTU_PRINT_BRIEF */
		if (fi->name)
			snprintf(out, size, "%s+0x%llx\n", fi->name, (unsigned long long)fi->off);
		else
			snprintf(out, size, "0x%llx\n", a);
		break;
	}
}

static void no_stack(struct ustack *us, uint32_t op, uint32_t probe)
{
	if (op != RTU_PRINT && op != RTU_PRINT_FILELINE)
		return;
	const struct bpf_plan *pl = us->t->pl;
	const char *pp = probe < pl->probes.len ? pl->probes.items[probe]->dp->pp : "?";
	char line[1024];
	snprintf(line, sizeof(line), "<no user backtrace at %s>\n", pp);
	outbuf_puts(urt_out(us->u), line);
}

/*
 * A probe at a function's first instruction (the usual uprobe) in code
 * without CFI: frame pointers would still describe the caller's frame
 * and skip it.  There the return address is at sp: the caller's state
 * (pc = [sp], sp + 8, the rest unchanged) is where unwinding starts, and
 * the probed pc is frame 0.
 */
static bool entry_without_cfi(struct uproc *p, struct frames *f)
{
	struct ucap *c = &p->cap;
	Dwarf_Addr pc = c->regs[16];
	Dwfl_Module *m = dwfl_addrmodule(p->dwfl, pc);
	GElf_Off off;
	GElf_Sym sym;
	if (!m || has_cfi(m, pc) || !dwfl_module_addrinfo(m, pc, &off, &sym, NULL, NULL, NULL) ||
	    off != 0 || c->size < 8)
		return false;
	uint64_t ret;
	memcpy(&ret, c->stack, 8);
	f->pc[f->n++] = pc;
	c->regs[16] = ret;
	c->regs[RT_PTREGS_SP] += 8;
	c->stack += 8;
	c->sp += 8;
	c->size -= 8;
	return true;
}

/* A failure before the first return address is said (else the stack
 * would silently be its probed address alone); later ones end stacks in
 * the ordinary way (garbage past the outermost frame). */
static void unwind_failed(struct ustack *us, struct uproc *p)
{
	char msg[300];
	int n = snprintf(msg, sizeof(msg), "cannot unwind the user stack of process %d: %s",
			 (int)p->pid, dwfl_errmsg(-1));
	urt_warn(us->u, msg, (uint32_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1));
}

static void unwind(struct ustack *us, struct uproc *p, struct frames *f)
{
	p->cap.given = false;
	entry_without_cfi(p, f);
	if (!p->attached) {
		if (!dwfl_attach_state(p->dwfl, NULL, p->pid, &thread_callbacks, &p->cap)) {
			unwind_failed(us, p);
			return;
		}
		p->attached = true;
	}
	if (dwfl_getthread_frames(p->dwfl, p->cap.tid, frame_cb, f) == -1 && f->n <= 1)
		unwind_failed(us, p);
	if (p->cap.beyond && f->n < USTACK_MAX_FRAMES) {
		/* the stack goes on above the slice copied: not the end of it */
		char msg[200];
		int n = snprintf(msg, sizeof(msg),
				 "user stacks are cut at the %llu bytes copied (-D BPF_USTACK_SIZE)",
				 (unsigned long long)p->cap.full);
		urt_warn(us->u, msg, (uint32_t)n);
	}
}

/* The frames of a captured stack (rt_ustack at payload): false if the
 * task had no user context. */
static bool collect(struct ustack *us, const uint8_t *payload, size_t avail, struct frames *f,
		    struct uproc **pp, int64_t *arg)
{
	struct rt_ustack h;
	*pp = NULL;
	f->n = 0;
	if (avail < RT_USTACK_HEAD)
		return false;
	memcpy(&h, payload, sizeof(h));
	*arg = h.arg;
	if (h.size > avail - RT_USTACK_HEAD)
		h.size = 0;
	/* no user context: a kernel thread (cs is not a user segment) */
	if ((h.regs[RT_PTREGS_CS] & 3) != 3)
		return false;
	pid_t pid = (pid_t)(h.pid_tgid >> 32);
	struct uproc *p = proc_get(us, pid);
	if (p) {
		p->cap = (struct ucap){ .pid = pid, .tid = (pid_t)(uint32_t)h.pid_tgid,
					.sp = h.regs[RT_PTREGS_SP], .size = h.size,
					.full = us->t->pl->lim.ustack_size,
					.stack = payload + RT_USTACK_HEAD };
		memcpy(p->cap.regs, h.regs, sizeof(h.regs));
		/* a pc in no module: new mappings (exec, dlopen) since the maps
		 * were read; read them again and unwind once more */
		bool fresh = false;
		if (!dwfl_addrmodule(p->dwfl, h.regs[RT_PTREGS_IP])) {
			report(p);
			fresh = true;
		}
		struct ucap saved = p->cap;
		unwind(us, p, f);
		/* (at most once a second: a stack may end in code no object
		 * holds, JIT code, which a new read would not find either) */
		if (!fresh && f->n > 0 && f->n < USTACK_MAX_FRAMES &&
		    !dwfl_addrmodule(p->dwfl, f->pc[f->n - 1]) &&
		    now_ns() - p->reported_ns > 1000000000u) {
			report(p);
			p->cap = saved;
			f->n = 0;
			unwind(us, p, f);
		}
	}
	if (f->n == 0) {
		f->pc[0] = h.regs[RT_PTREGS_IP];
		f->n = 1;
	}
	*pp = p;
	return true;
}

void ustack_record(struct ustack *us, uint32_t site, const uint8_t *payload, size_t avail)
{
	uint32_t op = site & 0xff, probe = site >> 8;
	struct frames f;
	struct uproc *p;
	int64_t arg;
	if (!collect(us, payload, avail, &f, &p, &arg)) {
		no_stack(us, op, probe);
		return;
	}
	char line[PATH_MAX + 600];
	struct outbuf *ob = urt_out(us->u);
	for (int i = 0; i < f.n; i++) {
		if (op == RTU_SYMS && arg >= 0 && i > arg)
			break;
		struct finfo fi;
		frame_info(us, p, f.pc[i], &fi);
		bool go_on = frame_goes_on(us, p, f.pc[i], &fi);
		if (op == RTU_PRINT_FILELINE)
			frame_line(p, i ? f.pc[i] - 1 : f.pc[i], &fi);
		frame_text(op, f.pc[i], &fi, line, sizeof(line));
		outbuf_puts(ob, line);
		if (!go_on)
			break;
	}
}

/* Appends s to out (cap bytes, NUL included) if it fits whole. */
static bool append(char *out, uint32_t cap, uint32_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > cap)
		return false;
	memcpy(out + *len, s, n + 1);
	*len += (uint32_t)n;
	return true;
}

static uint32_t addr_string(struct ustack *us, uint32_t op, const uint8_t *payload,
			    size_t avail, char *out, uint32_t cap)
{
	struct rt_uaddr a;
	if (avail < sizeof(a))
		return 0;
	memcpy(&a, payload, sizeof(a));
	struct uproc *p = proc_get(us, (pid_t)(a.pid_tgid >> 32));
	if (p && !dwfl_addrmodule(p->dwfl, a.addr))
		report(p);
	struct finfo fi;
	frame_info(us, p, a.addr, &fi);
	if (op == RTU_USYMFILELINE)
		frame_line(p, a.addr, &fi);
	char sd[PATH_MAX + 200];
	if (op == RTU_USYMDATA)
		symdata(sd, sizeof(sd), a.addr, &fi);
	else if (op == RTU_UMODNAME)
		snprintf(sd, sizeof(sd), "%s", fi.path ? fi.path : "");
	else if (op == RTU_USYMFILELINE && fi.src)
		snprintf(sd, sizeof(sd), "%s:%d", fi.src, fi.line);
	else if (fi.name)
		snprintf(sd, sizeof(sd), "%s", fi.name);
	else
		snprintf(sd, sizeof(sd), "0x%llx", (unsigned long long)a.addr);
	snprintf(out, cap, "%s", sd);
	return (uint32_t)strlen(out);
}

uint32_t ustack_string(struct ustack *us, uint32_t op, const uint8_t *payload, size_t avail,
		       char *out, uint32_t cap)
{
	out[0] = 0;
	if (op >= RTU_USYMNAME)
		return addr_string(us, op, payload, avail, out, cap);
	struct frames f;
	struct uproc *p;
	int64_t n;
	if (!collect(us, payload, avail, &f, &p, &n))
		return 0;
	uint32_t len = 0;
	char item[PATH_MAX + 600];
	for (int i = 0; i < f.n; i++) {
		if ((op == RTU_CALLERS || op == RTU_SYMS) && n >= 0 && i > n)
			break;
		struct finfo fi;
		frame_info(us, p, f.pc[i], &fi);
		bool go_on = frame_goes_on(us, p, f.pc[i], &fi);
		if (op == RTU_SPRINT || op == RTU_SYMS)
			frame_text(op, f.pc[i], &fi, item, sizeof(item));
		else if (op == RTU_ADDRS)
			snprintf(item, sizeof(item), "0x%llx ", (unsigned long long)f.pc[i]);
		else
			snprintf(item, sizeof(item), "%s0x%llx", i ? " " : "", (unsigned long long)f.pc[i]);
		if (!append(out, cap, &len, item) || !go_on)
			break;
	}
	return len;
}
