#!/usr/bin/env bash
# layers_test: the structural rules of HACKING.md ("Layout") hold - folder
# layers of includes, no include or call circle through more than two
# files, family pointers compared only in elaboration, one computation of a
# release's build directory, no mutable global state in compiler objects,
# no file over 1,200 lines, no header shadowed between compiler/ and
# runtime/.  check prints every violation.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=${CTAP_SRCDIR:-$(cd "$here/../.." && pwd -P)}
builddir=${CTAP_BUILDDIR:-$srcdir}
if [ ! -e "$builddir/libctap.a" ]; then
	echo "layers_test: no libctap.a in $builddir (build first)"
	exit 1
fi
"$here/check" "$srcdir" "$builddir"
