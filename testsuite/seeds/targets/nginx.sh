#!/bin/bash
# nginx.sh: the nginx the nginx seeds trace (004-get_http_uri.stp and the
# others written against a -g build of nginx/tengine), built once from
# Debian's source package with -g -O2 and kept in the cache by version:
#
#   $CTAP_SEEDS_CACHE (default /var/cache/ctap/seeds)/nginx-VERSION/
#       sbin/nginx      the binary, with its DWARF (not stripped)
#   $CTAP_SEEDS_CACHE/nginx -> nginx-VERSION   the path the seed tests name
#
# Prints the directory on stdout (nginx-serve runs it).  A fresh machine gets a deb-src entry
# for Debian's archive (sources only, apt's own file) and the source with
# `apt-get source`.  Exit 77 with the reason when it cannot be built here.
set -eu
cache=${CTAP_SEEDS_CACHE:-/var/cache/ctap/seeds}
version=$(apt-cache policy nginx 2>/dev/null | sed -n 's/^ *Candidate: \([0-9.]*\).*/\1/p')
[ -n "$version" ] || { echo "nginx.sh: apt knows no nginx package here" >&2; exit 77; }
dir=$cache/nginx-$version
if [ -x "$dir/sbin/nginx" ]; then
	ln -sfn "nginx-$version" "$cache/nginx"
	echo "$dir"
	exit 0
fi
command -v dpkg-source >/dev/null || { echo "nginx.sh: no dpkg-source (dpkg-dev)" >&2; exit 77; }
if ! apt-get source --print-uris nginx >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || { echo "nginx.sh: no deb-src entry and not root to add one" >&2; exit 77; }
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	cat >/etc/apt/sources.list.d/ctap-deb-src.sources <<EOS
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	apt-get update -qq >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq nginx >&2) ||
	{ echo "nginx.sh: apt-get source nginx failed" >&2; exit 77; }
src=$(ls -d "$work"/nginx-*/ | head -n 1)
# No PCRE (rewrite), no gzip: the seeds probe the request path, and
# this way the build needs only the compiler the tests have already.
(cd "$src" && ./configure --prefix="$dir" --with-cc-opt='-g -O2' --with-threads \
	--without-http_rewrite_module --without-http_gzip_module >&2 &&
	make -j"$(nproc)" >&2 && make install >&2) ||
	{ echo "nginx.sh: the nginx build failed" >&2; exit 1; }
ln -sfn "nginx-$version" "$cache/nginx"
echo "$dir"
