/*
 * runtime.c: the runtime's implementation, included once at the end of a
 * generated module (see runtime.h), together with the runtime/common code
 * it builds on.
 */
#include "common/outbuf.c"
#include "common/fmt_spec.c"
#include "common/format.c"
#include "common/stats.c"
#include "common/escape.c"
#include "common/hist_print.c"
#include "common/display.c"
#include "common/sort.c"

#include "kmod/ring.c"
#include "kmod/transport.c"
#include "kmod/print.c"
#include "kmod/context.c"
#include "kmod/session.c"
#include "kmod/error.c"
#include "kmod/lock.c"
#include "kmod/probe.c"
#include "kmod/probe_timer.c"
#include "kmod/probe_tracepoint.c"
#include "kmod/probe_kprobe.c"
#include "kmod/probe_perf.c"
#include "kmod/map.c"
#include "kmod/map_sort.c"
#include "kmod/stat.c"
#include "kmod/pmap.c"
#include "kmod/str.c"
#include "kmod/memread.c"
#include "kmod/timing.c"
#include "kmod/module.c"
