/*
 * ast_print: source text from the AST (the -p1 dump, -p2 bodies with -v,
 * probe point names in listings and pp()).
 */
#ifndef CTAP_AST_PRINT_H
#define CTAP_AST_PRINT_H

#include <stdbool.h>

#include "parse/ast.h"
#include "util/strbuf.h"

void ast_print_file(struct strbuf *o, const struct stapfile *f);
void ast_print_expr(struct strbuf *o, const struct expr *e);
void ast_print_stmt(struct strbuf *o, const struct stmt *s);
/* comp.comp(arg)...; with_suffix adds ?/! and " if (cond)" */
void ast_print_probe_point(struct strbuf *o, const struct probe_point *pp, bool with_suffix);
/* A C-style quoted string literal. */
void ast_print_string(struct strbuf *o, const char *s, uint32_t len);

#endif
