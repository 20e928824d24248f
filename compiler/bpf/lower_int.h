/*
 * lower_int: internals shared by the lower*.c files (see lower.h).
 *
 * Values: a long lives in a vreg (or is a known constant); a string is a
 * zero-padded byte buffer (`struct smem`) of a known width on the BPF
 * stack or in the per-CPU scratch map.  Zero padding is an invariant of
 * every string buffer: it makes hash keys deterministic, equality a word
 * compare, and lets a copy move whole 8-byte words.
 *
 * Locals: longs in vregs, strings in buffers, fresh per handler (zeroed in
 * a prologue that is emitted last and moved to the handler's start, see
 * ir_move_tail) and per inlined call (zeroed at the call).  Script
 * functions are inlined: BPF has no recursion and small bodies are the
 * common case; a recursive call is a pass-3 error.
 *
 * Errors raised at run time jump to the innermost catch (try/catch) or,
 * after sending an error record and counting it, to the handler's end.
 */
#ifndef CTAP_BPF_LOWER_INT_H
#define CTAP_BPF_LOWER_INT_H

#include "bpf/family.h"
#include "bpf/fmt_helpers.h"
#include "bpf/lower.h"
#include "bpf/rtdata.h"

struct diag_sink;

struct smem {
	ir_reg base;        /* IR_FP or a vreg holding a map value pointer */
	int32_t off;
	uint32_t width;     /* bytes incl. the NUL; the buffer spans align8(width) */
};

enum lv_kind { LV_REG, LV_IMM, LV_STR };

struct lval {
	enum lv_kind kind;
	ir_reg reg;
	int64_t imm;
	struct smem str;
};

struct lslot {
	const struct vardecl *decl;
	bool is_str;
	ir_reg reg;
	struct smem str;
};

struct lscope {
	struct lscope *up;
	VEC(struct lslot) slots;
	const struct functiondecl *fn;   /* NULL: the probe body */
	ir_label ret_label;
	ir_reg ret_reg;
	struct smem ret_str;
	const struct expr *call;         /* the call being inlined */
};

struct ltry {
	struct ltry *up;
	ir_label catch_label;
	struct smem msg;                 /* the caught message, if a catch var wants it */
	bool want_msg;
};

struct lloop {
	struct lloop *up;
	ir_label brk, cont;
};

/* A deferred string local (lower_defer.c): the arguments of its call. */
struct ldefer {
	const struct vardecl *decl;
	const struct functiondecl *fn;
	uint32_t nargs;
	ir_reg regs[5];
};

/* The texts of a probe point a handler can ask for (lower_points.c). */
enum point_text { POINT_PP, POINT_PN, POINT_FUNC, POINT_TEXTS };

struct lower {
	struct bpf_translation *t;
	struct bpf_plan *pl;
	struct session *s;
	struct diag_sink *diag;
	struct ir *ir;
	struct kprog *kp;
	struct bprobe *bp;
	/* the current handler */
	ir_label hend;                   /* end of the body: the output queue is flushed */
	ir_label hskip;                  /* end of the handler (from before the prologue) */
	uint32_t prologue_at;
	ir_reg outq;                     /* per-CPU output queue value pointer */
	bool need_outq;
	ir_reg rec_pos;                  /* the open record's queue position */
	bool rec_direct;                 /* the open record goes out on its own */
	bool in_guard;                   /* lowering a guard before the prologue */
	ir_reg scratch;                  /* per-CPU scratch value pointer */
	bool need_scratch;
	uint32_t scratch_off;
	ir_reg actions;                  /* statements charged (MAXACTION) */
	bool need_actions;
	int64_t pending;                 /* charged statically since the last flush */
	struct lscope *scope;
	struct ltry *try_;
	struct lloop *loop;
	uint32_t stack_used;              /* this handler's part of the values region */
	uint32_t prog_stack;              /* the program's values region */
	VEC(struct lslot) handler_locals; /* to initialise in the prologue */
	bool failed;
	uint32_t inline_depth;
	struct stmt *hoisted;             /* leading `if (c) next` tested before the prologue */
	const struct expr *known_false;   /* a guard's number test the dispatch made (lower_prog.c) */
	ir_label dead_absent;             /* last key path nothing jumps to (lower_map.c) */
	struct lfmt *fmt;                 /* formatting helpers imported (lower_fmt.c) */
	VEC(struct ldefer) defers;        /* the handler's deferred locals (lower_defer.c) */
	struct ir_func *flush_fn;         /* the program's output queue flush (lower_mem.c) */
	struct ir_func *raise_fn;         /* its error raise (lower_mem.c) */
	bool uses_match;                  /* the handler reads or writes matchbuf (lower_match.c) */
	/* One handler serves several points of a uprobe_multi program (the
	 * points of one probe: lower_prog.c): their texts come from tables
	 * the attach cookie indexes; anything else a point alone has
	 * (lower_point_bound) makes the handler its point's own. */
	bool share_points;
	bool point_bound;
	uint32_t point_table[POINT_TEXTS];  /* rodata offset, once made */
	uint32_t point_width[POINT_TEXTS];  /* entry width; 0: not made yet */
};

