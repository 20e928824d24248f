// SPDX-License-Identifier: GPL-2.0
/*
 * ctap_target: a kernel module for module("...") probe tests.  Writing
 * text to /proc/ctap_target calls ctap_target_count(text, len), which
 * counts the text's vowels in a loop (a local that lives in a register or
 * on the stack) and returns the count.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

struct ctap_target_stats {
	unsigned long writes;
	unsigned long vowels;
};

static struct ctap_target_stats stats;

/* noipa: keeps every parameter (gcc would drop s, always &stats) */
static noinline __attribute__((noipa)) int
ctap_target_count(struct ctap_target_stats *s, const char *text, size_t len)
{
	int vowels = 0;
	size_t i;

	for (i = 0; i < len; i++)
		if (strchr("aeiou", text[i]))
			vowels++;
	s->writes++;
	s->vowels += vowels;
	return vowels;
}

static ssize_t ctap_target_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *pos)
{
	char buf[64];
	size_t n = min(len, sizeof(buf) - 1);

	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = 0;
	ctap_target_count(&stats, buf, n);
	return len;
}

static const struct proc_ops ctap_target_ops = {
	.proc_write = ctap_target_write,
};

static int __init ctap_target_init(void)
{
	return proc_create("ctap_target", 0200, NULL, &ctap_target_ops) ? 0 : -ENOMEM;
}

static void __exit ctap_target_exit(void)
{
	remove_proc_entry("ctap_target", NULL);
}

module_init(ctap_target_init);
module_exit(ctap_target_exit);
MODULE_LICENSE("GPL");
