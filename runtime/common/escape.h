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

/*
 * escape_text() one input unit at a time, over explicit state: what
 * escape_text() runs as a loop, and the BPF back end runs as the body of a
 * bpf_loop callback (runtime/bpf/fmt_helpers.bpf.c) whose state lives in a
 * map, so that the verifier checks one unit, not MAXSTRINGLEN of them.
 *
 *   escape_begin(&st, inlen, outlen, flags, maxstringlen);
 *   while (escape_step(&st, out, in))
 *           ;
 *   len = escape_end(&st, out);
 *
 * escape_step() writes at most ESCAPE_PIECE_MAX bytes at out + st.pos
 * (in BPF exactly that many, see compat_copy_small), and escape_end() at
 * most 5 bytes from a position at or before st.pos; st.pos + st.budget
 * never exceeds maxstringlen - 1.  Input is read from in[st.in_pos], at
 * most 4 bytes and never past st.in_left.
 */
#define ESCAPE_PIECE_MAX 16

/*
 * The execve argstr's argv rendering, ["a", "b"], built on escape_text by
 * both runtimes (kmod/quote.c, bpf/fmt_helpers.bpf.c): at most this many
 * arguments, each quoted; the text ends in ...] instead of an argument
 * that would take it past maxstringlen - 5 bytes.
 */
#define ESCAPE_ARGV_MAX 64u

struct escape_state {
	uint32_t in_left;	/* input bytes not yet consumed */
	uint32_t in_pos;	/* next input byte */
	uint32_t pos;		/* output bytes written */
	uint32_t budget;	/* characters the output may still take */
	uint32_t esc;		/* the first escape reaching into the last 3 */
	uint32_t esc_len;	/* ... and its length (0: none yet) */
	uint32_t c;		/* the last unit decoded */
	uint32_t flags;		/* enum escape_flag */
	uint32_t truncated;	/* input remained when the budget ran out */
	uint32_t pad;
};

/* Starts an escape of inlen input bytes (see escape_text); maxstringlen
 * must be at least 6.  Writes nothing (a quoted text's opening quote is
 * escape_end's, so that a BPF helper of five arguments can begin). */
void escape_begin(struct escape_state *st, int64_t inlen, int64_t outlen, unsigned flags,
		  uint32_t maxstringlen);
/* Escapes one unit; returns 0 when the text is done (nothing written). */
int escape_step(struct escape_state *st, char *out, const char *in);
/* Closes the text (quotes, `"...`, NUL); returns its length. */
uint32_t escape_end(struct escape_state *st, char *out);

#endif
