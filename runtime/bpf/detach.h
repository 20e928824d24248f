/*
 * detach: -F (flight recorder) on the BPF back end.  Once the probes are
 * attached, the stap process forks: the parent prints the background
 * process's ID on stdout (as staprun -D does), says on stderr how to stop
 * it, and exits 0; the child, in a session of its own with stdin and
 * stdout on /dev/null, and stderr too unless it is a regular file (so that
 * `stap -F -o out 2>>log` keeps the run-time messages and -S's report of
 * removed files), goes on with the session loop, holding the
 * only references to the programs, links, maps and ring buffer (fork
 * duplicates the descriptors; the parent's copies close when it exits).
 * SIGTERM or SIGINT to the child ends the session as they end a
 * foreground one: detach, drain, end probes, output flushed.
 */
#ifndef CTAP_BPF_DETACH_H
#define CTAP_BPF_DETACH_H

/* Returns 0 in the background process; never returns in the parent;
 * -errno if it could not fork (still in the foreground). */
int detach_background(void);

#endif
