/*
 * tcp_pingpong: N request/reply exchanges over one TCP connection on the
 * loopback device, for the seed script that traces the lines of
 * __tcp_ack_snd_check (testsuite/exec/seeds/tcp_ack_snd_check_*): every
 * segment with data that a socket receives ends in that function, which
 * decides between an immediate ACK and a delayed one.
 *
 *   tcp_pingpong N
 *
 * One process, no threads, so that the order of events is the same in
 * every run: a listener on 127.0.0.1 (a free port), a client connected to
 * it, then N times the client sends "ping" (4 bytes) and the server, having
 * read it, replies "pong", which the client reads; then both close.  The
 * loopback device hands each segment to the receiving socket at once
 * (softirq on the sending CPU), so every exchange is complete before the
 * next starts.  Exits 1 when a socket call fails.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
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

static void xfer(int from, int to, const char *msg)
{
	char buf[8];
	if (write(from, msg, 4) != 4)
		die("write");
	size_t got = 0;
	while (got < 4) {
		ssize_t r = read(to, buf + got, 4 - got);
		if (r <= 0)
			die("read");
		got += (size_t)r;
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) != 0)
		die("listen");
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0)
		die("connect");
	int s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	for (long k = 0; k < n; k++) {
		xfer(c, s, "ping");
		xfer(s, c, "pong");
	}
	close(c);
	close(s);
	close(l);
	return 0;
}
