/*
 * uelf: one user-space ELF file, read into the arena (see uelf.h).
 *
 * PLT slots are found by decoding each 16-byte slot of .plt.sec (or .plt
 * after its header entry): the `jmp *disp(%rip)` in it names a GOT entry,
 * and the JUMP_SLOT relocation of that entry names the function.  This
 * holds for lazy and -z now binding, with or without IBT (.plt.sec).
 *
 * SDT notes (.note.stapsdt, type 3, owner "stapsdt"): pc, base, semaphore
 * as 64-bit addresses, then provider, name and argument strings.  The
 * addresses are link-time ones; when the file was prelinked or otherwise
 * moved, the recorded base differs from the .stapsdt.base section's
 * address by the same amount as pc and semaphore do.
 */
#include "target/user/uelf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/vec.h"

#define NT_STAPSDT 3
#define PLT_SLOT 16

typedef VEC(struct uelf_symbol) sym_vec;
typedef VEC(struct uelf_plt) plt_vec;
typedef VEC(struct uelf_sdt) sdt_vec;
typedef VEC(struct uelf_segment) seg_vec;

Elf_Scn *uelf_section(Elf *e, const char *name, GElf_Shdr *out)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx) != 0)
		return NULL;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *n = elf_strptr(e, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			if (out)
				*out = sh;
			return scn;
		}
	}
	return NULL;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct uelf_symbol *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void read_symbols(struct arena *a, Elf *e, struct uelf *u)
{
	sym_vec v = { 0 };
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; d && i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			int t = GELF_ST_TYPE(s.st_info);
			if (t != STT_FUNC && t != STT_GNU_IFUNC)
				continue;
			const char *name = elf_strptr(e, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			int bind = GELF_ST_BIND(s.st_info);
			struct uelf_symbol sym = {
				.name = arena_strdup(a, name), .vaddr = s.st_value, .size = s.st_size,
				.global = bind == STB_GLOBAL || bind == STB_WEAK,
				.in_dynsym = sh.sh_type == SHT_DYNSYM,
			};
			vec_push_heap(&v, sym);
		}
	}
	qsort(v.items, v.len, sizeof(*v.items), cmp_sym);
	/* .symtab and .dynsym repeat each other: keep one per (vaddr, name) */
	u->syms = arena_new_array(a, struct uelf_symbol, v.len + 1);
	for (uint32_t i = 0; i < v.len; i++) {
		struct uelf_symbol *s = &v.items[i];
		if (u->nsyms && u->syms[u->nsyms - 1].vaddr == s->vaddr &&
		    !strcmp(u->syms[u->nsyms - 1].name, s->name)) {
			u->syms[u->nsyms - 1].global |= s->global;
			u->syms[u->nsyms - 1].in_dynsym |= s->in_dynsym;
			continue;
		}
		u->syms[u->nsyms++] = *s;
	}
	vec_free_heap(&v);
}

/* GOT address -> function name, from the JUMP_SLOT relocations. */
static const char *jump_slot_name(struct arena *a, Elf *e, uint64_t got)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		Elf_Scn *symscn = elf_getscn(e, sh.sh_link);
		GElf_Shdr symsh;
		if (!d || !symscn || !gelf_getshdr(symscn, &symsh))
			continue;
		Elf_Data *sd = elf_getdata(symscn, NULL);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;
			if (!gelf_getrela(d, (int)i, &r) || r.r_offset != got ||
			    GELF_R_TYPE(r.r_info) != R_X86_64_JUMP_SLOT)
				continue;
			GElf_Sym s;
			if (!sd || !gelf_getsym(sd, (int)GELF_R_SYM(r.r_info), &s))
				return NULL;
			const char *name = elf_strptr(e, symsh.sh_link, s.st_name);
			if (!name)
				return NULL;
			const char *at = strchr(name, '@');
			return at ? arena_strndup(a, name, (size_t)(at - name)) : arena_strdup(a, name);
		}
	}
	return NULL;
}

static void read_plt(struct arena *a, Elf *e, struct uelf *u)
{
	GElf_Shdr sh;
	Elf_Scn *scn = uelf_section(e, ".plt.sec", &sh);
	uint64_t first = 0;
	if (!scn) {
		scn = uelf_section(e, ".plt", &sh);
		first = PLT_SLOT; /* PLT0 pushes the link map: not a function's slot */
	}
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	if (!d || !d->d_buf)
		return;
	plt_vec v = { 0 };
	const uint8_t *b = d->d_buf;
	for (uint64_t off = first; off + PLT_SLOT <= d->d_size; off += PLT_SLOT) {
		for (int p = 0; p + 6 <= PLT_SLOT; p++) {
			if (b[off + p] != 0xff || b[off + p + 1] != 0x25)
				continue;
			int32_t disp;
			memcpy(&disp, b + off + p + 2, 4);
			uint64_t got = sh.sh_addr + off + (uint64_t)p + 6 + (int64_t)disp;
			const char *name = jump_slot_name(a, e, got);
			if (name) {
				struct uelf_plt pl = { name, sh.sh_addr + off };
				vec_push_heap(&v, pl);
			}
			break;
		}
	}
	u->plts = arena_memdup(a, v.items, sizeof(*v.items) * v.len);
	u->nplts = v.len;
	vec_free_heap(&v);
}

