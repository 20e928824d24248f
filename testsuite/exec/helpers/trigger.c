/*
 * trigger: a process that does exactly what a pass-5 test asks, so that
 * probe counts are deterministic:
 *
 *   trigger getppid N     N getppid() calls
 *   trigger sleep N MS    N sleeps of MS milliseconds (context switches)
 *   trigger spin MS       burn MS milliseconds of CPU time
 *   trigger open PATH N   N openat(PATH) calls (failures are fine)
 *   trigger read PATH N   one read(2) of N bytes from PATH
 *   trigger write TEXT N  N write(2)s of TEXT (its bytes, no NUL) to /dev/null
 *   trigger rename N      N prctl(PR_SET_NAME) calls (task:task_rename,
 *                         a tracepoint hit inside the kernel's own code)
 *   trigger euid N        seteuid(N) (the real uid stays)
 *   trigger exit N        exit with status N
 *   trigger fork N        N fork()s, one after the other: each child exits at
 *                         once and is waited for
 *   trigger kill SIG      kill itself with SIG
 *   trigger threads N     N threads, one after the other: each makes one
 *                         getppid() call, ends and is joined
 *   trigger run PATH ARG...  execv(PATH, the rest): the last step
 *   trigger execve KIND   a failing execve("/nonexistent/ctap-exec") whose
 *                         argv is KIND: bad (an unreadable argument),
 *                         badarray (unreadable arrays), null (NULL arrays),
 *                         many (70 arguments), long (200-byte arguments)
 *
 * Steps can follow each other: `trigger getppid 10 exit 3`.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *one_call(void *arg)
{
	(void)arg;
	getppid();
	return NULL;
}

/* execve() with an argv of the given kind; it fails (no such file, or a
 * fault on the arrays: which comes first differs between kernels), and
 * the caller goes on */
static void exec_kind(const char *kind)
{
	static char arg_long[201], arg_x[] = "x", tab[] = "a\tb", c[] = "c";
	static char env1[] = "X=1";
	char *args[72] = { 0 }, *env[] = { env1, NULL };
	char **argv = args, **envp = env;

	if (!strcmp(kind, "bad")) {
		args[0] = tab;
		args[1] = (char *)1;
		args[2] = c;
	} else if (!strcmp(kind, "badarray")) {
		argv = (char **)8;
		envp = (char **)16;
	} else if (!strcmp(kind, "null")) {
		argv = envp = NULL;
	} else if (!strcmp(kind, "many")) {
		for (int k = 0; k < 70; k++)
			args[k] = arg_x;
	} else if (!strcmp(kind, "long")) {
		memset(arg_long, 'y', sizeof(arg_long) - 1);
		for (int k = 0; k < 4; k++)
			args[k] = arg_long;
	}
	syscall(SYS_execve, "/nonexistent/ctap-exec", argv, envp);
}

/* the CPU time of this thread: a spin of MS milliseconds burns that
 * much however busy the machine is */
static long cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *op = argv[i];
		long a = i + 1 < argc ? atol(argv[i + 1]) : 0;
		if (!strcmp(op, "getppid")) {
			for (long k = 0; k < a; k++)
				syscall(SYS_getppid);
			i++;
		} else if (!strcmp(op, "euid")) {
			if (seteuid((uid_t)a) != 0)
				return 3;
			i++;
		} else if (!strcmp(op, "rename")) {
			for (long k = 0; k < a; k++)
				prctl(PR_SET_NAME, "trigger");
			i++;
		} else if (!strcmp(op, "sleep")) {
			long ms = i + 2 < argc ? atol(argv[i + 2]) : 1;
			for (long k = 0; k < a; k++) {
				struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
				nanosleep(&ts, NULL);
			}
			i += 2;
		} else if (!strcmp(op, "spin")) {
			long end = cpu_ms() + a;
			volatile unsigned long x = 0;
			while (cpu_ms() < end)
				x++;
			i++;
		} else if (!strcmp(op, "open")) {
			long n = i + 2 < argc ? atol(argv[i + 2]) : 1;
			for (long k = 0; k < n; k++) {
				int fd = open(argv[i + 1], O_RDONLY);
				if (fd >= 0)
					close(fd);
			}
			i += 2;
		} else if (!strcmp(op, "read")) {
			static char buf[65536];
			long n = i + 2 < argc ? atol(argv[i + 2]) : 1;
			int fd = open(argv[i + 1], O_RDONLY);
			if (fd >= 0) {
				if (read(fd, buf, n > 0 && n <= (long)sizeof(buf) ? (size_t)n : 1) < 0)
					_exit(2);
				close(fd);
			}
			i += 2;
		} else if (!strcmp(op, "write")) {
			long n = i + 2 < argc ? atol(argv[i + 2]) : 1;
			int fd = open("/dev/null", O_WRONLY);
			for (long k = 0; fd >= 0 && k < n; k++)
				if (write(fd, argv[i + 1], strlen(argv[i + 1])) < 0)
					break;
			if (fd >= 0)
				close(fd);
			i += 2;
		} else if (!strcmp(op, "fork")) {
			for (long k = 0; k < a; k++) {
				pid_t child = fork();
				if (child == 0)
					_exit(0);
				if (child > 0)
					waitpid(child, NULL, 0);
			}
			i++;
		} else if (!strcmp(op, "exit")) {
			return (int)a;
		} else if (!strcmp(op, "execve") && i + 1 < argc) {
			exec_kind(argv[++i]);
		} else if (!strcmp(op, "kill")) {
			kill(getpid(), (int)a);
			i++;
		} else if (!strcmp(op, "threads")) {
			for (long k = 0; k < a; k++) {
				pthread_t t;
				if (pthread_create(&t, NULL, one_call, NULL) == 0)
					pthread_join(t, NULL);
			}
			i++;
		} else if (!strcmp(op, "run") && i + 1 < argc) {
			execv(argv[i + 1], argv + i + 1);
			return 127;
		}
	}
	return 0;
}
