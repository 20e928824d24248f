/*
 * udwarf: DWARF of user-space files (see udwarf.h).
 *
 * Types are followed in the DWARF itself (no conversion): a walk state is
 * a type DIE plus whether the current value is an object's address (an
 * aggregate in memory) or the value itself.  Type names are spelled the
 * way SystemTap's -L spells them: "char const*", "long int",
 * "struct point", "int[4]".
 */
#include "probes/udwarf.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "util/arena.h"
#include "util/similar.h"
#include "util/strbuf.h"

struct udwarf {
	char *path, *debug_path;
	int fd, dfd;
	Elf *elf, *delf;
	Dwarf *dw;
	Dwarf_CFI *cfi_eh, *cfi_debug;
};

static struct udwarf *cached;

static void udwarf_close(struct udwarf *u)
{
	if (!u)
		return;
	if (u->dw)
		dwarf_end(u->dw);
	if (u->cfi_eh)
		dwarf_cfi_end(u->cfi_eh);
	if (u->delf && u->delf != u->elf)
		elf_end(u->delf);
	if (u->elf)
		elf_end(u->elf);
	if (u->dfd >= 0 && u->dfd != u->fd)
		close(u->dfd);
	if (u->fd >= 0)
		close(u->fd);
	free(u->path);
	free(u->debug_path);
	free(u);
}

/* path: the ELF (for .eh_frame); debug_path: where DWARF is (NULL = path). */
struct udwarf *udwarf_open(const char *path, const char *debug_path)
{
	const char *dp = debug_path ? debug_path : path;
	if (cached && !strcmp(cached->path, path) && !strcmp(cached->debug_path, dp))
		return cached->dw ? cached : NULL;
	udwarf_close(cached);
	struct udwarf *u = xcalloc(1, sizeof(*u));
	cached = u;
	u->path = xstrdup(path);
	u->debug_path = xstrdup(dp);
	u->fd = open(path, O_RDONLY | O_CLOEXEC);
	u->dfd = strcmp(dp, path) ? open(dp, O_RDONLY | O_CLOEXEC) : u->fd;
	if (u->fd < 0 || u->dfd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	u->elf = elf_begin(u->fd, ELF_C_READ_MMAP, NULL);
	u->delf = u->dfd == u->fd ? u->elf : elf_begin(u->dfd, ELF_C_READ_MMAP, NULL);
	if (!u->elf || !u->delf)
		return NULL;
	u->dw = dwarf_begin_elf(u->delf, DWARF_C_READ, NULL);
	if (!u->dw)
		return NULL;
	u->cfi_eh = dwarf_getcfi_elf(u->elf);
	u->cfi_debug = dwarf_getcfi(u->dw);
	return u;
}

/* ------------------------------------------------------------ types */

static bool die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

/* typedef/const/volatile peeled; false for void */
static bool peel(Dwarf_Die *t, Dwarf_Die *out)
{
	Dwarf_Die cur = *t;
	for (int i = 0; i < 64; i++) {
		int tag = dwarf_tag(&cur);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_restrict_type && tag != DW_TAG_atomic_type) {
			*out = cur;
			return true;
		}
		if (!die_type(&cur, &cur))
			return false;
	}
	return false;
}

static void type_name_into(Dwarf_Die *t, struct strbuf *sb, int depth)
{
	if (!t || depth > 16) {
		strbuf_puts(sb, "void");
		return;
	}
	Dwarf_Die inner;
	bool has = die_type(t, &inner);
	const char *name = dwarf_diename(t);
	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		strbuf_puts(sb, dwarf_tag(t) == DW_TAG_pointer_type ? "*" : "&");
		return;
	case DW_TAG_const_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		strbuf_puts(sb, " const");
		return;
	case DW_TAG_volatile_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		strbuf_puts(sb, " volatile");
		return;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		return;
	case DW_TAG_structure_type:
		strbuf_printf(sb, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_class_type:
		strbuf_printf(sb, "class %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		strbuf_printf(sb, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		strbuf_printf(sb, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_array_type: {
		type_name_into(has ? &inner : NULL, sb, depth + 1);
		Dwarf_Die sub;
		if (dwarf_child(t, &sub) == 0) {
			do {
				Dwarf_Attribute a;
				Dwarf_Word n = 0;
				if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formudata(&a, &n) == 0)
					strbuf_printf(sb, "[%llu]", (unsigned long long)n);
				else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) &&
					 dwarf_formudata(&a, &n) == 0)
					strbuf_printf(sb, "[%llu]", (unsigned long long)n + 1);
				else
					strbuf_puts(sb, "[]");
			} while (dwarf_siblingof(&sub, &sub) == 0);
		}
		return;
	}
	case DW_TAG_subroutine_type:
		strbuf_puts(sb, "func");
		return;
	default:
		strbuf_puts(sb, name ? name : "void");
	}
}

