/*
 * process: user-space probes (probes.md §2.6): lifecycle and syscall
 * points, and uprobe points (.function, .statement, .plt, .mark, through
 * .library too) resolved against the ELF file's symbols, SDT notes and,
 * when there is any, its DWARF (own or separate debuginfo).
 *
 * Input: the matched point.  Output: one derived probe per address, with
 * struct process_data (process.h) for the back ends.  PATH resolution is
 * target/user/upath.c's; ELF reading uelf.c's; DWARF udwarf.c's, and
 * $variables from it uvars.c's.
 *
 * Function probes take DWARF functions first (pp() with "@file:line"),
 * then symbols no DWARF function covers (pp() with the bare name), so a
 * stripped or -g-less binary still resolves, with no $variables.
 */
#include "probes/process.h"

#include "probes/dwarf_lines.h"
#include "probes/fpat.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/pretty.h"
#include "probes/perf.h"
#include "elab/uvars.h"
#include "session.h"
#include "target/user/udwarf.h"
#include "target/user/uelf.h"
#include "target/user/upath.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

#define P3(s) "process." s, "process(string)." s, "process(number)." s
#define LIB(s) "process.library(string)." s, "process(string).library(string)." s

static const char *const patterns[] = {
	P3("begin"), P3("end"), P3("thread.begin"), P3("thread.end"),
	P3("syscall"), P3("syscall.return"),
	P3("function(string)"), P3("function(string).call"), P3("function(string).return"),
	P3("function(string).inline"), P3("function(string).exported"),
	P3("statement(string)"), P3("statement(string).nearest"),
	P3("statement(number)"), P3("statement(number).nearest"),
	"process(number).statement(number).absolute",
	P3("plt"), P3("plt(string)"), P3("plt.return"), P3("plt(string).return"),
	P3("mark(string)"), P3("provider(string).mark(string)"),
	LIB("function(string)"), LIB("function(string).call"), LIB("function(string).return"),
	LIB("function(string).inline"), LIB("function(string).exported"),
	LIB("statement(string)"), LIB("statement(string).nearest"),
	LIB("plt"), LIB("plt(string)"), LIB("plt.return"), LIB("plt(string).return"),
	LIB("mark(string)"), LIB("provider(string).mark(string)"),
	NULL,
};

/* What one point asks for, once its process part is understood. */
struct req {
	struct derive_ctx *ctx;
	const struct pp_match *m;
	struct elab *E;
	const char *spec;            /* process("spec") as written, or NULL */
	int64_t pid;
	bool target;
	const char *exe;             /* canonical executable (NULL: any/none) */
	const char *file;            /* the file probed (exe or library) */
	bool library;                /* through .library() */
	const struct uelf *elf;
	int count;
	struct similar *sim;         /* near misses for "no match" */
};

static const struct token *comp_tok(const struct pp_match *m, const char *functor)
{
	const struct token *t = pp_match_tok(m, functor);
	return t ? t : m->toks[0];
}

/* ------------------------------------------------------------ points */

/* process("FILE")... or process(PID)... with the rest of the matched point
 * from component `from`, replacing the arguments given in repl. */
static struct probe_point *make_point(struct req *r, const char *lib, const char *site,
				      struct expr *site_arg, bool keep_suffix)
{
	struct elab *E = r->E;
	const struct pp_match *m = r->m;
	const char *functors[PP_MAX_COMPS];
	struct expr *args[PP_MAX_COMPS] = { 0 };
	unsigned n = 0;
	functors[n] = "process";
	if (r->pid && !r->spec)
		args[n] = elab_number(E, m->toks[0], r->pid);
	else if (r->exe)
		args[n] = elab_string(E, m->toks[0], r->exe);
	n++;
	unsigned i = 1;
	if (i < m->ncomps && !strcmp(m->functors[i], "library")) {
		functors[n] = "library";
		args[n++] = elab_string(E, m->toks[i], lib);
		i++;
	}
	for (; i < m->ncomps; i++) {
		functors[n] = m->functors[i];
		if (site && !strcmp(m->functors[i], site))
			args[n] = site_arg;
		else
			args[n] = m->args[i] ? ast_expr_copy(E->arena, m->args[i]) : NULL;
		n++;
		if (!keep_suffix && site && !strcmp(m->functors[i], site))
			break;
	}
	if (!keep_suffix)
		for (i++; i < m->ncomps; i++) {
			functors[n] = m->functors[i];
			args[n++] = m->args[i] ? ast_expr_copy(E->arena, m->args[i]) : NULL;
		}
	return elab_make_point(E, m->point, n, functors, args);
}

static struct process_data *new_data(struct req *r, enum process_kind kind)
{
	struct process_data *d = arena_new_obj(r->E->arena, struct process_data);
	d->kind = kind;
	d->path = r->file;
	d->exe = r->library ? r->exe : NULL;
	d->pid = r->pid;
	d->target = r->target;
	d->is_library = r->file && (r->library || uelf_is_shared_library(r->file));
	d->et_exec = r->elf && r->elf->et_exec;
	return d;
}

static bool set_address(struct req *r, struct process_data *d, uint64_t vaddr)
{
	d->vaddr = vaddr;
	if (!uelf_offset(r->elf, vaddr, &d->offset)) {
		elab_point_error(r->E, r->m, NULL, "address 0x%llx is not in a loaded segment of %s",
				 (unsigned long long)vaddr, r->file);
		return false;
	}
	d->entry_offset = d->offset;
	d->entry_vaddr = vaddr;
	const struct uelf_symbol *s = uelf_symbol_at(r->elf, vaddr);
	if (s) {
		d->func_vaddr = s->vaddr;
		d->func_size = s->size;
	}
	return true;
}

