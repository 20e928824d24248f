#!/bin/bash
# process("...").function("*") over a binary with 120+ functions: every
# function is hit, and attaching plus detaching take well under a second
# (one uprobe_multi link; perf-event uprobes would take ~10 s to detach).
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
attach=$(sed -n 's/^Pass 5: attached .* in \([0-9.]*\) ms.*/\1/p' "$err")
detach=$(sed -n 's/^Pass 5: detached in \([0-9.]*\) ms.*/\1/p' "$err")
echo "attach ${attach} ms, detach ${detach} ms"
awk -v a="$attach" -v d="$detach" 'BEGIN { exit !(a + d < 500) }' || { echo "attach + detach not under 500 ms"; exit 1; }
exit 0
