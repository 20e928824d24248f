/*
 * ksyms_test: runtime/bpf/ksyms (address -> name, offset, size, module)
 * on the fixture testsuite/fixtures/ksyms/kallsyms (aliases, a hidden
 * per-CPU range, modules, the last symbol of a module), then, where
 * /proc/kallsyms shows addresses, on the running kernel (a symbol looked
 * up by its own address); and runtime/bpf/symdefer's expansion of the
 * marked addresses BPF handlers leave in strings, on the same fixture
 * (items of every style, groups of both kinds, the MAXSTRINGLEN cut of
 * the sprint forms, an item cut short), and of items of source lines from
 * a kernel line table (runtime/common/klines.h) moved by KASLR as far as
 * the fixture's jiffies is from the table's anchor.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/ksyms.h"
#include "bpf/symdefer.h"
#include "target/klines.h"
#include "util/fileutil.h"
#include "util/strbuf.h"

static int failures;

static void check_str(const char *name, const char *got, const char *want)
{
	if (!strcmp(got, want)) {
		printf("ok - %s\n", name);
		return;
	}
	failures++;
	printf("not ok - %s: got \"%s\", want \"%s\"\n", name, got, want);
}

static void fmt(const struct ksyms *k, const char *name, uint64_t addr, int style,
		const char *want)
{
	char buf[256];
	ksyms_format(k, buf, sizeof(buf), addr, style);
	check_str(name, buf, want);
}

static const char *srcdir(void)
{
	const char *s = getenv("CTAP_SRCDIR");
	return s && *s ? s : CTAP_ABS_SRCDIR;
}

static void fixture(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/testsuite/fixtures/ksyms/kallsyms", srcdir());
	struct ksyms *k = ksyms_open(path);
	if (!k) {
		failures++;
		printf("not ok - fixture_open: %s\n", path);
		return;
	}
	/* 16 lines, 2 below _stext dropped */
	char n[32];
	snprintf(n, sizeof(n), "%zu", ksyms_count(k));
	check_str("fixture_count", n, "14");
	fmt(k, "symdata_start", 0xffffffff81000400, 1, "vfs_read+0x0/0x1a0 [kernel]");
	fmt(k, "symdata_inside", 0xffffffff81000412, 1, "vfs_read+0x12/0x1a0 [kernel]");
	fmt(k, "symname_alias_first_listed", 0xffffffff81000180, 0, "do_one_initcall");
	fmt(k, "symname_alias_stext", 0xffffffff81000010, 0, "_stext");
	fmt(k, "style2", 0xffffffff810005a4, 2, "vfs_write+0x4 [kernel]");
	fmt(k, "style5", 0xffffffff810005a4, 5, "vfs_write+0x4");
	fmt(k, "style3_kernel", 0xffffffff810005a4, 3, "kernel");
	fmt(k, "module_sym", 0xffffffffc0200090, 1, "ext4_readdir+0x10/0x180 [ext4]");
	fmt(k, "module_name", 0xffffffffc0200090, 3, "ext4");
	fmt(k, "bpf_prog", 0xffffffffc0300010, 2, "bpf_prog_0123456789abcdef_handler+0x10 [bpf]");
	/* past a module's last symbol: its size is unknown */
	fmt(k, "module_last", 0xffffffffc0200210, 0, "0xffffffffc0200210");
	fmt(k, "below_text", 0x1000, 1, "0x1000");
	fmt(k, "unknown_style3", 0x1000, 3, "");
	fmt(k, "zero", 0, 0, "0x0");
	fmt(k, "past_end", 0xffffffff81000a00, 1, "0xffffffff81000a00");
	/* the kernel's last text symbol runs to _end */
	fmt(k, "before_end", 0xffffffff810008ff, 1, "entry_SYSCALL_64+0xff/0x100 [kernel]");
	ksyms_close(k);

	/* by name: the kernel image's only, and never a hidden (zero) one */
	uint64_t a = 0;
	char got[64];
	bool found = ksyms_address_of(path, "vfs_write", &a);
	snprintf(got, sizeof(got), "%d %llx", found, (unsigned long long)a);
	check_str("address_of", got, "1 ffffffff810005a0");
	check_str("address_of_module", ksyms_address_of(path, "ext4_lookup", &a) ? "found" : "none",
		  "none");
	check_str("address_of_zero", ksyms_address_of(path, "fixed_percpu_data", &a) ? "found" : "none",
		  "none");
	check_str("address_of_missing", ksyms_address_of(path, "nosuch", &a) ? "found" : "none",
		  "none");
}

