/*
 * target/record: writes a target as a fixture directory (format in
 * target.h), so that pass-2 tests can run against a kernel that is not
 * the host's.  Run through `ctap-target record DIR` or
 * testsuite/fixtures/record-target.
 *
 * Everything is written through the public API, so a fixture holds what
 * ctap itself saw: symbols as target_functions_match() returns them
 * (text symbols, one per name, vmlinux then modules), tracepoints with
 * resolved arguments and fields.  Large files are gzip-compressed
 * (kallsyms, btf, tracepoints); the reader accepts either form.
 */
#include "target/target_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <bpf/btf.h>

#include "util/arena.h"
#include "util/fileutil.h"
#include "util/strbuf.h"

static int write_file(const char *dir, const char *name, const void *data, size_t size,
		      bool gz, char **err)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s%s", dir, name, gz ? ".gz" : "") < 0)
		xoom();
	int rc = 0;
	if (gz) {
		gzFile f = gzopen(path, "wb9");
		if (!f || (size && gzwrite(f, data, (unsigned)size) != (int)size) ||
		    gzclose(f) != Z_OK)
			rc = -1;
	} else {
		FILE *f = fopen(path, "w");
		if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
			rc = -1;
	}
	if (rc)
		why_set(err, "cannot write %s: %s", path, strerror(errno));
	free(path);
	return rc;
}

static int write_text(const char *dir, const char *name, struct strbuf *sb, bool gz,
		      char **err)
{
	int rc = write_file(dir, name, sb->buf ? sb->buf : "", sb->len, gz, err);
	strbuf_free(sb);
	return rc;
}

static void add_symbol(void *ctx, const struct target_symbol *s)
{
	struct strbuf *sb = ctx;
	strbuf_printf(sb, "%016llx T %s", (unsigned long long)s->addr, s->name);
	if (s->module)
		strbuf_printf(sb, "\t[%s]", s->module);
	strbuf_putc(sb, '\n');
}

static int record_symbols(struct target *t, const char *dir,
			  const struct target_record_options *o, char **err)
{
	if (!target_has_symbols(t))
		return 0;
	struct strbuf sb = STRBUF_INIT;
	const char *glob = o->functions_glob ? o->functions_glob : "*";
	target_functions_match(t, glob, add_symbol, &sb);
	if (!o->functions_glob) { /* the linker stubs too: tests check they are hidden */
		target_functions_match(t, "__pfx_*", add_symbol, &sb);
		target_functions_match(t, "__cfi_*", add_symbol, &sb);
	}
	target_module_functions_match(t, NULL, glob, add_symbol, &sb);
	return write_text(dir, "kallsyms", &sb, true, err);
}

static void put_param(struct strbuf *sb, const char *tag, const struct target_param *p)
{
	strbuf_printf(sb, "%s\t%s\t%s\t%u\t%d\t%d\n", tag, p->name, p->ctype, p->size,
		      p->is_signed, p->is_pointer);
}

struct tp_rec {
	struct strbuf *sb;
	struct btf_trim *trim;
};

static void add_tracepoint(void *ctx, const struct target_tracepoint *tp)
{
	struct tp_rec *r = ctx;
	struct strbuf *sb = r->sb;
	strbuf_printf(sb, "TP\t%s\t%s\t%d\n", tp->system, tp->name, tp->tracefs_id);
	if (tp->syscall)
		strbuf_puts(sb, "SYSCALL\n");
	if (!tp->args_known)
		strbuf_puts(sb, "ARGS\t?\n");
	for (uint32_t i = 0; i < tp->nargs; i++)
		put_param(sb, "ARG", &tp->args[i]);
	for (uint32_t i = 0; i < tp->nfields; i++) {
		const struct target_tp_field *f = &tp->fields[i];
		strbuf_printf(sb, "FIELD\t%s\t%s\t%u\t%u\t%d\n", f->name, f->ctype, f->offset,
			      f->size, f->is_signed);
	}
	strbuf_putc(sb, '\n');
	if (r->trim)
		btf_trim_add_named(r->trim, "btf_trace_", tp->name);
}

struct proto_rec {
	struct target *t;
	struct strbuf *sb;
	struct btf_trim *trim;
};

static void for_each_glob(struct target *t, const char *globs,
			  void (*cb)(void *ctx, const struct target_symbol *sym), void *ctx)
{
	char *copy = xstrdup(globs), *save = NULL;
	for (char *g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save))
		target_functions_match(t, g, cb, ctx);
	free(copy);
}

static void add_proto(void *ctx, const struct target_symbol *s)
{
	struct proto_rec *r = ctx;
	if (r->trim) {
		btf_trim_add_named(r->trim, "", s->name);
		return;
	}
	const struct target_func_proto *p = target_function_proto(r->t, s->name);
	if (!p)
		return;
	strbuf_printf(r->sb, "FUNC\t%s\t%s\n", p->name, p->ret_ctype);
	for (uint32_t i = 0; i < p->nparams; i++)
		put_param(r->sb, "PARAM", &p->params[i]);
	if (p->varargs)
		strbuf_puts(r->sb, "VARARGS\n");
}

