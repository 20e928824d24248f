/*
 * target: everything the compiler may ask about the kernel it compiles for.
 *
 * One back-end-neutral interface, so that pass 2 works the same for the
 * running kernel, for another release (-r RELEASE or -r /BUILDDIR), and for
 * recorded fixtures in tests.  Answers come from real files, never from
 * hard-coded lists:
 *
 *   running kernel:  /proc/kallsyms, /sys/kernel/btf/vmlinux,
 *                    tracefs (/sys/kernel/tracing), /proc/config.gz or
 *                    /boot/config-R, uname(2)
 *   -r RELEASE:      /boot/System.map-R, /boot/config-R (or the build tree's
 *                    .config), the BTF inside /boot/vmlinuz-R (extracted once
 *                    and cached), tracepoints from the release's headers
 *                    (the include/trace/events headers of its build tree)
 *   fixtures:        CTAP_TARGET_FIXTURE=DIR (tests): DIR/release, DIR/arch,
 *                    DIR/kallsyms, DIR/config, DIR/tracepoints (format below),
 *                    DIR/btf (raw BTF blob), DIR/can_load_modules
 *
 * All strings returned live as long as the target.  Lookups are lazy: a
 * script that names no kernel function never reads kallsyms.
 */
#ifndef CTAP_TARGET_H
#define CTAP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag_sink;

struct target;

struct target_options {
	const char *release;      /* -r value: release name or build-dir path; NULL = running kernel */
	const char *arch;         /* -a value or NULL (= host arch) */
	const char *fixture_dir;  /* tests: read everything from here */
	const char *cache_dir;    /* where extracted BTF etc. may be cached, or NULL */
};

/* Returns NULL (and an explanation in *err, static or malloc'd text) when
 * the release cannot be found at all. */
struct target *target_open(const struct target_options *opts, char **err);
void target_close(struct target *t);

const char *target_release(const struct target *t);    /* "6.1.0-56-amd64" */
const char *target_kernel_version(const struct target *t); /* "6.1.0" (for kernel_v) */
const char *target_arch(const struct target *t);        /* "x86_64" */
bool target_is_running_kernel(const struct target *t);
/* The kbuild tree (/lib/modules/R/build) or NULL if it is not installed. */
const char *target_build_dir(const struct target *t);

/* CONFIG_* value as in .config ("y", "m", "0x10", "\"str\"" unquoted),
 * or NULL when the option is unset or no config file exists. */
const char *target_config(struct target *t, const char *name);
bool target_has_config(struct target *t); /* a config file was found */

/* ---- kernel function symbols (text symbols of vmlinux and modules) ---- */

struct target_symbol {
	const char *name;
	uint64_t addr;        /* 0 when addresses are hidden */
	const char *module;   /* NULL for vmlinux */
};

/* Calls cb for each text symbol of vmlinux whose name matches the shell
 * glob (fnmatch), in address order, de-duplicated by name.  Linker stubs
 * (__pfx_*, __cfi_*) are skipped unless the glob itself starts with them.
 * Returns the number of matches, or -1 if no symbol table is available. */
int target_functions_match(struct target *t, const char *glob,
			   void (*cb)(void *ctx, const struct target_symbol *sym), void *ctx);
bool target_function_exists(struct target *t, const char *name);
bool target_has_symbols(struct target *t);
/* Symbol containing addr (for tests and listings); NULL if unknown. */
const struct target_symbol *target_symbol_at(struct target *t, uint64_t addr, uint64_t *offset);

/* ---- kernel types from BTF ---- */

/* A C type spelled as in DWARF/headers: "struct task_struct*",
 * "unsigned int", "long int", "bool". */
struct target_param {
	const char *name;
	const char *ctype;
	uint32_t size;        /* bytes */
	bool is_signed;
	bool is_pointer;
	int32_t btf_type_id;  /* 0 when unknown */
};

struct target_func_proto {
	const char *name;
	const char *ret_ctype;   /* "void" for none */
	struct target_param *params;
	uint32_t nparams;
};

/* Prototype of a kernel function from BTF, or NULL. */
const struct target_func_proto *target_function_proto(struct target *t, const char *name);
/* The raw BTF of vmlinux for back ends (libbpf `struct btf *`), or NULL. */
struct btf *target_btf(struct target *t);

/* ---- tracepoints ---- */

struct target_tracepoint {
	const char *system;        /* "sched" */
	const char *name;          /* "sched_switch" */
	/* Prototype arguments (TP_PROTO), in order: $prev etc. */
	struct target_param *args;
	uint32_t nargs;
	/* Record fields (the tracefs "format" file), for back ends that read
	 * the raw record.  May be empty for -r targets. */
	struct target_tp_field {
		const char *name;
		const char *ctype;
		uint32_t offset, size;
		bool is_signed;
	} *fields;
	uint32_t nfields;
	int32_t tracefs_id;        /* events/<sys>/<name>/id, -1 if unknown */
};

/* Calls cb for each tracepoint whose system and name match the globs
 * (system glob NULL = any), sorted by system then name.  Returns the count,
 * or -1 if the target offers no tracepoint list. */
int target_tracepoints_match(struct target *t, const char *system_glob, const char *name_glob,
			     void (*cb)(void *ctx, const struct target_tracepoint *tp), void *ctx);
const struct target_tracepoint *target_tracepoint(struct target *t, const char *system,
						  const char *name);

/* ---- capabilities (for --runtime selection) ---- */

/* Whether kernel modules can be loaded on this target: the running kernel
 * has module support and lockdown does not forbid them.  For -r targets:
 * CONFIG_MODULES=y. */
bool target_can_load_modules(struct target *t);

#endif