static void add(struct req *r, struct probe_point *pp, struct process_data *d)
{
	struct derived_probe *dp = elab_add_probe(r->ctx, &process_family, pp, d);
	dp->is_return = d->is_return;
	r->count++;
}

/* ------------------------------------------------------------ DWARF */

static struct udwarf *dwarf_of(struct req *r, const char **debug_file)
{
	*debug_file = NULL;
	return r->elf ? udwarf_of_uelf(r->E->s->dwarf, r->E->arena, r->elf, debug_file) : NULL;
}

static struct udwarf *dwarf_for(struct elab *E, const struct process_data *d)
{
	if (!d->has_dwarf)
		return NULL;
	return udwarf_open(E->s->dwarf, d->path,
			   d->debug_file && strcmp(d->debug_file, d->path) ? d->debug_file : NULL);
}

/* ------------------------------------------------------------ functions */

struct fsearch {
	struct req *r;
	struct fpat pat;
	bool is_return, want_inline, want_call, want_exported;
	bool start_skipped;            /* _start left out of a .return wildcard */
	const char *debug_file;
	struct udwarf *dw;
	VEC(struct udwarf_func) covered; /* every function DWARF gave */
	VEC(struct udwarf_func) found;
};

static bool exported(const struct uelf *u, const char *name)
{
	for (uint32_t i = 0; i < u->nsyms; i++)
		if (u->syms[i].in_dynsym && u->syms[i].global && !strcmp(u->syms[i].name, name))
			return true;
	return false;
}

static void dwarf_func_cb(void *ctx, const struct udwarf_func *f)
{
	struct fsearch *s = ctx;
	if (!f->is_inline)
		vec_push_heap(&s->covered, *f);
	bool name_ok = fnmatch(s->pat.func, f->name, 0) == 0 ||
		       (f->linkage && fnmatch(s->pat.func, f->linkage, 0) == 0);
	if (!name_ok) {
		if (s->r->sim && *f->name)
			similar_offer(s->r->sim, f->name);
		return;
	}
	if (!fpat_file_matches(f->decl_file, s->pat.file))
		return;
	if (f->is_inline && (s->want_call || s->is_return || s->want_exported))
		return;
	if (!f->is_inline && s->want_inline)
		return;
	if (s->want_exported && !exported(s->r->elf, f->name))
		return;
	vec_push_heap(&s->found, *f);
}

static int func_line_filter(struct fsearch *s, const struct udwarf_func *f)
{
	if (!s->pat.line)
		return 1;
	/* FUNC@FILE:N selects functions containing line N */
	uint64_t addrs[64];
	int n = udwarf_line_addrs(s->dw, s->pat.file, s->pat.line, addrs, 64);
	const struct uelf_symbol *sym = uelf_symbol_at(s->r->elf, f->entry);
	for (int i = 0; i < n; i++)
		if (sym && addrs[i] >= sym->vaddr && addrs[i] < sym->vaddr + (sym->size ? sym->size : 1))
			return 1;
	return f->decl_line == s->pat.line;
}

static void add_function(struct fsearch *s, const struct udwarf_func *f,
			 const struct uelf_symbol *sym)
{
	struct req *r = s->r;
	struct elab *E = r->E;
	const char *name = f ? f->name : sym->name;
	if (s->is_return && !strcmp(name, "_start")) {
		/* named alone it is an error; a wildcard goes on without it,
		 * with SystemTap's warning */
		if (!strpbrk(s->pat.func, "*?[")) {
			elab_point_error(E, r->m, NULL, "function '_start' cannot be probed on "
					 "return: it never returns normally");
			r->count = -1;
		} else if (!s->start_skipped) {
			diag_warning(E->diag, W_GENERIC, comp_tok(r->m, "function"),
				     "function _start return probe is blacklisted");
			s->start_skipped = true;
		}
		return;
	}
	struct process_data *d = new_data(r, PROCESS_UPROBE);
	d->site = PROCESS_SITE_FUNCTION;
	d->symbol = name;
	d->is_return = s->is_return;
	uint64_t entry = f ? f->entry : sym->vaddr;
	uint64_t pc = f ? f->probe_pc : sym->vaddr;
	if (!set_address(r, d, s->is_return ? entry : pc)) {
		r->count = -1;
		return;
	}
	if (f) {
		uint64_t eoff;
		if (uelf_offset(r->elf, f->probe_pc, &eoff)) {
			d->entry_offset = eoff;
			d->entry_vaddr = f->probe_pc;
		}
		d->has_dwarf = true;
		d->debug_file = s->debug_file ? s->debug_file : r->file;
		d->die_offset = f->die_offset;
		d->cu_offset = f->cu_offset;
		d->decl_file = f->decl_file;
		d->decl_line = f->decl_line;
		d->is_inline = f->is_inline;
	}
	const char *text = f && f->decl_file && f->decl_line
				   ? arena_printf(E->arena, "%s@%s:%d", name, f->decl_file, f->decl_line)
				   : name;
	struct probe_point *pp = make_point(r, r->library ? r->file : NULL, "function",
					    elab_string(E, pp_match_tok(r->m, "function"), text),
					    true);
	add(r, pp, d);
}

static int by_entry(const void *a, const void *b)
{
	uint64_t x = ((const struct udwarf_func *)a)->entry, y = ((const struct udwarf_func *)b)->entry;
	return x < y ? -1 : x > y;
}

