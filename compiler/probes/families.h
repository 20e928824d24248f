/*
 * families: every probe-point family of the compiler, in the order their
 * patterns are registered (the driver hands this list to elaborate()).
 */
#ifndef CTAP_PROBES_FAMILIES_H
#define CTAP_PROBES_FAMILIES_H

#include "elab/family.h"

/* NULL-terminated */
extern const struct probe_family *const probe_families[];

#endif
