/*
 * ast: the syntax tree of a SystemTap script, as built by pass 1 and
 * annotated in place by pass 2.
 *
 * Nodes are tagged unions allocated in the compilation arena; each points
 * to the token it came from (for diagnostics, with macro chains).  Names
 * are interned, so they compare with ==.  Fields under "pass 2" are zero
 * after parsing and filled in by elaboration.
 *
 * Ownership: nothing here is ever freed individually (see util/arena.h).
 */
#ifndef CTAP_AST_H
#define CTAP_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "parse/token.h"
#include "util/vec.h"

struct redfa;
struct submatch_prog;
struct arena;
struct vardecl;
struct functiondecl;
struct stapfile;
struct uvars_type;

/* ---------------------------------------------------------------- types */

enum stap_type {
	TYPE_UNKNOWN = 0,
	TYPE_LONG,
	TYPE_STRING,
	TYPE_STATS,
};

const char *stap_type_name(enum stap_type t); /* "long", "string", "stats", "unknown" */

/* ----------------------------------------------------------- expressions */

enum expr_kind {
	EXPR_NUMBER,      /* u.num */
	EXPR_STRING,      /* u.str */
	EXPR_EMBEDDED,    /* u.embedded: %{ C expression %} */
	EXPR_SYMBOL,      /* u.sym: a variable (local, global, parameter) */
	EXPR_INDEX,       /* u.index: ARR[k...] or @hist_xxx(v)[i] */
	EXPR_CALL,        /* u.call: f(args) */
	EXPR_PRINT,       /* u.print: print/printf/sprint... family */
	EXPR_STAT,        /* u.stat: @count(v) ... @variance(v[, shift]) */
	EXPR_HIST,        /* u.hist: @hist_log(v) / @hist_linear(v, a, b, c) */
	EXPR_UNARY,       /* u.unary: - + ! ~ */
	EXPR_BINARY,      /* u.binary: + - * / % << >> >>> & | ^ */
	EXPR_LOGICAL,     /* u.binary: && || */
	EXPR_COMPARE,     /* u.binary: < > <= >= == != */
	EXPR_CONCAT,      /* u.binary: . */
	EXPR_REGEX,       /* u.regex: =~ !~ (pattern is a literal) */
	EXPR_TERNARY,     /* u.ternary */
	EXPR_ASSIGN,      /* u.assign: = += ... .= <<< */
	EXPR_INCDEC,      /* u.incdec: ++x x++ --x x-- */
	EXPR_IN,          /* u.in: [k1, k2] in ARR or in @hist_xxx(v) (NULL key = *) */
	EXPR_TARGET,      /* u.target: $var, $$vars, @var("x") with components */
	EXPR_CAST,        /* u.target: @cast(e, "type"[, "module"]) with components;
	                   * type_name NULL: an autocast (x->m on a plain value) */
	EXPR_DEFINED,     /* u.op1: @defined(e) */
	EXPR_ENTRY,       /* u.op1: @entry(e) */
	EXPR_PROBEWRITE,  /* u.op1: @probewrite(var) */
	EXPR_PERF,        /* u.str: @perf("name") */
	EXPR_REGISTER,    /* u.reg: @kregister(n) / @uregister(n) */
	EXPR_DEREF,       /* u.deref: @kderef(size, addr) / @uderef(size, addr) */
	EXPR_ADDROF,      /* u.op1: &target */
};

enum binary_op {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_SHL, OP_SHR, OP_USHR,
	OP_BITAND, OP_BITOR, OP_BITXOR,
	OP_AND, OP_OR,
	OP_LT, OP_GT, OP_LE, OP_GE, OP_EQ, OP_NE,
	OP_CONCAT,
};

enum unary_op { UOP_NEG, UOP_PLUS, UOP_NOT, UOP_BITNOT };

