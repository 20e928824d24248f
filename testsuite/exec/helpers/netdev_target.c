/*
 * netdev_target: network-device operations of one process, for the
 * netdev.* aliases (testsuite/exec/tapset_netdev), in a network namespace
 * of its own (nothing to clean up: it goes away with the process), with
 * IPv6 off there so that no neighbour discovery sends packets.
 * The interface ioctls go through an AF_UNIX socket, which hands every
 * one of them to dev_ioctl() (an AF_INET socket keeps SIOCSIFFLAGS):
 *
 *   1. creates the TAP device ctap0 (register_netdevice);
 *   2. sets its MTU to 1400 (SIOCSIFMTU), its MAC address to
 *      02:00:00:00:00:01 and then 02:00:00:00:00:02 (SIOCSIFHWADDR);
 *   3. brings it up (SIOCGIFFLAGS, SIOCSIFFLAGS), makes it promiscuous
 *      (SIOCSIFFLAGS), reads /proc/self/net/dev (the statistics of lo and
 *      ctap0), leaves promiscuous mode and brings it down (SIOCSIFFLAGS
 *      twice);
 *   4. closes the TAP file: the kernel unregisters ctap0;
 *   5. brings lo up and sends one UDP datagram of 4 bytes ("ctap") from
 *      127.0.0.1 to a socket bound on 127.0.0.1: lo transmits it and
 *      receives it (netif_rx), in this process.
 *
 * Where /dev/net/tun is missing it first loads the running kernel's
 * tun.ko from /lib/modules/RELEASE (the test VM's initramfs carries it).
 * Prints nothing when all goes well; exits 77 (saying why) when it cannot
 * have a namespace or a TAP device, 1 when a later step fails.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tun_dev.h"


static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			(void)0; /* no IPv6: nothing to turn off */
		close(fd);
	}
}

static int fail(const char *what)
{
	printf("netdev_target: %s: %s\n", what, strerror(errno));
	return 1;
}

static int set_flags(int s, const char *name, short on, short off)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags = (short)((ifr.ifr_flags | on) & ~off);
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int set_mac(int s, unsigned char last)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, "ctap0", IFNAMSIZ - 1);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	unsigned char mac[6] = { 0x02, 0, 0, 0, 0, last };
	memcpy(ifr.ifr_hwaddr.sa_data, mac, sizeof mac);
	return ioctl(s, SIOCSIFHWADDR, &ifr);
}

int main(void)
{
	if (unshare(CLONE_NEWNET) != 0) {
		printf("netdev_target: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail("socket");

	struct ifreq ifr;
	int tap = tun_attach("netdev_target", IFF_TAP, &ifr);
	if (tap < 0)
		return 77;

	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, "ctap0", IFNAMSIZ - 1);
	ifr.ifr_mtu = 1400;
	if (ioctl(s, SIOCSIFMTU, &ifr) != 0)
		return fail("SIOCSIFMTU");
	if (set_mac(s, 1) != 0 || set_mac(s, 2) != 0)
		return fail("SIOCSIFHWADDR");
	if (set_flags(s, "ctap0", IFF_UP, 0) != 0)
		return fail("ctap0 up");
	if (set_flags(s, "ctap0", IFF_PROMISC, 0) != 0)
		return fail("ctap0 promisc");
	char buf[4096];
	int fd = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof buf) <= 0)
		return fail("/proc/self/net/dev");
	close(fd);
	if (set_flags(s, "ctap0", 0, IFF_PROMISC) != 0)
		return fail("ctap0 -promisc");
	if (set_flags(s, "ctap0", 0, IFF_UP) != 0)
		return fail("ctap0 down");
	close(tap);

	if (set_flags(s, "lo", IFF_UP, 0) != 0)
		return fail("lo up");
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(4242) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (r < 0 || u < 0 || bind(r, (struct sockaddr *)&a, sizeof a) != 0)
		return fail("bind");
	if (sendto(u, "ctap", 4, 0, (struct sockaddr *)&a, sizeof a) != 4)
		return fail("sendto");
	if (recv(r, buf, sizeof buf, 0) != 4)
		return fail("recv");
	return 0;
}
