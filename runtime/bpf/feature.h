/*
 * feature: what the running kernel lets the BPF back end do, found by
 * trying (load a tiny program of each kind, attach where that is cheap,
 * look at errno), never by reading the kernel configuration.
 *
 * Verdicts are computed on first use and cached for the process.  Pass 2
 * (probe resolution) and pass 3 ask before they commit to a mechanism, so
 * that an unsupported feature becomes one clear error naming the probe and
 * the feature, e.g.
 *
 *   kernel.function probes need kprobes or fentry; this kernel offers
 *   neither (kprobe: ENOENT (no kprobe PMU), fentry: EPERM)
 *
 * Verdicts can be pinned, for tests and for compiling against recorded
 * fixtures or another kernel (-r), where probing this host would be wrong:
 * feature_override(), or CTAP_BPF_FEATURES="kprobe=EOPNOTSUPP,fentry=EPERM,
 * tp_btf=ok" in the environment (read on first use).  A caller compiling
 * for a kernel other than the running one should pin or not ask.
 */
#ifndef CTAP_BPF_FEATURE_H
#define CTAP_BPF_FEATURE_H

#include <stdbool.h>
#include <stdint.h>

struct diag_sink;
struct strbuf;
struct token;

enum feature {
	FEATURE_KPROBE,        /* kprobe through the kprobe PMU (or tracefs kprobe_events) */
	FEATURE_KPROBE_MULTI,  /* kprobe_multi links */
	FEATURE_FENTRY,        /* fentry/fexit trampolines (BPF_PROG_TYPE_TRACING) */
	FEATURE_RAW_TP,        /* raw_tracepoint programs */
	FEATURE_TP_BTF,        /* BTF-typed tracepoints (tp_btf) */
	FEATURE_PERF_TP,       /* tracepoint programs on perf events (tracefs present) */
	FEATURE_UPROBE,        /* the uprobe PMU */
	FEATURE_UPROBE_MULTI,  /* uprobe_multi links (attach type 48) */
	FEATURE_PERF_EVENT,    /* perf_event programs on the software cpu-clock */
	FEATURE_BPF_LOOP,      /* bpf_loop() with a callback (needs program BTF) */
	FEATURE_RINGBUF,       /* BPF_MAP_TYPE_RINGBUF */
	FEATURE_SDIV,          /* signed division/modulo (ISA v4) */
	FEATURE_BTF,           /* loading program BTF (func_info) */
	FEATURE_MAY_GOTO,      /* the may_goto instruction (6.9+): loops whose state the
	                        * verifier cannot tell apart still load */
	FEATURE_WRITE_USER,    /* bpf_probe_write_user (refused under kernel lockdown) */
	FEATURE__COUNT,
};

struct feature_verdict {
	int err;               /* 0: available; else the (positive) errno that refused it */
	const char *detail;    /* what refused it, e.g. "no kprobe PMU"; NULL if obvious */
	bool overridden;       /* pinned by feature_override / CTAP_BPF_FEATURES */
	double ms;             /* time the probe took */
};

/* The verdict (probing on first use). */
const struct feature_verdict *feature_probe(enum feature f);
bool feature_available(enum feature f);

const char *feature_name(enum feature f);       /* "kprobe_multi" */
int feature_by_name(const char *name);          /* enum feature, or -1 */
/* "kprobe: ENOENT (no kprobe PMU)", "tp_btf: ok". */
void feature_describe(enum feature f, struct strbuf *out);

/* Pins a verdict (err 0 = available). */
void feature_override(enum feature f, int err);
/* Pins verdicts from "name=ERRNO|ok,..."; returns false (and leaves the
 * offending item in *bad, static storage) on a syntax error. */
bool feature_parse_overrides(const char *spec, const char **bad);
/* Forgets every verdict (tests). */
void feature_reset(void);

/*
 * For pass 2/3: `what` ("kernel.function probes") needs one of alts[n]
 * (`needs`: "kprobes or fentry").  Returns the first available feature of
 * alts, or -1 after reporting at tok, with every alternative's verdict:
 * "<what> need <needs>; this kernel offers neither (kprobe: ..., fentry: ...)".
 */
int feature_require(struct diag_sink *diag, const struct token *tok, const char *what,
		    const char *needs, const enum feature *alts, uint32_t n);

#endif