enum assign_op {
	ASSIGN_SET,     /* =   */
	ASSIGN_ADD,     /* +=  */
	ASSIGN_SUB,     /* -=  */
	ASSIGN_MUL,     /* *=  */
	ASSIGN_DIV,     /* /=  */
	ASSIGN_MOD,     /* %=  */
	ASSIGN_SHL,     /* <<= */
	ASSIGN_SHR,     /* >>= */
	ASSIGN_AND,     /* &=  */
	ASSIGN_XOR,     /* ^=  */
	ASSIGN_OR,      /* |=  */
	ASSIGN_CONCAT,  /* .=  */
	ASSIGN_STATS,   /* <<< */
};

enum stat_op {
	STAT_NONE = 0,
	STAT_COUNT, STAT_SUM, STAT_MIN, STAT_MAX, STAT_AVG, STAT_VARIANCE,
};

enum hist_kind { HIST_NONE = 0, HIST_LINEAR, HIST_LOG };

/* Print family: the flags SystemTap composes each name from. */
enum print_flags {
	PRINT_TO_STRING = 1u << 0,   /* sprint... */
	PRINT_FORMAT = 1u << 1,      /* ...printf */
	PRINT_DELIM = 1u << 2,       /* ...printd... */
	PRINT_NEWLINE = 1u << 3,     /* ...ln */
};

struct expr;
typedef VEC(struct expr *) expr_vec;

/* One piece of a target expression after the base: ->name, [index], $, $$ */
enum target_comp_kind {
	TCOMP_MEMBER,       /* ->name */
	TCOMP_INDEX_NUM,    /* [literal] */
	TCOMP_INDEX_EXPR,   /* [expression] */
	TCOMP_PRETTY,       /* $ (one level) */
	TCOMP_PRETTY_DEEP,  /* $$ (recursive) */
};

struct target_comp {
	enum target_comp_kind kind;
	const struct token *tok;
	const char *name;     /* TCOMP_MEMBER */
	int64_t num;          /* TCOMP_INDEX_NUM */
	struct expr *index;   /* TCOMP_INDEX_EXPR */
};
typedef VEC(struct target_comp) target_comp_vec;

struct print_format;

struct expr {
	enum expr_kind kind;
	const struct token *tok;
	uint32_t depth;               /* height of the subtree (bounded by the parser) */
	/* pass 2 */
	enum stap_type type;
	const struct token *type_tok; /* where the type was first inferred */
	union {
		int64_t num;
		struct {
			const char *val;   /* decoded bytes, NUL-terminated */
			uint32_t len;
		} str;
		struct {
			const char *code;  /* text between %{ and %} */
		} embedded;
		struct {
			const char *name;
			struct vardecl *decl;       /* pass 2 */
		} sym;
		struct {
			struct expr *base;          /* EXPR_SYMBOL or EXPR_HIST */
			expr_vec keys;
		} index;
		struct {
			const char *name;
			expr_vec args;
			struct functiondecl *decl;  /* pass 2 */
		} call;
		struct print_format *print;
		struct {
			enum stat_op op;
			struct expr *operand;
			int64_t shift;              /* @variance(v, SHIFT) */
			bool has_shift;
		} stat;
		struct {
			enum hist_kind kind;
			struct expr *operand;
			int64_t start, stop, interval; /* linear only */
		} hist;
		struct {
			enum unary_op op;
			struct expr *operand;
		} unary;
		struct {
			enum binary_op op;
			struct expr *lhs, *rhs;
		} binary;
		struct {
			bool negated;               /* !~ */
			struct expr *lhs;
			const char *pattern;        /* decoded literal */
			uint32_t pattern_len;
			const struct token *pattern_tok;
			/* its automaton (util/redfa.h), compiled once by
			 * pass 2's checks for every back end */
			const struct redfa *dfa;
			/* where its groups are: the submatch program
			 * (runtime/common/submatch.h, elab/regex_sub.c), NULL
			 * when the automaton is too large (dfa->sub_why) */
			const struct submatch_prog *sub;
			uint32_t sub_size;
		} regex;
		struct {
			struct expr *cond, *then, *otherwise;
		} ternary;
		struct {
			enum assign_op op;
			struct expr *lhs, *rhs;
		} assign;
		struct {
			bool increment;             /* ++ vs -- */
			bool prefix;
			struct expr *operand;
		} incdec;
		struct {
			expr_vec keys;              /* NULL entries are '*' */
			struct expr *array;         /* EXPR_SYMBOL or EXPR_HIST */
		} in;
		struct {
			/* EXPR_TARGET: name is "$var", "$$vars", "$$parms", "$$locals",
			 * "$$return", or for @var the string argument.
			 * EXPR_CAST: operand is the cast expression. */
			const char *name;
			bool is_at_var;             /* @var("name"[, "module"]) */
			struct expr *operand;       /* @cast operand */
			const char *type_name;      /* @cast type */
			const char *module;         /* @cast/@var module, or NULL */
			target_comp_vec comps;
			bool addressof;             /* & applied (set by EXPR_ADDROF) */
			/* pass 2 */
			void *resolved;             /* back-end specific location */
			struct expr *pretty;        /* $ and $$: the sprintf that shows the
			                             * value (elab/pretty.h), walked as a child */
		} target;
		struct {
			struct expr *operand;
		} op1;
		struct {
			bool user;                  /* @uregister */
			struct expr *num;
		} reg;
		struct {
			bool user;                  /* @uderef */
			struct expr *size, *addr;
		} deref;
	} u;
};

