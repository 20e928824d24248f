/*
 * tapset_events: the events the signal.*, softirq.* and workqueue.*
 * aliases report, one step after the other, for the pass-5 tests of
 * testsuite/exec/tapset_events:
 *
 *   tapset_events handler SIG  sigaction(SIG) with a handler that blocks
 *                              SIGUSR2 while it runs (sa_mask {SIGUSR2})
 *   tapset_events ignore SIG   sigaction(SIG) to SIG_IGN (no flags, empty
 *                              sa_mask)
 *   tapset_events kill SIG     kill(getpid(), SIG)
 *   tapset_events tkill SIG    tkill(gettid(), SIG)
 *   tapset_events tgkill SIG   tgkill(getpid(), gettid(), SIG)
 *   tapset_events killnone     kill(INT_MAX, SIGUSR1): no such process
 *   tapset_events pending SIG  block SIG, kill(getpid(), SIG),
 *                              sigpending(), unblock SIG (it is handled
 *                              as sigprocmask returns)
 *   tapset_events rtfull       with RLIMIT_SIGPENDING 0, sigqueue(3) of
 *                              SIGRTMIN (blocked) to itself: it fails with
 *                              EAGAIN (no room to queue it)
 *   tapset_events wake SIG     fork a child named "tapset_sleeper" that
 *                              handles SIG and sleeps in pause(); once it
 *                              sleeps, kill(child, SIG) and wait for it
 *   tapset_events timer SIG    a POSIX timer (CLOCK_MONOTONIC) that
 *                              sends SIG once after 1 ms; sigsuspend()
 *                              until the handler has run
 *   tapset_events segv SIG     fork a child named "tapset_segv" whose
 *                              handler of SIG is to run on an alternate
 *                              stack it cannot write (PROT_NONE): the
 *                              kernel cannot set up the handler's frame
 *                              and kills it with SIGSEGV (no core dump)
 *   tapset_events udp N        N UDP datagrams to itself over 127.0.0.1
 *                              (loopback: NET_RX softirqs), each received
 *   tapset_events pty          one write(2) to a pseudo-terminal's master,
 *                              read back from its slave (raw mode): the
 *                              tty layer queues a work item that moves the
 *                              bytes to the slave, and the read waits for
 *                              it.  Without /dev/pts (the test VM), the
 *                              master comes from a devpts instance mounted
 *                              on a temporary directory for the moment
 *
 * SIG is a signal name without SIG (USR1, USR2, ALRM, ...) or a number.
 * Exits 1 when a step does not go as described.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static int signum(const char *s)
{
	static const struct { const char *name; int num; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "WINCH", SIGWINCH },
	};
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (!strcmp(s, names[k].name))
			return names[k].num;
	return atoi(s);
}

static int set_handler(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	return sigaction(sig, &sa, NULL);
}

/* 'S' once the process sleeps (in pause()), from /proc/PID/stat */
static int sleeping(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static int step_wake(int sig)
{
	int ready[2];
	if (pipe(ready) != 0)
		return 1;
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		prctl(PR_SET_NAME, "tapset_sleeper");
		handled = 0; /* the parent's earlier steps counted theirs */
		if (set_handler(sig, 0) != 0)
			_exit(1);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (!handled)
			pause();
		_exit(0);
	}
	char c;
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		return 1;
	close(ready[0]);
	/* the child's last step before pause() was the write: wait until
	 * it sleeps there (up to 10 s) */
	for (int k = 0; k < 10000 && !sleeping(child); k++)
		usleep(1000);
	int status;
	if (kill(child, sig) != 0 || waitpid(child, &status, 0) != child)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

static int step_timer(int sig)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, sig);
	if (set_handler(sig, 0) != 0 || sigprocmask(SIG_BLOCK, &block, &old) != 0)
		return 1;
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = sig;
	timer_t timer;
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0)
		return 1;
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	handled = 0;
	if (timer_settime(timer, 0, &its, NULL) != 0)
		return 1;
	sigdelset(&old, sig);
	while (!handled)
		sigsuspend(&old);
	timer_delete(timer);
	sigemptyset(&block);
	sigaddset(&block, sig);
	return sigprocmask(SIG_UNBLOCK, &block, NULL) != 0;
}

static int step_segv(int sig)
{
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		prctl(PR_SET_NAME, "tapset_segv");
		prctl(PR_SET_DUMPABLE, 0);
		size_t size = 65536;
		void *mem = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			_exit(1);
		stack_t ss = { .ss_sp = mem, .ss_size = size };
		if (sigaltstack(&ss, NULL) != 0 || set_handler(sig, SA_ONSTACK) != 0)
			_exit(1);
		kill(getpid(), sig);
		_exit(2);
	}
	int status;
	if (waitpid(child, &status, 0) != child)
		return 1;
	return !WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV;
}

