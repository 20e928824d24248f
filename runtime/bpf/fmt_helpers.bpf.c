/*
 * fmt_helpers.bpf.c: the BPF helpers of in-kernel formatting (see
 * fmt_helpers.h for the contract), compiled by clang -target bpf at build
 * time.  The algorithms are runtime/common's own sources, included here
 * (their statics carry their file's prefix for this purpose); what this
 * file adds is placement: every write into the fmtbuf output area goes
 * through fmt_put(), which clamps the position and size against msl the
 * way the verifier can follow (each bounded on its own, the area being
 * twice msl).
 *
 * Rules for code here (the importer, compiler/bpfmc/import.c, refuses the
 * rest): functions in .text only, no data of our own (no static tables,
 * no global variables: constants come through the extern symbols the
 * lowering binds), calls to helpers by number.
 */
#include "common/compat.h"
#include "common/escape.c"
#include "common/submatch.c"
#include "bpf/fmt_helpers.h"

extern const uint32_t ctap_fmt_msl;
extern const char ctap_fmt_spaces[];
extern const char ctap_fmt_zeros[];
extern const uint32_t ctap_fmt_msl_pow2;

/*
 * Every helper is flattened (all calls inlined): the bounds it checks must
 * stay on the registers the algorithm then uses.  A call in between would
 * pass the state through the stack, where the verifier keeps no bounds of
 * 4-byte halves of 8-byte slots.
 */
#define FMT_HELPER __attribute__((flatten))
/* A piece of a helper: clang's flatten inlines the calls written in the
 * flattened function's own body, not those of the functions it inlines,
 * so a piece that calls runtime/common is flattened itself. */
#define FMT_PIECE static __attribute__((always_inline, flatten))

static long (*const fmt_probe_read_kernel)(void *dst, uint32_t size, const void *src) =
	(void *)FMT_HELPERS_PROBE_READ_KERNEL;

/* out[pos...] = n bytes of src; returns the new position.  At most
 * msl - 1 bytes are ever used (the last is for the NUL). */
static __attribute__((always_inline)) uint32_t fmt_put(char *out, uint32_t pos, const char *src,
						       uint32_t n, uint32_t msl)
{
	uint32_t cover = msl - 1;

	/* The 6.1 verifier also walks paths on which a clamped register's
	 * bounds contradict each other (umin above umax), and there pointer
	 * arithmetic with it fails; a mask by a constant (all ones up to
	 * MAXSTRINGLEN, at most 4096) gives it sound bounds on every path. */
	cover |= cover >> 1;
	cover |= cover >> 2;
	cover |= cover >> 4;
	cover |= cover >> 8;
	if (pos > msl - 1)
		pos = msl - 1;
	asm volatile("" : "+r"(pos));
	pos &= cover;
	/* Bound n by a constant first: older verifiers (6.1 among them)
	 * learn nothing from comparing two registers neither of which is a
	 * constant (the clamp below), so out + pos + n was unbounded for
	 * them.  The barrier keeps clang from folding this clamp into the
	 * next one. */
	if (n > msl - 1)
		n = msl - 1;
	asm volatile("" : "+r"(n));
	if (n > msl - 1 - pos)
		n = msl - 1 - pos;
	if (n)
		fmt_probe_read_kernel(out + pos, n, src);
	return pos + n;
}

static __attribute__((always_inline)) uint32_t fmt_putc(char *out, uint32_t pos, char c,
							uint32_t msl)
{
	if (pos >= msl - 1)
		return msl - 1;
	out[pos] = c;
	return pos + 1;
}

static __attribute__((always_inline)) void fmt_spec(uint64_t spec, enum fmt_conv *conv,
						    unsigned *flags, int *width, int *prec)
{
	*conv = (enum fmt_conv)(spec & 15);
	*flags = (unsigned)(spec >> 4) & 31;
	*width = (int)((spec >> 16) & 0xffff);
	*prec = (int)((spec >> 32) & 0xffff) - 1;
}

