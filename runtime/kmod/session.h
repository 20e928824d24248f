/*
 * session: the one tracing session a module runs, its state machine and
 * its counters.
 *
 *   STARTING --begin probes ok, probes armed--> RUNNING
 *   STARTING/RUNNING --exit(), "exit" command--> STOPPING
 *   any live state --error beyond MAXERRORS, MAXSKIPPED, overload,
 *                    registration failure--> ERROR
 *   STOPPING/ERROR --probes disarmed, end/error probes run--> STOPPED
 *
 * Which handlers may start is decided by the state alone (probe.c):
 * begin probes need STARTING, end probes STOPPING, error probes ERROR,
 * every other probe RUNNING.  The state only moves forward; transitions
 * are atomic compare-and-exchange so that concurrent handlers agree.
 *
 * _ctap_session_start()/_ctap_session_stop() run in process context
 * (staprun's "start"/"exit" writes, module unload), serialised by
 * session.mutex.
 */
#ifndef CTAP_KMOD_SESSION_H
#define CTAP_KMOD_SESSION_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>

enum _ctap_session_state {
	CTAP_SESSION_STARTING,
	CTAP_SESSION_RUNNING,
	CTAP_SESSION_STOPPING,
	CTAP_SESSION_ERROR,
	CTAP_SESSION_STOPPED,
};

struct _ctap_session {
	atomic_t state;			/* enum _ctap_session_state */
	atomic_t errors;		/* handler errors reported */
	atomic_t skipped;		/* hits skipped, counted against MAXSKIPPED */
	atomic_t skipped_reentrant;	/* hits on a busy CPU */
	atomic_t skipped_lowstack;	/* MINSTACKSPACE */
	atomic_t skipped_nmi;		/* hits in NMI context (never run; also in skipped) */
	atomic_t exit_requested;	/* a CTAP_MSG_EXIT_REQUEST is owed */
	long target;			/* target(): -c/-x pid, 0 for none */
	pid_t staprun_pid;		/* stp_pid(): staprun, which started the session */
	uid_t staprun_uid;		/* staprun's real uid (is_myproc()) */
	bool started;			/* "start" was processed */
	bool stopped;			/* the stop sequence ran */
	struct mutex mutex;		/* start/stop */
};

extern struct _ctap_session _ctap_session;

static inline int _ctap_session_state(void)
{
	return atomic_read(&_ctap_session.state);
}

/* target() of the script. */
static inline long _ctap_target(void)
{
	return READ_ONCE(_ctap_session.target);
}

/* stp_pid(): the process of staprun, which started the session. */
static inline long _ctap_stp_pid(void)
{
	return READ_ONCE(_ctap_session.staprun_pid);
}

/* The real uid of the user who ran the session (staprun's). */
static inline long _ctap_session_uid(void)
{
	return READ_ONCE(_ctap_session.staprun_uid);
}

/* Moves the session from one state to another if it is there; true if so. */
static inline bool _ctap_session_move(int from, int to)
{
	return atomic_cmpxchg(&_ctap_session.state, from, to) == from;
}

/* The session failed: any live state becomes ERROR and staprun is asked
 * to end the session. */
void _ctap_session_fail(void);

/*
 * exit() of the script: STARTING/RUNNING become STOPPING and staprun is
 * asked to end the session; the calling handler continues to its end.
 */
void _ctap_exit(void);

/* Asks staprun to send "exit" (CTAP_MSG_EXIT_REQUEST), once. */
void _ctap_request_exit(void);

/* Session control (process context). */
int _ctap_session_init(void);
int _ctap_session_start(long target);
void _ctap_session_stop(void);

#endif
