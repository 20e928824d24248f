/*
 * import: BPF functions from an ELF object made by clang (see import.h).
 *
 * import_open reads the object with libelf and libbpf's BTF parser into a
 * table of functions (instruction range, arguments, frame) and of
 * relocations (instruction, kind, target function or extern name), and
 * checks every instruction that names something: after it succeeds,
 * import_func only copies and binds.  Relocation arithmetic follows
 * libbpf's (bpf_object__reloc_code): a call's target is st_value/8 + imm
 * + 1 of the relocation's symbol, a function address's (st_value + imm)/8.
 */
#include "bpfmc/import.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include "bpfmc/ir.h"
#include "diag/diag.h"
#include "util/arena.h"
#include "util/strbuf.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif
#ifndef R_BPF_64_64
#define R_BPF_64_64 1
#endif
#ifndef R_BPF_64_32
#define R_BPF_64_32 10
#endif

enum imp_kind { IMP_CALL, IMP_FUNC, IMP_EXTERN };

struct imp_rel {
	uint32_t insn;             /* in .text */
	enum imp_kind kind;
	uint32_t target;           /* CALL, FUNC: function index */
	const char *sym;           /* EXTERN */
	int32_t addend;            /* EXTERN: bytes past the symbol */
};

struct imp_func {
	const char *name;
	uint32_t start, len;       /* in .text, instructions */
	uint32_t nargs;
	uint32_t stack;
};

struct import_obj {
	const char *origin;
	const struct bpf_insn *text;
	uint32_t ntext;
	struct imp_func *funcs;
	uint32_t nfuncs;
	struct imp_rel *rels;      /* sorted by insn */
	uint32_t nrels;
};

struct parse {
	struct arena *a;
	struct diag_sink *diag;
	const char *origin;
	Elf *elf;
	size_t shstrndx;
	Elf_Scn *text, *symtab, *rel;
	size_t text_idx;
	Elf_Data *btf;
	struct import_obj *o;
};

static bool fail(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct parse *ps, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	diag_report(ps->diag, DIAG_SEMANTIC, D_INTERNAL, NULL,
		    "internal error in the BPF back end: BPF object '%s': %s", ps->origin,
		    strbuf_str(&sb));
	strbuf_free(&sb);
	return false;
}

static bool is_ld64(const struct bpf_insn *x)
{
	return x->code == (BPF_LD | BPF_DW | BPF_IMM);
}

static bool is_call(const struct bpf_insn *x)
{
	return x->code == (BPF_JMP | BPF_CALL);
}

static bool find_sections(struct parse *ps)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(ps->elf, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_BPF || eh.e_type != ET_REL)
		return fail(ps, "not a little-endian 64-bit BPF relocatable object");
	if (elf_getshdrstrndx(ps->elf, &ps->shstrndx))
		return fail(ps, "no section names: %s", elf_errmsg(-1));
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ps->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return fail(ps, "unreadable section header");
		const char *name = elf_strptr(ps->elf, ps->shstrndx, sh.sh_name);
		if (!name)
			name = "?";
		if ((sh.sh_flags & SHF_EXECINSTR) && sh.sh_size) {
			if (strcmp(name, ".text"))
				return fail(ps, "code in section '%s' (only .text is imported)", name);
			ps->text = scn;
			ps->text_idx = elf_ndxscn(scn);
		} else if ((sh.sh_flags & SHF_ALLOC) && sh.sh_size) {
			return fail(ps, "data section '%s' (helpers may have no data of their own)",
				    name);
		} else if (sh.sh_type == SHT_SYMTAB) {
			ps->symtab = scn;
		} else if (!strcmp(name, ".BTF")) {
			ps->btf = elf_getdata(scn, NULL);
		}
	}
	if (!ps->text || !ps->symtab)
		return fail(ps, "no .text or no symbol table");
	/* the relocations of .text, and no others that touch code */
	scn = NULL;
	while ((scn = elf_nextscn(ps->elf, scn))) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		if ((sh.sh_type != SHT_REL && sh.sh_type != SHT_RELA) || sh.sh_info != ps->text_idx)
			continue;
		if (sh.sh_type == SHT_RELA || ps->rel)
			return fail(ps, "unexpected relocation section for .text");
		ps->rel = scn;
	}
	return true;
}