/* Parsed print-family call. */
struct print_format {
	unsigned flags;                 /* enum print_flags */
	const char *name;               /* "printf", "sprintln", ... */
	const char *format;             /* printf format (decoded), or NULL */
	uint32_t format_len;
	const struct token *format_tok;
	const char *delim;              /* printd delimiter (decoded), or NULL */
	uint32_t delim_len;
	expr_vec args;
	struct expr *hist;              /* print(@hist_xxx(v)), else NULL */
};

/* ------------------------------------------------------------ statements */

enum stmt_kind {
	STMT_BLOCK,     /* u.block */
	STMT_EXPR,      /* u.expr */
	STMT_NULL,      /* ; */
	STMT_IF,        /* u.if_ */
	STMT_FOR,       /* u.for_ (while loops too: no init/incr) */
	STMT_FOREACH,   /* u.foreach */
	STMT_RETURN,    /* u.ret (value may be NULL) */
	STMT_NEXT,
	STMT_BREAK,
	STMT_CONTINUE,
	STMT_DELETE,    /* u.del */
	STMT_TRY,       /* u.try_ */
};

struct stmt;
typedef VEC(struct stmt *) stmt_vec;

struct stmt {
	enum stmt_kind kind;
	const struct token *tok;
	uint32_t depth;               /* height of the subtree (bounded by the parser) */
	union {
		struct {
			stmt_vec stmts;
		} block;
		struct expr *expr;
		struct {
			struct expr *cond;
			struct stmt *then, *otherwise;
		} if_;
		struct {
			struct expr *init;  /* expression statement parts, may be NULL */
			struct expr *cond;
			struct expr *incr;
			struct stmt *body;
			bool is_while;
		} for_;
		struct {
			expr_vec keys;          /* EXPR_SYMBOL loop variables */
			bool keys_bracketed;    /* written as [k] */
			struct expr *value;     /* EXPR_SYMBOL or NULL */
			struct expr *base;      /* EXPR_SYMBOL or EXPR_HIST */
			expr_vec slice;         /* ARR[k, *]: NULL entries are '*' */
			bool has_slice;
			int sort_dir;           /* 0 none, +1 ascending, -1 descending */
			int sort_column;        /* 0 = value, 1..n = key column */
			enum stat_op sort_agg;  /* value sort of stats arrays */
			struct expr *limit;
			struct stmt *body;
		} foreach;
		struct {
			struct expr *value;
		} ret;
		struct {
			struct expr *target;    /* symbol, index (keys may be NULL='*') */
		} del;
		struct {
			struct stmt *body;
			struct expr *catch_var; /* EXPR_SYMBOL or NULL */
			struct stmt *handler;
		} try_;
	} u;
};

