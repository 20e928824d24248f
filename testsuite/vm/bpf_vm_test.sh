#!/usr/bin/env bash
# lane: vm (testsuite/run runs it beside the other tests)
# bpf_vm_test: the BPF back end on a kernel with kprobes.  Boots the VM
# harness (vm-run: Debian's 6.1 kernel under QEMU/TCG) once and runs, with
# this build's stap inside the guest (vm-run --stap; "stap-args" cases from
# stap-cases --backend bpf):
#   - testsuite/vm/kprobes/*.stp: kernel.function entry and return probes
#     ($params, $return, registers, user buffers, cookie dispatch), which
#     the development hosts (no kprobes) cannot run;
#   - every pass-5 golden of testsuite/exec that declares the bpf back end.
# Each compares stdout, stderr (when NAME.err exists) and the exit status
# exactly; vm-run also fails a case on a kernel warning in dmesg.  Known
# failures (bpf-known-failures: CASE REASON) are reported as xfail.
# Exit 77 only when QEMU or the guest kernel cannot be provided (the
# reason is the last line).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=${CTAP_SRCDIR:-$(cd "$here/../.." && pwd -P)}
builddir=${CTAP_BUILDDIR:-$srcdir}
if [ ! -x "$builddir/stap" ]; then
	echo "bpf_vm_test: no stap at $builddir/stap (run make first)"
	exit 1
fi
. "$srcdir/testsuite/vm/guest-kernel.sh"
guest_kernel_or_skip

work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-bpf-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
"$srcdir/testsuite/kmod/stap-cases" --backend bpf --stap "$builddir/stap" --builddir "$builddir" \
	--kernel "$kver" --out "$work/cases" "$here/kprobes" "$srcdir/testsuite/exec" \
	>"$work/prepare.log" 2>&1 || status=1
grep -v "^ok - " "$work/prepare.log"
n=$(ls "$work/cases" | wc -l)
[ "$n" -gt 0 ] || { echo "bpf_vm_test: no cases"; exit 1; }
"$here/vm-run" --stap "$builddir/stap" --kernel "$kver" "$work/cases" >"$work/vm.log" 2>&1
rc=$?
if [ $rc = 77 ]; then tail -n 1 "$work/vm.log"; exit 77; fi
known=$here/bpf-known-failures
awk -v known="$known" '
	BEGIN { while ((getline l < known) > 0) if (l !~ /^#/ && l != "") { split(l, f, " "); why[f[1]] = substr(l, length(f[1]) + 2) } }
	/^ok - / { pass++; n = $3; if (n in why) { print "xpass - " n ": listed in bpf-known-failures"; if (why[n] !~ /^sometimes:/) bad = 1; next } }
	/^not ok - / { n = $4; sub(/:$/, "", n); if (n in why) { print "xfail - " n ": " why[n]; xfail++; skip = 1; next } bad = 1; failed++ }
	/^    / { if (skip) next }
	{ skip = 0; print }
	END { printf "# bpf_vm_test: %d passed, %d failed, %d known failures\n", pass, failed, xfail; exit bad }' \
	"$work/vm.log" || status=1
grep -q "^# vm-run:" "$work/vm.log" || status=1
exit $status
