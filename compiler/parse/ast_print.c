/*
 * ast_print: the AST back to source text, in the shape of SystemTap's
 * pass-1 dump: every binary operand parenthesised, one statement per line,
 * globals, then aliases, probes, functions.  The output always parses
 * again to the same tree, and printing that tree gives the same text.
 */
#include "parse/ast_print.h"

#include <inttypes.h>
#include <string.h>

static void print_expr(struct strbuf *o, const struct expr *e);
static void print_stmt(struct strbuf *o, const struct stmt *s);

/* Printing goes through strbuf_puts and put_i64/put_u64, not printf: the
 * dump of a large script is a hot path (bench/parse_bench.sh). */
static void put_u64(struct strbuf *o, uint64_t v)
{
	char buf[24];
	char *p = buf + sizeof(buf);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_add(o, p, (size_t)(buf + sizeof(buf) - p));
}

static void put_i64(struct strbuf *o, int64_t v)
{
	if (v < 0) {
		strbuf_putc(o, '-');
		put_u64(o, 0 - (uint64_t)v);
	} else {
		put_u64(o, (uint64_t)v);
	}
}

static void put3(struct strbuf *o, const char *a, const char *b, const char *c)
{
	strbuf_puts(o, a);
	strbuf_puts(o, b);
	strbuf_puts(o, c);
}

void ast_print_string(struct strbuf *o, const char *s, uint32_t len)
{
	strbuf_putc(o, '"');
	for (uint32_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': strbuf_puts(o, "\\\""); break;
		case '\\': strbuf_puts(o, "\\\\"); break;
		case '\n': strbuf_puts(o, "\\n"); break;
		case '\t': strbuf_puts(o, "\\t"); break;
		case '\r': strbuf_puts(o, "\\r"); break;
		case '\a': strbuf_puts(o, "\\a"); break;
		case '\b': strbuf_puts(o, "\\b"); break;
		case '\f': strbuf_puts(o, "\\f"); break;
		case '\v': strbuf_puts(o, "\\v"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				strbuf_printf(o, "\\%03o", c);
			else
				strbuf_putc(o, (char)c);
		}
	}
	strbuf_putc(o, '"');
}

/* Where the grammar takes a literal (global initialiser, probe-point
 * argument), `-N` is one literal, so a negative number prints signed. */
static void print_literal(struct strbuf *o, const struct expr *e)
{
	if (e->kind == EXPR_NUMBER)
		put_i64(o, e->u.num);
	else
		print_expr(o, e);
}

static void print_paren(struct strbuf *o, const struct expr *e)
{
	strbuf_putc(o, '(');
	print_expr(o, e);
	strbuf_putc(o, ')');
}

static void print_list(struct strbuf *o, const expr_vec *v)
{
	for (uint32_t i = 0; i < v->len; i++) {
		if (i)
			strbuf_puts(o, ", ");
		if (v->items[i])
			print_expr(o, v->items[i]);
		else
			strbuf_putc(o, '*');
	}
}

static void print_target_comps(struct strbuf *o, const target_comp_vec *comps)
{
	for (uint32_t i = 0; i < comps->len; i++) {
		const struct target_comp *c = &comps->items[i];
		switch (c->kind) {
		case TCOMP_MEMBER:
			put3(o, "->", c->name, "");
			break;
		case TCOMP_INDEX_NUM:
			strbuf_putc(o, '[');
			put_i64(o, c->num);
			strbuf_putc(o, ']');
			break;
		case TCOMP_INDEX_EXPR:
			strbuf_putc(o, '[');
			print_expr(o, c->index);
			strbuf_putc(o, ']');
			break;
		case TCOMP_PRETTY:
			strbuf_puts(o, "->$");
			break;
		case TCOMP_PRETTY_DEEP:
			strbuf_puts(o, "->$$");
			break;
		}
	}
}

