/*
 * error: run-time errors raised by handlers, and messages to staprun.
 *
 * A handler error is recorded in its context, never printed on the spot:
 * c->last_error holds the bare text (`division by 0`), c->last_stmt the
 * token description of where it happened (`operator '/' at t.stp:3:13`).
 * Generated code sets them (or calls a runtime function that does), then
 * jumps to the handler's exit; after any call that can fail it tests
 * c->last_error.  The runner prints `ERROR: TEXT near STMT` (or `ERROR:
 * TEXT`), counts the error, and moves the session to ERROR once the count
 * exceeds MAXERRORS.  try/catch clears the error with _ctap_catch(), except
 * for uncatchable errors (MAXACTION exceeded).
 *
 * Only the first error of a hit sticks: later calls leave it alone, so the
 * innermost failure is the one reported.
 */
#ifndef CTAP_KMOD_ERROR_H
#define CTAP_KMOD_ERROR_H

#include <linux/compiler.h>
#include <linux/string.h>
#include "kmod/config.h"
#include "kmod/context.h"
#include "kmod/session.h"

/* Raises msg (a string that outlives the hit, usually a literal). */
static inline void _ctap_error(struct _ctap_context *c, const char *msg)
{
	if (!c->last_error)
		c->last_error = msg;
}

/* Raises msg at loc (a token description literal). */
static inline void _ctap_error_at(struct _ctap_context *c, const char *msg, const char *loc)
{
	if (!c->last_error) {
		c->last_error = msg;
		c->last_stmt = loc;
	}
}

/* error("msg") of the script: a copy of msg, reported without location. */
void _ctap_error_user(struct _ctap_context *c, const char *msg);

/* Raises a formatted message (kept in c->error_buf, MAXSTRINGLEN bytes). */
void _ctap_errorf(struct _ctap_context *c, const char *fmt, ...) __printf(2, 3);

static inline bool _ctap_failed(const struct _ctap_context *c)
{
	return unlikely(c->last_error != NULL);
}

/*
 * Charges n statements to the MAXACTION budget; true (with the
 * uncatchable error raised) once it is exhausted.
 */
static inline bool _ctap_actions(struct _ctap_context *c, long n)
{
	c->actions_left -= n;
	if (likely(c->actions_left >= 0))
		return false;
	if (!c->last_error) {
		c->last_error = "MAXACTION exceeded";
		c->uncatchable = true;
	}
	return true;
}

/*
 * A call to a script function: true (with `MAXNESTING exceeded` raised)
 * if it would be the MAXNESTING-th nested call; else the depth grows and
 * the caller must _ctap_call_leave() when the function returns.  The probe
 * body itself is depth 0.
 */
static inline bool _ctap_call_enter(struct _ctap_context *c)
{
	if (unlikely(c->nesting + 1 >= MAXNESTING)) {
		_ctap_error(c, "MAXNESTING exceeded");
		return true;
	}
	c->nesting++;
	return false;
}

static inline void _ctap_call_leave(struct _ctap_context *c)
{
	c->nesting--;
}

/*
 * abort() of the script: exit() plus an immediate, uncatchable unwind of
 * the handler that is not reported as an error.
 */
static inline void _ctap_abort(struct _ctap_context *c)
{
	_ctap_exit();
	c->aborted = true;
	c->uncatchable = true;
	c->last_error = "";
	c->last_stmt = NULL;
}

/*
 * catch: takes a pending catchable error.  Copies its text into msg
 * (MAXSTRINGLEN bytes, may be NULL), clears it and returns true; returns
 * false if there is none or it is uncatchable (the handler must then
 * unwind further).
 */
static inline bool _ctap_catch(struct _ctap_context *c, char *msg)
{
	if (!c->last_error || c->uncatchable)
		return false;
	if (msg)
		strscpy(msg, c->last_error, MAXSTRINGLEN);
	c->last_error = NULL;
	c->last_stmt = NULL;
	return true;
}

/*
 * --suppress-handler-errors: the error is counted (for the final
 * "Number of errors" warning) but neither printed nor fatal.
 */
void _ctap_error_suppress(struct _ctap_context *c);

/* Runner: prints c's pending error and counts it (see head comment). */
void _ctap_error_report(struct _ctap_context *c);

/* Messages to staprun's stderr: `WARNING: ...` / `ERROR: ...`. */
void _ctap_warn(const char *fmt, ...) __printf(1, 2);
void _ctap_err(const char *fmt, ...) __printf(1, 2);
/* warn(msg) of the script: the text as is. */
void _ctap_warn_str(const char *msg);

#endif