static const char *type_name(struct elab *E, Dwarf_Die *t)
{
	struct strbuf sb = STRBUF_INIT;
	type_name_into(t, &sb, 0);
	const char *r = arena_strdup(E->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

/* size and signedness of a scalar (base, enum, pointer); false otherwise */
static bool scalar(Dwarf_Die *t, uint32_t *size, bool *is_signed)
{
	Dwarf_Die p;
	if (!peel(t, &p))
		return false;
	Dwarf_Word sz = 0;
	int tag = dwarf_tag(&p);
	if (tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type ||
	    tag == DW_TAG_rvalue_reference_type) {
		*size = 8;
		*is_signed = false;
		return true;
	}
	if (tag != DW_TAG_base_type && tag != DW_TAG_enumeration_type)
		return false;
	if (dwarf_aggregate_size(&p, &sz) != 0 || sz == 0 || sz > 8)
		return false;
	*size = (uint32_t)sz;
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	if (tag == DW_TAG_base_type && dwarf_attr(&p, DW_AT_encoding, &a))
		dwarf_formudata(&a, &enc);
	*is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char ||
		     (tag == DW_TAG_enumeration_type);
	if (enc == DW_ATE_float)
		return false;
	return true;
}

/* ------------------------------------------------------------ functions */

static bool optimized_cu(Dwarf_Die *cu)
{
	Dwarf_Attribute a;
	const char *prod = dwarf_attr(cu, DW_AT_producer, &a) ? dwarf_formstring(&a) : NULL;
	if (!prod)
		return false;
	for (const char *p = strstr(prod, " -O"); p; p = strstr(p + 1, " -O"))
		if (p[3] != '0')
			return true;
	return false;
}

/* Second line-table row of the function: where gcc marks the prologue's end. */
static uint64_t after_prologue(Dwarf_Die *cu, uint64_t low, uint64_t high)
{
	Dwarf_Lines *lines;
	size_t n;
	if (dwarf_getsrclines(cu, &lines, &n) != 0)
		return low;
	uint64_t best = 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr a;
		bool stmt = false;
		if (!l || dwarf_lineaddr(l, &a) != 0 || dwarf_linebeginstatement(l, &stmt) != 0)
			continue;
		if (stmt && a > low && a < high && (!best || a < best))
			best = a;
	}
	return best ? best : low;
}

struct fctx {
	struct udwarf *dw;
	struct elab *E;
	bool inlines;
	void (*cb)(void *, const struct udwarf_func *);
	void *ctx;
	Dwarf_Die *cu;
	bool optimized;
};

static void fill_common(struct fctx *c, Dwarf_Die *die, Dwarf_Die *origin, struct udwarf_func *f)
{
	const char *n = dwarf_diename(origin);
	f->name = n ? arena_strdup(c->E->arena, n) : "";
	Dwarf_Attribute a;
	const char *ln = dwarf_attr_integrate(origin, DW_AT_linkage_name, &a) ? dwarf_formstring(&a)
									     : NULL;
	f->linkage = ln ? arena_strdup(c->E->arena, ln) : NULL;
	const char *file = dwarf_decl_file(origin);
	f->decl_file = file ? arena_strdup(c->E->arena, file) : NULL;
	dwarf_decl_line(origin, &f->decl_line);
	f->die_offset = dwarf_dieoffset(die);
	f->cu_offset = dwarf_dieoffset(c->cu);
	f->external = dwarf_hasattr_integrate(origin, DW_AT_external);
	Dwarf_Die rt;
	f->has_return_value = die_type(origin, &rt);
}

static int each_inline(Dwarf_Die *inst, void *arg)
{
	struct fctx *c = arg;
	Dwarf_Addr pc;
	if (dwarf_entrypc(inst, &pc) != 0 && dwarf_lowpc(inst, &pc) != 0)
		return DWARF_CB_OK;
	Dwarf_Die origin;
	Dwarf_Attribute a;
	if (!dwarf_attr(inst, DW_AT_abstract_origin, &a) || !dwarf_formref_die(&a, &origin))
		return DWARF_CB_OK;
	struct udwarf_func f = { 0 };
	fill_common(c, inst, &origin, &f);
	f.entry = f.probe_pc = pc;
	f.is_inline = true;
	c->cb(c->ctx, &f);
	return DWARF_CB_OK;
}

static int each_func(Dwarf_Die *die, void *arg)
{
	struct fctx *c = arg;
	if (dwarf_func_inline(die)) {
		if (c->inlines)
			dwarf_func_inline_instances(die, each_inline, c);
		/* an inline function may also have an out-of-line copy: below */
	}
	Dwarf_Addr low, high;
	if (dwarf_lowpc(die, &low) != 0 || dwarf_highpc(die, &high) != 0)
		return DWARF_CB_OK;
	Dwarf_Die origin = *die;
	Dwarf_Attribute a;
	if (dwarf_attr(die, DW_AT_abstract_origin, &a))
		dwarf_formref_die(&a, &origin);
	else if (dwarf_attr(die, DW_AT_specification, &a))
		dwarf_formref_die(&a, &origin);
	struct udwarf_func f = { 0 };
	fill_common(c, die, &origin, &f);
	f.entry = low;
	f.probe_pc = c->optimized ? low : after_prologue(c->cu, low, high);
	c->cb(c->ctx, &f);
	return DWARF_CB_OK;
}

void udwarf_functions(struct udwarf *dw, struct elab *E, bool inlines,
		      void (*cb)(void *ctx, const struct udwarf_func *f), void *ctx)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw->dw, off + hsize, &cu)) {
			struct fctx c = { dw, E, inlines, cb, ctx, &cu, optimized_cu(&cu) };
			dwarf_getfuncs(&cu, each_func, &c, 0);
		}
		off = next;
	}
}

