/*
 * run: pass 5 of the BPF back end - one session in the stap process.
 *
 * Order (SystemTap's, cli.md §6): globals initialised (-G); the -c
 * command forked and held; begin probes in sequence order (an error or
 * exit() stops the rest); if still starting, the state becomes RUNNING,
 * kernel programs are loaded and attached, interval timers armed and the
 * command released; the loop then streams records and runs timer handlers
 * until exit(), an error beyond MAXERRORS, a signal, -T or the command's
 * exit.  Then everything is detached, the last records drained, and the
 * end probes (or the error probes) run; the final warnings follow.
 * Every path goes through the same teardown (detach_all, close).
 */
#include "bpf/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfmc/asm.h"
#include "bpf/attach.h"
#include "bpf/detach.h"
#include "bpf/sessions.h"
#include "bpf/interp.h"
#include "bpf/ksyms.h"
#include "bpf/load.h"
#include "bpf/loop.h"
#include "bpf/record.h"
#include "bpf/ringbuf.h"
#include "bpf/tpstack.h"
#include "bpf/urt.h"
#include "bpf/wallclock.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"

struct utimer {
	struct run_ctx *rc;
	struct bprobe *bp;
	int fd;
};

struct run_ctx {
	struct session *s;
	struct bpf_translation *t;
	struct bpf_plan *pl;
	struct loop *lp;
	struct load_ctx *lc;
	struct urt *u;
	struct interp *I;
	struct ringbuf *rb;
	struct record_printer *rp;
	struct utimer *timers;
	uint32_t ntimers;
	struct wallclock wall;
	bool attach_failed;
	double t_start;
};

