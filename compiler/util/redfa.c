/*
 * redfa: POSIX ERE (as SystemTap's =~ accepts it) into a DFA (redfa.h).
 *
 * RE: alternation, grouping, * + ? {m} {m,} {m,n}, bracket expressions
 * with ranges and [:classes:], `.` (any byte but NUL), ^ and $ anchors,
 * `\` quoting the next byte; a ')' with no '(' open is an ordinary byte
 * (as SystemTap takes it).  The match is a search, so the DFA re-enters
 * its start state at every position; ^ holds only before the first byte
 * and $ only after the last.
 *
 * Construction: the RE is parsed into a tree, the tree into a Thompson NFA
 * (built backwards: compile(node, next)), the NFA into a DFA by subset
 * construction.  A DFA state is a set of NFA states closed over splits
 * (and ^ only at the start); it accepts now if it holds the match state,
 * accepts at the end if the match state is reachable through $ states.
 * Bytes with identical transitions everywhere share a class, so a table is
 * states x classes.  Scratch memory is the heap (freed before returning);
 * the result lives in the caller's arena.
 */
#include "util/redfa.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/vec.h"

#define RE_MAX_NFA 4000

/* ---------------------------------------------------------- parse tree */

enum re_kind { R_SET, R_CAT, R_ALT, R_REP, R_BOL, R_EOL, R_EMPTY, R_GROUP };

struct re {
	enum re_kind kind;
	uint8_t set[32];          /* R_SET */
	struct re *a, *b;         /* R_CAT, R_ALT; R_REP, R_GROUP: a */
	int min, max;             /* R_REP: max -1 = unbounded; R_GROUP: min = its number */
};

struct re_parser {
	struct arena *A;
	const unsigned char *start, *p, *end;
	const char *err;
	uint32_t errpos;
	int depth;                /* '(' open */
	uint32_t ngroups;
};

/* Records the first error, at the parser's position. */
static void re_fail(struct re_parser *P, const char *msg)
{
	if (!P->err) {
		P->err = msg;
		P->errpos = (uint32_t)(P->p - P->start);
	}
}

static struct re *re_new(struct re_parser *P, enum re_kind k)
{
	struct re *r = arena_new_obj(P->A, struct re);
	r->kind = k;
	return r;
}

