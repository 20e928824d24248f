#!/bin/bash
# A program the verifier refuses is reported with the script location of
# the failing instruction, its source line, and the end of the verifier
# log: here a loop whose budget lets it run past the verifier's limit.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$stap" --runtime=bpf -DMAXACTION_INTERRUPTIBLE=100000000 -e 'global x
probe kernel.trace("syscalls:sys_enter_getppid") {
	for (i = 0; i < 10000000; i++) x++
}' 2>"$err"
rc=$?
cat "$err"
[ $rc = 1 ] || { echo "status $rc"; exit 1; }
grep -q "^ERROR: BPF verifier rejected program 'p0_sys_enter'" "$err" || exit 1
grep -q "serving <input>:3:" "$err" || { echo "no script location"; exit 1; }
grep -q "^ source: 	for (i = 0; i < 10000000; i++) x++" "$err" || { echo "no source line"; exit 1; }
grep -q "^verifier log (end):" "$err" || { echo "no verifier log"; exit 1; }
grep -q "^Pass 5: run failed" "$err" || exit 1
exit 0
