/*
 * kvm_irqfd: signals a KVM irqfd N times, for the seed scripts that trace
 * irqfd_wakeup and irqfd_inject (testsuite/exec/seeds/irqfd_*): no vCPU
 * runs; a VM with an in-kernel interrupt controller, an eventfd bound to
 * its GSI 5 by KVM_IRQFD, and N writes to the eventfd, each waking the
 * irqfd (irqfd_wakeup), which injects the interrupt from a kworker
 * (irqfd_inject).
 *
 *   kvm_irqfd N
 *
 * N = 0 only loads KVM (a test's setup, before the session: the BPF back
 * end attaches only to loaded modules) and creates no VM, as each KVM
 * guest inside the TCG test VM is a chance of stalling it.
 *
 * Where /dev/kvm is missing it first loads the running kernel's KVM
 * modules from /lib/modules/RELEASE (irqbypass, kvm, ccp, kvm-amd or
 * kvm-intel by the CPU's flags), as the test VM's initramfs carries them
 * (testsuite/vm/vm-run).  Exits 77 when KVM cannot be had.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void load(const char *release, const char *rel)
{
	char path[512];
	snprintf(path, sizeof path, "/lib/modules/%s/kernel/%s", release, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
		fprintf(stderr, "kvm_irqfd: loading %s: %s\n", path, strerror(errno));
	close(fd);
}

static bool cpu_has(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	bool found = false;
	while (f && !found && fgets(line, sizeof line, f))
		if (!strncmp(line, "flags", 5))
			for (char *t = strtok(line, " \t\n"); t && !found; t = strtok(NULL, " \t\n"))
				found = !strcmp(t, flag);
	if (f)
		fclose(f);
	return found;
}

static int open_kvm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm >= 0)
		return kvm;
	struct utsname u;
	uname(&u);
	load(u.release, "virt/lib/irqbypass.ko");
	load(u.release, "arch/x86/kvm/kvm.ko");
	if (cpu_has("svm")) {
		load(u.release, "drivers/crypto/ccp/ccp.ko");
		load(u.release, "arch/x86/kvm/kvm-amd.ko");
	} else if (cpu_has("vmx")) {
		load(u.release, "arch/x86/kvm/kvm-intel.ko");
	}
	return open("/dev/kvm", O_RDWR | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int kvm = open_kvm();
	if (kvm < 0) {
		fprintf(stderr, "kvm_irqfd: no /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	if (n == 0)
		return 0;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) != 0) {
		fprintf(stderr, "kvm_irqfd: a VM with an irqchip: %s\n", strerror(errno));
		return 1;
	}
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_irqfd irqfd = { .fd = (uint32_t)efd, .gsi = 5 };
	if (efd < 0 || ioctl(vm, KVM_IRQFD, &irqfd) != 0) {
		fprintf(stderr, "kvm_irqfd: KVM_IRQFD: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		uint64_t one = 1;
		if (write(efd, &one, sizeof one) != sizeof one)
			return 1;
		/* one injection at a time: the kworker runs before the next */
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}
