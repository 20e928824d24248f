#!/bin/bash
# bpf_ustack_bench: what a BPF user backtrace costs, side by side with a
# probe that prints a constant line from the same uprobe: the stap
# process's CPU time (user space unwinds each stack with libdwfl over the
# copied stack slice, runtime/bpf/ustack.c) and the traced program's run
# time (the kernel-side copy of registers and BPF_USTACK_SIZE bytes).
# Prints figures per hit; asserts nothing.  Needs root and a build tree
# with the exec helpers (make build-tests).
#
# usage: bench/bpf_ustack_bench.sh [BUILDDIR] [HITS]
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
builddir=${1:-${CTAP_BUILDDIR:-.}}
hits=${2:-2000}
target="$builddir/testsuite/exec/helpers/ustack_target_nofp"
[ -x "$target" ] || { echo "bpf_ustack_bench: no $target (make build-tests)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-ustack-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/const.stp" <<'S'
probe process(@1).function("d") { printf("d+0x0\n") }
S
cat >"$work/ustack.stp" <<'S'
probe process(@1).function("d") { print_ubacktrace_brief() }
S
echo "== bpf_ustack_bench: $hits hits of a uprobe 4 calls deep (-O2 -fomit-frame-pointer)"
# three rounds, interleaved (the machine is shared: noise is large)
for round in 1 2 3; do
	for s in const ustack; do
		# -s: enough ring buffer (8.4 KB a stack)
		/usr/bin/time -f "%U %S %e" -o "$work/$s.time" \
			"$builddir/stap" --runtime=bpf -s $(( hits * 9 / 1024 + 8 )) -c "$target $hits" \
			"$work/$s.stp" "$target" >"$work/$s.out" 2>"$work/$s.err"
		read -r u sy el <"$work/$s.time"
		n=$(grep -c '^d+0x0' "$work/$s.out")
		echo "round $round $s: stap ${u}s user ${sy}s sys, ${el}s wall, $n stacks printed"
		eval "u_$s=$u; s_$s=$sy; n_$s=$n"
	done
	if [ "$n_ustack" -gt 0 ]; then
		echo "round $round per stack: user $(echo "($u_ustack - $u_const) * 1000000 / $n_ustack" | bc -l | cut -c1-5) us, sys $(echo "($s_ustack - $s_const) * 1000000 / $n_ustack" | bc -l | cut -c1-5) us (differences / stacks)"
	fi
done
