#!/usr/bin/env bash
# lane: vm (testsuite/run runs it beside the other tests)
# kmod_vm_test: the kmod runtime and staprun on a real kernel.  Boots the
# VM harness (vm-run: Debian's 6.1 kernel under QEMU/TCG, installed with
# apt-get if missing) once for every handwritten module case in
# testsuite/kmod/handwritten and passes only if every case does, with no
# kernel warning and nothing left loaded.  Exit 77 only when the VM cannot
# be provided at all (vm-run says why).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=${CTAP_SRCDIR:-$(cd "$here/../.." && pwd -P)}
builddir=${CTAP_BUILDDIR:-$srcdir}
staprun=$builddir/staprun

if [ ! -x "$staprun" ]; then
	echo "kmod_vm_test: no staprun at $staprun (run make first)"
	exit 1
fi
exec "$srcdir/testsuite/vm/vm-run" --srcdir "$srcdir" --staprun "$staprun" \
	"$srcdir/testsuite/kmod/handwritten"