/* Whether a function at f's entry was taken already (DWARF may describe
 * one address under several names: glibc's assembly stubs). */
static bool entry_found(const struct fsearch *s, const struct udwarf_func *f)
{
	vec_foreach(&s->found, i)
		if (!s->found.items[i].is_inline && s->found.items[i].entry == f->entry)
			return true;
	return false;
}

static void resolve_functions(struct req *r)
{
	struct elab *E = r->E;
	const struct pp_match *m = r->m;
	struct fsearch s = { .r = r };
	const char *spec = pp_match_str(m, "function");
	const char *why = NULL;
	if (!fpat_parse(E->arena, spec, &s.pat, &why)) {
		elab_point_error(E, m, comp_tok(m, "function"), "'%s': %s", spec, why);
		r->count = -1;
		return;
	}
	s.is_return = pp_match_has(m, "return");
	s.want_inline = pp_match_has(m, "inline");
	s.want_call = pp_match_has(m, "call");
	s.want_exported = pp_match_has(m, "exported");
	s.dw = dwarf_of(r, &s.debug_file);
	if (s.dw)
		udwarf_functions(s.dw, E->arena, true, NULL, dwarf_func_cb, &s);
	else if (s.pat.file) {
		elab_point_error(E, m, comp_tok(m, "function"),
				 "'%s': source files and lines need DWARF debuginfo, and %s has "
				 "none", spec, r->file);
		r->count = -1;
		return;
	}
	for (uint32_t i = 0; i < s.found.len && r->count >= 0; i++)
		if (func_line_filter(&s, &s.found.items[i]))
			add_function(&s, &s.found.items[i], NULL);
	/* symbols DWARF does not describe (crt code, assembly, no -g), and
	 * other names of functions it does (malloc is glibc's __libc_malloc:
	 * the function DWARF names, as SystemTap resolves it) */
	qsort(s.covered.items, s.covered.len, sizeof(struct udwarf_func), by_entry);
	for (uint32_t i = 0; i < r->elf->nsyms && r->count >= 0 && !s.want_inline; i++) {
		const struct uelf_symbol *sym = &r->elf->syms[i];
		if (s.pat.file)
			break;
		struct udwarf_func key = { .entry = sym->vaddr };
		struct udwarf_func *f = bsearch(&key, s.covered.items, s.covered.len,
						sizeof(struct udwarf_func), by_entry);
		if (f) {
			if (fnmatch(s.pat.func, sym->name, 0) == 0 && !entry_found(&s, f) &&
			    (!s.want_exported || (sym->in_dynsym && sym->global))) {
				vec_push_heap(&s.found, *f); /* once, whatever its aliases */
				add_function(&s, f, NULL);
			}
			continue;
		}
		if (i && r->elf->syms[i - 1].vaddr == sym->vaddr)
			continue; /* an alias of the previous one */
		if (fnmatch(s.pat.func, sym->name, 0) != 0) {
			if (r->sim)
				similar_offer(r->sim, sym->name);
			continue;
		}
		if (s.want_exported && !(sym->in_dynsym && sym->global))
			continue;
		add_function(&s, NULL, sym);
	}
	vec_free_heap(&s.covered);
	vec_free_heap(&s.found);
}

/* ------------------------------------------------------------ statements */

struct lines {
	struct req *r;
	const char *debug_file;
	const struct token *tok;
};

static bool user_line(void *ctx, const struct dwarf_line_point *p)
{
	struct lines *l = ctx;
	struct req *r = l->r;
	const struct uelf_symbol *sym = uelf_symbol_at(r->elf, p->pc);
	if (!sym)
		return false;
	struct process_data *d = new_data(r, PROCESS_UPROBE);
	d->site = PROCESS_SITE_STATEMENT;
	if (!set_address(r, d, p->pc)) {
		r->count = -1;
		return false;
	}
	d->symbol = sym->name;
	d->has_dwarf = true;
	d->debug_file = l->debug_file ? l->debug_file : r->file;
	d->decl_file = p->file;
	d->decl_line = p->line;
	d->die_offset = p->func->die_offset;
	const char *text = arena_printf(r->E->arena, "%s@%s:%d", p->func->name, p->file, p->line);
	add(r, make_point(r, r->library ? r->file : NULL, "statement",
			  elab_string(r->E, l->tok, text), true), d);
	return true;
}

