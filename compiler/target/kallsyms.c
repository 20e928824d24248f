/*
 * target/kallsyms: the "ADDR TYPE NAME [MODULE]" text format shared by
 * /proc/kallsyms, System.map (nm output), the table extracted from a
 * vmlinuz, and fixtures.
 *
 * Input: the whole text (malloc'd; the symbol table takes it over and the
 * names point into it, so parsing allocates nothing per symbol).
 * Output: the text symbols (types t T w W) added to a symtab.
 * Lines that do not parse are skipped: /proc/kallsyms has no comments, but
 * hand-trimmed fixtures may.
 */
#include "target/target_internal.h"

#include <string.h>

#include "util/arena.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One line, NUL-terminated in place.  Returns false if it is not a
 * symbol line. */
static bool parse_line(struct symtab *st, char *line)
{
	uint64_t addr = 0;
	char *p = line;
	int digits = 0;
	for (int v; (v = hexval(*p)) >= 0; p++, digits++)
		addr = addr << 4 | (uint64_t)v;
	if (digits == 0 || *p != ' ')
		return false;
	char type = p[1];
	if (!type || p[2] != ' ')
		return false;
	char *name = p + 3;
	char *end = name + strcspn(name, "\t ");
	char *module = NULL;
	if (*end) {
		*end = 0;
		char *m = strchr(end + 1, '[');
		if (m) {
			char *close = strchr(m, ']');
			if (close) {
				*close = 0;
				module = m + 1;
			}
		}
	}
	if (!*name)
		return false;
	if (type == 't' || type == 'T' || type == 'w' || type == 'W') {
		symtab_add(st, name, addr, module);
	} else if (!module && strncmp(name, "__syscall_meta__", 16) == 0 && name[16]) {
		if (st->nsyscalls == st->syscalls_cap) {
			st->syscalls_cap = st->syscalls_cap ? st->syscalls_cap * 2 : 512;
			st->syscalls = xrealloc(st->syscalls, sizeof(char *) * st->syscalls_cap);
		}
		st->syscalls[st->nsyscalls++] = name + 16;
	}
	return true;
}

uint32_t kallsyms_parse(struct symtab *st, char *text)
{
	uint32_t lines = 0;
	symtab_own_text(st, text);
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (parse_line(st, line))
			lines++;
		if (!nl)
			break;
		line = nl + 1;
	}
	return lines;
}

bool kallsyms_is_placeholder(const char *text)
{
	/* Debian ships "ffffffffffffffff B The real System.map is in the
	 * linux-image-<version>-dbg package": one line, no text symbols. */
	return strstr(text, "The real System.map is in") != NULL ||
	       strchr(text, '\n') == NULL || strchr(text, '\n')[1] == 0;
}