static void print_target(struct strbuf *o, const struct expr *e)
{
	if (e->kind == EXPR_CAST && !e->u.target.type_name) {
		print_paren(o, e->u.target.operand); /* autocast */
	} else if (e->kind == EXPR_CAST) {
		strbuf_puts(o, "@cast(");
		print_expr(o, e->u.target.operand);
		strbuf_puts(o, ", ");
		ast_print_string(o, e->u.target.type_name, (uint32_t)strlen(e->u.target.type_name));
		if (e->u.target.module) {
			strbuf_puts(o, ", ");
			ast_print_string(o, e->u.target.module, (uint32_t)strlen(e->u.target.module));
		}
		strbuf_putc(o, ')');
	} else if (e->u.target.is_at_var) {
		strbuf_puts(o, "@var(");
		ast_print_string(o, e->u.target.name, (uint32_t)strlen(e->u.target.name));
		if (e->u.target.module) {
			strbuf_puts(o, ", ");
			ast_print_string(o, e->u.target.module, (uint32_t)strlen(e->u.target.module));
		}
		strbuf_putc(o, ')');
	} else {
		strbuf_puts(o, e->u.target.name);
	}
	print_target_comps(o, &e->u.target.comps);
}

static void print_hist(struct strbuf *o, const struct expr *e)
{
	if (e->u.hist.kind == HIST_LOG) {
		strbuf_puts(o, "@hist_log(");
		print_expr(o, e->u.hist.operand);
		strbuf_putc(o, ')');
	} else {
		strbuf_puts(o, "@hist_linear(");
		print_expr(o, e->u.hist.operand);
		strbuf_puts(o, ", ");
		put_i64(o, e->u.hist.start);
		strbuf_puts(o, ", ");
		put_i64(o, e->u.hist.stop);
		strbuf_puts(o, ", ");
		put_i64(o, e->u.hist.interval);
		strbuf_putc(o, ')');
	}
}

static void print_print(struct strbuf *o, const struct expr *e)
{
	const struct print_format *pf = e->u.print;
	put3(o, pf->name, "(", "");
	if (pf->hist) {
		print_expr(o, pf->hist);
		strbuf_putc(o, ')');
		return;
	}
	bool first = true;
	if (pf->format) {
		ast_print_string(o, pf->format, pf->format_len);
		first = false;
	} else if (pf->delim) {
		ast_print_string(o, pf->delim, pf->delim_len);
		first = false;
	}
	for (uint32_t i = 0; i < pf->args.len; i++) {
		if (!first)
			strbuf_puts(o, ", ");
		first = false;
		print_expr(o, pf->args.items[i]);
	}
	strbuf_putc(o, ')');
}

