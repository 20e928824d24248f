/*
 * reader: the module's output channel, copied to the output by a thread of
 * its own so that a full output file never stalls the control channel.
 *
 * Output and messages travel on different channels, in order all the
 * same: a message names how many bytes of output came before it, and the
 * module holds the output after it back until the message was read from
 * the control channel (transport_proto.h).  The control side reads and
 * handles messages under reader_lock(), writing out the output up to each
 * message (reader_fence) before printing it; the thread reads only under
 * that lock (the descriptor is non-blocking: it waits in poll), so it
 * cannot write what came after a message before the message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kmod/transport_proto.h"
#include "staprun.h"

static int data_fd = -1;
static int reader_error;
static pthread_t reader_thread;
static bool reader_running;
static pthread_mutex_t data_lock = PTHREAD_MUTEX_INITIALIZER;
static char data_buf[256 * 1024];
static uint64_t data_read;	/* bytes of output read so far */

int reader_open(const char *modname)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/" CTAP_PROC_PREFIX "%s/data", modname);
	data_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (data_fd < 0) {
		msg_error("Cannot open module %s output channel: %s", modname, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * One read, written out (data_lock held): >0 bytes copied, 0 at the end of
 * the output, -EAGAIN when nothing is there now (or upto is reached), -1
 * when reading ended (the module was removed: the session reports that).
 */
static ssize_t reader_pump_locked(uint64_t upto)
{
	size_t want = sizeof(data_buf);
	ssize_t n;

	if (upto <= data_read)
		return -EAGAIN;
	if (upto - data_read < want)
		want = (size_t)(upto - data_read);
	do
		n = read(data_fd, data_buf, want);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		data_read += (uint64_t)n;
		if (output_write(data_buf, (size_t)n))
			reader_error = 1;
		return n;
	}
	if (n < 0 && errno == EAGAIN)
		return -EAGAIN;
	if (n < 0 && errno != EIO && errno != ENODEV)
		msg_error("Reading the module's output failed: %s", strerror(errno));
	return n < 0 ? -1 : 0;
}

void reader_lock(void)
{
	pthread_mutex_lock(&data_lock);
}

void reader_unlock(void)
{
	pthread_mutex_unlock(&data_lock);
}

static void *reader_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p = { .fd = data_fd, .events = POLLIN };
		ssize_t n;
		int old;

		if (poll(&p, 1, -1) < 0 && errno != EINTR) {
			msg_error("poll failed: %s", strerror(errno));
			return NULL;
		}
		/* a cancel (reader_stop) never cuts a record in two */
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		reader_lock();
		n = reader_pump_locked(UINT64_MAX);
		reader_unlock();
		pthread_setcancelstate(old, NULL);
		if (n == 0 || n == -1)
			return NULL;
	}
}

void reader_fence(uint64_t data_pos)
{
	if (!reader_running)
		return;
	while (reader_pump_locked(data_pos) > 0)
		;
}

int reader_start(void)
{
	sigset_t all, old;
	int rc;

	/* Signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&reader_thread, NULL, reader_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		msg_error("Couldn't start the output reader: %s", strerror(rc));
		return -1;
	}
	reader_running = true;
	return 0;
}

/*
 * Ends the reader before its descriptor is closed (a read of a closed
 * descriptor fails with EBADF, or reads whatever reuses the number).
 * After DONE the module gives EOF once drained; otherwise (the module
 * vanished, or cannot stop) the read ends with EIO when the module is
 * removed, and a reader still blocked after a second is cancelled.
 */
void reader_stop(bool until_eof)
{
	struct timespec deadline;

	if (!reader_running)
		return;
	reader_running = false;
	if (until_eof) {
		pthread_join(reader_thread, NULL);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 1;
	if (pthread_timedjoin_np(reader_thread, NULL, &deadline) == 0)
		return;
	pthread_cancel(reader_thread);
	pthread_join(reader_thread, NULL);
}

int reader_close(void)
{
	if (data_fd >= 0)
		close(data_fd);
	data_fd = -1;
	return reader_error ? -1 : 0;
}
