/*
 * tun_dev: a TUN or TAP device named ctap0 for the test helpers that need
 * one (tun_rx, netdev_target); the tun module is loaded from the running
 * kernel's tree when the guest has not loaded it yet.
 */
#ifndef CTAP_TEST_TUN_DEV_H
#define CTAP_TEST_TUN_DEV_H

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int open_tun(const char *who)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	struct utsname u;
	char path[512];
	uname(&u);
	snprintf(path, sizeof path, "/lib/modules/%s/kernel/drivers/net/tun.ko", u.release);
	int m = open(path, O_RDONLY | O_CLOEXEC);
	if (m >= 0) {
		if (syscall(SYS_finit_module, m, "", 0) != 0 && errno != EEXIST)
			fprintf(stderr, "%s: loading %s: %s\n", who, path, strerror(errno));
		close(m);
	}
	return open("/dev/net/tun", O_RDWR | O_CLOEXEC);
}

/* ctap0 of the given kind (IFF_TUN or IFF_TAP), its ifreq in *ifr; -1
 * after saying why on stdout (the helper then exits 77: no device here) */
static int tun_attach(const char *who, short kind, struct ifreq *ifr)
{
	int fd = open_tun(who);
	if (fd < 0) {
		printf("%s: no TUN device: %s\n", who, strerror(errno));
		return -1;
	}
	memset(ifr, 0, sizeof *ifr);
	ifr->ifr_flags = kind | IFF_NO_PI;
	strncpy(ifr->ifr_name, "ctap0", IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, ifr) != 0) {
		printf("%s: TUNSETIFF: %s\n", who, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

#endif
