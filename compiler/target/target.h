/*
 * target: everything the compiler may ask about the kernel it compiles for.
 *
 * One back-end-neutral interface, so that pass 2 works the same for the
 * running kernel, for another release (-r RELEASE or -r /BUILDDIR), and for
 * recorded fixtures in tests.  Which kernel, and where its files are, is
 * resolved once into a struct target_desc (target_desc.h); a target holds
 * the facts read from those files.  Answers come from real files, never
 * from hard-coded lists:
 *
 *   running kernel:  /proc/kallsyms, /sys/kernel/btf/vmlinux,
 *                    tracefs (/sys/kernel/tracing), /proc/config.gz or
 *                    /boot/config-R, uname(2)
 *   -r RELEASE:      /boot/System.map-R, /boot/config-R (or the build tree's
 *                    .config), the BTF inside /boot/vmlinuz-R (extracted once
 *                    and cached), tracepoints from the release's headers
 *                    (the include/trace/events headers of its build tree)
 *   fixtures:        CTAP_TARGET_FIXTURE=DIR (tests), recorded by
 *                    target_record(); format below
 *
 * All strings returned live as long as the target.  Lookups are lazy: a
 * script that names no kernel function never reads kallsyms, one that
 * names no tracepoint never reads tracefs, and BTF is parsed only for
 * prototypes and tracepoint arguments.
 *
 * Fixture directory format (stable: pass-2 golden tests depend on it).
 * Every file is optional except `release`; any file may instead be stored
 * gzip-compressed as NAME.gz.  A missing file means "the target does not
 * have this" (e.g. no kallsyms: target_functions_match() returns -1).
 *
 *   release           one line: "6.1.0-56-amd64"
 *   arch              one line: "x86_64" (default)
 *   can_load_modules  one line: "1" or "0"
 *   running           one line: "1" if recorded from the running kernel
 *                     (informational: a fixture target is never "running")
 *   config            .config text ("CONFIG_X=y" lines)
 *   kallsyms          "ADDR TYPE NAME [MODULE]" lines as in /proc/kallsyms
 *                     (hex address, nm type letter; t/T/w/W are functions)
 *   btf               raw BTF blob (as /sys/kernel/btf/vmlinux), possibly a
 *                     trimmed closed subset of the kernel's
 *   protos            function prototypes as text, used only when there is
 *                     no btf:  "FUNC NAME RET_CTYPE" then "PARAM NAME CTYPE"
 *                     lines, fields separated by one TAB
 *   tracepoints       one block per tracepoint, blank-line separated:
 *                       "TP SYSTEM NAME ID" (ID -1 when unknown), optional
 *                       "SYSCALL" (syscalls: event), then
 *                       "ARG NAME CTYPE SIZE SIGNED POINTER" per TP_PROTO
 *                       argument and "FIELD NAME CTYPE OFFSET SIZE SIGNED"
 *                       per record field; fields TAB-separated.  "ARGS ?"
 *                       marks arguments as unknown (no BTF typedef).
 *   source            free text: how and from what the fixture was recorded
 */
#ifndef CTAP_TARGET_H
#define CTAP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/target_desc.h"

struct target;

/* The facts about the kernel d describes, loaded lazily; d must outlive
 * the target.  NULL (and an explanation in *err, malloc'd) when nothing
 * of the release is installed (target_desc_installed()). */
struct target *target_open(const struct target_desc *d, char **err);
void target_close(struct target *t);

/* What the target was opened from: release, arch, build tree, ... */
const struct target_desc *target_description(const struct target *t);

/* CONFIG_* value as in .config ("y", "m", "0x10", "\"str\"" unquoted),
 * or NULL when the option is unset or no config file exists. */
const char *target_config(struct target *t, const char *name);
bool target_has_config(struct target *t); /* a config file was found */

/* The kernel's GNU build-id in hex (/sys/kernel/notes for the running
 * kernel, the .notes of /boot/vmlinuz-R for another release), or NULL
 * with *why when it cannot be read. */
const char *target_kernel_build_id(struct target *t, const char **why);
/* The GNU build-id of an ELF file in hex (malloc'd), or NULL. */
char *target_elf_build_id(const char *path);

/* ---- kernel function symbols (text symbols of vmlinux and modules) ---- */

struct target_symbol {
	const char *name;
	uint64_t addr;        /* 0 when addresses are hidden */
	const char *module;   /* NULL for vmlinux */
};

/* Calls cb for each text symbol of vmlinux whose name matches the shell
 * glob (fnmatch), in address order, de-duplicated by name.  Linker stubs
 * (__pfx_*, __cfi_*) are skipped unless the glob itself starts with them.
 * cb may be NULL (count only).  Returns the number of matches, or -1 if
 * no symbol table is available (pass 2 then warns as SystemTap does:
 * "Kernel function symbol table missing [man warning::symbols]").
 *
 * Symbols cannot say whether a function is probeable: one inlined into
 * every caller has no symbol and does not match; one that is notrace,
 * __kprobes or blacklisted still matches (that is pass 2's list).  DWARF
 * would know more; ctap does not read kernel DWARF. */
