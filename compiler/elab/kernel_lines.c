/*
 * kernel_lines: whether a script asks for kernel source lines, and the
 * line table that answers (see elaborate.h): the rows of every line table
 * of the kernel's DWARF at kernel addresses (4 million for 6.1) in the
 * compact form (target/klines.h), built once and kept in the cache, keyed
 * by the debuginfo file's path, size and time, and also named by the
 * kernel's build-id for machines that have the table but not the DWARF.
 */
#include "elab/elaborate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/klines.h"

#include "diag/diag.h"
#include "elab/program.h"
#include "parse/ast.h"
#include "session.h"
#include "target/klines.h"
#include "target/target.h"
#include "target/target_desc.h"
#include "target/user/udwarf.h"
#include "util/arena.h"
#include "util/fileutil.h"
#include "util/intern.h"
#include "util/strbuf.h"
#include "util/vec.h"

/* x86_64's kernel half: line rows elsewhere are of discarded code */
#define KERNEL_SPACE 0xffff800000000000ull

struct collect {
	struct intern_table *names;
	VEC(struct klines_row) rows;
};

static void on_row(void *ctx, const struct udwarf_line *l)
{
	struct collect *c = ctx;
	if (l->pc < KERNEL_SPACE)
		return;
	struct klines_row r = { .pc = l->pc, .seq = (uint32_t)c->rows.len };
	if (!l->end && l->line > 0 && l->file) {
		r.file = intern(c->names, l->file);
		r.line = (uint32_t)l->line;
	}
	vec_push_heap(&c->rows, r);
}

static bool build(struct udwarf_cache *dc, const char *debuginfo, const char *path, char **why)
{
	struct udwarf *dw = udwarf_open(dc, debuginfo, NULL);
	if (!dw) {
		*why = strdup("its DWARF cannot be read");
		return false;
	}
	uint64_t anchor;
	if (!udwarf_elf_symbol(dw, "jiffies", &anchor)) {
		*why = strdup("it has no symbol 'jiffies' to measure KASLR's offset by");
		return false;
	}
	struct arena *a = arena_new();
	struct collect c = { .names = intern_new(a) };
	udwarf_line_rows(dw, NULL, on_row, &c);
	struct strbuf blob = STRBUF_INIT;
	bool ok = klines_encode(c.rows.items, c.rows.len, anchor, &blob);
	if (!ok) {
		*why = strdup(c.rows.len ? "its line table does not fit 32-bit offsets"
					 : "it has no line tables");
	} else {
		char *tmp = NULL;
		if (asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0)
			abort();
		FILE *f = fopen(tmp, "w");
		ok = f && fwrite(blob.buf, 1, blob.len, f) == blob.len;
		ok = f && fclose(f) == 0 && ok;
		ok = ok && rename(tmp, path) == 0;
		if (!ok) {
			if (asprintf(why, "cannot write %s: %s", path, strerror(errno)) < 0)
				abort();
			unlink(tmp);
		}
		free(tmp);
	}
	strbuf_free(&blob);
	vec_free_heap(&c.rows);
	intern_free(c.names);
	arena_free(a);
	return ok;
}

char *elaborate_kernel_line_table(struct udwarf_cache *dc, const char *debuginfo, const char *cache_dir, char **why)
{
	*why = NULL;
	struct stat st;
	if (stat(debuginfo, &st) != 0) {
		if (asprintf(why, "cannot read %s: %s", debuginfo, strerror(errno)) < 0)
			abort();
		return NULL;
	}
	/* FNV-1a of what identifies the debuginfo file */
	uint64_t h = 0xcbf29ce484222325ull;
	char key[512];
	snprintf(key, sizeof key, "%s|%lld|%lld|%u", debuginfo, (long long)st.st_size,
		 (long long)st.st_mtime, KLINES_VERSION);
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	char *path = NULL;
	if (asprintf(&path, "%s/klines-%016llx.bin", cache_dir, (unsigned long long)h) < 0)
		abort();
	if (file_exists(path))
		return path;
	if (mkdir_p(cache_dir, 0755) != 0 || !build(dc, debuginfo, path, why)) {
		if (!*why && asprintf(why, "cannot create %s: %s", cache_dir, strerror(errno)) < 0)
			abort();
		free(path);
		return NULL;
	}
	return path;
}

/*
 * The table is also kept under the kernel's build-id, so that a machine
 * that has the table but not the DWARF - a test VM, whose memory cannot
 * hold vmlinux's 600 MB of DWARF, given the table built on its host -
 * still names lines of that very kernel.
 */
static char *build_id_path(const char *cache_dir, const char *id)
{
	char *path = NULL;
	if (asprintf(&path, "%s/klines-build-%s-%u.bin", cache_dir, id, KLINES_VERSION) < 0)
		abort();
	return path;
}

/* The kernel's build-id (cached by the target); session_kernel_debuginfo
 * has checked that the debuginfo in use carries the same. */
static const char *kernel_build_id(struct session *s)
{
	struct target *t = session_target(s);
	const char *why = NULL;
	return t ? target_kernel_build_id(t, &why) : NULL;
}

static void name_by_build_id(struct session *s, const char *table, const char *cache_dir)
{
	const char *id = kernel_build_id(s);
	if (!id)
		return;
	char *alias = build_id_path(cache_dir, id);
	/* best effort: only a machine without the DWARF would use the alias */
	if (!file_exists(alias) && link(table, alias) != 0)
		(void)!symlink(table, alias);
	free(alias);
}

static char *table_by_build_id(struct session *s, const char *cache_dir)
{
	const char *id = kernel_build_id(s);
	if (!id)
		return NULL;
	char *path = build_id_path(cache_dir, id);
	if (file_exists(path))
		return path;
	free(path);
	return NULL;
}

const char *elaborate_kernel_lines(struct session *s, const struct program *p)
{
	static const char *const line_functions[] = { "symfileline", "symfile", "symline", NULL };
	const struct functiondecl *f = elaborate_uses_tapset(p, line_functions);
	if (!f)
		return NULL;
	const struct target_desc *d = s->target_desc;
	const char *debuginfo = session_kernel_debuginfo(s);
	const char *cache_dir = arena_printf(s->arena, "%s/cache/klines", session_systemtap_dir(s));
	char *why = NULL, *path = NULL;
	if (!debuginfo && d && d->debuginfo) {
		return NULL; /* not this kernel's: an error said so */
	} else if (!debuginfo) {
		path = table_by_build_id(s, cache_dir);
		if (!path && asprintf(&why, "no DWARF of kernel %s is installed (Debian: "
				      "linux-image-%s-dbg)", d ? d->release : "?",
				      d ? d->release : "RELEASE") < 0)
			why = NULL;
	} else {
		path = elaborate_kernel_line_table(s->dwarf, debuginfo, cache_dir, &why);
		if (path)
			name_by_build_id(s, path, cache_dir);
	}
	if (!path) {
		diag_warning(&s->diag, W_DWARF, f->tok,
			     "%s() has no kernel line table: %s; kernel addresses print as 0x...",
			     f->name, why);
		free(why);
		return NULL;
	}
	const char *kept = arena_strdup(s->arena, path);
	free(path);
	return kept;
}
