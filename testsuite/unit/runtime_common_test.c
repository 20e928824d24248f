/*
 * runtime_common_test: unit tests for runtime/common (printf engine,
 * escaping, statistics, histogram printing, global display lines, sort).
 * Prints "ok - NAME" / "not ok - NAME" per case (the runner counts them),
 * with "# ..." lines showing expected and actual output on failure.
 *
 * The expected texts come from output-formats.md §2/§5/§6 and
 * language.md §10 (examples quoted verbatim where the spec gives them).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/display.h"
#include "common/escape.h"
#include "common/format.h"
#include "common/hist_print.h"
#include "common/outbuf.h"
#include "common/sort.h"
#include "common/stats.h"

static int failures;

static void show(const char *label, const char *s, size_t n)
{
	size_t i;

	printf("#   %s (%zu bytes): \"", label, n);
	for (i = 0; i < n && i < 400; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			printf("\\n");
		else if (c == '\\' || c == '"')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\%03o", c);
		else
			putchar(c);
	}
	printf("%s\"\n", n > 400 ? "..." : "");
}

static int ok(const char *name, int cond)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
	if (!cond)
		failures++;
	return cond;
}

static int ok_bytes(const char *name, const char *want, size_t wlen, const char *got, size_t glen)
{
	int good = wlen == glen && memcmp(want, got, wlen) == 0;

	if (!ok(name, good)) {
		show("want", want, wlen);
		show("got ", got, glen);
	}
	return good;
}

/* Compares with a string literal (which may hold NUL bytes). */
#define OKS(name, lit, got, glen) ok_bytes(name, lit, sizeof(lit) - 1, got, glen)

static int ok_long(const char *name, int64_t want, int64_t got)
{
	if (!ok(name, want == got))
		printf("#   want %" PRId64 ", got %" PRId64 "\n", want, got);
	return want == got;
}

/* ---- printf ------------------------------------------------------------ */

static char big[1 << 16];

/* Formats into a large buffer and compares with want[0..wlen). */
static int pf_check(const char *name, const char *want, size_t wlen, const char *fmt,
		    const struct fmt_arg *args, uint32_t nargs)
{
	struct outbuf ob;
	int rc;

	outbuf_init(&ob, big, sizeof big);
	rc = format_printf(&ob, fmt, (uint32_t)strlen(fmt), args, nargs, NULL);
	if (rc != FORMAT_OK) {
		ok(name, 0);
		printf("#   status %d\n", rc);
		return 0;
	}
	return ok_bytes(name, want, wlen, ob.buf, ob.len);
}

#define L(v) fmt_arg_long((int64_t)(v))
#define S(s) fmt_arg_str(s)
#define ARGV(...) ((const struct fmt_arg[]){ __VA_ARGS__ })
#define NARG(...) ((uint32_t)(sizeof(ARGV(__VA_ARGS__)) / sizeof(struct fmt_arg)))
/* PF(name, expected-literal, format, args...) */
#define PF(name, want, fmt, ...) \
	pf_check(name, want, sizeof(want) - 1, fmt, ARGV(__VA_ARGS__), NARG(__VA_ARGS__))
#define PF0(name, want, fmt) pf_check(name, want, sizeof(want) - 1, fmt, NULL, 0)

static void test_printf_spec_examples(void)
{
	PF("spec 2.1 example 1",
	   "a is alice; 1234abcd or 1234ABCD or 0x1234abcd; -1 or 18446744073709551615\n",
	   "%c is %s; %x or %X or %p; %d or %u\n",
	   L(97), S("alice"), L(0x1234abcd), L(0x1234abcd), L(0x1234abcd), L(-1), L(-1));
	PF("spec 2.1 #o #x #X", "01 0x2 0X3\n", "%#o %#x %#X\n", L(1), L(2), L(3));
	PF("spec 2.1 width/flags", "[   42|42   |00042|+42| 42|007]",
	   "[%5d|%-5d|%05d|%+d|% d|%.3d]", L(42), L(42), L(42), L(42), L(42), L(7));
	PF("spec 2.1 strings", "ab      |      ab|ab", "%-8s|%8s|%.2s", S("ab"), S("ab"),
	   S("abcdef"));
	PF("spec 2.2 %#c", "\\000 \\t *\n", "%#c %#c %#c\n", L(0), L(9), L(42));
	PF("spec 2.2 %b%b", "\xad\xdb\xde\xc0\0\0\0\0\x78\x56\x34\x12\0\0\0\0", "%b%b",
	   L(0xc0dedbad), L(0x12345678));
	PF("spec 2.2 %1b Hello World", "Hello World\n", "%1b%1b%1blo %1b%1brld\n", L(72),
	   L(101), L(108), L(87), L(111));
	PF("spec #x of 0", "0x0", "%#x", L(0));
	PF("spec #o of 0", "00", "%#o", L(0));
	PF("spec p of 0", "0x0", "%p", L(0));
	PF("spec prec 0 value 0", "0", "%.0d", L(0));
	PF("spec %0s appends NUL", "   ab\0|", "%05s|", S("ab"));
	PF("spec %-08d is flag - width 8", "42      |", "%-08d|", L(42));
	PF("spec negative * width is 0", "42|", "%*d|", L(-5), L(42));
	PF("spec %ld is %d", "-7", "%ld", L(-7));
}

static void test_printf_integers(void)
{
	PF("d INT64_MIN", "-9223372036854775808", "%d", L(INT64_MIN));
	PF("d INT64_MAX", "9223372036854775807", "%i", L(INT64_MAX));
	PF("u INT64_MIN", "9223372036854775808", "%u", L(INT64_MIN));
	PF("o -1", "1777777777777777777777", "%o", L(-1));
	PF("#o -1", "01777777777777777777777", "%#o", L(-1));
	PF("x -1", "ffffffffffffffff", "%x", L(-1));
	PF("X -1", "FFFFFFFFFFFFFFFF", "%X", L(-1));
	PF("p -1", "0xffffffffffffffff", "%p", L(-1));
	PF("+d 0", "+0", "%+d", L(0));
	PF("space d 0", " 0", "% d", L(0));
	PF("space d negative", "-5", "% d", L(-5));
	PF("+d negative", "-5", "%+d", L(-5));
	PF("05d negative", "-0042", "%05d", L(-42));
	PF("+5d", "  +42", "%+5d", L(42));
	PF("-5d negative", "-42  |", "%-5d|", L(-42));
	PF("space 5d", "   42", "% 5d", L(42));
	PF("+u ignores sign flag", "5", "%+u", L(5));
	PF("space x ignores sign flag", "ff", "% x", L(255));
	PF("#d has no prefix", "5", "%#d", L(5));
	PF("#u has no prefix", "5", "%#u", L(5));
	PF("#08x is flag # and width 08 (one flag only)", "    0xff", "%#08x", L(255));
	PF("#8x spaces before prefix", "    0xff", "%#8x", L(255));
	PF("#.4x", "0x00ff", "%#.4x", L(255));
	PF("#.4X", "0X00FF", "%#.4X", L(255));
	PF("#5o", "  010", "%#5o", L(8));
	PF("#.0o of 0", "00", "%#.0o", L(0));
	PF("#.3o of 8", "0010", "%#.3o", L(8));
	PF(".0x of 0", "0", "%.0x", L(0));
	PF("8.3d", "     007", "%8.3d", L(7));
	PF("-8.3d", "007     |", "%-8.3d|", L(7));
	PF("08.3d zero flag wins", "00000007", "%08.3d", L(7));
	PF(".5d negative", "-00042", "%.5d", L(-42));
	PF("+.3d", "+007", "%+.3d", L(7));
	PF("width smaller than number", "123456", "%3d", L(123456));
	PF("5p", " 0x10", "%5p", L(16));
	PF("-6p", "0x10  |", "%-6p|", L(16));
	PF("05p zero pads after 0x", "0x010", "%05p", L(16));
	PF(".4p", "0x0010", "%.4p", L(16));
	PF("lx", "ff", "%lx", L(255));
	PF0("percent", "100%", "100%%");
	PF0("literal only", "plain text", "plain text");
	PF0("empty format", "", "");
	PF("star width", "   42", "%*d", L(5), L(42));
	PF("star prec", "007", "%.*d", L(3), L(7));
	PF("star width and prec", "  007", "%*.*d", L(5), L(3), L(7));
	PF("negative star prec is 0", "7", "%.*d", L(-3), L(7));
	PF("negative star prec on %s is 0", "[]", "[%.*s]", L(-1), S("abc"));
	PF("zero star width", "42", "%*d", L(0), L(42));
}

/*
 * Where SystemTap's integer and string rules coincide with C's (no `#`, no
 * `0` flag together with a precision, no precision 0 with value 0), the
 * engine must agree with the C library for every flag/width/precision.
 */
