/*
 * klines: the kernel's compact line table (runtime/common/klines.h) from
 * its DWARF, for scripts that ask for kernel source lines (see klines.h).
 *
 * Rows are the line tables' rows at kernel addresses, sorted by address;
 * at one address the last row holds it (a sequence's end before another's
 * start, then table order, as libdw decides); consecutive rows of one
 * file and line are one.  Building reads every line table of the kernel
 * (4 million rows for 6.1), so the table is kept in the cache, keyed by
 * the debuginfo file's path, size and time.
 */
#include "target/klines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/klines.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "util/fileutil.h"
#include "util/intern.h"
#include "util/strbuf.h"
#include "util/vec.h"

/* x86_64's kernel half: line rows elsewhere are of discarded code */
#define KERNEL_SPACE 0xffff800000000000ull

struct collect {
	struct intern_table *names;
	VEC(struct klines_row) rows;
};

static void on_row(void *ctx, const struct udwarf_line *l)
{
	struct collect *c = ctx;
	if (l->pc < KERNEL_SPACE)
		return;
	struct klines_row r = { .pc = l->pc, .seq = (uint32_t)c->rows.len };
	if (!l->end && l->line > 0 && l->file) {
		r.file = intern(c->names, l->file);
		r.line = (uint32_t)l->line;
	}
	vec_push_heap(&c->rows, r);
}

static int by_pc(const void *a, const void *b)
{
	const struct klines_row *x = a, *y = b;
	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	if (!x->file != !y->file)
		return !x->file ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_pointer(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return x < y ? -1 : x > y;
}

static void put_varint(struct strbuf *sb, uint64_t v)
{
	while (v >= 0x80) {
		strbuf_putc(sb, (char)(v | 0x80));
		v >>= 7;
	}
	strbuf_putc(sb, (char)v);
}

static void put32(struct strbuf *sb, uint32_t v)
{
	char b[4] = { (char)v, (char)(v >> 8), (char)(v >> 16), (char)(v >> 24) };
	strbuf_add(sb, b, 4);
}

size_t klines_rows_compact(struct klines_row *rows, size_t nrows)
{
	qsort(rows, nrows, sizeof(*rows), by_pc);
	size_t n = 0;
	const struct klines_row *prev = NULL;
	for (size_t i = 0; i < nrows; i++) {
		const struct klines_row *r = &rows[i];
		if (i + 1 < nrows && rows[i + 1].pc == r->pc)
			continue;
		if (prev && prev->file == r->file && prev->line == r->line)
			continue;
		rows[n++] = *r;
		prev = &rows[n - 1];
	}
	return n;
}

uint32_t klines_rows_files(const struct klines_row *rows, size_t n, const char ***out)
{
	const char **files = malloc(sizeof(*files) * (n ? n : 1));
	if (!files)
		abort();
	uint32_t nfiles = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].file)
			files[nfiles++] = rows[i].file;
	qsort(files, nfiles, sizeof(*files), by_pointer);
	uint32_t unique = 0;
	for (uint32_t i = 0; i < nfiles; i++)
		if (!unique || files[unique - 1] != files[i])
			files[unique++] = files[i];
	*out = files;
	return unique;
}

uint32_t klines_file_index(const char *const *files, uint32_t nfiles, const char *file)
{
	const char *const *f = bsearch(&file, files, nfiles, sizeof(*files), by_pointer);
	return (uint32_t)(f - files);
}

