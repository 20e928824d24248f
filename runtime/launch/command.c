#include "launch/command.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool needs_shell(const char *text)
{
	return strpbrk(text, "|&;<>()$`\\\"'*?[]#~%{}\n") != NULL;
}

static bool is_assignment(const char *word)
{
	size_t n = strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

	return n && word[n] == '=' && !(word[0] >= '0' && word[0] <= '9');
}

void command_split(const char *text, struct command *c)
{
	char *copy, *word, *save;
	int argc = 0;

	c->shell = needs_shell(text);
	c->argv[0] = NULL;
	if (c->shell)
		return;
	copy = strdup(text);
	if (!copy)
		return;
	for (word = strtok_r(copy, " \t", &save); word && argc < 255;
	     word = strtok_r(NULL, " \t", &save)) {
		if (!argc && is_assignment(word)) {
			char *eq = strchr(word, '=');

			*eq = '\0';
			setenv(word, eq + 1, 1);
			continue;
		}
		c->argv[argc++] = word;
	}
	c->argv[argc] = NULL;
}

void command_exec(const char *text, const struct command *c)
{
	if (c->shell)
		execl("/bin/sh", "sh", "-c", text, (char *)NULL);
	else if (c->argv[0])
		execvp(c->argv[0], c->argv);
}

static ssize_t read_retrying(int fd, char *c)
{
	ssize_t n;

	do
		n = read(fd, c, 1);
	while (n < 0 && errno == EINTR);
	return n;
}

int command_spawn_held(const char *text, void (*before_exec)(void),
		       void (*exec_failed)(const char *text), int *go_fd)
{
	int go[2], ready[2];
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(ready, O_CLOEXEC) != 0) {
		int err = -errno;

		close(go[0]);
		close(go[1]);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(go[0]);
		close(go[1]);
		close(ready[0]);
		close(ready[1]);
		return err;
	}
	if (pid == 0) {
		struct command command;

		command_split(text, &command);
		close(go[1]);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(127);
		close(ready[1]);
		if (read_retrying(go[0], &c) != 1)
			_exit(127);
		if (before_exec)
			before_exec();
		command_exec(text, &command);
		if (exec_failed)
			exec_failed(text);
		_exit(127);
	}
	close(go[0]);
	close(ready[1]);
	/* EOF instead of the byte: the child died before it was ready,
	 * which the caller learns when it waits for it */
	(void)read_retrying(ready[0], &c);
	close(ready[0]);
	*go_fd = go[1];
	return pid;
}
