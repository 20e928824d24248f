#!/bin/bash
# tapset_cold_cache_test: a tapset's preprocessor errors are shown when the
# file is parsed, whether or not the tapset index was cached.  Indexing
# (cold cache only) preprocesses every file with diagnostics muted and
# rolled back; were the muted messages remembered, dedup would swallow
# the real ones and print only "2 parse errors." and a suppressed count.
set -u
stap=${CTAP_STAP:-${CTAP_BUILDDIR:-.}/stap}
[ -x "$stap" ] || { echo "no stap at $stap"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd -P)
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-cold.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SYSTEMTAP_DIR=$work/systemtap
cd "$here" || exit 2
fail=0
for cache in cold warm; do
	# -W parses every tapset in pass 1, and makes the warning that the
	# broken one is skipped an error
	"$stap" -p1 -W -I tapset_bad_cond -e 'probe begin { }' >/dev/null 2>"$work/$cache"
	rc=$?
	if [ $rc != 1 ]; then
		echo "not ok - $cache cache: stap exited $rc, expected 1"
		fail=1
	elif ! grep -q "^parse error: incomplete conditional - missing '%('" "$work/$cache" ||
		grep -q 'suppressed' "$work/$cache"; then
		echo "not ok - $cache cache: the tapset's errors are not shown:"
		sed 's/^/    /' "$work/$cache"
		fail=1
	else
		echo "ok - $cache cache: the tapset's errors are shown"
	fi
done
cmp -s "$work/cold" "$work/warm" || { echo "not ok - cold and warm cache differ"; diff "$work/cold" "$work/warm"; fail=1; }
exit $fail
