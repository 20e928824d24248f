/*
 * loop: one epoll set over ring buffers, a signalfd, the child's pidfd and
 * a deadline (see loop.h).
 *
 * Signals are taken synchronously (blocked + signalfd), never in a
 * handler, so ending a run is ordinary control flow and every exit path
 * goes through the caller's detach code.
 */
#include "bpf/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf/ringbuf.h"
#include "launch/command.h"
#include "util/arena.h"
#include "util/signals.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define MAX_RINGS 64
#define MAX_FDS 64
#define TAG_FD_BASE 1000

enum { TAG_SIGNAL = -1, TAG_CHILD = -2 }; /* epoll data; rings are 0.. */

struct loop {
	int epfd, sigfd, pidfd;
	sigset_t old_mask;
	struct sigaction old_chld;
	struct ringbuf *rings[MAX_RINGS];
	int nrings;
	struct {
		int fd;
		loop_fd_fn fn;
		void *ctx;
	} fds[MAX_FDS];
	int nfds;
	pid_t child;
	int go_fd;           /* write end of the child's start pipe, -1 once released */
	bool child_done;
	bool held;           /* traced for its exit stop (loop_hold_exit) */
	int child_status;
	int signal;
	int error;
	volatile bool exit_requested;
};

/* SIGCHLD is caught, not left at its default (ignored): a child's exit
 * then queues the signal to stap, as to staprun, whose handler takes it,
 * so the exit path a script traces (do_notify_parent's __sigqueue_alloc,
 * complete_signal) is the same on both back ends.  The pidfd says when
 * the -c command ended. */
static void on_child(int sig)
{
	(void)sig;
}

struct loop *loop_open(void)
{
	struct loop *lp = xcalloc(1, sizeof(*lp));
	lp->epfd = lp->sigfd = lp->pidfd = lp->go_fd = -1;
	struct sigaction chld = { .sa_handler = on_child, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigemptyset(&chld.sa_mask);
	sigaction(SIGCHLD, &chld, &lp->old_chld);
	sigset_t set;
	signals_session_set(&set);
	/* Usually held since stap started (the driver); held here too for
	 * callers without the driver.  An ignored signal would be discarded
	 * rather than queued for the signalfd once unblocked: a stap started
	 * in the background by a non-interactive shell inherits SIGINT
	 * ignored, yet kill -INT must still end the session (as stapio's
	 * handlers make it), so signals_hold gives them default dispositions. */
	signals_hold(&lp->old_mask);
	lp->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->sigfd < 0 || lp->epfd < 0)
		goto fail_mask;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(int64_t)TAG_SIGNAL };
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->sigfd, &ev) != 0)
		goto fail_mask;
	return lp;
fail_mask:
	sigprocmask(SIG_SETMASK, &lp->old_mask, NULL);
	sigaction(SIGCHLD, &lp->old_chld, NULL);
	int err = errno;
	if (lp->sigfd >= 0)
		close(lp->sigfd);
	if (lp->epfd >= 0)
		close(lp->epfd);
	free(lp);
	errno = err;
	return NULL;
}

/* A signalfd wakes the epoll sets of the process that registered it:
 * in a forked child, the inherited one would queue the child's signals
 * without ever waking its loop.  So the child takes a new one. */
int loop_forked(struct loop *lp)
{
	sigset_t set;
	signals_session_set(&set);
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(int64_t)TAG_SIGNAL };
	epoll_ctl(lp->epfd, EPOLL_CTL_DEL, lp->sigfd, NULL);
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	close(lp->sigfd);
	lp->sigfd = fd;
	return 0;
}

/* Stops tracing the command (it may be running: interrupted first). */
static void unhold(struct loop *lp)
{
	if (!lp->held)
		return;
	lp->held = false;
	if (ptrace(PTRACE_INTERRUPT, lp->child, 0, 0) != 0)
		return;
	int st;
	while (waitpid(lp->child, &st, __WALL) == lp->child) {
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			lp->child_done = true;
			lp->child_status = st;
			return;
		}
		if (WIFSTOPPED(st))
			break;
	}
	ptrace(PTRACE_DETACH, lp->child, 0, 0);
}

