#!/bin/bash
# bpf_stack_bench: what kernel stacks cost per event on the BPF back end
# (compiler/bpf/lower_stack.c: bpf_get_stack, addresses into the string,
# named in user space), side by side in one run, ROUNDS times, min and
# median (HACKING.md: performance is measured here, never asserted).
#
#  base      probe kernel.trace("syscalls:sys_enter_getppid") { n++ }
#  capture   the same + last = backtrace()          (bpf_get_stack, encoding)
#  print     the same + print_backtrace(), -o /dev/null (capture, a 512-byte
#            record, user space naming every frame and writing the lines)
#
#  per event  ns per getppid() with the tracer minus ns with `base`;
#  program    instructions (-p3) and the load time pass 5 reports.
#
# usage: bench/bpf_stack_bench.sh [BUILDDIR] [ROUNDS]     (as root)
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
. "$srcdir/bench/lib.sh"
builddir=${1:-${CTAP_BUILDDIR:-.}}
rounds=${2:-3}
N=${N:-200000}
stap=$builddir/stap
[ -x "$stap" ] || { echo "bpf_stack_bench: no $stap (build first)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-stack-bench.XXXXXX")
trap 'rm -rf "$work"; kill $(jobs -p) 2>/dev/null' EXIT
${CC:-cc} -std=gnu11 -O2 -o "$work/eb" "$srcdir/bench/bpf_event_bench.c" -lbpf || exit 2
eb=$work/eb

body() { # NAME EXTRA
	cat >"$work/$1.stp" <<STP
global n, last
probe kernel.trace("syscalls:sys_enter_getppid") {
	n++
	$2
}
probe end { printf("%s\n", n > 0 ? "ok" : "none") > "/dev/stderr" }
STP
}
body base ""
body capture "last = backtrace()"
body print "print_backtrace()"


run() { # TAG
	local out=$work/$1.log pid
	"$stap" -vv --runtime=bpf -o /dev/null "$work/$1.stp" >"$out" 2>&1 & pid=$!
	for _ in $(seq 1 500); do grep -q "probes are live" "$out" && break; sleep 0.02; done
	grep -q "probes are live" "$out" || { echo "bpf_stack_bench: $1 never went live" >&2; cat "$out" >&2; return 1; }
	"$eb" loop "$N" >>"$work/ns.$1"
	kill -INT "$pid"; wait "$pid" 2>/dev/null
	sed -n 's/.*loaded [0-9]* programs ([0-9]* instructions) in \([0-9.]*\) ms.*/\1/p' "$out" >>"$work/load.$1"
}

echo "== kernel stacks per getppid(), $N calls, $rounds rounds ($(uname -r))"
for r in $(seq 1 "$rounds"); do
	"$eb" loop "$N" >>"$work/ns.none"
	for t in base capture print; do
		run $t || exit 1
	done
done
printf "%-8s %12s %12s %14s %14s %7s %8s\n" probe "min ns/call" "med ns/call" "cost (min)" \
	"cost (med)" insns "load ms"
for t in base capture print; do
	insns=$("$stap" -p3 --runtime=bpf "$work/$t.stp" | sed -n 's/^; program .*, \([0-9]*\) instructions.*/\1/p' | head -1)
	printf "%-8s %12s %12s %14.1f %14.1f %7s %8s\n" "$t" "$(minimum <"$work/ns.$t")" \
		"$(median <"$work/ns.$t")" \
		"$(echo "$(minimum <"$work/ns.$t") - $(minimum <"$work/ns.base")" | bc -l)" \
		"$(echo "$(median <"$work/ns.$t") - $(median <"$work/ns.base")" | bc -l)" \
		"$insns" "$(median <"$work/load.$t")"
done
printf "%-8s %12s %12s   (no tracer)\n" none "$(minimum <"$work/ns.none")" "$(median <"$work/ns.none")"
