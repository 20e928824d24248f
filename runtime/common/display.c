/*
 * display: end-of-session global display lines (see display.h).
 * Input: a name, key and value arguments or a merged aggregate.
 * Output: one line in the outbuf.  No state, no allocation.
 */
#include "common/display.h"

/* A value as the display shows it: %d / %#x for longs, "%s" for strings. */
static void display_value(struct outbuf *ob, const struct fmt_arg *v, unsigned flags)
{
	if (v->kind == FMT_ARG_STRING) {
		outbuf_putc(ob, '"');
		outbuf_put(ob, v->str, v->len);
		outbuf_putc(ob, '"');
	} else if (flags & DISPLAY_F_POINTER) {
		format_printf(ob, "%#x", 3, v, 1, NULL);
	} else {
		format_long(ob, v->num);
	}
}

static void display_keys(struct outbuf *ob, const char *name, const struct fmt_arg *keys,
			 uint32_t nkeys)
{
	uint32_t i;

	outbuf_puts(ob, name);
	if (nkeys == 0)
		return;
	outbuf_putc(ob, '[');
	for (i = 0; i < nkeys; i++) {
		if (i > 0)
			outbuf_putc(ob, ',');
		display_value(ob, &keys[i], 0);
	}
	outbuf_putc(ob, ']');
}

void display_scalar(struct outbuf *ob, const char *name, const struct fmt_arg *v,
		    unsigned flags)
{
	display_elem(ob, name, NULL, 0, v, flags);
}

void display_elem(struct outbuf *ob, const char *name, const struct fmt_arg *keys,
		  uint32_t nkeys, const struct fmt_arg *v, unsigned flags)
{
	display_keys(ob, name, keys, nkeys);
	outbuf_putc(ob, '=');
	display_value(ob, v, flags);
	outbuf_putc(ob, '\n');
}

static void display_field(struct outbuf *ob, const char *label, int64_t v)
{
	outbuf_puts(ob, label);
	format_long(ob, v);
}

void display_stats(struct outbuf *ob, const char *name, const struct fmt_arg *keys,
		   uint32_t nkeys, const struct stats_agg *g)
{
	int64_t min = 0, max = 0, avg = 0;

	display_keys(ob, name, keys, nkeys);
	if (g->count == 0) {
		outbuf_puts(ob, " @count=0x0\n");
		return;
	}
	stats_min(g, &min);
	stats_max(g, &max);
	stats_avg(g, &avg);
	display_field(ob, " @count=", g->count);
	display_field(ob, " @min=", min);
	display_field(ob, " @max=", max);
	display_field(ob, " @sum=", g->sum);
	display_field(ob, " @avg=", avg);
	outbuf_putc(ob, '\n');
}
