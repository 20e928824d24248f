/* kprobe: the data of kernel.function / kprobe.function derived probes. */
#ifndef CTAP_PROBES_KPROBE_H
#define CTAP_PROBES_KPROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/family.h"
#include "target/target.h"

struct kprobe_data {
	const char *symbol;
	uint64_t addr;                          /* 0 when addresses are hidden */
	bool is_return;
	int64_t maxactive;                      /* -1: default (KRETACTIVE) */
	bool dwarfless;                         /* kprobe.function: no $vars */
	const struct target_func_proto *proto;  /* from BTF, or NULL */
};

extern const struct probe_family kprobe_family;

#endif
