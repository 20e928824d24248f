/*
 * symdefer: expanding the kernel addresses BPF handlers defer to user
 * space (see symdefer.h for the encoding).
 */
#include "bpf/symdefer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/ksyms.h"
#include "common/klines.h"
#include "util/fileutil.h"
#include "util/strbuf.h"

const struct ksyms *symdefer_table(struct symdefer *d)
{
	if (!d->tried) {
		d->tried = 1;
		d->ks = ksyms_open(d->path ? d->path : "/proc/kallsyms");
	}
	return d->ks;
}

/* An item at s (SYMDEFER_ITEM bytes available): its address. */
static uint64_t item_addr(const char *s)
{
	uint64_t a = 0;
	for (int i = SYMDEFER_ADDR_BYTES - 1; i >= 0; i--)
		a = a << 7 | ((uint8_t)s[2 + i] & 0x7f);
	return a;
}

static const char *line_table(struct symdefer *d)
{
	if (d->klines_tried)
		return d->klines;
	d->klines_tried = 1;
	size_t len;
	uint64_t jiffies;
	char *blob = d->klines_path ? file_read_all(d->klines_path, &len) : NULL;
	/* the table has link-time addresses; KASLR moved the kernel as much
	 * as it moved jiffies (unreadable kallsyms: no lines) */
	if (blob && klines_valid(blob, len) &&
	    ksyms_address_of(d->path ? d->path : "/proc/kallsyms", "jiffies", &jiffies)) {
		d->klines = blob;
		d->kaslr = jiffies - ((const struct klines_head *)blob)->anchor;
	} else {
		free(blob);
	}
	return d->klines;
}

/* style '4' FILE:LINE, '6' FILE, '7' LINE, else the address */
static int format_line(struct symdefer *d, char *dst, size_t size, uint64_t addr, int style)
{
	const char *table = line_table(d), *file;
	uint32_t line;
	if (!table || !klines_lookup(table, addr - d->kaslr, &file, &line))
		return snprintf(dst, size, "0x%" PRIx64, addr);
	if (style == '6')
		return snprintf(dst, size, "%s", file);
	if (style == '7')
		return snprintf(dst, size, "%" PRIu32, line);
	return snprintf(dst, size, "%s:%" PRIu32, file, line);
}

static bool is_line_style(int style)
{
	return style == '4' || style == '6' || style == '7';
}

static void put_sym(struct symdefer *d, struct strbuf *out, uint64_t addr, int style)
{
	char buf[640];
	if (is_line_style(style)) {
		format_line(d, buf, sizeof(buf), addr, style);
		strbuf_puts(out, buf);
		return;
	}
	if (style == SYMDEFER_HEX) {
		strbuf_printf(out, "0x%" PRIx64, addr);
		return;
	}
	if (style == SYMDEFER_KEPT) {
		const char *text;
		size_t len;
		if (keptstr_get(&d->kept, addr, &text, &len))
			strbuf_add(out, text, len);
		return;
	}
	ksyms_format(symdefer_table(d), buf, sizeof(buf), addr, style - '0');
	strbuf_puts(out, buf);
}

/* One group: header at s[0..3], text up to SYMDEFER_END or end. */
static size_t expand_group(struct symdefer *d, const char *s, size_t len, struct strbuf *out)
{
	char kind = s[1], style = s[2];
	bool cut = s[3] == SYMDEFER_CUT;
	size_t i = 4, start = out->len;
	struct strbuf line;
	strbuf_init(&line);
	while (i < len && s[i] != SYMDEFER_END) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		uint64_t a;
		size_t tok = i;
		if (s[i] == SYMDEFER_MARK && i + SYMDEFER_ITEM <= len) {
			a = item_addr(s + i);
			i += SYMDEFER_ITEM;
		} else {
			while (i < len && s[i] != ' ' && s[i] != SYMDEFER_END && s[i] != SYMDEFER_MARK)
				i++;
			char hex[32];
			size_t n = i - tok < sizeof(hex) - 1 ? i - tok : sizeof(hex) - 1;
			memcpy(hex, s + tok, n);
			hex[n] = 0;
			a = strtoull(hex, NULL, 16);
			if (i == tok)
				i++; /* a stray mark */
		}
		strbuf_reset(&line);
		if (kind == SYMDEFER_GROUP_SYMS) {
			strbuf_puts(&line, " ");
			if (s[tok] == SYMDEFER_MARK)
				put_sym(d, &line, a, SYMDEFER_HEX);
			else
				strbuf_add(&line, s + tok, i - tok);
			strbuf_puts(&line, " : ");
			put_sym(d, &line, a, '1');
		} else {
			put_sym(d, &line, a, style);
		}
		strbuf_putc(&line, '\n');
		if (cut && d->maxstringlen && out->len - start + line.len > d->maxstringlen - 1)
			break;
		strbuf_add(out, line.buf, line.len);
	}
	strbuf_free(&line);
	while (i < len && s[i] != SYMDEFER_END)
		i++;
	return i < len ? i + 1 : len;
}

int symdefer_expand(struct symdefer *d, const char *s, size_t len, struct strbuf *out)
{
	if (!memchr(s, SYMDEFER_MARK, len))
		return 0;
	size_t i = 0;
	while (i < len) {
		const char *m = memchr(s + i, SYMDEFER_MARK, len - i);
		size_t j = m ? (size_t)(m - s) : len;
		strbuf_add(out, s + i, j - i);
		i = j;
		if (i >= len)
			break;
		if (i + 4 <= len && (s[i + 1] == SYMDEFER_GROUP_SYMS || s[i + 1] == SYMDEFER_GROUP_LINES)) {
			i += expand_group(d, s + i, len - i, out);
		} else if (i + SYMDEFER_ITEM <= len) {
			put_sym(d, out, item_addr(s + i), (uint8_t)s[i + 1]);
			i += SYMDEFER_ITEM;
		} else {
			i = len; /* an item cut by MAXSTRINGLEN */
		}
	}
	return 1;
}

int symdefer_format(struct symdefer *d, char *dst, size_t size, uint64_t addr, int style)
{
	if (is_line_style('0' + style))
		return format_line(d, dst, size, addr, '0' + style);
	return ksyms_format(symdefer_table(d), dst, size, addr, style);
}

void symdefer_close(struct symdefer *d)
{
	ksyms_close(d->ks);
	d->ks = NULL;
	d->tried = 0;
	free(d->klines);
	d->klines = NULL;
	d->klines_tried = 0;
	keptstr_free(&d->kept);
}
