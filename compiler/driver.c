/*
 * driver: the pass table and the run of one stap invocation.
 *
 * Each pass takes what the previous one produced (struct pass_results)
 * and adds its own product; the table decides the order, where -p N stops,
 * and what -v reports ("Pass 1: parsed user script and 57 library scripts
 * using ...virt/...res/...shr/...data kb, in ...usr/...sys/...real ms.").
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "bpf/sessions.h"
#include "elab/elaborate.h"
#include "probes/families.h"
#include "target/target.h"
#include "parse/parse.h"
#include "session.h"
#include "util/arena.h"
#include "util/caps.h"
#include "util/signals.h"

struct pass_results {
	struct parse_result parsed;      /* pass 1 */
	struct program *program;         /* pass 2 */
	const struct backend *backend;   /* chosen for passes 3-5 */
	void *translated;                /* pass 3 (back-end specific) */
	void *built;                     /* pass 4 */
};

/* A pass returns false when it failed (errors already reported). */
typedef bool (*pass_fn)(struct session *s, struct pass_results *r);

struct pass {
	int number;
	const char *failure;        /* "parse failed", ... */
	const char *man;            /* "error::pass1" */
	pass_fn run;
	/* the -v line after success, given the results */
	void (*report)(struct session *s, struct pass_results *r, FILE *out);
};

static bool run_parse(struct session *s, struct pass_results *r)
{
	return parse_pass(s, &r->parsed);
}

static void report_parse(struct session *s, struct pass_results *r, FILE *out)
{
	(void)s;
	fprintf(out, "Pass 1: parsed user script and %u library scripts", r->parsed.library.len);
}

static bool run_elaborate(struct session *s, struct pass_results *r)
{
	r->program = elaborate(s, &r->parsed, probe_families);
	return r->program != NULL;
}

static void report_elaborate(struct session *s, struct pass_results *r, FILE *out)
{
	(void)s;
	elaborate_report(r->program, out);
}

/* --runtime, or: modules where the target kernel can load them, else BPF
 * (session_runtime_expected, which pass 2 asked too). */
static const struct backend *choose_backend(struct session *s)
{
	enum runtime_kind r = session_runtime_expected(s);
	if (s->opts.runtime == RUNTIME_AUTO && options_verbose(&s->opts, 3)) {
		struct target *t = session_target(s);
		bool modules = t && target_can_load_modules(t);
		/* -p3 loads nothing: it shows the module's C, as stap -p3 does */
		if (!modules && r == RUNTIME_KMOD)
			fprintf(stderr, "Kernel %s cannot load modules; -p3 shows the kernel "
				"module's C anyway (--runtime=bpf for the BPF listing).\n",
				s->target_desc->release);
		else if (!modules)
			fprintf(stderr, "Kernel %s cannot load modules: using the BPF runtime "
				"(--runtime=bpf).\n", s->target_desc->release);
	}
	return r == RUNTIME_BPF ? &bpf_backend : &kmod_backend;
}

static bool run_translate(struct session *s, struct pass_results *r)
{
	r->backend = choose_backend(s);
	s->runtime = r->backend == &bpf_backend ? RUNTIME_BPF : RUNTIME_KMOD;
	return r->backend->translate(s, r->program, &r->translated);
}

static void report_translate(struct session *s, struct pass_results *r, FILE *out)
{
	if (r->backend->report)
		r->backend->report(s, 3, r->translated, out);
	else
		fprintf(out, "Pass 3: translated for the %s runtime", r->backend->name);
}

static bool run_build(struct session *s, struct pass_results *r)
{
	if (!r->backend->build) {
		diag_report(&s->diag, DIAG_PLAIN, D_BUILD, NULL,
			    "the %s back end cannot compile yet in this build of ctap",
			    r->backend->name);
		return false;
	}
	return r->backend->build(s, r->translated, &r->built);
}

static void report_build(struct session *s, struct pass_results *r, FILE *out)
{
	if (r->backend->report)
		r->backend->report(s, 4, r->built, out);
	else
		fprintf(out, "Pass 4: compiled for the %s runtime", r->backend->name);
}

