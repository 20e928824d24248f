#!/bin/bash
# The Debian package (debian/): built with `dpkg-buildpackage -us -uc -b`
# from a copy of the tree's files (git's tracked and unignored ones, so the
# build starts clean), installed with dpkg into a fresh root, and run there:
# `stap -e 'probe begin { println("hello") exit() }'` inside a chroot of that
# root prints hello on the BPF back end, and so does a tracepoint handler
# (a BPF program in the kernel).
#
# What it proves: the package installs with dpkg (format, file list); the
# installed stap finds its tapsets and runtime under /usr/share/ctap by
# itself (the build tree is not visible in the chroot, and no SYSTEMTAP_*
# variable points anywhere); every library stap and staprun link directly
# belongs to a package named in the .deb's Depends (shlibs); staprun runs.
# What it does not, by default: the root is not a debootstrap of Debian, its
# libraries are the host's (copied by ldd, with --force-depends for dpkg),
# so Depends are checked against the binaries' NEEDED entries rather than
# resolved by apt.  CTAP_PKG_DEBOOTSTRAP=1 (debootstrap bookworm here,
# minutes and the network) or =DIR (a copy of a minbase root made before)
# installs it with apt in a real Debian 12 root instead.  The kernel-module
# back end (kbuild and headers in the root) is not exercised either way.
#
# Skips (77) without root, without dpkg-buildpackage or debhelper (ctap-setup
# --test installs them), outside a git checkout, or without BPF.
set -u
[ "$(id -u)" = 0 ] || { echo "needs root (dpkg --root, chroot, BPF)"; exit 77; }
for t in dpkg-buildpackage dh git unshare chroot ldd; do
	command -v $t >/dev/null || { echo "no $t here (debhelper, dpkg-dev: ctap-setup --test)"; exit 77; }
