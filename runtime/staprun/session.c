/*
 * session: one run of a loaded module, from "start" to DONE.
 *
 * Two threads: the reader thread copies /proc/ctap_NAME/data to the
 * output until EOF (which the module gives only after the session is
 * STOPPED and drained); the main thread owns the control channel, the
 * signals (through a self-pipe) and the -c child.  The session ends on
 * exit() in the script (EXIT_REQUEST), SIGINT/SIGTERM/SIGHUP, or the
 * child's exit; then "exit" makes the module run its end probes, and the
 * main thread waits for DONE and for the reader to reach EOF.  SIGQUIT
 * detaches instead (the module keeps running; `staprun -A` reattaches).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kmod/transport_proto.h"
#include "staprun.h"

static int sig_pipe[2] = { -1, -1 };

static void sig_handler(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;
	ssize_t n = write(sig_pipe[1], &c, 1);

	(void)n;
	errno = saved;
}

int session_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR2, SIGQUIT };
	struct sigaction sa;
	size_t i;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

enum wake {
	WAKE_NONE,
	WAKE_STOP,	/* end the session */
	WAKE_DETACH,	/* SIGQUIT */
};

/* Handles pending signals; says what the main loop must do. */
static enum wake signals_take(int *nstop)
{
	enum wake w = WAKE_NONE;
	unsigned char c;
	int status;

	while (read(sig_pipe[0], &c, 1) == 1) {
		switch (c) {
		case SIGINT:
		case SIGTERM:
		case SIGHUP:
			(*nstop)++;
			w = WAKE_STOP;
			break;
		case SIGCHLD:
			if (child_poll(&status) == 1) {
				child_report(status);
				w = WAKE_STOP;
			}
			break;
		case SIGUSR2:
			output_request_switch();
			break;
		case SIGQUIT:
			if (w != WAKE_STOP)
				w = WAKE_DETACH;
			break;
		}
	}
	return w;
}

/* Waits for control records or signals; returns what the signals ask. */
static enum wake wait_events(struct ctl_state *s, const struct options *o, int *nstop)
{
	struct pollfd p[2] = {
		{ .fd = s->fd, .events = POLLIN },
		{ .fd = sig_pipe[0], .events = POLLIN },
	};

	if (poll(p, 2, o->reader_timeout_ms) < 0 && errno != EINTR)
		msg_error("poll failed: %s", strerror(errno));
	if (ctl_drain(s))
		return WAKE_STOP;
	return signals_take(nstop);
}

static void detach_hint(const char *modname)
{
	fprintf(stderr, "Disconnecting from systemtap module.\n"
		"To reconnect, type \"staprun -A %s\"\n", modname);
}

/* ctl, and data unless the session is only started (-L). */
static int open_channels(struct ctl_state *s, const char *modname, bool want_data)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/" CTAP_PROC_PREFIX "%s/ctl", modname);
	s->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0) {
		if (errno == EBUSY)
			msg_error("Module %s is already attached to another staprun.", modname);
		else
			msg_error("Cannot attach to module %s control channel; not running?",
				  modname);
		return -1;
	}
	if (!want_data)
		return 0;
	if (reader_open(modname)) {
		close(s->fd);
		return -1;
	}
	return 0;
}

/* "start PID", then wait for STARTED and release or kill the child. */
static int start_session(struct ctl_state *s, const struct options *o, pid_t target)
{
	char cmd[64];
	int nstop = 0;

	snprintf(cmd, sizeof(cmd), "start %d", (int)target);
	if (ctl_command(s, cmd))
		return -1;
	while (!s->started && !s->done)
		if (wait_events(s, o, &nstop) == WAKE_STOP && nstop)
			break;
	if (s->started && s->started_status == 0)
		child_release();
	else
		child_kill(SIGKILL);
	return nstop ? 1 : 0;
}

/* A -c command still running when the session ends is terminated. */
static void finish_child(void)
{
	int status;

	int waited = 0;

	if (child_poll(&status) != 0)
		return;
	child_kill(SIGTERM);
	while (child_poll(&status) == 0) {
		if (++waited == 200)
			child_kill(SIGKILL);
		usleep(10 * 1000);
	}
}

int session_run(const struct options *o, const char *modname, bool loaded_here)
{
	struct ctl_state s = { .fd = -1 };
	pid_t target = o->target;
	int nstop = 0, rc;
	enum wake w = WAKE_NONE;

	if (open_channels(&s, modname, !o->load_only))
		return -1;
	if (o->command) {
		target = child_spawn(o->command);
		if (target < 0)
			goto out_close;
	}
	if (o->load_only) {
		/* Nobody reads: output waits in the module's buffer for -A. */
		start_session(&s, o, target);
		ctl_command(&s, "detach");
		detach_hint(modname);
		return 1;
	}
	if (reader_start())
		goto out_close;
	if (loaded_here && start_session(&s, o, target) != 0)
		w = WAKE_STOP;	/* a signal during the start, or "start" failed */
	while (w == WAKE_NONE && !s.exit_requested && !s.done)
		w = wait_events(&s, o, &nstop);
	if (w == WAKE_DETACH) {
		ctl_command(&s, "detach");
		detach_hint(modname);
		return 1;	/* the module stays; the reader dies with us */
	}
	if (!s.done && ctl_command(&s, "exit"))
		s.done = s.broken = true;	/* the module cannot stop: do not wait */
	while (!s.done) {
		enum wake again = wait_events(&s, o, &nstop);

		if (again == WAKE_STOP && nstop >= 3) {
			msg_warning("Stopping without waiting for the module's final output.");
			break;
		}
	}
	close(s.fd);
	s.fd = -1;
	reader_stop(s.done && !s.broken);
	finish_child();
	rc = reader_close();
	output_close();
	return rc;

out_close:
	close(s.fd);
	reader_close();
	return -1;
}