static bool file_matches(const char *have, const char *want)
{
	if (!want)
		return true;
	size_t h = strlen(have), w = strlen(want);
	if (fnmatch(want, have, 0) == 0)
		return true;
	if (h >= w && !strcmp(have + h - w, want) && (h == w || have[h - w - 1] == '/'))
		return true;
	char *glob = xmalloc(w + 3);
	strcpy(glob, "*/");
	strcat(glob, want);
	bool ok = fnmatch(glob, have, 0) == 0;
	free(glob);
	return ok;
}

int udwarf_line_addrs(struct udwarf *dw, const char *file, int line, uint64_t *out, int max)
{
	int count = 0;
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		size_t n;
		if (dwarf_offdie(dw->dw, off + hsize, &cu) && dwarf_getsrclines(&cu, &lines, &n) == 0) {
			bool in_run = false;
			for (size_t i = 0; i < n; i++) {
				Dwarf_Line *l = dwarf_onesrcline(lines, i);
				int ln;
				Dwarf_Addr a;
				bool stmt = false, end = false;
				const char *src = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
				if (!src || dwarf_lineno(l, &ln) != 0 || dwarf_lineaddr(l, &a) != 0)
					continue;
				dwarf_linebeginstatement(l, &stmt);
				dwarf_lineendsequence(l, &end);
				bool hit = !end && ln == line && file_matches(src, file);
				if (hit && stmt && !in_run && count < max) {
					bool dup = false;
					for (int k = 0; k < count; k++)
						dup |= out[k] == a;
					if (!dup)
						out[count++] = a;
				}
				in_run = hit;
			}
		}
		off = next;
	}
	return count;
}

uint64_t udwarf_func_at(struct udwarf *dw, uint64_t pc)
{
	Dwarf_Die cu, *scopes = NULL;
	if (!dwarf_addrdie(dw->dw, pc, &cu))
		return 0;
	int n = dwarf_getscopes(&cu, pc, &scopes);
	uint64_t off = 0;
	for (int i = 0; i < n && !off; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
			off = dwarf_dieoffset(&scopes[i]);
	}
	free(scopes);
	return off;
}

