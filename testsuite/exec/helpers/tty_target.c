/*
 * tty_target: one pseudo-terminal's life, for the tty.* aliases
 * (testsuite/exec/tapset_tty).  The pair comes from a devpts instance of
 * its own, mounted in a mount namespace of its own (the test VM has no
 * /dev/pts, and a fresh instance numbers the pair 0 with fixed inode
 * numbers: ptmx 2, the slave 0 is 3):
 *
 *   1. opens DIR/ptmx (the master: tty_init_dev) and unlocks it
 *      (TIOCSPTLCK), opens the slave DIR/0 (tty_open);
 *   2. turns the slave's echo and output processing off (TCGETS,
 *      TCSETS on the slave, as ioctls: a C library may use other requests
 *      for tcsetattr): each write is then one chunk for the other side;
 *   3. sets the window size through the slave (24x80, pixels 640x480)
 *      and through the master (50x132, pixels 0x0) (TIOCSWINSZ);
 *   4. writes "ctap-in\n" to the master (it reaches the slave's line
 *      discipline, tty.receive), polls the slave for input (POLLIN, no
 *      wait), reads the line from the slave (64 bytes asked for);
 *   5. writes "ctap-out\n" to the slave and reads it from the master;
 *   6. closes the slave, then the master (tty_release).
 *
 * Prints nothing when all goes well; exits 77 (saying why) when no
 * devpts instance can be had, 1 when a step fails.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("tty_target: %s: %s\n", what, strerror(errno));
	return 1;
}

static int resize(int fd, unsigned short row, unsigned short col, unsigned short x, unsigned short y)
{
	struct winsize ws = { .ws_row = row, .ws_col = col, .ws_xpixel = x, .ws_ypixel = y };
	return ioctl(fd, TIOCSWINSZ, &ws);
}

int main(void)
{
	char dir[] = "/tmp/ctap-pts.XXXXXX", path[64], buf[64];

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		printf("tty_target: no mount namespace: %s\n", strerror(errno));
		return 77;
	}
	if (!mkdtemp(dir)) {
		printf("tty_target: mkdtemp: %s\n", strerror(errno));
		return 77;
	}
	if (mount("devpts", dir, "devpts", 0, "newinstance,ptmxmode=0666,mode=0620") != 0) {
		printf("tty_target: mount devpts: %s\n", strerror(errno));
		rmdir(dir);
		return 77;
	}
	int status = 1;
	snprintf(path, sizeof path, "%s/ptmx", dir);
	int m = open(path, O_RDWR | O_NOCTTY);
	if (m < 0) {
		fail("open ptmx");
		goto out;
	}
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) != 0) {
		fail("TIOCSPTLCK");
		goto out;
	}
	snprintf(path, sizeof path, "%s/0", dir);
	int s = open(path, O_RDWR | O_NOCTTY);
	if (s < 0) {
		fail("open slave");
		goto out;
	}
	struct termios t; /* its head is the kernel's struct termios */
	if (ioctl(s, TCGETS, &t) != 0)
		goto bad;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	t.c_oflag &= ~(tcflag_t)OPOST;
	if (ioctl(s, TCSETS, &t) != 0)
		goto bad;
	if (resize(s, 24, 80, 640, 480) != 0 || resize(m, 50, 132, 0, 0) != 0)
		goto bad;
	if (write(m, "ctap-in\n", 8) != 8)
		goto bad;
	/* the line reaches the slave through a work item: wait for it */
	struct pollfd p = { .fd = s, .events = POLLIN };
	for (int k = 0; k < 200 && poll(&p, 1, 0) == 0; k++)
		usleep(10000);
	if (read(s, buf, sizeof buf) != 8)
		goto bad;
	if (write(s, "ctap-out\n", 9) != 9)
		goto bad;
	if (read(m, buf, sizeof buf) <= 0)
		goto bad;
	close(s);
	close(m);
	status = 0;
	goto out;
bad:
	fail("slave");
out:
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return status;
}