static void test_printf_vs_libc(void)
{
	static const int64_t vals[] = { 0, 1, -1, 7, 42, -42, 255, 4096, 123456789,
					-987654321, INT64_MAX, INT64_MIN, INT64_MIN + 1,
					0x1234abcd, -0x1234abcd, 1000000000000LL };
	static const char convs[] = "diuoxX";
	static const char *flags[] = { "", "-", "+", " ", "0" };
	int bad = 0, cases = 0;
	size_t vi, ci, fi;
	int w, p;

	for (ci = 0; ci < sizeof convs - 1; ci++)
	for (fi = 0; fi < 5; fi++)
	for (w = -1; w <= 24; w += 5)
	for (p = -1; p <= 22; p += 3)
	for (vi = 0; vi < sizeof vals / sizeof vals[0]; vi++) {
		char ours[64], libc[80], want[128];
		struct outbuf ob;
		int n;

		if (p >= 0 && flags[fi][0] == '0')
			continue;
		if (p == 0 && vals[vi] == 0)
			continue;
		n = snprintf(ours, sizeof ours, "%%%s", flags[fi]);
		if (w >= 0)
			n += snprintf(ours + n, sizeof ours - (size_t)n, "%d", w);
		if (p >= 0)
			n += snprintf(ours + n, sizeof ours - (size_t)n, ".%d", p);
		snprintf(libc, sizeof libc, "%sll%c", ours, convs[ci]);
		snprintf(ours + n, sizeof ours - (size_t)n, "%c", convs[ci]);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(want, sizeof want, libc, (long long)vals[vi]);
#pragma GCC diagnostic pop
		outbuf_init(&ob, big, sizeof big);
		format_printf(&ob, ours, (uint32_t)strlen(ours), ARGV(L(vals[vi])), 1, NULL);
		cases++;
		if (ob.len != strlen(want) || memcmp(ob.buf, want, ob.len) != 0) {
			if (bad++ < 5) {
				printf("#   %s of %" PRId64 "\n", ours, vals[vi]);
				show("want", want, strlen(want));
				show("got ", ob.buf, ob.len);
			}
		}
	}
	if (!ok("integers agree with C where the rules coincide", bad == 0 && cases > 10000))
		printf("#   %d of %d differ\n", bad, cases);

	bad = 0;
	for (fi = 0; fi < 2; fi++)
	for (w = -1; w <= 12; w++)
	for (p = -1; p <= 9; p++)
	for (vi = 0; vi < 4; vi++) {
		static const char *strs[] = { "", "a", "hello", "hello, world" };
		char ours[32], want[64];
		struct outbuf ob;
		int n = snprintf(ours, sizeof ours, "%%%s", flags[fi]);

		if (w == 0)
			continue; /* "%0s" is the 0 flag */
		if (w >= 0)
			n += snprintf(ours + n, sizeof ours - (size_t)n, "%d", w);
		if (p >= 0)
			n += snprintf(ours + n, sizeof ours - (size_t)n, ".%d", p);
		snprintf(ours + n, sizeof ours - (size_t)n, "s|");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(want, sizeof want, ours, strs[vi]);
#pragma GCC diagnostic pop
		outbuf_init(&ob, big, sizeof big);
		format_printf(&ob, ours, (uint32_t)strlen(ours), ARGV(S(strs[vi])), 1, NULL);
		if (ob.len != strlen(want) || memcmp(ob.buf, want, ob.len) != 0) {
			if (bad++ < 5) {
				printf("#   %s of \"%s\"\n", ours, strs[vi]);
				show("want", want, strlen(want));
				show("got ", ob.buf, ob.len);
			}
		}
	}
	ok("strings agree with C for -, width and precision", bad == 0);
}

static void test_printf_clamps(void)
{
	struct outbuf ob;
	const struct fmt_arg a[] = { L(100000), L(1) };
	const struct fmt_arg b[] = { L(1) };
	const struct fmt_arg c[] = { L(100000), L(1) };
	size_t i;
	int good;

	outbuf_init(&ob, big, sizeof big);
	format_printf(&ob, "%*d", 3, a, 2, NULL);
	good = ob.len == 8192 && ob.buf[8191] == '1' && ob.buf[0] == ' ';
	ok("star width clamped to 8192", good);

	outbuf_init(&ob, big, sizeof big);
	format_printf(&ob, "%99999d", 7, b, 1, NULL);
	ok("literal width clamped to 8192", ob.len == 8192);

	outbuf_init(&ob, big, sizeof big);
	format_printf(&ob, "%.*d", 4, c, 2, NULL);
	good = ob.len == 8192 && ob.buf[8191] == '1';
	for (i = 0; i + 1 < ob.len; i++)
		good &= ob.buf[i] == '0';
	ok("star precision clamped to 8192", good);

	outbuf_init(&ob, big, sizeof big);
	format_printf(&ob, "%.99999x", 8, b, 1, NULL);
	ok("literal precision clamped to 8192", ob.len == 8192);
}

static void test_printf_chars_strings(void)
{
	PF("3c", "  A", "%3c", L(65));
	PF("-3c", "A  |", "%-3c|", L(65));
	PF("05c pads with spaces", "    A", "%05c", L(65));
	PF("c takes low 8 bits", "A", "%c", L(0x141));
	PF("c of 0 is a NUL byte", "<\0>", "<%c>", L(0));
	PF("#c escapes", "\\a\\b\\f\\n\\r\\t\\v\\'\\\\\"", "%#c%#c%#c%#c%#c%#c%#c%#c%#c%#c",
	   L('\a'), L('\b'), L('\f'), L('\n'), L('\r'), L('\t'), L('\v'), L('\''), L('\\'),
	   L('"'));
	PF("#c octal", "\\001\\177\\200\\310\\377", "%#c%#c%#c%#c%#c", L(1), L(127), L(128),
	   L(200), L(255));
	PF("#c printable", " ~A", "%#c%#c%#c", L(' '), L('~'), L('A'));
	PF("#5c pads the escape", " \\000", "%#5c", L(0));
	PF("#2c wider than width", "\\001", "%#2c", L(1));
	PF(".0s", "[]", "[%.0s]", S("abc"));
	PF("5.2s", "   ab", "%5.2s", S("abc"));
	PF("-5.2s", "ab   |", "%-5.2s|", S("abc"));
	PF(".10s longer than string", "abc", "%.10s", S("abc"));
	PF("empty string", "[]", "[%s]", S(""));
	PF("#s has no effect", "ab", "%#s", S("ab"));
	PF("+s has no effect", "ab", "%+s", S("ab"));
	PF("0s without width", "ab\0", "%0s", S("ab"));
	PF("0.1s", "  a\0", "%03.1s", S("ab"));
	PF("s keeps bytes >= 0x80", "\xc3\xa9", "%s", S("\xc3\xa9"));
}

static void test_printf_binary(void)
{
	PF("4b host order", "\x04\x03\x02\x01", "%4b", L(0x01020304));
	PF("2b", "\x02\x01", "%2b", L(0x0102));
	PF("1b takes low byte", "\x41", "%1b", L(0x1241));
	PF("8b", "\x08\x07\x06\x05\x04\x03\x02\x01", "%8b", L(0x0102030405060708));
	PF("3b is 8 bytes", "\x01\0\0\0\0\0\0\0", "%3b", L(1));
	PF("10b NUL-pads before", "\0\0\x01\0\0\0\0\0\0\0", "%10b", L(1));
	PF("-10b NUL-pads after", "\x01\0\0\0\0\0\0\0\0\0|", "%-10b|", L(1));
	PF("10.2b", "\0\0\0\0\0\0\0\0BA", "%10.2b", L(0x4142));
	PF(".4b", "\x04\x03\x02\x01", "%.4b", L(0x01020304));
	PF(".3b falls back to 8", "\x01\0\0\0\0\0\0\0", "%.3b", L(1));
	PF("2.3b uses width 2", "\x01\x00", "%2.3b", L(1));
	PF("1.2b prec wins over width", "\x42\x41", "%1.2b", L(0x4142));
	PF("*b", "\x41\x42", "%*b", L(2), L(0x4241));
}

/* A fake address space: 64 readable bytes at 0x1000 ("abc...") */
#define MEM_BASE 0x1000u
static char mem_bytes[64];
static int mem_last_user;
static int mem_reads;

static int mem_read(void *arg, void *dst, uint64_t addr, uint32_t len, int user)
{
	(void)arg;
	mem_last_user = user;
	mem_reads++;
	if (addr < MEM_BASE || addr + len > MEM_BASE + sizeof mem_bytes)
		return -14;
	memcpy(dst, mem_bytes + (addr - MEM_BASE), len);
	return 0;
}

static int pm_run(const char *fmt, const struct fmt_arg *args, uint32_t nargs,
		  struct outbuf *ob, struct format_mem *mem)
{
	outbuf_init(ob, big, sizeof big);
	mem->read = mem_read;
	mem->arg = NULL;
	mem->fault_addr = 0;
	return format_printf(ob, fmt, (uint32_t)strlen(fmt), args, nargs, mem);
}

#define PM(name, want, fmt, ...)                                                    \
	do {                                                                        \
		struct outbuf ob_;                                                  \
		struct format_mem m_;                                               \
		int rc_ = pm_run(fmt, ARGV(__VA_ARGS__), NARG(__VA_ARGS__), &ob_, &m_); \
		if (rc_ != FORMAT_OK) {                                             \
			ok(name, 0);                                                \
			printf("#   status %d\n", rc_);                            \
		} else {                                                            \
			ok_bytes(name, want, sizeof(want) - 1, ob_.buf, ob_.len);   \
		}                                                                   \
	} while (0)

