#!/bin/bash
# wildcard_start_bench: what a probe over many functions of one binary
# costs to start, side by side: ctap (BPF back end) and bpftrace, each
# run from launch to exit around /bin/true (so: compile, load, attach,
# detach) over the seeds' nginx (testsuite/seeds/targets/nginx.sh):
#   http  function("*@src/http/ngx_http_*") .call and .return: 724 points
#         each (seed 004-trace_nginx.stp); bpftrace: uprobe/uretprobe on
#         ngx_http_* (its names, not its files: 718 functions)
#   all   function("*") .call and .return: 2405 each (001-trace_nginx.stp)
# ctap's points of one probe share one handler (compiler/bpf/lower_points.c);
# before they did, verifying them took 18 s (http) and 87 s (all).
# Prints medians of N rounds in ms; asserts nothing.  bpftrace (0.17 here:
# one perf-event uprobe per function, BPFTRACE_MAX_PROBES raised) runs the
# http set once (it took 165 s on the development host) and not the all set
# (4810 probes: several minutes); "timeout" past 300 s.
#
# usage: bench/wildcard_start_bench.sh [BUILDDIR] [ROUNDS]
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
builddir=$(cd "${1:-${CTAP_BUILDDIR:-.}}" && pwd -P)
rounds=${2:-3}
. "$srcdir/bench/lib.sh"
stap=$builddir/stap
[ -x "$stap" ] || { echo "wildcard_start_bench: no $stap (build first)" >&2; exit 2; }
nginx=${CTAP_SEEDS_CACHE:-/var/cache/ctap/seeds}/nginx/sbin/nginx
[ -x "$nginx" ] || { echo "wildcard_start_bench: no $nginx (testsuite/seeds/targets/nginx.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/http.stp" <<EOS
probe process("$nginx").function("*@src/http/ngx_http_*").call { printf("%s -> %s\n", thread_indent(4), ppfunc()) }
probe process("$nginx").function("*@src/http/ngx_http_*").return { printf("%s <- %s\n", thread_indent(-4), ppfunc()) }
EOS
cat >"$work/all.stp" <<EOS
probe process("$nginx").function("*").call { printf("%s -> %s\n", thread_indent(4), ppfunc()) }
probe process("$nginx").function("*").return { printf("%s <- %s\n", thread_indent(-4), ppfunc()) }
EOS
bt_http="uprobe:$nginx:ngx_http_* { printf(\"-> %s\n\", func) } uretprobe:$nginx:ngx_http_* { printf(\"<- %s\n\", func) }"

# ms of one run of CMD..., or "timeout"
run_ms() {
	local t0 t1
	t0=$(now_ns)
	timeout 300 "$@" >/dev/null 2>&1
	[ $? = 124 ] && { echo timeout; return; }
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000000))
}

echo "== wildcard_start_bench on $(uname -r), $rounds rounds, ms from launch to exit (median)"
printf "%-6s %10s %10s %8s\n" set ctap bpftrace ratio
for set in http all; do
	c=$(for _ in $(seq "$rounds"); do run_ms "$stap" "$work/$set.stp" -c /bin/true; done | median)
	if [ "$set" = http ] && command -v bpftrace >/dev/null; then
		b=$(BPFTRACE_MAX_PROBES=10000 run_ms bpftrace -e "$bt_http" -c /bin/true)
	else
		b=-
	fi
	ratio=-
	case $b in -|timeout) ;; *) [ "$c" != - ] && ratio=$(awk -v c="$c" -v b="$b" 'BEGIN { printf "%.1fx", b / c }') ;; esac
	printf "%-6s %10s %10s %8s\n" "$set" "$c" "$b" "$ratio"
done
