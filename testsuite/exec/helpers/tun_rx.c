/*
 * tun_rx: N packets received by the kernel through a TUN device, for the
 * seed scripts that print the stack of netif_receive_skb
 * (testsuite/exec/seeds/netif_receive_skb*): on 6.1 no code built into
 * the kernel calls netif_receive_skb (loopback goes through netif_rx and
 * the backlog to __netif_receive_skb); drivers do, and the TUN driver is
 * one: each write(2) of a packet to a TUN device is a packet received by
 * the kernel (tun_chr_write_iter -> tun_get_user -> netif_receive_skb,
 * the path of the vhost_net/tun stack in the document).
 *
 *   tun_rx N
 *
 * Creates the TUN device ctap0 (IFF_TUN | IFF_NO_PI: a write is one bare
 * IPv4 packet), brings it up (a device that is down drops what is written
 * to it), and writes N small IPv4/UDP packets from 192.0.2.1 to
 * 192.0.2.2 (TEST-NET-1; no address is configured, so IP drops them
 * after netif_receive_skb has run).  Where /dev/net/tun is missing it
 * first loads the running kernel's tun.ko from /lib/modules/RELEASE, as
 * the test VM's initramfs carries it (testsuite/vm/vm-run).  Exits 77
 * when no TUN device can be had, 1 when a write fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tun_dev.h"


static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	struct ifreq ifr;
	int fd = tun_attach("tun_rx", IFF_TUN, &ifr);
	if (fd < 0)
		return 77;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		printf("tun_rx: SIOCGIFFLAGS: %s\n", strerror(errno));
		return 77;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		printf("tun_rx: SIOCSIFFLAGS: %s\n", strerror(errno));
		return 77;
	}
	close(s);

	/* IPv4 header (20 bytes), UDP header (8), payload "ctap" (4) */
	uint8_t pkt[32] = {
		0x45, 0, 0, sizeof pkt, 0, 1, 0, 0, 64, 17, 0, 0,
		192, 0, 2, 1, 192, 0, 2, 2,
		0x30, 0x39, 0x30, 0x39, 0, 12, 0, 0,
		'c', 't', 'a', 'p',
	};
	uint16_t ck = ip_checksum(pkt, 20);
	pkt[10] = (uint8_t)(ck >> 8);
	pkt[11] = (uint8_t)ck;
	for (long k = 0; k < n; k++)
		if (write(fd, pkt, sizeof pkt) != (ssize_t)sizeof pkt) {
			printf("tun_rx: write: %s\n", strerror(errno));
			return 1;
		}
	close(fd);
	return 0;
}