/* The hit's output queue (per-CPU map value: position, then this many
 * bytes), sent as one ring-buffer record at the handler's end. */
#define OUTQ_SIZE 8192   /* STP_BUFFER_SIZE */
/* after the queue: where the statement count passes through (lower_mem.c) */
#define OUTQ_ACTIONS (8 + OUTQ_SIZE)

static inline uint32_t lw_align8(uint32_t x)
{
	return (x + 7) & ~7u;
}

/* The smallest 2^k - 1 covering every offset in [0, x): an AND with it
 * bounds a register for the verifier and changes no value below x. */
static inline uint32_t lw_cover_mask(uint32_t x)
{
	uint32_t m = 1;
	while (m < x)
		m <<= 1;
	return m - 1;
}

/* ---- lower_mem.c: primitives (and lower_unsupported, family.h) ---- */
/* `size` bytes of the stack values region (see lower_mem.c). */
int16_t lower_stack(struct lower *L, uint32_t size);
/* Memory for `size` bytes (8-aligned): stack when small, else scratch. */
struct smem lower_mem(struct lower *L, uint32_t size, bool prefer_stack);
void lower_zero(struct lower *L, struct smem m, uint32_t size);
void lower_execname_into(struct lower *L, struct smem dst);
struct ir_arg lower_addr_arg(struct lower *L, struct smem m);
ir_reg lower_addr(struct lower *L, struct smem m);
ir_reg lower_head(struct lower *L);
/* Whether the probe's saved ip is one past the probed address (an entry
 * kprobe: x86's int3, and the ftrace and optimized kprobes that mimic
 * it); handlers show the probed address, as the kernel-module back end
 * and SystemTap do (lower_stack.c). */
static inline bool lower_kprobe_ip_past(const struct lower *L)
{
	return L->kp->attach == KA_KPROBE && !L->kp->retprobe;
}              /* &globals value (rt_head first) */
/* Raise a run-time error; detail: see esite (reg = address or NOREG). */
void lower_raise(struct lower *L, const struct token *tok, const char *msg,
		 enum esite_detail detail, ir_reg a, ir_reg b, const struct smem *str);
/* A record through the ring buffer: header + payload already in `rec`. */
void lower_emit_record(struct lower *L, struct smem rec, uint32_t size);
/* A record in the hit's output queue: open (header written; the payload
 * follows at +RT_REC_HDR), fill, close.  Nothing between open and close
 * may emit another record. */
struct smem lower_rec_open(struct lower *L, uint32_t kind, uint32_t site, uint32_t payload);
void lower_rec_close(struct lower *L, struct smem rec);
/* The hit's output queue to the ring buffer (at the handler's end). */
void lower_outq_flush(struct lower *L);
/* A symdefer item (symdefer.h) of value a in that style at p + off. */
void lower_symdefer_item(struct lower *L, ir_reg p, int16_t off, ir_reg a, char style);
/* Locals of the current scope. */
struct lslot *lower_local(struct lower *L, const struct vardecl *d);
/* Charge / check the statement budget. */
void lower_charge_flush(struct lower *L, const struct token *tok, bool check);
void lower_str_copy(struct lower *L, struct smem dst, struct smem src);
void lower_str_literal(struct lower *L, struct smem dst, const char *s, uint32_t len);
/* A string value of len bytes of s (cut at MAXSTRINGLEN). */
bool lower_str_const(struct lower *L, const char *s, size_t len, struct lval *out);
/* dst = a . b (dst may be a's buffer). */
void lower_str_concat(struct lower *L, struct smem dst, struct smem a, struct smem b);
ir_reg lower_str_len(struct lower *L, struct smem s);

/* ---- lower_ctx.c: the probe's context (and family.h's readers) ---- */
/* DWARF register regno (x86_64 numbering) of a uprobe into v. */
bool lower_dwarf_register(struct lower *L, const struct token *tok, int regno, ir_reg v);

/* ---- lower_ustack.c: a user stack for user space to unwind ---- */
/* One RTR_USTACK record with op (enum rt_ustack_op) and its operand
 * (RTU_SYMS: n; IR_NOREG: -1). */
bool lower_ustack_record(struct lower *L, uint32_t op, ir_reg operand);
/* A print argument whose string user space makes (ubacktrace(),
 * usymname(a), ...): its rt_ustack_op, else 0; the payload bytes it takes;
 * the payload written at base+at, with the call's operand (n, addr: its
 * only argument, evaluated by the caller; IR_NOREG if none). */
