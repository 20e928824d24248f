#!/bin/bash
# stack_vs_tools: a kernel backtrace and a user backtrace per hit, ctap's
# BPF back end against bpftrace (kstack/ustack) and perf record (-g, and
# --call-graph=dwarf for user stacks), side by side in one run, ROUNDS
# times, medians (HACKING.md: performance is measured here, never asserted).
#
#  kernel  task:task_rename, fired by prctl(PR_SET_NAME) in a loop of N
#          calls (bench/bpf_event_bench.c rename): frames under it are the
#          kernel's (a syscalls tracepoint would give perf the user's regs)
#    ctap-count   probe kernel.trace("task:task_rename") { n++ }
#    ctap-print   ... { print_backtrace() }               output to /dev/null
#    ctap-agg     ... { s[backtrace()]++ }                  (keyed in the kernel)
#    bpft-print   tracepoint:task:task_rename { printf("%s\n", kstack); }
#    bpft-agg     ... { @[kstack] = count(); }
#    perf         perf record -a -g -e task:task_rename, then perf script
#  user    a uprobe at d() of testsuite's ustack_target_nofp (built -O2
#          -fomit-frame-pointer: main -> a -> b -> c -> d), H hits
#    ctap-count   probe process(T).function("d") { n++ }
#    ctap-print   ... { print_ubacktrace() }  (stack slice copied, libdwfl
#                 unwinds it in user space from .eh_frame)
#    bpft-print   uprobe:T:d { printf("%s\n", ustack); } (frame pointers)
#    perf         perf probe -x T d; perf record -a --call-graph=dwarf;
#                 perf script
#
#  overhead   ns per event in the traced program: its time with the tracer
#             minus its time with none;
#  tool cpu   us per event of the tracer's own CPU time (user + sys; for
#             perf the record and the script that names the frames);
#  frames     frames one event's stack shows (a user stack unwound by frame
#             pointers stops at d when the code has none).
#
# usage: bench/stack_vs_tools.sh [BUILDDIR] [ROUNDS]   (as root, after
#        make build-tests; SECTIONS="kernel" or "user" for one part)
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
. "$srcdir/bench/lib.sh"
builddir=$(cd "${1:-${CTAP_BUILDDIR:-.}}" && pwd -P)
rounds=${2:-3}
N=${N:-200000}
H=${H:-20000}
stap=$builddir/stap
target=$builddir/testsuite/exec/helpers/ustack_target_nofp
sections=${SECTIONS:-kernel user}
[ -x "$stap" ] || { echo "stack_vs_tools: no $stap (build first)" >&2; exit 2; }
[ -x "$target" ] || { echo "stack_vs_tools: no $target (make build-tests)" >&2; exit 2; }
for tool in bpftrace perf; do
	command -v $tool >/dev/null || { echo "stack_vs_tools: $tool missing (apt-get install bpftrace linux-perf)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-stack-vs.XXXXXX")
probe_event=probe_ustack_target_nofp
# a tracer runs under time(1), which outlives nothing it is sent: stop both
stop_jobs() { local j; for j in $(jobs -p); do pkill -TERM -P "$j"; kill "$j"; done 2>/dev/null; }
trap 'stop_jobs; perf probe -q -d "$probe_event:*" 2>/dev/null; rm -rf "$work"' EXIT
${CC:-cc} -std=gnu11 -O2 -o "$work/eb" "$srcdir/bench/bpf_event_bench.c" -lbpf || exit 2
ulimit -l unlimited 2>/dev/null

