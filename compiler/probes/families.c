/*
 * families: the list of probe-point families (families.h).  Adding a
 * family is adding its file here and to probes/Makefile.inc.
 */
#include "probes/families.h"

#include "probes/begin_end.h"
#include "probes/kprobe.h"
#include "probes/netfilter.h"
#include "probes/perf.h"
#include "probes/process.h"
#include "probes/procfs.h"
#include "probes/timer.h"
#include "probes/tracepoint.h"

const struct probe_family *const probe_families[] = {
	&begin_end_family,
	&timer_family,
	&timer_profile_family,
	&tracepoint_family,
	&kprobe_family,
	&process_family,
	&procfs_family,
	&perf_family,
	&netfilter_family,
	NULL,
};
