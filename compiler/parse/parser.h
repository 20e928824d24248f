/*
 * parser: the state of one bison parse and the helpers its actions call
 * (grammar.y stays a grammar; what an action builds lives in parser.c).
 */
#ifndef CTAP_PARSER_H
#define CTAP_PARSER_H

#include <stdbool.h>

#include "diag/diag.h"
#include "parse/ast.h"
#include "parse/ptrmap.h"

struct arena;
struct intern_table;
struct diag_sink;
struct preproc;
struct source_table;

/* A probe-point path being built: alternative component sequences
 * (brace groups expand to the Cartesian product). */
typedef VEC(probe_point_comp_vec) comp_seq_vec;
struct pp_alts {
	comp_seq_vec alts;
};

struct token_list {
	VEC(struct token *) toks;
};

struct foreach_head {
	expr_vec keys;
	bool keys_bracketed;
	int key_sort_dir;          /* sort mark on a key variable */
	int key_sort_column;       /* 1-based */
	const struct token *key_sort_tok;
	bool sort_reported;        /* "multiple sort directives" said once */
	struct expr *value;
	int value_sort_dir;
	struct expr *base;
	expr_vec slice;
	bool has_slice;
	int sort_dir;
	int sort_column;
	enum stat_op sort_agg;
	struct expr *limit;
};

struct parser {
	struct arena *arena;
	struct intern_table *names;
	struct diag_sink *diag;
	struct preproc *pp;
	const struct source_table *sources;
	struct stapfile *file;
	bool privileged;            /* embedded C allowed (tapset or -g) */
	bool guru;                  /* -g */
	bool autocast;              /* ->, [], $ on any value (compatibility >= 2.6) */
	unsigned errors;

	/* token stream */
	struct token *last;         /* the current lookahead */
	struct token *prev;         /* the token before it */
	struct token *pending;      /* read ahead by gram_lex (after `return`) */
	const struct token *prev2;  /* and the one before that */
	const struct token *hist_tok; /* the last @hist_* operator (for messages) */
	const struct token *sort_tok; /* the last foreach sort mark '+'/'-' */
	unsigned depth;             /* open ( [ { */
	bool depth_reported;

	/* declaration state (no nesting is possible) */
	bool next_private;
	bool g_wrap;
	struct token *g_size_tok;
	struct expr *g_init;
	const struct token *g_init_tok; /* its '=' */
	struct functiondecl *fn;    /* function being parsed */
	const struct token *type_tok;
	int fsort_dir;
	const struct token *fsort_agg;
	struct expr *flimit;
	const struct token *probe_tok;
	VEC(probe_point_vec *) head_lists;
	VEC(const struct token *) head_seps;
	struct ptrmap global_names;  /* name -> struct vardecl * of this file */

	/* interned names the actions compare with */
	const char *n_dollar, *n_dollar2;
};

/* Limits that keep later (recursive) passes safe from hostile input. */
#define PARSER_MAX_DEPTH 1000

void parser_init(struct parser *P, struct arena *a, struct intern_table *names,
		 struct diag_sink *diag, struct preproc *pp, struct stapfile *file,
		 bool privileged, bool guru);
void parser_fini(struct parser *P);
/* Runs the bison parser; returns the number of errors it reported. */
unsigned parser_run(struct parser *P);

/* expected: bison's names of the acceptable tokens; stack: names of the
 * symbols on the parser stack, top first (at most a few). */
/* The value of a number token; "number invalid or out of range" if the
 * lexer flagged it. */
int64_t parser_number(struct parser *P, const struct token *t);
/* Links operand e into its parent expression: checks where it may stand
 * and bounds the tree's height (parser.c). */
