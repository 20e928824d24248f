/*
 * ksyms_test: runtime/bpf/ksyms (address -> name, offset, size, module)
 * on the fixture testsuite/fixtures/ksyms/kallsyms (aliases, a hidden
 * per-CPU range, modules, the last symbol of a module), then, where
 * /proc/kallsyms shows addresses, on the running kernel (a symbol looked
 * up by its own address).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/ksyms.h"

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

int main(void)
{
	fixture();
	running();
	return failures ? 1 : 0;
}
