/*
 * kmod/backend: the kernel-module back end's hooks (see backend.h).
 *
 *   translate  pass 3: program -> C text (lower.c, module.c), written to
 *              the session's temporary directory as NAME_src.c
 *   build      pass 4: the .ko, from the cache or kbuild (build.c)
 *   run        pass 5: staprun (run.c)
 */
#include "backend.h"

#include <stdio.h>
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

static bool kmod_translate(struct session *s, struct program *p, void **out)
{
	struct kmod_product *pr = arena_new_obj(s->arena, struct kmod_product);
	struct kmod *K = arena_new_obj(s->arena, struct kmod);
	pr->K = K;
	K->s = s;
	K->prog = p;
	K->a = s->arena;
	struct diag_mark before = diag_mark(&s->diag);
	if (!km_layout(K) || !km_lower_all(K) || diag_errors_since(&s->diag, &before))
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
	(void)s;
	struct kmod_product *pr = tr;
	if (!kbuild_check_tree(pr->K, &pr->B) || !kbuild_module(pr->K, &pr->B))
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
