/*
 * signals: the signals that end a stap session (SIGINT, SIGTERM, SIGHUP),
 * held from the first instant and taken as ordinary control flow.
 *
 * The state is the process's signal mask itself, so there is nothing
 * global: signals_hold() blocks the three at the start of the run (and
 * gives default dispositions to any inherited as ignored).  A blocked
 * signal stays pending whatever its disposition, so a stap started in the
 * background of a non-interactive shell (SIGINT ignored) still sees
 * `kill -INT`.  The driver asks signals_pending() between passes and
 * stops; a long child (kbuild's make) is watched with signals_wait_child();
 * pass 5 takes them from the same mask (a signalfd or sigwaitinfo).
 *
 * Every child stap forks calls signals_release_in_child() before exec: it
 * is not stap, and must get the default dispositions and an open mask
 * (SystemTap's children get them too: its handlers reset on exec).
 */
#ifndef CTAP_SIGNALS_H
#define CTAP_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* the set SIGINT, SIGTERM, SIGHUP */
void signals_session_set(sigset_t *set);
/* blocks the session's signals; the previous mask in *old if not NULL */
void signals_hold(sigset_t *old);
/* the first of the session's signals pending (SIGINT first), or 0 */
int signals_pending(void);
/* in a forked child before exec: default dispositions, signals unblocked */
void signals_release_in_child(void);
/* "SIGINT" */
const char *signals_name(int sig);
/* Ends child `pid` (its process group when `group`) as staprun ends the
 * -c command: first_sig, up to 2 s to go, then SIGKILL.  Returns its wait
 * status, or -1. */
int signals_end_child(pid_t pid, bool group, int first_sig);
/* Waits for child `pid` (started in its own process group when `group`),
 * polling for the session's signals: on one, the child (its group) gets
 * SIGTERM, then SIGKILL after 2 s.  Returns the wait status, or -1; the
 * signal that ended the wait in *sig (0 if none). */
int signals_wait_child(pid_t pid, bool group, int *sig);

#endif
