/*
 * options: staprun's command line.  Input: argv.  Output: struct options,
 * or an `ERROR: ...` line followed by the usage text and status 1 for a
 * command line that cannot work (the checks and their order follow
 * SystemTap's staprun, so scripts that drive it see the same verdicts).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "staprun.h"

void options_usage(FILE *f)
{
	fputs("\n"
	      "staprun [-v] [-w] [-V] [-h] [-c CMD | -x PID] [-o FILE [-D] [-S SIZE[,N]]]\n"
	      "        [-b MB] [-L | -A | -d] [-C WHEN] [-T MS] [-r N:URI] MODULE [NAME=VALUE...]\n"
	      "Loads a ctap probe module, runs its session and streams its output.\n"
	      "  -v          more messages (repeatable)\n"
	      "  -w          do not print the module's warnings\n"
	      "  -V          print the version and exit\n"
	      "  -h          print this text and exit\n"
	      "  -c CMD      run CMD once the probes are armed; target() is its pid and\n"
	      "              the session ends when it exits\n"
	      "  -x PID      target() is PID\n"
	      "  -o FILE     write the output to FILE (strftime %-escapes allowed)\n"
	      "  -D          run in the background (needs -o)\n"
	      "  -S SIZE[,N] with -o: write FILE.0, FILE.1... of at most SIZE MB each,\n"
	      "              keeping the newest N\n"
	      "  -b MB       output buffer size, 1-4095 MB\n"
	      "  -L          load the module, arm the probes and detach\n"
	      "  -A          attach to a module loaded with -L\n"
	      "  -d          remove a (detached or abandoned) module\n"
	      "  -C WHEN     colour ERROR/WARNING: auto, never or always\n"
	      "  -T MS       how long the output reader waits per poll (>= 1, default 200)\n"
	      "  -r N:URI    identity reported by remote_id()/remote_uri()\n"
	      "  -u          accepted for compatibility (uprobes are built into the kernel)\n"
	      "MODULE is a path to a .ko file, or a name looked up as\n"
	      "/lib/modules/`uname -r`/systemtap/MODULE.ko.  NAME=VALUE sets a global.\n",
	      f);
}

static __attribute__((format(printf, 1, 2))) int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	options_usage(stderr);
	return -1;
}

static int conflict(const char *a, const char *b, const char *why)
{
	fprintf(stderr, "ERROR: You can't specify the '%s' and '%s' options together.%s%s\n",
		a, b, why ? "\n" : "", why ? why : "");
	options_usage(stderr);
	return -1;
}

/* Parses a decimal in [lo, hi]; -1 if it is not one. */
static long long parse_num(const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

static int parse_split(struct options *o)
{
	char buf[64], *comma;
	long long size, n = 0;

	if (strlen(o->split) >= sizeof(buf))
		return -1;
	strcpy(buf, o->split);
	comma = strchr(buf, ',');
	if (comma) {
		*comma = '\0';
		n = parse_num(comma + 1, 1, INT_MAX);
		if (n < 0)
			return -1;
	}
	size = parse_num(buf, 1, 1 << 20);
	if (size < 0)
		return -1;
	o->split_bytes = size << 20;
	o->split_files = (int)n;
	return 0;
}

static int parse_remote(const char *s)
{
	const char *colon = strchr(s, ':');
	char num[32];

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(num) || !colon[1])
		return -1;
	memcpy(num, s, colon - s);
	num[colon - s] = '\0';
	return parse_num(num, 0, INT_MAX) < 0 ? -1 : 0;
}

/* The mutually exclusive and dependent options, in SystemTap's order. */
static int check_combinations(const struct options *o)
{
	if (o->attach && o->load_only)
		return conflict("-A", "-L", NULL);
	if (o->attach && o->bufsize_mb)
		return conflict("-A", "-b", "The buffer size is fixed when the module is loaded.");
	if (o->attach && o->command)
		return conflict("-A", "-c", "A command can only be started when the module is loaded.");
	if (o->attach && o->target)
		return conflict("-A", "-x", "target() is fixed when the module is loaded.");
	if (o->command && o->target)
		return conflict("-c", "-x", NULL);
	if (o->daemon && o->load_only)
		return conflict("-D", "-L", NULL);
	if (o->daemon && o->delete_mod)
		return conflict("-D", "-d", NULL);
	if (o->daemon && o->command)
		return conflict("-D", "-c", NULL);
	if (o->daemon && !o->output)
		return bad("You have to specify output FILE with '%s' option.", "-D");
	if (o->split && !o->output)
		return bad("You have to specify output FILE with '%s' option.", "-S");
	return 0;
}

