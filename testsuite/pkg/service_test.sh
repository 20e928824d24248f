#!/bin/bash
# stap@.service and stap-service (runtime/service): what `make install`
# puts where, the unit checked by systemd-analyze verify, and its command
# run directly (systemd cannot run here: no systemd as PID 1):
#   - run NAME: the script of script.d with the options of conf.d runs
#     until SIGTERM, which ends it as Ctrl-C does (its end probe runs);
#   - build NAME RELEASE: pass 4 into the service's module cache; the same
#     script and kernel again is a cache hit, a changed script a new build
#     (the cache key holds the kernel release too: compiler/kmod/build.c);
#   - a missing script, a name that is a path, and bad usage are errors.
# Skips (77) without systemd-analyze; the run part needs root and BPF, the
# build part the guest kernel's headers (ctap-setup --test installs them).
set -u
builddir=${CTAP_BUILDDIR:?run through testsuite/run}
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze here (package systemd)"; exit 77; }
for f in stap-service stap@.service stap; do
	[ -e "$builddir/$f" ] || { echo "no $builddir/$f (run make)"; exit 1; }
done
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# ---- install -----------------------------------------------------------
make -s -C "$builddir" install DESTDIR="$work/root" >"$work/install.log" 2>&1 ||
	{ echo "make install failed:"; tail -20 "$work/install.log"; exit 1; }
eval "$(make -s -C "$builddir" --no-print-directory -f - print-dirs <<'MK'
include Makefile
print-dirs:
	@echo "prefix='$(prefix)' sysconfdir='$(sysconfdir)' pkglibexecdir='$(pkglibexecdir)'"
MK
)"
unit=$work/root$prefix/lib/systemd/system/stap@.service
cmd=$work/root$pkglibexecdir/stap-service
[ -f "$unit" ] || bad "no unit at $prefix/lib/systemd/system/stap@.service"
[ -x "$cmd" ] || bad "no executable stap-service at $pkglibexecdir"
for d in script.d conf.d; do
	[ -d "$work/root$sysconfdir/ctap/$d" ] || bad "no $sysconfdir/ctap/$d"
done
[ $fail = 0 ] || exit 1
grep -qx "ExecStart=$pkglibexecdir/stap-service run %i" "$unit" || bad "ExecStart: $(grep ExecStart "$unit")"
grep -qx "ConditionPathExists=$sysconfdir/ctap/script.d/%i.stp" "$unit" || bad "ConditionPathExists: $(grep Condition "$unit")"

# ---- systemd-analyze verify: the installed unit, its command where it was
# installed (verify checks that the command exists and is executable) ----
mkdir "$work/units"
sed "s|^ExecStart=$pkglibexecdir|ExecStart=$work/root$pkglibexecdir|" "$unit" >"$work/units/stap@.service"
systemd-analyze verify "$work/units/stap@demo.service" >"$work/verify.log" 2>&1 ||
	bad "systemd-analyze verify: $(cat "$work/verify.log")"
[ -s "$work/verify.log" ] && bad "systemd-analyze verify complained: $(cat "$work/verify.log")"
# the check can fail: a unit whose command is missing does
sed "s|^ExecStart=.*|ExecStart=$work/nonexistent run %i|" "$unit" >"$work/units/broken@.service"
systemd-analyze verify "$work/units/broken@demo.service" >/dev/null 2>&1 &&
	bad "systemd-analyze verify accepted a unit whose command does not exist"

# ---- the command, run directly --------------------------------------------
export CTAP_SERVICE_ETC=$work/etc CTAP_SERVICE_CACHE=$work/cache CTAP_SERVICE_STAP=$builddir/stap
mkdir -p "$work/etc/script.d" "$work/etc/conf.d"
"$cmd" >/dev/null 2>&1; [ $? = 2 ] || bad "no arguments: not a usage error"
"$cmd" run ../x >"$work/err" 2>&1; [ $? = 2 ] || bad "a path as NAME: not refused"
"$cmd" run nosuch >"$work/err" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "no script for 'nosuch': $work/etc/script.d/nosuch.stp does not exist" "$work/err" ||
	bad "missing script: status $rc, $(cat "$work/err")"

cat >"$work/etc/script.d/demo.stp" <<'STP'
global ticks
probe begin { println("begun") }
probe timer.ms(10) { ticks++ }
probe end { printf("end: %s\n", ticks > 0 ? "ticked" : "never ticked") }
STP
if [ "$(id -u)" = 0 ] && [ -e /sys/kernel/btf/vmlinux ]; then
	echo "OPTIONS=\"--runtime=bpf -o $work/out\"" >"$work/etc/conf.d/demo.conf"
	"$cmd" run demo >"$work/run.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do grep -q '^begun$' "$work/out" 2>/dev/null && break; sleep 0.1; done
	grep -q '^begun$' "$work/out" 2>/dev/null || bad "run demo: no begin output: $(cat "$work/run.log")"
	sleep 0.2
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=""
	[ $rc = 0 ] || bad "run demo: status $rc after SIGTERM: $(cat "$work/run.log")"
	[ "$(tail -n 1 "$work/out")" = "end: ticked" ] || bad "run demo: end probe output: $(cat "$work/out")"
else
	echo "note: run part not exercised (needs root and BPF)"
fi

kernel=${CTAP_GUEST_KERNEL:-none}
if [ "$kernel" != none ] && [ -e "/lib/modules/$kernel/build/Makefile" ]; then
	echo 'OPTIONS="-v"' >"$work/etc/conf.d/demo.conf"
	"$cmd" build demo "$kernel" >"$work/b1.log" 2>&1 || bad "build demo: $(tail -5 "$work/b1.log")"
	ko=$(find "$work/cache" -name '*.ko' | head -n 1)
	[ -n "$ko" ] || bad "build demo: no module in the service's cache: $(ls -R "$work/cache" | head)"
	"$cmd" build demo "$kernel" >"$work/b2.log" 2>&1 || bad "build demo again: $(tail -5 "$work/b2.log")"
	grep -q "cache hit" "$work/b2.log" || bad "build demo again: not a cache hit: $(grep 'Pass 4' "$work/b2.log")"
	echo 'probe begin { println("changed") }' >>"$work/etc/script.d/demo.stp"
	"$cmd" build demo "$kernel" >"$work/b3.log" 2>&1 || bad "build changed demo: $(tail -5 "$work/b3.log")"
	grep -q "cache hit" "$work/b3.log" && bad "a changed script was a cache hit"
	[ "$(find "$work/cache" -name '*.ko' | wc -l)" = 2 ] || bad "changed script: not a second module"
else
	echo "note: build part not exercised (no headers of the guest kernel '$kernel')"
fi
[ $fail = 0 ] && echo "stap@.service and stap-service: ok"
exit $fail
