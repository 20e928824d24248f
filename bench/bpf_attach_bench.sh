#!/bin/sh
# bpf_attach_bench: what the BPF back end's attach families and program
# loading cost on the running kernel, side by side (perf tracepoint vs
# raw_tracepoint, 100 uprobes vs one uprobe_multi link, load time by
# program size, per-event overhead).  Builds bench/bpf_attach_bench.c
# against a build tree's libctap.a and runs it as root.  Prints
# milliseconds; asserts nothing.  The 100 perf-event uprobes take ~10 s to
# detach (twice: once closed serially, once from 8 threads).
#
# usage: bench/bpf_attach_bench.sh [BUILDDIR]
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
builddir=${1:-${CTAP_BUILDDIR:-.}}
[ -f "$builddir/libctap.a" ] || { echo "bpf_attach_bench: no $builddir/libctap.a (build first)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ctap-bpf-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
${CC:-cc} -std=gnu11 -O2 -g -D_GNU_SOURCE -I"$builddir" -I"$srcdir/compiler" -I"$srcdir/runtime" \
	-o "$work/bpf_attach_bench" "$srcdir/bench/bpf_attach_bench.c" \
	"$builddir/libctap.a" -lbpf -lelf -lz -lpthread -lm || exit 2
echo "== bpf_attach_bench on $(uname -r)"
"$work/bpf_attach_bench"
