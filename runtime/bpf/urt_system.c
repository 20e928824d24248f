/*
 * urt_system: system() of user-space and kernel-side handlers.
 */
#include "bpf/urt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/signals.h"

static void run_detached(const char *cmd)
{
	pid_t p = fork();
	if (p == 0) {
		/* a grandchild runs the command: stap never waits for it */
		if (fork() == 0) {
			signals_release_in_child(); /* the command is not stap */
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}

void urt_system(struct urt *u, const char *cmd)
{
	if (urt_state(u) == RT_STARTING) {
		char *held = strdup(cmd);
		if (held)
			vec_push_heap(&u->system_held, held);
		return;
	}
	urt_flush(u);
	run_detached(cmd);
}

void urt_system_release(struct urt *u)
{
	if (!u->system_held.len)
		return;
	urt_flush(u);
	vec_foreach(&u->system_held, i) {
		run_detached(u->system_held.items[i]);
		free(u->system_held.items[i]);
	}
	u->system_held.len = 0;
}