tracer_cmd() { # NAME -> the command line of tracer NAME, in "$work/NAME.cmd"
	local k='kernel.trace("task:task_rename")' u="process(\"$target\").function(\"d\")"
	case $1 in
	k-ctap-count) echo "$stap --vp 00002 -e 'global n probe $k { n++ } probe end { }'" ;;
	k-ctap-print) echo "$stap --vp 00002 -s 64 -o /dev/null -e 'probe $k { print_backtrace() }'" ;;
	k-ctap-agg) echo "$stap --vp 00002 -e 'global s probe $k { s[backtrace()]++ } probe end { }'" ;;
	k-bpft-print) echo "bpftrace -e 'tracepoint:task:task_rename { printf(\"%s\\n\", kstack); }' -o /dev/null" ;;
	k-bpft-agg) echo "bpftrace -e 'tracepoint:task:task_rename { @[kstack] = count(); } END { clear(@); }'" ;;
	k-perf) echo "perf record -q -a -g -e task:task_rename -o $work/perf.data" ;;
	u-ctap-count) echo "$stap --vp 00002 -e 'global n probe $u { n++ } probe end { }'" ;;
	u-ctap-print) echo "$stap --vp 00002 -s 256 -o /dev/null -e 'probe $u { print_ubacktrace() }'" ;;
	u-bpft-print) echo "bpftrace -e 'uprobe:$target:d { printf(\"%s\\n\", ustack); }' -o /dev/null" ;;
	u-perf) echo "perf record -q -a --call-graph=dwarf -e $probe_event:d -o $work/perf.data" ;;
	esac
}

# workload SECTION -> ns per event of the traced program
workload() {
	if [ "$1" = k ]; then
		"$work/eb" rename "$N"
	else
		local t0 t1
		t0=$(now_ns); "$target" "$H"; t1=$(now_ns)
		echo "scale=1; ($t1 - $t0) / $H" | bc -l
	fi
}

# one NAME: the workload under tracer NAME; appends ns per event and the
# tracer's CPU us per event to $work/ns.NAME and $work/cpu.NAME
one() {
	local name=$1 sec=${1%%-*} events pid child
	events=$([ "$sec" = k ] && echo "$N" || echo "$H")
	if [ "${name#*-}" = none ]; then
		workload "$sec" >>"$work/ns.$name"
		return 0
	fi
	rm -f "$work/perf.data"
	/usr/bin/time -f "%U %S" -o "$work/time.$name" bash -c "exec $(tracer_cmd "$name")" \
		>"$work/log.$name" 2>&1 &
	pid=$!
	case $name in
	*ctap*) wait_for "$work/log.$name" "probes are live" || return 1 ;;
	# -o takes bpftrace's "Attaching" line too; perf says nothing
	*bpft-print | *perf) sleep 2 ;;
	*bpft*) wait_for "$work/log.$name" "Attaching" || return 1; sleep 1 ;;
	esac
	workload "$sec" >>"$work/ns.$name"
	# time(1) ignores SIGINT while it waits: the tracer is its child
	child=$(pgrep -P "$pid")
	kill -INT $child
	for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -TERM $child 2>/dev/null
	wait "$pid" 2>/dev/null
	local u s
	# time(1) says "Command terminated by signal 2" above the figures
	read -r u s < <(tail -1 "$work/time.$name")
	local cpu="$u + $s"
	if [ "${name#*-}" = perf ]; then
		# naming the frames is perf script's part of the work
		/usr/bin/time -f "%U %S" -o "$work/time.script" \
			perf script -i "$work/perf.data" >"$work/script.out" 2>/dev/null
		read -r u s < <(tail -1 "$work/time.script")
		cpu="$cpu + $u + $s"
	fi
	echo "scale=2; ($cpu) * 1000000 / $events" | bc -l >>"$work/cpu.$name"
}

