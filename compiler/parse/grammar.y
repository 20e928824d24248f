/*
 * grammar.y: the SystemTap language (language.md), as a pure bison parser.
 *
 * Input comes from the preprocessor (parse_lex in parser.c); every token
 * is a struct token *.  Actions build AST nodes through the parser_* and
 * ast_* helpers and attach declarations to the current stapfile.
 *
 * Conflicts: statements need no separator, so wherever an expression may
 * end, a token that could continue it ('(' '[' '-' '+' '&' '++' '--' ...)
 * could also begin the next statement; the same holds for the ';' a
 * simple statement may swallow, and the dangling else.  Bison's default,
 * shift, is SystemTap's rule (the expression or statement goes on), so
 * these are expected; the count is pinned by %expect so that any new
 * conflict fails the build.  (`return` with and without a value is told
 * apart by the token feed, as 4.8 does: T_RETURN_VOID when ';' or '}'
 * follows.)
 */
%code top {
/* 10,000 nested statements (`if (1) if (1) ...`) need about 40,000 stack
 * entries before the first is reduced and the depth limit reports them */
#define YYMAXDEPTH 200000
}

%code requires {
#include "parse/ast.h"
#include "parse/parser.h"
}

%code provides {
int gram_lex(GRAM_STYPE *lval, struct parser *P);
}

%code {
#include <string.h>

#include "diag/diag.h"
#include "util/arena.h"

#define A (P->arena)

/* bison calls this only for "memory exhausted" (parse.error custom
 * reports syntax errors through yyreport_syntax_error): the stack grew
 * past YYMAXDEPTH, which takes statements nested far deeper than
 * PARSER_MAX_DEPTH (reported when they are reduced) */
static void gram_error(struct parser *P, const char *msg)
{
	(void)msg;
	parser_fatal(P, "input nested too deeply for the parser");
}
}

%define api.pure full
%define api.prefix {gram_}
%define api.token.prefix {}
%define parse.error custom
/* exact expected-token sets at errors (default reductions would hide
 * the tokens that begin an optional expression) */
%define parse.lac full
%param {struct parser *P}
%expect 17

%union {
	struct token *tok;
	struct expr *expr;
	struct stmt *stmt;
	struct pp_alts *alts;
	probe_point_vec *pps;
	expr_vec *exprs;
	struct foreach_head *fh;
	struct token_list *toks;
	int num;
	enum stap_type type;
}

%token <tok> T_IDENT "identifier"
%token <tok> T_NUMBER "number"
%token <tok> T_STRING "string literal"
%token <tok> T_EMBEDDED "embedded-code"
%token <tok> T_TARGET "target variable"
%token <tok> T_PRETTY "pretty-print suffix"
%token <tok> T_AT_WORD "@operator"
%token <tok> T_AT_CAST "@cast"
%token <tok> T_AT_VAR "@var"
%token <tok> T_AT_DEFINED "@defined"
%token <tok> T_AT_ENTRY "@entry"
%token <tok> T_AT_PROBEWRITE "@probewrite"
%token <tok> T_AT_PERF "@perf"
%token <tok> T_AT_STAT "statistic operator"
%token <tok> T_AT_VARIANCE "@variance"
%token <tok> T_AT_HIST_LINEAR "@hist_linear"
%token <tok> T_AT_HIST_LOG "@hist_log"
%token <tok> T_AT_CONST "@const"
%token <tok> T_AT_REGISTER "@kregister"
%token <tok> T_AT_DEREF "@kderef"

%token <tok> T_PROBE "probe"
%token <tok> T_GLOBAL "global"
%token <tok> T_PRIVATE "private"
%token <tok> T_FUNCTION "function"
%token <tok> T_IF "if"
%token <tok> T_ELSE "else"
%token <tok> T_FOR "for"
%token <tok> T_FOREACH "foreach"
%token <tok> T_IN "in"
%token <tok> T_LIMIT "limit"
%token <tok> T_RETURN "return"
%token <tok> T_RETURN_VOID "return (without a value)"
%token <tok> T_DELETE "delete"
%token <tok> T_WHILE "while"
%token <tok> T_BREAK "break"
%token <tok> T_CONTINUE "continue"
%token <tok> T_NEXT "next"
%token <tok> T_STRING_KW "string"
%token <tok> T_LONG_KW "long"
%token <tok> T_TRY "try"
%token <tok> T_CATCH "catch"