bool udwarf_in_prologue(struct udwarf *dw, uint64_t die_offset, uint64_t pc)
{
	Dwarf_Die fn, cu;
	Dwarf_Addr low, high;
	if (!dwarf_offdie(dw->dw, die_offset, &fn) || dwarf_tag(&fn) != DW_TAG_subprogram ||
	    !dwarf_diecu(&fn, &cu, NULL, NULL) || optimized_cu(&cu) ||
	    dwarf_lowpc(&fn, &low) != 0 || dwarf_highpc(&fn, &high) != 0)
		return false;
	return pc < after_prologue(&cu, low, high);
}

bool udwarf_addr_line(struct udwarf *dw, struct elab *E, uint64_t pc, const char **file, int *line)
{
	Dwarf_Die cu;
	if (!dwarf_addrdie(dw->dw, pc, &cu))
		return false;
	Dwarf_Line *l = dwarf_getsrc_die(&cu, pc);
	const char *src = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
	if (!src || dwarf_lineno(l, line) != 0)
		return false;
	*file = arena_strdup(E->arena, src);
	return true;
}

/* ------------------------------------------------------------ variables */

struct scope {
	Dwarf_Die *scopes;
	int n;
	int func;                 /* index of the function (or inline instance) scope */
};

/* Scopes at pc, from innermost to the function die_offset. */
static bool scopes_at(struct udwarf *dw, uint64_t die_offset, uint64_t pc, struct scope *s)
{
	Dwarf_Die fn;
	if (!dwarf_offdie(dw->dw, die_offset, &fn))
		return false;
	Dwarf_Die cu;
	if (!dwarf_diecu(&fn, &cu, NULL, NULL))
		return false;
	s->n = dwarf_getscopes(&cu, pc, &s->scopes);
	s->func = -1;
	for (int i = 0; i < s->n; i++)
		if (dwarf_dieoffset(&s->scopes[i]) == die_offset)
			s->func = i;
	if (s->func < 0) {
		free(s->scopes);
		/* pc outside the function (a .return's entry pc is inside) */
		s->n = dwarf_getscopes_die(&fn, &s->scopes);
		s->func = 0;
		return s->n > 0;
	}
	return true;
}

typedef bool (*var_cb)(void *ctx, Dwarf_Die *var, bool is_param);

/* Every variable/parameter of the scopes, innermost first. */
static void each_var(struct scope *s, bool only_params, bool only_locals, var_cb cb, void *ctx)
{
	for (int i = 0; i <= s->func && i < s->n; i++) {
		Dwarf_Die child;
		if (dwarf_child(&s->scopes[i], &child) != 0)
			continue;
		do {
			int tag = dwarf_tag(&child);
			bool param = tag == DW_TAG_formal_parameter;
			if (!param && tag != DW_TAG_variable)
				continue;
			if ((only_params && !param) || (only_locals && param))
				continue;
			if (!dwarf_diename(&child))
				continue;
			if (!cb(ctx, &child, param))
				return;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
}

struct vloc {
	bool in_register;         /* the value itself is in register `reg` */
	bool absolute;            /* memory at `addr` */
	int reg;
	int64_t offset;           /* memory at reg + offset */
	uint64_t addr;
	const char *why;
};

static bool cfa_at(struct udwarf *dw, uint64_t pc, int *reg, int64_t *off)
{
	Dwarf_CFI *cfis[2] = { dw->cfi_eh, dw->cfi_debug };
	for (int k = 0; k < 2; k++) {
		Dwarf_Frame *frame = NULL;
		if (!cfis[k] || dwarf_cfi_addrframe(cfis[k], pc, &frame) != 0)
			continue;
		Dwarf_Op *ops;
		size_t nops;
		bool ok = false;
		if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1) {
			if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
				*reg = ops[0].atom - DW_OP_breg0;
				*off = (int64_t)ops[0].number;
				ok = true;
			} else if (ops[0].atom == DW_OP_bregx) {
				*reg = (int)ops[0].number;
				*off = (int64_t)ops[0].number2;
				ok = true;
			}
		}
		free(frame);
		if (ok)
			return true;
	}
	return false;
}

