#!/bin/bash
# The -c command is ended with the session, as staprun ends it (SIGTERM,
# SIGKILL after 2 s): a `sleep 1000` still running when the script's exit()
# ends the session must be gone once stap has returned, never left orphaned.
# Both when it was released (the probes ran) and when stap exits with the
# command still held (exit() in a begin probe).
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check() { # SCRIPT: stap prints target() and exits; the pid must be gone
	timeout -s KILL 120 "$stap" --runtime=bpf -c 'sleep 1000' -e "$1" >"$work/out" 2>"$work/err"
	local rc=$?
	local pid
	pid=$(head -1 "$work/out")
	echo "status $rc, target $pid: $(cat "$work/err")"
	[ $rc = 0 ] || { echo "FAIL: status $rc"; exit 1; }
	[ -n "$pid" ] && [ "$pid" -gt 0 ] || { echo "FAIL: no target pid"; exit 1; }
	if kill -0 "$pid" 2>/dev/null && [ "$(cat /proc/$pid/comm 2>/dev/null)" = sleep ]; then
		kill -KILL "$pid"
		echo "FAIL: the -c command ($pid) outlived stap"
		exit 1
	fi
}
check 'probe begin { printf("%d\n", target()) } probe timer.ms(100) { exit() }'
check 'probe begin { printf("%d\n", target()); exit() }'
exit 0
