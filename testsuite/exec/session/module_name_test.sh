#!/bin/bash
# -m NAME: the module is named NAME (with or without .ko) and, once built,
# also copied to the current directory as NAME.ko, as SystemTap does, so
# that `stap -r RELEASE -p4 -m NAME` then `staprun NAME.ko` (here or on
# another machine) works; pass 4 still prints the cached module's path.
# A current directory where the copy cannot be written is a pass-4 error.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
rel=
for d in /lib/modules/*/build; do
	[ -e "$d/Makefile" ] && { rel=$(basename "$(dirname "$d")"); break; }
done
[ -n "$rel" ] || { echo "no kernel build tree (linux-headers) for pass 4"; exit 77; }
work=$(mktemp -d)
trap 'cd /; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work/err" 2>/dev/null; exit 1; }
export SYSTEMTAP_DIR=$work/sd

mkdir "$work/here" && cd "$work/here" || exit 1
out=$("$stap" -r "$rel" --runtime=kmod -p4 -m my_trace.ko -e 'probe begin { exit() }' 2>"$work/err") ||
	fail "stap -p4 -m: status $?"
[ "$out" = "$work/sd/cache/${out#"$work/sd/cache/"}" ] && [ "${out##*/}" = my_trace.ko ] ||
	fail "pass 4 printed '$out', not the cached my_trace.ko"
[ -s my_trace.ko ] || fail "no my_trace.ko in the current directory"
cmp -s my_trace.ko "$out" || fail "my_trace.ko differs from the cached module"
if command -v modinfo >/dev/null; then
	[ "$(modinfo -F name my_trace.ko)" = my_trace ] || fail "the module's name is not my_trace"
fi

# without -m: nothing is left in the current directory
"$stap" -r "$rel" --runtime=kmod -p4 -e 'probe begin { exit() }' >/dev/null 2>"$work/err" ||
	fail "stap -p4: status $?"
[ "$(ls | wc -l)" = 1 ] || fail "without -m, files were left: $(ls)"

# a current directory that is gone (removed while stap runs in it): the
# copy cannot be made, even by root; an error, not a silent miss
mkdir "$work/gone" && cd "$work/gone" && rmdir "$work/gone" || exit 1
"$stap" -r "$rel" --runtime=kmod -p4 -m gone_trace -e 'probe begin { exit() }' >/dev/null 2>"$work/err" &&
	fail "-m in a removed directory succeeded"
grep -q "cannot copy the module to the current directory as gone_trace.ko" "$work/err" ||
	fail "no clear error when the copy cannot be made"
cd "$work" || exit 1
echo "ok: -m copies NAME.ko to the current directory ($rel)"
