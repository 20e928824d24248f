/*
 * tpstack: the address ranges of a tracepoint event's BPF machinery, from
 * kallsyms (see tpstack.h).
 */
#include "bpf/tpstack.h"

#include <stdio.h>
#include <string.h>

static void range_of(const struct ksyms *ks, const char *prefix, const char *event, uint64_t *out)
{
	char name[256];
	out[0] = out[1] = 0;
	if (snprintf(name, sizeof name, "%s%s", prefix, event) >= (int)sizeof name)
		return;
	const struct ksym *s = ksyms_find(ks, name);
	if (s) {
		out[0] = s->addr;
		out[1] = s->size;
	}
}

void tpstack_ranges(const struct ksyms *ks, const char *event, uint64_t out[2 * TPSTACK_RANGES])
{
	range_of(ks, "__bpf_trace_", event, out);
	range_of(ks, "__traceiter_", event, out + 2);
}
