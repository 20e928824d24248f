/*
 * kmod: the kernel-module back end's translator (pass 3), shared by its
 * files.  Not for other parts of the compiler: they see backend.h.
 *
 * Pass 3 turns the elaborated program (elab/program.h) into one C file
 * shaped as runtime/kmod/README.md prescribes.  It runs as a sequence of
 * decisions followed by printing (STYLE.md §6):
 *
 *   layout.c    globals: C names, storage kinds, statistics parameters,
 *               lock indexes; locals and functions: C names        (decide)
 *   locks.c     per probe, the globals its handler and every function it
 *               can reach need, read or write, in lock order       (decide)
 *   family.h    per derived probe, its family's hooks (probes/NAME.c):
 *               runtime kind, checks, table entry                   (decide)
 *   code.c (statements, expressions: the dispatcher), arrays.c, print.c,
 *   regex.c, target.c over emit.c's primitives
 *               lower each handler and function body into C text and
 *               its frame (locals + temporaries); identical handlers
 *               are shared                                          (lower)
 *   module.c    assembles the file: includes, globals, locks, frames,
 *               functions, handlers, family tables, descriptor      (print)
 *
 * Frames: every probe handler and script function has a struct of its
 * locals and temporaries (per-CPU storage, c->locals); function frames are
 * indexed by call depth.  A frame is final once its body is lowered, and
 * module.c prints all frames before any code.
 *
 * Error flow in generated code: a failing operation leaves the error in the
 * context (runtime/kmod/error.h); the code tests _ctap_failed(c) after it
 * and jumps to the current error label: `out` (the end of the handler or
 * function) or the catch label of the innermost try.
 */
#ifndef CTAP_KMOD_H
#define CTAP_KMOD_H

#include <stdbool.h>
#include <stdint.h>

#include "diag/diag.h"
#include "elab/program.h"
#include "kmod/family.h"
#include "util/strbuf.h"

struct session;

/* ------------------------------------------------------------ writer.c */

/* An indenting writer over a strbuf (SystemTap's translator_output idea). */
struct writer {
	struct strbuf *sb;
	int indent;
};