static void resolve_statement(struct req *r)
{
	struct elab *E = r->E;
	const struct pp_match *m = r->m;
	const struct expr *arg = pp_match_arg(m, "statement");
	bool absolute = pp_match_has(m, "absolute");
	if (absolute && !E->s->opts.guru) {
		elab_point_error(E, m, comp_tok(m, "absolute"),
				 "absolute process probes need guru mode; need stap -g");
		r->count = -1;
		return;
	}
	if (arg->kind == EXPR_NUMBER) {
		struct process_data *d = new_data(r, PROCESS_UPROBE);
		d->site = PROCESS_SITE_STATEMENT;
		if (absolute) {
			d->absolute = true;
			d->vaddr = (uint64_t)arg->u.num;
			d->path = NULL;
		} else if (!set_address(r, d, (uint64_t)arg->u.num)) {
			r->count = -1;
			return;
		}
		add(r, make_point(r, r->library ? r->file : NULL, NULL, NULL, true), d);
		return;
	}
	const char *spec = arg->u.str.val;
	struct fpat pat;
	const char *why = NULL;
	const char *debug_file;
	struct udwarf *dw = dwarf_of(r, &debug_file);
	if (dw && !fpat_parse(E->arena, spec, &pat, &why)) {
		/* FUNC@FILE:N-M, :* and +N: the kernel's rules */
		struct lines l = { r, debug_file, arg->tok };
		if (dwarf_line_points(E, dw, spec, &why, user_line, &l) < 0) {
			elab_point_error(E, m, comp_tok(m, "statement"), "'%s': %s", spec, why);
			r->count = -1;
		}
		return;
	}
	if (!fpat_parse(E->arena, spec, &pat, &why) || !pat.line || !dw) {
		elab_point_error(E, m, comp_tok(m, "statement"),
				 "'%s': %s", spec,
				 why ? why : !dw ? "statement probes by line need DWARF debuginfo"
						 : "statement probes need FUNC@FILE:LINE");
		r->count = -1;
		return;
	}
	uint64_t addrs[64];
	int n = udwarf_line_addrs(dw, pat.file, pat.line, addrs, 64);
	for (int i = 0; i < n; i++) {
		const struct uelf_symbol *sym = uelf_symbol_at(r->elf, addrs[i]);
		if (!sym || fnmatch(pat.func, sym->name, 0) != 0)
			continue;
		struct process_data *d = new_data(r, PROCESS_UPROBE);
		d->site = PROCESS_SITE_STATEMENT;
		if (!set_address(r, d, addrs[i])) {
			r->count = -1;
			return;
		}
		const char *file = NULL;
		int line = pat.line;
		udwarf_addr_line(dw, E->arena, addrs[i], &file, &line);
		d->symbol = sym->name;
		d->has_dwarf = true;
		d->debug_file = debug_file ? debug_file : r->file;
		d->decl_file = file;
		d->decl_line = line;
		/* variables: those of the function containing the line */
		d->die_offset = udwarf_func_at(dw, addrs[i]);
		const char *text = arena_printf(E->arena, "%s@%s:%d", sym->name, file ? file : pat.file,
						line);
		add(r, make_point(r, r->library ? r->file : NULL, "statement",
				  elab_string(E, arg->tok, text), true), d);
	}
}

/* ------------------------------------------------------------ plt, marks */

static void resolve_plt(struct req *r)
{
	struct elab *E = r->E;
	const struct pp_match *m = r->m;
	const char *glob = pp_match_str(m, "plt");
	for (uint32_t i = 0; i < r->elf->nplts; i++) {
		const struct uelf_plt *p = &r->elf->plts[i];
		if (glob && fnmatch(glob, p->name, 0) != 0)
			continue;
		struct process_data *d = new_data(r, PROCESS_UPROBE);
		d->site = PROCESS_SITE_PLT;
		d->symbol = p->name;
		d->is_return = pp_match_has(m, "return");
		if (!set_address(r, d, p->vaddr)) {
			r->count = -1;
			return;
		}
		d->func_vaddr = p->vaddr;
		d->func_size = 16;
		struct probe_point *pp;
		if (glob) {
			pp = make_point(r, r->library ? r->file : NULL, "plt",
					elab_string(E, pp_match_tok(m, "plt"), p->name), true);
		} else {
			/* plt -> plt("NAME") */
			pp = make_point(r, r->library ? r->file : NULL, NULL, NULL, true);
			for (uint32_t k = 0; k < pp->comps.len; k++)
				if (!strcmp(pp->comps.items[k].functor, "plt"))
					pp->comps.items[k].arg =
						elab_string(E, pp->comps.items[k].tok, p->name);
		}
		add(r, pp, d);
	}
}

static bool parse_sdt_args(struct elab *E, const char *text, struct process_data *d)
{
	VEC(struct process_sdt_arg) v = { 0 };
	const char *p = text;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && !isspace((unsigned char)*e))
			e++;
		struct process_sdt_arg a = { arena_strndup(E->arena, p, (size_t)(e - p)), 8 };
		const char *at = strchr(a.text, '@');
		if (at)
			a.size = atoi(a.text);
		vec_push_heap(&v, a);
		p = e;
	}
	d->sdt_args = arena_memdup(E->arena, v.items, sizeof(*v.items) * v.len);
	d->sdt_nargs = v.len;
	vec_free_heap(&v);
	return true;
}

static void resolve_marks(struct req *r)
{
	struct elab *E = r->E;
	const struct pp_match *m = r->m;
	const char *name = pp_match_str(m, "mark");
	const char *provider = pp_match_str(m, "provider");
	for (uint32_t i = 0; i < r->elf->nsdts; i++) {
		const struct uelf_sdt *s = &r->elf->sdts[i];
		if (fnmatch(name, s->name, 0) != 0 ||
		    (provider && fnmatch(provider, s->provider, 0) != 0))
			continue;
		struct process_data *d = new_data(r, PROCESS_UPROBE);
		d->site = PROCESS_SITE_MARK;
		d->symbol = s->name;
		d->provider = s->provider;
		if (!set_address(r, d, s->pc)) {
			r->count = -1;
			return;
		}
		if (s->semaphore) {
			d->semaphore_vaddr = s->semaphore;
			if (!uelf_offset(r->elf, s->semaphore, &d->semaphore_offset)) {
				elab_point_error(E, m, NULL, "the semaphore of mark '%s' (0x%llx) is "
						 "not in a loaded segment", s->name,
						 (unsigned long long)s->semaphore);
				r->count = -1;
				return;
			}
		}
		parse_sdt_args(E, s->args, d);
		struct probe_point *pp = make_point(r, r->library ? r->file : NULL, "mark",
						    elab_string(E, pp_match_tok(m, "mark"), s->name),
						    true);
		if (provider)
			for (uint32_t k = 0; k < pp->comps.len; k++)
				if (!strcmp(pp->comps.items[k].functor, "provider"))
					pp->comps.items[k].arg =
						elab_string(E, pp->comps.items[k].tok, s->provider);
		add(r, pp, d);
	}
}

