/*
 * target: lowering of target expressions ($var, $p->f[i], @cast, $$vars,
 * @kderef, @kregister) from the access plans pass 2 made
 * (struct target_access, elab/program.h).
 *
 * The base value comes from the family (a tracepoint argument packed by
 * the generated callback, an ABI argument register, the return register,
 * a DWARF register of the probed (user) context, an expression); then each step adds its offset and index and, when it
 * loads, reads memory through the runtime's nofault readers (ck_deref): a
 * fault raises `read fault [man error::fault] at 0xADDR` near the
 * expression's token, as SystemTap's loc2c code does.  Values narrower
 * than 64 bits are sign- or zero-extended by their C type.
 */
#include <string.h>

#include "kmod/kmod.h"
#include "session.h"
#include "util/arena.h"

static struct val fail(struct km_lower *L, enum diag_code code, struct expr *e, const char *msg)
{
	kmod_error(L->K, code, e->tok, "%s", msg);
	L->failed = true;
	return e->type == TYPE_STRING ? kv_str("\"\"", true) : kv_long("0", true);
}

static const char *temp(struct km_lower *L)
{
	return arena_printf(L->K->a, "l->%s", kframe_temp(L->K->a, L->f, "int64_t", 0));
}

const char *km_extend(struct arena *a, const char *x, uint32_t size, bool sgn)
{
	switch (size) {
	case 1: return arena_printf(a, "(int64_t)(%s)(%s)", sgn ? "s8" : "u8", x);
	case 2: return arena_printf(a, "(int64_t)(%s)(%s)", sgn ? "s16" : "u16", x);
	case 4: return arena_printf(a, "(int64_t)(%s)(%s)", sgn ? "s32" : "u32", x);
	default: return arena_printf(a, "(int64_t)(%s)", x);
	}
}

/* Size and signedness of a C type spelled as pass 2 spells it, for values
 * whose width pass 2 does not give ($return). */
static void ctype_width(const char *t, uint32_t *size, bool *sgn)
{
	*size = 8;
	*sgn = true;
	if (!t || strchr(t, '*'))
		return;
	bool u = strstr(t, "unsigned") != NULL;
	*sgn = !u;
	if (!strcmp(t, "_Bool") || !strcmp(t, "bool")) {
		*size = 1;
		*sgn = false;
	} else if (strstr(t, "char")) {
		*size = 1;
	} else if (strstr(t, "short")) {
		*size = 2;
	} else if (strstr(t, "long")) {
		*size = 8;
	} else if (strstr(t, "int")) {
		*size = 4;
	} else if (!strcmp(t, "u32") || !strcmp(t, "__u32") || !strcmp(t, "uint32_t")) {
		*size = 4;
		*sgn = false;
	} else if (!strcmp(t, "s32") || !strcmp(t, "__s32") || !strcmp(t, "int32_t")) {
		*size = 4;
	} else if (!strcmp(t, "u16") || !strcmp(t, "__u16") || !strcmp(t, "umode_t")) {
		*size = 2;
		*sgn = false;
	} else if (!strcmp(t, "u8") || !strcmp(t, "__u8")) {
		*size = 1;
		*sgn = false;
	} else if (!strcmp(t, "size_t") || !strcmp(t, "u64") || !strcmp(t, "loff_t")) {
		*sgn = strcmp(t, "loff_t") == 0;
	}
}

