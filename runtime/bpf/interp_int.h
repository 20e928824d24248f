/*
 * interp_int: internals shared by interp.c (statements, calls, hits),
 * interp_expr.c (expressions) and interp_builtin.c (builtins).
 */
#ifndef CTAP_BPF_INTERP_INT_H
#define CTAP_BPF_INTERP_INT_H

#include "bpf/interp.h"
#include "common/format.h"
#include "common/submatch.h"
#include "util/vec.h"

enum flow {
	F_OK,
	F_BREAK,
	F_CONTINUE,
	F_RETURN,
	F_NEXT,
	F_ERROR,
};

struct iframe {
	struct ival *slots;
	uint32_t nslots;
	struct ival ret;
	const struct functiondecl *fn;     /* NULL: the probe body */
};

struct pool_chunk {
	struct pool_chunk *next;
	uint32_t used, cap;
	char data[];
};


struct interp {
	struct urt *u;
	struct bpf_plan *pl;
	struct bprobe *bp;                 /* the running probe */
	struct iframe *fr;
	uint32_t depth;                    /* function nesting */
	int64_t actions, pending;          /* MAXACTION accounting */
	/* the error being raised */
	const char *err;
	uint32_t err_len;
	const struct token *err_tok;
	bool err_uncatchable;
	bool aborted;                      /* abort(): no message */
	/* per-hit string pool */
	struct pool_chunk *pool;
	/* regex: pass 2's DFA (e->u.regex.dfa) decides whether it matches,
	 * as in kernel-side handlers; the submatch engine, the same as
	 * theirs (common/submatch.h), finds where its groups are */
	struct submatch_state *match_state; /* allocated at the first match */
	const char *match_subject;
	uint32_t match_len;
	int16_t match_slot[SUBMATCH_MAX_SLOTS];
	int match_groups;                  /* ngroups(); -1: the last match failed or none yet */
	/* tokenize() state */
	char *tok_buf;
	uint32_t tok_pos, tok_len;
};

/* strings */
char *interp_alloc(struct interp *I, uint32_t n);
struct ival interp_str(struct interp *I, const char *s, uint32_t len); /* copies, truncates */
struct ival interp_cstr(struct interp *I, const char *s);

/* errors: always return false so that callers can `return interp_error(...)` */
bool interp_error(struct interp *I, const struct token *tok, const char *msg);
bool interp_errorf(struct interp *I, const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* expressions (interp_expr.c) */
bool interp_eval(struct interp *I, struct expr *e, struct ival *out);
/* exec of statements lives in interp.c, used for function bodies */
enum flow interp_exec(struct interp *I, struct stmt *s);
bool interp_call(struct interp *I, struct expr *call, struct ival *out);
/* a histogram or statistics operand: merged aggregate (false: error raised) */
bool interp_aggregate(struct interp *I, struct expr *operand, const struct bvar **v,
		      struct stats_agg *g, int64_t **buckets, bool *empty);

/* builtins (interp_builtin.c) */
/* A builtin's implementation on evaluated arguments (at most 16). */
bool interp_builtin(struct interp *I, struct expr *call, struct ival *args, uint32_t nargs,
		    struct ival *out);

#endif
