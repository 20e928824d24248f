#!/bin/bash
# conformance_test: the parseok and parseko folders of the external
# conformance corpus (SystemTap's own testsuite, ../shared/conformance
# beside the source tree; README.md there) through its runner.  SystemTap
# 4.8 agrees on 213 of the 217; ctap must not fall below 211 (the corpus
# is not kept in this tree, so the test is skipped where it is absent).
set -u
stap=${CTAP_STAP:-${CTAP_BUILDDIR:-.}/stap}
srcdir=${CTAP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd -P)}
corpus=$srcdir/../shared/conformance
minimum=211
if [ ! -x "$corpus/run" ]; then
	echo "skipped: no conformance corpus at ../shared/conformance beside the source tree ($srcdir)"
	exit 77
fi
[ -x "$stap" ] || { echo "no stap at $stap"; exit 2; }
stap=$(cd "$(dirname "$stap")" && pwd -P)/$(basename "$stap")
out=$("$corpus/run" --stap "$stap" --only parseok,parseko --list-failures 2>&1)
echo "$out"
last=$(echo "$out" | tail -1)
passed=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
[ -n "$passed" ] || { echo "cannot read the runner's result: $last"; exit 1; }
echo "parseok+parseko: $passed agree (minimum $minimum)"
[ "$passed" -ge $minimum ]