/* format_integer() of v at out[pos...] (the layout in fb's area for it) */
FMT_PIECE uint32_t fmt_int_at(char *fb, char *out, uint32_t pos, int64_t v, uint64_t spec,
			      uint32_t msl)
{
	struct format_int_layout *l = (struct format_int_layout *)(fb + FMT_HELPERS_LAYOUT(msl));
	uint32_t ndig, skip;
	enum fmt_conv conv;
	unsigned flags;
	int width, prec;

	fmt_spec(spec, &conv, &flags, &width, &prec);
	format_int_layout(l, conv, flags, width, prec, v);
	pos = fmt_put(out, pos, ctap_fmt_spaces, l->lead, msl);
	if (l->sign)
		pos = fmt_putc(out, pos, l->sign, msl);
	if (l->plen > 0)
		pos = fmt_putc(out, pos, l->prefix[0], msl);
	if (l->plen > 1)
		pos = fmt_putc(out, pos, l->prefix[1], msl);
	pos = fmt_put(out, pos, ctap_fmt_zeros, l->zeros, msl);
	ndig = l->ndig;
	if (ndig > FORMAT_INT_DIGITS_MAX)
		ndig = FORMAT_INT_DIGITS_MAX;
	/* The 6.1 verifier keeps walking a path on which ndig's bounds
	 * contradict each other, and there FORMAT_INT_DIGITS_MAX - ndig is
	 * unbounded: a mask it cannot lose bounds the offset on every path. */
	_Static_assert(FORMAT_INT_DIGITS_MAX < 32, "digit offsets fit the mask");
	skip = FORMAT_INT_DIGITS_MAX - ndig;
	asm volatile("" : "+r"(skip));
	skip &= 31;
	pos = fmt_put(out, pos, l->digits + skip, ndig, msl);
	return fmt_put(out, pos, ctap_fmt_spaces, l->trail, msl);
}

FMT_HELPER long fmt_int(char *fb, uint64_t pos64, int64_t v, uint64_t spec)
{
	uint32_t msl = ctap_fmt_msl;

	return fmt_int_at(fb, fb + FMT_HELPERS_OUT(msl), pos64 > msl ? msl : (uint32_t)pos64, v,
			  spec, msl);
}

FMT_HELPER long fmt_char(char *fb, uint64_t pos64, int64_t v, uint64_t spec)
{
	uint32_t msl = ctap_fmt_msl;
	char *out = fb + FMT_HELPERS_OUT(msl);
	char *piece = fb + FMT_HELPERS_LAYOUT(msl);
	uint32_t pos = pos64 > msl ? msl : (uint32_t)pos64;
	uint32_t len = 1, pad;
	enum fmt_conv conv;
	unsigned flags;
	int width, prec;

	fmt_spec(spec, &conv, &flags, &width, &prec);
	piece[0] = (char)v;
	if (flags & FMT_F_ALT)
		len = escape_char(piece, (unsigned char)v);
	if (len > ESCAPE_CHAR_MAX)
		len = ESCAPE_CHAR_MAX;
	/* format_char(): space-padded to WIDTH on the side `-` says */
	pad = width > 0 && (uint32_t)width > len ? (uint32_t)width - len : 0;
	if (!(flags & FMT_F_LEFT))
		pos = fmt_put(out, pos, ctap_fmt_spaces, pad, msl);
	pos = fmt_put(out, pos, piece, len, msl);
	if (flags & FMT_F_LEFT)
		pos = fmt_put(out, pos, ctap_fmt_spaces, pad, msl);
	return pos;
}

FMT_HELPER long fmt_esc_begin(char *fb, int64_t outlen, uint64_t flags)
{
	uint32_t msl = ctap_fmt_msl;

	/* inlen (flags >> 16) 0: up to the NUL (the input is a zero-padded
	 * string); else that many bytes (ESCAPE_F_BUFFER: NULs are data) */
	escape_begin((struct escape_state *)(fb + FMT_HELPERS_STATE(msl)),
		     (int64_t)(flags >> 16), outlen, (unsigned)(flags & 0xffff), msl);
	return 0;
}

