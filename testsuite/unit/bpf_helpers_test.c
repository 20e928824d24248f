/*
 * bpf_helpers_test: runtime helpers written once in C and compiled to BPF
 * (compiler/bpfmc/import.h, runtime/bpf/fmt_helpers.h), for real on the
 * running kernel.
 *
 * The importer: its refusals (a damaged object, an unbound extern), the
 * listing, and a clang-built test object (import_test.bpf.c) that holds
 * each relocation clang emits, run through BPF_PROG_TEST_RUN.  The
 * formatting helpers: fmt_int, fmt_char and the escape loop run in the
 * kernel on thousands of inputs (every integer conversion with every
 * flag set, widths and precisions past MAXSTRINGLEN, all 256 %c bytes,
 * UTF-8 edge cases, truncation at every budget) and their bytes are
 * compared with runtime/common's user-space results, at two
 * MAXSTRINGLENs.  Cases needing root/BPF say "skipped" without them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/attach.h"
#include "bpf/feature.h"
#include "bpf/fmt_helpers.h"
#include "bpf/load.h"
#include "bpfmc/asm.h"
#include "bpfmc/import.h"
#include "bpfmc/ir.h"
#include "common/escape.h"
#include "common/format.h"
#include "common/outbuf.h"
#include "diag/diag.h"
#include "diag/source.h"
#include "util/arena.h"
#include "util/strbuf.h"

extern const unsigned char import_test_obj[];
extern const size_t import_test_obj_size;

#include "bpf_unit.h"

static const char *needs_bpf_loop(void)
{
	return feature_available(FEATURE_BPF_LOOP) ? NULL : "no bpf_loop";
}

static void run_case(const char *name, void (*fn)(void), bool needs_bpf)
{
	run_case_if(name, fn, needs_bpf, needs_bpf ? needs_bpf_loop : NULL);
}

static void t_open(struct t *t)
{
	t_open_with(t, NULL);
}

static int build_load(struct t *t, struct ir *ir)
{
	struct asm_prog *p = asm_build(ir);
	if (!p) {
		fail("%s did not build: %s", ir->name, t_diag(t));
		return -1;
	}
	int fd = load_prog(t->lc, p);
	if (fd < 0)
		fail("%s did not load: %s", ir->name, t_diag(t));
	return fd;
}

static bool run_once(struct t *t, int fd, uint64_t a, uint64_t b, uint32_t *ret)
{
	uint64_t args[2] = { a, b };
	if (attach_run_once(t->lc, fd, args, 2, ret, NULL) != 0) {
		fail("test run failed: %s", t_diag(t));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ importer */

/* The embedded helpers parse, with the functions and arities the
 * contract names; a damaged object and an unbound extern are internal
 * errors, never a half import. */
static void case_import_refusals(void)
{
	struct t t;
	t_open(&t);
	struct import_obj *o = import_open(t.a, &t.diag, "fmt_helpers.bpf.c", fmt_helpers_obj,
					   fmt_helpers_obj_size);
	CHECK(o, "helpers do not import: %s", t_diag(&t));
	static const char *const names[] = { "fmt_int", "fmt_char", "fmt_esc_begin", "fmt_esc_unit",
					     "fmt_esc_end" };
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		bool found = false;
		for (uint32_t i = 0; i < import_count(o); i++)
			found |= !strcmp(import_name(o, i, NULL), names[k]);
		CHECK(found, "no %s in the helpers", names[k]);
	}
	/* a truncated object */
	CHECK(!import_open(t.a, &t.diag, "cut.o", fmt_helpers_obj, 100), "a cut object imported");
	CHECK(strstr(t_diag(&t), "internal error") && strstr(t_diag(&t), "cut.o"),
	      "no internal error for a cut object: %s", t_diag(&t));
	/* the object of another machine: our own ELF header with e_machine changed */
	unsigned char *bad = arena_memdup(t.a, fmt_helpers_obj, fmt_helpers_obj_size);
	bad[18] = 62; /* EM_X86_64 */
	CHECK(!import_open(t.a, &t.diag, "x86.o", bad, fmt_helpers_obj_size), "an x86 object imported");
	CHECK(strstr(t_diag(&t), "x86.o") && strstr(t_diag(&t), "not a little-endian 64-bit BPF"),
	      "wrong message: %s", t_diag(&t));
	/* an extern left unbound */
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "p", BPF_PROG_TYPE_RAW_TRACEPOINT);
	CHECK(!import_func(ir, o, "fmt_int", NULL, 0) && ir_failed(ir), "unbound extern accepted");
	CHECK(strstr(t_diag(&t), "uses extern 'ctap_fmt_msl', which is not bound"),
	      "wrong message: %s", t_diag(&t));
	struct ir *ir2 = ir_new(t.a, &t.diag, &t.tagger, "p2", BPF_PROG_TYPE_RAW_TRACEPOINT);
	CHECK(!import_func(ir2, o, "no_such", NULL, 0) && ir_failed(ir2), "a missing function");
