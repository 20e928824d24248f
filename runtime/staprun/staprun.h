/*
 * staprun.h: shared declarations of ctap's staprun, the loader and
 * session driver for ctap kernel modules (runtime/kmod).  One file per
 * job: options.c (command line), modload.c (insert/remove), child.c (-c),
 * output.c (-o/-S), ctl.c (control channel), session.c (the run itself),
 * main.c (order of events).
 *
 * Conventions: functions report their own errors with msg_error() and
 * return -1; the exit status is 1 whenever an ERROR line was printed.
 */
#ifndef CTAP_STAPRUN_H
#define CTAP_STAPRUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

#define STAPRUN_MODULE_NAME_MAX 55	/* kernel MODULE_NAME_LEN - 1 */

struct options {
	int verbose;			/* -v (repeatable) */
	bool quiet_warnings;		/* -w */
	const char *command;		/* -c CMD */
	pid_t target;			/* -x PID */
	const char *output;		/* -o FILE (strftime pattern) */
	unsigned bufsize_mb;		/* -b N, 0: module default */
	bool load_only;			/* -L: start, then detach */
	bool attach;			/* -A: attach to a loaded module */
	bool delete_mod;		/* -d: remove a module */
	bool daemon;			/* -D: background, needs -o */
	const char *split;		/* -S SIZE[,N] */
	long long split_bytes;
	int split_files;		/* 0: unlimited */
	int color;			/* -C: 0 never, 1 always, 2 auto */
	int reader_timeout_ms;		/* -T */
	const char *remote;		/* -r N:URI */
	const char *module_arg;		/* MODULE as given */
	char **mod_options;		/* name=value ... after MODULE */
	int n_mod_options;
};

/* options.c */
int options_parse(struct options *o, int argc, char **argv);
void options_usage(FILE *f);

/* msg.c: `ERROR: ...`, `WARNING: ...` on stderr */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_verbose(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_setup(const struct options *o);
/* A WARNING or ERROR record of the module (text without the prefix). */
void msg_module(bool error, const char *text, size_t len);
extern bool msg_failed;		/* an ERROR was printed */

/* modload.c */
struct module_file {
	char path[4096];
	char name[64];			/* name the kernel will know it by */
};
int modload_resolve(const char *arg, struct module_file *m);
int modload_insert(const struct module_file *m, const struct options *o);
int modload_remove(const char *name);
bool modload_is_loaded(const char *name);

/* child.c: -c CMD, held until released */
pid_t child_spawn(const char *command);
/* The script's system(command): /bin/sh -c command, not waited for (a
 * grandchild, so nothing is left to reap). */
void child_system(const char *command);
void child_release(void);
void child_kill(int sig);
/* 1 and *status if the child ended (reaped), 0 if running, -1 if none */
int child_poll(int *status);
void child_report(int status);

/* output.c */
int output_open(const struct options *o);
int output_write(const void *p, size_t n);
void output_request_switch(void);	/* SIGUSR2: next file at the next write */
void output_close(void);

/* reader.c: the output channel, copied to the output by a thread */
int reader_open(const char *modname);
int reader_start(void);
/* Control records are read and handled under this lock (see reader.c). */
void reader_lock(void);
void reader_unlock(void);
/* Writes out the module's output up to byte data_pos (as far as it is
 * there now; reader_lock held): before a message of the control channel,
 * the output that came before it. */
void reader_fence(uint64_t data_pos);
void reader_stop(bool until_eof);
int reader_close(void);	/* -1 if the output could not be written */

/* ctl.c: the control channel */
struct ctl_state {
	int fd;
	bool started;
	int started_status;
	bool exit_requested;
	bool done;			/* DONE seen, or no more records can come */
	bool broken;			/* the channel failed: output will not end */
};
int ctl_command(struct ctl_state *s, const char *cmd);
/* Reads and handles available records; -1 on a read error. */
int ctl_drain(struct ctl_state *s);

/* session.c: signals are caught (into a self-pipe) from before the
 * module is inserted, so none can end staprun with the module loaded. */
int session_signals(void);
/* Runs the session; 1: the module must stay loaded (detached), 0: done,
 * -1: failed (the caller removes the module in both of the latter). */
int session_run(const struct options *o, const char *modname, bool loaded_here);

#endif
