/*
 * signals: see signals.h.  No handler is ever installed: a handler would
 * need process-wide state to talk to the code it interrupts, and compiler/
 * keeps none.  The mask is the state.
 */
#include "util/signals.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static const int session_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSESSION (sizeof(session_signals) / sizeof(session_signals[0]))

void signals_session_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < NSESSION; i++)
		sigaddset(set, session_signals[i]);
}

void signals_hold(sigset_t *old)
{
	sigset_t set;
	signals_session_set(&set);
	/* Block first: changing a disposition from SIG_IGN to SIG_DFL while
	 * unblocked could let a signal kill stap half-way through a pass. */
	sigprocmask(SIG_BLOCK, &set, old);
	for (size_t i = 0; i < NSESSION; i++) {
		struct sigaction sa;
		if (sigaction(session_signals[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			sigemptyset(&sa.sa_mask);
			sigaction(session_signals[i], &sa, NULL);
		}
	}
}

int signals_pending(void)
{
	sigset_t pend;
	if (sigpending(&pend) != 0)
		return 0;
	for (size_t i = 0; i < NSESSION; i++)
		if (sigismember(&pend, session_signals[i]) == 1)
			return session_signals[i];
	return 0;
}

void signals_release_in_child(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigset_t set;
	signals_session_set(&set);
	for (size_t i = 0; i < NSESSION; i++)
		sigaction(session_signals[i], &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

const char *signals_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGKILL: return "SIGKILL";
	}
	return "a signal";
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int signals_end_child(pid_t pid, bool group, int first_sig)
{
	pid_t target = group ? -pid : pid;
	int status = 0;
	kill(target, first_sig);
	for (int waited_ms = 0;; waited_ms += 20) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited_ms == 2000)
			kill(target, SIGKILL);
		nap_ms(20);
	}
}

int signals_wait_child(pid_t pid, bool group, int *sig)
{
	int status = 0;
	*sig = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if ((*sig = signals_pending()) != 0)
			return signals_end_child(pid, group, SIGTERM);
		nap_ms(20);
	}
}