static void print_expr(struct strbuf *o, const struct expr *e)
{
	switch (e->kind) {
	case EXPR_NUMBER:
		/* A literal above INT64_MAX wrapped to a negative value when it
		 * was read; 4.8 prints it negative ("-1" for
		 * 18446744073709551615), which reads back as unary minus.
		 * Printed unsigned it reads back as the same value.  (Negative
		 * literals proper, `global x = -1` or `timer.ms(-1)`, are
		 * printed signed by print_literal.) */
		if (e->u.num < 0)
			put_u64(o, (uint64_t)e->u.num);
		else
			put_i64(o, e->u.num);
		break;
	case EXPR_STRING:
		ast_print_string(o, e->u.str.val, e->u.str.len);
		break;
	case EXPR_EMBEDDED:
		put3(o, "%{", e->u.embedded.code, "%}");
		break;
	case EXPR_SYMBOL:
		strbuf_puts(o, e->u.sym.name);
		break;
	case EXPR_INDEX:
		print_expr(o, e->u.index.base);
		strbuf_putc(o, '[');
		print_list(o, &e->u.index.keys);
		strbuf_putc(o, ']');
		break;
	case EXPR_CALL:
		put3(o, e->u.call.name, "(", "");
		print_list(o, &e->u.call.args);
		strbuf_putc(o, ')');
		break;
	case EXPR_PRINT:
		print_print(o, e);
		break;
	case EXPR_STAT:
		put3(o, stat_op_str(e->u.stat.op), "(", "");
		print_expr(o, e->u.stat.operand);
		if (e->u.stat.has_shift) {
			strbuf_puts(o, ", ");
			put_i64(o, e->u.stat.shift);
		}
		strbuf_putc(o, ')');
		break;
	case EXPR_HIST:
		print_hist(o, e);
		break;
	case EXPR_UNARY:
		strbuf_puts(o, unary_op_str(e->u.unary.op));
		print_paren(o, e->u.unary.operand);
		break;
	case EXPR_BINARY:
	case EXPR_LOGICAL:
	case EXPR_COMPARE:
	case EXPR_CONCAT:
		print_paren(o, e->u.binary.lhs);
		put3(o, " ", binary_op_str(e->u.binary.op), " ");
		print_paren(o, e->u.binary.rhs);
		break;
	case EXPR_REGEX:
		print_paren(o, e->u.regex.lhs);
		strbuf_puts(o, e->u.regex.negated ? " !~ " : " =~ ");
		ast_print_string(o, e->u.regex.pattern, e->u.regex.pattern_len);
		break;
	case EXPR_TERNARY:
		print_paren(o, e->u.ternary.cond);
		strbuf_putc(o, '?');
		print_paren(o, e->u.ternary.then);
		strbuf_putc(o, ':');
		print_paren(o, e->u.ternary.otherwise);
		break;
	case EXPR_ASSIGN:
		print_paren(o, e->u.assign.lhs);
		put3(o, " ", assign_op_str(e->u.assign.op), " ");
		print_paren(o, e->u.assign.rhs);
		break;
	case EXPR_INCDEC: {
		const char *op = e->u.incdec.increment ? "++" : "--";
		if (e->u.incdec.prefix) {
			strbuf_puts(o, op);
			print_paren(o, e->u.incdec.operand);
		} else {
			print_paren(o, e->u.incdec.operand);
			strbuf_puts(o, op);
		}
		break;
	}
	case EXPR_IN:
		strbuf_putc(o, '[');
		print_list(o, &e->u.in.keys);
		strbuf_puts(o, "] in ");
		print_expr(o, e->u.in.array);
		break;
	case EXPR_TARGET:
	case EXPR_CAST:
		print_target(o, e);
		break;
	case EXPR_DEFINED:
		strbuf_puts(o, "@defined");
		print_paren(o, e->u.op1.operand);
		break;
	case EXPR_ENTRY:
		strbuf_puts(o, "@entry");
		print_paren(o, e->u.op1.operand);
		break;
	case EXPR_PROBEWRITE:
		strbuf_puts(o, "@probewrite");
		print_paren(o, e->u.op1.operand);
		break;
	case EXPR_PERF:
		strbuf_puts(o, "@perf(");
		ast_print_string(o, e->u.str.val, e->u.str.len);
		strbuf_putc(o, ')');
		break;
	case EXPR_REGISTER:
		strbuf_puts(o, e->u.reg.user ? "@uregister" : "@kregister");
		print_paren(o, e->u.reg.num);
		break;
	case EXPR_DEREF:
		strbuf_puts(o, e->u.deref.user ? "@uderef(" : "@kderef(");
		print_expr(o, e->u.deref.size);
		strbuf_puts(o, ", ");
		print_expr(o, e->u.deref.addr);
		strbuf_putc(o, ')');
		break;
	case EXPR_ADDROF: {
		const struct expr *x = e->u.op1.operand;
		strbuf_putc(o, '&');
		if (x->kind == EXPR_TARGET || x->kind == EXPR_CAST)
			print_expr(o, x);
		else
			print_paren(o, x);
		break;
	}
	}
}