/* an item as compiler/bpf/lower_stack.c encodes it */
static void item(struct strbuf *sb, char style, uint64_t a)
{
	strbuf_putc(sb, SYMDEFER_MARK);
	strbuf_putc(sb, style);
	for (int j = 0; j < SYMDEFER_ADDR_BYTES; j++)
		strbuf_putc(sb, (char)(0x80 | ((a >> (7 * j)) & 0x7f)));
}

static void expand(struct symdefer *d, const char *name, struct strbuf *in, const char *want)
{
	struct strbuf out;
	strbuf_init(&out);
	if (!symdefer_expand(d, in->buf, in->len, &out))
		strbuf_add(&out, in->buf, in->len);
	strbuf_putc(&out, 0);
	check_str(name, out.buf, want);
	strbuf_free(&out);
	strbuf_reset(in);
}

static void deferred(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/testsuite/fixtures/ksyms/kallsyms", srcdir());
	struct symdefer d = { .path = path, .maxstringlen = 512 };
	struct strbuf in;
	strbuf_init(&in);
	strbuf_puts(&in, "plain text");
	expand(&d, "defer_plain", &in, "plain text");
	strbuf_puts(&in, "<");
	item(&in, '0', 0xffffffff81000412);
	strbuf_puts(&in, "|");
	item(&in, '1', 0xffffffffc0200090);
	strbuf_puts(&in, "|");
	item(&in, '3', 0x1000);
	strbuf_puts(&in, "|");
	item(&in, 'x', 0xffffffff81000412);
	strbuf_puts(&in, ">");
	expand(&d, "defer_items", &in,
	       "<vfs_read|ext4_readdir+0x10/0x180 [ext4]||0xffffffff81000412>");
	/* print_stack(callers(-1)): items and hex text */
	strbuf_puts(&in, "\001S1n");
	item(&in, 'x', 0xffffffff81000412);
	strbuf_puts(&in, " 0xffffffff810005a4\002!");
	expand(&d, "defer_group_syms", &in,
	       " 0xffffffff81000412 : vfs_read+0x12/0x1a0 [kernel]\n"
	       " 0xffffffff810005a4 : vfs_write+0x4/0x260 [kernel]\n!");
	/* sprint_backtrace(), cut before MAXSTRINGLEN - 1 bytes */
	d.maxstringlen = 40;
	strbuf_puts(&in, "\001L2c");
	item(&in, 'x', 0xffffffff81000412);
	strbuf_putc(&in, ' ');
	item(&in, 'x', 0xffffffff810005a4);
	strbuf_puts(&in, "\002");
	expand(&d, "defer_group_lines_cut", &in, "vfs_read+0x12 [kernel]\n");
	d.maxstringlen = 512;
	strbuf_puts(&in, "\001L2c");
	item(&in, 'x', 0xffffffff81000412);
	strbuf_putc(&in, ' ');
	item(&in, 'x', 0xffffffff810005a4);
	expand(&d, "defer_group_unterminated", &in,
	       "vfs_read+0x12 [kernel]\nvfs_write+0x4 [kernel]\n");
	strbuf_puts(&in, "a");
	item(&in, '0', 0xffffffff81000412);
	in.len -= 4;
	expand(&d, "defer_item_cut", &in, "a");
	strbuf_free(&in);
	symdefer_close(&d);
}

