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

one_run() { # one_run CMD... -> "cpu_ms wall_ms" of one run
	perf stat -x, -e task-clock,duration_time "$@" 2>&1 >/dev/null |
		awk -F, '/task-clock/ { c = $1 } /duration_time/ { w = $1 / 1e6 }
			 END { printf "%.1f %.1f\n", c, w }'
}

median() { # median CMD... -> "cpu_ms wall_ms", medians of n runs
	local i
	for ((i = 0; i < n; i++)); do one_run "$@"; done >"$tmp/runs"
	cpu=$(cut -d' ' -f1 "$tmp/runs" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	wall=$(cut -d' ' -f2 "$tmp/runs" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "$cpu $wall"
}

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
	read -r cc cw <<<"$(median "$ctap" -p2 -e "$s")"
	st="-" ratio="-"
	if [ -n "$systemtap" ]; then
		if "$systemtap" -r "$rel" -p2 -e "$s" >/dev/null 2>"$tmp/err"; then
			read -r sc sw <<<"$(median "$systemtap" -r "$rel" -p2 -e "$s")"
			st="$sc/$sw ms"
			ratio=$(awk -v a="$sc" -v b="$cc" 'BEGIN { printf "%.0fx", a / b }')
		else
			st="fails"
		fi
	fi
	printf '%-72.72s %16s %16s %7s\n' "$s" "$cc/$cw ms" "$st" "$ratio"
done
