/*
 * builtin: the BPF implementations of tapset functions whose kmod body is
 * embedded C (a "bpf: NAME" comment in the body, functiondecl.bpf_builtin).
 *
 * One table (builtin.c) names each builtin, the width of its string
 * result, and its two implementations: `user` for handlers interpreted in
 * the stap process (interp_builtin.c) and `kernel` for handlers compiled to
 * BPF (lower_builtin.c).  Either may be NULL: the builtin is then
 * unavailable on that side, which is a pass-3 error naming the function
 * and the probe.  A function with embedded C and no bpf pragma is
 * unavailable on both sides.  Semantics: tapset/BPF_BUILTINS.md.
 */
#ifndef CTAP_BPF_BUILTIN_H
#define CTAP_BPF_BUILTIN_H

#include <stdbool.h>
#include <stdint.h>

struct bpf_plan;
struct expr;
struct interp;
struct ival;
struct lower;
struct lval;

typedef bool (*builtin_user_fn)(struct interp *I, const struct expr *call, struct ival *args,
				uint32_t nargs, struct ival *out);
typedef bool (*builtin_kernel_fn)(struct lower *L, const struct expr *call, struct lval *out);

enum builtin_width {
	BW_MAX = 0,          /* MAXSTRINGLEN */
	BW_ARG0 = 1u << 30,  /* as wide as the first (string) argument */
};

struct builtin {
	const char *name;
	uint32_t width;            /* string result bound incl. NUL, or a BW_ value */
	builtin_user_fn user;
	builtin_kernel_fn kernel;
};

const struct builtin *builtin_find(const char *name);
/* Width bound of a call's string result. */
uint32_t builtin_width(const struct bpf_plan *pl, const struct expr *call);

/* implementations (interp_builtin.c / lower_builtin.c), looked up by name */
builtin_user_fn builtin_user_impl(const char *name);
builtin_kernel_fn builtin_kernel_impl(const char *name);

#endif