/* ------------------------------------------------------------ build */

static const char *site_of(const struct pp_match *m)
{
	static const char *const sites[] = { "function", "statement", "plt", "mark", NULL };
	for (int i = 0; sites[i]; i++)
		if (pp_match_has(m, sites[i]))
			return sites[i];
	return NULL;
}

static void resolve_in_file(struct req *r, const char *file)
{
	struct elab *E = r->E;
	const char *why = NULL;
	r->file = file;
	r->elf = uelf_open(E->arena, file, &why);
	if (!r->elf) {
		elab_point_error(E, r->m, NULL, "%s", why);
		r->count = -1;
		return;
	}
	const char *site = site_of(r->m);
	if (!strcmp(site, "function"))
		resolve_functions(r);
	else if (!strcmp(site, "statement"))
		resolve_statement(r);
	else if (!strcmp(site, "plt"))
		resolve_plt(r);
	else
		resolve_marks(r);
}

struct libs {
	struct req *r;
};

static void each_library(void *ctx, const char *path)
{
	struct req *r = ctx;
	if (r->count >= 0)
		resolve_in_file(r, path);
}

/* .library("LIB"): a path, or a name looked up in the executable's
 * DT_NEEDED search: ctap looks in the usual library directories. */
static void resolve_library(struct req *r)
{
	struct elab *E = r->E;
	const char *lib = pp_match_str(r->m, "library");
	r->library = true;
	if (strchr(lib, '/')) {
		upath_resolve(E->arena, lib, each_library, r);
		return;
	}
	for (int i = 0; upath_library_dirs[i] && r->count >= 0; i++) {
		const char *glob = arena_printf(E->arena, "%s/%s", upath_library_dirs[i], lib);
		int before = r->count;
		upath_resolve(E->arena, glob, each_library, r);
		if (r->count > before)
			break;
	}
}

static bool pid_exists(int64_t pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static const char *pid_exe(struct elab *E, int64_t pid)
{
	char link[64], buf[4096];
	snprintf(link, sizeof(link), "/proc/%lld/exe", (long long)pid);
	if (!realpath(link, buf))
		return NULL;
	return arena_strdup(E->arena, buf);
}

static enum process_kind lifecycle_kind(const struct pp_match *m)
{
	bool thread = pp_match_has(m, "thread");
	if (pp_match_has(m, "syscall"))
		return pp_match_has(m, "return") ? PROCESS_SYSCALL_RETURN : PROCESS_SYSCALL;
	if (pp_match_has(m, "begin"))
		return thread ? PROCESS_THREAD_BEGIN : PROCESS_BEGIN;
	return thread ? PROCESS_THREAD_END : PROCESS_END;
}

static void exe_cb(void *ctx, const char *path)
{
	struct req *r = ctx;
	if (r->count < 0)
		return;
	r->exe = path;
	const char *site = site_of(r->m);
	if (!site) {
		r->file = path;
		struct process_data *d = new_data(r, lifecycle_kind(r->m));
		r->count += process_lifecycle_add(r->ctx, make_point(r, NULL, NULL, NULL, true), d);
	} else if (pp_match_has(r->m, "library")) {
		resolve_library(r);
	} else {
		resolve_in_file(r, path);
	}
}

static void report_no_match(struct req *r, struct similar *sim)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, "no match");
	similar_append(sim, &sb, "similar functions");
	elab_point_error(r->E, r->m, NULL, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	struct req r = { .ctx = ctx, .m = m, .E = E };
	const struct expr *parg = m->args[0];
	const char *site = site_of(m);
	r.target = E->s->opts.cmd || E->s->opts.target_pid;
	if (parg && parg->kind == EXPR_NUMBER) {
		r.pid = parg->u.num;
		if (!pid_exists(r.pid)) {
			elab_point_error(E, m, NULL, "cannot probe pid %lld: No such process",
					 (long long)r.pid);
			return -1;
		}
	} else if (parg) {
		r.spec = parg->u.str.val;
	}
	struct similar sim;
	similar_init(&sim, site && pp_match_str(m, site) ? pp_match_str(m, site) : "");
	r.sim = site && !strcmp(site, "function") ? &sim : NULL;

	if (!site && !r.spec) {
		/* process.begin, process(PID).end ... */
		struct process_data *d = new_data(&r, lifecycle_kind(m));
		return process_lifecycle_add(ctx, make_point(&r, NULL, NULL, NULL, true), d);
	}
	if (r.pid) {
		const char *exe = site ? pid_exe(E, r.pid) : NULL;
		if (site && !exe) {
			elab_point_error(E, m, NULL, "cannot read the executable of pid %lld",
					 (long long)r.pid);
			return -1;
		}
		if (pp_match_has(m, "absolute")) {
			resolve_statement(&r);
			return r.count;
		}
		exe_cb(&r, exe);
	} else if (r.spec) {
		int n = upath_resolve(E->arena, r.spec, exe_cb, &r);
		if (n == 0) {
			if (E->listing || ctx->optional)
				return 0;
			elab_point_error(E, m, NULL, "no match (cannot find executable or library "
					 "'%s')", r.spec);
			return -1;
		}
	} else {
		const char *exe = upath_command(E->arena, E->s->opts.cmd);
		if (!exe && E->s->opts.target_pid)
			exe = pid_exe(E, E->s->opts.target_pid);
		if (!exe) {
			elab_point_error(E, m, NULL, "unspecified process probe is invalid without a "
					 "-c COMMAND or -x PID [man stapprobes]");
			return -1;
		}
		exe_cb(&r, exe);
	}
	if (r.count < 0)
		return -1;
	if (r.count == 0 && !ctx->optional && !E->listing) {
		report_no_match(&r, &sim);
		return -1;
	}
	return r.count;
}

