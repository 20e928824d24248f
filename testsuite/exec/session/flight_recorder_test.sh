#!/bin/bash
# -F -o FILE on the BPF back end: stap returns at once, printing the ID of
# a background process in a session of its own; the session keeps running
# there (user-space timers and a kernel tracepoint, whose links the
# background process holds, both keep writing to FILE); SIGTERM ends it
# with its end probe run, which counts what the probes saw, and the
# process goes away.  -F with -S rotates as in the foreground, and with
# stderr on a file the session's report of removed files is kept there.
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

# -F -S 1,3 with stderr to a file: about 4.5 MB written while detached
# rotates into the newest three files, and the lines on disk plus those the
# session reports removed (in the kept stderr) are all the lines printed
n=90000
"$stap" --runtime=bpf -DMAXACTION=1000000 -F -o rot -S 1,3 -e '
global i
probe timer.ms(5) {
	if (i < $1) {
		for (j = 0; j < 3000 && i < $1; j++) {
			printf("line %d %s\n", i, "....:....1....:....2....:....3....:..")
			i++
		}
		if (i == $1) printf("printed %d\n", i)
	}
}
probe end { println("end") }' $n >stdout.txt 2>log.txt || { echo "stap -F -S failed:"; cat log.txt; exit 1; }
pid=$(cat stdout.txt)
case "$pid" in ''|*[!0-9]*) echo "-F -S: stdout is not a process ID"; exit 1 ;; esac
wait_for sh -c "cat rot.* 2>/dev/null | grep -q '^printed $n\$'" || { echo "-F -S: never printed all:" rot.*; exit 1; }
kill -INT "$pid"
wait_for eval '! alive $pid' || { echo "process $pid still running after SIGINT"; exit 1; }
pid=""
files=$(ls rot.* | sort -t. -k2n)
k=$(echo "$files" | tail -n1 | cut -d. -f2)
[ "$files" = "$(printf 'rot.%d\n' $((k - 2)) $((k - 1)) "$k")" ] && [ "$k" -ge 4 ] ||
	{ echo "-F -S 1,3 left:" $files; exit 1; }
cat $files >all.txt
[ "$(tail -n2 all.txt | tr '\n' ' ')" = "printed $n end " ] || { echo "-F -S: last lines: $(tail -n2 all.txt)"; exit 1; }
removed=$(sed -n 's/.*rot\.0 to rot\.'$((k - 3))' were removed with the \([0-9]*\) lines they held$/\1/p' log.txt)
[ -n "$removed" ] || { echo "-F -S: no report of rot.0 to rot.$((k - 3)) in the kept stderr:"; cat log.txt; exit 1; }
kept=$(head -n -2 all.txt | awk -v first="$removed" '
	$1 != "line" || $2 != first + NR - 1 { print "bad line " NR ": " $0; exit }
	END { print NR }' | tail -n1)
[ $((kept + removed)) = "$n" ] || { echo "-F -S: $kept on disk + $removed removed != $n"; exit 1; }
echo "ok: $ticks ticks and 4 tracepoint hits while detached; end probe ran on SIGTERM;" \
	"-F -S 1,3: $kept lines in" $files", $removed removed"
exit 0
