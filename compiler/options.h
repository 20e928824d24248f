/*
 * options: the stap command line, parsed into a plain struct.
 *
 * Parsing validates each option the way stap does (same messages where
 * users see them) but does no work; the driver acts on the result.
 */
#ifndef CTAP_OPTIONS_H
#define CTAP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/vec.h"

enum runtime_kind {
	RUNTIME_AUTO = 0,   /* kmod, or bpf where modules can't be loaded */
	RUNTIME_KMOD,
	RUNTIME_BPF,
};

enum listing_mode {
	LIST_NONE = 0,
	LIST_PROBES,        /* -l */
	LIST_PROBES_VARS,   /* -L */
	LIST_PROBE_TYPES,   /* --dump-probe-types */
	LIST_PROBE_ALIASES, /* --dump-probe-aliases */
	LIST_FUNCTIONS,     /* --dump-functions */
};

typedef VEC(const char *) cstr_vec;

struct options {
	/* the script */
	const char *script_file;     /* path, "-" for stdin, NULL with -e */
	const char *script_text;     /* -e */
	cstr_vec extra_scripts;      /* -E */
	cstr_vec args;               /* script arguments ($1 ...) */

	/* passes and verbosity */
	int last_pass;               /* 1..5 */
	bool last_pass_given;
	unsigned verbose[5];         /* per pass, -v adds to all, --vp per pass */
	bool keep_tmp;               /* -k */
	bool guru;                   /* -g */
	bool unoptimized;            /* -u */
	bool suppress_warnings;      /* -w */
	bool warnings_as_errors;     /* -W */
	bool timing;                 /* -t */

	/* paths and compilation */
	cstr_vec include_dirs;       /* -I */
	cstr_vec defines;            /* -D */
	cstr_vec kbuild_opts;        /* -B */
	cstr_vec modinfo;            /* --modinfo */
	cstr_vec dash_d;             /* -d */
	bool ldd;
	bool all_modules;
	const char *runtime_dir;     /* -R */
	const char *release;         /* -r */
	const char *arch;            /* -a */
	const char *module_name;     /* -m */
	const char *tmpdir;          /* --tmpdir */
	const char *compatible;      /* --compatible */
	const char *privilege;       /* --privilege */
	bool disable_cache;
	bool poison_cache;
	bool clean_cache;

	/* run time */
	const char *output_file;     /* -o */
	const char *cmd;             /* -c */
	long target_pid;             /* -x, 0 if not given */
	cstr_vec globals_set;        /* -G */
	double timeout;              /* -T seconds, 0 = none */
	bool bulk;                   /* -b */
	int bufsize_mb;              /* -s */
	bool flight_recorder;        /* -F */
	bool list_sessions;          /* --list-sessions: the detached BPF sessions */
	const char *file_switch;     /* -S, as given */
	unsigned file_switch_mb;     /* -S SIZE (set by options_check) */
	unsigned file_switch_keep;   /* -S ...,N; 0: every file is kept */
	enum runtime_kind runtime;
	bool skip_badvars;
	bool suppress_handler_errors;
	bool suppress_time_limits;
	bool no_global_var_display;

	/* listing */
	enum listing_mode listing;
	const char *list_pattern;

	/* developer */
	bool diag_codes;             /* --ctap-diag-codes */
	const char *target_fixture;  /* --ctap-target-fixture=DIR */
};

enum options_result {
	OPTIONS_OK,
	OPTIONS_EXIT_SUCCESS,   /* -h / -V handled */
	OPTIONS_EXIT_FAILURE,   /* message already printed */
};

void options_init(struct options *o);
void options_fini(struct options *o);
enum options_result options_parse(struct options *o, int argc, char **argv);
/* The checks that report through the diag sink (with codes): run once
 * the sink is configured.  False after reporting. */
struct diag_sink;
bool options_check(struct options *o, struct diag_sink *d);
/* -F without -o, which the BPF runtime cannot keep in the kernel: the
 * error, and false (options_check, and pass 5 when the runtime was chosen
 * there). */
bool options_check_bpf_flight(const struct options *o, struct diag_sink *d);
unsigned options_verbose(const struct options *o, int pass); /* 1..5 */
/* --privilege=stapusr (or --unprivileged): kernel probes and embedded C
 * not marked unprivileged are refused. */
bool options_stapusr(const struct options *o);
void options_print_usage(FILE *out);
void options_print_version(FILE *out);

#endif
