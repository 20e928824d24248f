/*
 * detach: the BPF session's move into the background for -F (detach.h).
 */
#include "bpf/detach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int detach_background(void)
{
	/* nothing buffered may be written twice, once by each process */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		printf("%d\n", (int)pid);
		fprintf(stderr, "The session runs in the background as process %d, writing to the "
			"-o files; `kill %d` (SIGTERM or SIGINT) stops it after its end probes.\n",
			(int)pid, (int)pid);
		fflush(NULL);
		_exit(0);
	}
	setsid();
	/* stderr stays where it was only if it is a regular file: a terminal
	 * would get messages after the shell's prompt, and a pipe would keep
	 * its reader (a $(stap -F ...)) waiting until the session ends */
	struct stat st;
	bool keep_err = fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (!keep_err)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}
