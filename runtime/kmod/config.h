/*
 * config: the run-time limits a generated module may override with
 * `stap -D NAME=VAL` (language.md §12), with their defaults.  Everything
 * else in the runtime reads limits from here only.
 *
 * Invariant: every macro is a plain integer constant expression, so it can
 * size arrays and appear in #if.
 */
#ifndef CTAP_KMOD_CONFIG_H
#define CTAP_KMOD_CONFIG_H

#include <linux/types.h>

/* Size of every string buffer, NUL included. */
#ifndef MAXSTRINGLEN
#if BITS_PER_LONG == 64
#define MAXSTRINGLEN 512
#else
#define MAXSTRINGLEN 256
#endif
#endif

/* Capacity of an array declared without a size. */
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048
#endif

/* log2 adjustment of the hash table size of every array. */
#ifndef MAPHASHBIAS
#define MAPHASHBIAS 0
#endif

/* 0 runs every handler with interrupts off (and the smaller budget). */
#ifndef INTERRUPTIBLE
#define INTERRUPTIBLE 1
#endif

/* Statement budget of one probe hit. */
#ifndef MAXACTION
#define MAXACTION 1000
#endif
#ifndef MAXACTION_INTERRUPTIBLE
#define MAXACTION_INTERRUPTIBLE (MAXACTION * 10)
#endif
#if INTERRUPTIBLE
#define CTAP_ACTION_BUDGET MAXACTION_INTERRUPTIBLE
#else
#define CTAP_ACTION_BUDGET MAXACTION
#endif

/* Function call depth; the translator normally computes and defines it. */
#ifndef MAXNESTING
#define MAXNESTING 10
#endif

/* Attempts (each TRYLOCKDELAY microseconds apart) to take a global's lock. */
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 100
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10
#endif

/* Errors tolerated before the session stops; skipped hits likewise. */
#ifndef MAXERRORS
#define MAXERRORS 0
#endif
#ifndef MAXSKIPPED
#define MAXSKIPPED 100
#endif

/* Free kernel stack bytes a hit needs, else it is skipped. */
#ifndef MINSTACKSPACE
#define MINSTACKSPACE 1024
#endif

#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20
#endif

/* Concurrent instances of one .return probe (0: max(15, 6 * CPUs)). */
#ifndef KRETACTIVE
#define KRETACTIVE 0
#endif

/* Overload detection: > THRESHOLD cycles in probes per INTERVAL cycles. */
#ifndef STP_OVERLOAD_THRESHOLD
#define STP_OVERLOAD_THRESHOLD 500000000LL
#endif
#ifndef STP_OVERLOAD_INTERVAL
#define STP_OVERLOAD_INTERVAL 1000000000LL
#endif

/* Histogram printing: bar columns, empty rows elided around data. */
#ifndef HIST_WIDTH
#define HIST_WIDTH 50
#endif
#ifndef HIST_ELISION
#define HIST_ELISION 2
#endif

/* Histogram bucket limit (@hist_linear). */
#ifndef STP_MAX_BUCKETS
#define STP_MAX_BUCKETS 128
#endif

/* Per-CPU print buffer: one handler's output is shipped in pieces this big. */
#ifndef STP_BUFFER_SIZE
#define STP_BUFFER_SIZE 8192
#endif

/* Transport: default data ring in MB (staprun -b overrides), control ring. */
#ifndef CTAP_DATA_RING_MB
#define CTAP_DATA_RING_MB 2
#endif
#ifndef CTAP_CTL_RING_SIZE
#define CTAP_CTL_RING_SIZE (64 * 1024)
#endif

/* Most keys an array may have. */
#define CTAP_MAX_KEYS 9

#endif
