/*
 * loop: the pass-5 session loop of the BPF back end.
 *
 * Waits on everything that can end or feed a run, in one epoll set:
 * ring buffers (records are consumed as they arrive), a signalfd for
 * SIGINT/SIGTERM/SIGHUP (blocked while the loop is open, so a Ctrl-C never
 * interrupts attach/detach half-way), the -c child's pidfd, and a deadline
 * (-T).  A record handler may ask the loop to end (the script's exit()).
 * After the loop ends, the rings are drained once more.
 *
 * The -c child is forked at loop_spawn() but held before exec until
 * loop_release(), so the probes are attached before the command runs (as
 * stap does).  loop_close() restores the signal mask and closes every fd;
 * a child still held is killed, a released one is left to run.
 *
 * Detaching is the caller's job, on every exit path: the usual shape is
 *
 *     lp = loop_open(); ... attach ...; loop_release(lp);
 *     end = loop_run(lp, timeout_ms);
 *     load_detach_all(lc); run end probes; print; ringbuf_close(); load_close(lc);
 *     loop_close(lp);
 */
#ifndef CTAP_BPF_LOOP_H
#define CTAP_BPF_LOOP_H

#include <stdbool.h>
#include <sys/types.h>

struct ringbuf;

enum loop_end {
	LOOP_END_SIGNAL,    /* SIGINT, SIGTERM or SIGHUP (loop_signal) */
	LOOP_END_TIMEOUT,   /* the deadline passed */
	LOOP_END_CHILD,     /* the -c command exited (loop_child_status) */
	LOOP_END_REQUEST,   /* loop_request_exit() */
	LOOP_END_ERROR,     /* a ring buffer or epoll failed (-errno in loop_error) */
};

struct loop;

/* NULL with errno set on failure. */
struct loop *loop_open(void);
void loop_close(struct loop *lp);
/* In the child of a fork (-F): the signals of this process end the run.
 * 0 or -errno. */
int loop_forked(struct loop *lp);

int loop_add_ringbuf(struct loop *lp, struct ringbuf *rb);   /* 0 or -errno */

/* Any readable fd (timerfds of user-space timer probes): fn runs when it
 * is readable and must consume the event; it may loop_request_exit(). */
typedef void (*loop_fd_fn)(void *ctx, int fd);
int loop_add_fd(struct loop *lp, int fd, loop_fd_fn fn, void *ctx);

/* Forks the command (exec'd directly, or through `/bin/sh -c` when it
 * has shell metacharacters), held until loop_release(); returns the pid
 * or -errno. */
pid_t loop_spawn(struct loop *lp, const char *cmd);
/* Holds the spawned command at its exit until the rings are drained
 * (ptrace's exit stop, taken before the process loses its memory map): a
 * user stack the handlers sent is unwound in user space from the
 * process's mappings, which a process that has exited no longer has.
 * Returns 0 or -errno (then the command runs unheld). */
int loop_hold_exit(struct loop *lp);
int loop_release(struct loop *lp);

/* Asks the running loop to end after the current record. */
void loop_request_exit(struct loop *lp);

/* Runs until something ends the session; timeout_ms <= 0: no deadline. */
enum loop_end loop_run(struct loop *lp, int timeout_ms);

int loop_signal(const struct loop *lp);         /* the signal that ended the run */
int loop_child_status(const struct loop *lp);   /* wait status of the -c child */
int loop_error(const struct loop *lp);          /* -errno after LOOP_END_ERROR */
const char *loop_end_name(enum loop_end e);     /* "signal", "timeout", ... */

#endif
