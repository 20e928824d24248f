/*
 * klines_test: the kernel's compact line table (compiler/target/klines.c
 * encodes rows, compiler/elab/kernel_lines.c builds the kernel's,
 * runtime/common/klines.c reads it).
 *
 * 1. Synthetic rows (several blocks, sequences with ends, rows at one
 *    address, repeated lines, line numbers going down): every address
 *    from before the first row to past the last is looked up and compared
 *    with a plain search over the rows (the last row at or below the
 *    address holds it, the end of a sequence holds no line); a damaged
 *    table is refused by klines_valid.
 * 2. Where the 6.1 kernel's debuginfo is installed (linux-image-R-dbg):
 *    the table of its vmlinux against libdw's own answer
 *    (dwarf_getsrc_die) at 20000 addresses spread over the kernel's text.
 *    Where libdw finds no unit for an address (units that .debug_aranges
 *    leaves out: a few in a thousand) the table, built from every unit's
 *    line table, still has the line; those are counted, not compared.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/klines.h"
#include "elab/elaborate.h"
#include "target/klines.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "util/fileutil.h"
#include "util/strbuf.h"

static int failures;

static void ok(bool cond, const char *name)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
	if (!cond)
		failures++;
}

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int by_pc_then_end(const void *a, const void *b)
{
	const struct klines_row *x = a, *y = b;
	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	if (!x->file != !y->file)
		return !x->file ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void synthetic(void)
{
	static const char *const files[] = { "fs/read_write.c", "include/linux/fs.h",
					     "kernel/sched/core.c", "mm/slub.c" };
	enum { N = 1000 };
	struct klines_row rows[N], ref[N];
	uint64_t base = 0xffffffff81000000ull, pc = base;
	int line = 100;
	for (int i = 0; i < N; i++) {
		/* mostly small steps, some rows at the address before, some ends */
		pc += rnd() % 5 == 0 ? 0 : 1 + rnd() % 40;
		line += (int)(rnd() % 21) - 10;
		if (line < 1)
			line = 1 + (int)(rnd() % 50);
		bool end = rnd() % 37 == 0;
		rows[i] = (struct klines_row){ .pc = pc, .file = end ? NULL : files[rnd() % 4],
					       .line = end ? 0 : (uint32_t)line, .seq = (uint32_t)i };
	}
	/* shuffle the input: the encoder sorts */
	memcpy(ref, rows, sizeof(rows));
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(rnd() % (uint64_t)(i + 1));
		struct klines_row t = rows[i];
		rows[i] = rows[j];
		rows[j] = t;
	}
	qsort(ref, N, sizeof(ref[0]), by_pc_then_end);
	struct strbuf blob = STRBUF_INIT;
	ok(klines_encode(rows, N, 0xffffffff82000000ull, &blob), "synthetic: encoded");
	ok(klines_valid(blob.buf, blob.len), "synthetic: valid");
	const struct klines_head *h = (const void *)blob.buf;
	ok(h->nblocks > 2 && h->anchor == 0xffffffff82000000ull, "synthetic: blocks and anchor");
	int wrong = 0, with_line = 0;
	for (uint64_t a = base - 4; a <= pc + 8; a++) {
		const struct klines_row *hold = NULL;
		for (int i = 0; i < N && ref[i].pc <= a; i++)
			hold = &ref[i];
		const char *f = NULL;
		uint32_t l = 0;
		bool got = klines_lookup(blob.buf, a, &f, &l);
		bool want = hold && hold->file;
		if (got != want || (got && (strcmp(f, hold->file) || l != hold->line))) {
			if (wrong++ < 5)
				printf("# 0x%llx: got %s:%u, want %s:%u\n", (unsigned long long)a,
				       got ? f : "-", l, want ? hold->file : "-", want ? hold->line : 0);
		}
		with_line += want;
	}
	ok(!wrong && with_line > 1000, "synthetic: every address as a search over the rows");
	/* damage: a wrong size, an index past the end */
	struct klines_head *w = (void *)blob.buf;
	w->size++;
	ok(!klines_valid(blob.buf, blob.len), "synthetic: wrong size refused");
	w->size--;
	uint32_t keep = w->index_off;
	w->index_off = (uint32_t)blob.len - 4;
	ok(!klines_valid(blob.buf, blob.len), "synthetic: index outside refused");
	w->index_off = keep;
	ok(klines_valid(blob.buf, blob.len), "synthetic: repaired");
	strbuf_free(&blob);
}

static void real_kernel(void)
{
	const char *vmlinux = getenv("CTAP_KLINES_VMLINUX");
	char found[512];
	if (!vmlinux) {
		DIR *d = opendir("/usr/lib/debug/boot");
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "vmlinux-6.1.", 12)) {
				snprintf(found, sizeof found, "/usr/lib/debug/boot/%s", e->d_name);
				vmlinux = found;
				break;
			}
		if (d)
			closedir(d);
	}
	if (!vmlinux) {
		printf("skip - real_kernel: no /usr/lib/debug/boot/vmlinux-6.1.* (linux-image-R-dbg)\n");
		return;
	}
	char tmpl[] = "/tmp/klines_test.XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct udwarf_cache *dc = udwarf_cache_new();
	char *why = NULL;
	char *path = elaborate_kernel_line_table(dc, vmlinux, dir, &why);
	ok(path != NULL, "real_kernel: table built");
	if (!path) {
		printf("# %s\n", why);
		return;
	}
	size_t len;
	char *blob = file_read_all(path, &len);
	ok(blob && klines_valid(blob, len), "real_kernel: valid");
	printf("# %s: %zu bytes\n", vmlinux, len);
	struct udwarf *dw = udwarf_open(dc, vmlinux, NULL);
	struct arena *a = arena_new();
	uint64_t text_lo, text_hi;
	bool have = dw && udwarf_elf_symbol(dw, "_stext", &text_lo) &&
		    udwarf_elf_symbol(dw, "_etext", &text_hi) && text_hi > text_lo;
	ok(have, "real_kernel: _stext and _etext");
	int compared = 0, wrong = 0, both_none = 0, ours_only = 0;
	for (int i = 0; have && i < 20000; i++) {
		uint64_t pc = text_lo + rnd() % (text_hi - text_lo);
		const char *wf = NULL, *gf = NULL;
		int wl = 0;
		uint32_t gl = 0;
		bool want = udwarf_addr_line(dw, a, pc, &wf, &wl);
		bool got = klines_lookup(blob, pc, &gf, &gl);
		if (!want) {
			both_none += !got;
			ours_only += got;
			continue;
		}
		compared++;
		if (got != want || strcmp(gf, wf) || (int)gl != wl) {
			if (wrong++ < 5)
				printf("# 0x%llx: got %s:%u, libdw %s:%d\n", (unsigned long long)pc,
				       got ? gf : "-", gl, want ? wf : "-", wl);
		}
	}
	printf("# %d addresses with a line, %d without, %d with a line libdw finds no unit for, "
	       "%d differ\n", compared, both_none, ours_only, wrong);
	ok(compared > 10000 && wrong == 0 && ours_only < 100, "real_kernel: every address as libdw answers");
	arena_free(a);
	free(blob);
	remove_tree(dir);
	free(path);
	udwarf_cache_free(dc);
}

int main(void)
{
	synthetic();
	real_kernel();
	return failures != 0;
}
