#!/bin/sh
# kmod_build_bench: what passes 1-4 of the kernel-module back end cost for a
# hello-world script, side by side with the floor, a bare kbuild of a
# trivial module (module_init returning 0) in a fresh directory, against
# the same kernel build tree; plus the cache-hit time and the one-time
# cost of compiling the runtime object (runs with a fresh SYSTEMTAP_DIR).
#
# Runs alternate (floor, stap, floor, stap...) so both see the same load;
# prints medians of N runs, CPU milliseconds of the whole process tree
# (perf's task-clock, or user+sys from time(1) without perf) and wall
# milliseconds, and the ratio stap/floor of each.  Each stap run compiles
# a script of its own (a different string), so it misses the module
# cache; the runtime object, compiled once per kernel and flags, is warm.
# Asserts nothing.
#
# usage: bench/kmod_build_bench.sh [BUILDDIR] [N] [RELEASE]
set -u
. "$(dirname "$0")/lib.sh"
builddir=${1:-${CTAP_BUILDDIR:-.}}
n=${2:-7}
rel=${3:-$("$(dirname "$0")/../testsuite/vm/guest-kernel")}
stap=$builddir/stap
kb=/lib/modules/$rel/build
[ -x "$stap" ] || { echo "kmod_build_bench: no $stap (build first)" >&2; exit 2; }
[ -d "$kb" ] || { echo "kmod_build_bench: no build tree $kb" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-kmod-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export SYSTEMTAP_DIR=$tmp/systemtap

# measure CMD... -> "CPU_MS WALL_MS" of one run
if command -v perf >/dev/null 2>&1 && perf stat -e task-clock true >/dev/null 2>&1; then
	measure() {
		t0=$(date +%s%N)
		cpu=$(perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }')
		t1=$(date +%s%N)
		echo "${cpu%.*} $(( (t1 - t0) / 1000000 ))"
	}
else
	measure() {
		t0=$(date +%s%N)
		cpu=$( { /usr/bin/time -f '%U %S' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1 |
			awk '{ printf "%d", ($1 + $2) * 1000 }')
		t1=$(date +%s%N)
		echo "$cpu $(( (t1 - t0) / 1000000 ))"
	}
fi


floor_build() { # a trivial module in a fresh directory
	d=$tmp/floor.$1
	mkdir -p "$d"
	cat >"$d/triv.c" <<'EOF'
#include <linux/module.h>
#include <linux/init.h>
static int __init triv_init(void) { return 0; }
static void __exit triv_exit(void) { }
module_init(triv_init);
module_exit(triv_exit);
MODULE_LICENSE("GPL");
EOF
	echo 'obj-m := triv.o' >"$d/Kbuild"
	measure make -s -C "$kb" M="$d" modules
	rm -rf "$d"
}

stap_build() { # passes 1-4 of a hello world of its own
	measure "$stap" --runtime=kernel -r "$rel" -p4 \
		-e "probe begin { println(\"hello world $1\"); exit() }"
}

# one-time costs: the runtime object, then warm-up
first=$(stap_build cold)
i=0
while [ $i -lt "$n" ]; do
	floor_build $i >>"$tmp/floor"
	stap_build $i >>"$tmp/stap"
	i=$((i + 1))
done
"$stap" --runtime=kernel -r "$rel" -p4 -e 'probe begin { println("hello world"); exit() }' >/dev/null
i=0
while [ $i -lt "$n" ]; do
	measure "$stap" --runtime=kernel -r "$rel" -p4 \
		-e 'probe begin { println("hello world"); exit() }' >>"$tmp/hit"
	i=$((i + 1))
done

fc=$(cut -d' ' -f1 "$tmp/floor" | median); fw=$(cut -d' ' -f2 "$tmp/floor" | median)
sc=$(cut -d' ' -f1 "$tmp/stap" | median); sw=$(cut -d' ' -f2 "$tmp/stap" | median)
hc=$(cut -d' ' -f1 "$tmp/hit" | median); hw=$(cut -d' ' -f2 "$tmp/hit" | median)
echo "kernel $rel, median of $n runs (CPU ms / wall ms)"
echo "  floor: bare kbuild of a trivial module  $fc / $fw"
echo "  stap -p4 hello world (cache miss)       $sc / $sw"
awk -v sc="$sc" -v fc="$fc" -v sw="$sw" -v fw="$fw" \
	'BEGIN { printf "  ratio stap/floor                       %.2fx CPU, %.2fx wall (aim <= 1.30x)\n", sc / fc, sw / fw }'
echo "  stap -p4 hello world (cache hit)        $hc / $hw"
echo "  first build with an empty cache (compiles the runtime object): ${first% *} / ${first#* }"
