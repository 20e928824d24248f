#!/bin/sh
# target_bench: what compiler/target costs pass 2, per source, for the
# running kernel and for -r <Debian kernel> (first run: BTF and symbols
# extracted from the XZ vmlinuz; second run: from the cache).  Prints
# milliseconds; asserts nothing.
#
# usage: bench/target_bench.sh [BUILDDIR] [RELEASE]
set -u
builddir=${1:-${CTAP_BUILDDIR:-.}}
release=${2:-$("$(dirname "$0")/../testsuite/vm/guest-kernel")}
tool=$builddir/ctap-target
[ -x "$tool" ] || { echo "target_bench: no $tool (build first)" >&2; exit 2; }
cache=$(mktemp -d "${TMPDIR:-/tmp}/ctap-bench-cache.XXXXXX")
trap 'rm -rf "$cache"' EXIT

echo "== running kernel ($(uname -r))"
"$tool" --no-cache bench
echo "   raw read of /proc/kallsyms: $( { /usr/bin/time -f %e cat /proc/kallsyms >/dev/null; } 2>&1 ) s"

if [ -e "/boot/vmlinuz-$release" ]; then
	echo "== -r $release, first run (empty cache: decompress vmlinuz, extract BTF + kallsyms)"
	"$tool" -r "$release" --cache "$cache" bench
	echo "== -r $release, second run (cached)"
	"$tool" -r "$release" --cache "$cache" bench
	echo "== -r $release, listing every tracepoint with arguments (-L style)"
	start=$(date +%s%N)
	n=$("$tool" -r "$release" --cache "$cache" -L tracepoints '*' | wc -l)
	echo "   $n tracepoints in $(( ($(date +%s%N) - start) / 1000000 )) ms (whole process)"
else
	echo "== -r $release: not installed, skipped"
fi
