#!/bin/bash
# The kernel's DWARF is used only for the build it describes: a vmlinux
# whose GNU build-id is not the kernel's (here a test program's, put where
# SYSTEMTAP_DEBUGINFO_PATH says debuginfo is) stops pass 2 with an error
# naming both build-ids, rather than give wrong addresses and layouts; the
# right file found through SYSTEMTAP_DEBUGINFO_PATH is used (its
# parameters resolve).  The kernel's build-id of a -r release comes from
# /boot/vmlinuz-R.  The same for a module: a debuginfo ext4.ko that is
# another module's build (kvm.ko's) is refused against the installed
# ext4.ko.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
rel=$CTAP_GUEST_KERNEL
real=/usr/lib/debug/boot/vmlinux-$rel
[ -e "$real" ] || { echo "no DWARF for kernel $rel (linux-image-$rel-dbg)"; exit 77; }
[ -e "/boot/vmlinuz-$rel" ] || { echo "no /boot/vmlinuz-$rel"; exit 77; }
other=$CTAP_BUILDDIR/testsuite/exec/helpers/uprobe_target
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/wrong/boot" "$work/right/lib/modules/$rel"
ln -s "$other" "$work/wrong/boot/vmlinux-$rel"
ln -s "$real" "$work/right/lib/modules/$rel/vmlinux"
script='probe kernel.function("vfs_read") { println($count) }'

SYSTEMTAP_DEBUGINFO_PATH=$work/wrong "$stap" -r "$rel" -p2 -e "$script" >"$work/out" 2>&1
rc=$?
cat "$work/out"
[ $rc = 1 ] || { echo "FAIL: a debuginfo of another build: exit $rc, expected 1"; exit 1; }
want=$(readelf -n "$other" 2>/dev/null | awk '/Build ID:/ { print $3; exit }')
grep -q "^ERROR: the kernel's debuginfo $work/wrong/boot/vmlinux-$rel is not kernel $rel's build: its build-id is $want, the kernel's [0-9a-f]\{40\} " "$work/out" ||
	{ echo "FAIL: no build-id mismatch error naming $want"; exit 1; }

SYSTEMTAP_DEBUGINFO_PATH=$work/right "$stap" -r "$rel" -p2 -e "$script" >"$work/out" 2>&1 ||
	{ cat "$work/out"; echo "FAIL: the right debuginfo through SYSTEMTAP_DEBUGINFO_PATH"; exit 1; }
grep -q 'kernel.function("vfs_read@fs/read_write.c:[0-9]*")' "$work/out" ||
	{ cat "$work/out"; echo "FAIL: vfs_read not resolved from DWARF"; exit 1; }
mod=kernel/fs/ext4/ext4.ko
kvm=/usr/lib/debug/lib/modules/$rel/kernel/arch/x86/kvm/kvm.ko
if [ -e "/lib/modules/$rel/$mod" ] && [ -e "$kvm" ]; then
	mkdir -p "$work/wrongmod/lib/modules/$rel/$(dirname "$mod")"
	ln -s "$kvm" "$work/wrongmod/lib/modules/$rel/$mod"
	SYSTEMTAP_DEBUGINFO_PATH=$work/wrongmod "$stap" -r "$rel" -p2 \
		-e 'probe module("ext4").function("ext4_file_open") { println($inode) }' >"$work/out" 2>&1
	rc=$?
	cat "$work/out"
	[ $rc = 1 ] || { echo "FAIL: a module debuginfo of another build: exit $rc, expected 1"; exit 1; }
	grep -q "$work/wrongmod/lib/modules/$rel/$mod is not the build of /lib/modules/$rel/$mod: its build-id is [0-9a-f]*, the module's [0-9a-f]*" "$work/out" ||
		{ echo "FAIL: no module build-id mismatch error"; exit 1; }
else
	echo "(no installed $mod or no debuginfo kvm.ko: the module case is not run)"
fi
echo "ok: mismatches refused, the right file found through SYSTEMTAP_DEBUGINFO_PATH"
