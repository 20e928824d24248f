#!/bin/bash
# stap-prep (compiler/stap-prep, installed beside stap): with --dry-run it
# says what a kernel still needs and installs nothing.  The guest kernel,
# whose headers, image and -dbg package the test setup installed, is
# ready; a release no archive has is a clear failure naming the packages;
# a bad option is a usage error.
set -u
prep=${CTAP_SRCDIR:?run through testsuite/run}/compiler/stap-prep
rel=${CTAP_GUEST_KERNEL:?}
command -v dpkg-query >/dev/null || { echo "no dpkg here"; exit 77; }
dpkg-query -W "linux-image-$rel-dbg" >/dev/null 2>&1 ||
	{ echo "linux-image-$rel-dbg is not installed (ctap-setup --test installs it)"; exit 77; }

out=$("$prep" --dry-run "$rel" 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] && [[ $out == "stap-prep: kernel $rel is ready (installed: "*"linux-image-$rel-dbg"* ]] ||
	{ echo "FAIL: the guest kernel is not ready (status $rc)"; exit 1; }

out=$("$prep" -n 0.0.0-ctap-none 2>&1)
rc=$?
echo "$out"
[ $rc = 1 ] && [[ $out == *"not in the configured archives:"*"linux-image-0.0.0-ctap-none-dbg"* ]] ||
	{ echo "FAIL: a release without packages: status $rc"; exit 1; }

"$prep" --bogus >/dev/null 2>&1
rc=$?
[ $rc = 2 ] || { echo "FAIL: a bad option: status $rc, expected 2"; exit 1; }
echo "ok"