struct expr *parser_operand(struct parser *P, struct expr *parent, struct expr *e);
/* A parse error at t (counted in P->errors); style: "saw:" or "at:". */
void parser_error(struct parser *P, enum diag_code code, const struct token *t,
		  enum diag_tok_style style, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A syntax error from bison (syntax_error.c). */
void parser_syntax_error(struct parser *P, const char **expected, int n, const char **stack,
			 int nstack);
void parser_fatal(struct parser *P, const char *msg);
void parser_recovered(struct parser *P);

/* declarations */
void parser_global(struct parser *P, struct token *name);
void parser_embedded_toplevel(struct parser *P, struct token *code);
void parser_function_begin(struct parser *P, struct token *kw, struct token *name,
			   enum stap_type type);
void parser_param(struct parser *P, struct token *name, enum stap_type type);
void parser_function_priority(struct parser *P, struct token *tok, int64_t prio);
void parser_function_body(struct parser *P, struct stmt *body);
void parser_function_embedded(struct parser *P, struct token *code);
void parser_function_end(struct parser *P);

/* probes */
void parser_probe_head(struct parser *P, struct token *probe_kw, probe_point_vec *points);
void parser_probe_head_more(struct parser *P, struct token *sep, probe_point_vec *points,
			    bool epilogue);
void parser_probe(struct parser *P, struct stmt *body, const struct token *comma,
		  struct stmt *second);
probe_point_vec *parser_pp_list(struct parser *P, probe_point_vec *list, probe_point_vec *more);
probe_point_vec *parser_pp(struct parser *P, struct pp_alts *path, struct token *mark,
			   struct token *if_kw, struct expr *cond);
struct pp_alts *parser_pp_product(struct parser *P, struct pp_alts *a, struct pp_alts *b);
struct pp_alts *parser_pp_union(struct parser *P, struct pp_alts *a, struct pp_alts *b);
struct pp_alts *parser_pp_comp(struct parser *P, struct token_list *name, struct expr *arg);
struct token_list *parser_toks(struct parser *P, struct token_list *l, struct token *t);

/* statements */
struct stmt *parser_if(struct parser *P, struct token *kw, struct expr *cond, struct stmt *then,
		       struct stmt *otherwise);
struct stmt *parser_for(struct parser *P, struct token *kw, struct expr *init, struct expr *cond,
			struct expr *incr, struct stmt *body, bool is_while);
struct stmt *parser_return(struct parser *P, struct token *kw, struct expr *value);
struct stmt *parser_delete(struct parser *P, struct token *kw, struct expr *target);
struct stmt *parser_block_add(struct parser *P, struct stmt *block, struct stmt *s);
struct stmt *parser_expr_stmt(struct parser *P, struct expr *e);
struct stmt *parser_try(struct parser *P, struct token *kw, struct stmt *body,
			struct token *var, struct stmt *handler);
struct stmt *parser_foreach(struct parser *P, struct token *kw, struct foreach_head *h,
			    struct stmt *body);
struct foreach_head *parser_foreach_key(struct parser *P, struct foreach_head *h,
					struct token *name, int sort, bool bracketed);
struct foreach_head *parser_foreach_value(struct parser *P, struct foreach_head *h,
					  struct token *name, int sort);
struct foreach_head *parser_foreach_base(struct parser *P, struct foreach_head *h,
					 struct expr *base, expr_vec *slice);

/* expressions */
struct expr *parser_assign(struct parser *P, struct token *op, struct expr *lhs, struct expr *rhs);
struct expr *parser_ternary(struct parser *P, struct token *q, struct expr *c, struct expr *t,
			    struct expr *f);
struct expr *parser_binary(struct parser *P, enum expr_kind kind, enum binary_op op,
			   struct token *tok, struct expr *l, struct expr *r);
struct expr *parser_compare(struct parser *P, struct token *op, struct expr *l, struct expr *r);
struct expr *parser_regex(struct parser *P, struct token *op, struct expr *l, struct token *re,
			  bool negated);
struct expr *parser_in(struct parser *P, struct token *kw, expr_vec *keys, struct expr *array);
struct expr *parser_unary(struct parser *P, enum unary_op op, struct token *tok, struct expr *e);
struct expr *parser_incdec(struct parser *P, struct token *tok, struct expr *e, bool inc,
			   bool prefix);
struct expr *parser_addressof(struct parser *P, struct token *amp, struct expr *e);
struct expr *parser_embedded_expr(struct parser *P, struct token *code);
struct expr *parser_index(struct parser *P, struct expr *base, expr_vec *keys);
struct expr *parser_call(struct parser *P, struct token *name, expr_vec *args, struct expr *hist);
struct expr *parser_op1(struct parser *P, enum expr_kind kind, struct token *tok, struct expr *e);
struct expr *parser_const(struct parser *P, struct token *tok, struct token *name);
struct expr *parser_register(struct parser *P, struct token *tok, struct expr *num);
struct expr *parser_deref(struct parser *P, struct token *tok, struct expr *size,
			  struct expr *addr);
struct expr *parser_stat(struct parser *P, struct token *tok, struct expr *e, struct token *shift);
struct expr *parser_hist_log(struct parser *P, struct token *tok, struct expr *e);
struct expr *parser_hist_linear(struct parser *P, struct token *tok, struct expr *e,
				struct expr *start, struct expr *stop, struct expr *interval);
struct expr *parser_target(struct parser *P, struct token *tok);
struct expr *parser_cast(struct parser *P, struct token *tok, struct expr *e, struct token *type,
			 struct token *module);
struct expr *parser_at_var(struct parser *P, struct token *tok, struct token *name,
			   struct token *module);
struct expr *parser_target_member(struct parser *P, struct expr *t, struct token *arrow,
				  struct token *name);
struct expr *parser_target_index(struct parser *P, struct expr *t, struct token *bracket,
				 struct expr *index);
struct expr *parser_target_pretty(struct parser *P, struct expr *t, struct token *suffix);
struct expr *parser_perf(struct parser *P, struct token *tok, struct token *name);
expr_vec *parser_exprs(struct parser *P, expr_vec *v, struct expr *e);
expr_vec *parser_exprs0(struct parser *P);
expr_vec *parser_one(struct parser *P, struct expr *e);

#endif
