/*
 * options: stap's command line (see options.h).
 *
 * GNU getopt_long with stap's short-option string; options may be mixed
 * with the script name, and everything after the script (or after -e's
 * text) is a script argument, as stap does it: the first non-option word
 * is the script unless -e/-l/-L/--dump-* already gave one.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag/diag.h"

#define CTAP_VERSION_STAP "5.0"   /* the SystemTap language level we implement */

enum long_opt {
	LONG_VP = 256,
	LONG_RUNTIME,
	LONG_BPF,
	LONG_DUMP_PROBE_TYPES,
	LONG_DUMP_PROBE_ALIASES,
	LONG_DUMP_FUNCTIONS,
	LONG_PRIVILEGE,
	LONG_UNPRIVILEGED,
	LONG_COMPATIBLE,
	LONG_SKIP_BADVARS,
	LONG_SUPPRESS_HANDLER_ERRORS,
	LONG_SUPPRESS_TIME_LIMITS,
	LONG_NO_GLOBAL_VAR_DISPLAY,
	LONG_MODINFO,
	LONG_LDD,
	LONG_LIST_SESSIONS,
	LONG_ALL_MODULES,
	LONG_TMPDIR,
	LONG_DISABLE_CACHE,
	LONG_POISON_CACHE,
	LONG_CLEAN_CACHE,
	LONG_PROLOGUE_SEARCHING,
	LONG_CHECK_VERSION,
	LONG_COLOR,
	LONG_SYSROOT,
	LONG_SYSENV,
	LONG_UNSUPPORTED,
	LONG_DIAG_CODES,
	LONG_TARGET_FIXTURE,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "vp", required_argument, NULL, LONG_VP },
	{ "runtime", required_argument, NULL, LONG_RUNTIME },
	{ "bpf", no_argument, NULL, LONG_BPF },
	{ "dump-probe-types", no_argument, NULL, LONG_DUMP_PROBE_TYPES },
	{ "dump-probe-aliases", no_argument, NULL, LONG_DUMP_PROBE_ALIASES },
	{ "dump-functions", no_argument, NULL, LONG_DUMP_FUNCTIONS },
	{ "privilege", required_argument, NULL, LONG_PRIVILEGE },
	{ "unprivileged", no_argument, NULL, LONG_UNPRIVILEGED },
	{ "compatible", required_argument, NULL, LONG_COMPATIBLE },
	{ "skip-badvars", no_argument, NULL, LONG_SKIP_BADVARS },
	{ "suppress-handler-errors", no_argument, NULL, LONG_SUPPRESS_HANDLER_ERRORS },
	{ "suppress-time-limits", no_argument, NULL, LONG_SUPPRESS_TIME_LIMITS },
	{ "no-global-var-display", no_argument, NULL, LONG_NO_GLOBAL_VAR_DISPLAY },
	{ "modinfo", required_argument, NULL, LONG_MODINFO },
	{ "ldd", no_argument, NULL, LONG_LDD },
	{ "list-sessions", no_argument, NULL, LONG_LIST_SESSIONS },
	{ "all-modules", no_argument, NULL, LONG_ALL_MODULES },
	{ "tmpdir", required_argument, NULL, LONG_TMPDIR },
	{ "disable-cache", no_argument, NULL, LONG_DISABLE_CACHE },
	{ "poison-cache", no_argument, NULL, LONG_POISON_CACHE },
	{ "clean-cache", no_argument, NULL, LONG_CLEAN_CACHE },
	{ "prologue-searching", optional_argument, NULL, LONG_PROLOGUE_SEARCHING },
	{ "check-version", no_argument, NULL, LONG_CHECK_VERSION },
	{ "color", optional_argument, NULL, LONG_COLOR },
	{ "colour", optional_argument, NULL, LONG_COLOR },
	{ "sysroot", required_argument, NULL, LONG_SYSROOT },
	{ "sysenv", required_argument, NULL, LONG_SYSENV },
	{ "use-server", optional_argument, NULL, LONG_UNSUPPORTED },
	{ "list-servers", optional_argument, NULL, LONG_UNSUPPORTED },
	{ "trust-servers", optional_argument, NULL, LONG_UNSUPPORTED },
	{ "use-server-on-error", optional_argument, NULL, LONG_UNSUPPORTED },
	{ "remote", required_argument, NULL, LONG_UNSUPPORTED },
	{ "remote-prefix", no_argument, NULL, LONG_UNSUPPORTED },
	{ "download-debuginfo", optional_argument, NULL, LONG_UNSUPPORTED },
	{ "interactive", no_argument, NULL, LONG_UNSUPPORTED },
	{ "monitor", optional_argument, NULL, LONG_UNSUPPORTED },
	{ "dyninst", no_argument, NULL, LONG_UNSUPPORTED },
	{ "ctap-diag-codes", no_argument, NULL, LONG_DIAG_CODES },
	{ "ctap-target-fixture", required_argument, NULL, LONG_TARGET_FIXTURE },
	{ NULL, 0, NULL, 0 },
};

