#!/usr/bin/env bash
# runtime_common_kbuild_test: proves that runtime/common builds as kernel
# code.  Copies every runtime/common source into a throwaway kbuild module,
# together with a probe file that includes a broad set of kernel headers
# next to all runtime/common headers (so a name clash with the kernel's
# namespace fails here, not in a generated module), and builds it with
# kbuild (W=1).  Any warning or error (compiler, objtool, modpost) fails
# the test.
#
# Kernel tree: $CTAP_KBUILD_DIR, else the VM guest kernel's
# (testsuite/vm/guest-kernel), else /lib/modules/$(uname -r)/build.  Exit 77 only when none is installed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=${CTAP_SRCDIR:-$(cd "$here/../.." && pwd -P)}
common=$srcdir/runtime/common

kdir=""
guest=$("$srcdir/testsuite/vm/guest-kernel" 2>/dev/null)
for d in "${CTAP_KBUILD_DIR:-}" ${guest:+"/lib/modules/$guest/build"} "/lib/modules/$(uname -r)/build"; do
	if [ -n "$d" ] && [ -f "$d/Makefile" ]; then
		kdir=$d
		break
	fi
done
if [ -z "$kdir" ]; then
	echo "no kernel build tree installed (linux-headers); cannot run kbuild"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-kbuild.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/common"
cp "$common"/*.c "$common"/*.h "$tmp/common/" || exit 1

objs=""
for f in "$common"/*.c; do
	objs="$objs common/$(basename "${f%.c}").o"
done

cat >"$tmp/Kbuild" <<EOF
obj-m := ctap_common_kbuild.o
ctap_common_kbuild-y := probe.o $objs
ccflags-y := -I\$(src) -Werror
EOF

# The probe: kernel headers a generated module is likely to pull in, all of
# runtime/common's headers, and calls that make every object part of the
# module (so modpost sees unresolved symbols, e.g. a libgcc division).
cat >"$tmp/probe.c" <<'EOF'
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/kprobes.h>
#include <linux/uprobes.h>
#include <linux/sched.h>
#include <linux/fs.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include <linux/uaccess.h>
#include <linux/seq_file.h>
#include <linux/trace_seq.h>
#include <linux/tracepoint.h>
#include <linux/perf_event.h>
#include <linux/ftrace.h>
#include <linux/ctype.h>
#include <linux/math64.h>
#include <linux/hrtimer.h>
#include <linux/kallsyms.h>
#include <linux/stacktrace.h>
#include <linux/relay.h>
#include <linux/debugfs.h>
#include <linux/proc_fs.h>

#include "common/compat.h"
#include "common/fmt_spec.h"
#include "common/outbuf.h"
#include "common/format.h"
#include "common/escape.h"
#include "common/stats.h"
#include "common/hist_print.h"
#include "common/display.h"
#include "common/sort.h"
#include "common/submatch.h"

static char ctap_kbuild_buf[256];
static char ctap_kbuild_str[512];
static struct {
	struct stats_acc acc;
	int64_t buckets[STATS_LOG_BUCKETS];
} ctap_kbuild_acc;
static int64_t ctap_kbuild_merged[STATS_LOG_BUCKETS];
static struct sort_item ctap_kbuild_items[4], ctap_kbuild_scratch[4];
static struct submatch_state ctap_kbuild_match;

static int ctap_kbuild_read(void *arg, void *dst, uint64_t addr, uint32_t len, int user)
{
	return copy_from_kernel_nofault(dst, (const void *)(uintptr_t)addr, len) ? -EFAULT : 0;
}

static int __init ctap_kbuild_init(void)
{
	struct outbuf ob;
	struct format_mem mem = { ctap_kbuild_read, NULL, 0 };
	struct fmt_arg args[2];
	struct stats_desc d;
	struct stats_agg g;
	struct hist_params hp = { HIST_WIDTH_DEFAULT, HIST_ELISION_DEFAULT };
	int64_t v = 0;

	args[0] = fmt_arg_long(42);
	args[1] = fmt_arg_str("x");
	outbuf_init(&ob, ctap_kbuild_buf, sizeof ctap_kbuild_buf);
	format_printf(&ob, "%d %s\n", 6, args, 2, &mem);
	format_print(&ob, args, 2, ",", 1, 1);
	escape_text(ctap_kbuild_str, "a\tb", 0, 0, ESCAPE_F_QUOTED, sizeof ctap_kbuild_str);
	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 1, STATS_WANT_VARIANCE,
			STATS_MAX_BUCKETS_DEFAULT);
	stats_acc_clear(&d, &ctap_kbuild_acc.acc);
	stats_add(&d, &ctap_kbuild_acc.acc, 5);
	stats_agg_init(&d, &g, ctap_kbuild_merged);
	stats_agg_add(&d, &g, &ctap_kbuild_acc.acc);
	stats_variance(&d, &g, &v);
	hist_print(&ob, &d, &g, &hp);
	display_stats(&ob, "s", NULL, 0, &g);
	sort_items(ctap_kbuild_items, ctap_kbuild_scratch, 4, 1);
	submatch_begin(&ctap_kbuild_match, 0);
	return -EINVAL; /* never meant to be loaded */
}

module_init(ctap_kbuild_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctap runtime/common kbuild check (never loaded)");
EOF

log=$tmp/build.log
# Run kbuild as its own make: under `make check` the outer make's
# MAKEFLAGS (jobserver, command-line variables) would leak into it.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	make -C "$kdir" M="$tmp" W=1 modules >"$log" 2>&1
rc=$?
if [ $rc != 0 ] || grep -qi 'warning' "$log"; then
	grep -v 'Skipping BTF generation' "$log" | tail -40
	echo "kbuild of runtime/common failed (status $rc) against $kdir"
	exit 1
fi
if [ ! -f "$tmp/ctap_common_kbuild.ko" ]; then
	tail -20 "$log"
	echo "kbuild produced no module"
	exit 1
fi
echo "runtime/common builds as a kernel module against $kdir"
exit 0