uint32_t lower_ustack_arg_op(const struct expr *a);
const struct expr *lower_ustack_operand(const struct expr *a);   /* NULL: none */
uint32_t lower_ustack_arg_size(struct lower *L, uint32_t op);
void lower_ustack_arg_fill(struct lower *L, uint32_t op, ir_reg operand, ir_reg base, int32_t at);
/* Such a call (op, its operand evaluated) as a value: a SYMDEFER_KEPT
 * string of a handle whose text user space makes and keeps (keptstr.h). */
void lower_ustack_value(struct lower *L, uint32_t op, ir_reg operand, struct lval *out);
/* The error for such a function as an array key. */
bool lower_ustack_unkeyable(struct lower *L, const struct expr *call);

/* ---- lower.c: the dispatcher (statements, expressions) ---- */
/* Statements (handler bodies, inlined function bodies). */
bool lower_stmt(struct lower *L, struct stmt *s);
bool lower_long(struct lower *L, struct expr *e, ir_reg *out);
/* A long into a fresh vreg the caller may modify. */
ir_reg lower_long_tmp(struct lower *L, struct expr *e, bool *ok);
bool lower_expr_effect(struct lower *L, struct expr *e);  /* evaluate, discard */
bool lower_cond_jump(struct lower *L, struct expr *e, bool jump_if, ir_label l);
bool lower_call(struct lower *L, struct expr *e, struct lval *out);
/* A string operand (possibly a variable's own buffer: read only). */
bool lower_str(struct lower *L, struct expr *e, struct smem *out);
/* Evaluate into dst (zero-padded; truncated to dst.width-1). */
bool lower_str_into(struct lower *L, struct expr *e, struct smem dst);

/* ---- lower_str.c ---- */
/* -1/0/1 into a vreg (ordering) or equality only. */
bool lower_str_compare(struct lower *L, struct expr *e, ir_reg *out);
bool lower_print(struct lower *L, struct expr *e);

/* ---- lower_fmtbuf.c: formatting buffer primitives, imported helpers ---- */
/* where fmtbuf's output area starts (fmt_helpers.h) */
#define FB_OUT(pl) FMT_HELPERS_OUT((pl)->lim.maxstringlen)
/* r = &fmtbuf value (jumps to `fail` if the lookup fails) in the selected
 * function; *slot: the stack slot of its key */
ir_reg lower_fb_lookup(struct lower *L, ir_label fail, int16_t *slot);
/* fb = &fmtbuf (jumps to `fail` if the lookup fails), *out = its output
 * area, *pos = 0: the start of a text built piece by piece */
ir_reg lower_fb_open(struct lower *L, ir_label fail, ir_reg *out, ir_reg *pos);
/* pos = min(pos, MSL-1) in a way the verifier sees */
void lower_fb_clamp_pos(struct lower *L, ir_reg pos);
/* out[pos...] = n bytes from src / n copies of c / a byte / a literal;
 * pos advances, clamped so that at most MSL-1 bytes are ever used */
void lower_fb_append_ptr(struct lower *L, ir_reg out, ir_reg pos, ir_reg src, ir_reg n);
void lower_fb_append_fill(struct lower *L, ir_reg out, ir_reg pos, char c, ir_reg n);
void lower_fb_append_imm_byte(struct lower *L, ir_reg out, ir_reg pos, char c);
void lower_fb_append_literal(struct lower *L, ir_reg out, ir_reg pos, const char *s, uint32_t n);
/* dst = the NUL-terminated text at fb + text_off; "" when a lookup went
 * to `fail` (bound here) */
void lower_fb_text_out(struct lower *L, ir_reg fb, uint32_t text_off, ir_label fail, struct smem dst);
/* dst = the text out[0..pos) (pos clamped, the NUL written at it) */
void lower_fb_copy_out(struct lower *L, ir_reg out, ir_reg pos, struct smem dst);
/* Helper `name` of fmt_helpers.bpf.c in this program (NULL: reported). */
struct ir_func *lower_fb_helper(struct lower *L, const char *name);
/* One conversion by the imported helper `name` (fmt_int, fmt_char) of v
 * with the spec word `spec`, appended at pos of fmtbuf fb. */
void lower_fb_call_conv(struct lower *L, const char *name, ir_reg fb, ir_reg pos, ir_reg v,
			ir_reg spec);
/* text_strn: escape_text(dst, s, 0, outlen, quoted). */
bool lower_escape(struct lower *L, const struct token *tok, struct smem s, ir_reg outlen,
		  bool quoted, struct smem dst);
/* _buffer_quoted: inlen bytes at addr (user or kernel memory; inlen is
 * clamped in place) escaped quoted, NULs as data, budget outlen */