static int step_rtfull(void)
{
	struct rlimit old, none;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	if (getrlimit(RLIMIT_SIGPENDING, &old) != 0 || sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return 1;
	none = old;
	none.rlim_cur = 0;
	if (setrlimit(RLIMIT_SIGPENDING, &none) != 0)
		return 1;
	union sigval v = { .sival_int = 1 };
	int r = sigqueue(getpid(), SIGRTMIN, v);
	int err = errno;
	if (setrlimit(RLIMIT_SIGPENDING, &old) != 0 || sigprocmask(SIG_UNBLOCK, &set, NULL) != 0)
		return 1;
	return r != -1 || err != EAGAIN;
}

static int step_udp(long n)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0)
		return 1;
	for (long k = 0; k < n; k++) {
		char buf[16] = "ping";
		if (sendto(s, buf, 4, 0, (struct sockaddr *)&a, sizeof(a)) != 4 ||
		    recv(s, buf, sizeof(buf), 0) != 4)
			return 1;
	}
	close(s);
	return 0;
}

/* a pty master: /dev/ptmx, or where /dev/pts is not mounted (the test
 * VM's initramfs) the ptmx of a devpts instance of its own, mounted on a
 * temporary directory (detached again once the master is open) */
static int open_master(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m >= 0)
		return m;
	char dir[] = "/tmp/tapset_events.XXXXXX", ptmx[64];
	if (!mkdtemp(dir))
		return -1;
	if (mount("devpts", dir, "devpts", 0, "ptmxmode=0666") != 0) {
		rmdir(dir);
		return -1;
	}
	snprintf(ptmx, sizeof(ptmx), "%s/ptmx", dir);
	m = open(ptmx, O_RDWR | O_NOCTTY);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return m;
}

static int step_pty(void)
{
	int m = open_master();
	if (m < 0 || unlockpt(m) != 0)
		return 1;
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	struct termios t;
	if (s < 0 || tcgetattr(s, &t) != 0)
		return 1;
	cfmakeraw(&t);
	if (tcsetattr(s, TCSANOW, &t) != 0)
		return 1;
	char buf[8];
	if (write(m, "x", 1) != 1 || read(s, buf, sizeof(buf)) != 1 || buf[0] != 'x')
		return 1;
	close(s);
	close(m);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *op = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : "0";
		int bad = 0;
		if (!strcmp(op, "handler")) {
			bad = set_handler(signum(arg), 0) != 0;
			i++;
		} else if (!strcmp(op, "ignore")) {
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_IGN;
			sigemptyset(&sa.sa_mask);
			bad = sigaction(signum(arg), &sa, NULL) != 0;
			i++;
		} else if (!strcmp(op, "kill")) {
			bad = kill(getpid(), signum(arg)) != 0;
			i++;
		} else if (!strcmp(op, "tkill")) {
			bad = syscall(SYS_tkill, (long)gettid(), (long)signum(arg)) != 0;
			i++;
		} else if (!strcmp(op, "tgkill")) {
			bad = syscall(SYS_tgkill, (long)getpid(), (long)gettid(), (long)signum(arg)) != 0;
			i++;
		} else if (!strcmp(op, "killnone")) {
			bad = kill(INT_MAX, SIGUSR1) == 0;
		} else if (!strcmp(op, "pending")) {
			int sig = signum(arg);
			sigset_t set, pend;
			sigemptyset(&set);
			sigaddset(&set, sig);
			bad = sigprocmask(SIG_BLOCK, &set, NULL) != 0 || kill(getpid(), sig) != 0 ||
			      sigpending(&pend) != 0 || !sigismember(&pend, sig) ||
			      sigprocmask(SIG_UNBLOCK, &set, NULL) != 0;
			i++;
		} else if (!strcmp(op, "rtfull")) {
			bad = step_rtfull();
		} else if (!strcmp(op, "wake")) {
			bad = step_wake(signum(arg));
			i++;
		} else if (!strcmp(op, "timer")) {
			bad = step_timer(signum(arg));
			i++;
		} else if (!strcmp(op, "segv")) {
			bad = step_segv(signum(arg));
			i++;
		} else if (!strcmp(op, "udp")) {
			bad = step_udp(atol(arg));
			i++;
		} else if (!strcmp(op, "pty")) {
			bad = step_pty();
		} else {
			fprintf(stderr, "tapset_events: unknown step %s\n", op);
			return 1;
		}
		if (bad) {
			fprintf(stderr, "tapset_events: step %s failed\n", op);
			return 1;
		}
	}
	return 0;
}
