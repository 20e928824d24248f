/*
 * transport_proto: the wire protocol between a ctap module and staprun.
 * Included by the kernel runtime (transport.c) and by staprun, so it uses
 * only fixed-width types and no kernel or libc calls.
 *
 * A loaded module NAME owns two files (mode 0600):
 *
 *   /proc/ctap_NAME/data   read-only byte stream: the script's output,
 *                          whole handler flushes in commit order.  read()
 *                          returns 0 (EOF) only once the session is STOPPED
 *                          and everything has been read.
 *   /proc/ctap_NAME/ctl    read: a sequence of records (header + payload),
 *                          each read() returns whole records only;
 *                          write: one text command per write().
 *
 * Both support poll() (POLLIN when there is something to read; POLLHUP on
 * data at EOF).  Commands, each a single write of the text:
 *
 *   "start PID"   run the begin probes and register the other probes; PID
 *                 is target() (0 for none).  Returns when done; the result
 *                 arrives as CTAP_MSG_STARTED.
 *   "exit"        stop: unregister the probes, run end (or error) probes,
 *                 print final warnings.  Returns when done; CTAP_MSG_DONE
 *                 follows every record the session produced.
 *   "detach"      closing ctl no longer stops the session (staprun -L,
 *                 SIGQUIT); the next open of ctl attaches again.
 *
 * Closing ctl without "detach" stops the session (as "exit" does), so a
 * module whose staprun died is left inert.
 *
 * Module to staprun records (ctl):
 *
 *   STARTED       payload: ASCII decimal status, "0" = all probes armed
 *   WARNING       payload: message text without "WARNING: " or newline
 *   ERROR         payload: message text without "ERROR: " or newline
 *   EXIT_REQUEST  no payload: the script called exit() or the session
 *                 failed; staprun answers with "exit"
 *   DONE          no payload: the session is STOPPED; drain data to EOF
 *   LOST          payload: ASCII decimal count of WARNING/ERROR records
 *                 dropped because the control ring was full
 *   SYSTEM        payload: a command for /bin/sh -c (the script's system());
 *                 staprun starts it, without waiting, once the output made
 *                 before it is out
 *
 * A WARNING, ERROR or SYSTEM record names its place in the data stream
 * (data_pos), and data stops there until the record was read from ctl:
 * staprun, reading ctl and writing out the data up to data_pos as one
 * step, prints each message between the output made before it and the
 * output made after it.
 *
 * Output that could not be stored because the data ring was full is
 * counted and reported at the end as the warning "There were N transport
 * failures. ..." (never dropped silently).
 */
#ifndef CTAP_KMOD_TRANSPORT_PROTO_H
#define CTAP_KMOD_TRANSPORT_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define CTAP_PROC_PREFIX "ctap_"	/* /proc/ctap_NAME */

enum ctap_msg_type {
	CTAP_MSG_STARTED = 1,
	CTAP_MSG_WARNING = 2,
	CTAP_MSG_ERROR = 3,
	CTAP_MSG_EXIT_REQUEST = 4,
	CTAP_MSG_DONE = 5,
	CTAP_MSG_LOST = 6,
	CTAP_MSG_SYSTEM = 7,
};

struct ctap_msg_hdr {
	uint32_t type;	/* enum ctap_msg_type */
	uint32_t len;	/* payload bytes that follow */
	/* WARNING, ERROR: bytes of data the module had written when the
	 * record was made, counted from the first byte the current data
	 * reader saw (0: before it); staprun writes out that much output
	 * before the message, so both keep the order a handler made them in */
	uint64_t data_pos;
};

/* Longest payload a record carries; a ctl read buffer of this many bytes
 * plus a header always holds at least one record. */
#define CTAP_MSG_MAX 2048

#endif
