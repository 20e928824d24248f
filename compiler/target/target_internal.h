/*
 * target_internal: the target's state, shared by the files of compiler/target.
 * Nothing outside compiler/target includes this.
 *
 * Calls go one way, down this list (each file calls only files below it):
 *
 *   record.c           writing fixtures (the recorder)
 *   btf_trim.c         copying a closed subset of BTF (for fixtures)
 *   core.c             open/close, the description, capabilities
 *   tracepoints.c      tracepoint questions: which source loads the table,
 *                      typed arguments
 *   trace_headers.c    tracepoint systems of a release from its headers
 *   tracefs.c          tracepoints of the running kernel (events/<sys>/<name>)
 *   ftrace_funcs.c     functions with an ftrace entry (kprobe events take no other)
 *   btf.c              loading BTF, C type spellings, function prototypes
 *   sysmap.c           where a target's symbols come from (kallsyms, System.map,
 *                      the vmlinuz's embedded table, fixtures)
 *   cache.c            the on-disk cache of what was extracted from a vmlinuz
 *   vmlinux_kallsyms.c the kallsyms tables embedded in a vmlinux image
 *   vmlinuz.c          bzImage -> decompressed vmlinux ELF image
 *   kconfig.c          .config values
 *   fixture.c          filling a target's tables from a recorded fixture
 *   tptable.c          the in-memory tracepoint table
 *   kallsyms.c         "ADDR TYPE NAME [MODULE]" text: /proc/kallsyms, System.map
 *   symtab.c           the in-memory function symbol table (globs, addresses)
 *   namemap.c          a string-keyed hash map
 *   target_desc.c      which kernel, and where its files are (target_desc.h)
 *   fixture_file.c     one file of a fixture directory (fixture_file.h)
 *   gzfile.c           whole files, gzip or not (gzfile.h)
 *   why.c              explanations of what is missing (why.h)
 *
 * Every lazily loaded source has a "tried" flag so that a missing source is
 * looked for once, and an explanation (*_why) for messages and tests.
 */
#ifndef CTAP_TARGET_INTERNAL_H
#define CTAP_TARGET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/target.h"
#include "target/why.h"

struct arena;
struct btf;

/* ---- symtab.c ---- */

struct symtab {
	struct target_symbol *syms;  /* text symbols, sorted by address */
	uint32_t n, cap;
	uint32_t *by_name;           /* indices into syms, sorted by name, then address */
	uint8_t *dup;                /* dup[i]: a same-named symbol has a lower address */
	bool have_addrs;             /* false when every address is 0 (kptr_restrict) */
	char **texts;                /* backing storage the names point into */
	uint32_t ntexts;
	const char **syscalls;       /* NAME of every __syscall_meta__NAME data symbol */
	uint32_t nsyscalls, syscalls_cap;
};

void symtab_init(struct symtab *st);
void symtab_free(struct symtab *st);
/* Keeps text (malloc'd) alive as long as the table; names may point into it. */
void symtab_own_text(struct symtab *st, char *text);
void symtab_add(struct symtab *st, const char *name, uint64_t addr, const char *module);
/* Sorts and indexes; call once after the last symtab_add. */
void symtab_finish(struct symtab *st);
int symtab_match(const struct symtab *st, const char *module_glob, const char *glob,
		 void (*cb)(void *ctx, const struct target_symbol *sym), void *ctx);
const struct target_symbol *symtab_find(const struct symtab *st, const char *name);
const struct target_symbol *symtab_at(const struct symtab *st, uint64_t addr, uint64_t *offset);

/* ---- namemap.c ---- */

struct namemap {
	const char **keys;
	void **vals;
	uint32_t cap, n;
};

void namemap_put(struct namemap *m, const char *key, void *val);
void *namemap_get(const struct namemap *m, const char *key);
void namemap_free(struct namemap *m);

/* ---- kallsyms.c ---- */

/* Adds the text symbols (t T w W) of kallsyms/System.map text to st,
 * taking ownership of text, and notes __syscall_meta__ symbols (the
 * syscalls: trace events of CONFIG_FTRACE_SYSCALLS) in st->syscalls.
 * Returns the number of lines understood. */