%token <tok> T_STATS_ADD "<<<"
%token <tok> T_USHR ">>>"
%token <tok> T_SHL_ASSIGN "<<="
%token <tok> T_SHR_ASSIGN ">>="
%token <tok> T_EQ "=="
%token <tok> T_NE "!="
%token <tok> T_LE "<="
%token <tok> T_GE ">="
%token <tok> T_REGEX_MATCH "=~"
%token <tok> T_REGEX_NOMATCH "!~"
%token <tok> T_ADD_ASSIGN "+="
%token <tok> T_SUB_ASSIGN "-="
%token <tok> T_MUL_ASSIGN "*="
%token <tok> T_DIV_ASSIGN "/="
%token <tok> T_MOD_ASSIGN "%="
%token <tok> T_AND_ASSIGN "&="
%token <tok> T_XOR_ASSIGN "^="
%token <tok> T_OR_ASSIGN "|="
%token <tok> T_CONCAT_ASSIGN ".="
%token <tok> T_AND "&&"
%token <tok> T_OR "||"
%token <tok> T_INC "++"
%token <tok> T_DEC "--"
%token <tok> T_ARROW "->"
%token <tok> T_SHL "<<"
%token <tok> T_SHR ">>"
%token <tok> '+' '-' '*' '/' '%' '&' '|' '^' '!' '~' '=' '<' '>' '?' ':' '.' ',' ';'
%token <tok> '(' ')' '[' ']' '{' '}'

/* handled by the preprocessor; the parser never accepts them */
%token <tok> T_PP_OPEN "%("
%token <tok> T_PP_THEN "%?"
%token <tok> T_PP_ELSE "%:"
%token <tok> T_PP_CLOSE "%)"
%token <tok> T_ARG_DOLLAR "$N"
%token <tok> T_ARG_AT "@N"
%token <tok> T_ARG_COUNT "$#"
%token <tok> T_ARG_COUNT_STR "@#"
%token <tok> T_JUNK "junk"
%token <tok> T_LEX_ERROR "invalid token"
%token T_EOF 0 "end of file"

%precedence THEN
%precedence T_ELSE

/* expression operators, lowest first (see expr below) */
%right '=' T_ADD_ASSIGN T_SUB_ASSIGN T_MUL_ASSIGN T_DIV_ASSIGN T_MOD_ASSIGN T_SHL_ASSIGN
	T_SHR_ASSIGN T_AND_ASSIGN T_XOR_ASSIGN T_OR_ASSIGN T_CONCAT_ASSIGN T_STATS_ADD
%right '?' ':'
%left T_OR
%left T_AND
%left '|'
%left '^'
%left '&'
%left '<' '>' T_LE T_GE T_EQ T_NE T_REGEX_MATCH T_REGEX_NOMATCH
%left T_SHL T_SHR T_USHR
%left '.'
%left '+' '-'
%left '*' '/' '%'

%type <expr> expr in_expr cmp unary crement value postfix primary target_base
%type <expr> hist_op opt_expr index_elem literal stat_call
%type <exprs> index_list args opt_args
%type <stmt> stmt block stmts for_stmt foreach_stmt try_stmt
%type <fh> foreach_head foreach_vars foreach_keys foreach_key_list
%type <num> sort_opt
%type <tok> member_name fname comp_first comp_cont any_keyword
%type <alts> pp_path pp_elem pp_alts
%type <pps> pp pp_list
%type <type> type_annot
%type <toks> comp_name

%%

/* After an error the parser skips to the next top-level keyword, as 4.8
 * does; yyerrok when a declaration begins, so that an error right after
 * the point of recovery is reported (bison would wait for 3 tokens). */
file
	: %empty
	| file { yyerrok; } toplevel
	| file error { parser_recovered(P); }
	;

toplevel
	: probe_decl
	| global_decl
	| function_decl
	| private_decl
	| T_EMBEDDED { parser_embedded_toplevel(P, $1); }
	;

private_decl
	: private_kw T_GLOBAL global_list opt_semi   { P->next_private = false; }
	| private_kw global_list opt_semi            { P->next_private = false; }
	| private_kw function_decl                   { P->next_private = false; }
	;

private_kw
	: T_PRIVATE { P->next_private = true; }
	;

opt_semi
	: %empty
	| ';'
	;

