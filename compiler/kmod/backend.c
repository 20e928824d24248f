/*
 * kmod/backend: the kernel-module back end's hooks (see backend.h).
 *
 *   translate  pass 3: program -> C text (lower.c, module.c), written to
 *              the session's temporary directory as NAME_src.c
 *   build      pass 4: the .ko, from the cache or kbuild (build.c)
 *   run        pass 5: staprun (run.c)
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "kmod/kbuild.h"
#include "kmod/kmod.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"

bool kmod_run_staprun(struct session *s, struct kbuild *B);

struct kmod_product {
	struct kmod *K;
	struct kbuild B;
};

static void modinfo(struct kmod *K)
{
	vec_foreach(&K->s->opts.modinfo, i) {
		const char *mi = K->s->opts.modinfo.items[i];
		const char *eq = strchr(mi, '=');
		size_t n = eq ? (size_t)(eq - mi) : strlen(mi);
		const char *v = eq ? eq + 1 : "";
		strbuf_printf(&K->text, "MODULE_INFO(%.*s, %s);\n", (int)n, mi,
			      km_quote(K->a, v, strlen(v)));
	}
}

/* -D limits the module's C takes as they are: a map's size is a u32
 * (u32 cap = MAXMAPENTRIES would truncate 4294967306 to 10), and a string
 * needs room for its NUL.  Out of range is a pass-3 error naming the
 * macro, the value and the range; anything else is left to the C compiler
 * as SystemTap leaves it. */
static bool check_defines(struct kmod *K)
{
	static const struct {
		const char *name;
		long long lo, hi;
	} ranges[] = {
		{ "MAXMAPENTRIES", 1, 4294967295LL },
		{ "MAXSTRINGLEN", 2, 2147483647LL },
	};
	bool ok = true;
	vec_foreach(&K->s->opts.defines, i) {
		const char *d = K->s->opts.defines.items[i];
		for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
			size_t n = strlen(ranges[r].name);
			if (strncmp(d, ranges[r].name, n) != 0 || d[n] != '=' || !d[n + 1])
				continue;
			char *end;
			errno = 0;
			long long x = strtoll(d + n + 1, &end, 0);
			if (*end) /* an expression: the C compiler's business */
				continue;
			if (errno == ERANGE || x < ranges[r].lo || x > ranges[r].hi) {
				kmod_error(K, D_TRANS_OPTION, NULL,
					   "-D %s is out of range: the kernel-module runtime takes "
					   "%lld to %lld", d, ranges[r].lo, ranges[r].hi);
				ok = false;
			}
		}
	}
	return ok;
}

static bool kmod_translate(struct session *s, struct program *p, void **out)
{
	struct kmod_product *pr = arena_new_obj(s->arena, struct kmod_product);
	struct kmod *K = arena_new_obj(s->arena, struct kmod);
	pr->K = K;
	K->s = s;
	K->prog = p;
	K->a = s->arena;
	struct diag_mark before = diag_mark(&s->diag);
	if (!check_defines(K) || !km_layout(K) || !km_lower_all(K) ||
	    diag_errors_since(&s->diag, &before))
		return false;
	km_assemble(K);
	modinfo(K);

	/* the tree need not exist yet: -p3 needs no kernel */
	pr->B.build_dir = s->target_desc->kbuild_dir;
	kbuild_name(K, &pr->B);
	const char *dir = session_tmpdir(s);
	if (!dir)
		return false;
	pr->B.src = arena_printf(K->a, "%s/%s_src.c", dir, pr->B.name);
	FILE *f = fopen(pr->B.src, "w");
	if (!f || fwrite(K->text.buf, 1, K->text.len, f) != K->text.len) {
		diag_report(&s->diag, DIAG_ERROR, D_TRANS_OUTPUT, NULL, "cannot write %s", pr->B.src);
		if (f)
			fclose(f);
		return false;
	}
	fclose(f);
	*out = pr;
	return true;
}

static void kmod_print_translation(struct session *s, void *tr, FILE *out)
{
	(void)s;
	struct kmod_product *pr = tr;
	fwrite(pr->K->text.buf, 1, pr->K->text.len, out);
}

static bool kmod_build(struct session *s, void *tr, void **built)
{
	struct kmod_product *pr = tr;
	if (!kbuild_check_tree(pr->K, &pr->B) || !kbuild_module(pr->K, &pr->B))
		return false;
	if (s->opts.module_name && !kbuild_keep_named(pr->K, &pr->B))
		return false;
	*built = pr;
	return true;
}

static void kmod_print_build(struct session *s, void *built, FILE *out)
{
	(void)s;
	struct kmod_product *pr = built;
	fprintf(out, "%s\n", pr->B.ko);
}

static bool kmod_run(struct session *s, void *built)
{
	struct kmod_product *pr = built;
	return kmod_run_staprun(s, &pr->B);
}

static void kmod_report(struct session *s, int pass, void *product, FILE *out)
{
	(void)s;
	struct kmod_product *pr = product;
	if (pass == 3)
		fprintf(out, "Pass 3: translated to C into \"%s\"", pr->B.src);
	else if (pr->B.cache_hit)
		fprintf(out, "Pass 4: using cached %s (cache hit)", pr->B.ko);
	else
		fprintf(out, "Pass 4: compiled C into \"%s.ko\"", pr->B.name);
}

const struct backend kmod_backend = {
	.name = "kernel",
	.translate = kmod_translate,
	.print_translation = kmod_print_translation,
	.build = kmod_build,
	.print_build = kmod_print_build,
	.run = kmod_run,
	.report = kmod_report,
};
