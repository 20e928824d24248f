#!/bin/bash
# PID-filtered user-space probes: process(PID).function() and -x PID see
# only that process, not another instance of the same program running
# the same code at the same time.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
bin=$CTAP_BUILDDIR/testsuite/exec/helpers/uprobe_target
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
work=$(mktemp -d)
trap 'exec 3>&- 4>&- 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# run_case STAP-ARGS...: two waiting instances, stap on the first, then
# both released; prints stap's stdout.  It runs in a $(...) subshell,
# whose jobs the script's trap does not see: its own trap ends them when
# it fails half-way.
run_case() {
	trap 'exec 3>&- 4>&- 2>/dev/null; kill $(jobs -p) 2>/dev/null' EXIT
	mkfifo "$work/f1" "$work/f2"
	"$bin" wait <"$work/f1" & p1=$!
	"$bin" wait <"$work/f2" & p2=$!
	exec 3>"$work/f1" 4>"$work/f2"
	"$stap" --runtime=bpf --vp 00002 "${@//PID1/$p1}" >"$work/out" 2>"$work/err" 3>&- 4>&- & s=$!
	for _ in $(seq 1 1500); do grep -q "probes are live" "$work/err" && break; sleep 0.02; done
	grep -q "probes are live" "$work/err" || { cat "$work/err"; echo "stap never went live"; exit 1; }
	exec 3>&- 4>&-
	wait $p1 $p2
	sleep 0.2
	kill -INT $s
	wait $s
	rm -f "$work/f1" "$work/f2"
	cat "$work/out"
}

got=$(run_case -e 'global n probe process(PID1).function("add") { n++ }
probe end { printf("process(PID): %d\n", n) }')
echo "$got"
[ "$got" = "process(PID): 1" ] || { echo "process(PID) counted wrongly"; exit 1; }
got=$(run_case -x PID1 -e 'global n probe process(@1).function("add") { n++ }
probe end { printf("-x PID: %d, target %s\n", n, target() > 0 ? "set" : "unset") }' "$bin")
echo "$got"
[ "$got" = "-x PID: 1, target set" ] || { echo "-x PID counted wrongly"; exit 1; }
exit 0