/* ------------------------------------------------------------- globals */

global_decl
	: T_GLOBAL global_list opt_semi
	;

global_list
	: global_item
	| global_list ',' global_item
	;

global_item
	: T_IDENT global_wrap global_size global_init
		{ parser_global(P, $1); }
	;

global_wrap
	: %empty { P->g_wrap = false; }
	| '%'    { P->g_wrap = true; }
	;

global_size
	: %empty               { P->g_size_tok = NULL; }
	| '[' T_NUMBER ']'     { P->g_size_tok = $2; }
	;

global_init
	: %empty      { P->g_init = NULL; }
	| '=' literal { P->g_init = $2; P->g_init_tok = $1; }
	;

literal
	: T_NUMBER     { $$ = ast_number(A, $1, parser_number(P, $1)); }
	| '-' T_NUMBER { $$ = ast_number(A, $2, (int64_t)(0 - (uint64_t)parser_number(P, $2))); }
	| T_STRING     { $$ = ast_string(A, $1, $1->text, $1->len); }
	;

/* ----------------------------------------------------------- functions */

function_decl
	: T_FUNCTION fname type_annot { parser_function_begin(P, $1, $2, $3); }
	  '(' opt_params ')' function_prio function_body
		{ parser_function_end(P); }
	;

fname
	: T_IDENT
	| T_STRING_KW
	| T_LONG_KW
	;

type_annot
	: %empty          { $$ = TYPE_UNKNOWN; }
	| ':' T_LONG_KW   { $$ = TYPE_LONG; P->type_tok = $2; }
	| ':' T_STRING_KW { $$ = TYPE_STRING; P->type_tok = $2; }
	;

opt_params
	: %empty
	| params
	;

params
	: param
	| params ',' param
	;

param
	: T_IDENT type_annot { parser_param(P, $1, $2); }
	;

function_prio
	: %empty
	| ':' T_NUMBER     { parser_function_priority(P, $2, parser_number(P, $2)); }
	| ':' '-' T_NUMBER { parser_function_priority(P, $3, -parser_number(P, $3)); }
	;

function_body
	: block      { parser_function_body(P, $1); }
	| T_EMBEDDED { parser_function_embedded(P, $1); }
	;

/* -------------------------------------------------------------- probes */

probe_decl
	: probe_head block                { parser_probe(P, $2, NULL, NULL); }
	| probe_head block ',' block      { parser_probe(P, $2, $3, $4); }
	;

probe_head
	: T_PROBE pp_list          { parser_probe_head(P, $1, $2); }
	| probe_head '=' pp_list   { parser_probe_head_more(P, $2, $3, false); }
	| probe_head T_ADD_ASSIGN pp_list { parser_probe_head_more(P, $2, $3, true); }
	;

pp_list
	: pp                 { $$ = parser_pp_list(P, NULL, $1); }
	| pp_list ',' pp     { $$ = parser_pp_list(P, $1, $3); }
	;

pp
	: pp_path                  { $$ = parser_pp(P, $1, NULL, NULL, NULL); }
	| pp_path '?'              { $$ = parser_pp(P, $1, $2, NULL, NULL); }
	| pp_path '!'              { $$ = parser_pp(P, $1, $2, NULL, NULL); }
	| pp_path T_IF '(' expr ')'         { $$ = parser_pp(P, $1, NULL, $2, $4); }
	| pp_path '?' T_IF '(' expr ')'     { $$ = parser_pp(P, $1, $2, $3, $5); }
	| pp_path '!' T_IF '(' expr ')'     { $$ = parser_pp(P, $1, $2, $3, $5); }
	;

pp_path
	: pp_elem              { $$ = $1; }
	| pp_path '.' pp_elem  { $$ = parser_pp_product(P, $1, $3); }
	;

pp_elem
	: comp_name                       { $$ = parser_pp_comp(P, $1, NULL); }
	| comp_name '(' literal ')'       { $$ = parser_pp_comp(P, $1, $3); }
	| '{' pp_alts '}'                 { $$ = $2; }
	;

pp_alts
	: pp_path              { $$ = $1; }
	| pp_alts ',' pp_path  { $$ = parser_pp_union(P, $1, $3); }
	;

comp_name
	: comp_first            { $$ = parser_toks(P, NULL, $1); }
	| comp_name comp_cont   { $$ = parser_toks(P, $1, $2); }
	;