/* ------------------------------------------------------------ $vars */

static bool plain_only(struct elab *E, struct expr *e, const char *what)
{
	if (e->u.target.comps.len || e->u.target.addressof) {
		elab_target_error(E, e->tok, "%s '%s' is a number: it has no members, elements or address", what,
		                  e->u.target.name);
		return false;
	}
	return true;
}

static struct target_access *family_value(struct elab *E, struct expr *e, int index, bool sign)
{
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->base = ACCESS_FAMILY;
	acc->index = index;
	acc->base_size = 8;
	acc->base_signed = sign;
	acc->ctype = "long";
	e->u.target.resolved = acc;
	return acc;
}

static bool syscall_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	const struct process_data *d = dp->family_data;
	const char *name = e->u.target.name;
	bool ret = d->kind == PROCESS_SYSCALL_RETURN;
	if (!strcmp(name, "$syscall")) {
		if (plain_only(E, e, "syscall variable"))
			family_value(E, e, PROCESS_VAR_SYSCALL, true);
		return true;
	}
	if (ret && !strcmp(name, "$return")) {
		if (plain_only(E, e, "syscall variable"))
			family_value(E, e, PROCESS_VAR_RETURN, true);
		return true;
	}
	if (!ret && !strncmp(name, "$arg", 4) && name[4] >= '1' && name[4] <= '6' && !name[5]) {
		if (plain_only(E, e, "syscall variable"))
			family_value(E, e, PROCESS_VAR_ARG1 + (name[4] - '1'), false);
		return true;
	}
	elab_target_error(E, e->tok, "unable to find local '%s' (alternatives: $syscall %s)", name + 1,
	                  ret ? "$return" : "$arg1 ... $arg6");
	return true;
}

static int x86_reg(const char *name)
{
	static const char *const regs[][4] = {
		{ "rax", "eax", "ax", "al" }, { "rdx", "edx", "dx", "dl" },
		{ "rcx", "ecx", "cx", "cl" }, { "rbx", "ebx", "bx", "bl" },
		{ "rsi", "esi", "si", "sil" }, { "rdi", "edi", "di", "dil" },
		{ "rbp", "ebp", "bp", "bpl" }, { "rsp", "esp", "sp", "spl" },
	};
	for (int i = 0; i < 8; i++)
		for (int k = 0; k < 4; k++)
			if (!strcmp(name, regs[i][k]))
				return i;
	if (name[0] == 'r' && isdigit((unsigned char)name[1])) {
		int n = atoi(name + 1);
		if (n >= 8 && n <= 15)
			return n;
	}
	return -1;
}

/* "-4@%esi", "8@-24(%rbp)", "4@$5" -> access */
static bool sdt_operand(struct elab *E, const struct process_sdt_arg *a, struct expr *e,
			struct target_access *acc)
{
	const char *op = strchr(a->text, '@');
	op = op ? op + 1 : a->text;
	uint32_t size = (uint32_t)(a->size < 0 ? -a->size : a->size);
	if (size == 0 || size > 8)
		size = 8;
	bool sign = a->size < 0;
	acc->user = true;
	acc->ctype = "long";
	if (op[0] == '$') {
		char *end;
		long long v = strtoll(op + 1, &end, 0);
		if (*end)
			goto unsupported;
		acc->base = ACCESS_SYMBOL;
		acc->symbol = arena_strdup(E->arena, op);
		acc->symbol_addr = (uint64_t)v;
		acc->base_size = 8;
		return true;
	}
	if (op[0] == '%') {
		int reg = x86_reg(op + 1);
		if (reg < 0)
			goto unsupported;
		acc->base = ACCESS_REGISTER;
		acc->index = reg;
		acc->base_size = size;
		acc->base_signed = sign;
		return true;
	}
	{
		char *end;
		long long off = strtoll(op, &end, 0);
		if (end[0] != '(' || end[1] != '%')
			goto unsupported;
		char reg[8];
		size_t n = strcspn(end + 2, ")");
		if (n >= sizeof(reg) || end[2 + n] != ')' || end[3 + n])
			goto unsupported;
		memcpy(reg, end + 2, n);
		reg[n] = 0;
		int r = x86_reg(reg);
		if (r < 0)
			goto unsupported;
		acc->base = ACCESS_REGISTER;
		acc->index = r;
		acc->base_size = 8;
		struct access_step *s = arena_new_obj(E->arena, struct access_step);
		s->offset = off;
		s->load_size = size;
		s->load_signed = sign;
		acc->steps = s;
		acc->nsteps = 1;
		return true;
	}
unsupported:
	elab_target_error(E, e->tok, "SDT argument '%s' of this mark uses an operand form ctap does not "
	                  "translate yet ('%s')", e->u.target.name, a->text);
	return false;
}