bool lower_escape_buffer(struct lower *L, const struct token *tok, ir_reg addr, ir_reg inlen,
			 ir_reg outlen, bool user, struct smem dst);
/* _argv_text: the user argv array at argv as ["a", "b"] (fmt_helpers.h) */
bool lower_argv_text(struct lower *L, const struct token *tok, ir_reg argv, struct smem dst);
/* Deletes the element of the (full, wrap-around) array map whose
 * insertion sequence is the smallest: two bpf_for_each_map_elem passes */
bool lower_wrap_evict(struct lower *L, const struct token *tok, const struct ir_map *map);
/* _argv_count: the non-NULL pointers of the user array at argv before
 * its NULL, at most max (clamped in place); -1 if it cannot be read */
ir_reg lower_argv_count(struct lower *L, const struct token *tok, ir_reg argv, ir_reg max);

/* ---- lower_fmt.c: sprintf ---- */
/* sprintf / sprint forms into dst: bpf_snprintf where it formats the same */
bool lower_sprint(struct lower *L, struct expr *e, struct smem dst);
/* ... else SystemTap's formatting, piece by piece */
bool lower_format_into(struct lower *L, struct expr *e, struct smem dst);

/* ---- lower_map.c ---- */
bool lower_global_read(struct lower *L, struct expr *e, struct lval *out);
bool lower_assign(struct lower *L, struct expr *e, struct lval *out, bool want);
bool lower_incdec(struct lower *L, struct expr *e, struct lval *out, bool want);
bool lower_index_read(struct lower *L, struct expr *e, struct lval *out);
bool lower_in(struct lower *L, struct expr *e, ir_reg *out);
bool lower_delete(struct lower *L, struct stmt *s);
bool lower_stat(struct lower *L, struct expr *e, ir_reg *out);
bool lower_hist_print(struct lower *L, struct expr *print, struct expr *hist);

/* ---- lower_prog.c ---- (lower_program, lower_listing: lower.h) */

/* ---- lower_group.c ---- */
/* Puts a kernel probe into its program (its family's group hook). */
bool lower_group_probe(struct bpf_translation *t, struct bprobe *bp);

/* ---- lower_points.c: pp(), pn(), ppfunc() ---- */
/* The text of the handler's point: a literal, or when the handler serves
 * several points, its point's entry of a table indexed by the cookie. */
bool lower_point_text(struct lower *L, enum point_text which, struct lval *out);
/* Something only this point has went into the handler: it cannot serve
 * other points. */
static inline void lower_point_bound(struct lower *L)
{
	L->point_bound = true;
}

/* ---- lower_builtin.c ---- */
bool lower_builtin(struct lower *L, struct expr *call, struct lval *out);

/* ---- lower_stack.c: kernel stacks and symbols (deferred to user space) ---- */
/* Whether call is one lower_stack_call lowers (asked before builtins). */
bool lower_stack_takes(const struct lower *L, const struct expr *call);
bool lower_stack_call(struct lower *L, struct expr *call, struct lval *out);


/* ---- lower_defer.c: strings formatted in user space ---- */
/* Finds the handler's deferred string locals (before any is allocated). */
void lower_defer_scan(struct lower *L, struct derived_probe *dp);
/* d's deferred state if d is one of them (in the probe's own scope; an
 * assignment `d = f(...)` sets its vregs to f's arguments), else NULL. */
struct ldefer *lower_defer_local(struct lower *L, const struct vardecl *d);
/* If print argument a is formatted in user space: its function, and in
 * *nargs how many longs the record carries for it (a deferred local's
 * vregs, or the call's arguments evaluated); else NULL. */
const struct functiondecl *lower_defer_arg(struct lower *L, const struct expr *a, uint32_t *nargs);

/* ---- lower_match.c: matched(), ngroups() ---- */
/* After `e` (=~) computed `matched` (0/1) over s: the groups of a match
 * into matchbuf, or none after a failure (when the script asks for them). */
bool lower_match_track(struct lower *L, struct expr *e, struct smem s, ir_reg matched);
/* In the prologue of a handler that used matchbuf: no match yet. */
void lower_match_reset(struct lower *L);
bool lower_matched(struct lower *L, const struct token *tok, ir_reg n, struct smem dst);
ir_reg lower_ngroups(struct lower *L, const struct token *tok);

/* ---- lower_regex.c ---- */
/* =~ / !~ as 0/1 into a vreg: a DFA walk over the string. */
bool lower_regex(struct lower *L, struct expr *e, ir_reg *out);

/* ---- lower_target.c ---- */
bool lower_target(struct lower *L, struct expr *e, struct lval *out);
/* $x->f = v under -g (user memory) */
bool lower_target_assign(struct lower *L, struct expr *e, struct lval *out);
/* (and the context readers of family.h: lower_func_arg, lower_return_value...) */

#endif