static bool frame_base(struct udwarf *dw, Dwarf_Die *fn, uint64_t pc, struct vloc *l)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	if (!dwarf_attr_integrate(fn, DW_AT_frame_base, &a) ||
	    dwarf_getlocation_addr(&a, pc, &ops, &n, 1) != 1 || n != 1)
		return false;
	unsigned atom = ops[0].atom;
	if (atom == DW_OP_call_frame_cfa)
		return cfa_at(dw, pc, &l->reg, &l->offset);
	if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
		l->reg = (int)(atom - DW_OP_breg0);
		l->offset = (int64_t)ops[0].number;
		return true;
	}
	if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
		l->reg = (int)(atom - DW_OP_reg0);
		l->offset = 0;
		return true;
	}
	return false;
}

static bool locate(struct udwarf *dw, Dwarf_Die *fn, Dwarf_Die *var, uint64_t pc, bool et_exec,
		   struct vloc *l)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	memset(l, 0, sizeof(*l));
	if (!dwarf_attr_integrate(var, DW_AT_location, &a)) {
		l->why = "it has no location (optimized out)";
		return false;
	}
	int r = dwarf_getlocation_addr(&a, pc, &ops, &n, 1);
	if (r != 1 || n == 0) {
		l->why = "not accessible at this address";
		return false;
	}
	unsigned atom = ops[0].atom;
	if (n == 1 && atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
		l->in_register = true;
		l->reg = (int)(atom - DW_OP_reg0);
		return true;
	}
	if (n == 1 && atom == DW_OP_regx) {
		l->in_register = true;
		l->reg = (int)ops[0].number;
		return true;
	}
	if (n == 1 && atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
		l->reg = (int)(atom - DW_OP_breg0);
		l->offset = (int64_t)ops[0].number;
		return true;
	}
	if (n == 1 && atom == DW_OP_fbreg) {
		if (!frame_base(dw, fn, pc, l)) {
			l->why = "its frame base is not accessible at this address";
			return false;
		}
		l->offset += (int64_t)ops[0].number;
		return true;
	}
	if (n == 1 && atom == DW_OP_addr) {
		if (!et_exec) {
			l->why = "it is a static variable of a position-independent file, "
				 "which ctap does not relocate";
			return false;
		}
		l->absolute = true;
		l->addr = ops[0].number;
		return true;
	}
	l->why = "its location is too complex (pieces, computed values or entry values)";
	return false;
}

/* ------------------------------------------------------------ walking */

static struct access_step *add_step(struct elab *E, struct target_access *acc)
{
	struct access_step *n = arena_alloc(E->arena, sizeof(*n) * (acc->nsteps + 1));
	if (acc->nsteps)
		memcpy(n, acc->steps, sizeof(*n) * acc->nsteps);
	acc->steps = n;
	return &n[acc->nsteps++];
}

