/*
 * module: prints the generated module from the decisions and lowered code
 * of the other files, in the order runtime/kmod/README.md §2-3 describes:
 *
 *   MAXNESTING, #include "kmod/runtime.h", embedded-C support and the
 *   script's %{ %} blocks, helpers, globals (+ module parameters), the lock
 *   array, frames and the locals union, printf spec tables, function
 *   prototypes and bodies, family declarations (tracepoint callbacks),
 *   handlers, lock requests, probes[], be[], storage lists, family tables,
 *   the _ctap_module descriptor, %{ pragma:suffix %} blocks, and
 *   #include "kmod/runtime.c" (skipped with -DCTAP_RUNTIME_SEPARATE, when
 *   pass 4 links a runtime object compiled once).
 */
#include <stdint.h>
#include <string.h>

#include "diag/source.h"
#include "kmod/kmod.h"
#include "session.h"
#include "target/target_desc.h"
#include "util/arena.h"

static const char *helpers_text[] = {
	/* KH_DEREF */
	"/* a fault-safe load of size bytes at addr, sign- or zero-extended */\n"
	"static noinline int64_t ck_deref(struct _ctap_context *c, unsigned long addr, int size,\n"
	"\t\t\t\t int sgn, int user)\n"
	"{\n"
	"\tunion { u8 b; u16 h; u32 w; u64 q; } v = { .q = 0 };\n"
	"\n"
	"\tif ((user ? _ctap_uread(&v, addr, size) : _ctap_kread(&v, addr, size)) < 0) {\n"
	"\t\t_ctap_fault(c, addr, false);\n"
	"\t\treturn 0;\n"
	"\t}\n"
	"\tswitch (size) {\n"
	"\tcase 1: return sgn ? (int64_t)(s8)v.b : (int64_t)v.b;\n"
	"\tcase 2: return sgn ? (int64_t)(s16)v.h : (int64_t)v.h;\n"
	"\tcase 4: return sgn ? (int64_t)(s32)v.w : (int64_t)v.w;\n"
	"\tdefault: return (int64_t)v.q;\n"
	"\t}\n"
	"}\n",
	/* KH_REGEX */
	"/* =~: a walk of a DFA (regex.c): acc bit 0 accepts now, 1 at the end,\n"
	" * 2 is the dead state */\n"
	"static int ck_regex(const char *s, const u8 *cls, const u16 *next, unsigned int ncls,\n"
	"\t\t    const u8 *acc)\n"
	"{\n"
	"\tunsigned int st = 0;\n"
	"\n"
	"\tfor (;; s++) {\n"
	"\t\tif (acc[st] & 1)\n"
	"\t\t\treturn 1;\n"
	"\t\tif (!*s)\n"
	"\t\t\treturn (acc[st] & 2) != 0;\n"
	"\t\tif (acc[st] & 4)\n"
	"\t\t\treturn 0;\n"
	"\t\tst = next[st * ncls + cls[(u8)*s]];\n"
	"\t}\n"
	"}\n",
	/* KH_STORE */
	"/* a fault-safe store of val's low size bytes at addr ($var = v, guru) */\n"
	"static noinline void ck_store(struct _ctap_context *c, unsigned long addr, int size,\n"
	"\t\t\t      u64 val, int user)\n"
	"{\n"
	"\tunion { u8 b; u16 h; u32 w; u64 q; } v;\n"
	"\tlong rc;\n"
	"\n"
	"\tswitch (size) {\n"
	"\tcase 1: v.b = val; break;\n"
	"\tcase 2: v.h = val; break;\n"
	"\tcase 4: v.w = val; break;\n"
	"\tdefault: v.q = val; break;\n"
	"\t}\n"
	"\tif (user) {\n"
	"\t\tpagefault_disable();\n"
	"\t\trc = copy_to_user_nofault((void __user *)addr, &v, size);\n"
	"\t\tpagefault_enable();\n"
	"\t} else {\n"
	"\t\trc = copy_to_kernel_nofault((void *)addr, &v, size);\n"
	"\t}\n"
	"\tif (rc)\n"
	"\t\t_ctap_fault(c, addr, true);\n"
	"}\n",
};

