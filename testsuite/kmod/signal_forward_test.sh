#!/usr/bin/env bash
# signal_forward_test: SIGINT, SIGTERM and SIGHUP sent to stap alone during
# pass 5 of the kernel-module back end reach staprun, which ends the session
# (end probes run) with the status stap then exits with.  stap is started
# the way a script starts a background job, with SIGINT ignored: staprun
# must still be able to take it.  staprun is a stand-in here
# (SYSTEMTAP_STAPRUN) that reports the signal it got, so no module is
# loaded; the module is built for the VM's kernel (guest-kernel), the one
# release whose headers the tests can count on.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=${CTAP_SRCDIR:-$(cd "$here/../.." && pwd -P)}
builddir=${CTAP_BUILDDIR:-$srcdir}
stap=${CTAP_STAP:-$builddir/stap}
[ -x "$stap" ] || { echo "no stap at $stap (run make first)"; exit 1; }
if ! kver=$("$srcdir/testsuite/vm/guest-kernel" 2>&1); then
	echo "skipped: no kernel headers to build a module with: $kver"
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-signals.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
export SYSTEMTAP_DIR=$work/systemtap CTAP_FAKE_DIR=$work
cat >"$work/staprun" <<'FAKE'
#!/bin/sh
# stands in for staprun: ready, then ends "the session" on a signal
end() { echo "staprun: $1, end probes run"; exit "$2"; }
trap 'end SIGINT 0' INT
trap 'end SIGTERM 0' TERM
trap 'end SIGHUP 1' HUP
echo $$ >"$CTAP_FAKE_DIR/ready"
i=0
while [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
echo "staprun: no signal came"
exit 3
FAKE
chmod +x "$work/staprun"
export SYSTEMTAP_STAPRUN=$work/staprun

fail=0
for case in INT:0 TERM:0 HUP:1; do
	sig=${case%:*} want=${case#*:}
	rm -f "$work/ready"
	"$stap" --runtime=kernel -r "$kver" -e 'probe end { println("end") }' \
		>"$work/out" 2>"$work/err" </dev/null &
	pid=$!
	# the first run builds the module (kbuild), later ones find it cached
	for _ in $(seq 1 3000); do
		[ -e "$work/ready" ] || ! kill -0 "$pid" 2>/dev/null && break
		sleep 0.1
	done
	if [ ! -e "$work/ready" ]; then
		echo "not ok - SIG$sig: staprun never started"
		sed 's/^/    /' "$work/err" | tail -20
		exit 1
	fi
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	got=$(cat "$work/out")
	if [ "$got" = "staprun: SIG$sig, end probes run" ] && [ $rc = "$want" ]; then
		echo "ok - SIG$sig to stap reaches staprun; stap exits $rc"
	else
		echo "not ok - SIG$sig: stap exited $rc (expected $want), staprun said: $got"
		sed 's/^/    /' "$work/err" | tail -5
		fail=1
	fi
done
exit $fail