static void walk_error(struct elab *E, const struct token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void walk_error(struct elab *E, const struct token *tok, const char *fmt, ...)
{
	if (E->quiet_targets)
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	diag_error(E->diag, D_SEM_TARGET_VAR, tok, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

struct walk {
	Dwarf_Die type;
	bool has_type;            /* false: void */
	bool is_address;          /* the value is the address of an object of `type` */
};

/* After a step that computed an object's address: load scalars, keep
 * aggregates as addresses. */
static void land(struct access_step *s, struct walk *w, Dwarf_Die *type)
{
	uint32_t size;
	bool sign;
	w->type = *type;
	w->has_type = true;
	if (scalar(type, &size, &sign)) {
		s->load_size = size;
		s->load_signed = sign;
		w->is_address = false;
	} else {
		s->load_size = 0;
		w->is_address = true;
	}
}

static bool find_member(Dwarf_Die *st, const char *name, uint64_t *off, Dwarf_Die *mem, int depth)
{
	Dwarf_Die c;
	if (depth > 8 || dwarf_child(st, &c) != 0)
		return false;
	do {
		if (dwarf_tag(&c) != DW_TAG_member && dwarf_tag(&c) != DW_TAG_inheritance)
			continue;
		Dwarf_Attribute a;
		Dwarf_Word moff = 0;
		if (dwarf_attr_integrate(&c, DW_AT_data_member_location, &a))
			dwarf_formudata(&a, &moff);
		const char *n = dwarf_diename(&c);
		if (n && !strcmp(n, name)) {
			*off = moff;
			*mem = c;
			return true;
		}
		if (!n) {
			Dwarf_Die t, p;
			if (die_type(&c, &t) && peel(&t, &p) &&
			    find_member(&p, name, off, mem, depth + 1)) {
				*off += moff;
				return true;
			}
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static void offer_members(Dwarf_Die *st, struct similar *sim)
{
	Dwarf_Die c;
	if (dwarf_child(st, &c) != 0)
		return;
	do {
		const char *n = dwarf_diename(&c);
		if (dwarf_tag(&c) == DW_TAG_member && n)
			similar_offer(sim, n);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static bool walk_member(struct elab *E, struct walk *w, const struct target_comp *c,
			struct target_access *acc)
{
	Dwarf_Die p = w->type, st;
	bool ok = w->has_type && peel(&w->type, &p);
	if (ok && !w->is_address && dwarf_tag(&p) == DW_TAG_pointer_type) {
		Dwarf_Die pointee;
		ok = die_type(&p, &pointee) && peel(&pointee, &st);
	} else {
		st = p;
		ok = ok && w->is_address;
	}
	int tag = ok ? dwarf_tag(&st) : 0;
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type && tag != DW_TAG_class_type) {
		walk_error(E, c->tok, "invalid access '->%s' vs '%s'", c->name,
			   w->has_type ? type_name(E, &w->type) : "void");
		return false;
	}
	uint64_t off;
	Dwarf_Die mem, mtype;
	if (!find_member(&st, c->name, &off, &mem, 0) || !die_type(&mem, &mtype)) {
		if (!E->quiet_targets) {
			struct similar sim;
			similar_init(&sim, c->name);
			offer_members(&st, &sim);
			struct strbuf sb = STRBUF_INIT;
			strbuf_printf(&sb, "unable to find member '%s' for %s", c->name,
				      type_name(E, &st));
			similar_append(&sim, &sb, "alternatives");
			walk_error(E, c->tok, "%s", strbuf_str(&sb));
			strbuf_free(&sb);
		}
		return false;
	}
	struct access_step *s = add_step(E, acc);
	Dwarf_Attribute a;
	Dwarf_Word bits = 0, bitoff = 0;
	if (dwarf_attr_integrate(&mem, DW_AT_bit_size, &a) && dwarf_formudata(&a, &bits) == 0 &&
	    bits) {
		uint32_t size;
		bool sign;
		if (!scalar(&mtype, &size, &sign))
			size = 4, sign = false;
		if (dwarf_attr_integrate(&mem, DW_AT_data_bit_offset, &a))
			dwarf_formudata(&a, &bitoff);
		else
			bitoff = off * 8;
		uint64_t unit = size * 8;
		s->offset = (int64_t)((bitoff / unit) * size);
		s->bit_offset = (uint8_t)(bitoff % unit);
		s->bit_size = (uint8_t)bits;
		s->load_size = size;
		s->load_signed = sign;
		w->type = mtype;
		w->is_address = false;
		return true;
	}
	s->offset = (int64_t)off;
	land(s, w, &mtype);
	return true;
}

static bool walk_index(struct elab *E, struct walk *w, const struct target_comp *c,
		       struct target_access *acc)
{
	Dwarf_Die p, elem;
	bool ok = w->has_type && peel(&w->type, &p);
	int tag = ok ? dwarf_tag(&p) : 0;
	if (!(tag == DW_TAG_pointer_type && !w->is_address) &&
	    !(tag == DW_TAG_array_type && w->is_address))
		ok = false;
	if (!ok || !die_type(&p, &elem)) {
		walk_error(E, c->tok, "invalid access '[...]' vs '%s'",
			   w->has_type ? type_name(E, &w->type) : "void");
		return false;
	}
	Dwarf_Word esize = 0;
	Dwarf_Die pe;
	if (!peel(&elem, &pe) || dwarf_aggregate_size(&pe, &esize) != 0 || !esize) {
		walk_error(E, c->tok, "cannot index an array of '%s' (size unknown)",
			   type_name(E, &elem));
		return false;
	}
	struct access_step *s = add_step(E, acc);
	if (c->kind == TCOMP_INDEX_NUM)
		s->offset = c->num * (int64_t)esize;
	else
		s->index = c->index;
	s->elem_size = (uint32_t)esize;
	land(s, w, &elem);
	return true;
}

static bool walk_comps(struct elab *E, struct walk *w, struct expr *e, struct target_access *acc)
{
	const target_comp_vec *comps = &e->u.target.comps;
	for (uint32_t i = 0; i < comps->len; i++) {
		const struct target_comp *c = &comps->items[i];
		bool ok = true;
		switch (c->kind) {
		case TCOMP_MEMBER:
			ok = walk_member(E, w, c, acc);
			break;
		case TCOMP_INDEX_NUM:
		case TCOMP_INDEX_EXPR:
			ok = walk_index(E, w, c, acc);
			break;
		case TCOMP_PRETTY:
		case TCOMP_PRETTY_DEEP:
			walk_error(E, c->tok, "pretty-printing user-space values ($ and $$ "
				   "suffixes) is not supported yet");
			return false;
		}
		if (!ok)
			return false;
	}
	acc->ctype = w->has_type ? type_name(E, &w->type) : "void";
	acc->is_address = w->is_address;
	if (e->u.target.addressof) {
		if (!acc->nsteps || acc->steps[acc->nsteps - 1].bit_size) {
			walk_error(E, e->tok, "cannot take the address of this expression");
			return false;
		}
		acc->steps[acc->nsteps - 1].load_size = 0;
		acc->is_address = true;
		return true;
	}
	if (w->is_address) {
		Dwarf_Die p;
		int tag = w->has_type && peel(&w->type, &p) ? dwarf_tag(&p) : 0;
		if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
		    tag == DW_TAG_class_type) {
			walk_error(E, e->tok, "'%s' is a struct or union, not a value (use ->member)",
				   acc->ctype);
			return false;
		}
	}
	return true;
}

struct find {
	const char *name;
	Dwarf_Die die;
	bool found;
};

static bool find_cb(void *ctx, Dwarf_Die *var, bool is_param)
{
	(void)is_param;
	struct find *f = ctx;
	if (strcmp(dwarf_diename(var), f->name) != 0)
		return true;
	f->die = *var;
	f->found = true;
	return false;
}

struct names {
	struct strbuf *sb;
};

static bool names_cb(void *ctx, Dwarf_Die *var, bool is_param)
{
	(void)is_param;
	struct names *n = ctx;
	strbuf_printf(n->sb, "%s$%s", n->sb->len ? " " : "", dwarf_diename(var));
	return true;
}

const char *udwarf_var_names(struct udwarf *dw, struct elab *E, uint64_t die_offset,
			     uint64_t pc, bool only_params, bool only_locals)
{
	struct scope s;
	if (!scopes_at(dw, die_offset, pc, &s))
		return "";
	struct strbuf sb = STRBUF_INIT;
	struct names n = { &sb };
	each_var(&s, only_params, only_locals, names_cb, &n);
	free(s.scopes);
	const char *r = arena_strdup(E->arena, strbuf_str(&sb));
	strbuf_free(&sb);
	return r;
}

bool udwarf_resolve(struct elab *E, struct udwarf *dw, uint64_t die_offset, uint64_t pc,
		    bool et_exec, bool only_params, struct expr *e, struct target_access *acc)
{
	const char *name = e->u.target.name;
	if (name[0] == '$')
		name++;
	struct scope s;
	if (!scopes_at(dw, die_offset, pc, &s)) {
		walk_error(E, e->tok, "unable to find local '%s', [man error::dwarf] (no scope)", name);
		return false;
	}
	struct find f = { .name = name };
	each_var(&s, only_params, false, find_cb, &f);
	Dwarf_Die fn = s.scopes[s.func];
	if (!f.found) {
		free(s.scopes);
		walk_error(E, e->tok, "unable to find local '%s', [man error::dwarf] (alternatives: %s)",
			   name, udwarf_var_names(dw, E, die_offset, pc, only_params, false));
		return false;
	}
	struct vloc l;
	bool ok = locate(dw, &fn, &f.die, pc, et_exec, &l);
	free(s.scopes);
	if (!ok) {
		walk_error(E, e->tok, "not accessible at this address (pc: 0x%llx): '%s': %s "
			   "[man error::dwarf]", (unsigned long long)pc, name, l.why);
		return false;
	}
	struct walk w = { 0 };
	w.has_type = die_type(&f.die, &w.type);
	acc->user = true;
	uint32_t size = 8;
	bool sign = false;
	bool is_scalar = w.has_type && scalar(&w.type, &size, &sign);
	if (l.in_register) {
		if (!is_scalar) {
			walk_error(E, e->tok, "not accessible at this address (pc: 0x%llx): '%s' is "
				   "an aggregate held in registers [man error::dwarf]",
				   (unsigned long long)pc, name);
			return false;
		}
		acc->base = ACCESS_REGISTER;
		acc->index = l.reg;
		acc->base_size = size;
		acc->base_signed = sign;
		if (e->u.target.addressof && !e->u.target.comps.len) {
			walk_error(E, e->tok, "cannot take the address of '%s': it is in a register",
				   e->u.target.name);
			return false;
		}
	} else {
		if (l.absolute) {
			acc->base = ACCESS_SYMBOL;
			acc->symbol = arena_strdup(E->arena, name);
			acc->symbol_addr = l.addr;
		} else {
			acc->base = ACCESS_REGISTER;
			acc->index = l.reg;
		}
		acc->base_size = 8;
		struct access_step *st = add_step(E, acc);
		st->offset = l.absolute ? 0 : l.offset;
		if (w.has_type)
			land(st, &w, &w.type);
	}
	return walk_comps(E, &w, e, acc);
}

bool udwarf_return(struct elab *E, struct udwarf *dw, uint64_t die_offset, struct expr *e,
		   struct target_access *acc)
{
	Dwarf_Die fn, origin;
	if (!dwarf_offdie(dw->dw, die_offset, &fn))
		return false;
	origin = fn;
	Dwarf_Attribute a;
	if (dwarf_attr(&fn, DW_AT_abstract_origin, &a))
		dwarf_formref_die(&a, &origin);
	struct walk w = { 0 };
	if (!die_type(&origin, &w.type))
		return false;
	w.has_type = true;
	uint32_t size;
	bool sign;
	if (!scalar(&w.type, &size, &sign)) {
		walk_error(E, e->tok, "$return of type '%s' is not a scalar: not accessible",
			   type_name(E, &w.type));
		acc->ctype = NULL;
		return true;
	}
	acc->base = ACCESS_RETURN;
	acc->base_size = size;
	acc->base_signed = sign;
	acc->user = true;
	if (e->u.target.addressof && !e->u.target.comps.len) {
		walk_error(E, e->tok, "cannot take the address of $return: it is a register");
		acc->ctype = NULL;
		return true;
	}
	if (!walk_comps(E, &w, e, acc))
		acc->ctype = NULL;
	return true;
}

struct listing {
	struct udwarf *dw;
	struct elab *E;
	Dwarf_Die fn;
	uint64_t pc;
	bool et_exec;
	struct strbuf *out;
};

static bool list_cb(void *ctx, Dwarf_Die *var, bool is_param)
{
	(void)is_param;
	struct listing *L = ctx;
	struct vloc l;
	if (!locate(L->dw, &L->fn, var, L->pc, L->et_exec, &l))
		return true;
	Dwarf_Die t;
	bool has = die_type(var, &t);
	uint32_t size;
	bool sign;
	if (l.in_register && !(has && scalar(&t, &size, &sign)))
		return true; /* an aggregate in registers: not readable */
	strbuf_printf(L->out, " $%s:%s", dwarf_diename(var), has ? type_name(L->E, &t) : "void");
	return true;
}

void udwarf_list_vars(struct udwarf *dw, struct elab *E, uint64_t die_offset, uint64_t pc,
		      bool et_exec, bool ret, bool only_params, struct strbuf *out)
{
	struct scope s;
	if (!scopes_at(dw, die_offset, pc, &s))
		return;
	if (ret) {
		Dwarf_Die fn = s.scopes[s.func], origin = fn, t;
		Dwarf_Attribute a;
		if (dwarf_attr(&fn, DW_AT_abstract_origin, &a))
			dwarf_formref_die(&a, &origin);
		if (die_type(&origin, &t))
			strbuf_printf(out, " $return:%s", type_name(E, &t));
	}
	struct listing L = { dw, E, s.scopes[s.func], pc, et_exec, out };
	each_var(&s, only_params, false, list_cb, &L);
	free(s.scopes);
}
