/*
 * perf: the data of perf.type(T).config(C)... derived probes (probes.md
 * §2.9), and @perf("NAME") checking.
 *
 * A sampling probe (no .counter) runs its handler every `period` events
 * (or `freq` times a second) on every CPU, or only in `process` when
 * given.  A counter probe (.counter("NAME")) never runs its handler: it
 * counts events in its process for @perf("NAME") reads from process
 * probes of that same process.
 */
#ifndef CTAP_PROBES_PERF_H
#define CTAP_PROBES_PERF_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/family.h"

#define PERF_DEFAULT_PERIOD 1000000

struct perf_data {
	int64_t type;            /* perf_event_attr.type */
	int64_t config;          /* perf_event_attr.config */
	int64_t period;          /* sample_period; 0 for counters */
	int64_t freq;            /* .hz(F): sample_freq (attr.freq = 1), else 0 */
	const char *process;     /* canonical executable, or NULL = system-wide */
	const char *counter;     /* .counter("NAME"), or NULL */
};

/* The counter probe @perf("NAME") in dp reads, or NULL. */
struct derived_probe *perf_counter_probe(const struct program *p, const char *name);

extern const struct probe_family perf_family;

#endif