/* Support for embedded C (embedded.c has the conventions). */
static const char embedded_support[] =
	"/* embedded-C conventions (SystemTap's) */\n"
	"#define STAP_ERROR(...) do { _ctap_errorf(c, __VA_ARGS__); goto out; } while (0)\n"
	"#define STAP_PRINTF(...) ck_kprintf(c, __VA_ARGS__)\n"
	"#define CATCH_DEREF_FAULT() do { if (0) { deref_fault: __attribute__((unused)); } } "
	"while (0)\n"
	"#define ck_read_(rd, addr, size) ({ \\\n"
	"\tunsigned long a_ = (unsigned long)(addr); u64 v_ = 0; \\\n"
	"\tif (rd(&v_, a_, (size)) < 0) { _ctap_fault(c, a_, false); goto deref_fault; } \\\n"
	"\tv_; })\n"
	"#define kread(ptr) ((__typeof__(*(ptr)))ck_read_(_ctap_kread, (ptr), sizeof(*(ptr))))\n"
	"#define uread(ptr) ((__typeof__(*(ptr)))ck_read_(_ctap_uread, (ptr), sizeof(*(ptr))))\n"
	"#define kderef(size, addr) ck_sized_(ck_read_(_ctap_kread, (addr), (size)), (size))\n"
	"#define uderef(size, addr) ck_sized_(ck_read_(_ctap_uread, (addr), (size)), (size))\n"
	"#define ck_sized_(v, size) ((size) == 1 ? (int64_t)(s8)(v) : (size) == 2 ? "
	"(int64_t)(s16)(v) : \\\n"
	"\t(size) == 4 ? (int64_t)(s32)(v) : (int64_t)(v))\n"
	"#define kwrite(ptr, val) ({ __typeof__(*(ptr)) w_ = (val); \\\n"
	"\tif (copy_to_kernel_nofault((ptr), &w_, sizeof(w_))) { \\\n"
	"\t\t_ctap_fault(c, (unsigned long)(ptr), true); goto deref_fault; } })\n"
	"#define store_kderef(size, addr, val) ({ u64 s_ = (val); \\\n"
	"\tif (copy_to_kernel_nofault((void *)(unsigned long)(addr), &s_, (size))) { \\\n"
	"\t\t_ctap_fault(c, (unsigned long)(addr), true); goto deref_fault; } })\n"
	"\n"
	"/* STAP_PRINTF: C printf semantics into the probe's output */\n"
	"static __printf(2, 3) __maybe_unused void ck_kprintf(struct _ctap_context *c, "
	"const char *fmt, ...)\n"
	"{\n"
	"\tchar buf[256];\n"
	"\tva_list ap;\n"
	"\tint n;\n"
	"\n"
	"\tva_start(ap, fmt);\n"
	"\tn = vscnprintf(buf, sizeof(buf), fmt, ap);\n"
	"\tva_end(ap);\n"
	"\toutbuf_put(_ctap_out(c), buf, n);\n"
	"}\n";

static void print_header(struct kmod *K, struct writer *w)
{
	struct session *s = K->s;
	const char *script = s->opts.script_file ? s->opts.script_file : "<input>";
	kw_line(w, "/*");
	kw_line(w, " * Generated by ctap's kernel-module translator from %s", script);
	kw_line(w, " * for kernel %s.  See runtime/kmod/README.md for the shape of this file.",
	       s->target_desc->release);
	kw_line(w, " */");
	kw_line(w, "#ifndef MAXNESTING");
	kw_line(w, "#define MAXNESTING %u", K->nesting);
	kw_line(w, "#endif");
	kw_line(w, "#include \"kmod/runtime.h\"");
	/* headers the families ask for, once each, in the order asked */
	VEC(const char *) headers = { 0 };
	for (unsigned i = 0; i < K->nprobes; i++) {
		const struct kprobe_tr *p = &K->probes[i];
		const char *const *inc = p->fam->includes ? p->fam->includes(p) : NULL;
		for (; inc && *inc; inc++) {
			bool seen = false;
			vec_foreach(&headers, k)
				seen = seen || !strcmp(headers.items[k], *inc);
			if (!seen) {
				vec_push(K->a, &headers, *inc);
				kw_line(w, "#include <%s>", *inc);
			}
		}
	}
	kw_blank(w);
	kw_line(w, "#define CONTEXT c");
	kw_line(w, "#define THIS l");
}

