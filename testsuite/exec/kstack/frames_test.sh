#!/bin/bash
# The kernel stack of a syscall tracepoint on the BPF back end against the
# kernel's own symbol table: every frame print_backtrace() prints is
# " 0xADDR : NAME+0xOFF/0xSIZE [kernel]" with ADDR = NAME's address in
# /proc/kallsyms + OFF and OFF < SIZE; backtrace() lists the same
# addresses in the same order; the frames include the syscall entry path
# (do_syscall_64, entry_SYSCALL_64*); and, where perf is installed, the
# frames perf record -g reports for the same event in the same process
# (attached at the same time) are the same addresses, but perf's own
# caller (__traceiter_EVENT).  A tracepoint hit inside the
# kernel (task:task_rename, from __set_task_comm) starts at the function
# that hit it, as perf's stack of the same event does: none of BPF's
# machinery above it (how much there is differs between kernels), and
# nothing of the caller's lost.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
trigger=$CTAP_BUILDDIR/testsuite/exec/helpers/trigger
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BPF"; exit 77; }
[ "$(awk 'NR == 1 { print $1 }' /proc/kallsyms)" != 0000000000000000 ] ||
	{ echo "/proc/kallsyms hides addresses"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
timeout -s KILL 120 "$stap" --runtime=bpf -c "$trigger getppid 1" -e '
probe kernel.trace("syscalls:sys_enter_getppid") {
  if (pid() != target()) next
  print_backtrace()
  printf("bt %s\n", backtrace())
  exit()
}' >"$work/out" 2>"$work/err" || { echo "FAIL: stap: $(cat "$work/err")"; exit 1; }
cat "$work/out"
grep -q '^ 0x[0-9a-f]* : do_syscall_64+' "$work/out" || { echo "FAIL: no do_syscall_64 frame"; exit 1; }
grep -q '^ 0x[0-9a-f]* : entry_SYSCALL_64[a-z_]*+' "$work/out" || { echo "FAIL: no entry_SYSCALL_64 frame"; exit 1; }
n=0
addrs=
while read -r addr name off size mod; do
	base=$(awk -v n="$name" '$3 == n && NF == 3 { print $1; exit }' /proc/kallsyms)
	[ -n "$base" ] || { echo "FAIL: $name not in /proc/kallsyms"; exit 1; }
	[ $((0x$base + off)) = $((addr)) ] || { echo "FAIL: $name+$off is not $addr"; exit 1; }
	[ $((off)) -lt $((size)) ] || { echo "FAIL: $name+$off: offset past the size $size"; exit 1; }
	[ "$mod" = "[kernel]" ] || { echo "FAIL: $name: module $mod"; exit 1; }
	addrs="$addrs$addr "
	n=$((n + 1))
done < <(sed -n 's|^ \(0x[0-9a-f]*\) : \([^+ ]*\)+\(0x[0-9a-f]*\)/\(0x[0-9a-f]*\) \(.*\)$|\1 \2 \3 \4 \5|p' "$work/out")
[ $n -ge 3 ] || { echo "FAIL: $n frames"; exit 1; }
[ "bt $addrs" = "$(grep '^bt ' "$work/out")" ] || { echo "FAIL: backtrace() is not the frames printed"; exit 1; }
echo "$n frames match /proc/kallsyms"
timeout -s KILL 120 "$stap" --runtime=bpf -c "$trigger rename 1" -e '
probe kernel.trace("task:task_rename") {
  if (pid() != target()) next
  print_backtrace()
  exit()
}' >"$work/rename" 2>"$work/err" || { echo "FAIL: stap: $(cat "$work/err")"; exit 1; }
cat "$work/rename"
first=$(sed -n '1s|^ 0x[0-9a-f]* : \([^+]*\)+.*|\1|p' "$work/rename")
[ "$first" = __set_task_comm ] || { echo "FAIL: task_rename's stack starts at '$first', not __set_task_comm"; exit 1; }
command -v perf >/dev/null || { echo "no perf: frames not compared with perf's"; exit 0; }
# perf and stap on the same event of the same process (getppid is 110)
timeout -s KILL 120 perf record -q -g -e raw_syscalls:sys_enter --filter 'id == 110' \
	-o "$work/perf.data" -- "$stap" --runtime=bpf -c "$trigger getppid 1" -e '
probe kernel.trace("syscalls:sys_enter_getppid") {
  if (pid() != target()) next
  printf("bt %s\n", backtrace())
  exit()
}' >"$work/out2" 2>"$work/err2" || { echo "perf record failed here: $(cat "$work/err2")"; exit 0; }
# perf's callback, not the kernel's code, is called from __traceiter_EVENT
# when the event has several (stap's and perf's here): not a frame of the
# syscall path, and not in stap's stack
perf script -i "$work/perf.data" -F comm,ip,sym 2>/dev/null |
	awk '/^ *trigger/ { p = 1; top = 1; next } p && !/^[ \t]*ffff/ { exit }
	     p && top && $2 ~ /^__traceiter_/ { next } p { top = 0; printf "0x%s ", $1 }' >"$work/perf"
echo "stap: $(cat "$work/out2")"
echo "perf: bt $(cat "$work/perf")"
[ "$(cat "$work/out2")" = "bt $(cat "$work/perf")" ] || { echo "FAIL: the frames differ from perf's"; exit 1; }
timeout -s KILL 120 perf record -q -g -e task:task_rename -o "$work/perf2.data" -- "$trigger" rename 1 ||
	{ echo "perf record of task:task_rename failed here"; exit 0; }
perf script -i "$work/perf2.data" -F ip,sym 2>/dev/null |
	awk '/^[ \t]*ffff/ { printf " 0x%s : %s\n", $1, $2 }' >"$work/perf2"
echo "perf at task_rename:"
cat "$work/perf2"
[ "$(head -1 "$work/perf2")" = "$(sed -n '1s|+.*||p' "$work/rename")" ] ||
	{ echo "FAIL: task_rename's first frame differs from perf's"; exit 1; }
exit 0
