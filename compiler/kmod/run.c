/*
 * run: pass 5 of the kernel-module back end — runs the module with ctap's
 * staprun (cli.md §6) and turns its status into stap's (cli.md §4).
 *
 * staprun is found beside stap (session->libexec_dir) unless
 * SYSTEMTAP_STAPRUN names another.  Its command line:
 *
 *   staprun [-v...] [-w] [-o FILE] [-S SIZE[,N]] [-c CMD | -x PID] [-b MB]
 *           [-L | -D] MODULE.ko [NAME=VALUE...]
 *
 * -T is not passed: pass 2 turned it into a timer probe that calls exit().
 * stap waits for staprun; a terminal's SIGINT reaches both (staprun ends
 * the session, stap ignores it), while SIGINT/SIGTERM/SIGHUP sent to stap
 * alone are passed on to staprun, so `kill STAP` ends the session cleanly
 * too.  Exit status: staprun's (0, or 1 after any ERROR or a failed -c
 * command), which the driver reports as `Pass 5: run failed`.
 *
 * The signals are not caught but blocked for the run and taken one by one
 * with SIGCHLD (sigwaitinfo): no handler, so no process-wide pid for one
 * to read, and a signal that comes between fork and wait waits its turn
 * instead of being lost.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diag/diag.h"
#include "kmod/kbuild.h"
#include "session.h"
#include "util/arena.h"
#include "util/signals.h"

/* The signals stap passes on, and SIGCHLD, which ends the wait. */
static void run_signals(sigset_t *set)
{
	signals_session_set(set);
	sigaddset(set, SIGCHLD);
}

/* Waits for staprun (pid) with `set` blocked; returns its wait status. */
static int run_wait(pid_t pid, const sigset_t *set)
{
	int status = 0;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			/* cannot happen with a valid set; waiting is still right */
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		if (sig == SIGCHLD) {
			/* also sent when a child stops, or for another child */
			pid_t r = waitpid(pid, &status, WNOHANG);
			if (r == pid || (r < 0 && errno != EINTR))
				return status;
			continue;
		}
		/* a signal from the terminal reached the whole process group,
		 * staprun included; one sent to stap alone is passed on */
		if (si.si_code <= 0)
			kill(pid, sig);
	}
}

/* Takes what came after staprun ended and before the signals are given
 * back their dispositions: a caught signal would have been dropped then
 * too.  Signals the caller had blocked stay pending for it. */
static void run_drain(const sigset_t *set, const sigset_t *old_mask)
{
	sigset_t drain;
	sigemptyset(&drain);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) == 1 && sigismember(old_mask, sig) == 0)
			sigaddset(&drain, sig);
	const struct timespec now = { 0, 0 };
	while (sigtimedwait(&drain, NULL, &now) > 0)
		;
}

static const char **staprun_argv(struct session *s, struct kbuild *B, const char *staprun)
{
	const struct options *o = &s->opts;
	const char **argv = arena_new_array(s->arena, const char *, 24 + o->globals_set.len);
	int n = 0;
	argv[n++] = staprun;
	unsigned v = options_verbose(o, 5);
	for (unsigned i = 1; i < v && i < 5; i++)
		argv[n++] = "-v";
	if (o->suppress_warnings)
		argv[n++] = "-w";
	if (o->output_file) {
		argv[n++] = "-o";
		argv[n++] = o->output_file;
	}
	if (o->file_switch) {
		argv[n++] = "-S";
		argv[n++] = o->file_switch;
	}
	if (o->cmd) {
		argv[n++] = "-c";
		argv[n++] = o->cmd;
	}
	if (o->target_pid) {
		argv[n++] = "-x";
		argv[n++] = arena_printf(s->arena, "%ld", o->target_pid);
	}
	if (o->bufsize_mb) {
		argv[n++] = "-b";
		argv[n++] = arena_printf(s->arena, "%d", o->bufsize_mb);
	}
	/* -F: staprun detaches, writing the -o files, or leaves the module
	 * loaded with its output in the kernel for staprun -A */
	if (o->flight_recorder)
		argv[n++] = o->output_file ? "-D" : "-L";
	argv[n++] = B->ko;
	vec_foreach(&o->globals_set, i)
		argv[n++] = o->globals_set.items[i];
	argv[n] = NULL;
	return argv;
}

bool kmod_run_staprun(struct session *s, struct kbuild *B)
{
	const char *staprun = getenv("SYSTEMTAP_STAPRUN");
	if (!staprun || !*staprun)
		staprun = arena_printf(s->arena, "%s/staprun", s->libexec_dir);
	const char **argv = staprun_argv(s, B, staprun);
	bool verbose = options_verbose(&s->opts, 5) > 0;
	struct timeval t0, t1;
	struct rusage r0, r1;
	gettimeofday(&t0, NULL);
	getrusage(RUSAGE_CHILDREN, &r0);
	if (verbose) {
		fprintf(stderr, "Pass 5: starting run.\n");
		if (options_verbose(&s->opts, 5) >= 2) {
			fprintf(stderr, "Running");
			for (int i = 0; argv[i]; i++)
				fprintf(stderr, " %s", argv[i]);
			fprintf(stderr, "\n");
		}
	}
	fflush(stdout);
	fflush(stderr);

	/* SIGCHLD ignored would reap staprun behind waitpid's back.  Linux
	 * queues a blocked signal even when its disposition is to ignore it
	 * (stap started in the background of a script ignores SIGINT), so
	 * the others keep theirs. */
	struct sigaction dfl, old_chld;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &old_chld);
	sigset_t set, old_mask;
	run_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old_mask);

	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		sigaction(SIGCHLD, &old_chld, NULL);
		diag_report(&s->diag, DIAG_ERROR, D_RUN, NULL, "cannot fork: %s", strerror(err));
		return false;
	}
	if (pid == 0) {
		/* staprun ends the session on these (stap holds them
		 * blocked from its start: the driver's signals_hold) */
		signals_release_in_child();
		execv(staprun, (char *const *)argv);
		fprintf(stderr, "ERROR: cannot run %s: %s\n", staprun, strerror(errno));
		_exit(127);
	}
	int status = run_wait(pid, &set);
	run_drain(&set, &old_mask);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);

	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (verbose) {
		gettimeofday(&t1, NULL);
		getrusage(RUSAGE_CHILDREN, &r1);
		long real = (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_usec - t0.tv_usec) / 1000L;
		long usr = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000L +
			   (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1000L;
		long sys = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000L +
			   (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1000L;
		fprintf(stderr, "Pass 5: run completed in %ldusr/%ldsys/%ldreal ms.\n", usr, sys,
			real);
	}
	return ok;
}