static bool is_suffix_embed(const struct embedded_code *ec)
{
	return strstr(ec->code, "/* pragma:suffix */") != NULL;
}

static void print_embeds(struct kmod *K, struct writer *w, bool suffix)
{
	vec_foreach(&K->prog->embeds, i) {
		const struct embedded_code *ec = K->prog->embeds.items[i];
		if (is_suffix_embed(ec) != suffix)
			continue;
		kw_blank(w);
		kw_line(w, "/* %%{ %%} from %s */", km_location(K->s, ec->tok));
		kw_raw(w, ec->code);
	}
}

static const char *stat_decl(struct kmod *K, const struct kglobal *g, const struct hvariant *v)
{
	struct strbuf sb = STRBUF_INIT;
	switch (v->kind) {
	case HIST_LOG:
		strbuf_puts(&sb, ".hist = STATS_HIST_LOG, ");
		break;
	case HIST_LINEAR:
		strbuf_printf(&sb, ".hist = STATS_HIST_LINEAR, .start = %lld, .stop = %lld, "
			      ".interval = %lld, ", (long long)v->start, (long long)v->stop,
			      (long long)v->interval);
		break;
	default:
		break;
	}
	if (g->variance_shift)
		strbuf_printf(&sb, ".shift = %lld, ", (long long)g->variance_shift);
	if (g->want_variance)
		strbuf_puts(&sb, ".want = STATS_WANT_VARIANCE, ");
	const char *r;
	if (sb.len)
		r = arena_printf(K->a, ".decl = { %.*s }", (int)sb.len - 2, sb.buf);
	else
		r = ".decl = { 0 }";
	strbuf_free(&sb);
	return r;
}

static const char *map_decl(struct kmod *K, const struct kglobal *g, bool agg_only)
{
	const struct vardecl *v = g->decl;
	struct strbuf sb = STRBUF_INIT;
	strbuf_printf(&sb, ".name = \"%s\", .nkeys = %d, .ktype = { ", v->name, v->arity);
	for (int i = 0; i < v->arity; i++)
		strbuf_printf(&sb, "%sCTAP_T_%s", i ? ", " : "",
			      v->index_types && v->index_types[i] == TYPE_STRING ? "STRING" : "LONG");
	strbuf_puts(&sb, " }");
	if (!agg_only)
		strbuf_printf(&sb, ", .vtype = CTAP_T_%s", v->type == TYPE_STRING ? "STRING" : "LONG");
	if (v->maxsize)
		strbuf_printf(&sb, ", .size = %lld", (long long)v->maxsize);
	if (v->wrap)
		strbuf_puts(&sb, ", .wrap = true");
	const char *r = arena_strdup(K->a, sb.buf);
	strbuf_free(&sb);
	return r;
}

static void print_globals(struct kmod *K, struct writer *w)
{
	if (!K->nglobals)
		return;
	kw_blank(w);
	kw_line(w, "/* globals */");
	for (unsigned i = 0; i < K->nglobals; i++) {
		struct kglobal *g = K->globals[i];
		struct vardecl *v = g->decl;
		struct expr *init = v->init;
		switch (g->kind) {
		case KG_LONG:
			if (init && init->kind == EXPR_NUMBER && init->u.num == INT64_MIN)
				kw_line(w, "static long %s = -9223372036854775807L - 1;", g->cname);
			else if (init && init->kind == EXPR_NUMBER)
				kw_line(w, "static long %s = %lldL;", g->cname, (long long)init->u.num);
			else
				kw_line(w, "static long %s;", g->cname);
			if (g->param)
				kw_line(w, "CTAP_PARAM_LONG(%s, %s);", v->name, g->cname);
			break;
		case KG_STRING:
			if (init && init->kind == EXPR_STRING)
				kw_line(w, "static char %s[MAXSTRINGLEN] = %s;", g->cname,
				       km_quote(K->a, init->u.str.val, strlen(init->u.str.val)));
			else
				kw_line(w, "static char %s[MAXSTRINGLEN];", g->cname);
			if (g->param)
				kw_line(w, "CTAP_PARAM_STRING(%s, %s);", v->name, g->cname);
			break;
		case KG_MAP:
			kw_line(w, "static struct _ctap_map %s = { %s };", g->cname, map_decl(K, g, false));
			break;
		case KG_STAT:
			for (unsigned j = 0; j < g->nhv; j++)
				kw_line(w, "static struct _ctap_stat %s = { .name = \"%s\", %s };",
					g->hv[j].cname, v->name, stat_decl(K, g, &g->hv[j]));
			break;
		case KG_PMAP:
			for (unsigned j = 0; j < g->nhv; j++) {
				kw_line(w, "static struct _ctap_pmap %s = {", g->hv[j].cname);
				kw_line(w, "\t.agg = { %s },", map_decl(K, g, true));
				kw_line(w, "\t%s,", stat_decl(K, g, &g->hv[j]));
				kw_line(w, "};");
			}
			break;
		}
	}
	kw_open(w, "static struct _ctap_global_lock glocks[] =");
	for (unsigned i = 0; i < K->nglobals; i++)
		kw_line(w, "CTAP_GLOBAL_LOCK(\"%s\"),", K->globals[i]->decl->name);
	kw_close(w, ";");
}

