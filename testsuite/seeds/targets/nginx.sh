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
tool=nginx.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
version=$(candidate_version nginx)
dir=$cache/nginx-$version
use_cached nginx "$version" sbin/nginx
unpack_source nginx
# No PCRE (rewrite), no gzip: the seeds probe the request path, and
# this way the build needs only the compiler the tests have already.
(cd "$src" && ./configure --prefix="$dir" --with-cc-opt='-g -O2' --with-threads \
	--without-http_rewrite_module --without-http_gzip_module >&2 &&
	make -j"$(nproc)" >&2 && make install >&2) ||
	{ echo "nginx.sh: the nginx build failed" >&2; exit 1; }
ln -sfn "nginx-$version" "$cache/nginx"
echo "$dir"
