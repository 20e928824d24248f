/*
 * command: how the -c command becomes a process, the same for staprun and
 * the BPF runtime (as stapio does it).  A command without shell syntax
 * (quotes, expansions, operators, redirections) is split on blanks and
 * exec'd directly, so that target() is the command's own pid; any other
 * goes to /bin/sh -c.  '=' is not syntax: leading NAME=VALUE words go to
 * the environment, any other '=' is part of a word (dd if=X, --opt=V).
 *
 * The caller splits before its child waits to be released: from the
 * release to exec the child runs under the probes as target(), and a
 * script watching malloc would see the split's allocations.
 */
#ifndef CTAP_LAUNCH_COMMAND_H
#define CTAP_LAUNCH_COMMAND_H

#include <stdbool.h>

struct command {
	bool shell;
	char *argv[256];
};

/* text's words into c (in the child: sets its environment). */
void command_split(const char *text, struct command *c);
/* Replaces the process with the command; returns only if exec failed. */
void command_exec(const char *text, const struct command *c);

/*
 * Forks the process that runs TEXT, held before its exec until a byte
 * arrives on *go_fd (EOF: it exits with 127, having run nothing).  The
 * child splits the command first (allocating, applying its VAR=value
 * words) and this returns only once it has: from then until the exec the
 * child calls nothing that allocates, so probes on the allocator attached
 * meanwhile never see the launcher's own calls under the target's pid.
 * before_exec (may be NULL) runs in the child after the go byte;
 * exec_failed (may be NULL) when the exec fails, before _exit(127).
 * Returns the pid, or -errno.
 */
int command_spawn_held(const char *text, void (*before_exec)(void),
		       void (*exec_failed)(const char *text), int *go_fd);

#endif
