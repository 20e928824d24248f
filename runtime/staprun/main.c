/*
 * main: the order of events of one staprun invocation — parse and check
 * the command line, refuse non-root users, then either remove a module
 * (-d), attach to one (-A), or load one, run its session and remove it.
 * Every path that loaded a module removes it again, except -L and SIGQUIT,
 * whose purpose is to leave it running.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kmod/transport_proto.h"
#include "staprun.h"

/* -d: a module nobody is attached to is stopped (by opening and closing
 * its control file) and removed. */
static int delete_module_cmd(const struct options *o)
{
	struct module_file m;
	char path[128];
	int fd;

	snprintf(m.name, sizeof(m.name), "%s", o->module_arg);
	if (strrchr(m.name, '/'))
		memmove(m.name, strrchr(m.name, '/') + 1, strlen(strrchr(m.name, '/')));
	if (strlen(m.name) > 3 && !strcmp(m.name + strlen(m.name) - 3, ".ko"))
		m.name[strlen(m.name) - 3] = '\0';
	snprintf(path, sizeof(path), "/proc/" CTAP_PROC_PREFIX "%s/ctl", m.name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EBUSY)
			msg_error("Module '%s' is attached to a running staprun.", m.name);
		else
			msg_error("'%s' is not a loaded ctap module.", m.name);
		return -1;
	}
	close(fd);
	return modload_remove(m.name);
}

/* -D: the parent prints the background process's pid and leaves. */
static int daemonize(void)
{
	struct stat st;
	bool keep_err;
	pid_t pid;
	int fd;

	fflush(NULL);	/* nothing buffered may be written twice */
	pid = fork();

	if (pid < 0) {
		msg_error("Couldn't fork into the background: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		printf("%d\n", (int)pid);
		fprintf(stderr, "The session runs in the background as process %d, writing to the "
			"-o files; `kill %d` (SIGTERM or SIGINT) stops it after its end probes.\n",
			(int)pid, (int)pid);
		fflush(NULL);
		_exit(0);
	}
	setsid();
	/* stderr stays where it was only if it is a regular file (the report
	 * of what -S removed goes there): a terminal would get messages after
	 * the shell's prompt, and a pipe would keep its reader waiting */
	keep_err = fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	fd = open("/dev/null", O_RDWR);
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

int main(int argc, char **argv)
{
	struct options o;
	struct module_file m;
	int rc;

	if (options_parse(&o, argc, argv))
		return 1;
	msg_setup(&o);
	if (geteuid() != 0) {
		msg_error("staprun must be run as root: ctap modules are loaded with "
			  "finit_module(2), which needs CAP_SYS_MODULE.");
		return 1;
	}
	if (o.delete_mod)
		return delete_module_cmd(&o) ? 1 : 0;
	if (session_signals() < 0) {
		msg_error("Couldn't set up signal handling: %s", strerror(errno));
		return 1;
	}

	if (o.attach) {
		snprintf(m.name, sizeof(m.name), "%s", o.module_arg);
		if (output_open(&o))
			return 1;
		rc = session_run(&o, m.name, false);
		if (rc == 0)
			modload_remove(m.name);
		return msg_failed || rc < 0 ? 1 : 0;
	}

	if (modload_resolve(o.module_arg, &m) || modload_insert(&m, &o))
		return 1;
	if (output_open(&o) || (o.daemon && daemonize())) {
		modload_remove(m.name);
		return 1;
	}
	rc = session_run(&o, m.name, true);
	if (rc <= 0)
		modload_remove(m.name);
	return msg_failed || rc < 0 ? 1 : 0;
}
