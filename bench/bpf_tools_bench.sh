#!/bin/bash
# bpf_tools_bench: what typical tools cost to translate and load on the BPF
# back end (issue 12: "typical tools load in under one second each"), for
# the stap of BUILDDIR against another one (OLD_STAP, e.g. built from main
# before a change to compiler/bpf), side by side in one run, ROUNDS times,
# reported as min and median (HACKING.md: performance is measured here,
# never asserted in tests).
#
#  failed_errno   syscall.*.return printing errno_str(retval) of failures
#  failed_retstr  the same printing the aliases' retstr
#  exec_argv      syscall.execve printing user_string_n of each argv element
#  exec_argstr    syscall.execve printing argstr
#  open_argstr    syscall.openat printing argstr
#  count_regex    syscall.* counting per (execname, name) behind an =~ filter
#
# Per tool and stap: instructions (pass 3, all programs), pass 3 ms, load ms
# (pass 5: verifier and JIT of every program), and "refused" when the
# verifier (or pass 3) does not accept the tool, with the reason.
#
# usage: bench/bpf_tools_bench.sh [BUILDDIR] [ROUNDS]     (as root)
#        OLD_STAP=/path/to/old/stap bench/bpf_tools_bench.sh ...
set -u
. "$(dirname "$0")/lib.sh"
builddir=${1:-${CTAP_BUILDDIR:-.}}
rounds=${2:-3}
new=$builddir/stap
[ -x "$new" ] || { echo "bpf_tools_bench: no $new (build first)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-tools-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/failed_errno.stp" <<'STP'
probe syscall.*.return { if (retval < 0) printf("%s %s %s\n", execname(), name, errno_str(retval)) }
STP
cat >"$work/failed_retstr.stp" <<'STP'
probe syscall.*.return { if (retval < 0) printf("%s %s %s\n", execname(), name, retstr) }
STP
cat >"$work/exec_argv.stp" <<'STP'
probe syscall.execve {
	__argv = $regs->si
	printf("%s:", execname())
	for (i = 0; i < 32; i++) {
		p = user_long(__argv + i * 8)
		if (p == 0) break
		printf(" %s", user_string_n(p, 64))
	}
	printf("\n")
}
STP
cat >"$work/exec_argstr.stp" <<'STP'
probe syscall.execve { printf("%s %s\n", execname(), argstr) }
STP
cat >"$work/open_argstr.stp" <<'STP'
probe syscall.openat { printf("%s %s\n", execname(), argstr) }
STP
cat >"$work/count_regex.stp" <<'STP'
global calls
probe syscall.* { if (execname() =~ "^(ba|da)sh$") calls[execname(), name]++ }
STP
tools="failed_errno failed_retstr exec_argv exec_argstr open_argstr count_regex"

staps="new"
[ -n "${OLD_STAP:-}" ] && staps="old new"
stap_of() { [ "$1" = old ] && echo "$OLD_STAP" || echo "$new"; }


# run STAP TOOL TAG: the tool loaded, attached and detached once (-c true)
run() {
	local out=$work/$3.log
	timeout 300 "$1" -vv --runtime=bpf "$work/$2.stp" -c true >"$out" 2>&1
	sed -n 's/^Pass 5: loaded [0-9]* programs ([0-9]* instructions) in \([0-9.]*\) ms.*/\1/p' \
		"$out" >>"$work/load.$3"
	sed -n 's/^Pass 3: translated .* in [0-9]*usr\/[0-9]*sys\/\([0-9]*\)real ms.*/\1/p' \
		"$out" >>"$work/p3.$3"
	sed -n 's/^Pass 3: translated to BPF: [0-9]* programs (\([0-9]*\) instructions).*/\1/p' \
		"$out" | tail -1 >"$work/insns.$3"
	if ! grep -q "probes are live" "$out"; then
		grep -m1 -E "ERROR|error" "$out" | cut -c1-110 >"$work/why.$3"
	fi
}

echo "== typical tools on the BPF back end, $rounds rounds ($(uname -r))"
for r in $(seq 1 "$rounds"); do
	for t in $tools; do
		for s in $staps; do
			run "$(stap_of $s)" "$t" "$s-$t"
		done
	done
done
printf "%-14s %-4s %9s %10s %10s %10s %10s  %s\n" tool stap insns "p3 ms med" "load min" \
	"load med" verdict ""
for t in $tools; do
	for s in $staps; do
		tag=$s-$t
		verdict=ok
		why=""
		if [ -s "$work/why.$tag" ]; then verdict=refused; why=$(cat "$work/why.$tag"); fi
		printf "%-14s %-4s %9s %10s %10s %10s %10s  %s\n" "$t" "$s" "$(cat "$work/insns.$tag")" \
			"$(median <"$work/p3.$tag")" "$(minimum <"$work/load.$tag")" \
			"$(median <"$work/load.$tag")" "$verdict" "$why"
	done
done
