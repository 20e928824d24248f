/*
 * program: what pass 2 hands to the back ends.
 *
 * Everything here is resolved and typed: each derived probe is one
 * concrete thing to attach (a timer, a tracepoint, a kprobe, ...), with its
 * own copy of the handler body (alias prologues and epilogues included),
 * its locals, and family-specific data.  Symbols in bodies point at their
 * vardecl/functiondecl; every expression has a type.
 *
 * The program holds only what survived elision (unless -u): used globals,
 * used functions, used embedded-code blocks.
 */
#ifndef CTAP_PROGRAM_H
#define CTAP_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "parse/ast.h"

struct session;
struct probe_family;
struct elab;
struct uvars_type;

/* One step of how a derived probe came to be, for -p2's "<- ..." trail,
 * pn() and the -t report. */
struct derivation {
	const char *text;                /* "a.x = timer.s(2)" or "a.*" */
	const struct derivation *next;   /* towards the user's script */
};

/*
 * How a target expression ($var, $p->f[2], @cast(x, "t")->m, @var) is
 * read at run time: start from the base value, then for each step add
 * `offset` (plus `index` * `elem_size`) to the value and, when load_size is
 * non-zero, load that many bytes from the resulting address (sign-extended
 * if load_signed) - else the address itself is the new value (an embedded
 * struct or array, or `&`).  The final value is the expression's value.
 */
enum access_base {
	ACCESS_TP_ARG,        /* tracepoint argument `index` (TP_PROTO order) */
	ACCESS_FUNC_ARG,      /* function argument `index` at entry (ABI registers) */
	ACCESS_RETURN,        /* the return value */
	ACCESS_EXPR,          /* @cast / autocast: the value of base_expr */
	ACCESS_SYMBOL,        /* @var("sym"): the symbol's address */
	ACCESS_CONST_STRING,  /* $$name, $$system: known now */
	ACCESS_VARS,          /* $$vars / $$parms / $$locals / $$return: formatted */
	ACCESS_ENTRY,         /* @entry(expr) in a return probe: saved at entry;
	                       * with `inner` set: the value `inner` had when the
	                       * function was entered (evaluated where the family
	                       * says, e.g. process_data.entry_offset), saved per
	                       * thread; evaluated in that entry context it is
	                       * simply `inner` */
	ACCESS_REGISTER,      /* the value of DWARF register `index` in the probed
	                       * context (user registers when `user`).  x86_64
	                       * numbering: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi,
	                       * 5 rdi, 6 rbp, 7 rsp, 8-15 r8-r15, 16 rip.  A
	                       * DWARF frame-base or stack location is this plus
	                       * a first step whose offset is CFA/frame offset +
	                       * variable offset (and a load) */
	ACCESS_FAMILY,        /* a context value the family provides: `index` is
	                       * one of the family's own enumerated values (see
	                       * its header: PROCFS_VAR_VALUE, NETFILTER_VAR_SKB,
	                       * PROCESS_VAR_SYSCALL, ...) */
};

struct access_step {
	int64_t offset;
	struct expr *index;          /* run-time index, or NULL */
	uint32_t elem_size;
	uint32_t load_size;          /* 0: no load */
	bool load_signed;
	uint8_t bit_offset, bit_size; /* a bitfield within the loaded value */
};

struct target_access {
	enum access_base base;
	int index;                   /* argument number (0-based) */
	struct expr *base_expr;      /* ACCESS_EXPR / ACCESS_ENTRY */
	const char *symbol;          /* ACCESS_SYMBOL */
	uint64_t symbol_addr;
	uint64_t kaslr_anchor;       /* ACCESS_SYMBOL in the kernel: symbol_addr is
	                              * link-time; this is the link-time address of
	                              * `jiffies`, whose run-time address gives the
	                              * offset KASLR moved the kernel by (0: none) */
	const char *const_string;    /* ACCESS_CONST_STRING */
	struct access_step *steps;
	uint32_t nsteps;
	uint32_t base_size;          /* bytes of the base value */
	bool base_signed;
	bool user;                   /* the memory is user space */
	const char *ctype;           /* final C type, for -L and messages */
	int32_t btf_id;              /* final BTF type (pretty printing), 0 if none */
	bool is_address;             /* the value is the address of an object of btf_id
	                              * (an aggregate, or after &) */
	int pretty;                  /* 0, 1 ($) or 2 ($$) */
	const char *module;          /* where the type came from ("kernel", a @cast
	                              * module string): autocast hints compare it */
	const struct uvars_type *dtype; /* the final type from DWARF (autocasts of
	                              * user-space values), NULL if none */
	bool is_string;              /* the value is a string (pretty, $$vars, $$name) */
	const struct target_access *inner; /* ACCESS_ENTRY: the value saved at entry */
	bool writable;               /* the family lets scripts assign it without -g
	                              * (procfs $value in read probes) */
	struct expr *vars_sprintf;   /* ACCESS_VARS: the same text as an sprintf over
	                              * the context values, for back ends without a
	                              * $$vars lowering of their own (NULL: none) */
};

struct derived_probe {
	const struct probe_family *family;
	struct probe_point *point;       /* the resolved low-level point */
	const char *pp;                  /* pp(): printed point with ?/! and condition */
	const char *pn;                  /* pn(): script-level name */
	const struct derivation *derivation;
	struct probe *origin;            /* the user's (or tapset's) probe statement */
	const struct token *tok;         /* for diagnostics: the user's probe point */
	struct stmt *body;               /* prologues + body + epilogues (a private copy) */
	vardecl_vec locals;
	struct expr *condition;          /* arming condition, or NULL */
	bool optional;                   /* resolved through an optional point */
	void *family_data;               /* owned by the family */
	uint32_t index;                  /* position in program.probes */
	/* filled by the families' target-variable resolution */
	bool uses_target_vars;
	/* the probe does its job without running its handler (a perf
	 * counter): kept even when its body is empty */
	bool keep_empty;
	/* the sequence number of begin/end/error(N) */
	int64_t sequence;
	bool is_return;                  /* a .return probe (@entry allowed) */
};
typedef VEC(struct derived_probe *) derived_probe_vec;

struct program {
	struct session *session;
	vardecl_vec globals;             /* used globals, in declaration order */
	functiondecl_vec functions;      /* used functions */
	derived_probe_vec probes;        /* in resolution order */
	embedded_code_vec embeds;        /* top-level %{ %} of used files */
	stapfile_vec files;              /* files contributing anything */
	bool uses_regex;
	unsigned max_nesting;            /* static call depth (for MAXNESTING) */
	bool recursive;                  /* some function may recurse */
	struct elab *elab;               /* pass 2's state (listings only) */
};

#endif
