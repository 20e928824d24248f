#!/bin/bash
# stap --list-sessions: the BPF sessions detached with -F.  A session
# started with -F -o is listed (its process ID, its absolute output file,
# its -e script) while it runs; an entry whose process is gone (one killed
# with SIGKILL leaves its file) is not listed and its file goes; once the
# session is stopped (SIGTERM: end probes, then it removes its entry) it
# is no longer listed, and its output holds the end probe's line.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
work=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
export CTAP_SESSIONS_DIR=$work/sessions
fail() { echo "FAIL: $*"; cat "$work/list" "$work/err" 2>/dev/null; exit 1; }

cd "$work" || exit 1
"$stap" --runtime=bpf -F -o out.txt \
	-e 'probe timer.ms(50) { n++ } probe end { printf("ended after %s\n", n > 0 ? "ticks" : "none") } global n' \
	>pid.txt 2>err || fail "stap -F: status $?"
pid=$(cat pid.txt)
[ "$pid" -gt 0 ] 2>/dev/null || fail "no process ID printed"

# a stale entry: no such process
mkdir -p "$CTAP_SESSIONS_DIR"
printf 'started=1\nscript=gone.stp\noutput=/nowhere\n' >"$CTAP_SESSIONS_DIR/999999999"

"$stap" --list-sessions >"$work/list" 2>&1 || fail "--list-sessions: status $?"
cat "$work/list"
head -1 "$work/list" | grep -q '^PID  *STARTED  *OUTPUT  *SCRIPT$' || fail "no header"
grep -q "^$pid  *[0-9-]* [0-9:]*  *$work/out.txt  *-e 'probe timer.ms(50)" "$work/list" ||
	fail "the session is not listed with its output and script"
grep -q 'gone.stp' "$work/list" && fail "a gone process is listed"
[ -e "$CTAP_SESSIONS_DIR/999999999" ] && fail "the gone process's entry was kept"

sleep 0.3
kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the session did not stop on SIGTERM"
stopped=$pid
pid=""
"$stap" --list-sessions >"$work/list" 2>&1 || fail "--list-sessions after the stop: status $?"
grep -q "^$stopped " "$work/list" && fail "a stopped session is still listed"
[ -e "$CTAP_SESSIONS_DIR/$stopped" ] && fail "the stopped session left its entry"
grep -q '^ended after ticks$' out.txt || fail "no end probe output: $(cat out.txt)"
echo "listed while running, gone after SIGTERM; a stale entry dropped"
exit 0
