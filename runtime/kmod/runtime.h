/*
 * runtime.h: everything a generated module uses, in one include.  A
 * generated module is a single translation unit:
 *
 *   #include "kmod/runtime.h"     (with -I <runtime dir>)
 *   ... globals, locals, handlers, probe tables, _ctap_module ...
 *   #include "kmod/runtime.c"
 *
 * See runtime/kmod/README.md for the contract.
 */
#ifndef CTAP_KMOD_RUNTIME_H
#define CTAP_KMOD_RUNTIME_H

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/ptrace.h>
#include <linux/sched.h>

#include "kmod/config.h"
#include "common/compat.h"
#include "common/outbuf.h"
#include "common/fmt_spec.h"
#include "common/format.h"
#include "common/stats.h"
#include "common/escape.h"
#include "common/hist_print.h"
#include "common/display.h"
#include "common/sort.h"

#include "kmod/session.h"
#include "kmod/context.h"
#include "kmod/error.h"
#include "kmod/arith.h"
#include "kmod/lock.h"
#include "kmod/probe.h"
#include "kmod/families.h"
#include "kmod/module.h"
#include "kmod/map.h"
#include "kmod/stat.h"
#include "kmod/pmap.h"
#include "kmod/str.h"
#include "kmod/memread.h"
#include "kmod/quote.h"
#include "kmod/regex.h"
#include "kmod/clock.h"
#include "kmod/print.h"
#include "kmod/sym.h"
#include "kmod/usym.h"
#include "kmod/env.h"

/* -G NAME=VALUE: a scalar global settable at load. */
#define CTAP_PARAM_LONG(name, var) module_param_named(name, var, long, 0)
#define CTAP_PARAM_STRING(name, var) module_param_string(name, var, sizeof(var), 0)

#endif
