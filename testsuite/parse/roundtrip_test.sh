#!/bin/bash
# roundtrip_test: the -p1 dump is a script that parses to the same dump.
#
# For every .stp under testsuite/parse and the seed scripts
# (testsuite/fixtures/seeds), or with --shared for the scripts beside the
# source tree in ../shared (seed-scripts, and the conformance corpus's ok
# folders; roundtrip_shared_test, skipped where ../shared is absent): if
# `stap -p1 X` succeeds, then `stap -p1 X | stap -p1 -` must print the
# same dump byte for byte, except the "# file" line.
# Options: a test's "// run:" options (guru, fixture, script arguments),
# a conformance file's "#! stap" options, -g for the rest; the second run
# gets the same options (the dump has arguments and conditionals already
# applied, so they change nothing there).  Scripts that do not parse are
# error tests and are not counted.
set -u
stap=${CTAP_STAP:-${CTAP_BUILDDIR:-.}/stap}
srcdir=${CTAP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd -P)}
shared=""
if [ "${1:-}" = --shared ]; then
	shared=$srcdir/../shared
	if [ ! -d "$shared/seed-scripts" ] && [ ! -d "$shared/conformance" ]; then
		echo "skipped: no seed-scripts or conformance corpus in ../shared beside the source tree ($srcdir)"
		exit 77
	fi
fi
[ -x "$stap" ] || { echo "no stap at $stap"; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-roundtrip.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

checked=0
failed=0
skipped=0

# options of a test: the stap options of its "// run:" line, without the
# script name and what follows it (other than script arguments)
run_options() { # FILE -> prints options, one per line
	local line
	line=$(sed -n '1,10{s|^//[[:space:]]*run:[[:space:]]*||p}' "$1" | head -1)
	[ -n "$line" ] || { echo -g; return; }
	# shellcheck disable=SC2086
	eval "set -- $line" 2>/dev/null || { echo -g; return; }
	local seen_script=0 a
	for a in "$@"; do
		case "$a" in
		'|'|'2>&1'|'>'*|'2>'*) break ;;
		*.stp) seen_script=1 ;;
		-p1) ;;
		*) if [ $seen_script = 0 ]; then printf '%s\n' "$a"; fi ;;
		esac
	done
	echo -g
}

check() { # FILE DIR OPTIONS...
	local f=$1 dir=$2
	shift 2
	(cd "$dir" && timeout 60 "$stap" -p1 "$@" "$f") >"$tmp/one" 2>/dev/null || {
		skipped=$((skipped + 1)); [ -n "${VERBOSE:-}" ] && echo "skip $dir/$f"; return; }
	(cd "$dir" && timeout 60 "$stap" -p1 "$@" - <"$tmp/one") >"$tmp/two" 2>"$tmp/err"
	local rc=$?
	checked=$((checked + 1))
	if [ $rc != 0 ] || ! diff -u <(grep -v '^# file ' "$tmp/one") \
		<(grep -v '^# file ' "$tmp/two") >"$tmp/diff"; then
		failed=$((failed + 1))
		echo "FAIL $f: the dump does not parse back to itself (status $rc)"
		head -5 "$tmp/err"
		head -30 "$tmp/diff"
	fi
}

if [ -z "$shared" ]; then
	while IFS= read -r f; do
		mapfile -t opts < <(run_options "$f")
		check "$(basename "$f")" "$(dirname "$f")" "${opts[@]}"
	done < <(find "$srcdir/testsuite/parse" -name '*.stp' | LC_ALL=C sort)

	for f in "$srcdir"/testsuite/fixtures/seeds/*.stp; do
		check "$(basename "$f")" "$(dirname "$f")" -g
	done
fi

if [ -n "$shared" ] && [ -d "$shared/seed-scripts" ]; then
	for f in "$shared"/seed-scripts/*.stp; do
		check "$(basename "$f")" "$(dirname "$f")" -g
	done
fi

if [ -n "$shared" ] && [ -d "$shared/conformance" ]; then
	for d in "$shared"/conformance/*ok; do
		for f in "$d"/*.stp; do
			[ -e "$f" ] || continue
			first=$(head -1 "$f")
			case "$first" in
			"#! stap"*) ;;
			*) continue ;; # a shell script, not a stap script
			esac
			# its options without the pass (-p4, -gp3 -> -g)
			opts=()
			for o in ${first#\#! stap}; do
				if [[ $o =~ ^-([a-zA-Z]*)p[0-9]$ ]]; then
					o=-${BASH_REMATCH[1]}
					[ "$o" = - ] && continue
				fi
				opts+=("$o")
			done
			check "$(basename "$f")" "$d" "${opts[@]}"
		done
	done
fi

echo "round trip: $checked dumps checked, $failed differ, $skipped scripts do not parse (error tests)"
[ $failed = 0 ]
