/*
 * str: the script's strings — NUL-terminated buffers of MAXSTRINGLEN
 * bytes (locals, globals, array values), so at most MAXSTRINGLEN-1
 * characters; longer results are silently truncated, as in SystemTap.
 * dst may be any such buffer; sources may overlap dst (a = a . b).
 */
#ifndef CTAP_KMOD_STR_H
#define CTAP_KMOD_STR_H

#include <linux/string.h>
#include "kmod/config.h"

/* dst = src */
static inline void _ctap_strcpy(char *dst, const char *src)
{
	if (dst != src)
		strscpy(dst, src, MAXSTRINGLEN);
}

/* dst .= src */
void _ctap_strcat(char *dst, const char *src);

/* dst = a . b (a, b may be dst). */
void _ctap_concat(char *dst, const char *a, const char *b);

struct _ctap_context;

/*
 * tokenize(): the next non-empty run of bytes not in delim, from input
 * if it is not empty (copied into the context: the caller's buffer may
 * change between calls), else from where the previous call of this hit
 * stopped; "" when none is left.  out may be input.
 */
void _ctap_tokenize(struct _ctap_context *c, char *out, const char *input, const char *delim);

#endif
