#!/bin/bash
# uprobe_vars_bench: the per-hit cost of a uprobe whose handler reads two
# $vars, measured side by side in one run, ROUNDS times, medians and minima
# (HACKING.md: performance is measured here, never asserted in tests).
#
# The traced program, bench/uprobe_vars_target.c (cc -O2 -g), calls a
# noinline f(struct pair *p) N times (after a tenth as many, untimed) and
# times that loop itself, so a tracer's start-up is not in it (nor, in
# the VM, where the tracers run it with -c); it prints ns per call.
#   ns/call         the program's own figure: median over the rounds,
#                   and (min) the smallest;
#   overhead        ns per hit: ns per call under the tracer - ns per call
#                   alone, from the medians, and (min) from the minima
#                   (interference only ever adds: in a noisy VM the
#                   minima are the steadier figure);
#   / ctap-bpf's    that overhead over ctap-bpf's ("median | min"; in
#                   the VM ctap-kmod's too is set against ctap-bpf's);
#   prog ns/hit     (host) the BPF program's own time per run, from the
#                   kernel's run-time statistics (BPF_ENABLE_STATS, on
#                   for the whole section: it adds two clock reads per
#                   run to every BPF tracer alike): the handler without
#                   the trap, median;
#   sum             what the tracer added up against the sum of every
#                   call's a + b: "ok" when it saw every hit.
#
#  host  this machine's kernel (BPF only: no modules here); each tracer is
#        started, the program run once it is attached, then the tracer
#        stopped; tracers interleaved within each round
#    none         the program alone
#    ctap-bpf     stap --runtime=bpf: probe process("T").function("f")
#                 { s += $p->a + $p->b }, the sum printed at end
#    bpftrace     uprobe:T:f { @s = sum(((struct pair *)arg0)->a
#                 + ((struct pair *)arg0)->b); } (struct defined in the script)
#    hand-libbpf  bench/uprobe_vars_bench.c: raw instructions, two
#                 bpf_probe_read_user, an atomic add into an array map,
#                 on a perf-event uprobe (what libbpf's attach_uprobe does)
#    hand-multi   the same program on a uprobe_multi link (Linux 6.6+:
#                 how ctap attaches uprobes there)
#  vm    one boot of the project's QEMU guest (testsuite/vm/vm-run,
#        Debian's 6.1 kernel, TCG), VM_ROUNDS rounds, one case per tracer
#        and round, interleaved; the cases' stdout comes back through
#        vm-run's show-stdout:
#    none         the program alone (a `cmd` case)
#    ctap-kmod    the same script, its module built here (-r GUEST -p4),
#                 run by staprun -c
#    ctap-bpf     stap --runtime=bpf -c in the guest (6.1 has no
#                 uprobe_multi: perf-event uprobes)
#    hand-libbpf  as on the host
#    TCG emulates every instruction: absolute times there mean nothing,
#    only the ratios within the VM do.
#
# A uprobe hit is a trap (int3) and, for an instruction the kernel does
# not emulate (f's first is a RIP-relative load), a single step out of
# line; where those are slow (this 6.18 host is itself a VM: some 30 us a
# hit) they are nearly all of the overhead, and the handlers' differences
# are in the noise of it: prog ns/hit shows those.
#
# usage: bench/uprobe_vars_bench.sh [BUILDDIR] [ROUNDS]   (as root)
#        SECTIONS="host" or "vm"; N (default 200000) calls per run on the
#        host, VM_N (20000) and VM_ROUNDS (7) in the VM
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
. "$srcdir/bench/lib.sh"
builddir=$(cd "${1:-${CTAP_BUILDDIR:-.}}" && pwd -P)
rounds=${2:-5}
N=${N:-200000}
VM_N=${VM_N:-20000}
VM_ROUNDS=${VM_ROUNDS:-7}
sections=${SECTIONS:-host vm}
stap=$builddir/stap
[ -x "$stap" ] || { echo "uprobe_vars_bench: no $stap (build first)" >&2; exit 2; }
want() { case " $sections " in *" $1 "*) return 0 ;; esac; return 1; }
if want host; then
	command -v bpftrace >/dev/null ||
		{ echo "uprobe_vars_bench: bpftrace missing (apt-get install bpftrace)" >&2; exit 2; }
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-uvb.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
T=$work/uprobe_vars_target
hb=$work/uprobe_vars_bench
${CC:-cc} -O2 -g -o "$T" "$srcdir/bench/uprobe_vars_target.c" || exit 2
${CC:-cc} -std=gnu11 -O2 -o "$hb" "$srcdir/bench/uprobe_vars_bench.c" -lbpf || exit 2
ulimit -l unlimited 2>/dev/null

