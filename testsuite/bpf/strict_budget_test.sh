#!/bin/bash
# The exec suite's BPF goldens under the strict verifier budget: with
# CTAP_BPF_STRICT_BUDGET=1 every program that loads is checked against the
# verifier's own stack figures (runtime/bpf/load.c), so a program whose
# call-chain stack only this kernel accepts (a private stack for large
# frames, JIT rounding) fails here instead of on a stricter kernel.
set -u
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
[ -n "${CTAP_SRCDIR:-}" ] && [ -n "${CTAP_BUILDDIR:-}" ] || {
	echo "needs CTAP_SRCDIR and CTAP_BUILDDIR (run through testsuite/run)"; exit 77; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
CTAP_BPF_STRICT_BUDGET=1 "$CTAP_SRCDIR/testsuite/run" --srcdir "$CTAP_SRCDIR" \
	--builddir "$CTAP_BUILDDIR" --only exec >"$log" 2>&1
rc=$?
tail -n 30 "$log"
last=$(tail -n 1 "$log")
case "$last" in
*" passed, 0 failed"*) [ $rc = 0 ] && exit 0 ;;
esac
echo "exec suite under the strict budget: $last (status $rc)"
exit 1
