#!/bin/bash
# seeds_shared_test: the seed scripts kept in testsuite/fixtures/seeds are
# still identical to their origin, ../shared/seed-scripts beside the source
# tree (skipped where that is absent: it is not part of this tree).
set -u
srcdir=${CTAP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd -P)}
shared=$srcdir/../shared/seed-scripts
seeds=$srcdir/testsuite/fixtures/seeds
if [ ! -d "$shared" ]; then
	echo "skipped: no seed scripts at ../shared/seed-scripts beside the source tree ($srcdir)"
	exit 77
fi
n=0
failed=0
cd "$seeds" || exit 2
for f in *.stp; do
	n=$((n + 1))
	if ! cmp -s "$f" "$shared/$f"; then
		failed=$((failed + 1))
		echo "FAIL $f: differs from ../shared/seed-scripts/$f (refresh the copy)"
	fi
done
echo "seed scripts: $n copies compared with ../shared/seed-scripts, $failed differ"
[ $n -gt 0 ] && [ $failed = 0 ]