static uint64_t get64(const uint8_t *p, bool swap)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return swap ? __builtin_bswap64(v) : v;
}

static void read_sdt(struct arena *a, Elf *e, struct uelf *u, bool swap)
{
	GElf_Shdr notesh, basesh;
	Elf_Scn *scn = uelf_section(e, ".note.stapsdt", &notesh);
	if (!scn)
		return;
	bool have_base = uelf_section(e, ".stapsdt.base", &basesh) != NULL;
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d)
		return;
	sdt_vec v = { 0 };
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;
	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *owner = (const char *)d->d_buf + name_off;
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 || memcmp(owner, "stapsdt", 8) != 0 ||
		    nh.n_descsz < 3 * 8 + 3)
			continue;
		const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;
		const char *end = (const char *)desc + nh.n_descsz;
		struct uelf_sdt s = {
			.pc = get64(desc, swap),
			.semaphore = get64(desc + 16, swap),
		};
		uint64_t base = get64(desc + 8, swap);
		const char *p = (const char *)desc + 24;
		const char *strs[3] = { "", "", "" };
		for (int k = 0; k < 3 && p < end; k++) {
			size_t len = strnlen(p, (size_t)(end - p));
			strs[k] = arena_strndup(a, p, len);
			p += len + 1;
		}
		s.provider = strs[0];
		s.name = strs[1];
		s.args = strs[2];
		if (have_base && base) {
			s.pc += basesh.sh_addr - base;
			if (s.semaphore)
				s.semaphore += basesh.sh_addr - base;
		}
		vec_push_heap(&v, s);
	}
	u->sdts = arena_memdup(a, v.items, sizeof(*v.items) * v.len);
	u->nsdts = v.len;
	vec_free_heap(&v);
}

static void read_segments(struct arena *a, Elf *e, struct uelf *u)
{
	size_t n = 0;
	elf_getphdrnum(e, &n);
	seg_vec v = { 0 };
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		struct uelf_segment s = { ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz,
					  (ph.p_flags & PF_X) != 0 };
		if (first || ph.p_vaddr < u->base)
			u->base = ph.p_vaddr;
		first = false;
		vec_push_heap(&v, s);
	}
	u->segs = arena_memdup(a, v.items, sizeof(*v.items) * v.len);
	u->nsegs = v.len;
	vec_free_heap(&v);
}

static void read_ids(struct arena *a, Elf *e, struct uelf *u)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((const char *)d->d_buf + name_off, "GNU", 4)) {
				u->build_id = arena_memdup(a, (const char *)d->d_buf + desc_off,
							   nh.n_descsz);
				u->build_id_len = nh.n_descsz;
			}
		}
	}
	GElf_Shdr sh;
	Elf_Scn *dl = uelf_section(e, ".gnu_debuglink", &sh);
	Elf_Data *d = dl ? elf_getdata(dl, NULL) : NULL;
	if (d && d->d_size)
		u->debuglink = arena_strndup(a, d->d_buf, strnlen(d->d_buf, d->d_size));
	GElf_Shdr di;
	u->has_debug_info = uelf_section(e, ".debug_info", &di) != NULL && di.sh_type != SHT_NOBITS;
}

/* Calls fn with each entry of the dynamic section and the index of the
 * string table its names are in. */
static void each_dynamic(Elf *e, void (*fn)(void *ctx, Elf *e, size_t strtab, const GElf_Dyn *dyn),
			 void *ctx)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			if (gelf_getdyn(d, (int)i, &dyn))
				fn(ctx, e, sh.sh_link, &dyn);
		}
	}
}

/* The loader's path (PT_INTERP) in e, or NULL; "" when it cannot be read. */
static const char *interp_of(struct arena *a, Elf *e)
{
	size_t n = 0;
	elf_getphdrnum(e, &n);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		size_t size;
		const char *img;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_INTERP)
			continue;
		if (!a || !(img = elf_rawfile(e, &size)) || ph.p_offset >= size || !ph.p_filesz ||
		    ph.p_filesz > size - ph.p_offset)
			return "";
		return arena_strndup(a, img + ph.p_offset, strnlen(img + ph.p_offset, ph.p_filesz));
	}
	return NULL;
}

struct dynamic_scan {
	struct arena *a;
	VEC(const char *) needed;
	const char *runpath, *rpath;
	bool pie;
};