/* Structs kept whole in trimmed BTF by default: what tests of member
 * access ($prev->pid, $file->f_path) are likely to reach. */
static const char *const default_keep[] = {
	"task_struct", "file", "inode", "dentry", "path", "qstr", "super_block",
	"pt_regs", "sk_buff", "sock", "mm_struct", "linux_binprm", NULL,
};

static int record_btf(struct target *t, const char *dir, const struct target_record_options *o,
		      char **err)
{
	struct btf *btf = target_btf(t);
	if (!btf)
		return 0;
	if (o->btf == TARGET_RECORD_BTF_FULL) {
		uint32_t size = 0;
		const void *raw = btf__raw_data(btf, &size);
		return write_file(dir, "btf", raw, size, true, err);
	}
	struct strbuf sb = STRBUF_INIT;
	struct btf_trim *trim = o->btf == TARGET_RECORD_BTF_TRIM
					? btf_trim_new(t, btf, o->keep_structs ? o->keep_structs
										     : default_keep) : NULL;
	struct proto_rec pr = { t, &sb, trim };
	const char *globs = o->protos_glob ? o->protos_glob
			    : o->functions_glob ? o->functions_glob : "*";
	if (target_has_symbols(t))
		for_each_glob(t, globs, add_proto, &pr);
	if (trim) {
		struct tp_rec tr = { NULL, trim };
		struct strbuf dummy = STRBUF_INIT;
		tr.sb = &dummy;
		if (target_has_tracepoints(t))
			target_tracepoints_match(t, NULL, "*", add_tracepoint, &tr);
		strbuf_free(&dummy);
		uint32_t size = 0;
		void *raw = btf_trim_finish(trim, &size);
		int rc = raw ? write_file(dir, "btf", raw, size, true, err) : 0;
		free(raw);
		strbuf_free(&sb);
		return rc;
	}
	return write_text(dir, "protos", &sb, true, err);
}

static int record_tracepoints(struct target *t, const char *dir, char **err)
{
	if (!target_has_tracepoints(t))
		return 0;
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "# tracepoints of %s from %s\n", t->d->release,
		      target_tracepoints_source(t));
	struct tp_rec r = { &sb, NULL };
	target_tracepoints_match(t, NULL, "*", add_tracepoint, &r);
	return write_text(dir, "tracepoints", &sb, true, err);
}

static int record_config(struct target *t, const char *dir,
			 const struct target_record_options *o, char **err)
{
	if (!target_has_config(t))
		return 0;
	struct strbuf sb = STRBUF_INIT;
	for (unsigned i = 0; i < t->nconfig; i++) {
		const char *v = t->config_values[i];
		/* the loader unquoted strings: quote again what is not y/m/number */
		char *end = NULL;
		(void)strtoll(v, &end, 0);
		bool bare = strcmp(v, "y") == 0 || strcmp(v, "m") == 0 || (*v && end && !*end);
		strbuf_printf(&sb, "%s=%s%s%s\n", t->config_names[i], bare ? "" : "\"", v,
			      bare ? "" : "\"");
	}
	(void)o;
	return write_text(dir, "config", &sb, false, err);
}

int target_record(struct target *t, const char *dir, const struct target_record_options *o,
		  char **err)
{
	if (mkdir_p(dir, 0755) != 0) {
		why_set(err, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, "%s\n", t->d->release);
	int rc = write_text(dir, "release", &sb, false, err);
	strbuf_printf(&sb, "%s\n", t->d->arch);
	rc = rc ? rc : write_text(dir, "arch", &sb, false, err);
	strbuf_printf(&sb, "%d\n", target_can_load_modules(t));
	rc = rc ? rc : write_text(dir, "can_load_modules", &sb, false, err);
	strbuf_printf(&sb, "%d\n", t->d->running);
	rc = rc ? rc : write_text(dir, "running", &sb, false, err);
	rc = rc ? rc : record_config(t, dir, o, err);
	rc = rc ? rc : record_symbols(t, dir, o, err);
	rc = rc ? rc : record_tracepoints(t, dir, err);
	rc = rc ? rc : record_btf(t, dir, o, err);
	if (!rc) {
		strbuf_printf(&sb, "recorded by ctap-target from release %s (%s)\n"
			      "symbols: %s\nbtf: %s\ntracepoints: %s\nfunctions: %s\n"
			      "prototypes: %s\n",
			      t->d->release, t->d->running ? "running kernel" : "installed files",
			      target_has_symbols(t) ? target_symbols_source(t) : "none",
			      target_btf(t) ? target_btf_source(t) : "none",
			      target_has_tracepoints(t) ? target_tracepoints_source(t) : "none",
			      o->functions_glob ? o->functions_glob : "*",
			      o->protos_glob ? o->protos_glob : "(as functions)");
		rc = write_text(dir, "source", &sb, false, err);
	}
	return rc;
}