# the script, for a target at path $1
stp() {
	printf 'global s\nprobe process("%s").function("f") { s += $p->a + $p->b }\n' "$1"
	printf 'probe end { printf("sum=%%d\\n", s) }\n'
}
# what f's arguments add up to over n calls: a tenth of n warm-up calls
# with {1, 2}, then {i, 2} for i = 0 .. n-1
expected_sum() { echo $((3 * ($1 / 10) + $1 * ($1 - 1) / 2 + 2 * $1)); }

# record SEC TRACER OUTPUT-FILE: its ns per call and sum, appended
record() {
	grep -o '^[0-9.]* ns/call' "$3" | cut -d' ' -f1 >>"$work/ns.$1-$2"
	sed -n 's/^sum=//p; s/^@s: //p' "$3" | head -1 >>"$work/sum.$1-$2"
}

# wait_live FILE PATTERN PID: until the tracer says it is attached (0),
# or has died (1)
wait_live() {
	for _ in $(seq 1 1500); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# one TRACER: one run of the target under it, on the host: the tracer is
# started, the target run once it is attached, its programs' run time
# read, and the tracer stopped (its sum printed)
one() {
	local t=$1 out=$work/out.$1 pid="" live=1
	: >"$out.t"
	case $t in
	none) N=$N "$T" >"$out.t" ;;
	ctap-bpf)
		"$stap" --runtime=bpf --vp 00002 "$work/u.stp" >"$out" 2>&1 &
		pid=$!
		wait_live "$out" "probes are live" "$pid" || live=0 ;;
	bpftrace)
		# it says "Attaching" before it attaches
		bpftrace "$work/u.bt" >"$out" 2>&1 &
		pid=$!
		wait_live "$out" Attaching "$pid" && sleep 1 || live=0 ;;
	hand-*)
		# stdin held open on fd 9 until the target is done: then EOF,
		# and the program prints its sum
		rm -f "$work/hold"
		mkfifo "$work/hold"
		"$hb" hand "$([ "$t" = hand-multi ] && echo multi || echo perf)" "$T" f \
			<"$work/hold" >"$out" 2>&1 &
		pid=$!
		exec 9>"$work/hold"
		wait_live "$out" live "$pid" || live=0 ;;
	esac
	if [ -n "$pid" ]; then
		if [ $live = 1 ]; then
			N=$N "$T" >"$out.t"
			"$hb" stats "$hits" >>"$work/prog.host-$t"
		fi
		case $t in
		hand-*) exec 9>&- ;;
		*) kill -INT "$pid" 2>/dev/null ;;
		esac
		# bpftrace 0.17 may sleep on after SIGINT (bpf_vs_bpftrace.sh)
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -TERM "$pid" 2>/dev/null
		wait "$pid"
	fi
	# the target's line after the tracer's output (not into $out while
	# the tracer writes it)
	cat "$out.t" >>"$out"
	record host "$t" "$out"
}