comp_first
	: T_IDENT
	| '*'
	| any_keyword
	;

comp_cont
	: T_IDENT
	| '*'
	| T_NUMBER
	;

any_keyword
	: T_PROBE | T_GLOBAL | T_PRIVATE | T_FUNCTION | T_IF | T_ELSE | T_FOR
	| T_FOREACH | T_IN | T_LIMIT | T_RETURN | T_RETURN_VOID | T_DELETE | T_WHILE | T_BREAK
	| T_CONTINUE | T_NEXT | T_STRING_KW | T_LONG_KW | T_TRY | T_CATCH
	;

/* ---------------------------------------------------------- statements */

block
	: '{' stmts '}'   { $$ = $2; $$->tok = $1; }
	;

stmts
	: %empty          { $$ = ast_stmt_new(A, STMT_BLOCK, NULL); }
	| stmts stmt      { $$ = parser_block_add(P, $1, $2); }
	;

stmt
	: block           { $$ = $1; }
	| ';'             { $$ = ast_stmt_new(A, STMT_NULL, $1); }
	| T_IF '(' expr ')' stmt %prec THEN
		{ $$ = parser_if(P, $1, $3, $5, NULL); }
	| T_IF '(' expr ')' stmt T_ELSE stmt
		{ $$ = parser_if(P, $1, $3, $5, $7); }
	| T_WHILE '(' expr ')' stmt
		{ $$ = parser_for(P, $1, NULL, $3, NULL, $5, true); }
	| for_stmt
	| foreach_stmt
	| try_stmt
	| T_RETURN_VOID stmt_semi   { $$ = parser_return(P, $1, NULL); }
	| T_RETURN expr stmt_semi   { $$ = parser_return(P, $1, $2); }
	| T_NEXT stmt_semi          { $$ = ast_stmt_new(A, STMT_NEXT, $1); }
	| T_BREAK stmt_semi         { $$ = ast_stmt_new(A, STMT_BREAK, $1); }
	| T_CONTINUE stmt_semi      { $$ = ast_stmt_new(A, STMT_CONTINUE, $1); }
	| T_DELETE expr stmt_semi   { $$ = parser_delete(P, $1, $2); }
	| expr stmt_semi            { $$ = parser_expr_stmt(P, $1); }
	;

/* simple statements swallow one ';' (a second one is a null statement) */
stmt_semi
	: %empty
	| ';'
	;

for_stmt
	: T_FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt
		{ $$ = parser_for(P, $1, $3, $5, $7, $9, false); }
	;

opt_expr
	: %empty { $$ = NULL; }
	| expr
	;

try_stmt
	: T_TRY block T_CATCH block
		{ $$ = parser_try(P, $1, $2, NULL, $4); }
	| T_TRY block T_CATCH '(' T_IDENT ')' block
		{ $$ = parser_try(P, $1, $2, $5, $7); }
	;

foreach_stmt
	: T_FOREACH '(' foreach_head ')' stmt
		{ $$ = parser_foreach(P, $1, $3, $5); }
	;

foreach_head
	: foreach_vars T_IN T_IDENT foreach_sort foreach_limit
		{ $$ = parser_foreach_base(P, $1, ast_symbol(A, $3, $3->text), NULL); }
	| foreach_vars T_IN T_IDENT '[' index_list ']' foreach_sort foreach_limit
		{ $$ = parser_foreach_base(P, $1, ast_symbol(A, $3, $3->text), $5); }
	| foreach_vars T_IN hist_op foreach_sort foreach_limit
		{ $$ = parser_foreach_base(P, $1, $3, NULL); }
	;

foreach_vars
	: foreach_keys                    { $$ = $1; }
	| T_IDENT sort_opt '=' foreach_keys
		{ $$ = parser_foreach_value(P, $4, $1, $2); }
	;

foreach_keys
	: T_IDENT sort_opt                { $$ = parser_foreach_key(P, NULL, $1, $2, false); }
	| '[' foreach_key_list ']'        { $$ = $2; }
	;

foreach_key_list
	: T_IDENT sort_opt                { $$ = parser_foreach_key(P, NULL, $1, $2, true); }
	| foreach_key_list ',' T_IDENT sort_opt
		{ $$ = parser_foreach_key(P, $1, $3, $4, true); }
	;