static bool run_run(struct session *s, struct pass_results *r)
{
	if (!r->backend->run) {
		diag_report(&s->diag, DIAG_PLAIN, D_RUN, NULL,
			    "the %s back end cannot run scripts yet in this build of ctap",
			    r->backend->name);
		return false;
	}
	return r->backend->run(s, r->built);
}

static const struct pass passes[] = {
	{ 1, "parse failed", "error::pass1", run_parse, report_parse },
	{ 2, "analysis failed", "error::pass2", run_elaborate, report_elaborate },
	{ 3, "translation failed", "error::pass3", run_translate, report_translate },
	{ 4, "compilation failed", "error::pass4", run_build, report_build },
	{ 5, "run failed", "error::pass5", run_run, NULL },
};

/* ------------------------------------------------------------ -v figures */

struct pass_clock {
	struct timeval real;
	struct rusage usage;
};

static void clock_now(struct pass_clock *c)
{
	gettimeofday(&c->real, NULL);
	getrusage(RUSAGE_SELF, &c->usage);
}

static long tv_ms(struct timeval a, struct timeval b)
{
	return (b.tv_sec - a.tv_sec) * 1000L + (b.tv_usec - a.tv_usec) / 1000L;
}

static void print_memory(FILE *out)
{
	long pagekb = sysconf(_SC_PAGESIZE) / 1024;
	unsigned long size = 0, res = 0, shr = 0, text = 0, lib = 0, data = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu %lu %lu %lu %lu", &size, &res, &shr, &text, &lib, &data) != 6)
			size = res = shr = data = 0;
		fclose(f);
	}
	fprintf(out, " using %luvirt/%lures/%lushr/%ludata kb", size * pagekb, res * pagekb,
		shr * pagekb, data * pagekb);
}

static void print_times(FILE *out, const struct pass_clock *a, const struct pass_clock *b)
{
	fprintf(out, ", in %ldusr/%ldsys/%ldreal ms.\n",
		tv_ms(a->usage.ru_utime, b->usage.ru_utime),
		tv_ms(a->usage.ru_stime, b->usage.ru_stime), tv_ms(a->real, b->real));
}

/* ---------------------------------------------------------------- main */

/* A SIGINT, SIGTERM or SIGHUP that came during a pass ends stap once the
 * pass is over (as SystemTap: the pass is not interrupted half-way, its
 * product is not printed, and no later pass runs); exit status 1.  Pass 5
 * takes them itself, as the end of the session. */
static bool end_if_signalled(struct session *s, int done)
{
	int sig = signals_pending();
	if (!sig)
		return false;
	if (done == 0)
		diag_report(&s->diag, DIAG_PLAIN, D_SIGNAL, NULL,
			    "Interrupted by %s before pass 1.", signals_name(sig));
	else
		diag_report(&s->diag, DIAG_PLAIN, D_SIGNAL, NULL,
			    "Pass %d: interrupted by %s.", done, signals_name(sig));
	return true;
}

/* A script run (pass 5) needs the privilege to load and attach probes;
 * without it, say so up front (as SystemTap does for a normal user) rather
 * than after passes 1-4 with a bare EPERM.  Not for -p1..-p4, listings,
 * or --privilege (which asks for an unprivileged run, checked per
 * construct).  The BPF runtime takes CAP_SYS_ADMIN or CAP_BPF with
 * CAP_PERFMON; kernel modules CAP_SYS_ADMIN (and CAP_SYS_MODULE). */