static bool mark_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	const struct process_data *d = dp->family_data;
	const char *name = e->u.target.name;
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	if (!strcmp(name, "$$name") || !strcmp(name, "$$provider")) {
		acc->base = ACCESS_CONST_STRING;
		acc->const_string = name[2] == 'n' ? d->symbol : d->provider;
		acc->is_string = true;
		e->type = TYPE_STRING;
		e->u.target.resolved = acc;
		return true;
	}
	if (!strcmp(name, "$$vars") || !strcmp(name, "$$parms") || !strcmp(name, "$$locals")) {
		/* "$arg1=0x.. $arg2=0x..", as SystemTap prints a mark's
		 * arguments; a mark has no locals */
		bool locals = name[2] == 'l';
		struct pretty_var *vars = arena_alloc(E->arena, sizeof(*vars) * (d->sdt_nargs + 1));
		uint32_t n = 0;
		for (uint32_t i = 0; !locals && i < d->sdt_nargs; i++) {
			struct target_access *a = arena_new_obj(E->arena, struct target_access);
			if (!sdt_operand(E, &d->sdt_args[i], e, a))
				return true;
			vars[n++] = (struct pretty_var){ arena_printf(E->arena, "$arg%u", i + 1), a, 0,
							 false, NULL };
		}
		pretty_vars_resolve(acc, e, pretty_vars(E, NULL, vars, n, pretty_level(e), e));
		return true;
	}
	if (!strncmp(name, "$arg", 4) && isdigit((unsigned char)name[4])) {
		char *end;
		long n = strtol(name + 4, &end, 10);
		if (!*end && n >= 1 && (uint32_t)n <= d->sdt_nargs) {
			if (!plain_only(E, e, "mark argument"))
				return true;
			if (sdt_operand(E, &d->sdt_args[n - 1], e, acc))
				e->u.target.resolved = acc;
			return true;
		}
	}
	if (d->sdt_nargs)
		elab_target_error(E, e->tok, "unable to find local '%s' (alternatives: $arg1 ... $arg%u, "
		                  "$$name, $$provider, $$vars, $$parms)", name + 1, d->sdt_nargs);
	else
		elab_target_error(E, e->tok, "unable to find local '%s' (alternatives: $$name, "
		                  "$$provider, $$vars, $$parms)", name + 1);
	return true;
}

static bool dwarf_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	struct process_data *d = dp->family_data;
	const char *name = e->u.target.name;
	struct udwarf *dw = dwarf_for(E, d);
	if (!dw || !d->die_offset) {
		elab_target_error(E, e->tok, "unable to find local '%s', [man error::dwarf] (no debuginfo for "
		                  "%s at this probe)", name[0] == '$' ? name + 1 : name,
		                  d->path ? d->path : "the process");
		return true;
	}
	struct uvars_point point = {
		.dw = dw, .die_offset = d->die_offset, .pc = d->vaddr, .entry_pc = d->entry_vaddr,
		.space = process_space(d), .is_return = d->is_return, .check_prologue = true,
	};
	if (!strcmp(name, "$$parms") || !strcmp(name, "$$locals") || !strcmp(name, "$$vars") ||
	    !strcmp(name, "$$return")) {
		uvars_sets(E, &point, e, name);
		return true;
	}
	if (!strncmp(name, "$$", 2)) {
		elab_target_error(E, e->tok, "unknown target variable '%s' (there are $$vars, $$parms, $$locals "
		                  "and $$return)", name);
		return true;
	}
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	if (!strcmp(name, "$return")) {
		if (!d->is_return) {
			elab_target_error(E, e->tok, "$return is only available in .return probes of functions "
			                  "that return a value");
			return true;
		}
		if (!uvars_return(E, dw, d->die_offset, process_space(d), e, acc)) {
			elab_target_error(E, e->tok, "function '%s' returns no value ($return)", d->symbol);
			return true;
		}
		if (acc->ctype)
			e->u.target.resolved = acc;
		return true;
	}
	if (uvars_access(E, &point, e, acc))
		e->u.target.resolved = acc;
	return true;
}

/* @var("NAME[@FILE]"[, MODULE]): a global or static of the probed file */
static void at_var(struct elab *E, const struct process_data *d, struct expr *e)
{
	const char *name = e->u.target.name, *module = e->u.target.module;
	if (module) {
		char *real = realpath(module, NULL);
		bool mine = real && ((d->path && !strcmp(real, d->path)) ||
				     (d->exe && !strcmp(real, d->exe)));
		free(real);
		if (!mine) {
			elab_target_error(E, e->tok, "@var(\"%s\", \"%s\"): a variable of a file other than the "
			                  "probed one is not supported yet", name, module);
			return;
		}
	}
	struct udwarf *dw = d->kind == PROCESS_UPROBE ? dwarf_for(E, d) : NULL;
	if (!dw) {
		elab_target_error(E, e->tok, "unable to find global '%s', [man error::dwarf] (no debuginfo for "
		                  "%s at this probe)", name, d->path ? d->path : "the process");
		return;
	}
	const char *at = strchr(name, '@');
	struct udwarf_filter units = { .unit = fpat_unit_of_file, .ctx = (void *)(at ? at + 1 : "") };
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	if (uvars_global(E, dw, d->is_return ? 0 : d->vaddr, process_space(d), at ? &units : NULL,
			 e, acc))
		e->u.target.resolved = acc;
}

