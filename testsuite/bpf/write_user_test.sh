#!/bin/bash
# Guru writes to target variables on the BPF back end ($p->id = 222), what
# pass 3 decides on any kernel (the write running for real is
# exec/seeds/stap_set_var, in the 6.1 VM and where the kernel allows it):
#  - with bpf_probe_write_user pinned "present": one helper call of the
#    member's size at the address the member would be read from;
#  - pinned "refused" (kernel lockdown leaves the helper out): a pass-3
#    error naming the kernel's refusal and the back end that can write;
#  - kernel memory (a tracepoint's struct): an error, BPF has no helper
#    that writes it; a compound assignment: an error;
#  - without -g: pass 2 refuses the write, as SystemTap does.
set -u
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
prog=$CTAP_BUILDDIR/testsuite/exec/seeds/stap_set_var
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BTF on this kernel"; exit 77; }
[ -x "$prog" ] || { echo "no $prog (make build-tests)"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; sed 's/^/    /' "$out" | head -20; exit 1; }
write='probe process(@1).statement("main@./stap_set_var.c:17") { $p->id = 222 }'

CTAP_BPF_FEATURES=probe_write_user=ok "$stap" --runtime=bpf -g -p3 -e "$write" "$prog" >"$out" 2>&1 ||
	fail "pinned present: status $?"
grep -q 'call bpf_probe_write_user' "$out" || fail "pinned present: no bpf_probe_write_user call"
grep -B3 'call bpf_probe_write_user' "$out" | grep -q '(b7) r3 = 4 ' ||
	fail "pinned present: not a 4-byte write (id is an int)"

CTAP_BPF_FEATURES=probe_write_user=EINVAL "$stap" --runtime=bpf -g -p3 -e "$write" "$prog" >"$out" 2>&1
rc=$?
[ $rc = 1 ] || fail "pinned refused: status $rc, expected 1"
grep -q 'cannot write this target variable with the BPF runtime here: the kernel refuses bpf_probe_write_user to BPF programs (kernel lockdown' "$out" ||
	fail "pinned refused: not the lockdown error"

"$stap" --runtime=bpf -g -p3 -e 'probe kernel.trace("sched:sched_process_fork") { $child->prio = 1 }' >"$out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'writing kernel memory (BPF programs can write only user memory) is not supported' "$out" ||
	fail "kernel memory: status $rc"

CTAP_BPF_FEATURES=probe_write_user=ok "$stap" --runtime=bpf -g -p3 \
	-e 'probe process(@1).statement("main@./stap_set_var.c:17") { $p->id += 1 }' "$prog" >"$out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'a compound assignment to a target variable is not supported' "$out" ||
	fail "compound assignment: status $rc"

"$stap" --runtime=bpf -p3 -e "$write" "$prog" >"$out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'write to target variable not permitted; need stap -g' "$out" ||
	fail "without -g: status $rc"
echo "ok: a 4-byte bpf_probe_write_user; lockdown, kernel memory, += and no -g refused"
