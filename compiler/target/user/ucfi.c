/*
 * ucfi: .eh_frame rows through libdw (see ucfi.h).
 *
 * libdw answers "the frame state at address A" (dwarf_cfi_addrframe) and
 * the extent of the row holding A (dwarf_frame_info); it has no iterator
 * over FDEs, so their starts come from .eh_frame_hdr's search table, which
 * the linker writes sorted (GNU ld and lld: datarel sdata4 pairs).  Each
 * FDE is then walked row by row from its start.
 */
#include "target/user/ucfi.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target/user/uelf.h"
#include "util/arena.h"
#include "util/vec.h"

#define X86_64_RA 16
#define EH_PE_OMIT 0xff
#define EH_PE_DATAREL_SDATA4 0x3b

typedef VEC(struct ucfi_row) row_vec;

/* Size of a pointer-encoded value (DW_EH_PE_*), 0 when unsupported. */
static size_t encoded_size(uint8_t enc)
{
	switch (enc & 0x0f) {
	case 0x02: case 0x0a: return 2;
	case 0x03: case 0x0b: return 4;
	case 0x04: case 0x0c: return 8;
	default: return 0;
	}
}

static uint64_t get_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	memcpy(&v, p, n);  /* x86_64 files on x86_64: little endian both */
	return v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The FDEs' initial locations from .eh_frame_hdr, sorted; NULL if the
 * table is absent or in an encoding not read here. */
static uint64_t *fde_starts(Elf *e, size_t *count)
{
	GElf_Shdr sh;
	Elf_Scn *scn = uelf_section(e, ".eh_frame_hdr", &sh);
	Elf_Data *d = scn && sh.sh_type != SHT_NOBITS ? elf_getdata(scn, NULL) : NULL;
	if (!d || d->d_size < 4)
		return NULL;
	uint64_t hdr_addr = sh.sh_addr;
	const uint8_t *p = d->d_buf, *end = p + d->d_size;
	if (p[0] != 1 || p[3] != EH_PE_DATAREL_SDATA4 || p[2] == EH_PE_OMIT)
		return NULL;
	size_t ptr_size = encoded_size(p[1]), count_size = encoded_size(p[2]);
	if (!ptr_size || !count_size || (size_t)(end - p) < 4 + ptr_size + count_size)
		return NULL;
	uint64_t n = get_uint(p + 4 + ptr_size, count_size);
	const uint8_t *table = p + 4 + ptr_size + count_size;
	if (n > (uint64_t)(end - table) / 8)
		return NULL;
	uint64_t *starts = malloc(sizeof(uint64_t) * (n ? n : 1));
	if (!starts)
		return NULL;
	for (uint64_t i = 0; i < n; i++) {
		int32_t rel;
		memcpy(&rel, table + 8 * i, 4);
		starts[i] = hdr_addr + (int64_t)rel;
	}
	qsort(starts, n, sizeof(uint64_t), cmp_u64);
	*count = n;
	return starts;
}

/* Where register regno of the caller was saved, as an offset from the
 * CFA: 0 = not saved (unchanged), false = a rule not followed here. */
static bool saved_at(Dwarf_Frame *f, int regno, int32_t *offset)
{
	Dwarf_Op mem[3], *ops = NULL;
	size_t nops = 0;
	*offset = 0;
	if (dwarf_frame_register(f, regno, mem, &ops, &nops) != 0)
		return false;
	if (nops == 0)
		return true;  /* same value (or undefined: nothing to restore) */
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (nops == 1)
		return true;  /* at the CFA itself: offset 0 would read as
			       * "unchanged"; no x86_64 code saves a register there */
	if (nops != 2 || ops[1].atom != DW_OP_plus_uconst)
		return false;
	*offset = (int32_t)(int64_t)ops[1].number;
	return *offset != 0;
}

/* The row of frame f: a CFA of register + offset, the return address at
 * CFA - 8, rbp unchanged or saved; else UCFI_UNKNOWN. */
static void row_of(Dwarf_Frame *f, struct ucfi_row *r)
{
	Dwarf_Op *ops = NULL;
	size_t nops = 0;
	int32_t ra, rbp;
	r->cfa_reg = UCFI_UNKNOWN;
	if (dwarf_frame_cfa(f, &ops, &nops) != 0 || nops != 1 || ops[0].atom != DW_OP_bregx ||
	    (ops[0].number != UCFI_RSP && ops[0].number != UCFI_RBP))
		return;
	if (!saved_at(f, X86_64_RA, &ra) || ra != -8 || !saved_at(f, UCFI_RBP, &rbp))
		return;
	r->cfa_reg = (enum ucfi_reg)ops[0].number;
	r->cfa_offset = (int32_t)(int64_t)ops[0].number2;
	r->rbp_offset = rbp;
}

/* Rows from start up to limit (the next FDE), ending with an unknown row
 * where the FDE ends before it. */
static void walk_fde(Dwarf_CFI *cfi, uint64_t start, uint64_t limit, row_vec *rows)
{
	uint64_t addr = start;
	while (addr < limit) {
		Dwarf_Frame *f = NULL;
		Dwarf_Addr lo, hi;
		if (dwarf_cfi_addrframe(cfi, addr, &f) != 0)
			break;
		bool signal = false;
		dwarf_frame_info(f, &lo, &hi, &signal);
		struct ucfi_row r = { .vaddr = addr };
		if (!signal)
			row_of(f, &r);
		free(f);
		vec_push_heap(rows, r);
		if (hi <= addr)
			break;
		addr = hi;
	}
	if (addr < limit)
		vec_push_heap(rows, ((struct ucfi_row){ .vaddr = addr, .cfa_reg = UCFI_UNKNOWN }));
}

struct ucfi *ucfi_read(struct arena *a, const char *path, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = arena_printf(a, "%s: %s", path, strerror(errno));
		return NULL;
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Dwarf_CFI *cfi = e ? dwarf_getcfi_elf(e) : NULL;
	size_t n = 0;
	uint64_t *starts = cfi ? fde_starts(e, &n) : NULL;
	struct ucfi *u = NULL;
	if (!starts) {
		*why = arena_printf(a, "%s has no .eh_frame with a search table", path);
	} else {
		row_vec rows = { 0 };
		for (size_t i = 0; i < n; i++)
			walk_fde(cfi, starts[i], i + 1 < n ? starts[i + 1] : UINT64_MAX, &rows);
		u = arena_new_obj(a, struct ucfi);
		u->rows = arena_memdup(a, rows.items, sizeof(*rows.items) * rows.len);
		u->nrows = rows.len;
		vec_free_heap(&rows);
	}
	free(starts);
	if (cfi)
		dwarf_cfi_end(cfi);
	if (e)
		elf_end(e);
	close(fd);
	return u;
}
