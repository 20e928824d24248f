/* tracepoint: the data of kernel.trace() derived probes. */
#ifndef CTAP_PROBES_TRACEPOINT_H
#define CTAP_PROBES_TRACEPOINT_H

#include "elab/family.h"
#include "target/target.h"

struct tracepoint_data {
	const struct target_tracepoint *tp;
};

extern const struct probe_family tracepoint_family;

#endif