static int by_sequence(const void *a, const void *b)
{
	const struct bprobe *x = *(struct bprobe *const *)a, *y = *(struct bprobe *const *)b;
	if (x->sequence != y->sequence)
		return x->sequence < y->sequence ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* begin / end / error probes in SystemTap's order; each runs only while
 * the session state admits its kind. */
static void run_phase(struct run_ctx *rc, enum bprobe_ukind kind, enum rt_state admit)
{
	struct bprobe **list = xmalloc(sizeof(*list) * (rc->pl->probes.len + 1));
	uint32_t n = 0;
	vec_foreach(&rc->pl->probes, i) {
		struct bprobe *bp = rc->pl->probes.items[i];
		if (bp->where == BP_USER && bp->ukind == kind)
			list[n++] = bp;
	}
	qsort(list, n, sizeof(*list), by_sequence);
	for (uint32_t i = 0; i < n; i++) {
		if (urt_state(rc->u) != admit)
			break;
		interp_run(rc->I, list[i]);
	}
	free(list);
}

/* ------------------------------------------------------------ timers */

static void arm(struct utimer *t, bool first)
{
	struct bprobe *bp = t->bp;
	int64_t ns = bp->period_ns;
	if (bp->randomize_ns) {
		int64_t r = (int64_t)((uint64_t)random() % (uint64_t)(2 * bp->randomize_ns + 1));
		ns += r - bp->randomize_ns;
		if (ns < 1)
			ns = 1;
	}
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = ns / 1000000000LL;
	its.it_value.tv_nsec = ns % 1000000000LL;
	if (!bp->randomize_ns)
		its.it_interval = its.it_value;
	if (first || bp->randomize_ns)
		timerfd_settime(t->fd, 0, &its, NULL);
}

static void timer_fired(void *ctx, int fd)
{
	struct utimer *t = ctx;
	uint64_t n;
	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return;
	if (urt_state(t->rc->u) != RT_RUNNING)
		return;
	interp_run(t->rc->I, t->bp);
	if (t->bp->randomize_ns)
		arm(t, false);
	if (urt_state(t->rc->u) != RT_RUNNING)
		loop_request_exit(t->rc->lp);
}

static bool start_timers(struct run_ctx *rc)
{
	uint32_t n = 0;
	vec_foreach(&rc->pl->probes, i) {
		struct bprobe *bp = rc->pl->probes.items[i];
		if (bp->where == BP_USER && bp->ukind == BPU_TIMER)
			n++;
	}
	rc->timers = xcalloc(n + 1, sizeof(*rc->timers));
	vec_foreach(&rc->pl->probes, i) {
		struct bprobe *bp = rc->pl->probes.items[i];
		if (bp->where != BP_USER || bp->ukind != BPU_TIMER)
			continue;
		struct utimer *t = &rc->timers[rc->ntimers];
		t->rc = rc;
		t->bp = bp;
		t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (t->fd < 0 || loop_add_fd(rc->lp, t->fd, timer_fired, t) < 0) {
			diag_report(&rc->s->diag, DIAG_ERROR, D_RUN, bp->dp->tok,
				    "probe %s registration error: %s", bp->dp->pp, strerror(errno));
			if (t->fd >= 0)
				close(t->fd);
			return false;
		}
		rc->ntimers++;
	}
	for (uint32_t i = 0; i < rc->ntimers; i++)
		arm(&rc->timers[i], true);
	return true;
}

static void stop_timers(struct run_ctx *rc)
{
	for (uint32_t i = 0; i < rc->ntimers; i++)
		close(rc->timers[i].fd);
	free(rc->timers);
	rc->timers = NULL;
	rc->ntimers = 0;
}

/* ------------------------------------------------------------ kernel side */

static int on_record(void *ctx, const void *data, size_t size)
{
	struct run_ctx *rc = ctx;
	record_print(rc->rp, data, size);
	return 0;
}

/* Loading (the verifier) happens before begin probes run, as a module is
 * built and inserted before its begin probes; attaching after them. */
/* the address ranges of BPF's tracepoint machinery, for the programs that
 * capture kernel stacks to skip (tpstack.h); unreadable kallsyms leaves
 * them empty, and those stacks begin with the machinery's frames */
static void put_machinery_ranges(struct urt *u, const struct bpf_translation *t)
{
	vec_foreach(&t->progs, i) {
		const struct kprog *kp = t->progs.items[i];
		if (!kp->machinery_off)
			continue;
		/* the table the stacks' names will come from: read once */
		uint64_t r[2 * TPSTACK_RANGES];
		tpstack_ranges(symdefer_table(&u->syms), kp->event, r);
		memcpy((char *)u->head + kp->machinery_off, r, sizeof r);
	}
}

static bool load_kernel(struct run_ctx *rc)
{
	if (!rc->t || !rc->t->progs.len)
		return true;
	double t0 = load_now_ms();
	if (!run_load_programs(rc->t, rc->lc))
		return false;
	if (options_verbose(&rc->s->opts, 5) >= 2)
		fprintf(stderr, "Pass 5: loaded %u programs (%u instructions) in %.1f ms.\n",
			rc->t->progs.len, rc->t->ninsns, load_now_ms() - t0);
	rc->rb = ringbuf_open(rc->lc, rc->pl->ring, rc->pl->lost, on_record, rc);
	return rc->rb && loop_add_ringbuf(rc->lp, rc->rb) == 0;
}

static bool start_kernel(struct run_ctx *rc)
{
	if (!rc->t || !rc->t->progs.len)
		return true;
	return run_attach_programs(rc->t, rc->lc, (int64_t)rc->u->head->target);
}

/* ------------------------------------------------------------ the session */

static void final_warnings(struct run_ctx *rc)
{
	char msg[256];
	if (rc->rb) {
		uint64_t lost = 0;
		if (ringbuf_lost(rc->rb, &lost) == 0 && lost) {
			int n = snprintf(msg, sizeof(msg),
					 "There were %llu transport failures. Try stap -s to increase "
					 "the buffer size from %u.",
					 (unsigned long long)lost, rc->pl->lim.ringbuf_bytes >> 20);
			urt_warn(rc->u, msg, (uint32_t)n);
		}
	}
	uint64_t errors = rc->u->head->errors, skipped = rc->u->head->skipped;
	if (errors || skipped) {
		int n = snprintf(msg, sizeof(msg), "Number of errors: %llu, skipped probes: %llu",
				 (unsigned long long)errors, (unsigned long long)skipped);
		urt_warn(rc->u, msg, (uint32_t)n);
	}
}

static bool child_report(struct run_ctx *rc, enum loop_end end)
{
	if (!rc->s->opts.cmd)
		return true;
	int st = loop_child_status(rc->lp);
	if (end != LOOP_END_CHILD)
		return true;
	char msg[128];
	int n = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		n = snprintf(msg, sizeof(msg), "Child process exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		n = snprintf(msg, sizeof(msg), "Child process exited with signal %d (%s)",
			     WTERMSIG(st), sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
	if (!n)
		return true;
	/* never deduplicated away: it decides the exit status */
	urt_warn(rc->u, msg, (uint32_t)n);
	return false;
}

/* The detached session's entry for `stap --list-sessions`: a listing
 * that cannot be written is worth a warning, not the session. */
static void register_detached(struct session *s)
{
	char script[4200], abs[4096];
	if (s->opts.script_file && strcmp(s->opts.script_file, "-") &&
	    realpath(s->opts.script_file, abs))
		snprintf(script, sizeof(script), "%s", abs);
	else if (s->opts.script_file)
		snprintf(script, sizeof(script), "%s", s->opts.script_file);
	else
		snprintf(script, sizeof(script), "-e '%.160s'", s->opts.script_text);
	char output[4200], cwd[4000];
	if (s->opts.output_file && s->opts.output_file[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(output, sizeof(output), "%s/%s", cwd, s->opts.output_file);
	else
		snprintf(output, sizeof(output), "%s", s->opts.output_file ? s->opts.output_file : "");
	int err = sessions_register(script, output);
	if (err)
		fprintf(stderr, "WARNING: the detached session is not listed by --list-sessions: %s\n",
			strerror(-err));
}

bool run_session(struct session *s, struct bpf_translation *t, struct bpf_plan *pl)
{
	struct run_ctx rc = { .s = s, .t = t, .pl = pl, .wall = { .fd = -1 } };
	bool ok = false;
	enum loop_end end = LOOP_END_REQUEST;
	/* the runtime chosen here rather than asked for (--runtime=bpf is
	 * options_check's) */
	if (!options_check_bpf_flight(&s->opts, &s->diag))
		return false;
	rc.lp = loop_open();
	if (!rc.lp) {
		diag_report(&s->diag, DIAG_ERROR, D_RUN, NULL, "cannot start the session: %s",
			    strerror(errno));
		return false;
	}
	rc.lc = load_open(&s->diag, t ? &t->tagger : NULL);
	rc.lc->full_log = options_verbose(&s->opts, 5) >= 2;
	rc.u = urt_open(pl, rc.lc);
	if (!rc.u)
		goto out;
	if (t && t->progs.len && (!run_create_maps(t, rc.lc) || !load_kernel(&rc)))
		goto out;
	rc.u->lp = rc.lp;
	rc.u->syms.klines_path = pl->klines_path;
	rc.rp = record_printer_new(rc.u, t);
	rc.I = interp_new(rc.u);
	if (!urt_init_globals(rc.u))
		goto out;
	rc.u->head->target = (uint64_t)s->opts.target_pid;
	rc.u->head->stp_pid = (uint64_t)getpid();
	rc.u->head->stp_uid = (uint64_t)getuid();
	if (pl->kaslr_anchor) {
		/* handlers read kernel statics at link-time address + this */
		uint64_t jiffies;
		if (!ksyms_address_of("/proc/kallsyms", "jiffies", &jiffies)) {
			diag_report(&s->diag, DIAG_ERROR, D_RUN, NULL,
				    "cannot read the address of 'jiffies' in /proc/kallsyms, which "
				    "gives the offset KASLR moved the kernel's statics by (@var, "
				    "static $vars): run as root, with kernel.kptr_restrict < 2");
			goto out;
		}
		rc.u->head->kaslr = jiffies - pl->kaslr_anchor;
	}
	if (t)
		put_machinery_ranges(rc.u, t);
	/* After the globals: they share the map value with the header. */
	if (wallclock_start(&rc.wall, rc.lp, &rc.u->head->wall) < 0) {
		static const char w[] = "the wall clock of kernel-side handlers will not follow clock changes";
		urt_warn(rc.u, w, sizeof(w) - 1);
	}
	if (s->opts.cmd) {
		pid_t pid = loop_spawn(rc.lp, s->opts.cmd);
		if (pid < 0) {
			diag_report(&s->diag, DIAG_ERROR, D_RUN, NULL, "cannot run '%s': %s",
				    s->opts.cmd, strerror(-pid));
			goto out;
		}
		rc.u->head->target = (uint64_t)pid;
		if (pl->user_stacks && loop_hold_exit(rc.lp) < 0) {
			static const char w[] = "user stacks of the -c command near its exit may "
						"not be unwound: it cannot be held at exit (ptrace)";
			urt_warn(rc.u, w, sizeof(w) - 1);
		}
	}
	vec_foreach(&pl->globals, i) {
		struct bvar *v = pl->globals.items[i];
		if (v->hist_bad) {
			char w[512];
			struct outbuf ob;
			enum stats_linear_check why;
			stats_linear_buckets(v->hist_start, v->hist_stop, v->hist_interval,
					     pl->lim.max_buckets, &why);
			outbuf_init(&ob, w, sizeof(w) - 1);
			stats_linear_warning(&ob, why, pl->lim.max_buckets);
			urt_warn(rc.u, w, ob.len);
		}
	}

	bool vv = options_verbose(&s->opts, 5) >= 2;
	double t_attach = 0, t_detach = 0;
	bool detached = false;
	urt_set_state(rc.u, RT_STARTING);
	run_phase(&rc, BPU_BEGIN, RT_STARTING);
	if (urt_state(rc.u) != RT_STARTING)
		urt_system_release(rc.u); /* the begin probes' commands run all the same */
	if (urt_state(rc.u) == RT_STARTING) {
		urt_set_state(rc.u, RT_RUNNING);
		t_attach = load_now_ms();
		bool started = start_kernel(&rc);
		t_attach = load_now_ms() - t_attach;
		if (!started || !start_timers(&rc)) {
			rc.attach_failed = true;
			urt_set_state(rc.u, RT_ERROR);
		} else {
			loop_release(rc.lp);
			urt_system_release(rc.u);
			if (vv)
				fprintf(stderr, "Pass 5: attached %u programs in %.1f ms; probes are live.\n",
					t ? t->progs.len : 0, t_attach);
			/* -F: the begin probes' output reaches the file before
			 * the fork, so neither process writes it again */
			urt_flush(rc.u);
			int dr = 0;
			if (s->opts.flight_recorder && (dr = detach_background()) == 0) {
				dr = loop_forked(rc.lp);
				/* stp_pid() of kernel-side handlers: the detached process */
				rc.u->head->stp_pid = (uint64_t)getpid();
				register_detached(s);
				detached = true;
			}
			if (dr < 0) {
				diag_report(&s->diag, DIAG_ERROR, D_RUN, NULL,
					    "cannot detach the session (-F): %s", strerror(-dr));
				urt_set_state(rc.u, RT_STOPPING);
			} else {
				end = loop_run(rc.lp, -1);
			}
			if (end == LOOP_END_ERROR)
				diag_report(&s->diag, DIAG_ERROR, D_RUN, NULL, "session loop failed: %s",
					    strerror(-loop_error(rc.lp)));
		}
	}
	t_detach = load_now_ms();
	load_detach_all(rc.lc);
	t_detach = load_now_ms() - t_detach;
	if (vv && t && t->progs.len)
		fprintf(stderr, "Pass 5: detached in %.1f ms.\n", t_detach);
	if (rc.rb)
		ringbuf_consume(rc.rb);
	stop_timers(&rc);
	if (urt_state(rc.u) == RT_RUNNING || urt_state(rc.u) == RT_STARTING)
		urt_set_state(rc.u, RT_STOPPING);
	if (urt_state(rc.u) == RT_STOPPING)
		run_phase(&rc, BPU_END, RT_STOPPING);
	if (urt_state(rc.u) == RT_ERROR)
		run_phase(&rc, BPU_ERROR, RT_ERROR);
	urt_flush(rc.u);
	if (detached)
		sessions_unregister();
	final_warnings(&rc);
	bool child_ok = child_report(&rc, end);
	ok = rc.u->head->errors == 0 && !rc.attach_failed && child_ok && end != LOOP_END_ERROR &&
	     s->diag.errors == 0;
	if (s->opts.suppress_handler_errors && !rc.attach_failed && child_ok &&
	    end != LOOP_END_ERROR && s->diag.errors == 0)
		ok = true;
out:
	wallclock_stop(&rc.wall);
	interp_free(rc.I);
	record_printer_free(rc.rp);
	ringbuf_close(rc.rb);
	urt_close(rc.u);
	load_close(rc.lc);
	loop_close(rc.lp);
	return ok;
}
