/*
 * sessions: the BPF sessions running detached (-F), for `stap
 * --list-sessions`.  A detached session keeps one file, named by its
 * process ID, in the sessions directory (/run/ctap/sessions, or
 * $CTAP_SESSIONS_DIR) and removes it when it ends; the file of a process
 * that is gone (killed with SIGKILL: no end probes, no removal) is
 * dropped by the next listing.  A session is stopped as the detach
 * message says: SIGTERM or SIGINT to its process.
 */
#ifndef CTAP_BPF_SESSIONS_H
#define CTAP_BPF_SESSIONS_H

#include <stdbool.h>
#include <stdio.h>

/* This process's entry: what it runs (a script's path, or -e's text) and
 * where its output goes.  -errno if the directory cannot be written. */
int sessions_register(const char *script, const char *output);
/* Removes this process's entry (nothing if it has none). */
void sessions_unregister(void);
/* Prints the live sessions, one line each under a header; false (with a
 * message on stderr) if the directory cannot be read. */
bool sessions_list(FILE *out);

#endif