/* Functions: FUNC symbols of .text, arguments from BTF. */
static bool read_funcs(struct parse *ps, Elf_Data *syms, size_t nsyms)
{
	struct import_obj *o = ps->o;
	if (!ps->btf)
		return fail(ps, "no .BTF section (build it with -g)");
	struct btf *btf = btf__new(ps->btf->d_buf, ps->btf->d_size);
	if (!btf)
		return fail(ps, "unreadable .BTF section");
	GElf_Shdr symsh;
	gelf_getshdr(ps->symtab, &symsh);
	o->funcs = arena_new_array(ps->a, struct imp_func, nsyms + 1);
	bool ok = true;
	for (size_t i = 0; i < nsyms && ok; i++) {
		GElf_Sym s;
		gelf_getsym(syms, (int)i, &s);
		if (GELF_ST_TYPE(s.st_info) != STT_FUNC)
			continue;
		const char *name = elf_strptr(ps->elf, symsh.sh_link, s.st_name);
		if (s.st_shndx != ps->text_idx || s.st_value % 8 || s.st_size % 8 || !s.st_size ||
		    (s.st_value + s.st_size) / 8 > o->ntext) {
			ok = fail(ps, "function '%s' is not a whole run of .text", name ? name : "?");
			break;
		}
		int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
		const struct btf_type *fn = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
		const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
		if (!proto || !btf_is_func_proto(proto)) {
			ok = fail(ps, "function '%s' has no prototype in BTF", name ? name : "?");
			break;
		}
		o->funcs[o->nfuncs++] = (struct imp_func){
			.name = arena_strdup(ps->a, name), .start = (uint32_t)(s.st_value / 8),
			.len = (uint32_t)(s.st_size / 8), .nargs = btf_vlen(proto) };
	}
	btf__free(btf);
	return ok;
}

static int32_t func_at(const struct import_obj *o, uint32_t insn, bool start_only)
{
	for (uint32_t i = 0; i < o->nfuncs; i++)
		if (start_only ? o->funcs[i].start == insn
			       : insn >= o->funcs[i].start && insn < o->funcs[i].start + o->funcs[i].len)
			return (int32_t)i;
	return -1;
}

static bool add_rel(struct parse *ps, struct imp_rel r)
{
	struct import_obj *o = ps->o;
	for (uint32_t i = 0; i < o->nrels; i++)
		if (o->rels[i].insn == r.insn)
			return fail(ps, "two relocations on instruction %u", r.insn);
	o->rels[o->nrels++] = r;
	return true;
}

/* A function target of instruction `insn`, as an index into funcs. */
static bool target_func(struct parse *ps, uint32_t insn, int64_t target, uint32_t *out)
{
	int32_t f = target >= 0 && target < ps->o->ntext ? func_at(ps->o, (uint32_t)target, true) : -1;
	if (f < 0)
		return fail(ps, "instruction %u refers to instruction %lld, not a function's start",
			    insn, (long long)target);
	*out = (uint32_t)f;
	return true;
}

static bool read_rels(struct parse *ps, Elf_Data *syms, size_t nsyms)
{
	struct import_obj *o = ps->o;
	GElf_Shdr symsh;
	gelf_getshdr(ps->symtab, &symsh);
	Elf_Data *rd = ps->rel ? elf_getdata(ps->rel, NULL) : NULL;
	size_t nrel = rd ? rd->d_size / sizeof(Elf64_Rel) : 0;
	o->rels = arena_new_array(ps->a, struct imp_rel, nrel + o->ntext + 1);
	for (size_t i = 0; i < nrel; i++) {
		GElf_Rel r;
		GElf_Sym s;
		gelf_getrel(rd, (int)i, &r);
		size_t si = GELF_R_SYM(r.r_info);
		uint32_t type = (uint32_t)GELF_R_TYPE(r.r_info);
		if (si >= nsyms || r.r_offset % 8 || r.r_offset / 8 >= o->ntext)
			return fail(ps, "relocation %zu is out of range", i);
		gelf_getsym(syms, (int)si, &s);
		const char *name = elf_strptr(ps->elf, symsh.sh_link, s.st_name);
		uint32_t at = (uint32_t)(r.r_offset / 8);
		const struct bpf_insn *x = &o->text[at];
		struct imp_rel rel = { .insn = at };
		bool in_text = s.st_shndx == ps->text_idx;
		if (type == R_BPF_64_32 && is_call(x) && x->src_reg == BPF_PSEUDO_CALL && in_text) {
			rel.kind = IMP_CALL;
			if (!target_func(ps, at, (int64_t)s.st_value / 8 + x->imm + 1, &rel.target))
				return false;
		} else if (type == R_BPF_64_64 && is_ld64(x) && at + 1 < o->ntext && in_text) {
			rel.kind = IMP_FUNC;
			if (!target_func(ps, at, ((int64_t)s.st_value + x->imm) / 8, &rel.target))
				return false;
		} else if (type == R_BPF_64_64 && is_ld64(x) && at + 1 < o->ntext &&
			   s.st_shndx == SHN_UNDEF && name && *name) {
			rel.kind = IMP_EXTERN;
			rel.sym = arena_strdup(ps->a, name);
			rel.addend = x->imm;
		} else {
			return fail(ps, "relocation of type %u against '%s' on instruction %u (code "
				    "%#x) is not one this back end resolves", type, name ? name : "?",
				    at, x->code);
		}
		if (!add_rel(ps, rel))
			return false;
	}
	return true;
}

