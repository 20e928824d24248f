#!/bin/bash
# bpf_fmt_bench: what in-kernel formatting costs per event, and what the
# program costs to verify, for the BPF back end of BUILDDIR against
# another stap (OLD_STAP, e.g. one built before a change to lower_fmt.c or
# runtime/bpf/fmt_helpers.bpf.c), measured side by side in one run, ROUNDS
# times, reported as min and median (HACKING.md: performance is measured
# here, never asserted in tests).
#
#  workload  probe kernel.trace("syscalls:sys_enter_getppid") {
#                    s = sprintf("%5.3d %#x", n, n * 4099)       (fmt_int twice)
#                    last = text_strn(s . "\t\xc3\xa9 \"q\"", 0, 1)  (the escape loop)
#            }
#  base      the same probe counting only (n++), to subtract the probe itself
#
#  per event  ns per getppid() with the tracer minus ns without;
#  program    instructions (-p3) and the load time pass 5 reports (verifier
#             and JIT), median over the rounds.
#
# usage: bench/bpf_fmt_bench.sh [BUILDDIR] [ROUNDS]     (as root)
#        OLD_STAP=/path/to/old/stap bench/bpf_fmt_bench.sh ...
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
. "$srcdir/bench/lib.sh"
builddir=${1:-${CTAP_BUILDDIR:-.}}
rounds=${2:-5}
N=${N:-1000000}
new=$builddir/stap
[ -x "$new" ] || { echo "bpf_fmt_bench: no $new (build first)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-fmt-bench.XXXXXX")
trap 'rm -rf "$work"; kill $(jobs -p) 2>/dev/null' EXIT
${CC:-cc} -std=gnu11 -O2 -o "$work/eb" "$srcdir/bench/bpf_event_bench.c" -lbpf || exit 2
eb=$work/eb

cat >"$work/fmt.stp" <<'STP'
global n, last
probe kernel.trace("syscalls:sys_enter_getppid") {
	n++
	s = sprintf("%5.3d %#x", n, n * 4099)
	last = text_strn(s . "\t\xc3\xa9 \"q\"", 0, 1)
}
probe end { println(n > 0 ? "ok" : "none") }
STP
cat >"$work/base.stp" <<'STP'
global n
probe kernel.trace("syscalls:sys_enter_getppid") { n++ }
probe end { println(n > 0 ? "ok" : "none") }
STP

staps="new"
[ -n "${OLD_STAP:-}" ] && staps="old new"
stap_of() { [ "$1" = old ] && echo "$OLD_STAP" || echo "$new"; }


# run STAP SCRIPT TAG: N getppid() calls with SCRIPT running
run() {
	local out=$work/$3.log pid
	"$1" -vv --runtime=bpf "$2" >"$out" 2>&1 & pid=$!
	for _ in $(seq 1 500); do grep -q "probes are live" "$out" && break; sleep 0.02; done
	grep -q "probes are live" "$out" || { echo "bpf_fmt_bench: $3 never went live" >&2; cat "$out" >&2; return 1; }
	"$eb" loop "$N" >>"$work/ns.$3"
	kill -INT "$pid"; wait "$pid" 2>/dev/null
	grep -q "^ok" "$out" || { echo "bpf_fmt_bench: $3 saw no events" >&2; cat "$out" >&2; return 1; }
	sed -n 's/.*loaded [0-9]* programs ([0-9]* instructions) in \([0-9.]*\) ms.*/\1/p' "$out" >>"$work/load.$3"
}

echo "== in-kernel sprintf + text_strn per getppid(), $N calls, $rounds rounds ($(uname -r))"
for r in $(seq 1 "$rounds"); do
	"$eb" loop "$N" >>"$work/ns.none"
	for s in $staps; do
		run "$(stap_of $s)" "$work/base.stp" "$s-base" || exit 1
		run "$(stap_of $s)" "$work/fmt.stp" "$s-fmt" || exit 1
	done
done
printf "%-9s %12s %12s %16s %16s %8s %10s\n" stap "min ns/call" "med ns/call" "fmt cost (min)" \
	"fmt cost (med)" insns "load ms"
for s in $staps; do
	insns=$("$(stap_of $s)" -p3 --runtime=bpf "$work/fmt.stp" | sed -n 's/^; program .*, \([0-9]*\) instructions.*/\1/p' | head -1)
	printf "%-9s %12s %12s %16.1f %16.1f %8s %10s\n" "$s" "$(minimum <"$work/ns.$s-fmt")" \
		"$(median <"$work/ns.$s-fmt")" \
		"$(echo "$(minimum <"$work/ns.$s-fmt") - $(minimum <"$work/ns.$s-base")" | bc -l)" \
		"$(echo "$(median <"$work/ns.$s-fmt") - $(median <"$work/ns.$s-base")" | bc -l)" \
		"$insns" "$(median <"$work/load.$s-fmt")"
done
printf "%-9s %12s %12s   (no tracer)\n" none "$(minimum <"$work/ns.none")" "$(median <"$work/ns.none")"
