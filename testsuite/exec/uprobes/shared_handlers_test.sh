#!/bin/bash
# The points of one probe share one handler in their uprobe_multi program
# (lower_points.c): 120 points cost the instructions of one handler and
# a dispatch on the cookie, not 120 handlers.  Before, the 2405 points of
# seed 001-trace_nginx.stp made programs that took 87 s to verify.
# Counted from pass 5's "loaded N programs (M instructions)", not timed.
# Needs root and BPF; the BPF back end only.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
bin=$CTAP_BUILDDIR/testsuite/exec/helpers/uprobe_target
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
# instructions loaded for a handler over the functions matching $1
insns() {
	"$stap" --runtime=bpf --vp 00002 -e '
probe process(@1).function(@2).call { printf("%s -> %s %s\n", thread_indent(1), ppfunc(), pp()) }' \
		-c "$bin 1" "$bin" "$1" >/dev/null 2>"$err" ||
		{ cat "$err"; echo "stap failed for $1"; exit 1; }
	sed -n 's/^Pass 5: loaded \([0-9]*\) programs (\([0-9]*\) instructions).*/\1 \2/p' "$err"
}
read -r p1 one < <(insns fn_100)
read -r pn many < <(insns "fn_*")
echo "one point: $p1 program(s), $one instructions; 120 points: $pn program(s), $many instructions"
[ -n "$one" ] && [ -n "$many" ] || { echo "no instruction counts"; exit 1; }
# the cookie dispatch: a compare and a jump per point, a jump to the shared handler
[ "$pn" = 1 ] && [ "$many" -lt $((one + 120 * 4)) ] ||
	{ echo "the 120 points do not share one handler"; exit 1; }
exit 0