static void print_frames(struct kmod *K, struct writer *w)
{
	bool fns = false;
	for (unsigned i = 0; i < K->nfuncs; i++)
		fns = true;
	if (!K->probe_frames.len && !fns) {
		kw_blank(w);
		kw_line(w, "#define CK_LOCALS(c) ((void)(c), (struct ck_locals *)NULL)");
		return;
	}
	kw_blank(w);
	kw_line(w, "/* frames: locals and temporaries (per CPU, c->locals) */");
	vec_foreach(&K->probe_frames, i)
		kframe_print(w, K->probe_frames.items[i]);
	for (unsigned i = 0; i < K->nfuncs; i++)
		kframe_print(w, K->funcs[i]->fr);
	if (K->probe_frames.len) {
		kw_open(w, "union ck_probe_frames");
		vec_foreach(&K->probe_frames, i) {
			const char *tag = K->probe_frames.items[i]->tag;
			kw_line(w, "struct %s %s;", tag, tag + 3);
		}
		kw_close(w, ";");
	}
	if (fns) {
		kw_open(w, "union ck_fn_frames");
		for (unsigned i = 0; i < K->nfuncs; i++)
			kw_line(w, "struct %s %s;", K->funcs[i]->frame, K->funcs[i]->cname);
		kw_close(w, ";");
	}
	kw_open(w, "struct ck_locals");
	if (K->probe_frames.len)
		kw_line(w, "union ck_probe_frames probe;");
	if (fns)
		kw_line(w, "union ck_fn_frames fn[MAXNESTING];");
	kw_close(w, ";");
	kw_line(w, "#define CK_LOCALS(c) ((struct ck_locals *)(c)->locals)");
}

static const char *kind_c(int kind)
{
	switch (kind) {
	case KP_BEGIN: return "CTAP_PROBE_BEGIN";
	case KP_END: return "CTAP_PROBE_END";
	case KP_ERROR: return "CTAP_PROBE_ERROR";
	default: return "CTAP_PROBE_NORMAL";
	}
}

static const char *derivation(struct kmod *K, const struct derived_probe *dp)
{
	struct strbuf sb = STRBUF_INIT;
	for (const struct derivation *d = dp->derivation; d; d = d->next)
		strbuf_printf(&sb, " from: %s", d->text);
	const char *r = km_quote(K->a, sb.buf ? sb.buf : "", sb.len);
	strbuf_free(&sb);
	return r;
}

static unsigned nlocks(struct kmod *K, const struct kprobe_tr *p)
{
	unsigned n = 0;
	if (!p->needs_locks)
		return 0;
	for (unsigned g = 0; g < K->nglobals; g++)
		if (p->modes[g] && K->globals[g]->written_live)
			n++;
	return n;
}

