# shellcheck shell=bash
# shellcheck disable=SC2034  # vm_packages_why is read by vm-run
# vm-packages.sh: sourced by vm-run.  Makes sure the host has what the VM
# needs (qemu-system-x86, busybox, a Debian kernel image and its headers)
# and installs what is missing with apt-get, since CI machines start
# fresh.  vm_packages_ensure returns 1 with $vm_packages_why set when that
# is impossible.

vm_packages_why=""

vm_have_kernel() { # a usable guest kernel (vm_kernel_version finds one)
	vm_kernel_version >/dev/null
}

vm_apt_install() { # vm_apt_install PACKAGE...: 0, or 1 with vm_packages_why set
	if ! command -v apt-get >/dev/null; then
		vm_packages_why="missing $* and no apt-get to install them"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		vm_packages_why="missing $*; installing them needs root"
		return 1
	fi
	echo "vm-run: installing $*" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "$@"; } \
		>/tmp/ctap-vm-apt.log 2>&1; then
		vm_packages_why="apt-get could not install $* (see /tmp/ctap-vm-apt.log)"
		return 1
	fi
	return 0
}

# A specific guest kernel (--kernel / CTAP_VM_KERNEL) that is not installed.
vm_kernel_install() {
	vm_apt_install "linux-image-$1" "linux-headers-$1"
}

vm_packages_ensure() {
	local want=()

	command -v qemu-system-x86_64 >/dev/null || want+=(qemu-system-x86)
	command -v busybox >/dev/null || want+=(busybox-static)
	command -v cpio >/dev/null || want+=(cpio)
	vm_have_kernel || want+=(linux-image-amd64 linux-headers-amd64)
	[ ${#want[@]} -eq 0 ] && return 0
	vm_apt_install "${want[@]}" || return 1
	command -v qemu-system-x86_64 >/dev/null && command -v busybox >/dev/null &&
		command -v cpio >/dev/null && vm_have_kernel && return 0
	vm_packages_why="${want[*]} installed but still unusable"
	return 1
}

# vm_kernel_version [WANTED]: the guest kernel release -- WANTED if given;
# else the release Debian's linux-image-amd64 depends on (what a fresh
# machine gets); else the newest image with headers.  A release is usable
# when its image and its build tree are both installed.
vm_kernel_usable() {
	[ -e "/boot/vmlinuz-$1" ] && [ -f "/lib/modules/$1/build/Makefile" ]
}

vm_kernel_version() {
	local v
	if [ -n "${1:-}" ]; then
		vm_kernel_usable "$1" || return 1
		echo "$1"
		return 0
	fi
	v=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
	if [ -n "$v" ] && vm_kernel_usable "$v"; then
		echo "$v"
		return 0
	fi
	for v in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -rV); do
		if vm_kernel_usable "$v"; then
			echo "$v"
			return 0
		fi
	done
	return 1
}
