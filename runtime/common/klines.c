/*
 * klines: lookups in the kernel's compact line table (see klines.h).
 */
#include "common/klines.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const struct klines_head *head_of(const void *blob)
{
	return (const struct klines_head *)blob;
}

bool klines_valid(const void *blob, size_t len)
{
	const struct klines_head *h = head_of(blob);
	if (len < sizeof(*h) || h->magic != KLINES_MAGIC || h->version != KLINES_VERSION ||
	    h->size != len)
		return false;
	if (h->index_off > len || (uint64_t)h->nblocks * sizeof(struct klines_block) > len - h->index_off)
		return false;
	if (h->files_off > len || (uint64_t)h->nfiles * 4 > len - h->files_off)
		return false;
	if (h->names_off > len || h->rows_off > len)
		return false;
	/* names end with a NUL inside the names; rows start inside the rows */
	const uint8_t *b = blob;
	if (h->nfiles && (h->names_off >= h->rows_off || b[h->rows_off - 1] != 0))
		return false;
	for (uint32_t i = 0; i < h->nfiles; i++)
		if (rd32(b + h->files_off + 4 * i) >= h->rows_off - h->names_off)
			return false;
	const struct klines_block *ix = (const void *)(b + h->index_off);
	for (uint32_t i = 0; i < h->nblocks; i++)
		if (ix[i].rows >= len - h->rows_off || (i && ix[i].addr < ix[i - 1].addr))
			return false;
	return true;
}

/* a varint at *p, not past end; false when it runs past end */
static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t c = *(*p)++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

bool klines_lookup(const void *blob, uint64_t addr, const char **file, uint32_t *line)
{
	const struct klines_head *h = head_of(blob);
	const uint8_t *b = blob;
	const struct klines_block *ix = (const void *)(b + h->index_off);
	if (!h->nblocks || addr < h->base || addr - h->base > 0xffffffffull)
		return false;
	uint32_t a = (uint32_t)(addr - h->base);
	/* the last block starting at or below a */
	uint32_t lo = 0, hi = h->nblocks;
	if (ix[0].addr > a)
		return false;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ix[mid].addr <= a)
			lo = mid;
		else
			hi = mid;
	}
	const uint8_t *p = b + h->rows_off + ix[lo].rows;
	const uint8_t *end = lo + 1 < h->nblocks ? b + h->rows_off + ix[lo + 1].rows : b + h->size;
	uint64_t at = ix[lo].addr, v;
	int64_t cur_line = 0;
	uint64_t cur_file = COMPAT_U64_MAX;
	bool have = false;
	for (int i = 0; i < KLINES_BLOCK && p < end; i++) {
		uint64_t next = at, f = cur_file;
		int64_t ln;
		if (!varint(&p, end, &v))
			break;
		next = at + (v >> 1);
		if (v & 1) {
			if (!varint(&p, end, &f) || f >= h->nfiles)
				break;
		}
		if (!varint(&p, end, &v))
			break;
		ln = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
		if (have && next > a)
			break;
		at = next;
		cur_file = f;
		cur_line += ln;
		have = true;
	}
	if (!have || at > a || cur_line <= 0 || cur_file >= h->nfiles)
		return false;
	*file = (const char *)b + h->names_off + rd32(b + h->files_off + 4 * cur_file);
	*line = (uint32_t)cur_line;
	return true;
}
