#!/bin/bash
# parse_bench: how fast pass 1 is.  Generates about 50,000 lines of
# tapset-like code (globals, @define macros and their uses, functions with
# types, embedded-C functions, probe aliases, probes on several points,
# foreach/if/for, printf, statistics, %( %) conditionals) and times
# `stap -g -p1` on it: the median of several runs, wall-clock and CPU
# (user+sys), also on an empty script, which measures start-up and the
# tapset library.  Prints lines per second, gross (whole command) and net
# (minus the empty script).  When SystemTap is installed it is measured
# the same way, side by side (`stap -r RELEASE`; it parses its whole
# tapset library, some 500 files, on every run).  Asserts nothing.
#
# usage: bench/parse_bench.sh [BUILDDIR-or-STAP] [LINES] [RUNS]
set -u
arg=${1:-${CTAP_BUILDDIR:-.}}
lines=${2:-50000}
runs=${3:-7}
release=${RELEASE:-$("$(dirname "$0")/../testsuite/vm/guest-kernel")}
if [ -d "$arg" ]; then ctap=$arg/stap; else ctap=$arg; fi
[ -x "$ctap" ] || { echo "parse_bench: no stap at $ctap (build first)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-parse-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
script=$tmp/bench.stp
empty=$tmp/empty.stp
echo 'probe begin { }' >"$empty"

# --- the script: one group of declarations after another until $lines
awk -v want="$lines" 'BEGIN {
	print "%{\n#include <linux/sched.h>\n%}"
	n = 3
	for (i = 0; n < want; i++) {
		printf "global counts_%d, totals_%d%%[1000], limit_%d = %d\n", i, i, i, i
		printf "@define bump_%d(a, k) %%( @a[@k]++ %%)\n", i
		printf "function helper_%d:long (x:long, s:string) {\n", i
		printf "\tif (x > %d && s != \"\") {\n\t\ttotals_%d[s] <<< x * 2 + 1\n", i, i
		printf "\t\treturn x - 1\n\t} else if (x < 0)\n\t\treturn -x\n"
		printf "\tfor (j = 0; j < 10; j++) { x += j %% 3 }\n\treturn x\n}\n"
		printf "function raw_%d:long (p:long) %%{ /* pure */ STAP_RETURN(STAP_ARG_p + %d); %%}\n", i, i
		printf "probe alias_%d = kernel.function(\"vfs_read_%d\").return ?, kernel.function(\"sys_*\").call {\n", i, i
		printf "\tname = \"alias_%d\"\n\tretval = $return\n}\n", i
		printf "probe timer.ms(%d), begin {\n\t@bump_%d(counts_%d, execname())\n", i % 1000 + 1, i, i
		printf "\tif (counts_%d[execname()] > limit_%d)\n", i, i
		printf "\t\tprintf(\"%%s %%d\\n\", execname(), counts_%d[execname()])\n", i
		printf "\tforeach ([k] in counts_%d- limit 10) { printf(\"%%s: %%d\\n\", k, counts_%d[k]) }\n}\n", i, i
		printf "%%( kernel_v >= \"2.6.%d\" && arch == \"x86_64\" %%?\n", i % 40
		printf "probe end { println(helper_%d(%d, \"x\")) }\n%%:\nprobe end { println(\"old\") }\n%%)\n", i, i
		n += 27
	}
}' >"$script"
nlines=$(wc -l <"$script")
bytes=$(wc -c <"$script")

# median of $runs runs of "$@": prints "WALL_MS CPU_MS" (status ignored)
measure() {
	local i
	: >"$tmp/times"
	for ((i = 0; i < runs; i++)); do
		local t0 t1
		t0=$(date +%s%N)
		/usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" >/dev/null 2>"$tmp/err" </dev/null
		t1=$(date +%s%N)
		awk -v w=$(( (t1 - t0) / 1000000 )) '{ printf "%d %d\n", w, ($1 + $2) * 1000 }' \
			"$tmp/cpu" >>"$tmp/times"
	done
	local mid=$(( (runs + 1) / 2 ))
	echo "$(cut -d' ' -f1 "$tmp/times" | sort -n | sed -n ${mid}p) $(cut -d' ' -f2 "$tmp/times" | sort -n | sed -n ${mid}p)"
}

rate() { # LINES MS -> lines per second
	awk -v l="$1" -v ms="$2" 'BEGIN { if (ms <= 0) print "-"; else printf "%d", l * 1000 / ms }'
}

report() { # NAME FULL_WALL FULL_CPU EMPTY_WALL EMPTY_CPU
	local nw=$(( $2 - $4 )) nc=$(( $3 - $5 ))
	printf '%-14s %7d ms %7d ms %7d ms %7d ms %10s %10s %10s\n' "$1" "$2" "$3" "$4" "$5" \
		"$(rate "$nlines" "$2")" "$(rate "$nlines" "$nw")" "$(rate "$nlines" "$nc")"
}

echo "== pass 1 on $nlines lines ($bytes bytes) of generated tapset-like code, median of $runs runs"
printf '%-14s %10s %10s %10s %10s %10s %10s %10s\n' "" "wall" "cpu" "empty wall" "empty cpu" \
	"lines/s" "net/wall" "net/cpu"

if ! "$ctap" -g -p1 "$script" >/dev/null 2>"$tmp/err"; then
	echo "parse_bench: ctap failed on the generated script:" >&2
	head -5 "$tmp/err" >&2
	exit 1
fi
read -r cw cc <<<"$(measure "$ctap" -g -p1 "$script")"
read -r ew ec <<<"$(measure "$ctap" -g -p1 "$empty")"
report ctap "$cw" "$cc" "$ew" "$ec"

if command -v stap >/dev/null 2>&1 && [ "$(command -v stap)" != "$ctap" ] &&
	stap -V 2>&1 | grep -q 'Systemtap translator'; then
	if stap -r "$release" -g -p1 "$script" >/dev/null 2>"$tmp/err"; then
		read -r sw sc <<<"$(measure stap -r "$release" -g -p1 "$script")"
		read -r sew sec <<<"$(measure stap -r "$release" -g -p1 "$empty")"
		report "systemtap $(stap -V 2>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p')" \
			"$sw" "$sc" "$sew" "$sec"
		awk -v a="$sw" -v b="$cw" -v c="$((sw - sew))" -v d="$((cw - ew))" 'BEGIN {
			printf "ctap/systemtap: %.1fx faster (whole command), %.1fx (net of start-up and tapsets)\n",
				a / (b ? b : 1), c / (d > 0 ? d : 1) }'
	else
		echo "systemtap: fails on the script with -r $release:"; head -3 "$tmp/err"
	fi
else
	echo "systemtap: not installed, not measured"
fi
