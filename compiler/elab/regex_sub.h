/*
 * regex_sub: a regex's submatch automaton (util/redfa.h's struct
 * redfa_sub) laid out as the program every runtime's submatch engine
 * reads (runtime/common/submatch.h): the same bytes go into a kernel
 * module's tables, a BPF program's read-only data and the user-space
 * interpreter.
 */
#ifndef CTAP_ELAB_REGEX_SUB_H
#define CTAP_ELAB_REGEX_SUB_H

#include <stdint.h>

struct arena;
struct redfa;
struct submatch_prog;

/* The program (8-byte aligned, in the arena) and its size; NULL when the
 * regex has none (dfa->sub_why says why). */
const struct submatch_prog *regex_sub_prog(struct arena *A, const struct redfa *dfa,
					   uint32_t *size);

#endif
