#!/bin/bash
# process("...").function("*") over a binary with 120+ functions: every
# function is hit, through one program on one uprobe_multi link
# (perf-event uprobes, one per function, took ~10 s to detach).
# Needs root and BPF; the BPF back end only (-vv timing lines are its own).
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
bin=$CTAP_BUILDDIR/testsuite/exec/helpers/uprobe_target
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$stap" --runtime=bpf --vp 00002 -e '
global hits, fns
probe process(@1).function("*") { fns[pp()]++ }
probe end {
	n = 0; foreach (f in fns) if (isinstr(f, "function(\"fn_")) { n++; hits += fns[f] }
	printf("%d functions, %d hits\n", n, hits)
}' \
	-c "$bin 2" "$bin" >"$out" 2>"$err"
rc=$?
cat "$out"
[ $rc = 0 ] || { cat "$err"; echo "stap failed ($rc)"; exit 1; }
grep -qx "120 functions, 240 hits" "$out" || { echo "wrong counts"; exit 1; }
# one link for the file, not a perf event per function (whose detach took
# ~10 s): counted, not timed (timings belong to bench/)
grep -q "^Pass 5: attached 1 programs" "$err" || { grep "^Pass 5" "$err"; echo "not one program"; exit 1; }
grep "^Pass 5: \(attached\|detached\)" "$err"
exit 0