/* ---------------------------------------------------------- declarations */

enum vardecl_kind {
	VAR_GLOBAL,
	VAR_LOCAL,
	VAR_PARAM,
};

struct vardecl {
	enum vardecl_kind kind;
	const struct token *tok;
	const char *name;
	struct stapfile *file;      /* declaring file (globals) */
	bool is_private;
	bool wrap;                  /* global x% */
	int64_t maxsize;            /* global x[N]; 0 = default */
	struct expr *init;          /* literal initialiser (globals) */
	enum stap_type declared_type; /* parameter annotation, TYPE_UNKNOWN if none */
	/* pass 2 */
	enum stap_type type;        /* value type */
	const struct token *type_tok;
	int arity;                  /* -1 unknown, 0 scalar, N array */
	const struct token *arity_tok;
	enum stap_type *index_types;
	bool is_array;
	bool used;                  /* reached by the program (globals) */
	bool read, written;         /* uses seen by elaboration */
	bool synthetic;             /* made up by the compiler */
	unsigned stat_ops;          /* bitmask of (1 << enum stat_op) used */
	enum hist_kind hist_kind;
	int64_t hist_start, hist_stop, hist_interval;
	void *backend;              /* back-end data */
	void *backend_index_origin; /* pass 2: where each index type came from */
	bool reported;              /* pass 2: its "unresolved type" was reported */
	int32_t type_hint;          /* pass 2: BTF type of what was assigned (autocast);
	                             * -1: assigned values of different types */
	bool type_hint_address;     /* ... and whether the value is that object's address */
	const char *type_hint_module;
	const struct uvars_type *type_hint_dwarf; /* a DWARF type instead of BTF's */
	uint32_t index;             /* position in its list */
};
typedef VEC(struct vardecl *) vardecl_vec;

/* Function pragmas found in embedded-C bodies. */
enum fn_pragma {
	FNP_PURE = 1u << 0,
	FNP_STABLE = 1u << 1,
	FNP_UNPRIVILEGED = 1u << 2,
	FNP_MYPROC_UNPRIVILEGED = 1u << 3,
	FNP_GURU = 1u << 4,
	FNP_UNMODIFIED_FNARGS = 1u << 5,
	FNP_UNMANGLED = 1u << 6,
};

struct functiondecl {
	const struct token *tok;
	const char *name;
	struct stapfile *file;
	bool is_private;
	vardecl_vec params;
	enum stap_type declared_type;   /* :long / :string annotation */
	const struct token *type_annot_tok;
	struct stmt *body;              /* script body, or NULL */
	const char *embedded;           /* embedded-C body, or NULL */
	const struct token *embedded_tok;
	int64_t priority;               /* runtime overloading order */
	bool has_priority;
	unsigned pragmas;               /* enum fn_pragma */
	const char *bpf_builtin;        /* from a body's bpf pragma, or NULL */
	/* pass 2 */
	enum stap_type type;
	const struct token *type_tok;
	vardecl_vec locals;
	bool used;
	bool resolved;                  /* its body's symbols are resolved */
	uint8_t side_effects;           /* 0 unknown, 1 computing, 2 none, 3 some */
	vardecl_vec global_writes;      /* globals it writes, directly or by calls */
	uint8_t writes_state;           /* 0 unknown, 1 computing, 2 known */
	uint8_t guru_state;             /* 0 unknown, 1 computing, 2 no, 3 needs -g */
	int32_t type_hint;              /* BTF type of what it returns (autocast); -1 mixed */
	bool type_hint_address;
	const char *type_hint_module;
	const struct uvars_type *type_hint_dwarf; /* a DWARF type instead of BTF's */
	struct functiondecl *next_overload; /* same name and arity, lower priority */
	void *backend;
	uint32_t index;
};
typedef VEC(struct functiondecl *) functiondecl_vec;

struct probe_point_comp {
	const struct token *tok;
	const char *functor;        /* component name, may contain globs */
	struct expr *arg;           /* EXPR_NUMBER / EXPR_STRING or NULL */
};
typedef VEC(struct probe_point_comp) probe_point_comp_vec;

