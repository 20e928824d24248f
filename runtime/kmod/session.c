/*
 * session: the start and stop sequences and the state transitions of the
 * session (see session.h).  Start and stop run in process context (a
 * staprun write, a file release, module unload) under session.mutex.
 */
#include <linux/kernel.h>
#include "kmod/config.h"
#include "kmod/context.h"
#include "kmod/error.h"
#include "kmod/families.h"
#include "kmod/module.h"
#include "kmod/probe.h"
#include "kmod/session.h"
#include "kmod/timing.h"
#include "kmod/transport.h"

struct _ctap_session _ctap_session;

int _ctap_session_init(void)
{
	atomic_set(&_ctap_session.state, CTAP_SESSION_STARTING);
	mutex_init(&_ctap_session.mutex);
	return 0;
}

void _ctap_request_exit(void)
{
	if (!atomic_xchg(&_ctap_session.exit_requested, 1))
		_ctap_transport_exit_request();
}

void _ctap_exit(void)
{
	if (!_ctap_session_move(CTAP_SESSION_RUNNING, CTAP_SESSION_STOPPING))
		_ctap_session_move(CTAP_SESSION_STARTING, CTAP_SESSION_STOPPING);
	_ctap_request_exit();
}

void _ctap_session_fail(void)
{
	int s = _ctap_session_state();

	while (s == CTAP_SESSION_STARTING || s == CTAP_SESSION_RUNNING ||
	       s == CTAP_SESSION_STOPPING) {
		int old = atomic_cmpxchg(&_ctap_session.state, s, CTAP_SESSION_ERROR);

		if (old == s)
			break;
		s = old;
	}
	_ctap_request_exit();
}

/* Runs every begin, end or error probe of the module, in table order. */
static void _ctap_run_be(enum _ctap_probe_kind kind)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nbe; i++)
		if (_ctap_module.be[i]->kind == kind)
			_ctap_probe_run(_ctap_module.be[i], NULL, NULL);
}

static int _ctap_arm(void)
{
	int rc;

	rc = _ctap_tracepoints_register();
	if (!rc)
		rc = _ctap_kprobes_register();
	if (!rc)
		rc = _ctap_uprobes_register();
	if (!rc)
		rc = _ctap_perfs_register();
	if (!rc)
		rc = _ctap_timers_register();
	return rc;
}

static void _ctap_disarm(void)
{
	_ctap_timers_unregister();
	_ctap_perfs_unregister();
	_ctap_uprobes_unregister();
	_ctap_kprobes_unregister();
	_ctap_tracepoints_unregister();
	_ctap_contexts_quiesce();
}

int _ctap_session_start(long target)
{
	int status = 0;

	mutex_lock(&_ctap_session.mutex);
	if (_ctap_session.started || _ctap_session.stopped) {
		mutex_unlock(&_ctap_session.mutex);
		return -EBUSY;
	}
	_ctap_session.started = true;
	WRITE_ONCE(_ctap_session.target, target);

	_ctap_run_be(CTAP_PROBE_BEGIN);
	if (_ctap_session_state() == CTAP_SESSION_STARTING) {
		status = _ctap_arm();
		if (status)
			_ctap_session_fail();
	}
	if (!_ctap_session_move(CTAP_SESSION_STARTING, CTAP_SESSION_RUNNING) &&
	    !status)
		status = 1;	/* exit() or an error in a begin probe */
	_ctap_transport_started(status);
	mutex_unlock(&_ctap_session.mutex);
	return 0;
}

/* The closing warnings (output-formats.md §8.3). */
static void _ctap_session_report(void)
{
	int errors = atomic_read(&_ctap_session.errors);
	int skipped = atomic_read(&_ctap_session.skipped);
	int failures = _ctap_transport_failures();

	_ctap_timing_report();
	if (errors || skipped || atomic_read(&_ctap_session.skipped_reentrant)) {
		_ctap_warn("Number of errors: %d, skipped probes: %d", errors, skipped);
		_ctap_timing_skips();
	}
	if (failures)
		_ctap_warn("There were %d transport failures. Try stap -s to increase the buffer size from %u.",
			   failures, _ctap_transport_bufsize_mb());
}

void _ctap_session_stop(void)
{
	mutex_lock(&_ctap_session.mutex);
	if (_ctap_session.stopped) {
		mutex_unlock(&_ctap_session.mutex);
		return;
	}
	_ctap_session.stopped = true;
	if (_ctap_session.started) {
		if (!_ctap_session_move(CTAP_SESSION_RUNNING, CTAP_SESSION_STOPPING))
			_ctap_session_move(CTAP_SESSION_STARTING, CTAP_SESSION_STOPPING);
		_ctap_disarm();
		_ctap_run_be(CTAP_PROBE_END);
		_ctap_run_be(CTAP_PROBE_ERROR);
		_ctap_session_report();
	}
	atomic_set(&_ctap_session.state, CTAP_SESSION_STOPPED);
	_ctap_transport_done();
	mutex_unlock(&_ctap_session.mutex);
}