/* pt_regs fields by x86_64 DWARF register number */
static const char *const dwarf_regs[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

static bool need_regs(struct km_lower *L, struct expr *e)
{
	if (!L->probe || !L->probe->fam->has_regs) {
		fail(L, D_TRANS_UNSUPPORTED, e, "this target variable needs a kprobe's registers");
		return false;
	}
	return true;
}

static const char *km_base(struct km_lower *L, struct expr *e, struct target_access *acc)
{
	struct arena *a = L->K->a;
	switch (acc->base) {
	case ACCESS_TP_ARG:
		if (!L->probe || !L->probe->fam->arg) {
			fail(L, D_TRANS_UNSUPPORTED, e, "tracepoint arguments can only be used in the probe handler");
			return "0";
		}
		return arena_printf(a, "(int64_t)%s", L->probe->fam->arg(L->K, L->probe, acc->index));
	case ACCESS_FAMILY: {
		const char *v = L->probe && L->probe->fam->family_value
					? L->probe->fam->family_value(L->K, L->probe, acc->index)
					: NULL;
		if (!v) {
			fail(L, D_TRANS_UNSUPPORTED, e, "this context value is not available here "
			     "on the kernel-module back end");
			return "0";
		}
		return arena_printf(a, "(int64_t)(%s)", v);
	}
	case ACCESS_FUNC_ARG:
		if (!need_regs(L, e))
			return "0";
		return km_extend(a, arena_printf(a, "_ctap_kernel_arg(c, %d)", acc->index),
			      acc->base_size, acc->base_signed);
	case ACCESS_RETURN: {
		if (!need_regs(L, e))
			return "0";
		uint32_t size;
		bool sgn;
		ctype_width(acc->ctype, &size, &sgn);
		if (acc->nsteps)
			size = 8;
		return km_extend(a, "_ctap_returnval(c)", size, sgn);
	}
	case ACCESS_EXPR: {
		struct val v = km_expr(L, acc->base_expr);
		if (v.t != TYPE_LONG)
			fail(L, D_TRANS_PROGRAM, e, "@cast needs a long value");
		return v.c;
	}
	case ACCESS_REGISTER:
		/* a uprobe's registers are the task's user registers */
		if (!need_regs(L, e))
			return "0";
		if (acc->index < 0 || acc->index > 16) {
			fail(L, D_TRANS_UNSUPPORTED, e, "this target variable lives in a register the "
			     "kernel-module back end does not read (not a general-purpose register)");
			return "0";
		}
		return km_extend(a, arena_printf(a, "%s->%s", acc->user ? "task_pt_regs(current)" : "c->regs",
						 dwarf_regs[acc->index]),
				 acc->base_size, acc->base_signed);
	case ACCESS_SYMBOL:
		/* user space: an SDT immediate or a static of a non-PIE program,
		 * known at translation */
		if (acc->user)
			return arena_printf(a, "(int64_t)0x%llxULL", (unsigned long long)acc->symbol_addr);
		/* the kernel's: moved by KASLR as much as the exported jiffies */
		if (acc->kaslr_anchor)
			return arena_printf(a, "(int64_t)((unsigned long)&jiffies - 0x%llxULL + 0x%llxULL)",
					    (unsigned long long)acc->kaslr_anchor,
					    (unsigned long long)acc->symbol_addr);
		fail(L, D_TRANS_UNSUPPORTED, e, "@var needs symbol relocation, not supported by the kernel-module back "
		     "end yet");
		return "0";
	default:
		fail(L, D_TRANS_UNSUPPORTED, e, "unsupported target variable base");
		return "0";
	}
}

/* $$vars / $$parms / $$locals / $$return: the items come from the family. */
static struct val km_vars(struct km_lower *L, struct expr *e)
{
	struct arena *a = L->K->a;
	const char *name = e->u.target.name;
	struct strbuf fmt = STRBUF_INIT, args = STRBUF_INIT;
	unsigned n = 0;
	if (L->probe && L->probe->fam->vars)
		n = L->probe->fam->vars(L->K, L->probe, name, &fmt, &args);
	if (!n) {
		strbuf_free(&fmt);
		strbuf_free(&args);
		return kv_str("\"\"", true);
	}
	const char *arr = arena_printf(a, "l->%s", kframe_temp(a, L->f, "struct fmt_arg", n));
	char *p = args.buf;
	for (unsigned i = 0; i < n; i++) {
		char *q = strchr(p + 1, '|');
		if (q)
			*q = 0;
		kw_line(L->w, "%s[%u] = fmt_arg_long(%s);", arr, i, p + 1);
		if (q)
			p = q;
	}
	const char *dst = arena_printf(a, "l->%s", kframe_str(a, L->f));
	const char *ob = arena_printf(a, "&l->%s", kframe_temp(a, L->f, "struct outbuf", 0));
	kw_line(L->w, "_ctap_string_out(%s, %s);", ob, dst);
	kw_line(L->w, "_ctap_printf(c, %s, %s, %s, %u);", ob, km_quote(a, fmt.buf, fmt.len), arr, n);
	kw_line(L->w, "outbuf_cstr(%s);", ob);
	strbuf_free(&fmt);
	strbuf_free(&args);
	return kv_str(dst, true);
}

/* $var$ / $var$$: pass 2's sprintf (elab/pretty.h), "ERROR" if any of
 * its loads faults, as SystemTap's pretty-printer catches them. */
static struct val km_pretty(struct km_lower *L, struct expr *e)
{
	struct arena *a = L->K->a;
	unsigned id = ++L->labels;
	const char *outer = L->errlabel;
	const char *dst = arena_printf(a, "l->%s", kframe_str(a, L->f));
	L->errlabel = arena_printf(a, "pretty_fault_%u", id);
	struct val v = km_expr(L, e->u.target.pretty);
	kw_line(L->w, "_ctap_strcpy(%s, %s);", dst, v.c);
	L->errlabel = outer;
	kw_line(L->w, "goto pretty_done_%u;", id);
	kw_label(L->w, "pretty_fault_%u:", id);
	kw_line(L->w, "if (!_ctap_catch(c, NULL))");
	kw_line(L->w, "\tgoto %s;", outer);
	kw_line(L->w, "_ctap_strcpy(%s, \"ERROR\");", dst);
	kw_label(L->w, "pretty_done_%u: ;", id);
	return kv_str(dst, true);
}

static const char *follow(struct km_lower *L, struct expr *e, struct target_access *acc,
			  bool address_of_last);

struct val km_target(struct km_lower *L, struct expr *e)
{
	struct arena *a = L->K->a;
	struct target_access *acc = e->u.target.resolved;
	if (!acc)
		return fail(L, D_TRANS_PROGRAM, e, "unresolved target-symbol expression");
	if (acc->base == ACCESS_CONST_STRING)
		return kv_str(km_quote(a, acc->const_string, strlen(acc->const_string)), true);
	if (acc->pretty && e->u.target.pretty)
		return km_pretty(L, e);
	/* the family's own $$vars text, else the sprintf pass 2 built */
	if (acc->base == ACCESS_VARS)
		return (L->probe && L->probe->fam->vars) || !acc->vars_sprintf
			       ? km_vars(L, e)
			       : km_expr(L, acc->vars_sprintf);
	if (acc->base == ACCESS_ENTRY)
		return fail(L, D_TRANS_PROGRAM, e, "internal error: an entry value that pass 2 did not "
			    "save at the function's entry (elab/entry.c)");
	if (acc->pretty || (acc->is_string && acc->base != ACCESS_CONST_STRING))
		return fail(L, D_TRANS_UNSUPPORTED, e, "pretty-printing target variables ($var$, $var$$) is not "
			    "supported by the kernel-module back end yet");
	return kv_long(follow(L, e, acc, false), false);
}

/*
 * $p->f = v (guru mode): the address the last load would read, stored to
 * with ck_store (user or kernel memory, fault-safe: a bad address is the
 * script's "write fault").  A value the last step does not load from
 * memory (a register, a constant), a bitfield and a compound assignment
 * are refused.
 */
struct val km_target_assign(struct km_lower *L, struct expr *e)
{
	struct expr *lhs = e->u.assign.lhs;
	struct target_access *acc = lhs->u.target.resolved;
	const struct access_step *last = acc && acc->nsteps ? &acc->steps[acc->nsteps - 1] : NULL;
	if (e->u.assign.op != ASSIGN_SET)
		return fail(L, D_TRANS_UNSUPPORTED, lhs, "a compound assignment to a target variable "
			    "is not supported by the kernel-module back end yet");
	if (!last || !last->load_size || acc->pretty || acc->is_string || acc->base == ACCESS_VARS)
		return fail(L, D_TRANS_UNSUPPORTED, lhs, "writing a target variable that is not in "
			    "memory here (a register or a computed value) is not supported by the "
			    "kernel-module back end yet");
	if (last->bit_size)
		return fail(L, D_TRANS_UNSUPPORTED, lhs, "writing a bitfield is not supported by the "
			    "kernel-module back end yet");
	struct val v = km_expr(L, e->u.assign.rhs);
	const char *keep = temp(L);
	kw_line(L->w, "%s = %s;", keep, v.c);
	const char *addr = follow(L, lhs, acc, true);
	L->K->helpers |= KH_STORE;
	km_where(L, lhs->tok);
	kw_line(L->w, "ck_store(c, (unsigned long)%s, %u, (u64)%s, %d);", addr, last->load_size, keep,
		acc->user ? 1 : 0);
	km_check(L);
	return kv_long(keep, false);
}

/* The base value and the steps after it; with address_of_last, the last
 * step's load is left out (the address it would read). */
static const char *follow(struct km_lower *L, struct expr *e, struct target_access *acc,
			  bool address_of_last)
{
	struct arena *a = L->K->a;
	const char *v = km_base(L, e, acc);
	bool where = false;
	for (uint32_t i = 0; i < acc->nsteps; i++) {
		struct access_step *st = &acc->steps[i];
		const char *addr = v;
		if (st->offset)
			addr = arena_printf(a, "(%s + %lldLL)", addr, (long long)st->offset);
		if (st->index) {
			struct val ix = km_expr(L, st->index);
			addr = arena_printf(a, "(%s + %s * %uLL)", addr, ix.c, st->elem_size);
		}
		if (!st->load_size || (address_of_last && i + 1 == acc->nsteps)) {
			v = addr;
			continue;
		}
		if (!where) {
			km_where(L, e->tok);
			where = true;
		}
		L->K->helpers |= KH_DEREF;
		const char *t = temp(L);
		kw_line(L->w, "%s = ck_deref(c, (unsigned long)%s, %u, %d, %d);", t, addr,
		       st->load_size, st->load_signed ? 1 : 0, acc->user ? 1 : 0);
		km_check(L);
		v = t;
		if (st->bit_size) {
			uint64_t mask = st->bit_size >= 64 ? ~0ull : ((1ull << st->bit_size) - 1);
			v = arena_printf(a, "((%s >> %u) & 0x%llxULL)", t, st->bit_offset,
					 (unsigned long long)mask);
		}
	}
	return v;
}

/* @kderef(SIZE, addr) / @uderef(SIZE, addr) */
struct val km_deref(struct km_lower *L, struct expr *e)
{
	struct expr *size = e->u.deref.size;
	if (size->kind != EXPR_NUMBER || (size->u.num != 1 && size->u.num != 2 &&
					  size->u.num != 4 && size->u.num != 8))
		return fail(L, D_TRANS_PROGRAM, e, "the size of @kderef/@uderef must be 1, 2, 4 or 8");
	struct val addr = km_expr(L, e->u.deref.addr);
	L->K->helpers |= KH_DEREF;
	const char *t = temp(L);
	km_where(L, e->tok);
	kw_line(L->w, "%s = ck_deref(c, (unsigned long)%s, %lld, 0, %d);", t, addr.c,
	       (long long)size->u.num, e->u.deref.user ? 1 : 0);
	km_check(L);
	return kv_long(t, true);
}

/* @kregister(N) / @uregister(N): DWARF register numbers of x86_64. */
struct val km_register(struct km_lower *L, struct expr *e)
{
	struct expr *n = e->u.reg.num;
	if (n->kind != EXPR_NUMBER || n->u.num < 0 || n->u.num > 16)
		return fail(L, D_TRANS_PROGRAM, e, "register number must be a literal 0..16 (x86_64 DWARF numbering)");
	const char *r = dwarf_regs[n->u.num];
	if (e->u.reg.user)
		return kv_long(arena_printf(L->K->a, "(int64_t)task_pt_regs(current)->%s", r), false);
	if (!need_regs(L, e))
		return kv_long("0", true);
	return kv_long(arena_printf(L->K->a, "(int64_t)c->regs->%s", r), false);
}
