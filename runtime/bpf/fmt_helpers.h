/*
 * fmt_helpers: the contract between the BPF helpers of in-kernel
 * formatting (fmt_helpers.bpf.c, compiled by clang -target bpf at build
 * time and embedded in libctap as fmt_helpers_obj[]) and the lowering that
 * calls them (compiler/bpf/lower_fmt.c, which imports them into each
 * program with compiler/bpfmc/import.h).
 *
 * The helpers are runtime/common's algorithms (format_int_layout,
 * escape_step) compiled for BPF, plus what it takes to place their output
 * in the per-CPU `fmtbuf` map value, laid out as below for the session's
 * MAXSTRINGLEN (msl).  The verifier must see every access in bounds, so
 * msl reaches the helpers as a constant: the extern `ctap_fmt_msl`, which
 * the lowering binds to a copy in the frozen read-only map (loads from
 * such a map are constants to the verifier).  The output area is twice
 * msl, so that "position (< msl) + size (< msl)" is in bounds without the
 * verifier having to relate the two.
 *
 *   fmt_int(fb, pos, value, spec)     format_integer() at out[pos...]; returns
 *                                     the new pos (at most msl - 1)
 *   fmt_char(fb, pos, value, spec)    format_char() (%c, %#c) likewise
 *   fmt_esc_begin(fb, outlen, flags)  escape_begin() over in[], into out[]
 *                                     (flags >> 16: inlen, 0 = up to the NUL)
 *   fmt_esc_unit(index, ctx)          bpf_loop callback: one escape_step();
 *                                     ctx points at a stack slot holding fb;
 *                                     returns 1 when the text is done
 *   fmt_esc_end(fb)                   escape_end(); returns the length
 *   fmt_argv_begin(fb, argv)          starts the rendering of a user argv
 *                                     array into argv_out[] (see below)
 *   fmt_argv_unit(index, ctx)         bpf_loop callback: reads argument
 *                                     `index`, escapes it (a nested bpf_loop
 *                                     of fmt_esc_unit) and appends it;
 *                                     returns 1 when the array is done
 *   fmt_argv_end(fb)                  closes the rendering; returns its
 *                                     length (argv_out[] is NUL-terminated)
 *   fmt_argv_count_begin(fb, argv)    counts the pointers of an argv array
 *   fmt_argv_count_unit(index, ctx)   bpf_loop callback: pointer `index`;
 *                                     returns 1 at the NULL one or a fault
 *   fmt_argv_count_end(fb)            the count, -1 if the array faulted
 *   fmt_match_begin(mb, len)          starts the submatch search of a =~ that
 *                                     matched (mb: the matchbuf value, its
 *                                     subject already copied in)
 *   fmt_match_unit(index, ctx)        bpf_loop callback: one submatch_step();
 *                                     ctx points at two stack slots holding
 *                                     mb and the regex's submatch program
 *                                     (in the read-only map); returns 1 when
 *                                     the search is over
 *   fmt_match_end(mb, prog)           the groups' positions into mb->slot,
 *                                     mb->groups set (the match's ngroups())
 *   fmt_match_group(mb, fb, n)        group n's text into fb's out[],
 *                                     NUL-terminated; returns its length, -1
 *                                     after a failed match (or none), -2 if
 *                                     the match has no group n
 *   wrap_oldest(map, key, value, ctx) bpf_for_each_map_elem callbacks of a
 *   wrap_evict(map, key, value, ctx)  full `%` array: the smallest insertion
 *                                     sequence into *(u64 *)ctx, then the
 *                                     deletion of the element holding it
 *
 * The argv rendering is the execve argstr's (tapset _argv_text):
 * ["a", "b"], each argument as user_string_quoted() gives it (its
 * address 0x... when it cannot be read), at most ESCAPE_ARGV_MAX
 * arguments; when the next one would take the text past msl - 5 bytes
 * the text ends in ...] instead; the array itself unreadable: 0x... of
 * its address.
 *
 * Extern data the lowering binds (read-only map offsets): ctap_fmt_msl
 * (u32), ctap_fmt_spaces and ctap_fmt_zeros (msl bytes of ' ' and '0'),
 * ctap_fmt_msl_pow2 (u32: the smallest power of two >= msl, the size of
 * matchbuf's subject).
 *
 * matchbuf: the per-CPU value (struct fmt_match, then the subject) that
 * keeps the last successful =~ of a handler for matched() and ngroups();
 * the lowering sets groups to -1 at the handler's start and at a failed
 * match.
 */
