#!/bin/sh
# tapset_bench: what the tapset library costs pass 1 (every run parses all
# of it): milliseconds per `stap -p1` of an empty script with the whole
# library, with the library minus each big file, and with no library
# (library macros only); SystemTap 4.8's pass 1 beside it when installed.
# Prints medians of N runs in CPU milliseconds (perf's task-clock: the
# machines are shared, wall time is noise); asserts nothing.
#
# usage: bench/tapset_bench.sh [BUILDDIR] [N]
set -u
builddir=${1:-${CTAP_BUILDDIR:-.}}
n=${2:-21}
stap=$builddir/stap
here=$(cd "$(dirname "$0")/.." && pwd -P)
[ -x "$stap" ] || { echo "tapset_bench: no $stap (build first)" >&2; exit 2; }
command -v perf >/dev/null || { echo "tapset_bench: needs perf (task-clock)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-tapset-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cpu_ms() { # cpu_ms CMD... -> CPU milliseconds of one run (perf's task-clock)
	perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }'
}

median_ms() { # median_ms TAPSET_DIR -> median CPU ms (user+sys) of n runs of pass 1
	i=0
	while [ $i -lt "$n" ]; do
		SYSTEMTAP_TAPSET=$1 cpu_ms "$stap" -p1 -e 'probe begin {}'
		i=$((i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }'
}

lib=$here/tapset
full=$(median_ms "$lib")
mkdir -p "$tmp/none"
cp "$lib"/*.stpm "$tmp/none/"
none=$(median_ms "$tmp/none")
echo "pass 1, whole library ($(find "$lib" -name '*.stp' | wc -l) files, $(cat $(find "$lib" -name '*.stp' -o -name '*.stpm') | wc -c) bytes): $full ms; library macros only: $none ms"
for f in linux/x86_64/syscalls_generic.stp linux/x86_64/syscalls.stp linux/x86_64/syscall_table.stp \
	 linux/x86_64/syscall_strings.stp linux/conversions.stp linux/errno.stp; do
	rm -rf "$tmp/minus" && cp -r "$lib" "$tmp/minus" && rm "$tmp/minus/$f"
	echo "  without $f: $(median_ms "$tmp/minus") ms"
done
rel=$("$(dirname "$0")/../testsuite/vm/guest-kernel" 2>/dev/null)
if command -v /usr/bin/stap >/dev/null && [ -n "$rel" ]; then
	t=$(cpu_ms /usr/bin/stap -r "$rel" -p1 -e 'probe begin {}')
	echo "SystemTap 4.8 pass 1 (one run): $t ms"
fi