# frames NAME: frames of one event's stack in the tracer's own output
frames() {
	case $1 in
	k-ctap-print | u-ctap-print)
		local s=$([ "${1%%-*}" = k ] && echo 'kernel.trace("task:task_rename") { print_backtrace()' || echo "process(\"$target\").function(\"d\") { print_ubacktrace()")
		local w=$([ "${1%%-*}" = k ] && echo "$work/eb rename 1" || echo "$target 1")
		"$stap" -e "probe $s; exit() }" -c "$w" 2>/dev/null |
			grep -c "^ 0x"
		;;
	k-bpft-print | u-bpft-print)
		local s=$([ "${1%%-*}" = k ] && echo "tracepoint:task:task_rename { printf(\"%s\", kstack); exit(); }" || echo "uprobe:$target:d { printf(\"%s\", ustack); exit(); }")
		local w=$([ "${1%%-*}" = k ] && echo "$work/eb rename 1" || echo "$target 1")
		bpftrace -e "$s" -c "$w" 2>/dev/null | grep -c "+"
		;;
	*perf) awk 'NR > 1 && /^$/ { exit } NR > 1 { n++ } END { print n + 0 }' "$work/script.out" ;;
	*) echo - ;;
	esac
}

report() { # SECTION TRACERS...
	local sec=$1 base t ns cpu
	shift
	base=$(median <"$work/ns.$sec-none")
	printf "%-11s %12s %14s %14s %8s\n" tracer "ns/event" "overhead ns" "tool cpu us" frames
	for t in "$@"; do
		ns=$(median <"$work/ns.$sec-$t")
		if [ "$t" = none ]; then
			printf "%-11s %12s %14s %14s %8s\n" "$t" "$ns" - - -
			continue
		fi
		cpu=$(median <"$work/cpu.$sec-$t")
		printf "%-11s %12s %14.1f %14s %8s\n" "$t" "$ns" "$(echo "$ns - $base" | bc -l)" "$cpu" \
			"$(frames "$sec-$t")"
		echo "$ns - $base" | bc -l >"$work/over.$sec-$t"
		echo "$cpu" >"$work/tcpu.$sec-$t"
	done
}

ratio() { # FILE_A FILE_B -> A / B
	echo "scale=2; $(cat "$work/$1") / $(cat "$work/$2")" | bc -l 2>/dev/null || echo -
}

measure() { # SECTION TRACERS...: every tracer once per round, interleaved
	local sec=$1 r t
	shift
	for r in $(seq 1 "$rounds"); do
		for t in "$@"; do one "$sec-$t" || exit 1; done
	done
	report "$sec" "$@"
}

case " $sections " in *" kernel "*)
	echo "== kernel backtrace per event: task:task_rename, $N prctl() calls, $rounds rounds, medians ($(uname -r))"
	measure k none ctap-count ctap-print ctap-agg bpft-print bpft-agg perf
	echo "  overhead bpftrace print / ctap print: $(ratio over.k-bpft-print over.k-ctap-print)x," \
		"perf / ctap print: $(ratio over.k-perf over.k-ctap-print)x;" \
		"bpftrace agg / ctap agg: $(ratio over.k-bpft-agg over.k-ctap-agg)x"
	echo "  tool cpu bpftrace print / ctap print: $(ratio tcpu.k-bpft-print tcpu.k-ctap-print)x," \
		"perf / ctap print: $(ratio tcpu.k-perf tcpu.k-ctap-print)x"
	;;
esac

case " $sections " in *" user "*)
	perf probe -q -d "$probe_event:*" 2>/dev/null
	perf probe -q -x "$target" d || { echo "stack_vs_tools: perf probe -x $target d failed" >&2; exit 1; }
	echo "== user backtrace per event: uprobe at d() of ustack_target_nofp (-O2 -fomit-frame-pointer), $H hits, $rounds rounds, medians"
	measure u none ctap-count ctap-print bpft-print perf
	echo "  overhead bpftrace / ctap: $(ratio over.u-bpft-print over.u-ctap-print)x," \
		"perf / ctap: $(ratio over.u-perf over.u-ctap-print)x;" \
		"tool cpu bpftrace / ctap: $(ratio tcpu.u-bpft-print tcpu.u-ctap-print)x," \
		"perf / ctap: $(ratio tcpu.u-perf tcpu.u-ctap-print)x"
	;;
esac
