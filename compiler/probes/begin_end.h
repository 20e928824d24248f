/* begin_end: the data of begin/end/error/never derived probes. */
#ifndef CTAP_PROBES_BEGIN_END_H
#define CTAP_PROBES_BEGIN_END_H

#include <stdint.h>

#include "elab/family.h"

enum begin_end_kind { BE_BEGIN, BE_END, BE_ERROR, BE_NEVER };

struct begin_end_data {
	enum begin_end_kind kind;
	int64_t sequence;
};

extern const struct probe_family begin_end_family;

#endif
