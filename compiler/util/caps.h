/*
 * caps: the effective capabilities of this process (CapEff in
 * /proc/self/status), for the driver's up-front privilege check and the
 * BPF loader's explanations of EPERM.
 */
#ifndef CTAP_CAPS_H
#define CTAP_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#define CAPS_SYS_ADMIN 21
#define CAPS_PERFMON 38
#define CAPS_BPF 39

/* the CapEff mask; false if /proc cannot say (then assume nothing) */
bool caps_effective(uint64_t *mask);
bool caps_has(uint64_t mask, int cap);
/* /proc/sys/kernel/unprivileged_bpf_disabled (0, 1 or 2), or -1 */
int caps_unprivileged_bpf_disabled(void);

#endif
