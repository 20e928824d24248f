#!/bin/bash
# bpf_vs_bpftrace: ctap's BPF back end against bpftrace 0.17 and a minimal
# hand-written libbpf program, measured side by side in one run, ROUNDS
# times, reported as min and median and as ratios (bench/README of
# HACKING.md: performance is measured here, never asserted in tests).
#
#  1. per-event overhead of counting getppid() by execname:
#       ctap      probe kernel.trace("syscalls:sys_enter_getppid") { c[execname()]++ }
#       bpftrace  tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }
#       hand-tp   hash keyed by comm on the syscalls tracepoint (perf event)
#       hand-raw  the same on raw_syscalls:sys_enter, number tested first
#     overhead = ns per getppid() with the tracer - ns without;
#  2. wall time of `probe begin { exit() }` / `BEGIN { exit(); }` and the
#     peak RSS of each;
#  3. launch to probe live: from exec to the first event of a probe on
#     getppid (a helper calls getppid every 200 us), and the peak RSS.
#
# usage: bench/bpf_vs_bpftrace.sh [BUILDDIR] [ROUNDS]   (as root)
#        SECTIONS="2 3" bench/bpf_vs_bpftrace.sh ...     (only those parts)
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
. "$srcdir/bench/lib.sh"
builddir=${1:-${CTAP_BUILDDIR:-.}}
rounds=${2:-5}
stap=$builddir/stap
[ -x "$stap" ] || { echo "bpf_vs_bpftrace: no $stap (build first)" >&2; exit 2; }
command -v bpftrace >/dev/null || { echo "bpf_vs_bpftrace: bpftrace missing (apt-get install bpftrace)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-bpf-vs.XXXXXX")
trap 'rm -rf "$work"; kill $(jobs -p) 2>/dev/null' EXIT
${CC:-cc} -std=gnu11 -O2 -o "$work/eb" "$srcdir/bench/bpf_event_bench.c" -lbpf || exit 2
eb=$work/eb
N=${N:-2000000}
sections=${SECTIONS:-1 2 3}
want() { case " $sections " in *" $1 "*) return 0 ;; esac; return 1; }


# run_with NAME: measures N getppid() calls with tracer NAME attached
run_with() {
	local name=$1 out=$work/$1.log pid
	case $name in
	none) "$eb" loop "$N"; return ;;
	ctap) "$stap" --vp 00002 -e 'global c probe kernel.trace("syscalls:sys_enter_getppid") { c[execname()]++ } probe end { }' \
		>"$out" 2>&1 & pid=$!; wait_for "$out" "probes are live" || return 1 ;;
	bpftrace) bpftrace -e 'tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); } END { clear(@); }' \
		>"$out" 2>&1 & pid=$!; wait_for "$out" "Attaching" || return 1; sleep 1 ;;
	# stdin from a process substitution, not a pipe: `wait` on a
	# pipeline's $! waits for the whole pipeline, sleep included
	hand-tp|hand-raw) "$eb" hand "${name#hand-}" < <(exec sleep 100) >"$out" 2>&1 & pid=$!
		wait_for "$out" live || return 1 ;;
	esac
	"$eb" loop "$N"
	if [ "$name" = hand-tp ] || [ "$name" = hand-raw ]; then
		kill "$pid" 2>/dev/null
		kill $(pgrep -f "$eb hand") 2>/dev/null
	else
		kill -INT "$pid"
		# bpftrace 0.17 sometimes sleeps on after SIGINT (seen once in
		# five rounds here): SIGTERM after 5 s, or the run hangs
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -TERM "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

if want 1; then
echo "== per-event overhead: getppid() counted by execname, $N calls, $rounds rounds ($(uname -r))"
tracers="none hand-tp hand-raw ctap bpftrace"
for r in $(seq 1 "$rounds"); do
	for t in $tracers; do
		v=$(run_with "$t") || exit 1
		echo "$v" >>"$work/ns.$t"
	done