static void test_printf_memory(void)
{
	struct outbuf ob;
	struct format_mem m;
	int i, rc;

	for (i = 0; i < 64; i++)
		mem_bytes[i] = (char)('a' + i % 26);

	PM("m default 1 byte", "a", "%m", L(MEM_BASE));
	PM(".3m", "abc", "%.3m", L(MEM_BASE));
	PM(".0m reads 1 byte", "a", "%.0m", L(MEM_BASE));
	PM("spec 10.4m right-aligned", "      abcd", "%10.4m", L(MEM_BASE));
	PM("spec 10.4M", "  61626364", "%10.4M", L(MEM_BASE));
	PM("-6.2m", "ab    |", "%-6.2m|", L(MEM_BASE));
	PM(".2M", "6162", "%.2M", L(MEM_BASE));
	PM("-6.1M", "61    |", "%-6.1M|", L(MEM_BASE));
	PM("05.2m appends NUL", "   ab\0", "%05.2m", L(MEM_BASE));
	PM(".*M takes length then address", "616263", "%.*M", L(3), L(MEM_BASE));
	PM(".40m crosses read chunks", "abcdefghijklmnopqrstuvwxyzabcdefghijklmn", "%.40m",
	   L(MEM_BASE));

	pm_run("%m", ARGV(L(MEM_BASE)), 1, &ob, &m);
	ok("m reads kernel memory", mem_last_user == 0);
	pm_run("%#m", ARGV(L(MEM_BASE)), 1, &ob, &m);
	ok("#m reads user memory", mem_last_user == 1);
	pm_run("%#M", ARGV(L(MEM_BASE)), 1, &ob, &m);
	ok("#M reads user memory", mem_last_user == 1);

	rc = pm_run("x%.4my%d", ARGV(L(MEM_BASE + 62), L(5)), 2, &ob, &m);
	ok("fault returns FORMAT_E_FAULT", rc == FORMAT_E_FAULT);
	ok("fault address is the first unreadable byte", m.fault_addr == MEM_BASE + 64);
	OKS("fault ends the printf, earlier bytes stay", "xkl", ob.buf, ob.len);

	rc = pm_run("<%.40M>", ARGV(L(MEM_BASE + 30)), 1, &ob, &m);
	ok("fault in a later chunk", rc == FORMAT_E_FAULT && m.fault_addr == MEM_BASE + 64 &&
					     ob.len == 1 + 2 * 34);

	rc = pm_run("%5.2m", ARGV(L(0)), 1, &ob, &m);
	OKS("fault before any byte keeps the padding", "   ", ob.buf, ob.len);
	ok("fault at address 0", rc == FORMAT_E_FAULT && m.fault_addr == 0);

	outbuf_init(&ob, big, sizeof big);
	rc = format_printf(&ob, "a%mb", 4, ARGV(L(MEM_BASE)), 1, NULL);
	ok("m without a reader faults", rc == FORMAT_E_FAULT && ob.len == 1);
}

static void test_printf_errors(void)
{
	struct outbuf ob;
	int rc;

	outbuf_init(&ob, big, sizeof big);
	rc = format_printf(&ob, "a%db", 4, NULL, 0, NULL);
	ok("missing argument", rc == FORMAT_E_ARGS && ob.len == 1);
	rc = format_printf(&ob, "%d", 2, ARGV(S("x")), 1, NULL);
	ok("string for %d", rc == FORMAT_E_ARGS);
	rc = format_printf(&ob, "%s", 2, ARGV(L(1)), 1, NULL);
	ok("long for %s", rc == FORMAT_E_ARGS);
	rc = format_printf(&ob, "%*d", 3, ARGV(S("x"), L(1)), 2, NULL);
	ok("string for * width", rc == FORMAT_E_ARGS);
	rc = format_printf(&ob, "abc%", 4, NULL, 0, NULL);
	ok("lone trailing % is a syntax error (as stap 4.8 pass 1)", rc == FORMAT_E_SYNTAX);
	rc = format_printf(&ob, "%5", 2, NULL, 0, NULL);
	ok("incomplete spec", rc == FORMAT_E_SYNTAX);
	outbuf_init(&ob, big, sizeof big);
	rc = format_printf(&ob, "%d", 2, ARGV(L(1), L(2)), 2, NULL);
	ok("extra arguments ignored", rc == FORMAT_OK && ob.len == 1);
}

static void test_printf_parsed(void)
{
	const char *fmt = "x=%5d s=%-3s|";
	struct fmt_spec specs[8];
	const char *err = NULL;
	unsigned pos = 0;
	uint32_t n = 0;
	struct outbuf ob;
	int rc;

	while (n < 8 && fmt_next(fmt, (unsigned)strlen(fmt), &pos, &specs[n], &err) > 0)
		n++;
	outbuf_init(&ob, big, sizeof big);
	rc = format_printf_parsed(&ob, fmt, specs, n, ARGV(L(42), S("ab")), 2, NULL);
	ok("parsed specs", rc == FORMAT_OK);
	OKS("parsed specs output", "x=   42 s=ab |", ob.buf, ob.len);
}

/* ---- outbuf: truncation, never an overrun ------------------------------ */

static int ob_check_canary(const char *area, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (area[i] != '#')
			return 0;
	return 1;
}

static char collected[1 << 16];
static size_t ncollected;
static int flush_calls;

static int flush_collect(struct outbuf *ob)
{
	flush_calls++;
	memcpy(collected + ncollected, ob->buf, ob->len);
	ncollected += ob->len;
	ob->len = 0;
	return 0;
}

static int flush_refuse(struct outbuf *ob)
{
	(void)ob;
	flush_calls++;
	return -1;
}

static void test_outbuf(void)
{
	char area[64];
	struct outbuf ob;
	uint32_t m;

	for (m = 1; m <= 12; m++) {
		char name[64];

		memset(area, '#', sizeof area);
		outbuf_init_string(&ob, area, m);
		format_printf(&ob, "%s|%20d|%-9s", 12, ARGV(S("abcdefghij"), L(7), S("x")), 3,
			      NULL);
		outbuf_cstr(&ob);
		snprintf(name, sizeof name, "string buffer maxstringlen %u", m);
		ok(name, ob.len == m - 1 && strlen(area) == m - 1 &&
				 memcmp(area, "abcdefghij|", m - 1) == 0 &&
				 ob_check_canary(area, m, sizeof area) &&
				 ob.dropped == 10 + 1 + 20 + 1 + 9 - (m - 1));
	}

	memset(area, '#', sizeof area);
	outbuf_init(&ob, area, 0);
	outbuf_puts(&ob, "abc");
	outbuf_fill(&ob, 'x', 5);
	outbuf_putc(&ob, 'y');
	ok("zero-capacity buffer writes nothing",
	   ob.len == 0 && ob.dropped == 9 && ob_check_canary(area, 0, sizeof area));

	memset(area, '#', sizeof area);
	outbuf_init(&ob, area, 8);
	format_printf(&ob, "%#c%#c%#c", 9, ARGV(L(1), L(2), L(3)), 3, NULL);
	ok("escape cut at capacity", ob.len == 8 && memcmp(area, "\\001\\002", 8) == 0 &&
					      ob_check_canary(area, 8, sizeof area));

	memset(area, '#', sizeof area);
	outbuf_init(&ob, area, 8);
	ob.len = 5;
	outbuf_puts(&ob, "abcdef");
	outbuf_cstr(&ob);
	ok("cstr on a full plain buffer stays inside", ob.len == 7 && area[7] == '\0' &&
							    ob_check_canary(area, 8, sizeof area));

	ncollected = 0;
	flush_calls = 0;
	outbuf_init(&ob, area, 4);
	ob.flush = flush_collect;
	format_printf(&ob, "%s-", 3, ARGV(S("hello world")), 1, NULL);
	format_printf(&ob, "%s-%10d", 7, ARGV(S("hello world"), L(12345)), 2, NULL);
	flush_collect(&ob);
	OKS("flush hook sees all output", "hello world-hello world-     12345", collected, ncollected);
	ok("flush hook called", flush_calls > 5);

	flush_calls = 0;
	memset(area, '#', sizeof area);
	outbuf_init(&ob, area, 4);
	ob.flush = flush_refuse;
	outbuf_puts(&ob, "abcdefgh");
	ok("refusing flush hook truncates", ob.len == 4 && ob.dropped == 4 &&
						    memcmp(area, "abcd", 4) == 0 &&
						    ob_check_canary(area, 4, sizeof area));
}

/* ---- print family ------------------------------------------------------- */

static void test_print_family(void)
{
	struct outbuf ob;
	char s[16];

	outbuf_init(&ob, big, sizeof big);
	format_print(&ob, ARGV(L(1), S("a"), L(2)), 3, NULL, 0, 0);
	OKS("print(1, \"a\", 2)", "1a2", ob.buf, ob.len);

	outbuf_init(&ob, big, sizeof big);
	format_print(&ob, ARGV(S("one"), S("two"), L(4)), 3, "/", 1, 0);
	OKS("printd(\"/\", ...)", "one/two/4", ob.buf, ob.len);

	outbuf_init(&ob, big, sizeof big);
	format_print(&ob, ARGV(L(5), S("alice"), L(1234)), 3, "|", 1, 1);
	OKS("printdln(\"|\", ...)", "5|alice|1234\n", ob.buf, ob.len);

	outbuf_init(&ob, big, sizeof big);
	format_print(&ob, NULL, 0, NULL, 0, 1);
	OKS("println()", "\n", ob.buf, ob.len);

	outbuf_init(&ob, big, sizeof big);
	format_print(&ob, ARGV(L(INT64_MIN), L(0), L(-1)), 3, ", ", 2, 1);
	OKS("println extremes", "-9223372036854775808, 0, -1\n", ob.buf, ob.len);

	outbuf_init(&ob, big, sizeof big);
	format_print(&ob, ARGV(fmt_arg_strn("a\0b", 3)), 1, NULL, 0, 0);
	OKS("print writes raw bytes", "a\0b", ob.buf, ob.len);

	outbuf_init_string(&ob, s, 8);
	format_print(&ob, ARGV(S("abcd"), L(123456)), 2, "--", 2, 1);
	ok("sprintdln truncates to MAXSTRINGLEN-1", strcmp(outbuf_cstr(&ob), "abcd--1") == 0);
}