/* The -c command still running when the session ends is ended as
 * staprun ends it: SIGTERM, up to 2 s to go, then SIGKILL; never left
 * behind.  One never released is killed at once: it must not run
 * unobserved. */
static void end_child(struct loop *lp)
{
	unhold(lp);
	if (lp->child_done)
		return;
	if (waitpid(lp->child, &lp->child_status, WNOHANG) == lp->child) {
		lp->child_done = true;
		return;
	}
	lp->child_status = signals_end_child(lp->child, false,
					     lp->go_fd >= 0 ? SIGKILL : SIGTERM);
	lp->child_done = true;
}

void loop_close(struct loop *lp)
{
	if (!lp)
		return;
	if (lp->child > 0 && !lp->child_done)
		end_child(lp);
	if (lp->go_fd >= 0)
		close(lp->go_fd);
	if (lp->pidfd >= 0)
		close(lp->pidfd);
	close(lp->sigfd);
	close(lp->epfd);
	/* Signals that arrived while blocked stay pending and are delivered
	 * here, with their normal disposition, once the run is over. */
	sigprocmask(SIG_SETMASK, &lp->old_mask, NULL);
	sigaction(SIGCHLD, &lp->old_chld, NULL);
	free(lp);
}

int loop_add_ringbuf(struct loop *lp, struct ringbuf *rb)
{
	if (lp->nrings == MAX_RINGS)
		return -ENOSPC;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)lp->nrings };
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, ringbuf_epoll_fd(rb), &ev) != 0)
		return -errno;
	lp->rings[lp->nrings++] = rb;
	return 0;
}

int loop_add_fd(struct loop *lp, int fd, loop_fd_fn fn, void *ctx)
{
	if (lp->nfds == MAX_FDS)
		return -ENOSPC;
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.u64 = (uint64_t)(TAG_FD_BASE + lp->nfds) };
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	lp->fds[lp->nfds].fd = fd;
	lp->fds[lp->nfds].fn = fn;
	lp->fds[lp->nfds].ctx = ctx;
	lp->nfds++;
	return 0;
}

pid_t loop_spawn(struct loop *lp, const char *cmd)
{
	int go_fd;
	pid_t pid = command_spawn_held(cmd, signals_release_in_child, NULL, &go_fd);
	if (pid < 0)
		return pid;
	lp->child = pid;
	lp->go_fd = go_fd;
	lp->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (lp->pidfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(int64_t)TAG_CHILD };
		epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->pidfd, &ev);
	}
	return pid;
}

int loop_hold_exit(struct loop *lp)
{
	if (lp->child <= 0 || lp->go_fd < 0)
		return -EINVAL;
	if (ptrace(PTRACE_SEIZE, lp->child, 0, PTRACE_O_TRACEEXIT) != 0)
		return -errno;
	lp->held = true;
	return 0;
}

int loop_release(struct loop *lp)
{
	if (lp->go_fd < 0)
		return 0;
	ssize_t n = write(lp->go_fd, "g", 1);
	int err = n == 1 ? 0 : -errno;
	close(lp->go_fd);
	lp->go_fd = -1;
	return err;
}