out:
	t_close(&t);
}

/* entry(a, b) of import_test.bpf.c called from an IR main: a static call
 * (pc-relative), a global call (relocated), a callback address and an
 * extern, all resolved; the listing shows the imported code. */
static void case_import_relocs(void)
{
	struct t t;
	t_open(&t);
	struct import_obj *o = import_open(t.a, &t.diag, "import_test.bpf.c", import_test_obj,
					   import_test_obj_size);
	CHECK(o, "test object does not import: %s", t_diag(&t));
	struct ir_map *ro = ir_map_rodata(t.a, "rodata");
	uint64_t k = 1000;
	struct import_extern ext = { "ctap_test_k", ro, ir_rodata_add(t.a, ro, &k, 8, 8) };
	struct ir *ir = ir_new(t.a, &t.diag, &t.tagger, "relocs", BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir_func *entry = import_func(ir, o, "entry", &ext, 1);
	CHECK(entry && entry->nargs == 2, "entry not imported: %s", t_diag(&t));
	CHECK(import_func(ir, o, "entry", &ext, 1) == entry, "imported twice");
	ir_reg a = ir_new_vreg(ir), b = ir_new_vreg(ir), r = ir_new_vreg(ir);
	ir_emit_load(ir, 8, a, ir_ctx(ir), 0);
	ir_emit_load(ir, 8, b, ir_ctx(ir), 8);
	ir_call_func(ir, r, entry, ir_arg_reg(a), ir_arg_reg(b));
	ir_emit_exit(ir, r);
	int fd = build_load(&t, ir);
	CHECK(fd >= 0, "%s", fail_msg);
	CHECK(ir->funcs.len == 5, "%u functions, want main + entry, twice, add_k, sum_cb",
	      ir->funcs.len);
	struct strbuf sb = STRBUF_INIT;
	struct asm_prog *p = asm_encode(ir);
	asm_listing(p, &t.tagger, &sb);
	bool listed = strstr(strbuf_str(&sb), "imported from import_test.bpf.c") &&
		      strstr(strbuf_str(&sb), "; entry (C helper)") &&
		      strstr(strbuf_str(&sb), "call pc") && strstr(strbuf_str(&sb), "func <sum_cb>");
	strbuf_free(&sb);
	CHECK(listed, "listing lacks the imported functions");
	static const int64_t cases[][2] = { { 0, 0 }, { 1, 1 }, { 21, 10 }, { -5, 63 }, { 7, 64 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t ret = 0;
		int64_t n = cases[i][1] & 63;
		uint32_t want = (uint32_t)(2 * cases[i][0] + n * (n - 1) / 2 + 1000);
		CHECK(run_once(&t, fd, (uint64_t)cases[i][0], (uint64_t)cases[i][1], &ret), "run");
		CHECK(ret == want, "entry(%lld, %lld) = %u, want %u", (long long)cases[i][0],
		      (long long)cases[i][1], ret, want);
	}
out:
	t_close(&t);
}

/* ------------------------------------------------------------ helpers */

struct hx {
	struct t t;
	uint32_t msl;
	struct ir_map *fb;
	int fd_int, fd_char, fd_esc;
	unsigned char *val;     /* a copy of the fmtbuf value */
	uint32_t vsize;
	unsigned long runs;
};

static struct ir_func *hx_import(struct hx *h, struct ir *ir, struct ir_map *ro, const char *name)
{
	struct import_obj *o = import_open(h->t.a, &h->t.diag, "fmt_helpers.bpf.c",
					   fmt_helpers_obj, fmt_helpers_obj_size);
	uint32_t msl = h->msl;
	char *sp = arena_alloc(h->t.a, msl), *zs = arena_alloc(h->t.a, msl);
	memset(sp, ' ', msl);
	memset(zs, '0', msl);
	struct import_extern ext[3] = {
		{ "ctap_fmt_msl", ro, ir_rodata_add(h->t.a, ro, &msl, 4, 4) },
		{ "ctap_fmt_spaces", ro, ir_rodata_add(h->t.a, ro, sp, msl, 8) },
		{ "ctap_fmt_zeros", ro, ir_rodata_add(h->t.a, ro, zs, msl, 8) },
	};
	return o ? import_func(ir, o, name, ext, 3) : NULL;
}

/* main: fb = &fmtbuf[0]; returns what the helper returns */
static ir_reg hx_fb(struct ir *ir, struct ir_map *fb, int16_t *slot)
{
	*slot = ir_stack_alloc(ir, 8, 8);
	ir_emit_store_imm(ir, 8, IR_FP, *slot, 0);
	ir_reg p = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(fb), ir_arg_stack(*slot));
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JNE, p, 0, ok);
	ir_emit_exit_imm(ir, -1);
	ir_bind_label(ir, ok);
	return p;
}

