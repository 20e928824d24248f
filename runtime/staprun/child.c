/*
 * child: the -c CMD process.  It is forked before the session starts and
 * held (blocked reading a pipe) until the probes are armed, so it runs
 * entirely under observation; target() is its pid.  The command runs via
 * /bin/sh -c only if it contains shell syntax, else it is split on blanks
 * and exec'd directly (its pid is then the command's own), leading
 * NAME=VALUE words set in its environment.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launch/command.h"
#include "staprun.h"

static pid_t child_pid = -1;
static int release_fd = -1;

void child_system(const char *command)
{
	pid_t pid = fork();

	if (pid < 0) {
		msg_warning("system: couldn't fork for '%s': %s", command, strerror(errno));
		return;
	}
	if (pid == 0) {
		if (fork() == 0) {
			signal(SIGPIPE, SIG_DFL); /* staprun's own choice */
			execl("/bin/sh", "sh", "-c", command, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void default_sigpipe(void)
{
	signal(SIGPIPE, SIG_DFL); /* staprun ignores it; the command must not */
}

static void exec_failed(const char *command)
{
	fprintf(stderr, "ERROR: Couldn't run '%s': %s\n", command, strerror(errno));
}

pid_t child_spawn(const char *command)
{
	int go_fd;
	pid_t pid = command_spawn_held(command, default_sigpipe, exec_failed, &go_fd);

	if (pid < 0) {
		msg_error("Couldn't fork for '%s': %s", command, strerror(-pid));
		return -1;
	}
	release_fd = go_fd;
	child_pid = pid;
	return pid;
}

void child_release(void)
{
	if (release_fd >= 0) {
		ssize_t n = write(release_fd, "g", 1);

		(void)n;
		close(release_fd);
		release_fd = -1;
	}
}

void child_kill(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
	if (release_fd >= 0) {
		close(release_fd);	/* an unreleased child exits on EOF */
		release_fd = -1;
	}
}

int child_poll(int *status)
{
	pid_t r;

	if (child_pid <= 0)
		return -1;
	r = waitpid(child_pid, status, WNOHANG);
	if (r == child_pid) {
		child_pid = -1;
		return 1;
	}
	return 0;
}

void child_report(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status)) {
		msg_warning("Child process exited with status %d", WEXITSTATUS(status));
		msg_failed = true;
	} else if (WIFSIGNALED(status)) {
		msg_warning("Child process exited with signal %d (%s)", WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
		msg_failed = true;
	}
}