void loop_request_exit(struct loop *lp)
{
	lp->exit_requested = true;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool drain(struct loop *lp)
{
	for (int i = 0; i < lp->nrings; i++) {
		int r = ringbuf_consume(lp->rings[i]);
		if (r < 0 && r != -EINTR) {
			lp->error = r;
			return false;
		}
	}
	return true;
}

static bool drain(struct loop *lp);

/*
 * A held command stops for ptrace (its exit, a signal being delivered, a
 * group stop) and waits for us: at its exit the rings are drained while
 * its mappings are still there, then it goes on, untraced; a signal is
 * passed on as it was meant; a group stop stays one (PTRACE_LISTEN).
 */
static void held_stop(struct loop *lp, int st)
{
	int event = st >> 16;
	if (event == PTRACE_EVENT_EXIT) {
		drain(lp);
		lp->held = false;
		ptrace(PTRACE_DETACH, lp->child, 0, 0);
	} else if (event == PTRACE_EVENT_STOP) {
		ptrace(PTRACE_LISTEN, lp->child, 0, 0);
	} else {
		ptrace(PTRACE_CONT, lp->child, 0, WSTOPSIG(st));
	}
}

static bool child_exited(struct loop *lp)
{
	if (lp->child <= 0 || lp->child_done)
		return false;
	int st;
	while (waitpid(lp->child, &st, WNOHANG | __WALL) == lp->child) {
		if (lp->held && WIFSTOPPED(st)) {
			held_stop(lp, st);
			continue;
		}
		lp->child_done = true;
		lp->child_status = st;
		return true;
	}
	return false;
}

enum loop_end loop_run(struct loop *lp, int timeout_ms)
{
	double deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	enum loop_end end;
	for (;;) {
		if (lp->exit_requested) {
			end = LOOP_END_REQUEST;
			break;
		}
		int wait = -1;
		if (deadline > 0) {
			double left = deadline - now_ms();
			if (left <= 0) {
				end = LOOP_END_TIMEOUT;
				break;
			}
			wait = (int)left + 1;
		}
		/* Without a pidfd (kernels < 5.3) poll the child every 100 ms. */
		if (lp->child > 0 && lp->pidfd < 0 && (wait < 0 || wait > 100))
			wait = 100;
		/* a ptrace stop does not wake the pidfd: look every 5 ms */
		if (lp->held && (wait < 0 || wait > 5))
			wait = 5;
		struct epoll_event evs[16];
		int n = epoll_wait(lp->epfd, evs, 16, wait);
		if (n < 0 && errno != EINTR) {
			lp->error = -errno;
			end = LOOP_END_ERROR;
			break;
		}
		bool stop = false;
		for (int i = 0; i < n && !stop; i++) {
			int64_t tag = (int64_t)evs[i].data.u64;
			if (tag == TAG_SIGNAL) {
				struct signalfd_siginfo si;
				if (read(lp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					lp->signal = (int)si.ssi_signo;
					end = LOOP_END_SIGNAL;
					stop = true;
				}
			} else if (tag >= TAG_FD_BASE && tag < TAG_FD_BASE + lp->nfds) {
				int k = (int)(tag - TAG_FD_BASE);
				lp->fds[k].fn(lp->fds[k].ctx, lp->fds[k].fd);
				if (lp->exit_requested) {
					end = LOOP_END_REQUEST;
					stop = true;
				}
			} else if (tag >= 0 && tag < lp->nrings) {
				int r = ringbuf_consume(lp->rings[tag]);
				if (r < 0 && r != -EINTR) {
					lp->error = r;
					end = LOOP_END_ERROR;
					stop = true;
				}
			}
		}
		if (stop)
			break;
		if (child_exited(lp)) {
			end = LOOP_END_CHILD;
			break;
		}
	}
	if (end != LOOP_END_ERROR && !drain(lp))
		end = LOOP_END_ERROR;
	return end;
}

int loop_signal(const struct loop *lp)
{
	return lp->signal;
}

int loop_child_status(const struct loop *lp)
{
	return lp->child_status;
}

int loop_error(const struct loop *lp)
{
	return lp->error;
}

const char *loop_end_name(enum loop_end e)
{
	switch (e) {
	case LOOP_END_SIGNAL: return "signal";
	case LOOP_END_TIMEOUT: return "timeout";
	case LOOP_END_CHILD: return "child exited";
	case LOOP_END_REQUEST: return "exit requested";
	case LOOP_END_ERROR: return "error";
	}
	return "?";
}