#ifndef CTAP_BPF_FMT_HELPERS_H
#define CTAP_BPF_FMT_HELPERS_H

#include "common/escape.h"
#include "common/format_int.h"
#include "common/submatch.h"

#define FMT_HELPERS_ALIGN8(x) (((x) + 7u) & ~7u)

/* fmtbuf: input (escape), output, escape state, integer layout */
#define FMT_HELPERS_IN(msl) 0u
#define FMT_HELPERS_OUT(msl) (FMT_HELPERS_ALIGN8(msl) + 8u)
#define FMT_HELPERS_STATE(msl) (FMT_HELPERS_OUT(msl) + 2u * FMT_HELPERS_ALIGN8(msl) + 32u)
#define FMT_HELPERS_LAYOUT(msl) (FMT_HELPERS_STATE(msl) + (uint32_t)sizeof(struct escape_state))
#define FMT_HELPERS_ARGV(msl) \
	FMT_HELPERS_ALIGN8(FMT_HELPERS_LAYOUT(msl) + (uint32_t)sizeof(struct format_int_layout))
#define FMT_HELPERS_ARGV_OUT(msl) (FMT_HELPERS_ARGV(msl) + (uint32_t)sizeof(struct fmt_argv_state))
#define FMT_HELPERS_SIZE(msl) (FMT_HELPERS_ARGV_OUT(msl) + 2u * FMT_HELPERS_ALIGN8(msl))


struct fmt_argv_state {
	uint64_t argv;		/* user address of the pointer array */
	uint32_t len;		/* argv_out[] bytes so far */
	uint32_t status;	/* enum fmt_argv_status */
	uint32_t plen;		/* the escaped argument's length in out[] */
	uint32_t pad;
};

struct fmt_match {
	int32_t groups;		/* ngroups(); -1: the last =~ failed, or none yet */
	uint32_t pad;
	int16_t slot[SUBMATCH_MAX_SLOTS] SUBMATCH_SLOTS_ALIGN;	/* group k: [slot[2k], slot[2k+1]) */
	struct submatch_state st;
};

#define FMT_HELPERS_MATCH_SUBJECT FMT_HELPERS_ALIGN8((uint32_t)sizeof(struct fmt_match))
#define FMT_HELPERS_MATCH_SIZE(msl_pow2) (FMT_HELPERS_MATCH_SUBJECT + (msl_pow2))

enum fmt_argv_status {
	FMT_ARGV_RUNNING,
	FMT_ARGV_END,		/* the NULL pointer, or ESCAPE_ARGV_MAX reached */
	FMT_ARGV_CUT,		/* ...] appended */
	FMT_ARGV_FAULT,		/* the array could not be read */
};

/*
 * The spec word of fmt_int and fmt_char: conversion (4 bits), FMT_F_*
 * flags (5 bits at 4), width (16 bits at 16) and precision + 1 (0: none,
 * at 32), width and precision already clamped to 0..FMT_MAX_WIDTH.
 */
#define FMT_HELPERS_SPEC(conv, flags, width, prec) \
	((uint64_t)(conv) | (uint64_t)(flags) << 4 | (uint64_t)(width) << 16 | \
	 (uint64_t)((prec) < 0 ? 0 : (prec) + 1) << 32)

/* The BPF helpers the helpers call (linux/bpf.h's numbers; lower_fmtbuf.c
 * checks them against the header, which clang -target bpf cannot include). */
#define FMT_HELPERS_MAP_DELETE_ELEM 3
#define FMT_HELPERS_PROBE_READ_USER 112
#define FMT_HELPERS_PROBE_READ_KERNEL 113
#define FMT_HELPERS_PROBE_READ_USER_STR 114
#define FMT_HELPERS_LOOP 181

#ifndef __bpf__
#include <stddef.h>
/* The helpers' ELF object (generated at build time). */
extern const unsigned char fmt_helpers_obj[];
extern const size_t fmt_helpers_obj_size;
#endif

#endif