/* one escape_step() of in[] into out[]; 0 when the text is done */
FMT_PIECE int fmt_esc_step(char *fb, uint32_t msl)
{
	struct escape_state *mst = (struct escape_state *)(fb + FMT_HELPERS_STATE(msl));
	struct escape_state st = *mst;
	int more;

	/* never true; tells the verifier where in[] and out[] are touched */
	if (st.in_pos >= msl || st.pos >= msl)
		return 0;
	more = escape_step(&st, fb + FMT_HELPERS_OUT(msl), fb + FMT_HELPERS_IN(msl));
	*mst = st;
	return more;
}

FMT_PIECE uint32_t fmt_esc_finish(char *fb, uint32_t msl)
{
	struct escape_state st = *(struct escape_state *)(fb + FMT_HELPERS_STATE(msl));

	if (st.pos > msl - 1)
		st.pos = msl - 1;
	if (st.budget > msl)
		st.budget = msl;
	if (st.esc > msl)
		st.esc = msl;
	return escape_end(&st, fb + FMT_HELPERS_OUT(msl));
}

FMT_HELPER long fmt_esc_unit(uint64_t index, void *ctx)
{
	(void)index;
	return fmt_esc_step(*(char **)ctx, ctap_fmt_msl) ? 0 : 1;
}

FMT_HELPER long fmt_esc_end(char *fb)
{
	return fmt_esc_finish(fb, ctap_fmt_msl);
}

/* ------------------------------------------------------------ argv */

static long (*const fmt_probe_read_user)(void *dst, uint32_t size, const void *src) =
	(void *)FMT_HELPERS_PROBE_READ_USER;
static long (*const fmt_probe_read_user_str)(void *dst, uint32_t size, const void *src) =
	(void *)FMT_HELPERS_PROBE_READ_USER_STR;
static long (*const fmt_loop)(uint32_t n, long (*callback)(uint64_t, void *), void *ctx,
			      uint64_t flags) = (void *)FMT_HELPERS_LOOP;

/* out[pos...] = the n (<= 4) bytes of the little-endian word w: text
 * without data of our own, placed by fmt_put's checked clamps (the
 * positions here come from the map, where the verifier knows nothing) */
static __attribute__((always_inline)) uint32_t fmt_put_word(char *out, uint32_t pos, uint32_t w,
							     uint32_t n, uint32_t msl)
{
	return fmt_put(out, pos, (const char *)&w, n, msl);
}

#define FMT_WORD(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* "0x%x" of v at out[pos...] */
FMT_PIECE uint32_t fmt_hex_at(char *fb, char *out, uint32_t pos, uint64_t v, uint32_t msl)
{
	pos = fmt_put_word(out, pos, FMT_WORD('0', 'x', 0, 0), 2, msl);
	return fmt_int_at(fb, out, pos, (int64_t)v, FMT_HELPERS_SPEC(FMT_HEX, 0, 0, -1), msl);
}

/* Pointer `index` of the array into *p; 0 when it is NULL or cannot be
 * read, which ends the array (the status says which) */
static __attribute__((always_inline)) int fmt_argv_ptr(struct fmt_argv_state *ast, uint64_t index,
						      uint64_t *p)
{
	*p = 0;
	if (fmt_probe_read_user(p, sizeof(*p), (const void *)(ast->argv + index * 8u))) {
		ast->status = FMT_ARGV_FAULT;
		return 0;
	}
	if (!*p) {
		ast->status = FMT_ARGV_END;
		return 0;
	}
	return 1;
}

FMT_HELPER long fmt_argv_begin(char *fb, uint64_t argv)
{
	uint32_t msl = ctap_fmt_msl;
	struct fmt_argv_state *ast = (struct fmt_argv_state *)(fb + FMT_HELPERS_ARGV(msl));

	ast->argv = argv;
	ast->len = fmt_put_word(fb + FMT_HELPERS_ARGV_OUT(msl), 0, '[', 1, msl);
	ast->status = FMT_ARGV_RUNNING;
	return 0;
}

