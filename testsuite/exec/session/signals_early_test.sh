#!/bin/bash
# A SIGINT, SIGTERM or SIGHUP reaching stap during passes 1-4 ends it once
# the pass is over: status 1, the pass's product not printed, a line naming
# the signal, no hang - even with SIGINT inherited as ignored (a background
# job of a non-interactive shell, here `trap '' INT`).
#
# No timing: in pass 1 the script is a FIFO, so stap waits in its read
# while the test holds the writing end; the test's open returns only once
# stap opened the script (it is past its start), the signal is sent, then
# the script is written.  In pass 4 (kbuild, for the release whose headers
# are installed) `make` is a stand-in that writes a mark and waits on a
# child forever; stap must end it, its whole process group, on the signal.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
work=$(mktemp -d)
trap 'kill -KILL $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work/err" 2>/dev/null; exit 1; }

# start_bg CMD...: runs CMD in the background with SIGINT ignored; $pid is
# its pid (exec: the command's own), with a guard that kills it after 60 s
# so that a stap that ignores the signal fails the test instead of hanging.
start_bg() {
	( trap '' INT; exec "$@" >"$work/out" 2>"$work/err" ) & pid=$!
	( sleep 60; kill -KILL $pid 2>/dev/null && cat "$work/s.stp" >/dev/null 2>&1 ) &
	guard=$!
}
# finish SIG PASS: stap must have ended with status 1, saying so, printing nothing.
finish() {
	wait $pid
	local rc=$?
	kill $guard 2>/dev/null
	wait $guard 2>/dev/null
	echo "SIG$1 in pass $2: status $rc: $(cat "$work/err")"
	[ $rc = 1 ] || fail "SIG$1 in pass $2: status $rc, want 1"
	grep -q "^Pass $2: interrupted by SIG$1\.\$" "$work/err" || fail "no line naming SIG$1"
	[ -s "$work/out" ] && fail "pass $2's product printed: $(head -3 "$work/out")"
	grep -q "failed" "$work/err" && fail "a failure line after the interruption"
	return 0
}

for sig in INT TERM HUP; do
	rm -f "$work/s.stp"
	mkfifo "$work/s.stp" || exit 1
	start_bg "$stap" -p2 "$work/s.stp"
	exec 3>"$work/s.stp"
	kill -$sig $pid
	echo 'probe begin { print("should not be elaborated\n") }' >&3
	exec 3>&-
	finish $sig 1
done

# pass 4: needs a release with a kernel build tree (kbuild's Makefile)
rel=
for d in /lib/modules/*/build; do
	[ -e "$d/Makefile" ] && { rel=$(basename "$(dirname "$d")"); break; }
done
if [ -z "$rel" ]; then
	echo "pass 1 checked; no kernel build tree for pass 4"
	exit 0
fi
mkdir -p "$work/bin"
cat >"$work/bin/make" <<'MAKE'
#!/bin/sh
sleep 1000 &
echo $$ >"$FAKE_MAKE_MARK.tmp" && mv "$FAKE_MAKE_MARK.tmp" "$FAKE_MAKE_MARK"
wait
MAKE
chmod +x "$work/bin/make"
for sig in INT TERM; do
	rm -f "$work/mark"
	mkfifo "$work/s.stp" 2>/dev/null
	PATH="$work/bin:$PATH" FAKE_MAKE_MARK="$work/mark" SYSTEMTAP_DIR="$work/sd" \
		start_bg "$stap" -r "$rel" --runtime=kmod -p4 -e 'probe begin { exit() }'
	# waiting for make to start (bounded by the guard), not timing it
	while [ ! -e "$work/mark" ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
	[ -e "$work/mark" ] || { wait $pid; fail "make never started"; }
	make_pid=$(cat "$work/mark")
	kill -$sig $pid
	finish $sig 4
	# the stand-in's group (make and its sleep) is gone (a zombie is dead,
	# left for whoever inherited it to reap)
	left=$(ps -o pid=,stat=,args= --pgroup "$make_pid" | awk '$2 !~ /^Z/')
	[ -n "$left" ] && fail "make's process group outlived stap: $left"
done
exit 0
