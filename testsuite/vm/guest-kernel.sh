# guest-kernel.sh: sourced by the shell tests that boot the VM.
#
# guest_kernel_or_skip: sets kver to the guest kernel's release (installing
# it and its headers when missing: testsuite/vm/guest-kernel --install);
# when there is none, prints why and exits 77, which counts as a skip.
guest_kernel_or_skip() {
	local why
	why=$(mktemp)
	if ! kver=$("$srcdir/testsuite/vm/guest-kernel" --install 2>"$why"); then
		tail -n 1 "$why"
		rm -f "$why"
		exit 77
	fi
	rm -f "$why"
}