static void print_foreach(struct strbuf *o, const struct stmt *s)
{
	const expr_vec *keys = &s->u.foreach.keys;
	strbuf_puts(o, "foreach (");
	if (s->u.foreach.value) {
		print_expr(o, s->u.foreach.value);
		strbuf_puts(o, " = ");
	}
	strbuf_putc(o, '[');
	for (uint32_t i = 0; i < keys->len; i++) {
		if (i)
			strbuf_puts(o, ", ");
		print_expr(o, keys->items[i]);
		if (s->u.foreach.sort_dir && s->u.foreach.sort_column == (int)i + 1)
			strbuf_putc(o, s->u.foreach.sort_dir > 0 ? '+' : '-');
	}
	strbuf_puts(o, "] in ");
	print_expr(o, s->u.foreach.base);
	if (s->u.foreach.has_slice) {
		strbuf_putc(o, '[');
		print_list(o, &s->u.foreach.slice);
		strbuf_putc(o, ']');
	}
	if (s->u.foreach.sort_dir && s->u.foreach.sort_column == 0) {
		if (s->u.foreach.sort_agg != STAT_NONE)
			put3(o, " ", stat_op_str(s->u.foreach.sort_agg), "");
		strbuf_putc(o, s->u.foreach.sort_dir > 0 ? '+' : '-');
	}
	if (s->u.foreach.limit) {
		strbuf_puts(o, " limit ");
		print_expr(o, s->u.foreach.limit);
	}
	strbuf_puts(o, ") ");
	print_stmt(o, s->u.foreach.body);
}

static void print_stmt(struct strbuf *o, const struct stmt *s)
{
	switch (s->kind) {
	case STMT_BLOCK:
		strbuf_puts(o, "{\n");
		for (uint32_t i = 0; i < s->u.block.stmts.len; i++) {
			/* Deliberately unlike 4.8, which prints ";;" for a null
			 * statement in a block: that reads back as two null
			 * statements, so its dump never round-trips.  Leaving
			 * them out is exact, because the ';' printed after
			 * every statement below reads back as a null statement
			 * wherever the statement does not swallow it (after a
			 * block, an if, a loop). */
			if (s->u.block.stmts.items[i]->kind == STMT_NULL)
				continue;
			print_stmt(o, s->u.block.stmts.items[i]);
			strbuf_puts(o, ";\n");
		}
		strbuf_putc(o, '}');
		break;
	case STMT_EXPR:
		print_expr(o, s->u.expr);
		break;
	case STMT_NULL:
		strbuf_putc(o, ';');
		break;
	case STMT_IF:
		strbuf_puts(o, "if ");
		print_paren(o, s->u.if_.cond);
		strbuf_putc(o, ' ');
		print_stmt(o, s->u.if_.then);
		strbuf_putc(o, '\n');
		if (s->u.if_.otherwise) {
			strbuf_puts(o, "else ");
			print_stmt(o, s->u.if_.otherwise);
			strbuf_putc(o, '\n');
		}
		break;
	case STMT_FOR:
		strbuf_puts(o, "for (");
		if (s->u.for_.init)
			print_expr(o, s->u.for_.init);
		strbuf_puts(o, "; ");
		print_expr(o, s->u.for_.cond);
		strbuf_puts(o, "; ");
		if (s->u.for_.incr)
			print_expr(o, s->u.for_.incr);
		strbuf_puts(o, ") ");
		print_stmt(o, s->u.for_.body);
		break;
	case STMT_FOREACH:
		print_foreach(o, s);
		break;
	case STMT_RETURN:
		strbuf_puts(o, "return");
		if (s->u.ret.value) {
			strbuf_putc(o, ' ');
			print_expr(o, s->u.ret.value);
		}
		break;
	case STMT_NEXT:
		strbuf_puts(o, "next");
		break;
	case STMT_BREAK:
		strbuf_puts(o, "break");
		break;
	case STMT_CONTINUE:
		strbuf_puts(o, "continue");
		break;
	case STMT_DELETE:
		strbuf_puts(o, "delete ");
		print_expr(o, s->u.del.target);
		break;
	case STMT_TRY:
		/* 4.8 prints "try {\n" BLOCK "\n} catch {\n" BLOCK "\n}\n",
		 * wrapping each block in one more, so every re-parse nests
		 * deeper; the blocks themselves carry the braces here. */
		strbuf_puts(o, "try ");
		print_stmt(o, s->u.try_.body);
		strbuf_puts(o, " catch ");
		if (s->u.try_.catch_var) {
			strbuf_putc(o, '(');
			print_expr(o, s->u.try_.catch_var);
			strbuf_puts(o, ") ");
		}
		print_stmt(o, s->u.try_.handler);
		break;
	}
}