sort_opt
	: %empty { $$ = 0; }
	| '+'    { $$ = 1; P->sort_tok = $1; }
	| '-'    { $$ = -1; P->sort_tok = $1; }
	;

foreach_sort
	: %empty                  { P->fsort_dir = 0; P->fsort_agg = NULL; }
	| '+'                     { P->fsort_dir = 1; P->fsort_agg = NULL; P->sort_tok = $1; }
	| '-'                     { P->fsort_dir = -1; P->fsort_agg = NULL; P->sort_tok = $1; }
	| T_AT_STAT '+'           { P->fsort_dir = 1; P->fsort_agg = $1; P->sort_tok = $2; }
	| T_AT_STAT '-'           { P->fsort_dir = -1; P->fsort_agg = $1; P->sort_tok = $2; }
	| T_AT_VARIANCE '+'       { P->fsort_dir = 1; P->fsort_agg = $1; P->sort_tok = $2; }
	| T_AT_VARIANCE '-'       { P->fsort_dir = -1; P->fsort_agg = $1; P->sort_tok = $2; }
	;

foreach_limit
	: %empty                  { P->flimit = NULL; }
	| T_LIMIT expr            { P->flimit = $2; }
	;

/* --------------------------------------------------------- expressions */

/* Two tiers, as in SystemTap: below `in`, binary operators by precedence
 * over in_expr operands; from comparisons up, by precedence over unary
 * operands.  An `in` test is an operand of & | ^ && || ?: and =, never of
 * a comparison or arithmetic (4.8: `x in a == y` is two statements).
 * Precedence declarations instead of one nonterminal per level spare
 * every leaf a dozen unit reductions (and LAC as many simulated ones). */