static const struct imp_rel *rel_at(const struct import_obj *o, uint32_t insn)
{
	for (uint32_t i = 0; i < o->nrels; i++)
		if (o->rels[i].insn == insn)
			return &o->rels[i];
	return NULL;
}

/*
 * Per instruction of each function: jumps stay inside it, pseudo
 * instructions are relocated, pc-relative calls (static callees without a
 * relocation) become relocations, and the frame is measured: the deepest
 * r10-relative access, or address taken (rN = r10; rN += -K), is the
 * frame the verifier will count.
 */
static bool check_code(struct parse *ps, struct imp_func *f)
{
	struct import_obj *o = ps->o;
	int32_t derived[11];
	for (int r = 0; r < 11; r++)
		derived[r] = INT32_MIN;
	uint32_t end = f->start + f->len;
	for (uint32_t i = f->start; i < end; i++) {
		const struct bpf_insn *x = &o->text[i];
		uint8_t cls = BPF_CLASS(x->code);
		const struct imp_rel *rel = rel_at(o, i);
		if (is_ld64(x)) {
			if (x->src_reg != 0 || i + 1 >= end)
				return fail(ps, "'%s': pseudo load at instruction %u", f->name, i);
			derived[x->dst_reg] = INT32_MIN;
			i++;
			continue;
		}
		if (rel && !is_call(x))
			return fail(ps, "'%s': relocation on instruction %u", f->name, i);
		if (is_call(x)) {
			if (x->src_reg == BPF_PSEUDO_CALL && !rel) {
				struct imp_rel r = { .insn = i, .kind = IMP_CALL };
				if (!target_func(ps, i, (int64_t)i + x->imm + 1, &r.target) ||
				    !add_rel(ps, r))
					return false;
			} else if (x->src_reg != 0 && x->src_reg != BPF_PSEUDO_CALL) {
				return fail(ps, "'%s': call of kind %u at instruction %u (kfuncs are not "
					    "imported)", f->name, x->src_reg, i);
			}
			for (int r = 0; r <= 5; r++)
				derived[r] = INT32_MIN;
			continue;
		}
		if ((cls == BPF_JMP || cls == BPF_JMP32) && BPF_OP(x->code) != BPF_EXIT) {
			int64_t t = (int64_t)i + 1 + x->off;
			if (t < f->start || t >= end)
				return fail(ps, "'%s': jump out of the function at instruction %u",
					    f->name, i);
			continue;
		}
		if (cls == BPF_LDX || cls == BPF_STX || cls == BPF_ST) {
			uint8_t base = cls == BPF_LDX ? x->src_reg : x->dst_reg;
			int32_t off = base == BPF_REG_10 ? 0 : derived[base];
			if (off != INT32_MIN && off + x->off < 0 && (uint32_t)-(off + x->off) > f->stack)
				f->stack = (uint32_t)-(off + x->off);
			if (cls == BPF_LDX)
				derived[x->dst_reg] = INT32_MIN;
			continue;
		}
		if (cls == BPF_ALU64 || cls == BPF_ALU) {
			uint8_t op = BPF_OP(x->code), d = x->dst_reg;
			bool reg_src = BPF_SRC(x->code) == BPF_X;
			if (reg_src && x->src_reg == BPF_REG_10 && !(cls == BPF_ALU64 && op == BPF_MOV))
				return fail(ps, "'%s': arithmetic on r10 at instruction %u", f->name, i);
			if (cls == BPF_ALU64 && op == BPF_MOV && reg_src && x->src_reg == BPF_REG_10)
				derived[d] = 0;
			else if (cls == BPF_ALU64 && op == BPF_MOV && reg_src)
				derived[d] = derived[x->src_reg];
			else if (cls == BPF_ALU64 && op == BPF_ADD && !reg_src && derived[d] != INT32_MIN)
				derived[d] += x->imm;
			else
				derived[d] = INT32_MIN;
			if (derived[d] != INT32_MIN && derived[d] < 0 && (uint32_t)-derived[d] > f->stack)
				f->stack = (uint32_t)-derived[d];
			continue;
		}
	}
	if (f->stack > IR_STACK_MAX)
		return fail(ps, "'%s' uses %u bytes of stack", f->name, f->stack);
	return true;
}

