/*
 * quote: memory rendered as quoted text (common/escape.h's escape_text)
 * for the tapset's embedded C: a buffer of bytes (kernel_buffer_quoted,
 * user_buffer_quoted) and an execve argv array (the syscall.execve
 * argstr).  The BPF back end renders the same in fmt_helpers.bpf.c; the
 * exec tests compare the two.
 */
#ifndef CTAP_KMOD_QUOTE_H
#define CTAP_KMOD_QUOTE_H

#include <linux/types.h>

struct _ctap_context;

/*
 * n bytes at addr (user or kernel memory, 1 <= n < MAXSTRINGLEN), NULs
 * as data, escaped and quoted into out (MAXSTRINGLEN bytes) within
 * outlen characters.  Returns 0, or -EFAULT when the bytes cannot be read
 * (out is then "").
 */
int _ctap_buffer_quoted(struct _ctap_context *c, char *out, unsigned long addr, size_t n,
			int64_t outlen, bool user);

/*
 * The user argv array at argv as ["a", "b"]: each argument as
 * user_string_quoted() renders it (0x... of its address when it cannot be
 * read), at most 64 of them; when the next one would take the text past
 * MAXSTRINGLEN - 5 bytes the text ends in ...] instead.  The array itself
 * unreadable: 0x... of argv.
 */
void _ctap_argv_text(struct _ctap_context *c, char *out, unsigned long argv);

/* The pointers of the user array at argv before its NULL one, at most
 * max; -1 if the array cannot be read. */
long _ctap_argv_count(unsigned long argv, long max);

#endif
