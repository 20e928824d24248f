/*
 * escape: printable renderings of arbitrary bytes, as SystemTap shows them
 * (output-formats.md §2.2 `%#c`, §3 quoted strings).
 *
 *   escape_char   one byte for printf's %#c: printable ASCII as is,
 *                 \a \b \f \n \r \t \v \' \\ , anything else \ooo.
 *   escape_text   the text_str / text_strn / string_quoted /
 *                 kernel_string_quoted / user_string_quoted /
 *                 *_buffer_quoted engine: printable ASCII as is,
 *                 \a \b \f \n \r \t \v \" \\ , valid UTF-8 sequences as
 *                 \uXXXX / \UXXXXXXXX (upper-case hex), other bytes \ooo;
 *                 optionally quoted, with `"...` marking truncation.
 *
 * Input is a buffer the caller already holds: the kernel runtime copies
 * user or kernel memory first (with its fault-safe string copy, at most
 * inlen bytes) and raises the fault itself; what each tapset function
 * prints on a fault (`0x…`, an error, "") is the tapset's business.
 */
#ifndef CTAP_COMMON_ESCAPE_H
#define CTAP_COMMON_ESCAPE_H

#include "common/compat.h"

enum escape_flag {
	ESCAPE_F_QUOTED = 1,	/* "…" around the text; `"...` if truncated */
	ESCAPE_F_BUFFER = 2,	/* NUL bytes are data (printed \0), not the end */
};

/* Longest escape_char() result. */
#define ESCAPE_CHAR_MAX 4

/* Writes the %#c form of c into out; returns its length (1, 2 or 4). */
uint32_t escape_char(char out[ESCAPE_CHAR_MAX], unsigned char c);

/*
 * Escapes in[0..inlen) (stopping at a NUL unless ESCAPE_F_BUFFER) into
 * out, which has room for maxstringlen bytes; always NUL-terminates and
 * returns the length.  inlen and outlen follow the tapset rules: <= 0 or
 * above maxstringlen-1 means maxstringlen-1; outlen counts the quotes and
 * the `...` marker but not the NUL, and a quoted result is never budgeted
 * below 5 characters.  maxstringlen must be at least 6 (else out gets "").
 *
 * Truncation (quoted only): when input remains after the budget is spent,
 * the text is cut to end 3 characters before the budget and `"...` is
 * appended; an escape sequence straddling the cut is dropped whole.
 */
uint32_t escape_text(char *out, const char *in, int64_t inlen, int64_t outlen,
		     unsigned flags, uint32_t maxstringlen);

#endif