/* ---- escaping ----------------------------------------------------------- */

static void esc_check(const char *name, const char *want, const char *in, size_t inlen_buf,
		      int64_t inlen, int64_t outlen, unsigned flags, uint32_t m)
{
	char out[1024], src[1100];
	uint32_t n;

	memset(out, '#', sizeof out);
	memcpy(src, in, inlen_buf);
	src[inlen_buf] = '\0';
	n = escape_text(out, src, inlen, outlen, flags, m);
	if (ok_bytes(name, want, strlen(want), out, n) && n + 1 < sizeof out) {
		if (out[n] != '\0' || !ob_check_canary(out, m, sizeof out)) {
			ok(name, 0);
			printf("#   wrote outside its buffer or no NUL\n");
		}
	}
}

#define ESC(name, want, in, inlen, outlen, flags) \
	esc_check(name, want, in, sizeof(in) - 1, inlen, outlen, flags, 512)
#define Q ESCAPE_F_QUOTED

static void test_escape_char(void)
{
	int c, good = 1;

	for (c = 0; c < 256; c++) {
		char out[ESCAPE_CHAR_MAX], want[8];
		uint32_t n = escape_char(out, (unsigned char)c);
		const char *letters = "abtnvfr";
		int wn;

		if (c == '\'' || c == '\\')
			wn = snprintf(want, sizeof want, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			wn = snprintf(want, sizeof want, "%c", c);
		else if (c >= 7 && c <= 13)
			wn = snprintf(want, sizeof want, "\\%c", letters[c - 7]);
		else
			wn = snprintf(want, sizeof want, "\\%03o", c);
		if ((int)n != wn || memcmp(out, want, n) != 0) {
			good = 0;
			printf("#   byte %d\n", c);
		}
	}
	ok("escape_char for all 256 bytes", good);
}

static void test_escape_text(void)
{
	char a600[601];
	char want[600];

	ESC("quoted plain", "\"hello\"", "hello", 0, 0, Q);
	ESC("unquoted plain", "hello", "hello", 0, 0, 0);
	ESC("empty quoted", "\"\"", "", 0, 0, Q);
	ESC("C escapes", "\"a\\nb\\\"c\\\\d\\te\\r\\a\\b\\f\\v\"", "a\nb\"c\\d\te\r\a\b\f\v", 0, 0,
	    Q);
	ESC("single quote is not escaped", "\"'\"", "'", 0, 0, Q);
	ESC("octal", "\"\\001\\177\\037\"", "\x01\x7f\x1f", 0, 0, Q);
	ESC("unquoted escapes", "a\\tb\\001", "a\tb\x01", 0, 0, 0);
	ESC("utf-8 2 bytes", "\"caf\\u00E9\"", "caf\xc3\xa9", 0, 0, Q);
	ESC("utf-8 3 bytes", "\"\\u20AC\"", "\xe2\x82\xac", 0, 0, Q);
	ESC("utf-8 4 bytes", "\"\\U0001F600\"", "\xf0\x9f\x98\x80", 0, 0, Q);
	ESC("utf-8 max", "\"\\U0010FFFF\"", "\xf4\x8f\xbf\xbf", 0, 0, Q);
	ESC("above U+10FFFF is bytes", "\"\\364\\220\\200\\200\"", "\xf4\x90\x80\x80", 0, 0, Q);
	ESC("bad continuation", "\"\\303(\"", "\xc3(", 0, 0, Q);
	ESC("overlong 2-byte", "\"\\300\\200\"", "\xc0\x80", 0, 0, Q);
	ESC("overlong 3-byte", "\"\\340\\201\\201\"", "\xe0\x81\x81", 0, 0, Q);
	ESC("surrogate", "\"\\355\\240\\200\"", "\xed\xa0\x80", 0, 0, Q);
	ESC("5-byte form", "\"\\370\\210\"", "\xf8\x88", 0, 0, Q);
	ESC("stray continuation", "\"\\200a\"", "\x80" "a", 0, 0, Q);
	ESC("sequence cut by inlen", "\"a\\342\\202\"", "a\xe2\x82\xac", 3, 0, Q);
	ESC("sequence cut by NUL", "\"\\342\"", "\xe2", 0, 0, Q);
	ESC("inlen limit gives no marker", "\"abc\"", "abcdef", 3, 0, Q);
	ESC("stops at NUL", "\"ab\"", "ab\0cd", 5, 0, Q);
	ESC("buffer mode keeps NUL", "\"ab\\0cd\"", "ab\0cd", 5, 0, Q | ESCAPE_F_BUFFER);
	ESC("buffer mode octal", "\"\\001\\0\"", "\x01\0", 2, 0, Q | ESCAPE_F_BUFFER);

	/* text_strn budgets: outlen counts quotes and the marker */
	ESC("outlen 5 truncates", "\"\"...", "abcdefgh", 0, 5, Q);
	ESC("outlen below 5 acts as 5", "\"\"...", "abcdefgh", 0, 2, Q);
	ESC("outlen 5 fits", "\"abc\"", "abc", 0, 5, Q);
	ESC("outlen 10 exact fit", "\"abcdefgh\"", "abcdefgh", 0, 10, Q);
	ESC("outlen 10 one over", "\"abcde\"...", "abcdefghi", 0, 10, Q);
	ESC("escape not fitting", "\"abcde\"...", "abcde\x01xyz", 0, 10, Q);
	ESC("escape straddling the cut is dropped", "\"abcd\"...", "abcd\x01xyz", 0, 10, Q);
	ESC("utf-8 straddling the cut", "\"a\"...", "a\xc3\xa9xyzzy", 0, 10, Q);
	ESC("unquoted truncation has no marker", "abc", "abcdef", 0, 3, 0);
	ESC("unquoted escape not fitting", "ab", "ab\x01", 0, 4, 0);
	ESC("buffer NUL costs 4", "\"\\0\"...", "\0abcdef", 7, 9, Q | ESCAPE_F_BUFFER);
	ESC("no marker when the next unit is a NUL", "\"abcde\"", "abcde\0x", 7, 7,
	    Q | ESCAPE_F_BUFFER);
	ESC("no marker when a NUL did not fit", "\"abcd\"", "abcd\0x", 6, 7,
	    Q | ESCAPE_F_BUFFER);

	/* string_quoted at MAXSTRINGLEN 512: budget 509 */
	memset(a600, 'a', 600);
	a600[600] = '\0';
	want[0] = '"';
	memset(want + 1, 'a', 509);
	strcpy(want + 510, "\"");
	esc_check("509 chars fit MAXSTRINGLEN", want, a600, 509, 512, 512, Q, 512);
	memset(want + 1, 'a', 506);
	strcpy(want + 507, "\"...");
	esc_check("510 chars truncate to 511 bytes", want, a600, 510, 512, 512, Q, 512);
	esc_check("600 chars (input clamp) truncate", want, a600, 600, 0, 0, Q, 512);
	memset(want, 'a', 511);
	want[511] = '\0';
	esc_check("text_str clamps to 511", want, a600, 600, 0, 0, 0, 512);
	esc_check("tiny maxstringlen gives empty", "", "abc", 3, 0, 0, Q, 5);
	esc_check("maxstringlen 6", "\"\"...", "abcdef", 6, 0, 0, Q, 6);
	esc_check("maxstringlen 8", "\"abcde\"", "abcde", 5, 0, 0, Q, 8);
}

/* ---- statistics --------------------------------------------------------- */

#define MAXCPU 8
/* Accumulators with room for 128 buckets. */
struct acc_store {
	struct stats_acc acc;
	int64_t b[STATS_LOG_BUCKETS];
};

static struct acc_store cpus[MAXCPU];
static int64_t merged_buckets[STATS_LOG_BUCKETS];

static void acc_reset(const struct stats_desc *d)
{
	int i;

	for (i = 0; i < MAXCPU; i++)
		stats_acc_clear(d, &cpus[i].acc);
}

static void merge_all(const struct stats_desc *d, struct stats_agg *g, int ncpu)
{
	int i;

	stats_agg_init(d, g, d->nbuckets ? merged_buckets : NULL);
	for (i = 0; i < ncpu; i++)
		stats_agg_add(d, g, &cpus[i].acc);
}

/* language.md §10, literally: the two-pass extraction over per-CPU state. */
static int64_t variance_reference(const struct stats_desc *d, int ncpu)
{
	uint64_t n = 0, sum = 0, s1 = 0, s2 = 0, a;
	int i, s = (int)d->shift;

	for (i = 0; i < ncpu; i++) {
		n += (uint64_t)cpus[i].acc.count;
		sum += (uint64_t)cpus[i].acc.sum;
	}
	a = (uint64_t)((int64_t)(sum << s) / (int64_t)n);
	for (i = 0; i < ncpu; i++) {
		const struct stats_acc *c = &cpus[i].acc;
		uint64_t dlt, var;

		if (c->count == 0)
			continue;
		dlt = (uint64_t)c->avg_s - a;
		s1 += (uint64_t)c->count * (dlt * dlt);
		var = c->count > 1 ? (uint64_t)(c->m2 / (c->count - 1)) : 0;
		s2 += (uint64_t)(c->count - 1) * var;
	}
	if (n == 1)
		return 0;
	return ((int64_t)(s1 + s2) / (int64_t)(n - 1)) >> ((2 * s) & 63);
}

static void test_variance(void)
{
	struct stats_desc d;
	struct stats_agg g;
	int64_t v = 0;
	int i, shift;

	for (shift = 0; shift <= 1; shift++) {
		stats_desc_init(&d, STATS_HIST_NONE, 0, 0, 0, (uint32_t)shift,
				STATS_WANT_VARIANCE, 128);
		acc_reset(&d);
		for (i = 1; i <= 5; i++)
			stats_add(&d, &cpus[0].acc, i);
		merge_all(&d, &g, 1);
		stats_variance(&d, &g, &v);
		ok_long(shift ? "variance 1..5 shift 1 = 2" : "variance 1..5 = 12", shift ? 2 : 12, v);
	}

	stats_desc_init(&d, STATS_HIST_NONE, 0, 0, 0, 0, STATS_WANT_VARIANCE, 128);
	acc_reset(&d);
	stats_add(&d, &cpus[0].acc, 42);
	merge_all(&d, &g, 1);
	ok("variance of one sample", stats_variance(&d, &g, &v) == STATS_OK && v == 0);

	/* 1,2,3 on CPU 0 and 4,5 on CPU 1: the per-CPU split changes the result */
	acc_reset(&d);
	for (i = 1; i <= 3; i++)
		stats_add(&d, &cpus[0].acc, i);
	for (i = 4; i <= 5; i++)
		stats_add(&d, &cpus[1].acc, i);
	merge_all(&d, &g, 2);
	stats_variance(&d, &g, &v);
	/*
	 * CPU 0: avg_s 1 (2/3 and 1/2 truncate), m2 5, var_s 2; CPU 1: avg_s 4,
	 * m2 1, var_s 1.  A = 3; S1 = 3*(1-3)^2 + 2*(4-3)^2 = 14; S2 = 2*2 + 1*1
	 * = 5; 19/4 = 4 (all on one CPU it is 12: the spread matters).
	 */
	ok_long("variance split over two CPUs", 4, v);
	ok_long("variance split matches reference", variance_reference(&d, 2), v);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int64_t rnd_sample(void)
{
	switch (rng() % 4) {
	case 0: return (int64_t)(rng() % 1000) - 500;
	case 1: return (int64_t)(rng() % 2000000);
	case 2: return (int64_t)rng();	/* wraps everything */
	default: return (int64_t)(rng() % 7);
	}
}

static void test_variance_random(void)
{
	struct stats_desc d;
	struct stats_agg g;
	int round, bad = 0;

	for (round = 0; round < 3000; round++) {
		int ncpu = 1 + (int)(rng() % MAXCPU), n = (int)(rng() % 40) + 1, i;
		uint32_t shift = (uint32_t)(rng() % 63);
		int64_t v = 0, ref;

		if (round % 3 == 0)
			shift = (uint32_t)(rng() % 4);
		stats_desc_init(&d, STATS_HIST_NONE, 0, 0, 0, shift, STATS_WANT_VARIANCE, 128);
		acc_reset(&d);
		for (i = 0; i < n; i++) {
			int64_t x = round % 2 ? (int64_t)(rng() % 100) : rnd_sample();
			stats_add(&d, &cpus[rng() % (uint64_t)ncpu].acc, x);
		}
		merge_all(&d, &g, ncpu);
		stats_variance(&d, &g, &v);
		ref = variance_reference(&d, ncpu);
		if (v != ref) {
			if (bad++ < 3)
				printf("#   round %d: got %" PRId64 " want %" PRId64 "\n", round, v,
				       ref);
		}
	}
	ok("one-pass merge equals two-pass variance (3000 random spreads)", bad == 0);
}

static void test_merge(void)
{
	struct stats_desc d;
	struct stats_agg g;
	int64_t v = 0;
	int i;

	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	acc_reset(&d);
	merge_all(&d, &g, 4);
	ok("empty @count is 0", stats_count(&g) == 0);
	ok("empty @sum is 0", stats_sum(&g) == 0);
	ok("empty @min errors", stats_min(&g, &v) == STATS_E_EMPTY);
	ok("empty @max errors", stats_max(&g, &v) == STATS_E_EMPTY);
	ok("empty @avg errors", stats_avg(&g, &v) == STATS_E_EMPTY);
	ok("empty @variance errors", stats_variance(&d, &g, &v) == STATS_E_EMPTY);
	ok("empty histogram index errors", stats_hist_get(&g, 64, &v) == STATS_E_EMPTY);
	ok("empty aggregate message", strcmp(stats_strerror(STATS_E_EMPTY), "empty aggregate") == 0);
	ok("index message",
	   strcmp(stats_strerror(STATS_E_INDEX), "histogram index out of range") == 0);

	/* CPU 0: 5 10; CPU 2: -3; CPU 3: 100 7 */
	stats_add(&d, &cpus[0].acc, 5);
	stats_add(&d, &cpus[0].acc, 10);
	stats_add(&d, &cpus[2].acc, -3);
	stats_add(&d, &cpus[3].acc, 100);
	stats_add(&d, &cpus[3].acc, 7);
	merge_all(&d, &g, 4);
	ok_long("merged @count", 5, stats_count(&g));
	ok_long("merged @sum", 119, stats_sum(&g));
	stats_min(&g, &v);
	ok_long("merged @min (skips empty CPUs)", -3, v);
	stats_max(&g, &v);
	ok_long("merged @max", 100, v);
	stats_avg(&g, &v);
	ok_long("merged @avg", 23, v);
	stats_hist_get(&g, 67, &v);
	ok_long("merged bucket 67 (4..7)", 2, v);
	stats_hist_get(&g, 62, &v);
	ok_long("merged bucket 62 (-3..-2)", 1, v);
	ok("index -1 out of range", stats_hist_get(&g, -1, &v) == STATS_E_INDEX);
	ok("index 128 out of range", stats_hist_get(&g, 128, &v) == STATS_E_INDEX);
	ok("index 127 in range", stats_hist_get(&g, 127, &v) == STATS_OK && v == 0);

	acc_reset(&d);
	stats_add(&d, &cpus[1].acc, -7);
	stats_add(&d, &cpus[1].acc, 0);
	merge_all(&d, &g, 2);
	stats_avg(&g, &v);
	ok_long("@avg truncates toward zero", -3, v);

	acc_reset(&d);
	stats_add(&d, &cpus[0].acc, INT64_MAX);
	stats_add(&d, &cpus[1].acc, 1);
	merge_all(&d, &g, 2);
	ok_long("@sum wraps", INT64_MIN, stats_sum(&g));
	stats_min(&g, &v);
	ok_long("@min of extremes", 1, v);
	stats_max(&g, &v);
	ok_long("@max of extremes", INT64_MAX, v);

	for (i = 0; i < 10; i++)
		stats_add(&d, &cpus[0].acc, i);
	stats_acc_clear(&d, &cpus[0].acc);
	merge_all(&d, &g, 1);
	ok("cleared accumulator is empty", stats_count(&g) == 0);
}

static void test_buckets(void)
{
	static const struct {
		int64_t v;
		uint32_t b;
	} logs[] = {
		{ 0, 64 }, { 1, 65 }, { 2, 66 }, { 3, 66 }, { 4, 67 }, { 7, 67 }, { 8, 68 },
		{ -1, 63 }, { -2, 62 }, { -3, 62 }, { -4, 61 }, { -7, 61 }, { -8, 60 },
		{ INT64_MAX, 127 }, { INT64_MIN, 0 }, { INT64_MIN + 1, 1 },
		{ (int64_t)1 << 62, 127 }, { ((int64_t)1 << 62) - 1, 126 },
		{ -((int64_t)1 << 62), 1 }, { -((int64_t)1 << 62) + 1, 2 },
		{ -((int64_t)1 << 62) - 1, 1 },
	};
	struct stats_desc d;
	enum stats_linear_check why;
	struct outbuf ob;
	size_t i;
	int k, good = 1;

	for (i = 0; i < sizeof logs / sizeof logs[0]; i++) {
		if (stats_log_bucket(logs[i].v) != logs[i].b) {
			good = 0;
			printf("#   log bucket of %" PRId64 ": %u, want %u\n", logs[i].v,
			       stats_log_bucket(logs[i].v), logs[i].b);
		}
	}
	for (k = 1; k < 63; k++) {
		int64_t p = (int64_t)1 << k;
		good &= stats_log_bucket(p) == 65u + (uint32_t)k;
		good &= stats_log_bucket(p - 1) == 64u + (uint32_t)k;
		good &= stats_log_bucket(-p) == 63u - (uint32_t)k;
		good &= stats_log_bucket(-p + 1) == 64u - (uint32_t)k;
	}
	ok("log bucket boundaries (0, +-1, +-2^k, extremes)", good);

	stats_desc_init(&d, STATS_HIST_LINEAR, 0, 100, 10, 0, 0, 128);
	ok("linear 0..100/10 has 13 buckets", d.nbuckets == 13);
	good = stats_linear_bucket(&d, -1) == 0 && stats_linear_bucket(&d, 0) == 1 &&
	       stats_linear_bucket(&d, 9) == 1 && stats_linear_bucket(&d, 10) == 2 &&
	       stats_linear_bucket(&d, 99) == 10 && stats_linear_bucket(&d, 100) == 11 &&
	       stats_linear_bucket(&d, 109) == 11 && stats_linear_bucket(&d, 110) == 12 &&
	       stats_linear_bucket(&d, INT64_MAX) == 12 &&
	       stats_linear_bucket(&d, INT64_MIN) == 0;
	ok("linear bucket boundaries", good);

	stats_desc_init(&d, STATS_HIST_LINEAR, -5, 5, 1, 0, 0, 128);
	good = d.nbuckets == 13 && stats_linear_bucket(&d, -6) == 0 &&
	       stats_linear_bucket(&d, -5) == 1 && stats_linear_bucket(&d, 5) == 11 &&
	       stats_linear_bucket(&d, 6) == 12 && stats_linear_bucket(&d, INT64_MAX) == 12;
	ok("linear with negative start", good);

	stats_desc_init(&d, STATS_HIST_LINEAR, INT64_MIN, INT64_MIN + 100, 50, 0, 0, 128);
	good = d.nbuckets == 5 && stats_linear_bucket(&d, INT64_MIN) == 1 &&
	       stats_linear_bucket(&d, INT64_MAX) == 4;
	ok("linear at INT64_MIN", good);

	ok("linear 0,0,1 has 3 buckets", stats_linear_buckets(0, 0, 1, 128, &why) == 3);
	ok("linear 0..1240/10 has 127", stats_linear_buckets(0, 1240, 10, 128, &why) == 127);
	ok("linear 0..1250/10 has 128", stats_linear_buckets(0, 1250, 10, 128, &why) == 128);
	ok("linear 0..1260/10 too many",
	   stats_linear_buckets(0, 1260, 10, 128, &why) == 0 && why == STATS_LINEAR_BAD_COUNT);
	ok("linear stop < start too few",
	   stats_linear_buckets(10, 0, 1, 128, &why) == 0 && why == STATS_LINEAR_BAD_COUNT);
	ok("linear interval 0",
	   stats_linear_buckets(0, 10, 0, 128, &why) == 0 && why == STATS_LINEAR_ZERO_INTERVAL);
	ok("linear overflowing range",
	   stats_linear_buckets(INT64_MIN, INT64_MAX, 1, 128, &why) == 0 &&
		   why == STATS_LINEAR_BAD_COUNT);
	ok("linear with STP_MAX_BUCKETS 10",
	   stats_linear_buckets(0, 70, 10, 10, &why) == 10 &&
		   stats_linear_buckets(0, 80, 10, 10, &why) == 0);
	ok("linear negative interval accepted",
	   stats_linear_buckets(100, 0, -10, 128, &why) == 13);
	stats_desc_init(&d, STATS_HIST_LINEAR, 100, 0, -10, 0, 0, 128);
	good = stats_linear_bucket(&d, 99) == 0 && stats_linear_bucket(&d, 100) == 1 &&
	       stats_linear_bucket(&d, 109) == 1 && stats_linear_bucket(&d, 110) == 12;
	ok("linear negative interval stays in range", good);
	ok("invalid linear has no buckets",
	   stats_desc_init(&d, STATS_HIST_LINEAR, 0, 10, 0, 0, 0, 128) ==
			   STATS_LINEAR_ZERO_INTERVAL && d.nbuckets == 0);

	outbuf_init(&ob, big, sizeof big);
	stats_linear_warning(&ob, STATS_LINEAR_ZERO_INTERVAL, 128);
	OKS("warning: zero interval", "histogram: interval cannot be zero.", ob.buf,
		 ob.len);
	outbuf_init(&ob, big, sizeof big);
	stats_linear_warning(&ob, STATS_LINEAR_BAD_COUNT, 128);
	{
		static const char w[] =
			"histogram: Number of buckets must be between 1 and 126\n"
			"Number_of_buckets = (stop - start) / interval.\n"
			"Please adjust your start, stop, and interval values.";
		ok_bytes("warning: bucket count", w, sizeof w - 1, ob.buf, ob.len);
	}

	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	ok("log has 128 buckets", d.nbuckets == 128 && stats_acc_size(&d) ==
							   sizeof(struct stats_acc) + 128 * 8);
}

/* ---- histogram printing ------------------------------------------------- */

static const char hist_a[] =
	"value |-------------------------------------------------- count\n"
	"   -8 |                                                   0\n"
	"   -4 |                                                   0\n"
	"   -2 |@                                                  1\n"
	"   -1 |                                                   0\n"
	"    0 |                                                   0\n"
	"    1 |@                                                  1\n"
	"    2 |@@@@@                                              5\n"
	"    4 |@                                                  1\n"
	"    8 |@@                                                 2\n"
	"   16 |                                                   0\n"
	"   32 |                                                   0\n"
	"   64 |                                                   0\n"
	"  128 |@                                                  1\n"
	"  256 |                                                   0\n"
	"  512 |                                                   0\n"
	"\n";

static const char hist_b[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@                                                  1\n"
	"    0 |@                                                  1\n"
	"   10 |@@                                                 2\n"
	"   20 |@                                                  1\n"
	"   30 |                                                   0\n"
	"   40 |                                                   0\n"
	"      ~\n"
	"   70 |                                                   0\n"
	"   80 |                                                   0\n"
	"   90 |@                                                  1\n"
	"  100 |                                                   0\n"
	" >100 |@                                                  1\n"
	"\n";

static const char hist_c[] =
	"value |-------------------------------------------------- count\n"
	"    0 |                                                     1\n"
	"    1 |                                                     0\n"
	"    2 |@@                                                   7\n"
	"    4 |                                                     0\n"
	"    8 |@@@@@@@@@@@@@@@@@@@@                                60\n"
	"   16 |                                                     0\n"
	"   32 |                                                     0\n"
	"   64 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@        130\n"
	"  128 |                                                     0\n"
	"  256 |                                                     0\n"
	"\n";

static const struct hist_params hist_default = { HIST_WIDTH_DEFAULT, HIST_ELISION_DEFAULT };

/* Feeds samples into CPU accumulators round-robin, merges, prints. */
static int hist_render(struct stats_desc *d, const int64_t *samples, size_t n,
		       const struct hist_params *p, struct outbuf *ob)
{
	struct stats_agg g;
	size_t i;

	acc_reset(d);
	for (i = 0; i < n; i++)
		stats_add(d, &cpus[i % 3].acc, samples[i]);
	merge_all(d, &g, 3);
	outbuf_init(ob, big, sizeof big);
	return hist_print(ob, d, &g, p);
}

static void hist_check(const char *name, const char *want, struct stats_desc *d,
		       const int64_t *samples, size_t n, const struct hist_params *p)
{
	struct outbuf ob;
	int rc = hist_render(d, samples, n, p, &ob);

	if (rc != STATS_OK) {
		ok(name, 0);
		printf("#   status %d\n", rc);
		return;
	}
	ok_bytes(name, want, strlen(want), ob.buf, ob.len);
}

/* Returns line `no` (0-based) of text into out (without the newline). */
static void nth_line(const char *text, size_t len, int no, char *out, size_t outsz)
{
	size_t i = 0, k = 0;

	while (no > 0 && i < len)
		if (text[i++] == '\n')
			no--;
	while (i < len && text[i] != '\n' && k + 1 < outsz)
		out[k++] = text[i++];
	out[k] = '\0';
}

static void test_hist_examples(void)
{
	static const int64_t sa[] = { 1, 2, 2, 3, 3, 3, 5, 9, 9, 200, -3 };
	static const int64_t sb[] = { 5, 15, 15, 25, 95, -20, 300 };
	int64_t sc[1 + 7 + 60 + 130];
	struct stats_desc d;
	size_t n = 0, i;

	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	hist_check("spec example A (log)", hist_a, &d, sa, 11, &hist_default);

	stats_desc_init(&d, STATS_HIST_LINEAR, 0, 100, 10, 0, 0, 128);
	hist_check("spec example B (linear, elision, under/overflow)", hist_b, &d, sb, 7,
		   &hist_default);

	sc[n++] = 0;
	for (i = 0; i < 7; i++)
		sc[n++] = 3;
	for (i = 0; i < 60; i++)
		sc[n++] = 12;
	for (i = 0; i < 130; i++)
		sc[n++] = 100;
	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	hist_check("spec example C (scaling)", hist_c, &d, sc, n, &hist_default);
}

static void test_hist_references(void)
{
	static int64_t s[2000];
	struct stats_desc d;
	struct outbuf ob;
	char line[256];
	size_t n = 0, i;
	int k;

	/* linear 0..1500 step 50, valmax 177 in the first bucket, data up to 1400 */
	for (i = 0; i < 177; i++)
		s[n++] = 10;
	for (k = 1; k < 29; k++)
		s[n++] = 50 * k + 1;
	s[n++] = 1400;
	stats_desc_init(&d, STATS_HIST_LINEAR, 0, 1500, 50, 0, 0, 128);
	hist_render(&d, s, n, &hist_default, &ob);
	nth_line(ob.buf, ob.len, 1, line, sizeof line);
	OKS("testsuite reference: 177 row",
	    "    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@       177", line, strlen(line));
	nth_line(ob.buf, ob.len, 31, line, sizeof line);
	OKS("testsuite reference: bucket at STOP is ordinary",
	    " 1500 |                                                     0", line, strlen(line));
	nth_line(ob.buf, ob.len, 32, line, sizeof line);
	ok("testsuite reference: then the empty line", line[0] == '\0' && ob.len > 0 &&
							   ob.buf[ob.len - 1] == '\n');

	/* START=250, STOP=1000 (interval 50): 680 below, 102 above */
	n = 0;
	for (i = 0; i < 680; i++)
		s[n++] = 3;
	for (i = 0; i < 102; i++)
		s[n++] = 5000;
	for (i = 0; i < 40; i++)
		s[n++] = 600;
	stats_desc_init(&d, STATS_HIST_LINEAR, 250, 1000, 50, 0, 0, 128);
	hist_render(&d, s, n, &hist_default, &ob);
	nth_line(ob.buf, ob.len, 1, line, sizeof line);
	ok("testsuite reference: ' <250 |' row", strncmp(line, " <250 |", 7) == 0 &&
							  strlen(line) == 61 &&
							  strcmp(line + 55, "   680") == 0);
	{
		char last[256];
		int no = 0;

		for (k = 0; k < 40; k++) {
			nth_line(ob.buf, ob.len, k, line, sizeof line);
			if (line[0])
				no = k;
		}
		nth_line(ob.buf, ob.len, no, last, sizeof last);
		ok("testsuite reference: '>1000 |@@@@@@@ ... 102' row",
		   strncmp(last, ">1000 |@@@@@@@ ", 15) == 0 && strlen(last) == 61 &&
			   strcmp(last + 55, "   102") == 0);
	}

	/* a log histogram holding 2^62 has val_space 19 */
	s[0] = (int64_t)1 << 62;
	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	hist_render(&d, s, 1, &hist_default, &ob);
	nth_line(ob.buf, ob.len, 0, line, sizeof line);
	ok("2^62 widens the value column to 19", strncmp(line, "              value |", 21) == 0);
	nth_line(ob.buf, ob.len, 3, line, sizeof line);
	OKS("2^62 row", "4611686018427387904 |@                                                  1", line, strlen(line));
}

static void test_hist_params(void)
{
	static const int64_t sb[] = { 5, 15, 15, 25, 95, -20, 300 };
	static const int64_t sa[] = { 1, 2, 2, 3, 3, 3, 5, 9, 9, 200, -3 };
	struct stats_desc d;
	struct hist_params p;
	struct outbuf ob;
	char line[256];
	int rc;

	stats_desc_init(&d, STATS_HIST_LINEAR, 0, 100, 10, 0, 0, 128);
	p.width = 50;
	p.elision = 0;
	hist_check("HIST_ELISION=0 elides every empty row",
		   "value |-------------------------------------------------- count\n"
		   "   <0 |@                                                  1\n"
		   "    0 |@                                                  1\n"
		   "   10 |@@                                                 2\n"
		   "   20 |@                                                  1\n"
		   "      ~\n"
		   "   90 |@                                                  1\n"
		   "      ~\n"
		   " >100 |@                                                  1\n"
		   "\n",
		   &d, sb, 7, &p);
	p.elision = -1;
	hist_render(&d, sb, 7, &p, &ob);
	ok("HIST_ELISION<0 elides nothing",
	   strstr(ob.buf, "~") == NULL && strstr(ob.buf, "   50 |") && strstr(ob.buf, "   60 |"));
	p.elision = INT64_MAX;
	hist_render(&d, sb, 7, &p, &ob);
	ok("huge HIST_ELISION elides nothing", strstr(ob.buf, "~") == NULL);
	p.elision = 1;
	hist_render(&d, sb, 7, &p, &ob);
	ok("HIST_ELISION=1", strstr(ob.buf, "   30 |") && !strstr(ob.buf, "   40 |") &&
				     strstr(ob.buf, "      ~\n   80 |"));

	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	p.width = 10;
	p.elision = 2;
	hist_render(&d, sa, 11, &p, &ob);
	nth_line(ob.buf, ob.len, 0, line, sizeof line);
	OKS("HIST_WIDTH=10 header", "value |---------- count", line, strlen(line));
	nth_line(ob.buf, ob.len, 7, line, sizeof line);
	OKS("HIST_WIDTH=10 row", "    2 |@@@@@      5", line, strlen(line));
	p.width = 2;
	hist_render(&d, sa, 11, &p, &ob);
	nth_line(ob.buf, ob.len, 7, line, sizeof line);
	OKS("HIST_WIDTH=2 scales by 3", "    2 |@  5", line, strlen(line));
	p.width = 0;
	hist_render(&d, sa, 11, &p, &ob);
	nth_line(ob.buf, ob.len, 7, line, sizeof line);
	OKS("HIST_WIDTH=0 acts as 1", "    2 |@ 5", line, strlen(line));

	acc_reset(&d);
	{
		struct stats_agg g;

		merge_all(&d, &g, 3);
		outbuf_init(&ob, big, sizeof big);
		rc = hist_print(&ob, &d, &g, &hist_default);
		ok("empty histogram is 'empty aggregate'", rc == STATS_E_EMPTY && ob.len == 0);
	}
}

static void test_hist_edges(void)
{
	int64_t s[4];
	struct stats_desc d;
	struct outbuf ob;
	char line[256];
	char area[300];
	struct stats_agg g;
	uint32_t cap;
	int good = 1;

	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	s[0] = 0;
	hist_check("log of a single 0",
		   "value |-------------------------------------------------- count\n"
		   "    0 |@                                                  1\n"
		   "    1 |                                                   0\n"
		   "    2 |                                                   0\n"
		   "\n",
		   &d, s, 1, &hist_default);
	s[0] = 1;
	hist_check("log of a single 1 shows 0",
		   "value |-------------------------------------------------- count\n"
		   "    0 |                                                   0\n"
		   "    1 |@                                                  1\n"
		   "    2 |                                                   0\n"
		   "    4 |                                                   0\n"
		   "\n",
		   &d, s, 1, &hist_default);
	s[0] = INT64_MIN;
	hist_render(&d, s, 1, &hist_default, &ob);
	nth_line(ob.buf, ob.len, 1, line, sizeof line);
	OKS("log INT64_MIN row", "-9223372036854775808 |@                                                  1", line, strlen(line));
	s[0] = INT64_MAX;
	hist_render(&d, s, 1, &hist_default, &ob);
	nth_line(ob.buf, ob.len, 3, line, sizeof line);
	ok("log INT64_MAX is the last row", strncmp(line, "4611686018427387904 |@", 22) == 0);

	stats_desc_init(&d, STATS_HIST_LINEAR, 0, 0, 1, 0, 0, 128);
	s[0] = 0;
	hist_check("linear with 3 buckets",
		   "value |-------------------------------------------------- count\n"
		   "    0 |@                                                  1\n"
		   "\n",
		   &d, s, 1, &hist_default);
	s[0] = -1;
	s[1] = 1;
	hist_check("linear with 3 buckets, under and over",
		   "value |-------------------------------------------------- count\n"
		   "   <0 |@                                                  1\n"
		   "    0 |                                                   0\n"
		   "   >0 |@                                                  1\n"
		   "\n",
		   &d, s, 2, &hist_default);

	/* overflow row label >9990, but step 6 measures START+INTERVAL*11 = 12210 */
	stats_desc_init(&d, STATS_HIST_LINEAR, 0, 9990, 1110, 0, 0, 128);
	s[0] = 100000;
	hist_check("linear val_space uses START + INTERVAL*high",
		   " value |-------------------------------------------------- count\n"
		   "  8880 |                                                   0\n"
		   "  9990 |                                                   0\n"
		   " >9990 |@                                                  1\n"
		   "\n",
		   &d, s, 1, &hist_default);
	stats_desc_init(&d, STATS_HIST_LINEAR, -1000000, 1000000, 100000, 0, 0, 128);
	s[0] = -5;
	hist_render(&d, s, 1, &hist_default, &ob);
	nth_line(ob.buf, ob.len, 0, line, sizeof line);
	ok("linear val_space counts a negative START's sign", strncmp(line, "   value |", 10) == 0);

	/* a histogram into small string buffers: truncated, never overrun */
	stats_desc_init(&d, STATS_HIST_LOG, 0, 0, 0, 0, 0, 128);
	acc_reset(&d);
	stats_add(&d, &cpus[0].acc, 100);
	merge_all(&d, &g, 1);
	for (cap = 1; cap < 200; cap += 7) {
		memset(area, '#', sizeof area);
		outbuf_init_string(&ob, area, cap);
		hist_print(&ob, &d, &g, &hist_default);
		outbuf_cstr(&ob);
		good &= strlen(area) == cap - 1 && ob_check_canary(area, cap, sizeof area) &&
			strncmp(area, "value |---", cap - 1 < 10 ? cap - 1 : 10) == 0;
	}
	ok("sprint(@hist_log) truncates to MAXSTRINGLEN-1", good);

	/* invalid linear parameters: no histogram printed */
	stats_desc_init(&d, STATS_HIST_LINEAR, 0, 10, 0, 0, 0, 128);
	s[0] = 1;
	hist_render(&d, s, 1, &hist_default, &ob);
	ok("invalid linear prints nothing", ob.len == 0);
}

/* ---- display ------------------------------------------------------------ */

static void test_display(void)
{
	struct outbuf ob;
	struct stats_desc d;
	struct stats_agg g;

	outbuf_init(&ob, big, sizeof big);
	display_elem(&ob, "a", ARGV(L(1), S("x")), 2, ARGV(L(2)), 0);
	display_scalar(&ob, "s", ARGV(S("hi")), 0);
	OKS("spec 6 example", "a[1,\"x\"]=2\ns=\"hi\"\n", ob.buf, ob.len);

	outbuf_init(&ob, big, sizeof big);
	display_scalar(&ob, "x", ARGV(L(-5)), 0);
	display_scalar(&ob, "p", ARGV(L(0)), DISPLAY_F_POINTER);
	display_scalar(&ob, "q", ARGV(L(0x7ffd1234)), DISPLAY_F_POINTER);
	display_scalar(&ob, "e", ARGV(S("")), 0);
	display_scalar(&ob, "r", ARGV(S("a\"b\n")), 0);
	OKS("scalars", "x=-5\np=0x0\nq=0x7ffd1234\ne=\"\"\nr=\"a\"b\n\"\n", ob.buf, ob.len);

	outbuf_init(&ob, big, sizeof big);
	display_elem(&ob, "m", ARGV(S("k")), 1, ARGV(S("v")), 0);
	display_elem(&ob, "n", ARGV(L(-1), L(2), L(3)), 3, ARGV(L(0)), 0);
	OKS("array elements", "m[\"k\"]=\"v\"\nn[-1,2,3]=0\n", ob.buf, ob.len);

	stats_desc_init(&d, STATS_HIST_NONE, 0, 0, 0, 0, 0, 128);
	acc_reset(&d);
	merge_all(&d, &g, 2);
	outbuf_init(&ob, big, sizeof big);
	display_stats(&ob, "st", NULL, 0, &g);
	OKS("empty stats", "st @count=0x0\n", ob.buf, ob.len);

	stats_add(&d, &cpus[0].acc, 1);
	stats_add(&d, &cpus[1].acc, 2);
	stats_add(&d, &cpus[1].acc, 4);
	merge_all(&d, &g, 2);
	outbuf_init(&ob, big, sizeof big);
	display_stats(&ob, "st", NULL, 0, &g);
	display_stats(&ob, "sa", ARGV(S("k"), L(7)), 2, &g);
	OKS("stats lines",
	    "st @count=3 @min=1 @max=4 @sum=7 @avg=2\n"
	    "sa[\"k\",7] @count=3 @min=1 @max=4 @sum=7 @avg=2\n",
	    ob.buf, ob.len);
}

/* ---- sort --------------------------------------------------------------- */

static struct sort_item items[1000], scratch[1000], refi[1000];

static void sort_reference(struct sort_item *a, uint32_t n, int desc)
{
	uint32_t i, j;

	for (i = 1; i < n; i++) {
		struct sort_item x = a[i];
		for (j = i; j > 0; j--) {
			int c = sort_cmp(&a[j - 1], &x);
			if (desc ? c >= 0 : c <= 0)
				break;
			a[j] = a[j - 1];
		}
		a[j] = x;
	}
}

static void test_sort(void)
{
	static const char *words[] = { "b", "ab", "abc", "", "\xc3\xa9", "Z", "b", "ab" };
	uint32_t n, i;
	int round, good = 1, desc;

	/* ties keep input order in both directions */
	for (i = 0; i < 6; i++) {
		items[i].num = (int64_t)(i % 3);
		items[i].str = NULL;
		items[i].row = i;
	}
	sort_items(items, scratch, 6, 0);
	ok("ascending stable", items[0].row == 0 && items[1].row == 3 && items[2].row == 1 &&
				       items[3].row == 4 && items[4].row == 2 && items[5].row == 5);
	for (i = 0; i < 6; i++) {
		items[i].num = (int64_t)(i % 3);
		items[i].row = i;
	}
	sort_items(items, scratch, 6, 1);
	ok("descending stable (not reversed)", items[0].row == 2 && items[1].row == 5 &&
						       items[2].row == 1 && items[3].row == 4 &&
						       items[4].row == 0 && items[5].row == 3);

	for (i = 0; i < 8; i++) {
		items[i].str = words[i];
		items[i].len = (uint32_t)strlen(words[i]);
		items[i].row = i;
	}
	sort_items(items, scratch, 8, 0);
	good = items[0].row == 3 && items[1].row == 5 && items[2].row == 1 &&
	       items[3].row == 7 && items[4].row == 2 && items[5].row == 0 &&
	       items[6].row == 6 && items[7].row == 4;
	ok("strings sort like strcmp (unsigned bytes, prefix first)", good);

	items[0].str = NULL;
	items[0].num = INT64_MAX;
	items[1].str = NULL;
	items[1].num = INT64_MIN;
	items[2].str = NULL;
	items[2].num = 0;
	sort_items(items, scratch, 3, 0);
	ok("extreme longs", items[0].num == INT64_MIN && items[1].num == 0 &&
				    items[2].num == INT64_MAX);

	sort_items(items, scratch, 0, 0);
	ok("empty sort", 1);

	good = 1;
	for (round = 0; round < 400; round++) {
		n = (uint32_t)(rng() % 1000);
		desc = round & 1;
		for (i = 0; i < n; i++) {
			items[i].num = (int64_t)(rng() % (round % 5 == 0 ? 3 : 100000)) - 50;
			items[i].str = NULL;
			items[i].row = i;
		}
		memcpy(refi, items, n * sizeof *items);
		sort_items(items, scratch, n, desc);
		sort_reference(refi, n, desc);
		for (i = 0; i < n; i++)
			good &= items[i].row == refi[i].row && items[i].num == refi[i].num;
	}
	ok("random sorts equal a stable insertion sort (400 rounds)", good);
}

/* ---- robustness: random inputs into small buffers, under ASan ---------- */

static void test_random_bounds(void)
{
	static const char *pieces[] = { "%d", "%-7i", "%+5u", "%#o", "%#x", "%X", "%p",
					"%*d", "%.*x", "%*.*d", "%c", "%#c", "%5s", "%-.3s",
					"%0s", "%b", "%-3b", "%.2b", "%m", "%#.5M", "%-9.3m",
					"%%", "lit", " ", "%.0d", "%08.3d" };
	char area[128], in[64], fmt[128];
	int round, bad = 0;

	for (round = 0; round < 20000; round++) {
		struct fmt_arg args[16];
		struct format_mem m = { mem_read, NULL, 0 };
		struct outbuf ob;
		uint32_t cap = (uint32_t)(rng() % 40), nargs = 0, i, k;
		size_t flen = 0;
		int e;

		fmt[0] = '\0';
		for (k = (uint32_t)(rng() % 5); k > 0; k--) {
			const char *pc = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
			if (flen + strlen(pc) + 1 < sizeof fmt) {
				strcpy(fmt + flen, pc);
				flen += strlen(pc);
			}
		}
		for (i = 0; i < 16; i++) {
			if (rng() % 4 == 0) {
				args[i] = fmt_arg_strn("hello world, this is a string",
						       (uint32_t)(rng() % 30));
			} else {
				int64_t v = (int64_t)rng();
				args[i] = fmt_arg_long(rng() % 2 ? v : v % 20000 - 10000);
			}
		}
		nargs = (uint32_t)(rng() % 17);
		memset(area, '#', sizeof area);
		if (rng() % 2)
			outbuf_init_string(&ob, area, cap + 1);
		else
			outbuf_init(&ob, area, cap);
		format_printf(&ob, fmt, (uint32_t)flen, args, nargs, &m);
		outbuf_cstr(&ob);
		if (ob.len > cap || !ob_check_canary(area, cap + 1, sizeof area))
			bad++;

		/* escape_text: random bytes, budgets, MAXSTRINGLEN */
		for (i = 0; i < sizeof in; i++)
			in[i] = (char)(rng() % 3 ? rng() : 0xc3);
		in[sizeof in - 1] = '\0';
		k = 6 + (uint32_t)(rng() % 40);
		memset(area, '#', sizeof area);
		e = (int)escape_text(area, in, (int64_t)(rng() % 80) - 5, (int64_t)(rng() % 60) - 5,
				     (unsigned)(rng() % 4), k);
		if ((uint32_t)e > k - 1 || area[e] != '\0' || !ob_check_canary(area, k, sizeof area))
			bad++;
	}
	ok("random printf and escape_text stay inside their buffers (20000 rounds)", bad == 0);
}

int main(void)
{
	test_printf_spec_examples();
	test_printf_integers();
	test_printf_vs_libc();
	test_printf_clamps();
	test_printf_chars_strings();
	test_printf_binary();
	test_printf_memory();
	test_printf_errors();
	test_printf_parsed();
	test_outbuf();
	test_print_family();
	test_escape_char();
	test_escape_text();
	test_variance();
	test_variance_random();
	test_merge();
	test_buckets();
	test_hist_examples();
	test_hist_references();
	test_hist_params();
	test_hist_edges();
	test_display();
	test_sort();
	test_random_bounds();
	return failures ? 1 : 0;
}