done
src=${CTAP_SRCDIR:?run through testsuite/run}
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || { echo "$src is not a git checkout"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BTF: the BPF back end cannot run here"; exit 77; }
dpkg-checkbuilddeps "$src/debian/control" 2>/dev/null ||
	{ echo "build dependencies missing: $(dpkg-checkbuilddeps "$src/debian/control" 2>&1)"; exit 77; }

work=$(mktemp -d)
# CTAP_PKG_KEEP=1 keeps the work directory (build log, root) to look at
[ "${CTAP_PKG_KEEP:-0}" = 1 ] && echo "work directory: $work" || trap 'rm -rf "$work"' EXIT
mkdir "$work/ctap" "$work/root"

# 1. build
git -C "$src" ls-files -z --cached --others --exclude-standard |
	(cd "$src" && tar --null -T - -cf - 2>/dev/null) | tar -C "$work/ctap" -xf - ||
	{ echo "cannot copy the tree"; exit 1; }
(cd "$work/ctap" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) ||
	{ echo "dpkg-buildpackage failed:"; tail -n 30 "$work/build.log"; exit 1; }
deb=$(ls "$work"/ctap_*_amd64.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || { echo "no ctap_*_amd64.deb built:"; ls "$work"; exit 1; }

# 2. what the package holds and declares
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/stap ./usr/bin/staprun ./usr/bin/stap-prep ./usr/share/ctap/tapset/ ./usr/share/ctap/runtime/kmod/ \
	./usr/share/ctap/runtime/common/ ./usr/share/doc/ctap/README.Debian \
	./usr/lib/systemd/system/stap@.service ./usr/libexec/ctap/stap-service \
	./etc/ctap/script.d/ ./etc/ctap/conf.d/; do
	echo "$files" | grep -qx -- "$f" || { echo "package lacks $f"; exit 1; }
done
echo "$files" | grep -q '^\./usr/share/ctap/tapset/.*\.stp$' || { echo "package has no tapset"; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
for field in Conflicts Replaces; do
	dpkg-deb -f "$deb" $field | grep -q 'systemtap-runtime' ||
		{ echo "$field does not name systemtap-runtime"; exit 1; }
done

# 3. each library stap and staprun link directly comes from a package
# that Depends names (the host's packages own the libraries)
dpkg-deb -x "$deb" "$work/unpacked"
for b in stap staprun; do
	for needed in $(objdump -p "$work/unpacked/usr/bin/$b" | awk '$1 == "NEEDED" {print $2}'); do
		path=$(ldd "$work/unpacked/usr/bin/$b" | awk -v n="$needed" '$1 == n {print $3}')
		pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1)
		[ -n "$pkg" ] || { echo "$b: no package owns $needed ($path)"; exit 1; }
		echo "$depends" | grep -Eq "(^|[ ,])${pkg%%:*}( |,|$)" ||
			{ echo "$b links $needed from $pkg, which Depends ($depends) does not name"; exit 1; }
	done
done

# /proc (stap finds its data beside /proc/self/exe), /sys (BTF, tracefs,
# /sys/fs/bpf) and /dev, bound in a private mount namespace that ends with
# the command: nothing stays mounted
chroot=$(command -v chroot)
run_in_root() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp DEBIAN_FRONTEND=noninteractive \
		unshare -m --propagation private sh -c '
		chroot=$1 root=$2; shift 2
		mount --bind /proc "$root/proc" && mount --rbind /sys "$root/sys" &&
			mount --bind /dev "$root/dev" && exec "$chroot" "$root" "$@"' \
		sh "$chroot" "$work/root" "$@"
}

# 4. install into a fresh root
if [ -n "${CTAP_PKG_DEBOOTSTRAP:-}" ]; then
	# opt in (it downloads Debian 12 and takes minutes): a debootstrap
	# root, made here (=1) or copied from a minbase one made before (=DIR),
	# where apt installs the .deb and resolves its Depends from Debian's
	# archive (the network is needed)
	if [ "$CTAP_PKG_DEBOOTSTRAP" = 1 ]; then
		command -v debootstrap >/dev/null || { echo "CTAP_PKG_DEBOOTSTRAP=1 but no debootstrap"; exit 1; }
		debootstrap --variant=minbase bookworm "$work/root" \
			"${CTAP_PKG_MIRROR:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 ||
			{ echo "debootstrap failed:"; tail -n 20 "$work/debootstrap.log"; exit 1; }
	else
		[ -x "$CTAP_PKG_DEBOOTSTRAP/usr/bin/apt-get" ] ||
			{ echo "CTAP_PKG_DEBOOTSTRAP=$CTAP_PKG_DEBOOTSTRAP is not a debootstrap root"; exit 1; }
		rmdir "$work/root" && cp -a "$CTAP_PKG_DEBOOTSTRAP" "$work/root" || exit 1
	fi
	cp /etc/resolv.conf "$work/root/etc/resolv.conf"
	cp "$deb" "$work/root/tmp/ctap.deb"
	{ run_in_root apt-get update -q && run_in_root apt-get install -y -q --no-install-recommends \
		/tmp/ctap.deb; } >"$work/apt.log" 2>&1 ||
		{ echo "apt-get install of the package in the debootstrap root failed:"; tail -n 20 "$work/apt.log"; exit 1; }
	how="apt-get installed it in a debootstrap root of Debian 12"
else
	# an empty dpkg database, then the host's copies of the libraries stap
	# and staprun load (not a Debian system: see the top)
	mkdir -p "$work/root/var/lib/dpkg/info" "$work/root/var/lib/dpkg/updates" \
		"$work/root/proc" "$work/root/sys" "$work/root/dev" "$work/root/tmp"
	: >"$work/root/var/lib/dpkg/status"
	: >"$work/root/var/lib/dpkg/available"
	dpkg --root="$work/root" --force-depends --force-script-chrootless -i "$deb" >"$work/dpkg.log" 2>&1 ||
		{ echo "dpkg -i into the fresh root failed:"; cat "$work/dpkg.log"; exit 1; }
	for b in stap staprun; do
		for lib in $(ldd "$work/root/usr/bin/$b" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
			mkdir -p "$work/root$(dirname "$lib")"
			cp -L "$lib" "$work/root$lib"
		done
	done
	how="dpkg installed it in a fresh root"
fi
for b in stap staprun; do
	[ -x "$work/root/usr/bin/$b" ] || { echo "/usr/bin/$b not installed"; exit 1; }
done

out=$(run_in_root /usr/bin/stap --runtime=bpf -e 'probe begin { println("hello") exit() }' 2>"$work/stap.err")
rc=$?
[ $rc = 0 ] && [ "$out" = hello ] ||
	{ echo "installed stap in the root: status $rc, output '$out':"; cat "$work/stap.err"; exit 1; }
# a kernel-side handler: BPF programs loaded from the installed stap, with
# the formatting helpers it embeds
out=$(run_in_root /usr/bin/stap --runtime=bpf -e 'probe kernel.trace("sched:sched_switch") {
	printf("kernel-side %s %d\n", "hello", 42); exit() }' 2>"$work/stap.err")
[ "$out" = "kernel-side hello 42" ] ||
	{ echo "a tracepoint probe in the root printed '$out':"; cat "$work/stap.err"; exit 1; }
# the tapset library is the installed one: a tapset function resolves
out=$(run_in_root /usr/bin/stap -p2 -e 'probe begin { println(pid()) }' 2>"$work/stap.err") ||
	{ echo "stap -p2 with a tapset function failed in the root:"; cat "$work/stap.err"; exit 1; }
run_in_root /usr/bin/stap -V 2>&1 | grep -q ctap || { echo "stap -V in the root"; exit 1; }
# the manual, compressed by dh_compress
for page in man1/stap.1 man8/staprun.8 man1/stap-prep.1 man3/stapprobes.3stap \
	man3/function::execname.3stap man3/probe::vfs.read.3stap man7/error::pass2.7stap; do
	[ -e "$work/root/usr/share/man/$page.gz" ] || { echo "/usr/share/man/$page.gz not installed"; exit 1; }
done
run_in_root /usr/bin/staprun -V >"$work/staprun.out" 2>&1 ||
	{ echo "staprun -V in the root failed:"; cat "$work/staprun.out"; exit 1; }
echo "ok: $(basename "$deb") (Depends: $depends): $how; stap printed hello there"
exit 0
