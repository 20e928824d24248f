#!/bin/bash
# p2_bench: what elaboration costs a user.  Times `stap -p2` on one-line
# scripts that reach into the tapset library (the whole library is on the
# search path; what a script uses is pulled in), for ctap and, side by
# side in the same run, Debian's SystemTap 4.8 (`stap -r RELEASE`, for
# the Debian kernel whose headers are installed).  Each figure is the
# median of N runs, in CPU milliseconds (perf's task-clock: user + sys of
# the whole process tree; the machines are shared, so wall time is noise)
# and in wall milliseconds; the last column is SystemTap's CPU time over
# ctap's.  Asserts nothing.
#
# usage: bench/p2_bench.sh [BUILDDIR] [N]
set -u
builddir=${1:-${CTAP_BUILDDIR:-.}}
n=${2:-11}
ctap=$builddir/stap
here=$(cd "$(dirname "$0")/.." && pwd -P)
. "$here/bench/lib.sh"
[ -x "$ctap" ] || { echo "p2_bench: no $ctap (build first)" >&2; exit 2; }
command -v perf >/dev/null || { echo "p2_bench: needs perf (task-clock)" >&2; exit 2; }
rel=$("$here/testsuite/vm/guest-kernel" 2>/dev/null)
systemtap=""
if [ -x /usr/bin/stap ] && [ -n "$rel" ]; then
	systemtap=/usr/bin/stap
else
	echo "p2_bench: SystemTap 4.8 (Debian's systemtap) or a Debian kernel with headers is missing; ctap only"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-p2-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

scripts=(
	'probe begin { println(execname()) exit() }'
	'probe timer.s(1) { printf("%s %d %s\n", ctime(gettimeofday_s()), pid(), tokenize("a b", " ")) }'
	'probe syscall.openat { printf("%s %s\n", name, argstr) }'
	'probe scheduler.ctxswitch { if (prev_pid == 0) next; printf("%d->%d\n", prev_pid, next_pid) }'
)

# warm the caches both tools keep (ctap's tapset index, SystemTap's
# none to speak of) so the first measured run is not an outlier
"$ctap" -p2 -e "${scripts[0]}" >/dev/null 2>&1
printf '%-72s %16s %16s %7s\n' "script (-p2)" "ctap cpu/wall" "SystemTap 4.8" "ratio"
for s in "${scripts[@]}"; do
	if ! "$ctap" -p2 -e "$s" >/dev/null 2>"$tmp/err"; then
		echo "ctap fails on: $s"; head -3 "$tmp/err"; continue
	fi
	read -r cc cw <<<"$(median_cpu_wall_ms "$n" "$ctap" -p2 -e "$s")"
	st="-" ratio="-"
	if [ -n "$systemtap" ]; then
		if "$systemtap" -r "$rel" -p2 -e "$s" >/dev/null 2>"$tmp/err"; then
			read -r sc sw <<<"$(median_cpu_wall_ms "$n" "$systemtap" -r "$rel" -p2 -e "$s")"
			st="$sc/$sw ms"
			ratio=$(awk -v a="$sc" -v b="$cc" 'BEGIN { printf "%.0fx", a / b }')
		else
			st="fails"
		fi
	fi
	printf '%-72.72s %16s %16s %7s\n' "$s" "$cc/$cw ms" "$st" "$ratio"
done
