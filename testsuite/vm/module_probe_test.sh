#!/bin/bash
# lane: vm (testsuite/run runs it beside the other tests)
# module("PATH.ko").function(...) in the 6.1 VM, on both back ends: a
# module built here with the guest kernel's kbuild (-g, as Debian's kernel
# config has it: module/ctap_target.c) is loaded before the script runs
# (the case's `setup`), or, on the kernel-module back end, by the
# workload after the session started; the script (module/probe.stp) reads parameters, a
# member, $return and an entry value from the module's own DWARF.  The
# kernel-module back end compiles here with -r; the BPF back end's stap
# runs in the guest and reads the same .ko there.
# Exit 77 only when QEMU or the guest kernel cannot be provided.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=${CTAP_SRCDIR:-$(cd "$here/../.." && pwd -P)}
builddir=${CTAP_BUILDDIR:-$srcdir}
. "$srcdir/testsuite/vm/guest-kernel.sh"
guest_kernel_or_skip
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-module-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "module_probe_test: $*"; exit 1; }

mkdir -p "$work/target"
cp "$here/module/ctap_target.c" "$work/target/"
echo "obj-m := ctap_target.o" >"$work/target/Kbuild"
make -C "/lib/modules/$kver/build" M="$work/target" modules >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log"; fail "the target module did not build"; }
ko=$work/target/ctap_target.ko

expected='count(education, len=9) writes before: 0
count returned 5 for len=9, vowels at entry 0'

# one case per back end; the target module below target/, where the
# case's MODULE does not look
for backend in kmod bpf; do
	c=$work/cases/module_probe_$backend
	mkdir -p "$c/target"
	cp "$ko" "$c/target/"
	echo 'insmod target/ctap_target.ko' >"$c/setup"
	echo 'rmmod ctap_target' >"$c/check"
	echo 'printf education >/proc/ctap_target' >"$c/workload.sh"
	echo "$expected" >"$c/stdout"
done
# the kernel-module back end also waits for a module loaded after the
# session started (armed when it comes, before its init runs)
c=$work/cases/module_probe_late_kmod
cp -r "$work/cases/module_probe_kmod" "$c"
rm "$c/setup"
printf 'insmod target/ctap_target.ko\nprintf education >/proc/ctap_target\n' >"$c/workload.sh"
"$builddir/stap" -r "$kver" --runtime=kmod -p4 -m ctap_modprobe "$here/module/probe.stp" "$ko" \
	>"$work/p4.out" 2>"$work/p4.err" || { cat "$work/p4.err"; fail "stap -p4 failed"; }
for c in "$work/cases/module_probe_kmod" "$work/cases/module_probe_late_kmod"; do
	cp "$(cat "$work/p4.out")" "$c/" || fail "no module from stap -p4"
	echo '-c "sh workload.sh" MODULE' >"$c/args"
done
c=$work/cases/module_probe_bpf
cp "$here/module/probe.stp" "$c/"
echo '--runtime=bpf probe.stp target/ctap_target.ko -c "sh workload.sh"' >"$c/stap-args"

"$here/vm-run" --stap "$builddir/stap" --staprun "$builddir/staprun" --kernel "$kver" \
	"$work/cases" >"$work/vm.log" 2>&1
rc=$?
[ $rc = 77 ] && { tail -n 1 "$work/vm.log"; exit 77; }
grep -E "^(ok|not ok) - |^    " "$work/vm.log"
[ $rc = 0 ] || { tail -n 5 "$work/vm.log"; exit 1; }
exit 0
