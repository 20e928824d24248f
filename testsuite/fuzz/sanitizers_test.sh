#!/bin/bash
# lane: sanitizers (testsuite/run runs it beside the other tests)
# sanitizers_test: pass 1 under AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer.  Builds a second tree configured with
# --enable-sanitizers (in $CTAP_BUILDDIR/sanitizers, kept between runs so
# that later runs rebuild only what changed) from a copy of the sources
# (git's tracked and untracked-but-not-ignored files: what a clean clone
# plus local edits would hold; a copy, because a source tree configured in
# place cannot also be built out of tree), then runs through it: the
# golden and shell tests of testsuite/parse, the fuzzer's corpus and
# regression inputs (testsuite/unit/parse_fuzz_test) and the hostile inputs.
# Any sanitizer report fails the run (UBSan aborts, ASan/LSan exit non-zero).
#
# CTAP_SANITIZERS_DIR overrides the scratch directory.
set -u
srcdir=${CTAP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd -P)}
builddir=${CTAP_BUILDDIR:-$srcdir}
scratch=${CTAP_SANITIZERS_DIR:-$builddir/sanitizers}

command -v git >/dev/null && git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1 || {
	echo "skipped: $srcdir is not a git checkout (the sources are copied with git ls-files)"
	exit 77
}
command -v autoreconf >/dev/null || { echo "skipped: autoreconf is needed to build a second tree"; exit 77; }

set -e
mkdir -p "$scratch/src" "$scratch/build"
# copy the sources; tar keeps modification times, so make rebuilds only
# what changed since the last run
(cd "$srcdir" && git ls-files -z -co --exclude-standard) |
	(cd "$srcdir" && tar --null -T - -cf -) | tar -xf - -C "$scratch/src"
# the tests read ../shared beside the source tree: the copy sees the same
if [ -d "$srcdir/../shared" ] && { [ -L "$scratch/shared" ] || [ ! -e "$scratch/shared" ]; }; then
	ln -sfn "$(cd "$srcdir/../shared" && pwd -P)" "$scratch/shared"
fi
cd "$scratch/src"
if [ ! -e configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ] ||
	[ -n "$(find . -name Makefile.inc -newer Makefile.in)" ]; then
	./autogen.sh >"$scratch/autogen.log" 2>&1 || { tail -20 "$scratch/autogen.log"; exit 1; }
fi
cd "$scratch/build"
if [ ! -e config.status ] || [ ../src/configure -nt config.status ]; then
	../src/configure -q --enable-sanitizers >"$scratch/configure.log" 2>&1 ||
		{ tail -20 "$scratch/configure.log"; exit 1; }
fi
jobs=$(nproc 2>/dev/null || echo 2)
{ make -j"$jobs" all && make -j"$jobs" testsuite/unit/parse_fuzz_test; } >"$scratch/make.log" 2>&1 ||
	{ tail -30 "$scratch/make.log"; exit 1; }
set +e

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
echo "== testsuite/parse through the sanitizer build"
"$scratch/src/testsuite/run" --srcdir "$scratch/src" --builddir "$scratch/build" --only parse ||
	status=1
echo "== fuzzer corpus and regression inputs"
CTAP_SRCDIR=$scratch/src "$scratch/build/testsuite/unit/parse_fuzz_test" || status=1
echo "== hostile inputs"
CTAP_STAP=$scratch/build/stap bash "$scratch/src/testsuite/fuzz/hostile_test.sh" | tail -3 ||
	status=1
[ ${PIPESTATUS[0]} = 0 ] || status=1
exit $status
