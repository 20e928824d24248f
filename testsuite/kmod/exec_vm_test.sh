#!/usr/bin/env bash
# lane: vm (testsuite/run runs it beside the other tests)
# exec_vm_test: every pass-5 golden test of testsuite/exec that declares the
# kmod back end, compiled by this build's stap for the VM's kernel
# (stap-cases: passes 1-4 here, pass 5 recorded) and run in one boot of
# the VM harness (testsuite/vm/vm-run: Debian's 6.1 kernel under QEMU),
# which compares stdout, stderr and exit status exactly, fails a test on
# any kernel warning and checks that no module is left loaded.
# Exit 77 only when the VM or the guest kernel's build tree cannot be
# provided (the reason is the last line).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=${CTAP_SRCDIR:-$(cd "$here/../.." && pwd -P)}
builddir=${CTAP_BUILDDIR:-$srcdir}
for p in stap staprun; do
	if [ ! -x "$builddir/$p" ]; then
		echo "exec_vm_test: no $p at $builddir/$p (run make first)"
		exit 1
	fi
done
# the release linux-image-amd64 brings (or $CTAP_VM_KERNEL), installed with
# its headers when missing
. "$srcdir/testsuite/vm/guest-kernel.sh"
guest_kernel_or_skip

work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-exec-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
# a cache of its own: the test proves that modules build, not that an
# earlier run built them
export SYSTEMTAP_DIR=$work/systemtap
status=0
"$here/stap-cases" --stap "$builddir/stap" --builddir "$builddir" --kernel "$kver" \
	--out "$work/cases" "$srcdir/testsuite/exec" >"$work/prepare.log" 2>&1
[ -n "$(ls "$work/cases")" ] || { echo "exec_vm_test: no cases"; exit 1; }
"$srcdir/testsuite/vm/vm-run" --staprun "$builddir/staprun" --kernel "$kver" "$work/cases" \
	>"$work/vm.log" 2>&1
rc=$?
if [ $rc = 77 ]; then tail -n 1 "$work/vm.log"; exit 77; fi
# known failures (exec-known-failures) are reported, not counted
known=$here/exec-known-failures
awk -v known="$known" '
	BEGIN { while ((getline l < known) > 0) if (l !~ /^#/ && l != "") { split(l, f, " "); why[f[1]] = substr(l, length(f[1]) + 2) } }
	/^ok - / { n = $3; if (n in why) { print "xpass - " n ": listed in exec-known-failures"; if (why[n] !~ /^sometimes:/) bad = 1; next } }
	/^not ok - / { n = $4; sub(/:$/, "", n); if (n in why) { print "xfail - " n ": " why[n]; skip = 1; next } bad = 1 }
	/^    / { if (skip) next }
	{ skip = 0; print }
	END { exit bad }' <(grep -v "^ok - " "$work/prepare.log") "$work/vm.log" || status=1
grep -q "^# vm-run:" "$work/vm.log" || status=1
exit $status