struct import_obj *import_open(struct arena *a, struct diag_sink *diag, const char *origin,
			       const void *data, size_t size)
{
	struct parse ps = { .a = a, .diag = diag, .origin = origin };
	struct import_obj *o = arena_new_obj(a, struct import_obj);
	ps.o = o;
	o->origin = arena_strdup(a, origin);
	elf_version(EV_CURRENT);
	char *copy = arena_memdup(a, data, size);
	ps.elf = elf_memory(copy, size);
	if (!ps.elf) {
		fail(&ps, "%s", elf_errmsg(-1));
		return NULL;
	}
	bool ok = find_sections(&ps);
	if (ok) {
		Elf_Data *td = elf_getdata(ps.text, NULL);
		o->ntext = (uint32_t)(td->d_size / sizeof(struct bpf_insn));
		o->text = arena_memdup(a, td->d_buf, o->ntext * sizeof(struct bpf_insn));
		GElf_Shdr sh;
		gelf_getshdr(ps.symtab, &sh);
		Elf_Data *syms = elf_getdata(ps.symtab, NULL);
		size_t nsyms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		ok = read_funcs(&ps, syms, nsyms) && read_rels(&ps, syms, nsyms);
	}
	for (uint32_t i = 0; ok && i < o->nfuncs; i++)
		ok = check_code(&ps, &o->funcs[i]);
	elf_end(ps.elf);
	return ok ? o : NULL;
}

static struct ir_func *import_index(struct ir *ir, const struct import_obj *o, uint32_t fi,
				    const struct import_extern *ext, uint32_t next)
{
	const struct imp_func *f = &o->funcs[fi];
	vec_foreach(&ir->funcs, i) {
		struct ir_func *g = ir->funcs.items[i];
		if (g->origin && !strcmp(g->origin, o->origin) && !strcmp(g->name, f->name))
			return g;
	}
	struct ir_func *g = ir_func_imported(ir, f->name, f->nargs, o->origin);
	g->stack = f->stack;
	g->code = o->text + f->start;
	g->ncode = f->len;
	struct ir_reloc *rel = arena_new_array(ir->arena, struct ir_reloc, o->nrels + 1);
	uint32_t n = 0;
	for (uint32_t i = 0; i < o->nrels; i++) {
		const struct imp_rel *r = &o->rels[i];
		if (r->insn < f->start || r->insn >= f->start + f->len)
			continue;
		struct ir_reloc *out = &rel[n++];
		out->insn = r->insn - f->start;
		if (r->kind != IMP_EXTERN) {
			out->kind = r->kind == IMP_CALL ? IR_RELOC_CALL : IR_RELOC_FUNC;
			out->func = import_index(ir, o, r->target, ext, next);
			if (!out->func)
				return NULL;
			continue;
		}
		uint32_t k = 0;
		while (k < next && strcmp(ext[k].name, r->sym))
			k++;
		if (k == next) {
			ir_internal(ir, "imported function '%s' (%s) uses extern '%s', which is not "
				    "bound", f->name, o->origin, r->sym);
			return NULL;
		}
		out->kind = IR_RELOC_MAP_VALUE;
		out->map = ext[k].map;
		out->off = ext[k].off + (uint32_t)r->addend;
	}
	g->relocs = rel;
	g->nrelocs = n;
	return g;
}

struct ir_func *import_func(struct ir *ir, const struct import_obj *o, const char *name,
			    const struct import_extern *ext, uint32_t next)
{
	for (uint32_t i = 0; i < o->nfuncs; i++)
		if (!strcmp(o->funcs[i].name, name))
			return import_index(ir, o, i, ext, next);
	ir_internal(ir, "BPF object '%s' has no function '%s'", o->origin, name);
	return NULL;
}

uint32_t import_count(const struct import_obj *o)
{
	return o->nfuncs;
}

const char *import_name(const struct import_obj *o, uint32_t i, uint32_t *ninsns)
{
	if (i >= o->nfuncs)
		return NULL;
	if (ninsns)
		*ninsns = o->funcs[i].len;
	return o->funcs[i].name;
}
