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

#endif
