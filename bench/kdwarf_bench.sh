#!/bin/bash
# kdwarf_bench: what reading the kernel's DWARF costs a user, ctap and
# Debian's SystemTap 4.8 side by side in one run, with the same debuginfo
# (linux-image-R-dbg of the guest kernel R): listing one function, a
# file's functions with their variables, and elaborating a script that
# reads $variables.  Medians of N runs in CPU and wall milliseconds (perf
# task-clock: the whole process tree), then SystemTap's CPU over ctap's.
# ctap keeps no DWARF index yet, so every run is a cold one for it; the
# page cache is warm for both (the first, unmeasured run reads the files).
# Asserts nothing.
#
# usage: bench/kdwarf_bench.sh [BUILDDIR] [N]
set -u
builddir=${1:-${CTAP_BUILDDIR:-.}}
n=${2:-5}
ctap=$builddir/stap
here=$(cd "$(dirname "$0")/.." && pwd -P)
. "$here/bench/lib.sh"
[ -x "$ctap" ] || { echo "kdwarf_bench: no $ctap (build first)" >&2; exit 2; }
command -v perf >/dev/null || { echo "kdwarf_bench: needs perf (task-clock)" >&2; exit 2; }
rel=$("$here/testsuite/vm/guest-kernel" 2>/dev/null) || { echo "kdwarf_bench: no guest kernel" >&2; exit 2; }
[ -e "/usr/lib/debug/boot/vmlinux-$rel" ] ||
	{ echo "kdwarf_bench: no DWARF for $rel (apt-get install linux-image-$rel-dbg)" >&2; exit 2; }
systemtap=""
[ -x /usr/bin/stap ] && systemtap=/usr/bin/stap ||
	echo "kdwarf_bench: SystemTap 4.8 (Debian's systemtap) is missing; ctap only"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-kdwarf-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cases=(
	"-L|kernel.function(\"vfs_read\")"
	"-L|kernel.function(\"*@fs/read_write.c\")"
	"-p2 -e|probe kernel.function(\"vfs_read\") { printf(\"%d %d\\n\", \$count, \$file->f_flags) }"
)

echo "kernel $rel, $n runs each"
printf '%-64s %16s %16s %7s\n' "case" "ctap cpu/wall" "SystemTap 4.8" "ratio"
for c in "${cases[@]}"; do
	opt=${c%%|*} arg=${c#*|}
	# shellcheck disable=SC2086
	"$ctap" -r "$rel" $opt "$arg" >/dev/null 2>"$tmp/err" || { echo "ctap fails: $arg"; head -3 "$tmp/err"; continue; }
	# shellcheck disable=SC2086
	read -r cc cw <<<"$(median_cpu_wall_ms "$n" "$ctap" -r "$rel" $opt "$arg")"
	st="-" ratio="-"
	if [ -n "$systemtap" ]; then
		# shellcheck disable=SC2086
		"$systemtap" -r "$rel" $opt "$arg" >/dev/null 2>&1
		# shellcheck disable=SC2086
		read -r sc sw <<<"$(median_cpu_wall_ms "$n" "$systemtap" -r "$rel" $opt "$arg")"
		st="$sc/$sw ms"
		ratio=$(awk -v a="$sc" -v b="$cc" 'BEGIN { printf "%.1fx", a / b }')
	fi
	printf '%-64.64s %16s %16s %7s\n' "$opt $arg" "$cc/$cw ms" "$st" "$ratio"
done