static void lines(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/testsuite/fixtures/ksyms/kallsyms", srcdir());
	/* link-time addresses 16 MB below the fixture's: the fixture's jiffies
	 * (0xffffffff82000000) is 16 MB above the anchor */
	struct klines_row rows[] = {
		{ 0xffffffff80000400, "fs/read_write.c", 450, 0 },
		{ 0xffffffff80000410, "include/linux/fs.h", 2900, 1 },
		{ 0xffffffff80000420, NULL, 0, 2 },
	};
	struct strbuf blob;
	strbuf_init(&blob);
	bool encoded = klines_encode(rows, 3, 0xffffffff81000000, &blob);
	char table[] = "/tmp/ksyms_test_lines.XXXXXX";
	int fd = mkstemp(table);
	bool written = fd >= 0 && write(fd, blob.buf, blob.len) == (ssize_t)blob.len;
	if (fd >= 0)
		close(fd);
	check_str("lines_table", encoded && written ? "ok" : "no", "ok");
	struct symdefer d = { .path = path, .maxstringlen = 512, .klines_path = table };
	struct strbuf in;
	strbuf_init(&in);
	item(&in, '4', 0xffffffff81000404);
	strbuf_puts(&in, "|");
	item(&in, '6', 0xffffffff81000412);
	strbuf_puts(&in, "|");
	item(&in, '7', 0xffffffff81000412);
	strbuf_puts(&in, "|");
	item(&in, '4', 0xffffffff81000420);
	strbuf_puts(&in, "|");
	item(&in, '4', 0x1000);
	expand(&d, "lines_items", &in,
	       "fs/read_write.c:450|include/linux/fs.h|2900|0xffffffff81000420|0x1000");
	char buf[64];
	symdefer_format(&d, buf, sizeof(buf), 0xffffffff81000400, 4);
	check_str("lines_format", buf, "fs/read_write.c:450");
	symdefer_close(&d);
	/* no table: addresses */
	struct symdefer none = { .path = path, .maxstringlen = 512, .klines_path = "/nonexistent" };
	item(&in, '4', 0xffffffff81000404);
	expand(&none, "lines_no_table", &in, "0xffffffff81000404");
	symdefer_close(&none);
	strbuf_free(&in);
	strbuf_free(&blob);
	unlink(table);
}

static void running(void)
{
	struct ksyms *k = ksyms_open("/proc/kallsyms");
	if (!k || !ksyms_count(k)) {
		printf("skip - running_kernel: /proc/kallsyms shows no addresses here\n");
		ksyms_close(k);
		return;
	}
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512];
	uint64_t addr = 0;
	char want[256] = "";
	while (f && fgets(line, sizeof(line), f)) {
		char type, name[256];
		unsigned long long a;
		if (sscanf(line, "%llx %c %255s", &a, &type, name) == 3 &&
		    !strcmp(name, "do_syscall_64")) {
			addr = a;
			snprintf(want, sizeof(want), "%s", name);
			break;
		}
	}
	if (f)
		fclose(f);
	if (!addr) {
		printf("skip - running_kernel: no do_syscall_64 in /proc/kallsyms\n");
	} else {
		fmt(k, "running_symname", addr + 1, 0, want);
		fmt(k, "running_module", addr + 1, 3, "kernel");
	}
	ksyms_close(k);
}

/* texts user space made for handles (keptstr.h): the items expand to
 * them, a handle never kept to nothing; many handles, few distinct texts */
static void kept(void)
{
	struct symdefer d = { .path = "/nonexistent", .maxstringlen = 512 };
	struct strbuf in;
	strbuf_init(&in);
	char text[64];
	for (uint64_t h = 1; h <= 5000; h++) {
		snprintf(text, sizeof(text), "stack %u\n", (unsigned)(h % 7));
		keptstr_put(&d.kept, h, text, strlen(text));
	}
	keptstr_put(&d.kept, 4999, "replaced", 8);
	strbuf_puts(&in, "[");
	item(&in, SYMDEFER_KEPT, 4998);
	strbuf_puts(&in, "|");
	item(&in, SYMDEFER_KEPT, 4999);
	strbuf_puts(&in, "|");
	item(&in, SYMDEFER_KEPT, 6000);
	strbuf_puts(&in, "]");
	expand(&d, "kept_items", &in, "[stack 0\n|replaced|]");
	/* equal texts are one copy: handle h shares h - 7's */
	const char *t, *u;
	size_t len, ulen;
	bool shared = true;
	for (uint64_t h = 8; h < 4999; h++)
		shared = shared && keptstr_get(&d.kept, h, &t, &len) &&
			 keptstr_get(&d.kept, h - 7, &u, &ulen) && t == u;
	check_str("kept_interned", shared ? "one copy each" : "copies", "one copy each");
	check_str("kept_get_zero", keptstr_get(&d.kept, 0, &t, &len) ? "found" : "none", "none");
	strbuf_free(&in);
	symdefer_close(&d);
	check_str("kept_freed", d.kept.nslots == 0 ? "empty" : "left", "empty");
}

int main(void)
{
	fixture();
	deferred();
	kept();
	lines();
	running();
	return failures ? 1 : 0;
}