static int hx_conv_prog(struct hx *h, struct ir_map *ro, const char *name)
{
	struct ir *ir = ir_new(h->t.a, &h->t.diag, &h->t.tagger, name, BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir_func *f = hx_import(h, ir, ro, name);
	if (!f) {
		fail("%s not imported: %s", name, t_diag(&h->t));
		return -1;
	}
	int16_t slot;
	ir_reg fb = hx_fb(ir, h->fb, &slot), v = ir_new_vreg(ir), spec = ir_new_vreg(ir),
	       r = ir_new_vreg(ir);
	ir_emit_load(ir, 8, v, ir_ctx(ir), 0);
	ir_emit_load(ir, 8, spec, ir_ctx(ir), 8);
	ir_call_func(ir, r, f, ir_arg_reg(fb), ir_arg_imm(0), ir_arg_reg(v), ir_arg_reg(spec));
	ir_emit_exit(ir, r);
	return build_load(&h->t, ir);
}

/* The lowering's escape sequence: begin, bpf_loop over units, end. */
static int hx_esc_prog(struct hx *h, struct ir_map *ro)
{
	struct ir *ir = ir_new(h->t.a, &h->t.diag, &h->t.tagger, "esc", BPF_PROG_TYPE_RAW_TRACEPOINT);
	struct ir_func *b = hx_import(h, ir, ro, "fmt_esc_begin"),
		       *u = hx_import(h, ir, ro, "fmt_esc_unit"), *e = hx_import(h, ir, ro, "fmt_esc_end");
	if (!b || !u || !e) {
		fail("escape helpers not imported: %s", t_diag(&h->t));
		return -1;
	}
	int16_t slot;
	ir_reg fb = hx_fb(ir, h->fb, &slot), outlen = ir_new_vreg(ir), flags = ir_new_vreg(ir),
	       r = ir_new_vreg(ir);
	ir_emit_load(ir, 8, outlen, ir_ctx(ir), 0);
	ir_emit_load(ir, 8, flags, ir_ctx(ir), 8);
	ir_call_func(ir, IR_NOREG, b, ir_arg_reg(fb), ir_arg_reg(outlen), ir_arg_reg(flags));
	ir_emit_store(ir, 8, IR_FP, slot, fb);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_loop, ir_arg_imm(h->msl), ir_arg_func(u),
		       ir_arg_stack(slot), ir_arg_imm(0));
	ir_call_func(ir, r, e, ir_arg_reg(fb));
	ir_emit_exit(ir, r);
	return build_load(&h->t, ir);
}

static bool hx_open(struct hx *h, uint32_t msl)
{
	memset(h, 0, sizeof(*h));
	t_open(&h->t);
	h->msl = msl;
	h->vsize = FMT_HELPERS_SIZE(msl);
	h->val = calloc(1, h->vsize);
	h->fb = ir_map_new(h->t.a, "fmtbuf", BPF_MAP_TYPE_ARRAY, 4, h->vsize, 1, 0);
	struct ir_map *ro = ir_map_rodata(h->t.a, "rodata");
	h->fd_int = hx_conv_prog(h, ro, "fmt_int");
	h->fd_char = h->fd_int >= 0 ? hx_conv_prog(h, ro, "fmt_char") : -1;
	h->fd_esc = h->fd_char >= 0 ? hx_esc_prog(h, ro) : -1;
	return h->fd_esc >= 0;
}

static void hx_close(struct hx *h)
{
	free(h->val);
	t_close(&h->t);
}

