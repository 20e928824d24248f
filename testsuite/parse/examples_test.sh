#!/bin/bash
# examples_test: every script in examples/ parses (stap -p1), as the
# README shows them (counting.stp also with an argument).
set -u
stap=${CTAP_STAP:-${CTAP_BUILDDIR:-.}/stap}
srcdir=${CTAP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd -P)}
[ -x "$stap" ] || { echo "no stap at $stap"; exit 2; }
failed=0
n=0
for f in "$srcdir"/examples/*.stp; do
	for args in "" 10; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		if ! "$stap" -p1 "$f" $args >/dev/null 2>"${TMPDIR:-/tmp}/ctap-ex.$$"; then
			failed=$((failed + 1))
			echo "FAIL $(basename "$f") $args:"
			head -5 "${TMPDIR:-/tmp}/ctap-ex.$$"
		fi
		[ "$(basename "$f")" = counting.stp ] || break
	done
done
rm -f "${TMPDIR:-/tmp}/ctap-ex.$$"
echo "examples: $n parsed, $failed failed"
[ $failed = 0 ]