static void scan_dynamic(void *ctx, Elf *e, size_t strtab, const GElf_Dyn *dyn)
{
	struct dynamic_scan *ds = ctx;
	if (dyn->d_tag == DT_FLAGS_1 && (dyn->d_un.d_val & DF_1_PIE))
		ds->pie = true;
	if (!ds->a || (dyn->d_tag != DT_NEEDED && dyn->d_tag != DT_RUNPATH && dyn->d_tag != DT_RPATH))
		return;
	const char *str = elf_strptr(e, strtab, dyn->d_un.d_val);
	if (!str)
		return;
	str = arena_strdup(ds->a, str);
	if (dyn->d_tag == DT_NEEDED)
		vec_push_heap(&ds->needed, str);
	else if (dyn->d_tag == DT_RUNPATH)
		ds->runpath = str;
	else
		ds->rpath = str;
}

/* DT_NEEDED, DT_RUNPATH / DT_RPATH and PT_INTERP: what the loader maps
 * with the file (--ldd) */
static void read_dynamic(struct arena *a, Elf *e, struct uelf *u)
{
	u->interp = interp_of(a, e);
	if (u->interp && !*u->interp)
		u->interp = NULL;
	struct dynamic_scan ds = { .a = a };
	each_dynamic(e, scan_dynamic, &ds);
	u->runpath = ds.runpath ? ds.runpath : ds.rpath;
	u->needed = arena_memdup(a, ds.needed.items, sizeof(*ds.needed.items) * ds.needed.len);
	u->nneeded = ds.needed.len;
	vec_free_heap(&ds.needed);
}

bool uelf_is_shared_library(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool lib = false;
	GElf_Ehdr eh;
	if (e && gelf_getehdr(e, &eh) && eh.e_type == ET_DYN) {
		struct dynamic_scan ds = { 0 };
		each_dynamic(e, scan_dynamic, &ds);
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		lib = !ds.pie && (!interp_of(NULL, e) || strstr(base, ".so"));
	}
	if (e)
		elf_end(e);
	close(fd);
	return lib;
}

struct uelf *uelf_open(struct arena *a, const char *path, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = arena_printf(a, "%s: %s", path, strerror(errno));
		return NULL;
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
		*why = arena_printf(a, "%s is not an ELF executable or shared library", path);
		if (e)
			elf_end(e);
		close(fd);
		return NULL;
	}
	struct uelf *u = arena_new_obj(a, struct uelf);
	u->path = arena_strdup(a, path);
	u->et_exec = eh.e_type == ET_EXEC;
	bool swap = (eh.e_ident[EI_DATA] == ELFDATA2MSB) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	read_segments(a, e, u);
	read_symbols(a, e, u);
	read_plt(a, e, u);
	read_sdt(a, e, u, swap);
	read_ids(a, e, u);
	read_dynamic(a, e, u);
	elf_end(e);
	close(fd);
	return u;
}

bool uelf_offset(const struct uelf *u, uint64_t vaddr, uint64_t *offset)
{
	for (uint32_t i = 0; i < u->nsegs; i++) {
		const struct uelf_segment *s = &u->segs[i];
		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->filesz) {
			*offset = vaddr - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

const struct uelf_symbol *uelf_symbol_at(const struct uelf *u, uint64_t vaddr)
{
	const struct uelf_symbol *best = NULL;
	for (uint32_t i = 0; i < u->nsyms; i++) {
		const struct uelf_symbol *s = &u->syms[i];
		if (s->vaddr > vaddr)
			break;
		if (vaddr < s->vaddr + (s->size ? s->size : 1))
			best = s;
	}
	return best;
}

int uelf_alias_cmp(const struct uelf_symbol *a, const struct uelf_symbol *b)
{
	if (a->global != b->global)
		return a->global ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return strcmp(a->name, b->name);
}

static bool readable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *uelf_debug_file(struct arena *a, const struct uelf *u)
{
	const char *root = getenv("CTAP_DEBUGINFO_ROOT"); /* tests */
	if (!root)
		root = "/usr/lib/debug";
	if (u->build_id_len > 1) {
		char hex[256];
		size_t n = 0;
		for (uint32_t i = 1; i < u->build_id_len && n + 3 < sizeof(hex); i++)
			n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x", u->build_id[i]);
		const char *p = arena_printf(a, "%s/.build-id/%02x/%s.debug", root, u->build_id[0], hex);
		if (readable(p))
			return p;
	}
	if (u->debuglink) {
		const char *slash = strrchr(u->path, '/');
		int dirlen = slash ? (int)(slash - u->path) : 0;
		const char *cands[3] = {
			arena_printf(a, "%.*s/%s", dirlen, u->path, u->debuglink),
			arena_printf(a, "%.*s/.debug/%s", dirlen, u->path, u->debuglink),
			arena_printf(a, "%s%.*s/%s", root, dirlen, u->path, u->debuglink),
		};
		for (int i = 0; i < 3; i++)
			if (strcmp(cands[i], u->path) != 0 && readable(cands[i]))
				return cands[i];
	}
	return NULL;
}