uint32_t kallsyms_parse(struct symtab *st, char *text);
/* True if text is Debian's one-line placeholder System.map. */
bool kallsyms_is_placeholder(const char *text);

/* ---- vmlinuz.c ---- */

/* Decompresses the vmlinux inside a bzImage (or returns a copy of an ELF
 * file).  Returns a malloc'd image and its size, or NULL with *why set
 * (malloc'd). */
void *vmlinuz_extract(const char *path, size_t *size, char **why);
/* The contents of the ELF section `name` of an in-memory image: a pointer
 * into image, or NULL. */
const void *vmlinuz_elf_section(const void *image, size_t size, const char *name,
				size_t *secsize);

/* ---- buildid.c ---- */

/* The GNU build-id in a block of ELF notes (SHT_NOTE contents,
 * /sys/kernel/notes), in hex (malloc'd), or NULL. */
char *notes_build_id(const void *notes, size_t size);

/* ---- vmlinux_kallsyms.c ---- */

/* Finds the compressed kallsyms tables in a vmlinux image and writes them
 * in System.map format ("%016llx T name\n", every symbol) to a malloc'd
 * string.  absolute_percpu: CONFIG_KALLSYMS_ABSOLUTE_PERCPU (-1 = guess).
 * NULL with *why (malloc'd) when the tables cannot be found. */
char *vmlinux_kallsyms_extract(const void *image, size_t size, int absolute_percpu,
			       char **why);

/* ---- cache.c ---- */

/* Path of the cached artefact `what` ("btf", "map") of this target's
 * vmlinuz, keyed by release, size and mtime; NULL when there is no cache
 * directory or no vmlinuz.  Malloc'd. */
char *cache_path(struct target *t, const char *what);
/* Writes data atomically (temporary file + rename); failures are silent
 * (a cache is an optimisation). */
void cache_store(const char *path, const void *data, size_t size);
/* The malloc'd contents of artefact `what` ("btf": raw BTF, "map":
 * System.map text, "buildid": the GNU build-id in hex) of a -r target's
 * vmlinuz: from the cache, or extracted (one decompression fills the
 * cache with all).  NULL with *why. */
void *cache_artefact(struct target *t, const char *what, size_t *size, char **why);

/* ---- btf.c ---- */

struct btf *btf_load(struct target *t);
/* Index FUNC names (t->btf_funcs), and the btf_trace_* typedefs and
 * __bpf_trace_* FUNCs (t->btf_traces, t->bpf_trace_funcs), once each. */
void btf_index_funcs(struct target *t);
void btf_index_traces(struct target *t);
/* Parameters of FUNC_PROTO proto_id from index first on (target arena). */
uint32_t btf_params_of(struct target *t, int32_t proto_id, uint32_t first,
		       struct target_param **out);
/* Fills *p from BTF type id (name is not touched). */
void btf_describe(struct target *t, const struct btf *btf, int32_t id, struct target_param *p);
/* The C spelling of a BTF type as DWARF/SystemTap spell it, in the target arena. */
const char *btf_spell(struct target *t, const struct btf *btf, int32_t id);

/* ---- btf_trim.c ---- */

struct btf_trim;
struct btf_trim *btf_trim_new(struct target *t, const struct btf *src,
			      const char *const *keep_structs);
/* Adds root prefix+name: a FUNC when prefix is "", else a TYPEDEF. */
void btf_trim_add_named(struct btf_trim *tr, const char *prefix, const char *name);
/* The trimmed raw BTF (malloc'd) or NULL; frees tr. */
void *btf_trim_finish(struct btf_trim *tr, uint32_t *size);

/* ---- tptable.c ---- */

struct tp_entry {
	struct target_tracepoint tp;
	bool args_done, fields_done;
	/* "TP_PROTO(struct task_struct *p, ...)" from the headers (-r): names
	 * the arguments when BTF's prototype has none (pahole before 1.2x) */
	const char *proto_text;
};