static const char short_options[] = "hVvtp:I:e:E:o:R:r:a:m:kgPc:x:D:bs:uqiwl:d:L:FS:B:WG:T:";

void options_init(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->last_pass = 5;
}

void options_fini(struct options *o)
{
	vec_free_heap(&o->extra_scripts);
	vec_free_heap(&o->args);
	vec_free_heap(&o->include_dirs);
	vec_free_heap(&o->defines);
	vec_free_heap(&o->kbuild_opts);
	vec_free_heap(&o->modinfo);
	vec_free_heap(&o->dash_d);
	vec_free_heap(&o->globals_set);
}

bool options_stapusr(const struct options *o)
{
	return o->privilege && strcmp(o->privilege, "stapusr") == 0;
}

unsigned options_verbose(const struct options *o, int pass)
{
	if (pass < 1 || pass > 5)
		return 0;
	return o->verbose[pass - 1];
}

void options_print_version(FILE *out)
{
	fprintf(out,
		"Systemtap translator/driver (version %s/ctap %s)\n"
		"ctap: a SystemTap-compatible tracer with kernel-module and BPF back ends.\n"
		"This is free software; see the source for copying conditions.\n"
		"enabled features: KMOD BPF BTF\n",
		CTAP_VERSION_STAP, PACKAGE_VERSION);
}