/* The module's name as the kernel will know it: basename without .ko. */
static int check_module_name(const char *arg)
{
	const char *base = strrchr(arg, '/');
	size_t len;

	base = base ? base + 1 : arg;
	len = strlen(base);
	if (len > 3 && !strcmp(base + len - 3, ".ko"))
		len -= 3;
	if (len == 0)
		return bad("Invalid module name '%s'.", arg);
	if (len > STAPRUN_MODULE_NAME_MAX) {
		fprintf(stderr, "ERROR: Module name ('%.*s') is too long (at most %d characters).\n",
			(int)len, base, STAPRUN_MODULE_NAME_MAX);
		return -1;
	}
	return 0;
}

static _Noreturn void print_version(void)
{
	printf("ctap staprun (module loader for ctap %s)\n", PACKAGE_VERSION);
	exit(0);
}

int options_parse(struct options *o, int argc, char **argv)
{
	long long v;
	int c, i;

	memset(o, 0, sizeof(*o));
	opterr = 0;	/* our own messages, in the ERROR: style */
	o->color = 2;
	o->reader_timeout_ms = 200;
	/* the two long options every command answers */
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		options_usage(stdout);
		exit(0);
	}
	if (argc > 1 && !strcmp(argv[1], "--version"))
		print_version();
	while ((c = getopt(argc, argv, ":vwVhuc:x:o:b:LAdDS:C:T:r:N:F:R")) != -1) {
		switch (c) {
		case 'v': o->verbose++; break;
		case 'w': o->quiet_warnings = true; break;
		case 'V':
			print_version();
		case 'h':
			options_usage(stdout);
			exit(0);
		case 'u': break;
		case 'c': o->command = optarg; break;
		case 'x':
			v = parse_num(optarg, 1, INT_MAX);
			if (v < 0)
				return bad("Invalid target process ID '%s'.", optarg);
			o->target = (pid_t)v;
			break;
		case 'o': o->output = optarg; break;
		case 'b':
			v = parse_num(optarg, 1, 4095);
			if (v < 0)
				return bad("Invalid buffer size '%s' (should be 1-4095).", optarg);
			o->bufsize_mb = (unsigned)v;
			break;
		case 'L': o->load_only = true; break;
		case 'A': o->attach = true; break;
		case 'd': o->delete_mod = true; break;
		case 'D': o->daemon = true; break;
		case 'S':
			o->split = optarg;
			if (parse_split(o))
				return bad("Invalid output split '%s' (should be SIZE[,N], SIZE in MB >= 1).",
					   optarg);
			break;
		case 'C':
			if (!strcmp(optarg, "never"))
				o->color = 0;
			else if (!strcmp(optarg, "always"))
				o->color = 1;
			else if (!strcmp(optarg, "auto"))
				o->color = 2;
			else
				return bad("Invalid colour mode '%s' (should be auto, never or always).",
					   optarg);
			break;
		case 'T':
			v = parse_num(optarg, 1, INT_MAX);
			if (v < 0)
				return bad("Invalid reader timeout value '%s' (should be >= 1).", optarg);
			o->reader_timeout_ms = (int)v;
			break;
		case 'r':
			if (parse_remote(optarg))
				return bad("Cannot process remote id option '%s' (should be N:URI).",
					   optarg);
			o->remote = optarg;
			break;
		case 'N':
			return bad("Option '%s' (namespace pid) is not supported by ctap.", "-N");
		case 'F':
			return bad("Option '%s' (relay directory fd) is not supported by ctap.", "-F");
		case 'R':
			return bad("Option '%s' (rename module) is not supported by ctap yet.", "-R");
		case ':':
			return bad("Option '-%c' needs an argument.", optopt);
		default:
			/* "--name": getopt saw the option '-' (and stays on
			 * that argument, or has just left it) */
			if (optopt == '-') {
				for (i = optind; i >= optind - 1 && i > 0; i--)
					if (i < argc && !strncmp(argv[i], "--", 2))
						return bad("Unknown option '%s' (staprun takes "
							   "short options only).", argv[i]);
			}
			return bad("Unknown option '-%c'.", optopt);
		}
	}
	if (optind >= argc)
		return bad("Need a module name or path to %s.", o->delete_mod ? "remove" : "load");
	o->module_arg = argv[optind];
	o->mod_options = argv + optind + 1;
	o->n_mod_options = argc - optind - 1;
	if (check_combinations(o))
		return -1;
	if (check_module_name(o->module_arg))
		return -1;
	for (i = 0; i < o->n_mod_options; i++)
		if (!strchr(o->mod_options[i], '=') || o->mod_options[i][0] == '=' ||
		    strchr(o->mod_options[i], '"'))
			return bad("Invalid module option '%s' (should be NAME=VALUE).",
				   o->mod_options[i]);
	if ((o->delete_mod || o->attach) && o->n_mod_options)
		return bad("Module options ('%s' ...) only apply when loading a module.",
			   o->mod_options[0]);
	return 0;
}