bool klines_encode(struct klines_row *rows, size_t nrows, uint64_t anchor, struct strbuf *out)
{
	size_t n = klines_rows_compact(rows, nrows);
	if (!n || rows[n - 1].pc - rows[0].pc > UINT32_MAX)
		return false;
	const char **files;
	uint32_t unique = klines_rows_files(rows, n, &files);

	struct strbuf names = STRBUF_INIT, code = STRBUF_INIT, index = STRBUF_INIT,
		      offs = STRBUF_INIT;
	for (uint32_t i = 0; i < unique; i++) {
		put32(&offs, (uint32_t)names.len);
		strbuf_add(&names, files[i], strlen(files[i]) + 1);
	}
	uint64_t base = rows[0].pc;
	uint32_t nblocks = 0;
	uint64_t at = 0;
	int64_t line = 0;
	const char *file = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct klines_row *r = &rows[i];
		if (i % KLINES_BLOCK == 0) {
			put32(&index, (uint32_t)(r->pc - base));
			put32(&index, (uint32_t)code.len);
			nblocks++;
			at = r->pc;
			line = 0;
			file = NULL;
		}
		bool new_file = r->file && r->file != file;
		put_varint(&code, (r->pc - at) << 1 | new_file);
		if (new_file) {
			put_varint(&code, klines_file_index(files, unique, r->file));
			file = r->file;
		}
		int64_t d = (int64_t)r->line - line;
		put_varint(&code, (uint64_t)(d << 1) ^ (uint64_t)(d >> 63));
		line = r->line;
		at = r->pc;
	}
	free(files);

	struct klines_head h = {
		.magic = KLINES_MAGIC, .version = KLINES_VERSION, .base = base, .anchor = anchor,
		.nblocks = nblocks, .nfiles = unique,
	};
	h.index_off = sizeof(h);
	h.files_off = h.index_off + (uint32_t)index.len;
	h.names_off = h.files_off + (uint32_t)offs.len;
	uint64_t rows_off = (uint64_t)h.names_off + names.len, size = rows_off + code.len;
	bool ok = size <= UINT32_MAX;
	if (ok) {
		h.rows_off = (uint32_t)rows_off;
		h.size = (uint32_t)size;
		strbuf_add(out, (const char *)&h, sizeof(h));
		strbuf_add(out, index.buf, index.len);
		strbuf_add(out, offs.buf, offs.len);
		strbuf_add(out, names.buf, names.len);
		strbuf_add(out, code.buf, code.len);
	}
	strbuf_free(&names);
	strbuf_free(&code);
	strbuf_free(&index);
	strbuf_free(&offs);
	return ok;
}

static bool build(struct udwarf_cache *dc, const char *debuginfo, const char *path, char **why)
{
	struct udwarf *dw = udwarf_open(dc, debuginfo, NULL);
	if (!dw) {
		*why = strdup("its DWARF cannot be read");
		return false;
	}
	uint64_t anchor;
	if (!udwarf_elf_symbol(dw, "jiffies", &anchor)) {
		*why = strdup("it has no symbol 'jiffies' to measure KASLR's offset by");
		return false;
	}
	struct arena *a = arena_new();
	struct collect c = { .names = intern_new(a) };
	udwarf_line_rows(dw, NULL, on_row, &c);
	struct strbuf blob = STRBUF_INIT;
	bool ok = klines_encode(c.rows.items, c.rows.len, anchor, &blob);
	if (!ok) {
		*why = strdup(c.rows.len ? "its line table does not fit 32-bit offsets"
					 : "it has no line tables");
	} else {
		char *tmp = NULL;
		if (asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0)
			abort();
		FILE *f = fopen(tmp, "w");
		ok = f && fwrite(blob.buf, 1, blob.len, f) == blob.len;
		ok = f && fclose(f) == 0 && ok;
		ok = ok && rename(tmp, path) == 0;
		if (!ok) {
			if (asprintf(why, "cannot write %s: %s", path, strerror(errno)) < 0)
				abort();
			unlink(tmp);
		}
		free(tmp);
	}
	strbuf_free(&blob);
	vec_free_heap(&c.rows);
	intern_free(c.names);
	arena_free(a);
	return ok;
}

char *klines_path(struct udwarf_cache *dc, const char *debuginfo, const char *cache_dir, char **why)
{
	*why = NULL;
	struct stat st;
	if (stat(debuginfo, &st) != 0) {
		if (asprintf(why, "cannot read %s: %s", debuginfo, strerror(errno)) < 0)
			abort();
		return NULL;
	}
	/* FNV-1a of what identifies the debuginfo file */
	uint64_t h = 0xcbf29ce484222325ull;
	char key[512];
	snprintf(key, sizeof key, "%s|%lld|%lld|%u", debuginfo, (long long)st.st_size,
		 (long long)st.st_mtime, KLINES_VERSION);
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	char *path = NULL;
	if (asprintf(&path, "%s/klines-%016llx.bin", cache_dir, (unsigned long long)h) < 0)
		abort();
	if (file_exists(path))
		return path;
	if (mkdir_p(cache_dir, 0755) != 0 || !build(dc, debuginfo, path, why)) {
		if (!*why && asprintf(why, "cannot create %s: %s", cache_dir, strerror(errno)) < 0)
			abort();
		free(path);
		return NULL;
	}
	return path;
}