void options_print_usage(FILE *out)
{
	options_print_version(out);
	fputs("\n"
	      "Usage: stap [options] FILE                    Run script in file.\n"
	      "   or: stap [options] -                       Run script on stdin.\n"
	      "   or: stap [options] -e SCRIPT               Run given script.\n"
	      "   or: stap [options] -l PROBE                List matching probes.\n"
	      "   or: stap [options] -L PROBE                List matching probes and local variables.\n"
	      "   or: stap [options] --dump-probe-types      List available probe types.\n"
	      "   or: stap [options] --dump-probe-aliases    List available probe aliases.\n"
	      "   or: stap [options] --dump-functions        List available functions.\n"
	      "\n"
	      "Options:\n"
	      "   --         end of translator options, script options follow\n"
	      "   -h --help  show help\n"
	      "   -V --version\n"
	      "              show version\n"
	      "   -p NUM     stop after pass NUM 1-5, instead of 5\n"
	      "              (parse, elaborate, translate, compile, run)\n"
	      "   -v         add verbosity to all passes\n"
	      "   --vp {N}+  add per-pass verbosity [00000]\n"
	      "   -k         keep temporary directory\n"
	      "   -u         unoptimized translation\n"
	      "   -w         suppress warnings\n"
	      "   -W         turn warnings into errors\n"
	      "   -g         guru mode\n"
	      "   -b         bulk (percpu file) mode\n"
	      "   -s NUM     buffer size in megabytes\n"
	      "   -I DIR     look in DIR for additional .stp script files\n"
	      "   -D NM=VAL  emit macro definition into generated C code\n"
	      "   -B NM=VAL  pass option to kbuild make\n"
	      "   --modinfo NM=VAL\n"
	      "              include a MODULE_INFO(NM,VAL) in the generated C code\n"
	      "   -G VAR=VAL set global variable to value\n"
	      "   -R DIR     look in DIR for runtime\n"
	      "   -r DIR     cross-compile to kernel with given build tree; or else\n"
	      "   -r RELEASE cross-compile to kernel /lib/modules/RELEASE/build\n"
	      "   -a ARCH    cross-compile to given architecture\n"
	      "   -m MODULE  set probe module name\n"
	      "   -o FILE    send script output to file, instead of stdout. This supports\n"
	      "              strftime(3) formats for FILE\n"
	      "   -S SIZE[,N]\n"
	      "              with -o: move to FILE.1, FILE.2, ... (FILE.0 first) after SIZE MB,\n"
	      "              keeping only the newest N files\n"
	      "   -F         flight recorder: the session detaches; with -o it prints its\n"
	      "              process ID and runs until that process is signalled; without\n"
	      "              (kernel modules) its output waits in the kernel for staprun -A\n"
	      "   --list-sessions\n"
	      "              list the BPF sessions running detached (-F): process ID,\n"
	      "              start, output file, script\n"	      "   -E SCRIPT  run the SCRIPT in addition to the main script\n"
	      "   -c CMD     start the probes, run CMD, and exit when it finishes\n"
	      "   -x PID     sets target() to PID\n"
	      "   -d OBJECT  add unwind/symbol data for OBJECT file\n"
	      "   --ldd      add unwind/symbol data for referenced user-space objects.\n"
	      "   -t         collect probe timing information\n"
	      "   -T TIME    terminate the script after TIME seconds\n"
	      "   --runtime=MODE\n"
	      "              set the pass-5 runtime mode: kernel (kmod) or bpf;\n"
	      "              default: kernel, or bpf where modules cannot be loaded\n"
	      "   --bpf      shorthand for --runtime=bpf\n"
	      "   --privilege=PRIVILEGE_LEVEL\n"
	      "              check the script for constructs not allowed at the given privilege level\n"
	      "   --unprivileged\n"
	      "              equivalent to --privilege=stapusr\n"
	      "   --compatible=VERSION\n"
	      "              suppress incompatible language/tapset changes beyond VERSION\n"
	      "   --skip-badvars\n"
	      "              substitute zero for bad context $variables\n"
	      "   --suppress-handler-errors\n"
	      "              catch all runtime errors, quietly skip probe handlers\n"
	      "   --suppress-time-limits\n"
	      "              disable -DSTP_OVERLOAD, -DMAXACTION, and -DMAXTRYACTION limits\n"
	      "   --no-global-var-display\n"
	      "              do not print written-but-unread globals at exit\n"
	      "   --tmpdir=NAME\n"
	      "              specify name of temporary directory to be used.\n"
	      "   --disable-cache\n"
	      "              do not use the compiled-module cache\n"
	      "   --dump-probe-types\n"
	      "              show a list of available probe types.\n"
	      "   --dump-probe-aliases\n"
	      "              show a list of available probe aliases.\n"
	      "   --dump-functions\n"
	      "              show a list of available functions.\n",
	      out);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool matches_regex(const char *s, const char *re)
{
	regex_t rx;
	if (regcomp(&rx, re, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool set_listing(struct options *o, enum listing_mode mode, const char *pattern)
{
	if (o->listing != LIST_NONE) {
		usage_error("Only one of -l, -L, --dump-probe-types, --dump-probe-aliases "
			    "or --dump-functions may be given.");
		return false;
	}
	o->listing = mode;
	o->list_pattern = pattern;
	if (o->last_pass_given == false)
		o->last_pass = 2;
	return true;
}

static enum options_result handle_option(struct options *o, int c, const char *arg)
{
	long v;
	switch (c) {
	case 'h':
		options_print_usage(stdout);
		return OPTIONS_EXIT_SUCCESS;
	case 'V':
		options_print_version(stdout);
		return OPTIONS_EXIT_SUCCESS;
	case 'v':
		for (int i = 0; i < 5; i++)
			o->verbose[i]++;
		break;
	case LONG_VP:
		for (int i = 0; arg[i]; i++) {
			if (i >= 5 || !isdigit((unsigned char)arg[i])) {
				usage_error("Invalid --vp argument: it takes 1 to 5 digits.");
				return OPTIONS_EXIT_FAILURE;
			}
			o->verbose[i] += (unsigned)(arg[i] - '0');
		}
		break;
	case 'p':
		if (!parse_long(arg, 1, 5, &v)) {
			usage_error("Invalid pass number (should be 1-5).");
			return OPTIONS_EXIT_FAILURE;
		}
		o->last_pass = (int)v;
		o->last_pass_given = true;
		break;
	case 'I':
		vec_push_heap(&o->include_dirs, arg);
		break;
	case 'e':
		if (o->script_text || o->script_file) {
			usage_error("Only one script can be given on the command line.");
			return OPTIONS_EXIT_FAILURE;
		}
		o->script_text = arg;
		break;
	case 'E':
		vec_push_heap(&o->extra_scripts, arg);
		break;
	case 'o':
		o->output_file = arg;
		break;
	case 'R':
		o->runtime_dir = arg;
		break;
	case 'r':
		o->release = arg;
		break;
	case 'a':
		o->arch = arg;
		break;
	case 'm': {
		if (!matches_regex(arg, "^[a-z0-9_]+(\\.ko)?$")) {
			usage_error("Invalid module name (must contain only alphanumerics and "
				    "underscores): %s", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		size_t n = strlen(arg);
		char *name = strdup(arg);
		if (n > 3 && strcmp(name + n - 3, ".ko") == 0)
			name[n - 3] = 0;
		if (strlen(name) > 55)
			name[55] = 0;
		o->module_name = name; /* lives for the process */
		break;
	}
	case 'k':
		o->keep_tmp = true;
		break;
	case 'g':
		o->guru = true;
		break;
	case LONG_PROLOGUE_SEARCHING:
		if (arg && strcmp(arg, "never") && strcmp(arg, "always") && strcmp(arg, "auto")) {
			usage_error("Invalid argument '%s' for --prologue-searching.", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		break;
	case 'P':
	case LONG_CHECK_VERSION:
	case LONG_COLOR:
	case 'q':
		break; /* accepted; they do not change what ctap produces */
	case 'c':
		o->cmd = arg;
		break;
	case 'x':
		if (!parse_long(arg, 1, INT_MAX, &v)) {
			usage_error("Invalid target process ID number: %s", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		o->target_pid = v;
		break;
	case 'D':
		if (!matches_regex(arg, "^[a-z_][a-z_0-9]*(=-?[a-z_0-9]+)?$")) {
			usage_error("Invalid -D parameter: %s", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		vec_push_heap(&o->defines, arg);
		break;
	case 'B':
		vec_push_heap(&o->kbuild_opts, arg);
		break;
	case LONG_MODINFO:
		vec_push_heap(&o->modinfo, arg);
		break;
	case 'b':
		o->bulk = true;
		break;
	case 's':
		if (!parse_long(arg, 1, 4095, &v)) {
			usage_error("Invalid buffer size (should be 1-4095).");
			return OPTIONS_EXIT_FAILURE;
		}
		o->bufsize_mb = (int)v;
		break;
	case 'u':
		o->unoptimized = true;
		break;
	case 'i':
		usage_error("Interactive mode (-i) is not supported by ctap.");
		return OPTIONS_EXIT_FAILURE;
	case 'w':
		o->suppress_warnings = true;
		break;
	case 'W':
		o->warnings_as_errors = true;
		break;
	case 't':
		o->timing = true;
		break;
	case 'l':
		if (!set_listing(o, LIST_PROBES, arg))
			return OPTIONS_EXIT_FAILURE;
		break;
	case 'L':
		if (!set_listing(o, LIST_PROBES_VARS, arg))
			return OPTIONS_EXIT_FAILURE;
		break;
	case LONG_DUMP_PROBE_TYPES:
		if (!set_listing(o, LIST_PROBE_TYPES, NULL))
			return OPTIONS_EXIT_FAILURE;
		break;
	case LONG_DUMP_PROBE_ALIASES:
		if (!set_listing(o, LIST_PROBE_ALIASES, NULL))
			return OPTIONS_EXIT_FAILURE;
		break;
	case LONG_DUMP_FUNCTIONS:
		if (!set_listing(o, LIST_FUNCTIONS, NULL))
			return OPTIONS_EXIT_FAILURE;
		break;
	case 'd':
		vec_push_heap(&o->dash_d, arg);
		break;
	case LONG_LIST_SESSIONS:
		o->list_sessions = true;
		break;
	case LONG_LDD:
		o->ldd = true;
		break;
	case LONG_ALL_MODULES:
		o->all_modules = true;
		break;
	case 'F':
		o->flight_recorder = true;
		break;
	case 'S':
		o->file_switch = arg; /* checked by options_check (a diag code) */
		break;
	case 'G':
		if (!matches_regex(arg, "^[a-z_][a-z0-9_]*=[a-z0-9_.-]+$")) {
			usage_error("Invalid variable assignment: %s", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		vec_push_heap(&o->globals_set, arg);
		break;
	case 'T': {
		char *end;
		errno = 0;
		double t = strtod(arg, &end);
		if (errno || end == arg || *end || !(t > 0) || t > 1e9) {
			usage_error("Invalid timeout: %s (a positive number of seconds)", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		o->timeout = t;
		break;
	}
	case LONG_RUNTIME:
		if (strcmp(arg, "kernel") == 0 || strcmp(arg, "kmod") == 0) {
			o->runtime = RUNTIME_KMOD;
		} else if (strcmp(arg, "bpf") == 0) {
			o->runtime = RUNTIME_BPF;
		} else if (strcmp(arg, "dyninst") == 0) {
			usage_error("The dyninst runtime is not supported by ctap; "
				    "use --runtime=kernel or --runtime=bpf.");
			return OPTIONS_EXIT_FAILURE;
		} else {
			usage_error("Invalid runtime mode: %s (valid: kernel, bpf)", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		break;
	case LONG_BPF:
		o->runtime = RUNTIME_BPF;
		break;
	case LONG_PRIVILEGE:
		if (strcmp(arg, "stapusr") && strcmp(arg, "stapsys") && strcmp(arg, "stapdev")) {
			usage_error("Invalid argument '%s' for --privilege.", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		o->privilege = arg;
		break;
	case LONG_UNPRIVILEGED:
		o->privilege = "stapusr";
		break;
	case LONG_COMPATIBLE:
		if (!matches_regex(arg, "^[0-9]+(\\.[0-9]+)*$")) {
			usage_error("Invalid --compatible version: %s", arg);
			return OPTIONS_EXIT_FAILURE;
		}
		o->compatible = arg;
		break;
	case LONG_SKIP_BADVARS:
		o->skip_badvars = true;
		break;
	case LONG_SUPPRESS_HANDLER_ERRORS:
		o->suppress_handler_errors = true;
		break;
	case LONG_SUPPRESS_TIME_LIMITS:
		o->suppress_time_limits = true;
		break;
	case LONG_NO_GLOBAL_VAR_DISPLAY:
		o->no_global_var_display = true;
		break;
	case LONG_TMPDIR:
		o->tmpdir = arg;
		break;
	case LONG_DISABLE_CACHE:
		o->disable_cache = true;
		break;
	case LONG_POISON_CACHE:
		o->poison_cache = true;
		break;
	case LONG_CLEAN_CACHE:
		o->clean_cache = true;
		break;
	case LONG_SYSROOT:
	case LONG_SYSENV:
		usage_error("--sysroot and --sysenv are not supported by ctap.");
		return OPTIONS_EXIT_FAILURE;
	case LONG_UNSUPPORTED:
		usage_error("This option (compile servers, remote runs, debuginfo download, "
			    "interactive modes, dyninst) is not supported by ctap.");
		return OPTIONS_EXIT_FAILURE;
	case LONG_DIAG_CODES:
		o->diag_codes = true;
		break;
	case LONG_TARGET_FIXTURE:
		o->target_fixture = arg;
		break;
	default:
		fputs("Try '--help' for more information. [man stap]\n", stderr);
		return OPTIONS_EXIT_FAILURE;
	}
	return OPTIONS_OK;
}

enum options_result options_parse(struct options *o, int argc, char **argv)
{
	optind = 1;
	opterr = 1;
	/* GNU getopt permutes, so options may follow the script name; the
	 * operands left at the end are the script (unless -e or a listing
	 * mode gave it) and then its arguments. */
	int c;
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		enum options_result r = handle_option(o, c, optarg);
		if (r != OPTIONS_OK)
			return r;
	}
	for (int i = optind; i < argc; i++) {
		if (!o->script_text && o->listing == LIST_NONE && !o->script_file)
			o->script_file = argv[i];
		else
			vec_push_heap(&o->args, argv[i]);
	}

	if (o->list_sessions)
		return OPTIONS_OK;
	if (o->listing == LIST_NONE && !o->script_text && !o->script_file) {
		usage_error("A script must be specified.");
		fputs("Try '--help' for more information. [man stap]\n", stderr);
		return OPTIONS_EXIT_FAILURE;
	}
	if (o->cmd && o->target_pid) {
		usage_error("You can't specify -c and -x options together.");
		return OPTIONS_EXIT_FAILURE;
	}
	if (o->listing == LIST_NONE && o->script_file && o->script_text) {
		usage_error("Only one script can be given on the command line.");
		return OPTIONS_EXIT_FAILURE;
	}
	if (o->suppress_time_limits && !o->guru) {
		usage_error("The --suppress-time-limits option requires guru mode (-g).");
		return OPTIONS_EXIT_FAILURE;
	}
	return OPTIONS_OK;
}

/* -S SIZE[,N]: SIZE megabytes per file (staprun's range), N files kept
 * (omitted: all).  Checked here rather than while parsing so that the
 * error carries its code whatever the order of --ctap-diag-codes. */
static bool check_file_switch(struct options *o, struct diag_sink *d)
{
	const char *arg = o->file_switch;
	if (!o->output_file) {
		diag_report(d, DIAG_ERROR, D_OPTION, NULL,
			    "-S option is valid only for -o option (-S %s needs -o FILE to "
			    "name the files it rotates)", arg);
		return false;
	}
	long size = 0, keep = 0;
	const char *comma = strchr(arg, ',');
	char head[32];
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	bool ok = matches_regex(arg, "^[0-9]+(,[0-9]+)?$") && n < sizeof(head);
	if (ok) {
		memcpy(head, arg, n);
		head[n] = 0;
		ok = parse_long(head, 1, 1L << 20, &size) &&
		     (!comma || parse_long(comma + 1, 1, INT_MAX, &keep));
	}
	if (!ok) {
		diag_report(d, DIAG_ERROR, D_OPTION, NULL,
			    "Invalid -S parameter '%s': it takes SIZE[,N], the size of each "
			    "output file in megabytes (1 to %ld) and, optionally, how many "
			    "files to keep (at least 1)", arg, 1L << 20);
		return false;
	}
	o->file_switch_mb = (unsigned)size;
	o->file_switch_keep = (unsigned)keep;
	return true;
}

/* -F: the session detaches and writes to the -o files; without -o, a
 * module keeps its output in the kernel for `staprun -A` to read (the BPF
 * runtime has nowhere to keep it: its pass 5 refuses that too, when the
 * back end is chosen later).  A detached session cannot wait for a -c
 * command it would have to outlive.  Both would be a different command
 * than the one asked for, so they are refused rather than run in the
 * foreground. */
bool options_check_bpf_flight(const struct options *o, struct diag_sink *d)
{
	if (!o->flight_recorder || o->output_file)
		return true;
	diag_report(d, DIAG_ERROR, D_OPTION, NULL,
		    "Flight recorder mode (-F) needs -o FILE with the BPF runtime: the "
		    "detached session writes its output to the -o files (keeping it in "
		    "the kernel to read with staprun -A is the kernel-module runtime's)");
	return false;
}

static bool check_flight_recorder(struct options *o, struct diag_sink *d)
{
	if (!o->flight_recorder || o->last_pass != 5 || o->listing != LIST_NONE)
		return true;
	if (o->runtime == RUNTIME_BPF && !options_check_bpf_flight(o, d))
		return false;
	if (o->cmd) {
		diag_report(d, DIAG_ERROR, D_OPTION, NULL,
			    "-F and -c cannot be used together: a detached session does not "
			    "run a command");
		return false;
	}
	return true;
}

bool options_check(struct options *o, struct diag_sink *d)
{
	if (o->file_switch && !check_file_switch(o, d))
		return false;
	return check_flight_recorder(o, d);
}