static void set_add(uint8_t *set, unsigned c)
{
	set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool set_has(const uint8_t *set, unsigned c)
{
	return set[c >> 3] & (1u << (c & 7));
}

static struct re *re_alt(struct re_parser *P);

static bool class_add(uint8_t *set, const char *name, size_t n)
{
	static const struct {
		const char *name;
		int (*fn)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
		{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
		{ "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
	};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strlen(classes[i].name) != n || strncmp(classes[i].name, name, n) != 0)
			continue;
		for (unsigned c = 1; c < 128; c++)
			if (classes[i].fn((int)c))
				set_add(set, c);
		return true;
	}
	return false;
}

/* [...] after the '[' */
static struct re *re_bracket(struct re_parser *P)
{
	struct re *r = re_new(P, R_SET);
	bool neg = false;
	if (P->p < P->end && *P->p == '^') {
		neg = true;
		P->p++;
	}
	bool first = true;
	while (P->p < P->end && (*P->p != ']' || first)) {
		first = false;
		unsigned lo = *P->p++;
		if (lo == '[' && P->p < P->end && (*P->p == ':' || *P->p == '.' || *P->p == '=')) {
			char kind = (char)*P->p++;
			const unsigned char *s = P->p;
			while (P->p + 1 < P->end && !(P->p[0] == kind && P->p[1] == ']'))
				P->p++;
			if (P->p + 1 >= P->end) {
				re_fail(P, "unterminated [: :] in a bracket expression");
				return NULL;
			}
			size_t n = (size_t)(P->p - s);
			P->p += 2;
			if (kind == ':') {
				if (!class_add(r->set, (const char *)s, n)) {
					P->p = s - 2;
					re_fail(P, "unknown character class");
					return NULL;
				}
				continue;
			}
			if (n != 1) {
				re_fail(P, "unsupported collating element");
				return NULL;
			}
			lo = s[0];
		}
		unsigned hi = lo;
		if (P->p + 1 < P->end && *P->p == '-' && P->p[1] != ']') {
			hi = P->p[1];
			P->p += 2;
			if (hi < lo) {
				re_fail(P, "invalid range in a bracket expression");
				return NULL;
			}
		}
		for (unsigned c = lo; c <= hi; c++)
			set_add(r->set, c);
	}
	if (P->p >= P->end) {
		re_fail(P, "unterminated bracket expression");
		return NULL;
	}
	P->p++;
	if (neg)
		for (unsigned i = 0; i < 32; i++)
			r->set[i] = (uint8_t)~r->set[i];
	r->set[0] &= (uint8_t)~1u; /* strings never hold NUL */
	return r;
}

static struct re *re_atom(struct re_parser *P)
{
	unsigned c = *P->p++;
	struct re *r;
	switch (c) {
	case '(': {
		struct re *g = re_new(P, R_GROUP);
		g->min = (int)++P->ngroups;
		P->depth++;
		r = re_alt(P);
		P->depth--;
		if (!r)
			return NULL;
		if (P->p >= P->end || *P->p != ')') {
			re_fail(P, "unbalanced '('");
			return NULL;
		}
		P->p++;
		g->a = r;
		return g;
	}
	case '[':
		return re_bracket(P);
	case '.':
		r = re_new(P, R_SET);
		memset(r->set, 0xff, sizeof(r->set));
		r->set[0] &= (uint8_t)~1u;
		return r;
	case '^':
		return re_new(P, R_BOL);
	case '$':
		return re_new(P, R_EOL);
	case '\\':
		if (P->p >= P->end) {
			re_fail(P, "trailing backslash");
			return NULL;
		}
		c = *P->p++;
		break;
	case '*': case '+': case '?': case '{':
		P->p--;
		re_fail(P, "repetition operator without an operand");
		return NULL;
	default:
		break;
	}
	r = re_new(P, R_SET);
	set_add(r->set, c);
	return r;
}

static bool re_number(struct re_parser *P, int *out)
{
	if (P->p >= P->end || !isdigit(*P->p))
		return false;
	long v = 0;
	while (P->p < P->end && isdigit(*P->p)) {
		v = v * 10 + (*P->p++ - '0');
		if (v > 255)
			return false;
	}
	*out = (int)v;
	return true;
}

static struct re *re_repeat(struct re_parser *P)
{
	struct re *r = re_atom(P);
	while (r && P->p < P->end) {
		int min, max;
		unsigned c = *P->p;
		if (c == '*') {
			min = 0, max = -1;
		} else if (c == '+') {
			min = 1, max = -1;
		} else if (c == '?') {
			min = 0, max = 1;
		} else if (c == '{') {
			P->p++;
			if (!re_number(P, &min)) {
				re_fail(P, "invalid repetition count");
				return NULL;
			}
			max = min;
			if (P->p < P->end && *P->p == ',') {
				P->p++;
				max = -1;
				if (P->p < P->end && *P->p != '}' && (!re_number(P, &max) || max < min)) {
					re_fail(P, "invalid repetition count");
					return NULL;
				}
			}
			if (P->p >= P->end || *P->p != '}') {
				re_fail(P, "unterminated {m,n}");
				return NULL;
			}
		} else {
			break;
		}
		P->p++;
		struct re *rep = re_new(P, R_REP);
		rep->a = r;
		rep->min = min;
		rep->max = max;
		r = rep;
	}
	return r;
}

static struct re *re_concat(struct re_parser *P)
{
	struct re *r = NULL;
	while (P->p < P->end && *P->p != '|' && (*P->p != ')' || P->depth == 0)) {
		struct re *x = re_repeat(P);
		if (!x)
			return NULL;
		if (!r) {
			r = x;
		} else {
			struct re *c = re_new(P, R_CAT);
			c->a = r;
			c->b = x;
			r = c;
		}
	}
	return r ? r : re_new(P, R_EMPTY);
}

static struct re *re_alt(struct re_parser *P)
{
	struct re *r = re_concat(P);
	while (r && P->p < P->end && *P->p == '|') {
		P->p++;
		struct re *b = re_concat(P);
		if (!b)
			return NULL;
		struct re *a = re_new(P, R_ALT);
		a->a = r;
		a->b = b;
		r = a;
	}
	return r;
}

/* ---------------------------------------------------------- NFA */

enum ns_kind { NS_SET, NS_SPLIT, NS_BOL, NS_EOL, NS_MATCH, NS_SAVE };

struct nstate {
	enum ns_kind kind;
	int out, out1;            /* NS_SAVE: out1 is the slot (2 x group, + 1 at its end) */
	const uint8_t *set;
	int body_lo, body_hi;     /* the split of x*: x's states (its back edges come from there) */
};

struct nfa {
	struct nstate *s;
	int n, cap;
	bool overflow;
};

static int ns_new(struct nfa *N, enum ns_kind k, int out, int out1, const uint8_t *set)
{
	if (N->n == N->cap) {
		if (N->cap >= RE_MAX_NFA) {
			N->overflow = true;
			return 0;
		}
		N->cap = N->cap ? N->cap * 2 : 64;
		N->s = xrealloc(N->s, sizeof(*N->s) * (size_t)N->cap);
	}
	N->s[N->n] = (struct nstate){ k, out, out1, set, -1, -1 };
	return N->n++;
}

/* The NFA of r followed by the state `next`; returns its start. */
static int nfa_compile(struct nfa *N, const struct re *r, int next)
{
	if (N->overflow)
		return next;
	switch (r->kind) {
	case R_SET:
		return ns_new(N, NS_SET, next, -1, r->set);
	case R_EMPTY:
		return next;
	case R_BOL:
		return ns_new(N, NS_BOL, next, -1, NULL);
	case R_EOL:
		return ns_new(N, NS_EOL, next, -1, NULL);
	case R_GROUP: {
		int end = ns_new(N, NS_SAVE, next, 2 * r->min + 1, NULL);
		return ns_new(N, NS_SAVE, nfa_compile(N, r->a, end), 2 * r->min, NULL);
	}
	case R_CAT:
		return nfa_compile(N, r->a, nfa_compile(N, r->b, next));
	case R_ALT: {
		int a = nfa_compile(N, r->a, next);
		int b = nfa_compile(N, r->b, next);
		return ns_new(N, NS_SPLIT, a, b, NULL);
	}
	case R_REP: {
		int tail = next, split = -1;
		if (r->max < 0) {
			/* x*: a loop through a split */
			split = ns_new(N, NS_SPLIT, -1, next, NULL);
			if (N->overflow)
				return next;
			int lo = N->n;
			int body = nfa_compile(N, r->a, split);
			N->s[split].out = body;
			N->s[split].body_lo = lo;
			N->s[split].body_hi = N->n - 1;
			tail = split;
		} else {
			/* (x(x(x)?)?)? for the optional copies */
			for (int i = r->min; i < r->max; i++)
				tail = ns_new(N, NS_SPLIT, nfa_compile(N, r->a, tail), next, NULL);
		}
		for (int i = 0; i < r->min; i++)
			tail = nfa_compile(N, r->a, tail);
		/* x+ is x x*: an edge from the first x into the loop ends an
		 * iteration too */
		if (split >= 0 && !N->overflow)
			N->s[split].body_hi = N->n - 1;
		return tail;
	}
	}
	return next;
}

/* ---------------------------------------------------------- DFA */

struct dfa {
	struct nfa *N;
	int start;
	bool anchored_start;        /* never re-enter the start (RE begins with ^ only) */
	VEC(int *) sets;            /* sorted NFA state lists, -1 terminated */
	VEC(uint16_t) next;         /* sets.len x 256 */
	VEC(uint8_t) acc;           /* bit 0: accept now, 1: accept at end, 2: dead */
	bool overflow;
	uint32_t max_states;
	/* scratch */
	uint8_t *mark;
	int *stack;
};

static void closure(struct dfa *D, int s, bool at_start, bool through_eol, int *list, int *n)
{
	int sp = 0;
	D->stack[sp++] = s;
	while (sp) {
		int x = D->stack[--sp];
		if (x < 0 || D->mark[x])
			continue;
		D->mark[x] = 1;
		const struct nstate *st = &D->N->s[x];
		switch (st->kind) {
		case NS_SPLIT:
			D->stack[sp++] = st->out1;
			D->stack[sp++] = st->out;
			break;
		case NS_SAVE:
			D->stack[sp++] = st->out;
			break;
		case NS_BOL:
			if (at_start)
				D->stack[sp++] = st->out;
			break;
		case NS_EOL:
			list[(*n)++] = x;
			if (through_eol)
				D->stack[sp++] = st->out;
			break;
		default:
			list[(*n)++] = x;
			break;
		}
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The DFA state of a set of NFA states (added if new), or -1 on overflow. */
static int dfa_state(struct dfa *D, int *list, int n)
{
	qsort(list, (size_t)n, sizeof(int), cmp_int);
	int m = 0;
	for (int i = 0; i < n; i++)
		if (!m || list[m - 1] != list[i])
			list[m++] = list[i];
	list[m] = -1;
	vec_foreach(&D->sets, i) {
		const int *s = D->sets.items[i];
		int j = 0;
		while (s[j] == list[j] && s[j] >= 0)
			j++;
		if (s[j] == list[j])
			return (int)i;
	}
	if (D->sets.len >= D->max_states) {
		D->overflow = true;
		return -1;
	}
	int *copy = xcalloc((size_t)m + 1, sizeof(int));
	memcpy(copy, list, sizeof(int) * ((size_t)m + 1));
	vec_push_heap(&D->sets, copy);
	/* acceptance */
	uint8_t acc = m == 0 ? 4 : 0;
	for (int i = 0; i < m; i++)
		if (D->N->s[list[i]].kind == NS_MATCH)
			acc |= 1;
	int *tmp = xcalloc((size_t)D->N->n + 1, sizeof(int));
	int tn = 0;
	memset(D->mark, 0, (size_t)D->N->n);
	for (int i = 0; i < m; i++)
		if (D->N->s[list[i]].kind == NS_EOL)
			closure(D, D->N->s[list[i]].out, false, true, tmp, &tn);
	for (int i = 0; i < tn; i++)
		if (D->N->s[tmp[i]].kind == NS_MATCH)
			acc |= 2;
	if (acc & 1)
		acc |= 2;
	free(tmp);
	vec_push_heap(&D->acc, acc);
	for (int c = 0; c < 256; c++)
		vec_push_heap(&D->next, 0);
	return (int)D->sets.len - 1;
}

static bool dfa_build(struct dfa *D)
{
	struct nfa *N = D->N;
	D->mark = xcalloc((size_t)N->n + 1, 1);
	D->stack = xcalloc((size_t)N->n * 2 + 4, sizeof(int));
	int *list = xcalloc((size_t)N->n + 2, sizeof(int));
	int n = 0;
	memset(D->mark, 0, (size_t)N->n);
	closure(D, D->start, true, false, list, &n);
	dfa_state(D, list, n);
	for (uint32_t i = 0; i < D->sets.len && !D->overflow; i++) {
		if (D->acc.items[i] & 1)
			continue; /* the matcher stops here */
		for (int c = 1; c < 256; c++) {
			n = 0;
			memset(D->mark, 0, (size_t)N->n);
			for (const int *s = D->sets.items[i]; *s >= 0; s++) {
				const struct nstate *st = &N->s[*s];
				if (st->kind == NS_SET && set_has(st->set, (unsigned)c))
					closure(D, st->out, false, false, list, &n);
			}
			if (!D->anchored_start)
				closure(D, D->start, false, false, list, &n);
			int t = dfa_state(D, list, n);
			if (t < 0)
				break;
			D->next.items[i * 256 + (unsigned)c] = (uint16_t)t;
		}
	}
	free(list);
	free(D->mark);
	free(D->stack);
	return !D->overflow;
}

/* Does the RE start with ^ on every path (so a failed start never
 * restarts)?  Conservative: only a leading ^ at the top of a concat. */
static bool re_anchored(const struct re *r)
{
	while (r && (r->kind == R_CAT || r->kind == R_GROUP))
		r = r->a;
	return r && r->kind == R_BOL;
}


/* ---------------------------------------------------------- submatch */

struct sub_builder {
	const struct nfa *N;
	int *id;                    /* NFA state -> sub state, or -1 */
	uint8_t *mark;
	struct { int node, from; uint64_t slots; } *stack;
	uint8_t *back;              /* loop splits: first reached through a back edge */
	VEC(struct redfa_sub_item) items;
	VEC(uint32_t) first, count;
};

/*
 * Appends the list of what follows NFA state `from` without consuming a
 * byte, in priority order (a split's out before its out1), each state
 * first reached by the highest-priority path, with the slots that path
 * sets.  at_end: through $ to the match only.  Returns the list's number.
 */
static uint32_t sub_closure(struct sub_builder *B, int from, bool at_start, bool at_end)
{
	const struct nfa *N = B->N;
	uint32_t first = B->items.len;
	memset(B->mark, 0, (size_t)N->n);
	int sp = 0;
#define SUB_PUSH(n, f, s) (B->stack[sp].node = (n), B->stack[sp].from = (f), B->stack[sp++].slots = (s))
	SUB_PUSH(from, -1, 0);
	while (sp) {
		--sp;
		int x = B->stack[sp].node, src = B->stack[sp].from;
		uint64_t slots = B->stack[sp].slots;
		if (x < 0)
			continue;
		const struct nstate *st = &N->s[x];
		if (st->kind == NS_SPLIT && st->body_lo >= 0) {
			/*
			 * The split of x*.  Reached first from outside, the
			 * body may run once without consuming anything (POSIX:
			 * "(a*)*" on "" sets group 1 to the empty string), after
			 * which the loop is left.  Reached first through a back
			 * edge, an iteration has just consumed: no empty one
			 * follows ("(a*)*" on "a" sets group 1 to "a").
			 */
			bool back = src >= st->body_lo && src <= st->body_hi;
			if (B->mark[x] == 0) {
				B->mark[x] = 1;
				B->back[x] = back;
				SUB_PUSH(st->out1, x, slots);
				SUB_PUSH(st->out, x, slots);
			} else if (B->mark[x] == 1 && back && !B->back[x]) {
				B->mark[x] = 2;
				SUB_PUSH(st->out1, x, slots);
			}
			continue;
		}
		/* any other state is taken once, by the first path */
		if (B->mark[x])
			continue;
		B->mark[x] = 1;
		switch (st->kind) {
		case NS_SPLIT:
			SUB_PUSH(st->out1, x, slots);
			SUB_PUSH(st->out, x, slots);
			continue;
		case NS_SAVE:
			SUB_PUSH(st->out, x, slots | (1ull << st->out1));
			continue;
		case NS_BOL:
			if (at_start)
				SUB_PUSH(st->out, x, slots);
			continue;
		case NS_EOL:
			if (at_end) {
				SUB_PUSH(st->out, x, slots);
				continue;
			}
			break;
		case NS_SET:
			if (at_end)
				continue;
			break;
		case NS_MATCH:
			break;
		}
		vec_push_heap(&B->items, ((struct redfa_sub_item){ (uint32_t)B->id[x], slots }));
	}
#undef SUB_PUSH
	vec_push_heap(&B->first, first);
	vec_push_heap(&B->count, B->items.len - first);
	return B->first.len - 1;
}

/* The submatch program of the NFA from `start` (out->sub), or why not
 * (out->sub_why). */
static void sub_build(struct arena *A, const struct nfa *N, int start, struct redfa *out)
{
	if (2 * out->ngroups > REDFA_SUB_MAX_SLOTS) {
		out->sub_why = "it has more than 15 groups";
		return;
	}
	struct sub_builder B = { .N = N };
	B.id = xcalloc((size_t)N->n, sizeof(int));
	B.mark = xcalloc((size_t)N->n, 1);
	B.back = xcalloc((size_t)N->n, 1);
	/* a state is taken at most twice per closure and pushes at most two */
	B.stack = xcalloc((size_t)N->n * 4 + 2, sizeof(*B.stack));
	uint32_t ns = 0;
	for (int i = 0; i < N->n; i++) {
		enum ns_kind k = N->s[i].kind;
		B.id[i] = k == NS_SET || k == NS_EOL || k == NS_MATCH ? (int)ns++ : -1;
	}
	struct redfa_sub *sub = NULL;
	if (ns > REDFA_SUB_MAX_STATES) {
		out->sub_why = "its automaton has more than 64 positions";
		goto done;
	}
	sub = arena_new_obj(A, struct redfa_sub);
	memset(sub, 0, sizeof(*sub));
	sub->nstates = ns;
	sub->nslots = 2 * out->ngroups;
	sub->set = arena_alloc(A, 32 * (size_t)ns + 1);
	sub->kind = arena_alloc(A, (size_t)ns + 1);
	sub->list = arena_alloc(A, sizeof(uint32_t) * ((size_t)ns + 1));
	sub->seed_first = sub_closure(&B, start, true, false);
	sub->seed_later = sub_closure(&B, start, false, false);
	for (int i = 0; i < N->n; i++) {
		if (B.id[i] < 0)
			continue;
		uint32_t q = (uint32_t)B.id[i];
		const struct nstate *st = &N->s[i];
		memset(sub->set[q], 0, 32);
		sub->list[q] = 0;
		switch (st->kind) {
		case NS_SET:
			sub->kind[q] = REDFA_SUB_SET;
			memcpy(sub->set[q], st->set, 32);
			sub->list[q] = sub_closure(&B, st->out, false, false);
			break;
		case NS_EOL:
			sub->kind[q] = REDFA_SUB_EOL;
			sub->list[q] = sub_closure(&B, st->out, false, true);
			break;
		default:
			sub->kind[q] = REDFA_SUB_MATCH;
			sub->list[q] = sub->seed_first; /* unused */
			break;
		}
	}
	if (B.items.len > REDFA_SUB_MAX_ITEMS) {
		out->sub_why = "its automaton has too many transitions";
		sub = NULL;
		goto done;
	}
	sub->nlists = B.first.len;
	sub->nitems = B.items.len;
	sub->first = arena_alloc(A, sizeof(uint32_t) * (sub->nlists + 1));
	sub->count = arena_alloc(A, sizeof(uint32_t) * (sub->nlists + 1));
	sub->items = arena_alloc(A, sizeof(*sub->items) * (sub->nitems + 1));
	memcpy(sub->first, B.first.items, sizeof(uint32_t) * sub->nlists);
	memcpy(sub->count, B.count.items, sizeof(uint32_t) * sub->nlists);
	if (sub->nitems)
		memcpy(sub->items, B.items.items, sizeof(*sub->items) * sub->nitems);
done:
	out->sub = sub;
	free(B.id);
	free(B.mark);
	free(B.back);
	free(B.stack);
	vec_free_heap(&B.items);
	vec_free_heap(&B.first);
	vec_free_heap(&B.count);
}

/* ---------------------------------------------------------- result */

static void dfa_free(struct nfa *N, struct dfa *D)
{
	free(N->s);
	vec_foreach(&D->sets, i)
		free(D->sets.items[i]);
	vec_free_heap(&D->sets);
	vec_free_heap(&D->next);
	vec_free_heap(&D->acc);
}

/* Byte classes (bytes whose columns are equal) and the compact tables. */
static void dfa_export(struct arena *A, const struct dfa *D, struct redfa *out)
{
	uint32_t ns = D->sets.len;
	int rep[256];
	uint32_t ncls = 0;
	for (int c = 0; c < 256; c++) {
		int k;
		for (k = 0; k < (int)ncls; k++) {
			bool same = true;
			for (uint32_t s = 0; s < ns && same; s++)
				same = D->next.items[s * 256 + (unsigned)c] ==
				       D->next.items[s * 256 + (unsigned)rep[k]];
			if (same)
				break;
		}
		if (k == (int)ncls)
			rep[ncls++] = c;
		out->cls[c] = (uint8_t)k;
	}
	out->nstates = ns;
	out->nclasses = ncls;
	out->next = arena_alloc(A, sizeof(uint16_t) * ns * ncls);
	out->acc = arena_alloc(A, ns);
	for (uint32_t s = 0; s < ns; s++) {
		out->acc[s] = D->acc.items[s];
		for (uint32_t k = 0; k < ncls; k++)
			out->next[s * ncls + k] = D->next.items[s * 256 + (unsigned)rep[k]];
	}
}

static struct re *re_parse(struct arena *A, const char *pat, size_t len,
			   struct redfa_error *err, uint32_t *ngroups)
{
	*err = (struct redfa_error){ 0 };
	const unsigned char *b = (const unsigned char *)pat;
	struct re_parser P = { .A = A, .start = b, .p = b, .end = b + len };
	struct re *r = re_alt(&P);
	if (!r || P.err) {
		err->msg = P.err ? P.err : "syntax error";
		err->pos = P.errpos;
		return NULL;
	}
	*ngroups = P.ngroups + 1;
	return r;
}

enum redfa_status redfa_compile(struct arena *A, const char *pat, size_t len,
				uint32_t max_states, struct redfa *out, struct redfa_error *err)
{
	memset(out, 0, sizeof(*out));
	struct re *r = re_parse(A, pat, len, err, &out->ngroups);
	if (!r)
		return REDFA_SYNTAX;
	struct nfa N = { 0 };
	int match = ns_new(&N, NS_MATCH, -1, -1, NULL);
	/* group 0, the whole match, is saved as the others are */
	int whole_end = ns_new(&N, NS_SAVE, match, 1, NULL);
	int start = ns_new(&N, NS_SAVE, nfa_compile(&N, r, whole_end), 0, NULL);
	struct dfa D = { .N = &N, .start = start, .anchored_start = re_anchored(r),
			 .max_states = max_states ? max_states : REDFA_MAX_STATES };
	bool ok = !N.overflow && dfa_build(&D);
	if (ok) {
		dfa_export(A, &D, out);
		sub_build(A, &N, start, out);
	}
	dfa_free(&N, &D);
	if (!ok) {
		err->msg = "too many states";
		return REDFA_TOO_COMPLEX;
	}
	return REDFA_OK;
}

bool redfa_match(const struct redfa *d, const char *s)
{
	uint32_t st = 0;
	for (;; s++) {
		if (d->acc[st] & REDFA_NOW)
			return true;
		if (!*s)
			return (d->acc[st] & REDFA_END) != 0;
		if (d->acc[st] & REDFA_DEAD)
			return false;
		st = d->next[st * d->nclasses + d->cls[(unsigned char)*s]];
	}
}
