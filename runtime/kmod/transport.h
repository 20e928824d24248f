/*
 * transport: the two channels between the module and staprun (protocol in
 * transport_proto.h): /proc/ctap_NAME/data carries the script's output,
 * /proc/ctap_NAME/ctl carries commands in and warnings, errors and session
 * events out.
 *
 * Writers in probe context use _ctap_transport_data() (whole print-buffer
 * flushes) and _ctap_transport_msg() (one WARNING/ERROR record); neither
 * sleeps, allocates or wakes a task directly.  Session events that must
 * never be lost (started, exit requested, done) are flags turned into
 * records by the reader, not ring entries, so a full ring cannot lose
 * them.
 */
#ifndef CTAP_KMOD_TRANSPORT_H
#define CTAP_KMOD_TRANSPORT_H

#include <linux/types.h>
#include "kmod/transport_proto.h"

/* Creates the rings (data ring of bufsize_mb MB) and the /proc files. */
int _ctap_transport_init(unsigned int bufsize_mb);
/* Removes the files (waking and ending any reader) and frees the rings. */
void _ctap_transport_exit(void);

/* Appends output; a refused piece is counted as a transport failure. */
void _ctap_transport_data(const char *p, u32 n);

/* Appends a WARNING or ERROR record (text without prefix or newline). */
void _ctap_transport_msg(u32 type, const char *text, u32 len);

/* Session events, delivered in this order after pending records. */
void _ctap_transport_started(int status);
void _ctap_transport_exit_request(void);
void _ctap_transport_done(void);

/* Data pieces refused so far because the data ring was full. */
int _ctap_transport_failures(void);
/* Size of the data ring in MB, for the failure warning. */
unsigned int _ctap_transport_bufsize_mb(void);

#endif