# table SEC N TRACERS...: medians and minima, the overheads and ratios
# (and the programs' own time per hit, where measured)
table() {
	local sec=$1 n=$2 base bmin t ns mn over omin ratio sum sums prog withprog=0
	shift 2
	ls "$work"/prog."$sec"-* >/dev/null 2>&1 && withprog=1
	base=$(median <"$work/ns.$sec-none" 2>/dev/null)
	bmin=$(minimum <"$work/ns.$sec-none" 2>/dev/null)
	# the overheads first: the ratios need ctap-bpf's
	for t in "$@"; do
		rm -f "$work/over.$sec-$t" "$work/omin.$sec-$t"
		ns=$(median <"$work/ns.$sec-$t" 2>/dev/null)
		mn=$(minimum <"$work/ns.$sec-$t" 2>/dev/null)
		[ "$t" != none ] && [ "${ns:--}" != - ] && [ "${base:--}" != - ] || continue
		printf "%.1f\n" "$(echo "$ns - $base" | bc -l)" >"$work/over.$sec-$t"
		printf "%.1f\n" "$(echo "$mn - $bmin" | bc -l)" >"$work/omin.$sec-$t"
	done
	printf "%-11s %9s %9s %9s %9s %15s" tracer "ns/call" "(min)" overhead "(min)" "/ ctap-bpf's"
	[ $withprog = 0 ] || printf " %11s" "prog ns/hit"
	printf " %4s\n" sum
	for t in "$@"; do
		ns=$(median <"$work/ns.$sec-$t" 2>/dev/null)
		mn=$(minimum <"$work/ns.$sec-$t" 2>/dev/null)
		over=- omin=- ratio=- sum=- prog=-
		if [ -s "$work/over.$sec-$t" ]; then
			over=$(cat "$work/over.$sec-$t") omin=$(cat "$work/omin.$sec-$t")
			ratio="$(ratio_of "$sec" "$t" ctap-bpf) | $(ratio_of "$sec" "$t" ctap-bpf omin)"
			sums=$(sort -u "$work/sum.$sec-$t")
			if [ "$sums" = "$(expected_sum "$n")" ]; then sum=ok; else sum="BAD:$(echo $sums)"; fi
		fi
		if [ -s "$work/prog.$sec-$t" ]; then
			prog=$(grep -v '^-' "$work/prog.$sec-$t" | median)
			[ "$prog" = - ] || prog=$(printf "%.1f" "$prog")
			echo "$prog" >"$work/progm.$sec-$t"
		fi
		printf "%-11s %9s %9s %9s %9s %15s" "$t" "${ns:--}" "${mn:--}" "$over" "$omin" "$ratio"
		[ $withprog = 0 ] || printf " %11s" "$prog"
		printf " %4s\n" "$sum"
	done
}
# SEC A B [KIND] -> KIND (over: overhead from the medians; omin: from the
# minima; progm: prog ns/hit) of A / of B ("1.23x"), or -
ratio_of() {
	local k=${4:-over} a b
	a=$(cat "$work/$k.$1-$2" 2>/dev/null) b=$(cat "$work/$k.$1-$3" 2>/dev/null)
	case "$a" in "" | -) echo -; return ;; esac
	case "$b" in "" | - | 0 | 0.0) echo -; return ;; esac
	printf "%.2fx" "$(echo "$a / $b" | bc -l 2>/dev/null)"
}

if want host; then
	stp "$T" >"$work/u.stp"
	cat >"$work/u.bt" <<-EOF
		struct pair { long a; long b; };
		uprobe:$T:f { @s = sum(((struct pair *)arg0)->a + ((struct pair *)arg0)->b); }
	EOF
	tracers="none ctap-bpf bpftrace hand-libbpf hand-multi"
	hits=$((N + N / 10))
	# the kernel's BPF run-time statistics, on while fd 8 is open
	rm -f "$work/stats"
	mkfifo "$work/stats"
	"$hb" stats-on <"$work/stats" >"$work/stats.out" 2>&1 &
	stats_pid=$!
	exec 8>"$work/stats"
	echo "== host: uprobe on f(struct pair *p) reading \$p->a and \$p->b, $N calls, $rounds rounds ($(uname -r))"
	for r in $(seq 1 "$rounds"); do
		for t in $tracers; do one "$t"; done
	done
	exec 8>&-
	wait "$stats_pid"
	table host "$N" $tracers
	for t in ctap-bpf bpftrace hand-libbpf hand-multi; do
		[ -s "$work/ns.host-$t" ] ||
			{ echo "  $t: no measurement:"; sed 's/^/    /' "$work/out.$t" | head -5; }
	done
	echo "summary (host): overhead per hit ctap-bpf $(cat "$work/over.host-ctap-bpf" 2>/dev/null || echo -) ns;" \
		"bpftrace $(ratio_of host bpftrace ctap-bpf), hand-libbpf $(ratio_of host hand-libbpf ctap-bpf)," \
		"hand-multi $(ratio_of host hand-multi ctap-bpf) of it (medians); the BPF program alone" \
		"ctap-bpf $(cat "$work/progm.host-ctap-bpf" 2>/dev/null || echo -) ns," \
		"bpftrace $(ratio_of host bpftrace ctap-bpf progm), hand-libbpf $(ratio_of host hand-libbpf ctap-bpf progm) of it"
fi

