#!/bin/bash
# libvirt.sh: the libvirt the libvirt seeds trace (001-libvirt_lock_debug.stp,
# libvirt's own examples/systemtap/lock-debug.stp, and
# 001-libvirtd_stream_message_finished.stp), built once from Debian's
# source package with -g -O2 and kept in the cache by version:
#
#   $CTAP_SEEDS_CACHE (default /var/cache/ctap/seeds)/libvirt-VERSION/
#       sbin/libvirtd                   the daemon, with its DWARF
#       lib/<multiarch>/libvirt.so.0    the library (virMutexLock ...)
#       bin/virsh                       the client the workloads use
#       share/libvirt/test-screenshot.png   the test driver's screenshot
#   $CTAP_SEEDS_CACHE/libvirt -> libvirt-VERSION   the path the seed tests name
#
# The smallest build that has libvirtd, libvirt.so and virsh: every
# optional feature and driver off (--auto-features=disabled, no docs, no
# tests, no QEMU/LXC/network/storage...) except the remote driver, the
# daemon and the test driver (test+unix:///default?socket=... through the
# daemon).  The binaries find their libraries by RUNPATH (the prefix is
# not /usr).  About 3 min (164-199 s) on two cores.
#
# Prints the directory on stdout.  A fresh machine
# gets a deb-src entry for Debian's archive (sources only, apt's own file),
# the source with `apt-get source` and, when root, the build dependencies
# below with apt-get.  Exit 77 with the reason when it cannot be built here.
set -eu
tool=libvirt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
version=$(candidate_version libvirt0)
dir=$cache/libvirt-$version
use_cached libvirt "$version" sbin/libvirtd bin/virsh
# What a fresh Debian 12 lacks for this configuration (rpcgen: rpcsvc-proto;
# dpkg-source: dpkg-dev)
install_missing dpkg-dev xz-utils gcc libc6-dev pkg-config meson ninja-build python3 perl \
	xsltproc rpcsvc-proto libglib2.0-dev libxml2-dev libgnutls28-dev libtirpc-dev
unpack_source libvirt
# debugoptimized: -O2 -g.  Debian's patches (applied by dpkg-source) are
# kept; the package's own configure options are not used.
(cd "$src" && meson setup "$work/build" --prefix="$dir" --buildtype=debugoptimized \
	--auto-features=disabled -Ddocs=disabled -Dtests=disabled \
	-Ddriver_libvirtd=enabled -Ddriver_remote=enabled -Ddriver_test=enabled \
	-Dinit_script=none -Drpath=enabled >&2 &&
	ninja -C "$work/build" -j"$(nproc)" >&2 && meson install -C "$work/build" >&2) ||
	{ echo "libvirt.sh: the libvirt build failed" >&2; exit 1; }
ln -sfn "libvirt-$version" "$cache/libvirt"
echo "$dir"
