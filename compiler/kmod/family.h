/*
 * kmod/family: what a probe family provides for the kernel-module back end
 * (its `kmod` hooks, see elab/family.h), and what the hooks may use.
 *
 * A family's file (compiler/probes/NAME.c) defines one `struct
 * kmod_family` next to its pass-2 code; the back end calls the hooks and
 * never asks which family a probe belongs to.  The runtime side is
 * runtime/kmod/probe_NAME.c, which registers the entries of `table`.
 *
 * Hooks print C text with the writer of kmod.h (kw_line...), and report
 * with kmod_error(); everything else of kmod.h is the back end's own.
 */
#ifndef CTAP_KMOD_FAMILY_H
#define CTAP_KMOD_FAMILY_H

#include <stdbool.h>

struct derived_probe;
struct kmod;
struct kprobe_tr;
struct strbuf;
struct writer;

/* The runtime kind of a derived probe. */
enum { KP_NORMAL, KP_BEGIN, KP_END, KP_ERROR, KP_NEVER };

struct kmod_family {
	/* a family whose probes need different hooks (different runtime
	 * tables) picks them per probe; NULL = these hooks */
	const struct kmod_family *(*variant)(struct derived_probe *dp);
	/* the runtime kind (KP_*) of a derived probe; NULL = KP_NORMAL */
	int (*kind)(struct derived_probe *dp);
	/* false (after reporting) if the probe cannot be translated */
	bool (*check)(struct kmod *K, struct kprobe_tr *p);
	/* prints what the family needs before the handlers (tracepoint
	 * argument structs, callbacks) and its table entry */
	void (*emit_decls)(struct kmod *K, struct kprobe_tr *p, struct writer *w);
	void (*emit_entry)(struct kmod *K, struct kprobe_tr *p, struct writer *w);
	const char *table;          /* "timers", "tracepoints", ... or NULL */
	/* kernel headers the module needs for this probe (NULL-terminated),
	 * e.g. <asm/syscall.h>; NULL = none */
	const char *const *(*includes)(const struct kprobe_tr *p);
	/* handlers run with a kprobe's saved registers (function arguments,
	 * return values, register()) */
	bool has_regs;
	/* the C expression of the probe's argument `index` (tracepoint
	 * arguments, $var bases), as a 64-bit value; NULL = none */
	const char *(*arg)(struct kmod *K, struct kprobe_tr *p, int index);
	/* the C expression of the family's context value `index` (a
	 * target_access with base ACCESS_FAMILY), as a 64-bit value; NULL
	 * (from the hook, or no hook) = not available in this probe */
	const char *(*family_value)(struct kmod *K, struct kprobe_tr *p, int index);
	/* $$vars / $$parms / $$locals / $$return (`name`): appends "NAME=%FMT"
	 * items to fmt (space-separated) and "|C-EXPR" per item to args;
	 * returns the number of items.  NULL = none. */
	unsigned (*vars)(struct kmod *K, struct kprobe_tr *p, const char *name, struct strbuf *fmt,
			 struct strbuf *args);
	/* the user-space file the probe is in, whose symbols the module
	 * carries (usyms.c); NULL = none */
	const char *(*user_object)(const struct kprobe_tr *p);
};

#endif