static void print_probes(struct kmod *K, struct writer *w)
{
	kw_blank(w);
	kw_line(w, "/* probes */");
	for (unsigned i = 0; i < K->nprobes; i++) {
		struct kprobe_tr *p = &K->probes[i];
		if (!nlocks(K, p))
			continue;
		kw_open(w, "static const struct _ctap_lock_req probe_%u_locks[] =", p->index);
		for (unsigned g = 0; g < K->nglobals; g++)
			if (p->modes[g] && K->globals[g]->written_live)
				kw_line(w, "{ &glocks[%u], CTAP_LOCK_%s },\t/* %s */", g,
				       p->modes[g] == LOCK_W ? "WRITE" : "READ",
				       K->globals[g]->decl->name);
		kw_close(w, ";");
	}
	kw_open(w, "static const struct _ctap_probe probes[] =");
	for (unsigned i = 0; i < K->nprobes; i++) {
		struct kprobe_tr *p = &K->probes[i];
		struct derived_probe *dp = p->dp;
		kw_line(w, "{ .handler = %s, .kind = %s,", p->handler, kind_c(p->kind));
		kw_line(w, "  .pp = %s,", km_quote(K->a, dp->pp, strlen(dp->pp)));
		if (dp->pn && strcmp(dp->pn, dp->pp) != 0)
			kw_line(w, "  .pn = %s,", km_quote(K->a, dp->pn, strlen(dp->pn)));
		const struct token *ot = dp->origin ? dp->origin->tok : dp->tok;
		kw_line(w, "  .location = \"%s\", .derivation = %s,", km_location(K->s, ot),
		       derivation(K, dp));
		unsigned n = nlocks(K, p);
		if (n)
			kw_line(w, "  .locks = probe_%u_locks, .nlocks = %u },", p->index, n);
		else
			kw_line(w, "},");
	}
	kw_close(w, ";");
}

/* begin/end/error probes in run order: by sequence, ties in script order. */
static void print_be(struct kmod *K, struct writer *w, unsigned *nbe)
{
	*nbe = 0;
	unsigned *order = arena_new_array(K->a, unsigned, K->nprobes + 1);
	for (unsigned i = 0; i < K->nprobes; i++)
		if (K->probes[i].kind != KP_NORMAL)
			order[(*nbe)++] = i;
	/* stable insertion sort by sequence */
	for (unsigned i = 1; i < *nbe; i++) {
		unsigned x = order[i], j = i;
		while (j > 0 && K->probes[order[j - 1]].dp->sequence > K->probes[x].dp->sequence) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
	if (!*nbe)
		return;
	kw_open(w, "static const struct _ctap_probe *const be[] =");
	for (unsigned i = 0; i < *nbe; i++)
		kw_line(w, "&probes[%u],", order[i]);
	kw_close(w, ";");
}

static unsigned print_storage(struct kmod *K, struct writer *w, enum kg_kind kind,
			      const char *type, const char *list)
{
	unsigned n = 0;
	for (unsigned i = 0; i < K->nglobals; i++)
		if (K->globals[i]->kind == kind)
			n += kind == KG_MAP ? 1 : K->globals[i]->nhv;
	if (!n)
		return 0;
	kw_open(w, "static %s *const %s[] =", type, list);
	for (unsigned i = 0; i < K->nglobals; i++) {
		struct kglobal *g = K->globals[i];
		if (g->kind != kind)
			continue;
		if (kind == KG_MAP)
			kw_line(w, "&%s,", g->cname);
		else
			for (unsigned j = 0; j < g->nhv; j++)
				kw_line(w, "&%s,", g->hv[j].cname);
	}
	kw_close(w, ";");
	return n;
}

static unsigned print_table(struct kmod *K, struct writer *w, const char *table,
			    const char *type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < K->nprobes; i++)
		if (K->probes[i].fam->table && !strcmp(K->probes[i].fam->table, table))
			n++;
	if (!n)
		return 0;
	kw_open(w, "static struct %s %s[] =", type, table);
	for (unsigned i = 0; i < K->nprobes; i++) {
		struct kprobe_tr *p = &K->probes[i];
		if (p->fam->table && !strcmp(p->fam->table, table))
			p->fam->emit_entry(K, p, w);
	}
	kw_close(w, ";");
	return n;
}

