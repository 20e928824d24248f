/*
 * sock_target: socket traffic on the loopback device for the pass-5
 * tests of the tcp.*, udp.* and socket.* aliases (testsuite/exec/
 * tapset_net), one step after the other, each with fixed ports so that
 * the tests can print them:
 *
 *   sock_target tcp4   TCP over 127.0.0.1: a listener on port 47321; a
 *                      client bound to 47322 with TCP_NODELAY set
 *                      (setsockopt(IPPROTO_TCP)) connects to it; the
 *                      client sends "hello" (5 bytes), the server reads
 *                      it (64 asked), replies "hi" (2), the client reads
 *                      it (64 asked); the client disconnects with
 *                      connect(AF_UNSPEC) (a reset), and the server's
 *                      next read fails with ECONNRESET; all closed
 *   sock_target tcp6   the same over ::1 with ports 47323 and 47324, and
 *                      IPV6_V6ONLY set on the client (setsockopt
 *                      (IPPROTO_IPV6)) instead of TCP_NODELAY
 *   sock_target udp    UDP over 127.0.0.1: a server bound to 47331 and a
 *                      client bound to 47332 and connected to it; the
 *                      client sends "ping" (4), the server reads it (64
 *                      asked) and sends "pong" (4) back with sendto(2),
 *                      which the client reads (64 asked); the client
 *                      disconnects with connect(AF_UNSPEC); both closed
 *   sock_target sock   socket(2) of two UDP sockets (ports 47341, 47342,
 *                      connected); send(2) of 3 bytes, recv(2) of up to
 *                      10; write(2) of 4, read(2) of up to 10; a recv(2)
 *                      with MSG_DONTWAIT and nothing queued (EAGAIN);
 *                      both closed; socketpair(AF_UNIX, SOCK_STREAM),
 *                      both closed; socket(AF_INET, 15, 0), which fails
 *                      (EINVAL: no such type)
 *   sock_target sendrecv
 *                      send(2) and recv(2) only: UDP (ports 47351,
 *                      47352): send of 3, recv (10 asked), sendto(2) of
 *                      5 back, recvfrom(2) (10 asked), a recv with
 *                      MSG_DONTWAIT and nothing queued (EAGAIN); then an
 *                      AF_UNIX stream pair: send of 6, recv (10 asked)
 *
 * One thread; every step waits for what it sent to arrive, so events
 * happen in the order written here.  Prints nothing; exits 1 (with a
 * message on stderr) when a step does not go as described.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void expect(ssize_t got, ssize_t want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "sock_target: %s returned %zd, expected %zd (%s)\n", what, got,
			want, got < 0 ? strerror(errno) : "");
		exit(1);
	}
}

static socklen_t addr_of(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons((unsigned short)port);
		return sizeof *a;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons((unsigned short)port);
	return sizeof *a;
}

/* a socket bound to the loopback address and PORT */
static int bound(int family, int type, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(family, port, &ss);
	int one = 1;
	int fd = socket(family, type, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&ss, len) != 0)
		die("bind");
	return fd;
}

