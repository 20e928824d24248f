#!/bin/bash
# ovs.sh: the Open vSwitch the OVS seeds trace (001-ovs_mutex_lock_at.stp,
# 001-ovs_netdev_rxq_recv_send.stp, 001-ovsdb_shash_find.stp, written
# against a -g build of ovs-vswitchd and ovsdb-server), built once from
# Debian's source with -g -O2 and kept in the cache by version:
#
#   $CTAP_SEEDS_CACHE (default /var/cache/ctap/seeds)/ovs-VERSION/
#       sbin/ovs-vswitchd sbin/ovsdb-server   the daemons, with their DWARF
#       bin/ovsdb-tool bin/ovs-vsctl bin/ovs-appctl
#       share/openvswitch/vswitch.ovsschema
#   $CTAP_SEEDS_CACHE/ovs -> ovs-VERSION   the path the seed tests name
#
# Prints the directory on stdout (ovs-serve runs it).  Exit 77 with the
# reason when it cannot be built here.
#
# The source is Debian's openvswitch-source package (the patched tree of
# the source package, as one tarball): Debian's mirrors may lack the
# upstream orig tarball that `apt-get source openvswitch` needs (this
# machine's does), while a binary package is always there, and it needs
# no deb-src entry.  libopenvswitch is linked statically (configure's
# default), so process(...).function finds ovs_mutex_lock_at and the
# others in the executables themselves.  Only the five programs are
# built, without SSL, libcap-ng or AF_XDP: the seeds need none of them,
# and the build needs nothing but a compiler and python3 (80 s on two
# cores, download and configure included).
set -eu
tool=ovs.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
version=$(candidate_version openvswitch-source)
dir=$cache/ovs-$version
use_cached ovs "$version" sbin/ovs-vswitchd sbin/ovsdb-server
# what configure and the build run (a fresh Debian 12 has none of them)
install_missing gcc make python3 libc6-dev
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# (readable by apt's own user, which downloads into it)
chmod 755 "$work"
(cd "$work" && apt-get download -qq openvswitch-source >&2) ||
	{ echo "ovs.sh: apt-get download openvswitch-source failed" >&2; exit 77; }
dpkg-deb -x "$work"/openvswitch-source_*.deb "$work/pkg"
mkdir "$work/src"
tar xzf "$work/pkg/usr/src/openvswitch/openvswitch.tar.gz" -C "$work/src" ||
	{ echo "ovs.sh: openvswitch-source holds no openvswitch.tar.gz" >&2; exit 77; }
src=$work/src/openvswitch
programs="vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool utilities/ovs-vsctl utilities/ovs-appctl"
# naming targets skips the generated headers (BUILT_SOURCES) that `make
# all` makes first: ask the Makefile for them and make them before
(cd "$src" && ./configure --prefix="$dir" CFLAGS='-g -O2' \
	--disable-ssl --disable-libcapng --disable-afxdp >&2 &&
	built=$(printf 'ctap-built-sources:\n\t@echo $(BUILT_SOURCES)\n' |
		make -s -f Makefile -f - ctap-built-sources) &&
	make -j"$(nproc)" $built >&2 && make -j"$(nproc)" $programs >&2) ||
	{ echo "ovs.sh: the Open vSwitch build failed" >&2; exit 1; }
# by hand: make install would build everything else first
rm -rf "$dir"
mkdir -p "$dir/sbin" "$dir/bin" "$dir/share/openvswitch"
install -m 755 "$src/vswitchd/ovs-vswitchd" "$src/ovsdb/ovsdb-server" "$dir/sbin/"
install -m 755 "$src/ovsdb/ovsdb-tool" "$src/utilities/ovs-vsctl" "$src/utilities/ovs-appctl" "$dir/bin/"
install -m 644 "$src/vswitchd/vswitch.ovsschema" "$dir/share/openvswitch/"
ln -sfn "ovs-$version" "$cache/ovs"
echo "$dir"
