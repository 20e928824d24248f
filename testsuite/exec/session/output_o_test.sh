#!/bin/bash
# -o FILE: all script output (user-space and kernel-side handlers) goes to
# FILE, nothing to stdout; strftime escapes in the name are expanded.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
"$stap" -o out.txt -e 'probe begin { println("to the file") } probe timer.ms(20) { printf("timer %d\n", 1); exit() }
probe end { printf("end %d\n", 42) }' >stdout.txt 2>stderr.txt || { cat stderr.txt; exit 1; }
[ -s stdout.txt ] && { echo "stdout not empty: $(head -1 stdout.txt)"; exit 1; }
printf 'to the file\ntimer 1\nend 42\n' | diff - out.txt || exit 1
"$stap" -o 'out-%Y.txt' -e 'probe begin { println("dated"); exit() }' || exit 1
[ "$(cat "out-$(date +%Y).txt")" = dated ] || { echo "strftime name not expanded"; ls; exit 1; }
if [ "$(id -u)" = 0 ] && [ -e /sys/kernel/btf/vmlinux ]; then
	"$stap" -o kernel.txt -e 'probe kernel.trace("syscalls:sys_enter_getppid") { if (pid() == target()) printf("from the kernel %s\n", execname()) }' \
		-c "$CTAP_BUILDDIR/testsuite/exec/helpers/trigger getppid 2" >stdout.txt || exit 1
	[ -s stdout.txt ] && { echo "stdout not empty"; exit 1; }
	printf 'from the kernel trigger\nfrom the kernel trigger\n' | diff - kernel.txt || exit 1
fi
echo "ok"
exit 0