/* Runs fd on (a, b) and returns the output area's first `*len` bytes. */
static const char *hx_run(struct hx *h, int fd, uint64_t a, uint64_t b, uint32_t *len)
{
	uint32_t key = 0;
	h->runs++;
	if (!run_once(&h->t, fd, a, b, len))
		return NULL;
	if (*len >= h->msl) {
		fail("helper returned position %u (MAXSTRINGLEN %u)", *len, h->msl);
		return NULL;
	}
	if (bpf_map_lookup_elem(h->fb->fd, &key, h->val)) {
		fail("fmtbuf unreadable: %s", strerror(errno));
		return NULL;
	}
	return (const char *)h->val + FMT_HELPERS_OUT(h->msl);
}

static void show(char *dst, size_t n, const char *s, uint32_t len)
{
	size_t k = 0;
	for (uint32_t i = 0; i < len && k + 5 < n; i++)
		k += (size_t)snprintf(dst + k, n - k, (unsigned char)s[i] >= 0x20 &&
				      (unsigned char)s[i] < 0x7f ? "%c" : "\\x%02x", (unsigned char)s[i]);
	dst[k] = '\0';
}

/* One conversion in the kernel against format_spec() in user space. */
static bool hx_conv(struct hx *h, enum fmt_conv conv, unsigned flags, int width, int prec,
		    int64_t v)
{
	struct fmt_spec sp = { .conv = conv, .flags = flags, .width = width, .prec = prec };
	struct fmt_arg arg = fmt_arg_long(v);
	char *want = calloc(1, h->msl);
	struct outbuf ob;
	uint32_t argi = 0, len = 0;
	outbuf_init_string(&ob, want, h->msl);
	format_spec(&ob, "", &sp, &arg, 1, &argi, NULL);
	int w = width < 0 ? 0 : width, p = prec < 0 ? -1 : prec;
	const char *got = hx_run(h, conv == FMT_CHAR ? h->fd_char : h->fd_int, (uint64_t)v,
				 FMT_HELPERS_SPEC(conv, flags, w, p), &len);
	bool ok = got && len == ob.len && !memcmp(got, want, len);
	if (got && !ok) {
		char a[256], b[256];
		show(a, sizeof(a), got, len);
		show(b, sizeof(b), want, ob.len);
		fail("msl %u conv %d flags %#x width %d prec %d value %lld: got [%s] (%u), want [%s] (%u)",
		     h->msl, conv, flags, width, prec, (long long)v, a, len, b, ob.len);
	}
	free(want);
	return ok;
}

static const int64_t values[] = {
	0, 1, -1, 7, 8, 9, 10, 15, 16, 42, -42, 255, 256, 4095, 65535, 1000000007,
	-2147483648LL, 2147483647, 0x7fffffffffffffffLL, (int64_t)0x8000000000000000ULL,
	(int64_t)0xdeadbeefcafef00dULL, -999999999999LL, 123456789012345678LL,
};

static void integers(uint32_t msl)
{
	struct hx h;
	static const enum fmt_conv convs[] = { FMT_SIGNED, FMT_UNSIGNED, FMT_OCTAL, FMT_HEX,
					       FMT_HEX_UPPER, FMT_POINTER };
	const int widths[] = { FMT_NONE, 0, 1, 3, 8, 21, 30, (int)msl - 2, (int)msl + 40,
			       FMT_MAX_WIDTH };
	const int precs[] = { FMT_NONE, 0, 1, 5, 25, (int)msl + 3 };
	if (!hx_open(&h, msl))
		goto out;
	for (size_t c = 0; c < sizeof(convs) / sizeof(convs[0]); c++)
		for (unsigned fl = 0; fl < 32; fl++)
			for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
				for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
					for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
						if ((fl & 7) == fl || v % 4 == 0 || w < 4)
							if (!hx_conv(&h, convs[c], fl, widths[w],
								     precs[p], values[v]))
								goto out;
	printf("# integers (MAXSTRINGLEN %u): %lu conversions compared\n", msl, h.runs);
out:
	hx_close(&h);
}

static void case_fmt_int_512(void)
{
	integers(512);
}

static void case_fmt_int_16(void)
{
	integers(16);
}

static void case_fmt_char(void)
{
	struct hx h;
	const int widths[] = { FMT_NONE, 0, 1, 2, 4, 7, 600 };
	if (!hx_open(&h, 512))
		goto out;
	for (int v = -1; v < 257; v++)
		for (unsigned fl = 0; fl < 32; fl++)
			for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
				if (!hx_conv(&h, FMT_CHAR, fl, widths[w], FMT_NONE, v))
					goto out;
	printf("# fmt_char: %lu conversions compared\n", h.runs);
out:
	hx_close(&h);
}

