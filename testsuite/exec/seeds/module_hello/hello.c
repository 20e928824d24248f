// SPDX-License-Identifier: GPL-2.0
/*
 * hello: the kernel module of seed 004-module_hello (testsuite/exec/seeds/
 * module_hello.stp).  The document assumes "hello.c, a module named hello
 * holding a function test" and runs `stap hello.stp &` then `rmmod hello`:
 * test() runs when the module is removed, from its exit function, once.
 * Built with the test VM kernel's kbuild (-g, as Debian's kernel config
 * has it) by testsuite/Makefile.inc; noinline keeps test() a function of
 * its own, which module("hello").function("test") finds in the DWARF.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static noinline int test(void)
{
	pr_info("hello: test\n");
	return 0;
}

static int __init hello_init(void)
{
	pr_info("hello: loaded\n");
	return 0;
}

static void __exit hello_exit(void)
{
	test();
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("seed 004-module_hello: a module with a function test");