/*
 * escape_end() of the argument, its length into the argv state: the
 * callback of a one-iteration bpf_loop, because a callback is never
 * inlined, so escape_end() reads the state from the map, where
 * escape_step() left it.  Inlined into fmt_argv_unit(), clang keeps parts
 * of the state in registers or spills them to 4-byte stack halves, where
 * the verifier loses the clamps' bounds.
 */
FMT_HELPER long fmt_argv_close(uint64_t index, void *ctx)
{
	char *fb = *(char **)ctx;
	uint32_t msl = ctap_fmt_msl;

	(void)index;
	((struct fmt_argv_state *)(fb + FMT_HELPERS_ARGV(msl)))->plen = fmt_esc_finish(fb, msl);
	return 1;
}

/*
 * One callback per argument: read it (its text into in[], escaped into
 * out[] by a nested bpf_loop of fmt_esc_unit; or, unreadable, its address
 * into out[]), then append it, or end the text with ...] when it does not
 * fit.  Returns 1 when the array is done.
 */
FMT_HELPER long fmt_argv_unit(uint64_t index, void *ctx)
{
	char *fb = *(char **)ctx;
	uint32_t msl = ctap_fmt_msl;
	struct fmt_argv_state *ast = (struct fmt_argv_state *)(fb + FMT_HELPERS_ARGV(msl));
	char *text = fb + FMT_HELPERS_ARGV_OUT(msl);
	uint32_t len, plen;
	uint64_t p;

	if (index >= ESCAPE_ARGV_MAX) {
		ast->status = FMT_ARGV_END;
		return 1;
	}
	if (!fmt_argv_ptr(ast, index, &p))
		return 1;
	if (fmt_probe_read_user_str(fb + FMT_HELPERS_IN(msl), msl, (const void *)p) >= 0) {
		escape_begin((struct escape_state *)(fb + FMT_HELPERS_STATE(msl)), 0, 0,
			     ESCAPE_F_QUOTED, msl);
		fmt_loop(msl, fmt_esc_unit, ctx, 0);
		fmt_loop(1, fmt_argv_close, ctx, 0);
		plen = ast->plen;
	} else {
		plen = fmt_hex_at(fb, fb + FMT_HELPERS_OUT(msl), 0, p, msl);
	}
	len = ast->len;
	if (len > msl - 1)
		len = msl - 1;
	if (plen > msl - 1)
		plen = msl - 1;
	if (len + (index ? 2 : 0) + plen > msl - 5) {
		ast->len = fmt_put_word(text, len, FMT_WORD('.', '.', '.', ']'), 4, msl);
		ast->status = FMT_ARGV_CUT;
		return 1;
	}
	if (index)
		len = fmt_put_word(text, len, FMT_WORD(',', ' ', 0, 0), 2, msl);
	ast->len = fmt_put(text, len, fb + FMT_HELPERS_OUT(msl), plen, msl);
	return 0;
}

FMT_HELPER long fmt_argv_end(char *fb)
{
	uint32_t msl = ctap_fmt_msl;
	struct fmt_argv_state *ast = (struct fmt_argv_state *)(fb + FMT_HELPERS_ARGV(msl));
	char *text = fb + FMT_HELPERS_ARGV_OUT(msl);
	uint32_t len = ast->len;

	if (ast->status == FMT_ARGV_FAULT)
		len = fmt_hex_at(fb, text, 0, ast->argv, msl);
	else if (ast->status != FMT_ARGV_CUT)
		len = fmt_put_word(text, len, ']', 1, msl);
	/* the NUL (not needed at msl - 1: the copy out stops there) */
	fmt_put_word(text, len, 0, 1, msl);
	return len;
}

/* ------------------------------------------------------------ argv count */

FMT_HELPER long fmt_argv_count_begin(char *fb, uint64_t argv)
{
	struct fmt_argv_state *ast = (struct fmt_argv_state *)(fb + FMT_HELPERS_ARGV(ctap_fmt_msl));

	ast->argv = argv;
	ast->len = 0;
	ast->status = FMT_ARGV_RUNNING;
	return 0;
}

