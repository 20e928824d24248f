/*
 * klines: line-table rows put in the compact form of
 * runtime/common/klines.h (see klines.h).
 *
 * Rows are sorted by address; at one address the last row holds it (a
 * sequence's end before another's start, then table order, as libdw
 * decides); consecutive rows of one file and line are one.
 */
#include "target/klines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/klines.h"
#include "util/strbuf.h"

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