void ast_print_expr(struct strbuf *o, const struct expr *e)
{
	print_expr(o, e);
}

void ast_print_stmt(struct strbuf *o, const struct stmt *s)
{
	print_stmt(o, s);
}

void ast_print_probe_point(struct strbuf *o, const struct probe_point *pp, bool with_suffix)
{
	for (uint32_t i = 0; i < pp->comps.len; i++) {
		const struct probe_point_comp *c = &pp->comps.items[i];
		if (i)
			strbuf_putc(o, '.');
		strbuf_puts(o, c->functor);
		if (c->arg) {
			strbuf_putc(o, '(');
			print_literal(o, c->arg);
			strbuf_putc(o, ')');
		}
	}
	if (!with_suffix)
		return;
	if (pp->sufficient)
		strbuf_putc(o, '!');
	else if (pp->optional)
		strbuf_putc(o, '?');
	if (pp->condition) {
		strbuf_puts(o, " if ");
		print_paren(o, pp->condition);
	}
}

static void print_points(struct strbuf *o, const probe_point_vec *v, const char *sep)
{
	for (uint32_t i = 0; i < v->len; i++) {
		if (i)
			strbuf_puts(o, sep);
		ast_print_probe_point(o, v->items[i], true);
	}
}

void ast_print_file(struct strbuf *o, const struct stapfile *f)
{
	for (uint32_t i = 0; i < f->embeds.len; i++)
		put3(o, "%{", f->embeds.items[i]->code, "%}\n");
	for (uint32_t i = 0; i < f->globals.len; i++) {
		const struct vardecl *v = f->globals.items[i];
		put3(o, "global ", v->name, "");
		if (v->wrap)
			strbuf_putc(o, '%');
		if (v->maxsize) {
			strbuf_putc(o, '[');
			put_i64(o, v->maxsize);
			strbuf_putc(o, ']');
		}
		if (v->init) {
			strbuf_puts(o, " = ");
			print_literal(o, v->init);
		}
		strbuf_putc(o, '\n');
	}
	for (uint32_t i = 0; i < f->aliases.len; i++) {
		const struct probe_alias *al = f->aliases.items[i];
		strbuf_puts(o, "probe ");
		print_points(o, &al->names, " = ");
		strbuf_puts(o, al->is_epilogue_style ? " += " : " = ");
		print_points(o, &al->points, ", ");
		if (al->is_epilogue_style) {
			print_stmt(o, al->epilogue);
		} else {
			print_stmt(o, al->prologue);
			if (al->epilogue) {
				strbuf_puts(o, ", ");
				print_stmt(o, al->epilogue);
			}
		}
		strbuf_putc(o, '\n');
	}
	for (uint32_t i = 0; i < f->probes.len; i++) {
		const struct probe *p = f->probes.items[i];
		strbuf_puts(o, "probe ");
		print_points(o, &p->points, ",");
		print_stmt(o, p->body);
		strbuf_putc(o, '\n');
	}
	for (uint32_t i = 0; i < f->functions.len; i++) {
		const struct functiondecl *fn = f->functions.items[i];
		put3(o, "function ", fn->name, " (");
		for (uint32_t j = 0; j < fn->params.len; j++)
			put3(o, j ? ", " : "", fn->params.items[j]->name, "");
		strbuf_puts(o, ")\n");
		if (fn->embedded)
			put3(o, "%{", fn->embedded, "%}");
		else if (fn->body)
			print_stmt(o, fn->body);
		strbuf_putc(o, '\n');
	}
}