void kw_line(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kw_blank(struct writer *w);
/* A line at one level less (labels). */
void kw_label(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "TEXT {" and one level deeper / one level back and "}TEXT". */
void kw_open(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kw_close(struct writer *w, const char *suffix);
/* A function definition: the signature, then "{" on its own line. */
void kw_func(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Verbatim text (embedded C), no indentation added. */
void kw_raw(struct writer *w, const char *text);

/* C string literal of s[0..len) (quotes included), arena-allocated. */
const char *km_quote(struct arena *a, const char *s, size_t len);
/* "identifier 'x' at t.stp:3:5": SystemTap's run-time token description,
 * always with the file name. */
const char *km_tokwhere(struct session *s, const struct token *tok);
/* The same as a C string literal. */
const char *km_where_c(struct session *s, const struct token *tok);
/* "t.stp:3:1" */
const char *km_location(struct session *s, const struct token *tok);

/* ------------------------------------------------------------ layout.c */

enum kg_kind {
	KG_LONG,     /* static long g_x */
	KG_STRING,   /* static char g_s[MAXSTRINGLEN] */
	KG_STAT,     /* struct _ctap_stat */
	KG_MAP,      /* struct _ctap_map (long or string values) */
	KG_PMAP,     /* struct _ctap_pmap (statistics values) */
};

/* One histogram kept for a statistics global (its own runtime object). */
struct hvariant {
	enum hist_kind kind;        /* HIST_NONE: no histogram */
	int64_t start, stop, interval;
	const char *cname;          /* the first is the global's own object */
};

/* What the translator decided about one global (vardecl->backend). */
struct kglobal {
	struct vardecl *decl;
	const char *cname;          /* "g_x" */
	enum kg_kind kind;
	unsigned index;             /* lock index (declaration order) */
	bool param;                 /* settable at load (NAME=VALUE) */
	bool written_live;          /* written by some probe that runs concurrently */
	int64_t variance_shift;
	bool want_variance;
	struct hvariant *hv;        /* statistics: histogram objects, >= 1 */
	unsigned nhv;
};

/* The object (cname) of g that keeps the histogram expression h. */
const char *km_hist_object(struct kglobal *g, const struct expr *h);

/* A script function (functiondecl->backend). */
struct kfunc {
	struct functiondecl *decl;
	const char *cname;          /* "f_foo" (dispatcher or the function) */
	const char *impl;           /* "f_foo__1": this overload's body */
	const char *frame;          /* "ck_fn_foo" */
	bool chained;               /* part of a runtime-overload chain */
	unsigned depth;             /* layout.c: deepest call chain from here */
	int depth_state;
	bool uses_next;
	/* locks.c */
	uint8_t *modes;             /* per global: 0, LOCK_R, LOCK_W */
	int modes_state;            /* 0 todo, 1 busy, 2 done */
	/* lowering */
	struct frame *fr;
	struct strbuf text;         /* the C functions */
};

/* A local or parameter (vardecl->backend is its C member name). */
const char *km_local_name(struct arena *a, const char *name);

/* ------------------------------------------------------------- frame.c */

/* One struct of locals and temporaries. */
struct frame_member {
	const char *ctype;          /* "int64_t", "char", "union _ctap_key" */
	const char *name;
	unsigned count;             /* array length, 0 = scalar */
	bool is_string;             /* char[MAXSTRINGLEN] */
};

struct frame {
	const char *tag;            /* struct tag: "ck_probe_3" */
	VEC(struct frame_member) members;
	unsigned ntemps;
	/* string temporaries are reused across statements */
	VEC(const char *) strs;     /* all string temps made */
	unsigned str_live;          /* strs[0..str_live) in use */
};

struct frame *kframe_new(struct arena *a, const char *tag);
void kframe_add(struct arena *a, struct frame *f, const char *ctype, const char *name,
	       unsigned count, bool is_string);
/* A fresh temporary ("__t3"): long, pointer, array... never reused. */
const char *kframe_temp(struct arena *a, struct frame *f, const char *ctype, unsigned count);
/* A string temporary (char[MAXSTRINGLEN]), live until kframe_release. */
const char *kframe_str(struct arena *a, struct frame *f);
unsigned kframe_mark(const struct frame *f);
void kframe_release(struct frame *f, unsigned mark);
void kframe_print(struct writer *w, const struct frame *f);

/* ------------------------------------------------------------- kmod.c */

enum { LOCK_R = 1, LOCK_W = 2 };

#define KM_MAX_REGEX 256

/* A derived probe's translation. */
struct kprobe_tr {
	struct derived_probe *dp;
	int kind;                   /* KP_* below */
	const char *handler;        /* C function name (shared if identical) */
	uint8_t *modes;             /* locks.c */
	bool needs_locks;
	unsigned index;             /* in probes[] */
	/* the family's hooks for this back end (family.h) */
	const struct kmod_family *fam;
};

/* The whole translation. */
struct kmod {
	struct session *s;
	struct program *prog;
	struct arena *a;

	struct kglobal **globals;   /* program->globals order */
	unsigned nglobals;
	struct kfunc **funcs;
	unsigned nfuncs;
	struct kprobe_tr *probes;
	unsigned nprobes;

	/* lowered code */
	struct strbuf handlers;     /* probe handler functions */
	struct strbuf statics;      /* printf spec tables, helpers */
	struct strbuf tpdecls;      /* family declarations before handlers */
	VEC(struct frame *) probe_frames;
	VEC(const char *) handler_texts;   /* for sharing identical handlers */
	VEC(const char *) handler_names;
	unsigned nfmt;              /* printf spec tables made */
	unsigned helpers;           /* KH_* bits: generated helpers used */
	bool has_embedded;          /* embedded C anywhere */
	unsigned nregex;            /* regex.c: DFA tables made */
	int regex_classes[KM_MAX_REGEX];
	unsigned nesting;           /* MAXNESTING to define */

	/* the product */
	struct strbuf text;         /* the module's C source */
	const char *defines_key;    /* -D flags as one string (cache key) */
};

/* Helpers printed into the module when used. */
enum {
	KH_DEREF = 1u << 0,     /* ck_deref (module.c's helpers_text[0]) */
	KH_REGEX = 1u << 1,     /* ck_regex */
	KH_STORE = 1u << 2,     /* ck_store */
};

/* ------------------------------------------------------------- passes */

bool km_layout(struct kmod *K);
bool km_locks(struct kmod *K);
bool km_lower_all(struct kmod *K);
void km_assemble(struct kmod *K);

/* Reports a pass-3 error with its code (D_TRANS_*) at tok (may be NULL). */
/* usyms.c: the user symbol tables and the uobjs[] table; returns the
 * number of objects (0: no table printed). */
unsigned km_emit_usyms(struct kmod *K, struct writer *w);
/* ulines.c: whether the script asks for user source lines, and one
 * object's line table (ufiles_INDEX, ulines_INDEX); returns its rows. */
struct uelf;
bool km_wants_lines(const struct kmod *K);
uint32_t km_emit_ulines(struct kmod *K, struct writer *w, unsigned index, const struct uelf *u);

/* klines.c: the kernel's line table (_ctap_klines_blob) when the script
 * asks for kernel source lines and the kernel's DWARF gives them. */
bool km_emit_klines(struct kmod *K, struct writer *w);

void kmod_error(struct kmod *K, enum diag_code code, const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------- lowering */

/* The state of lowering one body (a handler or a function). */
struct loop_ctx {
	unsigned id;
	bool used_continue, used_break;
};

struct km_lower {
	struct kmod *K;
	struct writer *w;
	struct frame *f;
	struct kprobe_tr *probe;    /* handler being lowered, or NULL */
	struct kfunc *fn;           /* function being lowered, or NULL */
	const char *errlabel;       /* where failures go */
	unsigned labels;            /* label counter */
	struct loop_ctx loops[64];
	unsigned nloops;
	/* MAXACTION accounting: statements charged but not yet checked */
	long pending;
	bool failed;                /* an error was reported */
};

/* A lowered expression: a C expression valid right after the statements
 * lowering emitted, of type int64_t (long) or const char * (string). */
struct val {
	const char *c;
	enum stap_type t;
	bool stable;                /* a literal or a temporary: later code of
	                             * the same statement cannot change it */
};

/* emit.c: primitives (no AST recursion) */
struct val kv_long(const char *c, bool stable);
struct val kv_str(const char *c, bool stable);
/* The value in a temporary unless already stable. */
struct val km_stabilize(struct km_lower *L, struct val v);
bool km_has_effects(const struct expr *e);
/* Stores v into a long/string lvalue C expression. */
void km_store(struct km_lower *L, const char *dst, enum stap_type t, struct val v);
/* The C lvalue of a scalar variable (local, param or global). */
const char *km_var(struct km_lower *L, struct vardecl *v);
/* a OP b as C text (a / b, a % b: checked statements first); konst:
 * both are literals (wrapping arithmetic in uint64_t) */
const char *km_arith(struct km_lower *L, enum binary_op op, const struct token *tok,
		     struct val *a, struct val *b, bool konst);
/* lv op= v for a long lvalue (division checked). */
void km_compound(struct km_lower *L, const char *lv, enum assign_op op, const struct token *tok,
		    struct val v);
void km_charge(struct km_lower *L, long n);
void km_flush(struct km_lower *L, const struct token *tok);
/* "if (_ctap_failed(c)) goto ERR;" */
void km_check(struct km_lower *L);
/* Sets c->last_stmt to tok's description. */
void km_where(struct km_lower *L, const struct token *tok);
const char *km_label(struct km_lower *L, const char *what);
/* Loops: labels for break/continue, the back edge's charge. */
struct loop_ctx *km_loop_begin(struct km_lower *L, const struct token *tok);
void km_loop_backedge(struct km_lower *L, struct loop_ctx *lc, const struct token *tok);
void km_loop_end(struct km_lower *L, struct loop_ctx *lc);

/* code.c: the dispatcher (statements and expressions) */
void km_stmt(struct km_lower *L, struct stmt *s);
void km_body(struct km_lower *L, struct stmt *body);
struct val km_expr(struct km_lower *L, struct expr *e);
/* Evaluates e for its effects only. */
void km_expr_stmt(struct km_lower *L, struct expr *e);

/* arrays.c: arrays, statistics, histograms */
struct val km_index_read(struct km_lower *L, struct expr *e);
struct val km_index_assign(struct km_lower *L, struct expr *e);    /* EXPR_ASSIGN */
struct val km_index_incdec(struct km_lower *L, struct expr *e);    /* EXPR_INCDEC */
struct val km_in(struct km_lower *L, struct expr *e);
struct val km_stat(struct km_lower *L, struct expr *e);            /* @count(x) ... */
struct val km_stat_add(struct km_lower *L, struct expr *e);        /* x <<< v */
void km_delete(struct km_lower *L, struct stmt *s);
void km_foreach(struct km_lower *L, struct stmt *s);
/* print(@hist_xxx(v)) into the outbuf C expression ob */
void km_hist_print(struct km_lower *L, struct expr *hist, const char *ob);
/* Evaluates keys into a fresh union _ctap_key array; *wild gets the bits
 * of '*' columns (NULL keys). */
const char *km_keys(struct km_lower *L, expr_vec *keys, unsigned *wild, bool stabilize);

/* print.c: printf formats and plain prints into the outbuf C expression ob */
void km_printf(struct km_lower *L, struct expr *e, const char *ob);
void km_print_values(struct km_lower *L, struct expr *e, const char *ob);

/* target.c */
struct val km_target(struct km_lower *L, struct expr *e);
/* $x->f = v under -g */
struct val km_target_assign(struct km_lower *L, struct expr *e);
/* x narrowed to size bytes and extended back to 64 bits (C text). */
const char *km_extend(struct arena *a, const char *x, uint32_t size, bool sgn);
struct val km_deref(struct km_lower *L, struct expr *e);
struct val km_register(struct km_lower *L, struct expr *e);

/* functions.c */
/* Prints a function around `body` (entry: call level, frame, parameters;
 * exit: result), for script and embedded-C bodies alike. */
void km_wrap(struct kmod *K, struct kfunc *kf, struct writer *w, struct strbuf *body);
bool km_functions(struct kmod *K);
void km_protos(struct kmod *K, struct writer *w);

/* embedded.c */
void km_embedded_function(struct kmod *K, struct kfunc *kf, struct writer *w);
void km_embedded_support(struct kmod *K, struct writer *w);
/* pragma:read/write globals of an embedded function body */
void km_pragma_globals(struct kmod *K, const char *code, uint8_t *modes);

/* regex.c */
struct val km_regex(struct km_lower *L, struct expr *e);

#endif
