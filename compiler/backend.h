/*
 * backend: what a code generator provides to the driver (passes 3-5).
 *
 * The driver picks one back end per run (--runtime, or automatically: the
 * kernel-module back end, or BPF where the target kernel can't load
 * modules) and calls its hooks in order; each hook returns false after
 * reporting why.  Products are opaque to the driver.
 */
#ifndef CTAP_BACKEND_H
#define CTAP_BACKEND_H

#include <stdbool.h>
#include <stdio.h>

struct session;
struct program;

struct backend {
	const char *name;                       /* "kernel", "bpf" */
	/* pass 3: program -> translation (C text, BPF IR/bytecode, ...) */
	bool (*translate)(struct session *s, struct program *p, void **translation);
	/* -p3 prints the translation */
	void (*print_translation)(struct session *s, void *translation, FILE *out);
	/* pass 4: translation -> something runnable (a .ko, loaded objects) */
	bool (*build)(struct session *s, void *translation, void **built);
	/* -p4 prints what pass 4 produced (the module's path, ...) */
	void (*print_build)(struct session *s, void *built, FILE *out);
	/* pass 5: run it; returns false when the run failed (errors, -c
	 * child failed, ...) */
	bool (*run)(struct session *s, void *built);
	/* the "Pass 3: translated to C into ..." style -v detail */
	void (*report)(struct session *s, int pass, void *product, FILE *out);
};

extern const struct backend kmod_backend;
extern const struct backend bpf_backend;

#endif
