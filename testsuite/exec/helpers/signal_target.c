/*
 * signal_target: a process that receives SIGINT from another one and
 * handles it, for the seed script that traces kernel/signal.c in the
 * target process (testsuite/exec/seeds/kernel_signal_process_*): the
 * document traces a shell (stap -x PID) and sends it `kill -INT PID`
 * from another shell.
 *
 *   signal_target
 *
 * It blocks SIGINT and installs a handler, forks a child that sends
 * SIGINT to it (kill(2) runs in the child, as the document's kill runs in
 * another shell: not traced by a script that filters on target()), waits
 * in sigsuspend(2) until the handler has run, reaps the child and exits
 * 0.  With SIGINT blocked until sigsuspend, the calls it makes are the
 * same whether the signal comes before or during the wait.  Both processes
 * stay on the CPU it starts on: the child's kill and exit then never run
 * while the parent's probes do, whose handlers would otherwise wait for the
 * script's global locks (thread_indent's) held on the other CPU and, under
 * emulation, miss hits (skipped probes).  Exits 1 when a call fails.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity */
#endif
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sigint(int sig)
{
	(void)sig;
	got = 1;
}

int main(void)
{
	sigset_t block, wait_mask;
	cpu_set_t one;
	int cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one) != 0)
		return 1;
	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &wait_mask) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		return 1;
	sigdelset(&wait_mask, SIGINT);
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		kill(getppid(), SIGINT);
		_exit(0);
	}
	while (!got)
		sigsuspend(&wait_mask);
	if (waitpid(child, NULL, 0) != child)
		return 1;
	return 0;
}
