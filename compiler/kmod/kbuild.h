/*
 * kbuild: pass 4 of the kernel-module back end (build.c) and what pass 5
 * needs from it.
 */
#ifndef CTAP_KMOD_KBUILD_H
#define CTAP_KMOD_KBUILD_H

#include <stdbool.h>

struct kmod;
struct session;

struct kbuild {
	const char *build_dir;   /* /lib/modules/R/build */
	const char *cflags;      /* ccflags-y */
	const char *flags_key;   /* hash of what the runtime object depends on */
	const char *key;         /* hash of everything the module depends on */
	const char *name;        /* module name */
	const char *src;         /* the generated C file (session temp dir) */
	const char *ko;          /* the built (or cached) module */
	bool cache_hit;
};

/* Decides name and keys (after pass 3). */
void kbuild_name(struct kmod *K, struct kbuild *B);
/* The kernel's build tree exists (else a clear error). */
bool kbuild_check_tree(struct kmod *K, struct kbuild *B);
/* Builds B->ko or finds it in the cache. */
bool kbuild_module(struct kmod *K, struct kbuild *B);
/* -m NAME: the built module is also copied to the current directory as
 * NAME.ko (SystemTap does so), for staprun there or on another machine */
bool kbuild_keep_named(struct kmod *K, struct kbuild *B);
/* $SYSTEMTAP_DIR, default ~/.systemtap */
const char *kbuild_systemtap_dir(struct session *s);

#endif