/* bpf_loop callback: pointer `index` of the array; 1 at the NULL one */
FMT_HELPER long fmt_argv_count_unit(uint64_t index, void *ctx)
{
	char *fb = *(char **)ctx;
	struct fmt_argv_state *ast = (struct fmt_argv_state *)(fb + FMT_HELPERS_ARGV(ctap_fmt_msl));
	uint64_t p;

	if (!fmt_argv_ptr(ast, index, &p))
		return 1;
	ast->len = (uint32_t)index + 1;
	return 0;
}

FMT_HELPER long fmt_argv_count_end(char *fb)
{
	struct fmt_argv_state *ast = (struct fmt_argv_state *)(fb + FMT_HELPERS_ARGV(ctap_fmt_msl));

	return ast->status == FMT_ARGV_FAULT ? -1 : (long)ast->len;
}

/* ------------------------------------------------------------ wrap arrays */

static long (*const fmt_map_delete_elem)(void *map, const void *key) =
	(void *)FMT_HELPERS_MAP_DELETE_ELEM;

/* bpf_for_each_map_elem callback: the smallest insertion sequence of the
 * array's elements (the first word of each value) into *oldest */
FMT_HELPER long wrap_oldest(void *map, const void *key, const uint64_t *value, uint64_t *oldest)
{
	(void)map, (void)key;
	if (*value < *oldest)
		*oldest = *value;
	return 0;
}

/* bpf_for_each_map_elem callback: deletes the element whose sequence is
 * *oldest, and stops there */
FMT_HELPER long wrap_evict(void *map, const void *key, const uint64_t *value, uint64_t *oldest)
{
	if (*value != *oldest)
		return 0;
	fmt_map_delete_elem(map, key);
	return 1;
}

/* ------------------------------------------------------------ submatches */

FMT_HELPER long fmt_match_begin(char *mb, uint32_t len)
{
	struct fmt_match *m = (struct fmt_match *)mb;

	memset(m->slot, 0xff, sizeof(m->slot));
	submatch_begin(&m->st, len < ctap_fmt_msl ? len : ctap_fmt_msl - 1);
	return 0;
}

FMT_HELPER long fmt_match_unit(uint64_t index, void *ctx)
{
	char *mb = ((char **)ctx)[0];
	const struct submatch_prog *p = ((const struct submatch_prog **)ctx)[1];
	struct fmt_match *m = (struct fmt_match *)mb;

	(void)index;
	return submatch_step(&m->st, p, mb + FMT_HELPERS_MATCH_SUBJECT, ctap_fmt_msl_pow2) ? 0 : 1;
}

FMT_HELPER long fmt_match_end(char *mb, const struct submatch_prog *p)
{
	struct fmt_match *m = (struct fmt_match *)mb;

	submatch_end(&m->st, p, m->slot);
	m->groups = (int32_t)(p->nslots / 2);
	return 0;
}

FMT_HELPER long fmt_match_group(char *mb, char *fb, uint64_t n)
{
	struct fmt_match *m = (struct fmt_match *)mb;
	uint32_t msl = ctap_fmt_msl;
	char *out = fb + FMT_HELPERS_OUT(msl);

	if (m->groups < 0)
		return -1;
	if (n >= (uint64_t)m->groups || n >= SUBMATCH_MAX_SLOTS / 2)
		return -2;
	int32_t from = m->slot[2 * n], to = m->slot[2 * n + 1];
	uint32_t len = 0;
	if (from >= 0 && to > from && (uint32_t)to < msl) {
		len = (uint32_t)(to - from);
		/* (uint32_t)from < msl and len < msl: both bounded on their own */
		fmt_probe_read_kernel(out, len & (ctap_fmt_msl_pow2 - 1),
				      mb + FMT_HELPERS_MATCH_SUBJECT + ((uint32_t)from & (ctap_fmt_msl_pow2 - 1)));
	}
	out[len & (ctap_fmt_msl_pow2 - 1)] = 0;
	return len;
}