if want vm; then
	[ -n "$(ls "$work"/ns.* 2>/dev/null)" ] && echo
	kver=$("$srcdir/testsuite/vm/guest-kernel" --install) || exit 2
	staprun=$builddir/staprun
	[ -x "$staprun" ] || { echo "uprobe_vars_bench: no $staprun (build first)" >&2; exit 2; }
	cases=$work/vm-cases
	mkdir -p "$cases/build"
	# the module, built here for the guest; staprun's arguments recorded
	# (testsuite/kmod/staprun-recorder), as stap-cases does
	stp "$T" >"$work/u.stp"
	if ! (cd "$cases/build" && CTAP_CASE_DIR=$cases/build \
		SYSTEMTAP_STAPRUN=$srcdir/testsuite/kmod/staprun-recorder \
		"$stap" --runtime=kernel -r "$kver" -m uvb_kmod -c "$T" "$work/u.stp" \
		>"$work/kmod-build.log" 2>&1) || [ ! -f "$cases/build/uvb_kmod.ko" ]; then
		echo "uprobe_vars_bench: the module did not build for $kver:" >&2
		cat "$work/kmod-build.log" >&2
		exit 1
	fi
	# the hand-written program in the guest (busybox sh)
	cat >"$work/hand-cmd" <<-EOF
		mkfifo hold
		./uprobe_vars_bench hand perf $T f <hold >hand.out 2>&1 &
		exec 9>hold
		i=0
		until grep -q live hand.out 2>/dev/null; do
			i=\$((i + 1)); [ \$i -lt 600 ] || { cat hand.out >&2; exit 1; }
			sleep 0.1
		done
		$T
		exec 9>&-
		wait
		grep sum= hand.out
	EOF
	# one case per tracer and round, interleaved (cases run in name order);
	# each carries the target at its host path (the module names that)
	for r in $(seq -w 1 "$VM_ROUNDS"); do
		for k in 1none 2kmod 3bpf 4hand; do
			c=$cases/r${r}_$k
			mkdir -p "$c/hostfiles$(dirname "$T")"
			cp -p "$T" "$c/hostfiles$T"
			echo "N=$VM_N" >"$c/env"
			: >"$c/show-stdout"
			echo 600 >"$c/timeout"
			case $k in
			1none) echo "$T" >"$c/cmd" ;;
			2kmod) cp "$cases/build/uvb_kmod.ko" "$cases/build/args" "$c/" ;;
			3bpf) cp "$work/u.stp" "$c/" && echo "--runtime=bpf u.stp -c $T" >"$c/stap-args" ;;
			4hand) cp "$work/hand-cmd" "$c/cmd" && cp "$hb" "$c/" ;;
			esac
		done
	done
	rm -rf "$cases/build"
	echo "== vm: the same probe in one QEMU/TCG boot of $kver, $VM_N calls, $VM_ROUNDS rounds" \
		"(emulated: only ratios within the VM mean anything)"
	"$srcdir/testsuite/vm/vm-run" --stap "$stap" --staprun "$staprun" --kernel "$kver" "$cases" \
		>"$work/vm.log" 2>&1
	vmrc=$?
	for r in $(seq -w 1 "$VM_ROUNDS"); do
		for k in 1none 2kmod 3bpf 4hand; do
			case $k in 1none) t=none ;; 2kmod) t=ctap-kmod ;; 3bpf) t=ctap-bpf ;; 4hand) t=hand-libbpf ;; esac
			sed -n "s/^    CTAP-STDOUT r${r}_$k: //p" "$work/vm.log" >"$work/out.vm"
			record vm "$t" "$work/out.vm"
		done
	done
	table vm "$VM_N" none ctap-kmod ctap-bpf hand-libbpf
	if [ "$vmrc" != 0 ] || grep -q "^not ok" "$work/vm.log"; then
		echo "  vm-run status $vmrc:"
		grep -v "^    CTAP-STDOUT" "$work/vm.log" | sed 's/^/    /' | head -60
	fi
	grep "^# vm-run:" "$work/vm.log" | sed 's/^# /  /'
	echo "summary (vm): overhead per hit, of ctap-bpf's (median | min): ctap-kmod" \
		"$(ratio_of vm ctap-kmod ctap-bpf) | $(ratio_of vm ctap-kmod ctap-bpf omin), hand-libbpf" \
		"$(ratio_of vm hand-libbpf ctap-bpf) | $(ratio_of vm hand-libbpf ctap-bpf omin) (TCG: ratios only)"
fi