int target_functions_match(struct target *t, const char *glob,
			   void (*cb)(void *ctx, const struct target_symbol *sym), void *ctx);
/* Same for functions of loaded modules (running kernel, fixtures) whose
 * module name matches module_glob (NULL = any module). */
int target_module_functions_match(struct target *t, const char *module_glob, const char *glob,
				  void (*cb)(void *ctx, const struct target_symbol *sym),
				  void *ctx);
bool target_function_exists(struct target *t, const char *name);
/* The vmlinux symbol of that name (lowest address if several), or NULL. */
const struct target_symbol *target_function(struct target *t, const char *name);
bool target_has_symbols(struct target *t);
/* False when every address reads 0 (kptr_restrict, no CAP_SYSLOG). */
bool target_has_addresses(struct target *t);
/* Whether kernel function `name` has an ftrace entry (tracefs
 * available_filter_functions), without which the kernel's kprobe events
 * refuse it: 1 yes, 0 no, -1 unknown (not the running kernel, no tracefs,
 * a module's "M:SYMBOL"). */
int target_ftrace_traceable(struct target *t, const char *name);
/* Symbol containing addr (for tests and listings); NULL if unknown.
 * Aliases at one address give the first listed; *offset = addr - start. */
const struct target_symbol *target_symbol_at(struct target *t, uint64_t addr, uint64_t *offset);
/* Where the symbols came from ("/proc/kallsyms", "/boot/System.map-R",
 * "kallsyms of /boot/vmlinuz-R", fixture path), or NULL if none. */
const char *target_symbols_source(struct target *t);
/* Why there is no symbol table (for -v and messages), or NULL if there is. */
const char *target_symbols_missing(struct target *t);

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
	bool varargs;            /* ends in "..." (not counted in params) */
};

/* Prototype of a kernel function from BTF (or a fixture's protos), or
 * NULL when unknown: no BTF, or the function has no BTF entry (inlined
 * everywhere, or dropped by pahole); NULL does not mean "no such function".
 * Parameter types are spelled as SystemTap's -L spells DWARF types
 * ("struct file*", "char const*", "long unsigned int", "size_t"). */
const struct target_func_proto *target_function_proto(struct target *t, const char *name);
/* The BTF of vmlinux for back ends (libbpf `struct btf *`, owned by the
 * target: do not free), or NULL. */
struct btf *target_btf(struct target *t);
/* A BTF type spelled as DWARF/SystemTap spell it ("struct task_struct*",
 * "long unsigned int"); lives as long as the target. */
const char *target_btf_type_name(struct target *t, int32_t id);
/* The byte offset of a named member of `struct NAME` in the kernel's BTF;
 * false when either is not there (or the member is a bit-field). */
bool target_member_offset(struct target *t, const char *struct_name, const char *member,
			  uint32_t *offset);
const char *target_btf_source(struct target *t);   /* NULL if no BTF */
const char *target_btf_missing(struct target *t);  /* why not, or NULL */

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
	bool args_known;           /* args came from BTF (else nargs = 0 means unknown) */
	bool syscall;              /* syscalls:sys_{enter,exit}_*: an ftrace event on the
				      raw_syscalls tracepoints, not a tracepoint itself */
};

/* Calls cb for each tracepoint whose system and name match the globs
 * (system glob NULL = any), sorted by system then name.  Returns the count,
 * or -1 if the target offers no tracepoint list. */
int target_tracepoints_match(struct target *t, const char *system_glob, const char *name_glob,
			     void (*cb)(void *ctx, const struct target_tracepoint *tp), void *ctx);
const struct target_tracepoint *target_tracepoint(struct target *t, const char *system,
						  const char *name);
bool target_has_tracepoints(struct target *t);
const char *target_tracepoints_source(struct target *t);
/* Why there is no list, or what it lacks (tracepoints left out), or NULL. */
const char *target_tracepoints_missing(struct target *t);

/* ---- capabilities (for --runtime selection) ---- */

/* Whether kernel modules can be loaded on this target: the running kernel
 * has module support and lockdown does not forbid them.  For -r targets:
 * CONFIG_MODULES=y. */
bool target_can_load_modules(struct target *t);

/* ---- fixtures ---- */

struct target_record_options {
	const char *functions_glob;  /* record only these functions' symbols (NULL = all) */
	const char *protos_glob;     /* prototypes (btf or protos) of these functions only:
					comma-separated globs; NULL = functions_glob */
	bool text_only;              /* kallsyms: text symbols only (default for -r) */
	enum {
		TARGET_RECORD_BTF_FULL,  /* the whole BTF blob */
		TARGET_RECORD_BTF_TRIM,  /* prototypes of recorded functions, tracepoint
					    typedefs and the structs they name (others
					    reached through pointers become forward
					    declarations) */
		TARGET_RECORD_BTF_NONE,  /* no btf; prototypes as text (protos) */
	} btf;
	const char *const *keep_structs; /* TRIM: struct names kept whole (NULL-terminated) */
	bool config_all;             /* whole .config (default: only set options) */
};

/* Writes t as a fixture directory (format above).  Returns 0, or -1 with
 * *err (malloc'd). */
int target_record(struct target *t, const char *dir, const struct target_record_options *o,
		  char **err);

#endif