done
base=$(minimum <"$work/ns.none")
printf "%-10s %10s %10s %14s %14s\n" tracer "min ns" "median ns" "overhead(min)" "overhead(med)"
for t in $tracers; do
	mn=$(minimum <"$work/ns.$t"); md=$(median <"$work/ns.$t")
	bmd=$(median <"$work/ns.none")
	printf "%-10s %10s %10s %14.1f %14.1f\n" "$t" "$mn" "$md" "$(echo "$mn - $base" | bc -l)" \
		"$(echo "$md - $bmd" | bc -l)"
	echo "$mn - $base" | bc -l >"$work/ov.$t"
	echo "$md - $bmd" | bc -l >"$work/ovm.$t"
done
ratio() { echo "scale=2; $(cat "$work/$1.$2") / $(cat "$work/$1.$3")" | bc -l; }
echo "ratios of overheads (min | median):"
for pair in "ctap hand-tp" "ctap hand-raw" "bpftrace hand-tp" "bpftrace ctap"; do
	set -- $pair
	printf "  %-9s / %-9s %6s | %6s\n" "$1" "$2" "$(ratio ov "$1" "$2")" "$(ratio ovm "$1" "$2")"
done

fi

if want 2; then
echo
echo "== probe begin { exit() }: wall time and peak RSS, $rounds rounds"
# wall time from the shell's clock (time(1)'s %e has 10 ms steps), peak
# RSS from time(1), which both runs pay the same for
begin_run() { # begin_run TAG CMD...
	local tag=$1 t0 t1
	shift
	t0=$(now_ns)
	/usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null 2>&1
	t1=$(now_ns)
	echo "scale=3; ($t1 - $t0) / 1000000" | bc -l >>"$work/w.$tag"
	cat "$work/t" >>"$work/m.$tag"
}
for r in $(seq 1 "$rounds"); do
	begin_run ctap "$stap" -e 'probe begin { exit() }'
	begin_run bpftrace bpftrace -e 'BEGIN { exit(); }'
done
for t in ctap bpftrace; do
	printf "%-9s wall ms min %7.1f median %7.1f   peak RSS KiB min %6d median %6d\n" "$t" \
		"$(minimum <"$work/w.$t")" "$(median <"$work/w.$t")" \
		"$(minimum <"$work/m.$t")" "$(median <"$work/m.$t")"
done
echo "  bpftrace / ctap wall (median): $(echo "scale=1; $(median <"$work/w.bpftrace") / $(median <"$work/w.ctap")" | bc -l)x"

fi

if want 3; then
echo
echo "== launch to probe live (exec to the first output of a probe on getppid; a helper calls getppid every 200 us), $rounds rounds"
"$eb" tick 200 & ticker=$!
mkfifo "$work/fifo"
first_line() { # first_line TRACER ARGS...: microseconds from exec to its first line of output
	local t0 t1 line
	t0=$(now_ns)
	/usr/bin/time -f "%M" -o "$work/t" "$@" >"$work/fifo" 2>/dev/null &
	while read -r line <"$work/fifo"; do
		case $line in x*) break ;; esac
	done
	t1=$(now_ns)
	wait $!
	echo $(( (t1 - t0) / 1000 ))
}
for r in $(seq 1 "$rounds"); do
	first_line "$stap" -e 'probe kernel.trace("syscalls:sys_enter_getppid") { printf("x\n"); exit() }' >>"$work/l.ctap"
	cat "$work/t" >>"$work/lm.ctap"
	first_line bpftrace -e 'tracepoint:syscalls:sys_enter_getppid { printf("x\n"); exit(); }' >>"$work/l.bpftrace"
	cat "$work/t" >>"$work/lm.bpftrace"
done
kill $ticker
for t in ctap bpftrace; do
	printf "%-9s launch->live us min %8d median %8d   peak RSS KiB median %6d\n" "$t" \
		"$(minimum <"$work/l.$t")" "$(median <"$work/l.$t")" "$(median <"$work/lm.$t")"
done
echo "  bpftrace / ctap launch->live (median): $(echo "scale=1; $(median <"$work/l.bpftrace") / $(median <"$work/l.ctap")" | bc -l)x"
fi