static bool privileged_enough(struct session *s)
{
	const struct options *o = &s->opts;
	if (o->last_pass < 5 || o->listing != LIST_NONE || o->privilege || geteuid() == 0)
		return true;
	uint64_t eff;
	caps_effective(&eff);
	if (caps_has(eff, CAPS_SYS_ADMIN))
		return true;
	if (o->runtime != RUNTIME_KMOD && caps_has(eff, CAPS_BPF) && caps_has(eff, CAPS_PERFMON))
		return true;
	const char *need =
		o->runtime == RUNTIME_BPF
			? "the BPF runtime needs CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON,"
		: o->runtime == RUNTIME_KMOD
			? "the kernel-module runtime needs CAP_SYS_ADMIN and CAP_SYS_MODULE"
			: "running a script needs CAP_SYS_ADMIN (or, for --runtime=bpf, CAP_BPF and "
			  "CAP_PERFMON)";
	diag_report(&s->diag, DIAG_PLAIN, D_PRIVILEGE, NULL,
		    "You are trying to run systemtap as a normal user.\n"
		    "You should be root: ctap has no setuid loader, so the groups \"stapusr\", "
		    "\"stapsys\" and \"stapdev\" grant nothing.  [man stap]\n"
		    "ctap: %s in the effective capabilities (CapEff), which this process "
		    "lacks.  --privilege=stapusr runs the script as an unprivileged user where the "
		    "kernel allows it.\n"
		    "Try '--help' for more information. [man stap]",
		    need);
	return false;
}

int driver_main(int argc, char **argv)
{
	/* from the first instant: a signal now is taken between passes */
	signals_hold(NULL);
	struct session *s = xcalloc(1, sizeof(*s));
	session_init(s);

	enum options_result or = options_parse(&s->opts, argc, argv);
	if (or != OPTIONS_OK) {
		session_fini(s);
		free(s);
		return or == OPTIONS_EXIT_SUCCESS ? 0 : 1;
	}
	if (s->opts.list_sessions) {
		bool listed = sessions_list(stdout);
		session_fini(s);
		free(s);
		return listed ? 0 : 1;
	}
	if (!session_setup(s) || !privileged_enough(s)) {
		session_fini(s);
		free(s);
		return 1;
	}
	if (options_verbose(&s->opts, 1) >= 2) {
		options_print_version(stderr);
		if (s->target_desc)
			fprintf(stderr, "Session arch: %s release: %s\n", s->target_desc->arch,
				s->target_desc->release);
	}

	struct pass_results results;
	memset(&results, 0, sizeof(results));

	int status = 0;
	int last = s->opts.last_pass;
	for (size_t i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		const struct pass *p = &passes[i];
		if (p->number > last)
			break;
		if (end_if_signalled(s, p->number - 1)) {
			status = 1;
			break;
		}
		struct pass_clock before, after;
		clock_now(&before);
		bool ok = p->run(s, &results);
		clock_now(&after);
		if (ok && s->diag.errors) {
			/* -W turned a warning into an error, or a pass reported
			 * an error but went on to produce something */
			ok = false;
		}
		if (!ok && p->number < 5 && end_if_signalled(s, p->number)) {
			/* the signal stopped the pass (kbuild's make): no
			 * failure line, the interruption says why */
			status = 1;
			break;
		}
		if (!ok) {
			/* 4.8 order: the failure line, then the suppression count */
			if (s->opts.listing == LIST_NONE)
				fprintf(stderr, "Pass %d: %s.  [man %s]\n", p->number, p->failure, p->man);
			diag_print_summary(&s->diag);
			status = 1;
			break;
		}
		if (options_verbose(&s->opts, p->number) && p->report &&
		    s->opts.listing == LIST_NONE) {
			p->report(s, &results, stderr);
			print_memory(stderr);
			print_times(stderr, &before, &after);
		}
		/* the last pass's product is not printed after a signal */
		if (p->number == last && last < 5 && end_if_signalled(s, last)) {
			status = 1;
			break;
		}
		if (p->number == 1 && last == 1 && s->opts.listing == LIST_NONE)
			parse_print(s, &results.parsed, stdout);
		if (p->number == 2 && s->opts.listing != LIST_NONE) {
			status = elaborate_listing(s, results.program, stdout) ? 0 : 1;
			break;
		}
		if (p->number == 2 && last == 2)
			elaborate_print(s, results.program, stdout);
		if (p->number == 3 && last == 3 && results.backend->print_translation)
			results.backend->print_translation(s, results.translated, stdout);
		if (p->number == 4 && last == 4 && results.backend->print_build)
			results.backend->print_build(s, results.built, stdout);
	}
	if (status == 0)
		diag_print_summary(&s->diag);
	fflush(stdout);
	session_fini(s);
	free(s);
	return status;
}