struct tptable {
	struct tp_entry *e;          /* sorted by system, then name, after tptable_finish */
	uint32_t n, cap;
};

/* Adds a tracepoint (strings copied into a) while a source loads the
 * table.  The pointer is valid until the next tptable_add. */
struct tp_entry *tptable_add(struct tptable *tt, struct arena *a, const char *system,
			     const char *name, int32_t id);
/* Sorts, and keeps one entry per system:name; call once after loading. */
void tptable_finish(struct tptable *tt);
struct tp_entry *tptable_find(const struct tptable *tt, const char *system, const char *name);
void tptable_free(struct tptable *tt);

/* ---- tracefs.c ---- */

/* The tracefs root of the running kernel (mounting it if we may), or NULL. */
const char *tracefs_root(struct target *t);
/* Adds events/<sys>/<name> of the running kernel; false if no tracefs. */
bool tracefs_load(struct target *t);
/* Parses a tracefs "format" file's field lines into tp->fields. */
void tracefs_parse_format(struct target *t, struct target_tracepoint *tp, const char *text);
/* Reads events/<sys>/<name>/format of the running kernel into tp->fields. */
void tracefs_load_fields(struct target *t, struct target_tracepoint *tp);

/* ---- trace_headers.c ---- */

/* Adds the tracepoints of a release that has no tracefs to read: names
 * and systems from its BTF, headers and symbols.  False if impossible. */
bool trace_headers_load(struct target *t);

/* ---- fixture.c ---- */

bool fixture_load_symbols(struct target *t);
bool fixture_load_tracepoints(struct target *t);
struct btf *fixture_load_btf(struct target *t);
/* Prototypes recorded as text (DIR/protos) when the fixture has no BTF. */
const struct target_func_proto *fixture_proto(struct target *t, const char *name);

/* ---- the target ---- */

struct target {
	const struct target_desc *d; /* which kernel, where its files are (not owned) */
	struct arena *arena;    /* strings, prototypes, tracepoints */

	/* .config, loaded on first use (kconfig.c) */
	bool config_loaded;
	bool config_found;
	char *config_text;
	char **config_names, **config_values;
	unsigned nconfig;

	/* function symbols (sysmap.c) */
	bool syms_tried;
	bool syms_found;
	struct symtab syms;
	const char *syms_source; /* "/proc/kallsyms", "/boot/System.map-R", ... */
	char *syms_why;          /* why none were found */

	/* what the vmlinuz of a -r target yielded, until taken (cache.c) */
	bool image_tried;
	char *image_why;
	void *image_btf;
	size_t image_btf_size;
	char *image_btf_why;
	char *image_map;
	char *image_map_why;
	char *image_build_id;       /* hex */
	char *image_build_id_why;

	/* the kernel's build-id (buildid.c) */
	bool kernel_build_id_tried;
	char *kernel_build_id;
	char *kernel_build_id_why;

	/* BTF (btf.c) */
	bool btf_tried;
	struct btf *btf;
	const char *btf_source;
	char *btf_why;
	bool btf_indexed;           /* btf_funcs (btf_index_funcs) */
	bool btf_traces_indexed;    /* btf_traces, bpf_trace_funcs */
	struct namemap btf_funcs;   /* FUNC name -> type id (as pointer) */
	struct namemap btf_traces;  /* "sched_switch" -> btf_trace_ typedef id */
	uint32_t *bpf_trace_funcs;  /* ids of __bpf_trace_<class> FUNCs (named params) */
	uint32_t nbpf_trace_funcs;
	struct namemap protos;      /* name -> struct target_func_proto */
	bool fixture_protos_loaded;

	/* tracepoints (tracepoints.c), tracefs root (tracefs.c) */
	bool tracefs_tried;
	const char *tracefs;
	/* functions with an ftrace entry (ftrace_funcs.c) */
	bool ftrace_funcs_tried;
	bool ftrace_funcs_found;
	uint64_t *ftrace_addrs;     /* sorted */
	size_t nftrace_addrs;
	bool tps_tried;
	bool tps_found;
	struct tptable tps;
	const char *tps_source;
	char *tps_why;
};

#endif
