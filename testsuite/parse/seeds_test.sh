#!/bin/bash
# seeds_test: every seed script parses (stap -p1) with the options its
# author used, as listed in testsuite/fixtures/seeds/INDEX.md: -g for
# 004-copy_process.stp and 004-stap_set_var.stp, the arguments
# "irqfd_wakeup irqfd_inject" for 001-see_kfunc_run.stp, none for the rest.
# The scripts are kept in testsuite/fixtures/seeds (README.md there), so
# the test always runs; seeds_shared_test checks the copies against their
# origin.
set -u
stap=${CTAP_STAP:-${CTAP_BUILDDIR:-.}/stap}
srcdir=${CTAP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd -P)}
seeds=$srcdir/testsuite/fixtures/seeds
[ -x "$stap" ] || { echo "no stap at $stap"; exit 2; }
err=$(mktemp "${TMPDIR:-/tmp}/ctap-seeds.XXXXXX")
trap 'rm -f "$err"' EXIT

options() { # NAME -> options and arguments the author used
	case "$1" in
	004-copy_process.stp|004-stap_set_var.stp) echo "-g" ;;
	001-see_kfunc_run.stp) echo "ARGS irqfd_wakeup irqfd_inject" ;;
	esac
}

n=0
failed=0
cd "$seeds" || exit 2
for f in *.stp; do
	n=$((n + 1))
	opts=$(options "$f")
	args=""
	case "$opts" in ARGS*) args=${opts#ARGS }; opts="" ;; esac
	# shellcheck disable=SC2086
	if ! timeout 60 "$stap" -p1 $opts "$f" $args >/dev/null 2>"$err"; then
		failed=$((failed + 1))
		echo "FAIL $f (stap -p1 $opts $f $args):"
		head -5 "$err"
	elif [ -s "$err" ]; then
		failed=$((failed + 1))
		echo "FAIL $f: parsed, but with messages:"
		head -5 "$err"
	fi
done
echo "seed scripts: $n parsed with -p1, $failed failed"
[ $failed = 0 ]