static void connect_to(int fd, int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(family, port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		die("connect");
}

static void disconnect(int fd)
{
	struct sockaddr sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_family = AF_UNSPEC;
	if (connect(fd, &sa, sizeof sa) != 0)
		die("connect(AF_UNSPEC)");
}

static void tcp(int family, int sport, int cport)
{
	char buf[64];
	int one = 1;
	int l = bound(family, SOCK_STREAM, sport);
	if (listen(l, 1) != 0)
		die("listen");
	/* the client's option before its bind: IPV6_V6ONLY needs that */
	struct sockaddr_storage ss;
	socklen_t len = addr_of(family, cport, &ss);
	int c = socket(family, SOCK_STREAM, 0);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		die("socket");
	if (family == AF_INET6) {
		if (setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
			die("IPV6_V6ONLY");
	} else if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		die("TCP_NODELAY");
	if (bind(c, (struct sockaddr *)&ss, len) != 0)
		die("bind");
	connect_to(c, family, sport);
	int s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	expect(send(c, "hello", 5, 0), 5, "send");
	expect(recv(s, buf, sizeof buf, 0), 5, "recv");
	expect(send(s, "hi", 2, 0), 2, "send");
	expect(recv(c, buf, sizeof buf, 0), 2, "recv");
	disconnect(c);
	errno = 0;
	expect(recv(s, buf, sizeof buf, 0), -1, "recv after the reset");
	if (errno != ECONNRESET)
		die("recv after the reset");
	close(c);
	close(s);
	close(l);
}

static void udp(void)
{
	char buf[64];
	struct sockaddr_storage ss;
	int s = bound(AF_INET, SOCK_DGRAM, 47331);
	int c = bound(AF_INET, SOCK_DGRAM, 47332);
	connect_to(c, AF_INET, 47331);
	expect(send(c, "ping", 4, 0), 4, "send");
	expect(recv(s, buf, sizeof buf, 0), 4, "recv");
	socklen_t len = addr_of(AF_INET, 47332, &ss);
	expect(sendto(s, "pong", 4, 0, (struct sockaddr *)&ss, len), 4, "sendto");
	expect(recv(c, buf, sizeof buf, 0), 4, "recv");
	disconnect(c);
	close(c);
	close(s);
}

static void sock(void)
{
	char buf[10];
	int sv[2];
	int s = bound(AF_INET, SOCK_DGRAM, 47341);
	int c = bound(AF_INET, SOCK_DGRAM, 47342);
	connect_to(c, AF_INET, 47341);
	expect(send(c, "abc", 3, 0), 3, "send");
	expect(recv(s, buf, sizeof buf, 0), 3, "recv");
	expect(write(c, "defg", 4), 4, "write");
	expect(read(s, buf, sizeof buf), 4, "read");
	errno = 0;
	expect(recv(s, buf, sizeof buf, MSG_DONTWAIT), -1, "recv(MSG_DONTWAIT)");
	if (errno != EAGAIN)
		die("recv(MSG_DONTWAIT)");
	close(c);
	close(s);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		die("socketpair");
	close(sv[0]);
	close(sv[1]);
	errno = 0;
	expect(socket(AF_INET, 15, 0), -1, "socket(AF_INET, 15)");
	if (errno != EINVAL)
		die("socket(AF_INET, 15)");
}

static void sendrecv(void)
{
	char buf[10];
	int sv[2];
	struct sockaddr_storage ss;
	int s = bound(AF_INET, SOCK_DGRAM, 47351);
	int c = bound(AF_INET, SOCK_DGRAM, 47352);
	connect_to(c, AF_INET, 47351);
	expect(send(c, "abc", 3, 0), 3, "send");
	expect(recv(s, buf, sizeof buf, 0), 3, "recv");
	socklen_t len = addr_of(AF_INET, 47352, &ss);
	expect(sendto(s, "hello", 5, 0, (struct sockaddr *)&ss, len), 5, "sendto");
	expect(recvfrom(c, buf, sizeof buf, 0, NULL, NULL), 5, "recvfrom");
	errno = 0;
	expect(recv(s, buf, sizeof buf, MSG_DONTWAIT), -1, "recv(MSG_DONTWAIT)");
	if (errno != EAGAIN)
		die("recv(MSG_DONTWAIT)");
	close(c);
	close(s);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		die("socketpair");
	expect(send(sv[0], "abcdef", 6, 0), 6, "send");
	expect(recv(sv[1], buf, sizeof buf, 0), 6, "recv");
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "tcp4"))
			tcp(AF_INET, 47321, 47322);
		else if (!strcmp(argv[i], "tcp6"))
			tcp(AF_INET6, 47323, 47324);
		else if (!strcmp(argv[i], "udp"))
			udp();
		else if (!strcmp(argv[i], "sock"))
			sock();
		else if (!strcmp(argv[i], "sendrecv"))
			sendrecv();
		else {
			fprintf(stderr, "sock_target: unknown step '%s'\n", argv[i]);
			return 1;
		}
	}
	return 0;
}
