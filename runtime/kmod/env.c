/*
 * env: environment variables of the current process (see env.h).
 */
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kmod/config.h"
#include "kmod/context.h"
#include "kmod/env.h"

/* Reads [p, min(p + size - 1, end)) into buf, NUL-terminated; the
 * bytes read, or -1 on a fault. */
static long _ctap_env_chunk(char *buf, size_t size, unsigned long p, unsigned long end)
{
	size_t n = min_t(size_t, size - 1, end - p);

	if (copy_from_user_nofault(buf, (const void __user *)p, n))
		return -1;
	buf[n] = '\0';
	return n;
}

void _ctap_env_var(struct _ctap_context *c, char *dst, const char *name)
{
	struct mm_struct *mm = current->mm;
	size_t nlen = strlen(name);
	unsigned long p, end;
	char *buf = c->sym_buf;	/* a scratch of this context, free here */
	bool at_start = true;	/* p starts a NAME=VALUE string */

	dst[0] = '\0';
	if (!mm || !nlen || strchr(name, '=') || nlen + 2 >= sizeof(c->sym_buf))
		return;
	p = mm->env_start;
	end = mm->env_end;
	while (p < end) {
		long n = _ctap_env_chunk(buf, sizeof(c->sym_buf), p, end);
		char *z;

		if (n <= 0)
			return;
		if (at_start && !strncmp(buf, name, nlen) && buf[nlen] == '=') {
			strscpy(dst, buf + nlen + 1, MAXSTRINGLEN);
			return;
		}
		/* on to the string after the next NUL */
		z = memchr(buf, '\0', n);
		at_start = z != NULL;
		p += z ? z - buf + 1 : n;
	}
}
