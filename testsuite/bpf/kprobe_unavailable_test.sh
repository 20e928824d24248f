#!/bin/bash
# kernel.function probes on the BPF back end (kprobes through the kprobe
# PMU): what pass 3 decides, on any kernel.
#  - with the kprobe verdict pinned to "missing", a kernel.function probe is
#    a pass-3 error that names the probe and what the kernel lacks (once
#    for a wildcard, not once per match), and an optional one (`?`) is
#    dropped;
#  - with it pinned to "present", entry and return probes become one
#    program each ("kprobe kprobe", "kprobe kretprobe"), dispatching on
#    the attach cookie;
#  - .maxactive(N) is refused (the kprobe PMU cannot honour it);
#  - a parameter in a .return probe is saved at entry: a kprobe program
#    beside the kretprobe one, sharing the per-thread map of saved values;
#  - on this kernel, unpinned: where it has no kprobes (no kprobe PMU, as
#    on the 6.18 development hosts) the same error as pinned, naming why.
# The probes running for real are testsuite/vm/bpf_vm_test.sh (in the VM).
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BTF on this kernel: pass 2 cannot type \$count"; exit 77; }
grep -qw vfs_read /proc/kallsyms 2>/dev/null || { echo "no vfs_read in /proc/kallsyms"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; sed 's/^/    /' "$out"; exit 1; }

script='probe kernel.function("vfs_read") { println($count) }'

# pinned missing: a pass-3 error naming the probe and the missing kprobes
CTAP_BPF_FEATURES=kprobe=ENOENT "$stap" --runtime=bpf -p3 -e "$script" >"$out" 2>&1
rc=$?
[ $rc = 1 ] || fail "pinned missing: status $rc, expected 1"
grep -q 'kernel.function probes (here kernel.function("vfs_read")) need kprobes; this kernel does not offer it (kprobe: ENOENT' "$out" ||
	fail "pinned missing: no error naming the probe and kprobes"
grep -q '^Pass 3: translation failed' "$out" || fail "pinned missing: not a pass-3 failure"

# pinned missing, a wildcard: one error for the point, not one per match
CTAP_BPF_FEATURES=kprobe=ENOENT "$stap" --runtime=bpf -p3 \
	-e 'probe kernel.function("vfs_*") { next }' >"$out" 2>&1
rc=$?
[ $rc = 1 ] || fail "pinned missing, wildcard: status $rc, expected 1"
n=$(grep -c 'need kprobes' "$out")
[ "$n" = 1 ] || fail "pinned missing, wildcard: $n errors, expected one for the point"

# pinned missing, optional point: dropped, the rest compiles
CTAP_BPF_FEATURES=kprobe=ENOENT "$stap" --runtime=bpf -p3 \
	-e 'probe kernel.function("vfs_read")? { println($count) } probe begin { exit() }' >"$out" 2>&1 ||
	fail "pinned missing, optional: status $?"
grep -q '^; kprobe' "$out" && fail "pinned missing, optional: a kprobe program was made"

# pinned present: one program per direction, cookie dispatch
CTAP_BPF_FEATURES=kprobe=ok "$stap" --runtime=bpf -p3 -e 'global n
probe kernel.function("vfs_read") { n += $count }
probe kernel.function("vfs_write") { n += $count }
probe kernel.function("vfs_read").return { n += $return }' >"$out" 2>&1 || fail "pinned present: status $?"
grep -q '^; kprobe kprobe: kernel.function("vfs_read") kernel.function("vfs_write")$' "$out" ||
	fail "pinned present: no entry program for both functions"
grep -q '^; kprobe kretprobe: kernel.function("vfs_read").return$' "$out" ||
	fail "pinned present: no return program"
grep -q '^; program p[0-9]*_kprobe: kprobe,' "$out" || fail "pinned present: not a kprobe program"
[ "$(grep -c 'call bpf_get_attach_cookie' "$out")" = 2 ] ||
	fail "pinned present: each program should dispatch on its attach cookie"

# .maxactive(N): cannot be honoured
CTAP_BPF_FEATURES=kprobe=ok "$stap" --runtime=bpf -p3 \
	-e 'probe kernel.function("vfs_read").return.maxactive(20) { println($return) }' >"$out" 2>&1
rc=$?
[ $rc = 1 ] || fail "maxactive: status $rc, expected 1"
grep -q 'probe kernel.function("vfs_read").return.maxactive(20): .maxactive(20) cannot be honoured by the BPF runtime' "$out" ||
	fail "maxactive: no error naming the probe"

# a parameter in a .return probe: saved by a kprobe at the entry
CTAP_BPF_FEATURES=kprobe=ok "$stap" --runtime=bpf -p3 \
	-e 'probe kernel.function("vfs_read").return { println($count) }' >"$out" 2>&1 ||
	fail "entry value: status $?"
grep -q '^; kprobe kprobe: kernel.function("vfs_read@fs/read_write.c:[0-9]*").call$\|^; kprobe kprobe: kernel.function("vfs_read").call$' "$out" ||
	fail "entry value: no kprobe program saving it"
grep -q '^; kprobe kretprobe: kernel.function("vfs_read' "$out" || fail "entry value: no kretprobe program"
grep -q '^;   map __entry_0_0: hash' "$out" || fail "entry value: no map of saved values"

# this kernel, unpinned
if [ -e /sys/bus/event_source/devices/kprobe/type ]; then
	"$stap" --runtime=bpf -p3 -e "$script" >"$out" 2>&1 || fail "this kernel has kprobes, yet -p3 failed"
	grep -q '^; kprobe kprobe: kernel.function("vfs_read")$' "$out" || fail "no kprobe program here"
	echo "this kernel has a kprobe PMU: -p3 lowered the probe"
else
	"$stap" --runtime=bpf -p3 -e "$script" >"$out" 2>&1
	rc=$?
	[ $rc = 1 ] || fail "no kprobe PMU here, yet status $rc"
	grep -q 'need kprobes; this kernel does not offer it (kprobe: E[A-Z]* (' "$out" ||
		fail "no kprobe PMU here: the error does not say why"
	echo "this kernel has no kprobe PMU: pass 3 said so"
fi
exit 0
