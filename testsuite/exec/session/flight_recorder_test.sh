#!/bin/bash
# -F -o FILE on the BPF back end: stap returns at once, printing the ID of
# a background process in a session of its own; the session keeps running
# there (user-space timers and a kernel tracepoint, whose links the
# background process holds, both keep writing to FILE); SIGTERM ends it
# with its end probe run, which counts what the probes saw, and the
# process goes away.  -F with -S rotates as in the foreground.
set -u
[ "$(id -u)" = 0 ] || { echo "needs root (the BPF back end)"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BTF: no BPF back end here"; exit 77; }
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
trigger=$CTAP_BUILDDIR/testsuite/exec/helpers/trigger
[ -x "$trigger" ] || { echo "no $trigger (make build-tests)"; exit 77; }
work=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

# waits (bounded: a hang guard, not a timing assertion) until "$@" succeeds
wait_for() {
	for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done
	return 1
}
alive() { [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

"$stap" --runtime=bpf -F -o out -e '
global ticks, calls
probe begin { println("begun") }
probe timer.ms(10) { ticks++; printf("tick %d\n", ticks) }
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "trigger") { calls++; printf("getppid %d\n", calls) }
}
probe end { printf("end: %d ticks, %d getppid\n", ticks, calls) }' >stdout.txt 2>stderr.txt ||
	{ echo "stap -F failed:"; cat stderr.txt; exit 1; }
pid=$(cat stdout.txt)
case "$pid" in ''|*[!0-9]*) echo "stdout is not a process ID: $(head -c 200 stdout.txt)"; exit 1 ;; esac
grep -q "kill $pid" stderr.txt || { echo "no word on how to stop it:"; cat stderr.txt; exit 1; }
alive "$pid" || { echo "process $pid is not running"; exit 1; }
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || { echo "$pid is not in a session of its own"; exit 1; }
[ "$(ps -o tty= -p "$pid" | tr -d ' ')" = "?" ] || { echo "$pid kept a terminal"; exit 1; }

# detached, it still runs: timer output grows, the tracepoint still fires
wait_for grep -q '^tick 3$' out || { echo "no ticks in out:"; cat out; exit 1; }
"$trigger" getppid 4 || exit 1
wait_for grep -q '^getppid 4$' out || { echo "the tracepoint's output did not come:"; cat out; exit 1; }

kill -TERM "$pid"
wait_for eval '! alive $pid' || { echo "process $pid still running after SIGTERM"; exit 1; }
pid=""
[ "$(head -n1 out)" = begun ] || { echo "first line: $(head -n1 out)"; exit 1; }
ticks=$(grep -c '^tick ' out)
last=$(tail -n1 out)
[ "$last" = "end: $ticks ticks, 4 getppid" ] ||
	{ echo "last line '$last', expected the end probe with $ticks ticks and 4 getppid"; exit 1; }
[ "$(grep -c '^getppid ' out)" = 4 ] || { echo "getppid lines:"; grep getppid out; exit 1; }

# -F with -S 1,2: rotation in the background too
"$stap" --runtime=bpf -DMAXACTION=1000000 -F -o rot -S 1,2 -e '
probe begin { for (i = 0; i < 50000; i++) printf("line %d %s\n", i, "....:....1....:....2....:....3....:..") }
probe end { println("end") }' >stdout.txt 2>stderr.txt || { echo "stap -F -S failed:"; cat stderr.txt; exit 1; }
pid=$(cat stdout.txt)
case "$pid" in ''|*[!0-9]*) echo "-F -S: stdout is not a process ID"; exit 1 ;; esac
kill -INT "$pid"
wait_for eval '! alive $pid' || { echo "process $pid still running after SIGINT"; exit 1; }
pid=""
[ "$(ls rot.*)" = "$(printf 'rot.1\nrot.2')" ] || { echo "-F -S 1,2 left:" rot.*; exit 1; }
[ "$(tail -n1 rot.2)" = end ] || { echo "-F -S: no end line in rot.2"; exit 1; }
echo "ok: $ticks ticks and 4 tracepoint hits while detached; end probe ran on SIGTERM"
exit 0