/* One text through the escape loop in the kernel against escape_text(). */
static bool hx_escape(struct hx *h, const char *in, uint32_t inlen, int64_t outlen, unsigned flags)
{
	uint32_t key = 0, len = 0, n = inlen < h->msl ? inlen : h->msl - 1;
	memset(h->val, 0, h->vsize);
	memcpy(h->val + FMT_HELPERS_IN(h->msl), in, n);
	if (bpf_map_update_elem(h->fb->fd, &key, h->val, 0)) {
		fail("fmtbuf not written: %s", strerror(errno));
		return false;
	}
	/* the lowering hands the helpers zero-padded strings: what follows
	 * the text is a NUL, which the user-space reference sees too */
	char *src = calloc(1, h->msl + 1), *want = calloc(1, h->msl + 1);
	memcpy(src, in, n);
	uint32_t wlen = escape_text(want, src, 0, outlen, flags, h->msl);
	const char *got = hx_run(h, h->fd_esc, (uint64_t)outlen, flags, &len);
	bool ok = got && len == wlen && !memcmp(got, want, len + 1);
	if (got && !ok) {
		char a[600], b[600], c[600];
		show(a, sizeof(a), got, len);
		show(b, sizeof(b), want, wlen);
		show(c, sizeof(c), in, n);
		fail("msl %u flags %u outlen %lld input [%s]: got [%s] (%u), want [%s] (%u)", h->msl,
		     flags, (long long)outlen, c, a, len, b, wlen);
	}
	free(src);
	free(want);
	return ok;
}

static const char *const texts[] = {
	"", "a", "plain text", "tab\there \"quoted\" back\\slash\nnl", "\a\b\f\n\r\t\v\x01\x1f\x7f",
	"\xc3\xa9t\xc3\xa9", "\xe2\x82\xac 5", "\xf0\x9f\x98\x80!", "\xf4\x8f\xbf\xbf",
	"\xc0\x80 overlong", "\xe0\x80\x80", "\xf0\x80\x80\x80", "\xed\xa0\x80 surrogate",
	"\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x90\x80\x80 beyond", "\xf8\x88\x80\x80\x80 five",
	"\x80\xbf stray", "cut \xc3", "cut \xe2\x82", "cut \xf0\x9f\x98", "\xc3\x28", "\xe2\x28\xa1",
	"\xff\xfe", "\"\"\"\"\"\"\"\"", "\\\\\\\\\\\\", "ab\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
};

static void escapes(uint32_t msl)
{
	struct hx h;
	char buf[1024];
	if (!hx_open(&h, msl))
		goto out;
	for (unsigned flags = 0; flags < 4; flags++) {
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			for (int64_t outlen = -1; outlen <= (int64_t)msl + 1; outlen++)
				if (!hx_escape(&h, texts[i], (uint32_t)strlen(texts[i]), outlen, flags))
					goto out;
		/* long texts of every kind of unit, cut at every budget */
		uint32_t seed = 12345;
		for (int k = 0; k < 24; k++) {
			uint32_t n = 0;
			while (n < msl + 40 && n < sizeof(buf)) {
				seed = seed * 1103515245 + 12345;
				const char *piece = texts[(seed >> 16) % (sizeof(texts) / sizeof(texts[0]))];
				size_t pl = strlen(piece);
				if (n + pl > sizeof(buf))
					break;
				memcpy(buf + n, piece, pl);
				n += (uint32_t)pl;
			}
			if (!(flags & ESCAPE_F_BUFFER))
				for (uint32_t j = 0; j < n; j++)
					buf[j] = buf[j] ? buf[j] : 'z';
			for (int64_t outlen = 0; outlen <= (int64_t)msl; outlen += 1 + k % 5)
				if (!hx_escape(&h, buf, n, outlen, flags))
					goto out;
		}
	}
	printf("# escapes (MAXSTRINGLEN %u): %lu texts compared\n", msl, h.runs);
out:
	hx_close(&h);
}

static void case_escape_512(void)
{
	escapes(512);
}

static void case_escape_16(void)
{
	escapes(16);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_case("import_refusals", case_import_refusals, false);
	run_case("import_relocs", case_import_relocs, true);
	run_case("fmt_int_512", case_fmt_int_512, true);
	run_case("fmt_int_16", case_fmt_int_16, true);
	run_case("fmt_char", case_fmt_char, true);
	run_case("escape_512", case_escape_512, true);
	run_case("escape_16", case_escape_16, true);
	return failures ? 1 : 0;
}
