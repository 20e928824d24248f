#!/bin/bash
# A normal user (nobody, no capabilities) running a script is refused up
# front, as SystemTap refuses one, with a line saying which capabilities a
# run needs and status 1 (code D_PRIVILEGE); -p4 and -l still work (they
# load nothing).  With --privilege=stapusr the run is attempted, and where
# the kernel refuses unprivileged BPF the error names the reason
# (kernel.unprivileged_bpf_disabled), not a bare "Operation not permitted".
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
command -v setpriv >/dev/null || { echo "no setpriv"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (to become nobody)"; exit 77; }
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
as_nobody() {
	HOME="$work" SYSTEMTAP_DIR="$work/sd" timeout -s KILL 120 \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}
fail() { echo "FAIL: $*"; cat "$work/err"; exit 1; }

for rt in "" --runtime=bpf --runtime=kmod; do
	as_nobody "$stap" $rt -e 'probe begin { println("ran"); exit() }' >"$work/out" 2>"$work/err"
	rc=$?
	echo "${rt:-auto}: status $rc: $(head -1 "$work/err")"
	[ $rc = 1 ] || fail "status $rc"
	[ -s "$work/out" ] && fail "the script ran"
	head -1 "$work/err" | grep -qx "You are trying to run systemtap as a normal user." ||
		fail "no normal-user line first"
	grep -q "^ctap: .*needs CAP_SYS_ADMIN.* in the effective capabilities" "$work/err" ||
		fail "no line naming the capabilities"
	grep -q "^Pass" "$work/err" && fail "passes ran before the refusal"
	as_nobody "$stap" --ctap-diag-codes $rt -e 'probe begin { exit() }' 2>&1 |
		grep -q D_PRIVILEGE || fail "code D_PRIVILEGE not reported"
done
grep -q "CAP_BPF and CAP_PERFMON" "$work/err" && fail "kmod: names the BPF capabilities"

# a tapset directory this user may not read is named, not reported as an
# unresolved function later
mkdir -m 700 "$work/private"
SYSTEMTAP_TAPSET="$work/private" as_nobody "$stap" --ctap-diag-codes --runtime=bpf -p4 \
	-e 'probe begin { exit() }' >/dev/null 2>"$work/err" && fail "-p4 without a tapset"
grep -q "cannot read the tapset directory \"$work/private\": Permission denied" "$work/err" ||
	fail "an unreadable tapset directory not named"
grep -q D_INPUT "$work/err" || fail "code D_INPUT not reported"

# the tree may sit where nobody cannot reach it (under a 0700 directory, as
# .ci/run's default work directory is); the library is then copied out
if ! as_nobody test -r "$CTAP_SRCDIR/tapset" -a -x "$CTAP_SRCDIR/tapset"; then
	cp -r "$CTAP_SRCDIR/tapset" "$work/tapset"
	export SYSTEMTAP_TAPSET="$work/tapset"
fi

# passes 1-4 and listings need no privilege
as_nobody "$stap" --runtime=bpf -p4 -e 'probe begin { exit() }' >/dev/null 2>"$work/err" ||
	fail "-p4 refused"
as_nobody "$stap" -l 'begin' >"$work/out" 2>"$work/err" || fail "-l refused"
grep -qx begin "$work/out" || fail "-l listed nothing"

# --privilege=stapusr: attempted; a refusal says why
as_nobody "$stap" --privilege=stapusr --runtime=bpf -e 'probe begin { println("ran"); exit() }' \
	>"$work/out" 2>"$work/err"
rc=$?
echo "--privilege=stapusr: status $rc: $(cat "$work/out" "$work/err")"
grep -q "normal user" "$work/err" && fail "--privilege=stapusr refused up front"
dis=$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null)
if [ "$dis" = 1 ] || [ "$dis" = 2 ]; then
	[ $rc = 1 ] || fail "status $rc with unprivileged BPF disabled"
	grep -q "kernel.unprivileged_bpf_disabled is $dis" "$work/err" || fail "EPERM without its reason"
elif [ $rc = 0 ]; then
	grep -qx ran "$work/out" || fail "ran without output"
fi
exit 0