static bool target_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	if (e->kind != EXPR_TARGET)
		return false;
	struct process_data *d = dp->family_data;
	if (e->u.target.is_at_var) {
		at_var(E, d, e);
		return true;
	}
	switch (d->kind) {
	case PROCESS_SYSCALL:
	case PROCESS_SYSCALL_RETURN:
		return syscall_var(E, dp, e);
	case PROCESS_UPROBE:
		break;
	default:
		elab_target_error(E, e->tok, "unresolved target-symbol expression");
		return true;
	}
	switch (d->site) {
	case PROCESS_SITE_MARK:
		return mark_var(E, dp, e);
	case PROCESS_SITE_PLT:
		if (!strcmp(e->u.target.name, "$$name")) {
			struct target_access *acc = arena_new_obj(E->arena, struct target_access);
			acc->base = ACCESS_CONST_STRING;
			acc->const_string = d->symbol;
			acc->is_string = true;
			e->type = TYPE_STRING;
			e->u.target.resolved = acc;
			return true;
		}
		elab_target_error(E, e->tok, "unable to find local '%s' (alternatives: $$name)",
		                  e->u.target.name + 1);
		return true;
	default:
		return dwarf_var(E, dp, e);
	}
}

static void list_vars(struct elab *E, struct derived_probe *dp, struct strbuf *out)
{
	struct process_data *d = dp->family_data;
	if (d->kind == PROCESS_SYSCALL)
		strbuf_puts(out, " $syscall:long $arg1:long $arg2:long $arg3:long $arg4:long "
			    "$arg5:long $arg6:long");
	else if (d->kind == PROCESS_SYSCALL_RETURN)
		strbuf_puts(out, " $syscall:long $return:long");
	if (d->kind != PROCESS_UPROBE)
		return;
	if (d->site == PROCESS_SITE_MARK) {
		for (uint32_t i = 0; i < d->sdt_nargs; i++)
			strbuf_printf(out, " $arg%u:long", i + 1);
		return;
	}
	if (d->site == PROCESS_SITE_PLT)
		return; /* $$name only, which SystemTap's -L does not list */
	struct udwarf *dw = dwarf_for(E, d);
	if (!dw || !d->die_offset)
		return;
	uvars_list(dw, E, d->die_offset, d->is_return ? d->entry_vaddr : d->vaddr, process_space(d),
		   d->is_return, d->is_return, out);
}

static void dump_comment(const struct derived_probe *dp, struct strbuf *out)
{
	const struct process_data *d = dp->family_data;
	if (d->kind != PROCESS_UPROBE) {
		if (d->pid)
			strbuf_printf(out, "pid %lld", (long long)d->pid);
		else
			strbuf_puts(out, d->path ? d->path : "any process");
		return;
	}
	if (d->absolute)
		strbuf_printf(out, "pc=0x%llx", (unsigned long long)d->vaddr);
	else
		strbuf_printf(out, "pc=0x%llx offset=0x%llx", (unsigned long long)d->vaddr,
			      (unsigned long long)d->offset);
	if (d->semaphore_offset)
		strbuf_printf(out, " semaphore=0x%llx", (unsigned long long)d->semaphore_offset);
}

/* @perf("NAME"): the counter probe NAME must count this probe's executable. */
static void perf_use(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	const char *name = e->u.str.val;
	struct derived_probe *c = perf_counter_probe(E->prog, name);
	if (!c) {
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
			   "no perf counter named '%s' (define one with "
			   "perf.TYPE.process(\"PATH\").counter(\"%s\"))", name, name);
		return;
	}
	const struct perf_data *d = c->family_data;
	const struct process_data *pd = dp->family_data;
	const char *mine = pd->exe ? pd->exe : pd->path;
	if (!d->process || !mine || strcmp(d->process, mine) != 0) {
		diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
			   "perf counter '%s' counts %s%s%s, not this probe's process", name,
			   d->process ? "process \"" : "every process",
			   d->process ? d->process : "", d->process ? "\"" : "");
		return;
	}
	if (dp->uses_target_vars == false)
		dp->uses_target_vars = true;
}

/* The uprobe at a function's entry (after its prologue, where DWARF's
 * parameter locations hold) that saves a .return probe's entry values
 * (elab/entry.c). */
static void *entry_twin(struct elab *E, const struct derived_probe *ret)
{
	const struct process_data *r = ret->family_data;
	if (r->kind != PROCESS_UPROBE) {
		diag_error(E->diag, D_SEM_TARGET_VAR, ret->tok,
			   "probe %s: @entry is only available in .return probes of functions",
			   ret->pp);
		return NULL;
	}
	struct process_data *d = arena_new_obj(E->arena, struct process_data);
	*d = *r;
	d->is_return = false;
	d->offset = r->entry_offset;
	d->vaddr = r->entry_vaddr;
	return d;
}

static struct udwarf *cast_dwarf(struct elab *E, struct derived_probe *dp, bool *user,
			     const char **file)
{
	const struct process_data *d = dp->family_data;
	*user = true;
	*file = d->path;
	return d->kind == PROCESS_UPROBE && !d->absolute ? dwarf_for(E, d) : NULL;
}

const struct probe_family process_family = {
	.name = "process",
	.patterns = patterns,
	.build = build,
	.target_var = target_var,
	.cast_dwarf = cast_dwarf,
	.perf_use = perf_use,
	.entry_twin = entry_twin,
	.list_vars = list_vars,
	.dump_comment = dump_comment,
	.unprivileged = true,
	.bpf = &process_bpf_hooks,
	.kmod = &process_kmod_hooks,
};