expr
	: in_expr
	| expr '=' expr              { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_ADD_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_SUB_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_MUL_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_DIV_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_MOD_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_SHL_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_SHR_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_AND_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_XOR_ASSIGN expr     { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_OR_ASSIGN expr      { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_CONCAT_ASSIGN expr  { $$ = parser_assign(P, $2, $1, $3); }
	| expr T_STATS_ADD expr      { $$ = parser_assign(P, $2, $1, $3); }
	| expr '?' expr ':' expr     { $$ = parser_ternary(P, $2, $1, $3, $5); }
	| expr T_OR expr   { $$ = parser_binary(P, EXPR_LOGICAL, OP_OR, $2, $1, $3); }
	| expr T_AND expr  { $$ = parser_binary(P, EXPR_LOGICAL, OP_AND, $2, $1, $3); }
	| expr '|' expr    { $$ = parser_binary(P, EXPR_BINARY, OP_BITOR, $2, $1, $3); }
	| expr '^' expr    { $$ = parser_binary(P, EXPR_BINARY, OP_BITXOR, $2, $1, $3); }
	| expr '&' expr    { $$ = parser_binary(P, EXPR_BINARY, OP_BITAND, $2, $1, $3); }
	;

in_expr
	: cmp
	| cmp T_IN T_IDENT
		{ $$ = parser_in(P, $2, parser_one(P, $1), ast_symbol(A, $3, $3->text)); }
	| cmp T_IN hist_op                 { $$ = parser_in(P, $2, parser_one(P, $1), $3); }
	| '[' index_list ']' T_IN T_IDENT
		{ $$ = parser_in(P, $4, $2, ast_symbol(A, $5, $5->text)); }
	| '[' index_list ']' T_IN hist_op  { $$ = parser_in(P, $4, $2, $5); }
	;

cmp
	: unary
	| cmp '<' cmp          { $$ = parser_compare(P, $2, $1, $3); }
	| cmp '>' cmp          { $$ = parser_compare(P, $2, $1, $3); }
	| cmp T_LE cmp         { $$ = parser_compare(P, $2, $1, $3); }
	| cmp T_GE cmp         { $$ = parser_compare(P, $2, $1, $3); }
	| cmp T_EQ cmp         { $$ = parser_compare(P, $2, $1, $3); }
	| cmp T_NE cmp         { $$ = parser_compare(P, $2, $1, $3); }
	| cmp T_REGEX_MATCH T_STRING   { $$ = parser_regex(P, $2, $1, $3, false); }
	| cmp T_REGEX_NOMATCH T_STRING { $$ = parser_regex(P, $2, $1, $3, true); }
	| cmp T_SHL cmp        { $$ = parser_binary(P, EXPR_BINARY, OP_SHL, $2, $1, $3); }
	| cmp T_SHR cmp        { $$ = parser_binary(P, EXPR_BINARY, OP_SHR, $2, $1, $3); }
	| cmp T_USHR cmp       { $$ = parser_binary(P, EXPR_BINARY, OP_USHR, $2, $1, $3); }
	| cmp '.' cmp          { $$ = parser_binary(P, EXPR_CONCAT, OP_CONCAT, $2, $1, $3); }
	| cmp '+' cmp          { $$ = parser_binary(P, EXPR_BINARY, OP_ADD, $2, $1, $3); }
	| cmp '-' cmp          { $$ = parser_binary(P, EXPR_BINARY, OP_SUB, $2, $1, $3); }
	| cmp '*' cmp          { $$ = parser_binary(P, EXPR_BINARY, OP_MUL, $2, $1, $3); }
	| cmp '/' cmp          { $$ = parser_binary(P, EXPR_BINARY, OP_DIV, $2, $1, $3); }
	| cmp '%' cmp          { $$ = parser_binary(P, EXPR_BINARY, OP_MOD, $2, $1, $3); }
	;

unary
	: crement
	| '-' unary            { $$ = parser_unary(P, UOP_NEG, $1, $2); }
	| '+' unary            { $$ = parser_unary(P, UOP_PLUS, $1, $2); }
	| '!' unary            { $$ = parser_unary(P, UOP_NOT, $1, $2); }
	| '~' unary            { $$ = parser_unary(P, UOP_BITNOT, $1, $2); }
	;

crement
	: value
	| value T_INC          { $$ = parser_incdec(P, $2, $1, true, false); }
	| value T_DEC          { $$ = parser_incdec(P, $2, $1, false, false); }
	| T_INC value          { $$ = parser_incdec(P, $1, $2, true, true); }
	| T_DEC value          { $$ = parser_incdec(P, $1, $2, false, true); }
	;

value
	: postfix
	| '&' value            { $$ = parser_addressof(P, $1, $2); }
	;

/* member access, indexing and pretty-printing apply to target expressions,
 * and (autocast) to any other value */
postfix
	: primary
	| postfix T_ARROW member_name   { $$ = parser_target_member(P, $1, $2, $3); }
	| postfix '[' expr ']'          { $$ = parser_target_index(P, $1, $2, $3); }
	| postfix T_PRETTY              { $$ = parser_target_pretty(P, $1, $2); }
	;

primary
	: T_NUMBER             { $$ = ast_number(A, $1, parser_number(P, $1)); }
	| T_STRING             { $$ = ast_string(A, $1, $1->text, $1->len); }
	| T_EMBEDDED           { $$ = parser_embedded_expr(P, $1); }
	| '(' expr ')'         { $$ = $2; }
	| T_IDENT              { $$ = ast_symbol(A, $1, $1->text); }
	| T_IDENT '[' index_list ']'
		{ $$ = parser_index(P, ast_symbol(A, $1, $1->text), $3); }
	| T_IDENT '(' opt_args ')'      { $$ = parser_call(P, $1, $3, NULL); }
	| T_IDENT '(' hist_op ')'       { $$ = parser_call(P, $1, NULL, $3); }
	| target_base
	| stat_call
	| hist_op '[' expr ']'      { $$ = parser_index(P, $1, parser_one(P, $3)); }
	| T_AT_DEFINED '(' expr ')' { $$ = parser_op1(P, EXPR_DEFINED, $1, $3); }
	| T_AT_ENTRY '(' expr ')'   { $$ = parser_op1(P, EXPR_ENTRY, $1, $3); }
	| T_AT_PROBEWRITE '(' T_IDENT ')'
		{ $$ = parser_op1(P, EXPR_PROBEWRITE, $1, ast_symbol(A, $3, $3->text)); }
	| T_AT_PERF '(' T_STRING ')'   { $$ = parser_perf(P, $1, $3); }
	| T_AT_CONST '(' T_STRING ')'  { $$ = parser_const(P, $1, $3); }
	| T_AT_REGISTER '(' expr ')'   { $$ = parser_register(P, $1, $3); }
	| T_AT_DEREF '(' expr ',' expr ')' { $$ = parser_deref(P, $1, $3, $5); }
	;

stat_call
	: T_AT_STAT '(' expr ')'       { $$ = parser_stat(P, $1, $3, NULL); }
	| T_AT_VARIANCE '(' expr ')'   { $$ = parser_stat(P, $1, $3, NULL); }
	| T_AT_VARIANCE '(' expr ',' T_NUMBER ')' { $$ = parser_stat(P, $1, $3, $5); }
	;

hist_op
	: T_AT_HIST_LOG '(' expr ')'   { $$ = parser_hist_log(P, $1, $3); }
	| T_AT_HIST_LINEAR '(' expr ',' literal ',' literal ',' literal ')'
		{ $$ = parser_hist_linear(P, $1, $3, $5, $7, $9); }
	;

target_base
	: T_TARGET                     { $$ = parser_target(P, $1); }
	| T_AT_CAST '(' expr ',' T_STRING ')'
		{ $$ = parser_cast(P, $1, $3, $5, NULL); }
	| T_AT_CAST '(' expr ',' T_STRING ',' T_STRING ')'
		{ $$ = parser_cast(P, $1, $3, $5, $7); }
	| T_AT_VAR '(' T_STRING ')'    { $$ = parser_at_var(P, $1, $3, NULL); }
	| T_AT_VAR '(' T_STRING ',' T_STRING ')' { $$ = parser_at_var(P, $1, $3, $5); }
	;

member_name
	: T_IDENT
	| T_TARGET
	| any_keyword
	;

index_list
	: index_elem                  { $$ = parser_exprs(P, NULL, $1); }
	| index_list ',' index_elem   { $$ = parser_exprs(P, $1, $3); }
	;

index_elem
	: expr
	| '*'                         { $$ = NULL; }
	;

opt_args
	: %empty                      { $$ = parser_exprs0(P); }
	| args
	;

args
	: expr                        { $$ = parser_exprs(P, NULL, $1); }
	| args ',' expr               { $$ = parser_exprs(P, $1, $3); }
	;

%%

unsigned parser_run(struct parser *P)
{
	gram_parse(P);
	return P->errors;
}

enum { MANY_ERRORS = 100 };

/* The tokens the current state acts on (bison's choice without LAC). */
static int table_expected_tokens(const yypcontext_t *ctx, yysymbol_kind_t *arg, int argn)
{
	int count = 0;
	int yyn = yypact[+*ctx->yyssp];
	if (yypact_value_is_default(yyn))
		return 0;
	int begin = yyn < 0 ? -yyn : 0;
	int end = YYLAST - yyn + 1 < YYNTOKENS ? YYLAST - yyn + 1 : YYNTOKENS;
	for (int x = begin; x < end && count < argn; x++)
		if (yycheck[x + yyn] == x && x != YYSYMBOL_YYerror &&
		    !yytable_value_is_error(yytable[x + yyn]))
			arg[count++] = (yysymbol_kind_t)x;
	return count;
}

/* Reports a syntax error with what SystemTap's recursive-descent parser
 * would say there: parser.c picks the message from the tokens bison
 * expects and from the symbols on top of the stack (the construct being
 * parsed: "->", "in", "function ... (", "@hist_linear ( ..."). */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct parser *P)
{
	/* more than there are tokens: bison returns 0 when the array is too small */
	enum { MAX_EXPECTED = YYNTOKENS, MAX_STACK = 8 };
	yysymbol_kind_t expected[MAX_EXPECTED];
	/* LAC tries every token (a hundred simulated parses per error): after
	 * many errors in one file, which 4.8 would all count but hardly any
	 * of which get shown (they repeat), the state's own table will do */
	int n = P->errors < MANY_ERRORS ? yypcontext_expected_tokens(ctx, expected, MAX_EXPECTED)
					: table_expected_tokens(ctx, expected, MAX_EXPECTED);
	const char *names[MAX_EXPECTED];
	int k = 0;
	for (int i = 0; i < n && i < MAX_EXPECTED; i++)
		names[k++] = yysymbol_name(expected[i]);
	/* state 0 is the bottom of the stack (nothing enters it again) */
	const char *stack[MAX_STACK];
	int depth = 0;
	for (const yy_state_t *sp = ctx->yyssp; depth < MAX_STACK && *sp != 0; sp--)
		stack[depth++] = yysymbol_name((yysymbol_kind_t)yystos[*sp]);
	parser_syntax_error(P, names, k, stack, depth);
	return 0;
}