static void print_descriptor(struct kmod *K, struct writer *w)
{
	unsigned nbe, nmaps, npmaps, nstats, ntimers, ntps, nkps, nups, nperfs, nuobjs;
	print_be(K, w, &nbe);
	nmaps = print_storage(K, w, KG_MAP, "struct _ctap_map", "maps");
	npmaps = print_storage(K, w, KG_PMAP, "struct _ctap_pmap", "pmaps");
	nstats = print_storage(K, w, KG_STAT, "struct _ctap_stat", "stats");
	ntimers = print_table(K, w, "timers", "_ctap_timer");
	ntps = print_table(K, w, "tracepoints", "_ctap_tracepoint");
	nkps = print_table(K, w, "kprobes", "_ctap_kprobe");
	nups = print_table(K, w, "uprobes", "_ctap_uprobe");
	nperfs = print_table(K, w, "perfs", "_ctap_perf");
	nuobjs = km_emit_usyms(K, w);
	bool klines = km_emit_klines(K, w);
	kw_blank(w);
	kw_open(w, "const struct _ctap_module _ctap_module =");
	if (K->probe_frames.len || K->nfuncs)
		kw_line(w, ".locals_size = sizeof(struct ck_locals),");
	kw_line(w, ".probes = probes, .nprobes = ARRAY_SIZE(probes),");
	if (K->nglobals)
		kw_line(w, ".global_locks = glocks, .nglobal_locks = ARRAY_SIZE(glocks),");
	if (nbe)
		kw_line(w, ".be = be, .nbe = ARRAY_SIZE(be),");
#define LIST(n, name) \
	if (n) \
		kw_line(w, "." name " = " name ", .n" name " = ARRAY_SIZE(" name "),")
	LIST(nmaps, "maps");
	LIST(npmaps, "pmaps");
	LIST(nstats, "stats");
	LIST(ntimers, "timers");
	LIST(ntps, "tracepoints");
	LIST(nkps, "kprobes");
	LIST(nups, "uprobes");
	LIST(nperfs, "perfs");
	LIST(nuobjs, "uobjs");
#undef LIST
	if (klines)
		kw_line(w, ".klines = _ctap_klines_blob,");
	kw_close(w, ";");
}

static void print_family_decls(struct kmod *K, struct writer *w)
{
	VEC(const char *) seen = { 0 };
	for (unsigned i = 0; i < K->nprobes; i++) {
		struct kprobe_tr *p = &K->probes[i];
		if (!p->fam->emit_decls)
			continue;
		struct strbuf sb = STRBUF_INIT;
		struct writer dw = { &sb, 0 };
		p->fam->emit_decls(K, p, &dw);
		bool dup = false;
		vec_foreach(&seen, j)
			dup |= strcmp(seen.items[j], sb.buf) == 0;
		if (!dup) {
			vec_push(K->a, &seen, arena_strdup(K->a, sb.buf));
			kw_blank(w);
			kw_raw(w, sb.buf);
		}
		strbuf_free(&sb);
	}
}

void km_assemble(struct kmod *K)
{
	struct writer w = { &K->text, 0 };
	print_header(K, &w);
	if (K->has_embedded) {
		kw_blank(&w);
		kw_raw(&w, embedded_support);
	}
	print_embeds(K, &w, false);
	for (unsigned i = 0; i < sizeof(helpers_text) / sizeof(helpers_text[0]); i++) {
		if (K->helpers & (1u << i)) {
			kw_blank(&w);
			kw_raw(&w, helpers_text[i]);
		}
	}
	print_globals(K, &w);
	print_frames(K, &w);
	if (K->has_embedded)
		km_embedded_support(K, &w);
	if (K->statics.len) {
		kw_blank(&w);
		kw_line(&w, "/* printf formats */");
		strbuf_add(&K->text, K->statics.buf, K->statics.len);
	}
	if (K->nfuncs) {
		kw_blank(&w);
		kw_line(&w, "/* functions */");
		km_protos(K, &w);
		for (unsigned i = 0; i < K->nfuncs; i++) {
			kw_blank(&w);
			strbuf_add(&K->text, K->funcs[i]->text.buf, K->funcs[i]->text.len);
		}
	}
	print_family_decls(K, &w);
	strbuf_add(&K->text, K->handlers.buf, K->handlers.len);
	print_probes(K, &w);
	print_descriptor(K, &w);
	print_embeds(K, &w, true);
	kw_blank(&w);
	kw_line(&w, "#ifndef CTAP_RUNTIME_SEPARATE");
	kw_line(&w, "#include \"kmod/runtime.c\"");
	kw_line(&w, "#endif");
}
