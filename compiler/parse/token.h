/*
 * token: the lexer's view of a token.  The struct itself (kind, location,
 * expansion chain) is diag/token.h, since diagnostics locate by it; what
 * only pass 1 reads about a token, its flags, is here.
 */
#ifndef CTAP_TOKEN_H
#define CTAP_TOKEN_H

#include "diag/token.h"

enum token_flags {
	TF_SPACE_BEFORE = 1u << 0,  /* whitespace or a comment precedes it */
	TF_FROM_ARG = 1u << 1,      /* produced by $N / @N substitution */
	TF_FROM_MACRO = 1u << 2,    /* produced by macro expansion */
	TF_BAD_NUMBER = 1u << 3,    /* a number token strtoull refuses (08, 1a) */
};

#endif
