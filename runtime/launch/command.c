#include "launch/command.h"

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
