#!/bin/bash
# SIGINT and SIGTERM during a run end the session normally: the end probe
# prints what the kernel-side probes counted, the exit status is 0, and
# nothing stays attached.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
for sig in INT TERM; do
	"$stap" --vp 00002 -e '
global ticks, calls
probe timer.ms(5) { ticks++ }
probe kernel.trace("syscalls:sys_enter_getppid") { calls++ }
probe end { printf("end probe ran: ticked %d, counted %d\n", ticks > 0, calls > 0) }' \
		>"$work/out" 2>"$work/err" & s=$!
	for _ in $(seq 1 250); do grep -q "probes are live" "$work/err" && break; sleep 0.02; done
	grep -q "probes are live" "$work/err" || { cat "$work/err"; echo "never live"; exit 1; }
	"$CTAP_BUILDDIR/testsuite/exec/helpers/trigger" getppid 10 sleep 5 10
	kill -$sig $s
	wait $s
	rc=$?
	echo "SIG$sig: status $rc: $(cat "$work/out")"
	[ $rc = 0 ] || { cat "$work/err"; exit 1; }
	grep -qx "end probe ran: ticked 1, counted 1" "$work/out" || exit 1
	grep -q "detached in" "$work/err" || { echo "no detach"; exit 1; }
done
exit 0