struct probe_point {
	const struct token *tok;
	probe_point_comp_vec comps;
	bool optional;              /* ? */
	bool sufficient;            /* ! */
	struct expr *condition;     /* if (...) or NULL */
	bool from_glob;             /* made by wildcard expansion (pass 2) */
};
typedef VEC(struct probe_point *) probe_point_vec;

struct probe {
	const struct token *tok;    /* the 'probe' keyword */
	struct stapfile *file;
	probe_point_vec points;
	struct stmt *body;
	/* pass 2 */
	vardecl_vec locals;
	bool synthetic;
	uint32_t index;
};
typedef VEC(struct probe *) probe_vec;

/* probe NAME[ = NAME2 ...] =|+= POINTS { prologue-or-epilogue } [, { epilogue }] */
struct probe_alias {
	const struct token *tok;
	struct stapfile *file;
	probe_point_vec names;      /* alias names (at least one) */
	probe_point_vec points;     /* what it expands to */
	struct stmt *prologue;      /* '=' body, or NULL */
	struct stmt *epilogue;      /* '+=' body or the second block, or NULL */
	bool is_epilogue_style;     /* written with += */
	uint32_t index;
};
typedef VEC(struct probe_alias *) probe_alias_vec;

struct embedded_code {
	const struct token *tok;
	const char *code;
	struct stapfile *file;
};
typedef VEC(struct embedded_code *) embedded_code_vec;

struct stapfile {
	const char *name;
	uint32_t source_id;
	bool is_tapset;             /* library file: embedded C allowed */
	bool privileged;            /* embedded C allowed (tapset or -g) */
	bool synthetic;
	vardecl_vec globals;
	functiondecl_vec functions;
	probe_vec probes;
	probe_alias_vec aliases;
	embedded_code_vec embeds;
	/* pass 2 */
	bool used;                  /* pulled into the program */
};
typedef VEC(struct stapfile *) stapfile_vec;

/* ----------------------------------------------------------- construction */

struct expr *ast_expr_new(struct arena *a, enum expr_kind kind, const struct token *tok);
struct stmt *ast_stmt_new(struct arena *a, enum stmt_kind kind, const struct token *tok);
struct expr *ast_number(struct arena *a, const struct token *tok, int64_t v);
struct expr *ast_string(struct arena *a, const struct token *tok, const char *s, uint32_t len);
struct expr *ast_symbol(struct arena *a, const struct token *tok, const char *name);

/* Deep copy of a subtree (alias bodies are instantiated per derived probe).
 * Symbol references are copied unresolved. */
struct expr *ast_expr_copy(struct arena *a, const struct expr *e);
struct stmt *ast_stmt_copy(struct arena *a, const struct stmt *s);
struct probe_point *ast_probe_point_copy(struct arena *a, const struct probe_point *pp);

const char *binary_op_str(enum binary_op op);
const char *assign_op_str(enum assign_op op);
const char *unary_op_str(enum unary_op op);
const char *stat_op_str(enum stat_op op);   /* "@count" ... */

/* ------------------------------------------------------------- traversal */

/*
 * A generic walk: pre() is called before a node's children, post() after.
 * Each returns WALK_NEXT (go on), WALK_SKIP (pre only: skip the children)
 * or WALK_STOP (end the whole walk).  Either callback may be NULL.
 */
enum walk_result { WALK_NEXT, WALK_SKIP, WALK_STOP };

struct ast_walker {
	enum walk_result (*expr_pre)(struct ast_walker *w, struct expr *e);
	enum walk_result (*expr_post)(struct ast_walker *w, struct expr *e);
	enum walk_result (*stmt_pre)(struct ast_walker *w, struct stmt *s);
	enum walk_result (*stmt_post)(struct ast_walker *w, struct stmt *s);
	void *data;
};

enum walk_result ast_walk_expr(struct ast_walker *w, struct expr *e);
enum walk_result ast_walk_stmt(struct ast_walker *w, struct stmt *s);

#endif
