#!/bin/bash
# kdwarf_compare: how many kernel.function listings ctap prints exactly as
# Debian's SystemTap 4.8 does, with the same debuginfo, for a fixed
# pseudo-random sample of the guest kernel's functions (the symbol
# table's names after a seeded shuffle: the same sample for the same
# kernel and awk).  Prints each difference and the tally.
# MODE=statement compares instead the probes pass 2 derives from
# kernel.statement("F@*:*") (every line of F), the points only.
# Asserts nothing.
#
# usage: bench/kdwarf_compare.sh [BUILDDIR] [N] [SEED]
#        MODE=statement bench/kdwarf_compare.sh [BUILDDIR] [N] [SEED]
set -u
builddir=${1:-${CTAP_BUILDDIR:-.}}
n=${2:-500}
seed=${3:-1}
ctap=$builddir/stap
here=$(cd "$(dirname "$0")/.." && pwd -P)
[ -x "$ctap" ] || { echo "kdwarf_compare: no $ctap (build first)" >&2; exit 2; }
[ -x /usr/bin/stap ] || { echo "kdwarf_compare: needs Debian's systemtap" >&2; exit 2; }
rel=$("$here/testsuite/vm/guest-kernel" 2>/dev/null) || { echo "kdwarf_compare: no guest kernel" >&2; exit 2; }
map=/usr/lib/debug/boot/System.map-$rel
[ -e "$map" ] || { echo "kdwarf_compare: no $map (linux-image-$rel-dbg)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-kdwarf-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# text symbols with plain C names (no clones, no compiler-made parts), in
# an order awk's generator fixes for the seed
awk '$2 ~ /^[tT]$/ && $3 ~ /^[A-Za-z_][A-Za-z0-9_]*$/ && $3 !~ /^__(pfx|cfi)_/ { print $3 }' "$map" |
	sort -u | awk -v s="$seed" 'BEGIN { srand(s) } { printf "%.9f\t%s\n", rand(), $0 }' |
	sort -n | cut -f2 | head -n "$n" >"$tmp/names"
same=0 differ=0 both_empty=0
mode=${MODE:-function}
# the listing (function) or the derived probe points (statement) of F
show() { # show STAP F
	if [ "$mode" = statement ]; then
		"$1" -r "$rel" -p2 -e "probe kernel.statement(\"$2@*:*\") { next }" 2>/dev/null |
			sed -n 's|^\(kernel\.statement([^)]*)\).*|\1|p'
	else
		"$1" -r "$rel" -L "kernel.function(\"$2\")" 2>/dev/null
	fi
}
while read -r f; do
	show "$ctap" "$f" | sort >"$tmp/c"
	show /usr/bin/stap "$f" | sort >"$tmp/s"
	if [ ! -s "$tmp/c" ] && [ ! -s "$tmp/s" ]; then
		both_empty=$((both_empty + 1))
	elif cmp -s "$tmp/c" "$tmp/s"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		echo "== $f"
		diff "$tmp/s" "$tmp/c" | sed -n 's/^</  systemtap:/p; s/^>/  ctap:     /p'
	fi
done <"$tmp/names"
echo "kernel $rel, $n functions (seed $seed, $mode): $same as SystemTap prints them, $differ different, $both_empty listed by neither"
