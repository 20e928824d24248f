/*
 * build: pass 4 of the kernel-module back end — the module's name, the
 * cache, and kbuild.
 *
 * Input: the translation (C text).  Output: the path of a .ko.
 *
 * Name: `stap_<hash>_<probes>` (or -m NAME), where hash covers everything
 * the module depends on: the C text, -D/-B/--modinfo/-t, the kernel
 * release and its build tree, the runtime's sources and ctap's version.
 * The same hash keys the cache, $SYSTEMTAP_DIR/cache/HH/NAME.ko (with the
 * C source beside it), so a hit skips kbuild entirely.
 *
 * Speed: compiling the runtime is most of a module's build time, and it
 * depends only on the kernel, the -D flags and the runtime's sources, not on
 * the script or the module's name (it reads THIS_MODULE->name at run time).
 * So it is compiled once per (release, flags, runtime) by kbuild as a single
 * target in $SYSTEMTAP_DIR/cache/kbuild/RELEASE-FLAGS/ (under an flock),
 * and each module is built in the session's directory from the generated
 * file (compiled with -DCTAP_RUNTIME_SEPARATE, so it does not include the
 * runtime) plus a link of that object and its .cmd file, which kbuild takes
 * as it is since it has no source there.  --disable-cache builds
 * everything in the session's directory, runtime included, as one unit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "config.h"
#include "diag/diag.h"
#include "kmod/kbuild.h"
#include "kmod/kmod.h"
#include "session.h"
#include "target/target.h"
#include "util/signals.h"
#include "util/arena.h"
#include "util/fileutil.h"

/* ---------------------------------------------------------- hashing */

struct hash {
	uint64_t a, b;
};

static void hash_add(struct hash *h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h->a = (h->a ^ s[i]) * 0x100000001b3ULL;
		h->b = (h->b ^ s[i]) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
	}
	/* a separator, so that "ab"+"c" and "a"+"bc" differ */
	h->a = (h->a ^ 0xff) * 0x100000001b3ULL;
	h->b = (h->b ^ 0xfe) * 0x100000001b3ULL;
}

static void hash_str(struct hash *h, const char *s)
{
	hash_add(h, s ? s : "", s ? strlen(s) : 0);
}

/* Every source file of the runtime (sorted by name within a directory). */
static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void hash_dir(struct hash *h, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		hash_str(h, dir);
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 3 || (strcmp(de->d_name + len - 2, ".c") && strcmp(de->d_name + len - 2, ".h")))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			xoom();
		size_t len = 0;
		char *text = file_read_all(path, &len);
		hash_str(h, names[i]);
		if (text)
			hash_add(h, text, len);
		free(text);
		free(path);
		free(names[i]);
	}
	free(names);
}

/* Whether -D gave NAME (NAME or NAME=VALUE). */
static bool user_defines(struct session *s, const char *name)
{
	size_t n = strlen(name);
	vec_foreach(&s->opts.defines, i) {
		const char *d = s->opts.defines.items[i];
		if (strncmp(d, name, n) == 0 && (d[n] == 0 || d[n] == '='))
			return true;
	}
	return false;
}

/* ccflags for both units: the runtime include path, -D, -t. */
static const char *ccflags(struct kmod *K)
{
	struct session *s = K->s;
	struct strbuf sb = STRBUF_INIT;
	/* -Wno-unused as SystemTap: helpers of tapset %{ %} blocks may go
	 * unused when the functions calling them were elided */
	strbuf_printf(&sb, "-I%s -Wno-unused -Werror", s->runtime_dir);
	vec_foreach(&s->opts.defines, i)
		strbuf_printf(&sb, " -D%s", s->opts.defines.items[i]);
	if (s->opts.timing)
		strbuf_puts(&sb, " -DSTP_TIMING");
	/* --suppress-time-limits: no MAXACTION checks (pass 3 omits them), no
	 * overload detection, lock attempts without a practical bound */
	if (s->opts.suppress_time_limits) {
		if (!user_defines(s, "STP_NO_OVERLOAD"))
			strbuf_puts(&sb, " -DSTP_NO_OVERLOAD");
		if (!user_defines(s, "MAXTRYLOCK"))
			strbuf_puts(&sb, " -DMAXTRYLOCK=1000000");
	}
	const char *r = arena_strdup(K->a, sb.buf);
	strbuf_free(&sb);
	return r;
}

static const char *hex(struct arena *a, struct hash h)
{
	return arena_printf(a, "%016llx%016llx", (unsigned long long)h.a, (unsigned long long)h.b);
}

void kbuild_name(struct kmod *K, struct kbuild *B)
{
	struct session *s = K->s;
	struct hash h = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	hash_str(&h, "ctap-kmod " VERSION);
	hash_str(&h, s->target_desc->release);
	hash_str(&h, s->target_desc->arch);
	hash_str(&h, B->build_dir);
	char *mk = NULL;
	if (asprintf(&mk, "%s/Makefile", B->build_dir) < 0)
		xoom();
	struct stat st;
	if (stat(mk, &st) == 0)
		hash_add(&h, &st.st_mtime, sizeof(st.st_mtime));
	free(mk);
	hash_str(&h, s->runtime_dir);
	char *dir = NULL;
	if (asprintf(&dir, "%s/kmod", s->runtime_dir) < 0)
		xoom();
	hash_dir(&h, dir);
	free(dir);
	if (asprintf(&dir, "%s/common", s->runtime_dir) < 0)
		xoom();
	hash_dir(&h, dir);
	free(dir);
	B->cflags = ccflags(K);
	hash_str(&h, B->cflags);
	struct hash flags = h;
	B->flags_key = hex(K->a, flags);
	vec_foreach(&s->opts.kbuild_opts, i)
		hash_str(&h, s->opts.kbuild_opts.items[i]);
	hash_str(&h, s->opts.module_name);
	hash_add(&h, K->text.buf, K->text.len);
	B->key = hex(K->a, h);
	if (s->opts.module_name)
		B->name = s->opts.module_name;
	else
		B->name = arena_printf(K->a, "stap_%.32s_%u", B->key, K->nprobes);
}

/* ---------------------------------------------------------- processes */

/* Runs argv with stdout+stderr to log (or inherited if NULL); returns the
 * exit status, -1, or -2 when a SIGINT/SIGTERM/SIGHUP to stap ended it.
 * The child leads its own process group, so that a signal ends make and
 * every compiler it started, not make alone. */
static int run_logged(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		signals_release_in_child();
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid); /* both sides, whichever runs first */
	int sig;
	int status = signals_wait_child(pid, true, &sig);
	if (sig)
		return -2;
	if (status < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fwrite(text, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	return ok;
}

static bool copy_file(const char *from, const char *to)
{
	size_t len;
	char *text = file_read_all(from, &len);
	if (!text)
		return false;
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", to, (int)getpid()) < 0)
		xoom();
	bool ok = write_file(tmp, text, len) && rename(tmp, to) == 0;
	if (!ok)
		unlink(tmp);
	free(tmp);
	free(text);
	return ok;
}

/* ---------------------------------------------------------- kbuild */

const char *kbuild_systemtap_dir(struct session *s)
{
	return session_systemtap_dir(s);
}

static void print_log(struct session *s, const char *log)
{
	size_t len;
	char *text = file_read_all(log, &len);
	if (text) {
		fwrite(text, 1, len, stderr);
		free(text);
	}
	(void)s;
}

/* make -C BUILD M=DIR TARGET [-B options] */
static bool make_target(struct kmod *K, struct kbuild *B, const char *dir, const char *target,
			const char *log)
{
	struct session *s = K->s;
	char **argv = xcalloc(8 + s->opts.kbuild_opts.len, sizeof(char *));
	int n = 0;
	argv[n++] = "make";
	argv[n++] = arena_printf(K->a, "-j%ld", sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2L : 1L);
	argv[n++] = arena_printf(K->a, "-C%s", B->build_dir);
	argv[n++] = arena_printf(K->a, "M=%s", dir);
	argv[n++] = (char *)target;
	vec_foreach(&s->opts.kbuild_opts, i)
		argv[n++] = (char *)s->opts.kbuild_opts.items[i];
	argv[n] = NULL;
	bool verbose = options_verbose(&s->opts, 4) >= 3;
	if (verbose) {
		fprintf(stderr, "Running");
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
	}
	int rc = run_logged(argv, verbose ? NULL : log);
	free(argv);
	if (rc != 0 && rc != -2 && !verbose)
		print_log(s, log); /* after a signal, the log is make's way of dying */
	return rc == 0;
}

static bool write_kbuild(struct kmod *K, struct kbuild *B, const char *dir, bool separate)
{
	const char *n = B->name;
	char *text = NULL;
	int r;
	if (separate)
		r = asprintf(&text,
			     "# generated by ctap\n"
			     "obj-m := %s.o\n"
			     "%s-y := %s_src.o ctap_runtime.o\n"
			     "ccflags-y := %s\n"
			     "CFLAGS_%s_src.o := -DCTAP_RUNTIME_SEPARATE\n",
			     n, n, n, B->cflags, n);
	else
		r = asprintf(&text,
			     "# generated by ctap\n"
			     "obj-m := %s.o\n"
			     "%s-y := %s_src.o\n"
			     "ccflags-y := %s\n",
			     n, n, n, B->cflags);
	if (r < 0)
		xoom();
	char *path = arena_printf(K->a, "%s/Kbuild", dir);
	bool ok = write_file(path, text, strlen(text));
	free(text);
	return ok;
}

/* A hard link, or a copy across file systems. */
static bool link_or_copy(const char *from, const char *to)
{
	unlink(to);
	return link(from, to) == 0 || copy_file(from, to);
}

/*
 * The runtime object for B's release and flags, compiled once by kbuild as
 * a single target in $SYSTEMTAP_DIR/cache/kbuild/RELEASE-FLAGS/ (under an
 * flock, so concurrent stap runs compile it once).  It does not depend on
 * the module's name: the runtime reads THIS_MODULE->name at run time.
 */
static const char *runtime_object(struct kmod *K, struct kbuild *B)
{
	struct session *s = K->s;
	const char *dir = arena_printf(K->a, "%s/cache/kbuild/%s-%.16s", kbuild_systemtap_dir(s),
				       s->target_desc->release, B->flags_key);
	const char *obj = arena_printf(K->a, "%s/ctap_runtime.o", dir);
	const char *cmd = arena_printf(K->a, "%s/.ctap_runtime.o.cmd", dir);
	if (file_exists(obj) && file_exists(cmd))
		return dir;
	if (mkdir_p(dir, 0755) != 0) {
		diag_report(&s->diag, DIAG_ERROR, D_BUILD, NULL, "cannot create %s: %s", dir,
			    strerror(errno));
		return NULL;
	}
	int lock = open(arena_printf(K->a, "%s/.lock", dir), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		diag_report(&s->diag, DIAG_ERROR, D_BUILD, NULL, "cannot lock %s: %s", dir,
			    strerror(errno));
		if (lock >= 0)
			close(lock);
		return NULL;
	}
	bool ok = file_exists(obj) && file_exists(cmd);
	if (!ok) {
		static const char rt[] = "/* the runtime of ctap's modules, compiled once here */\n"
					 "#include \"kmod/runtime.h\"\n"
					 "#include \"kmod/runtime.c\"\n";
		char *kb = NULL;
		if (asprintf(&kb, "# generated by ctap\nobj-m := ctap_rt.o\n"
			     "ctap_rt-y := ctap_runtime.o\nccflags-y := %s\n", B->cflags) < 0)
			xoom();
		ok = write_file(arena_printf(K->a, "%s/ctap_runtime.c", dir), rt, sizeof(rt) - 1) &&
		     write_file(arena_printf(K->a, "%s/Kbuild", dir), kb, strlen(kb));
		free(kb);
		if (ok)
			ok = make_target(K, B, dir, "ctap_runtime.o",
					 arena_printf(K->a, "%s/build.log", session_tmpdir(s)));
	}
	flock(lock, LOCK_UN);
	close(lock);
	return ok ? dir : NULL;
}

/* The module in the session's directory, linked with the runtime object. */
static bool build_linked(struct kmod *K, struct kbuild *B, const char *out_ko)
{
	struct session *s = K->s;
	const char *rt = runtime_object(K, B);
	if (!rt)
		return false;
	const char *dir = arena_printf(K->a, "%s/kbuild", session_tmpdir(s));
	if (mkdir_p(dir, 0755) != 0)
		return false;
	bool ok = link_or_copy(arena_printf(K->a, "%s/ctap_runtime.o", rt),
			       arena_printf(K->a, "%s/ctap_runtime.o", dir)) &&
		  link_or_copy(arena_printf(K->a, "%s/.ctap_runtime.o.cmd", rt),
			       arena_printf(K->a, "%s/.ctap_runtime.o.cmd", dir)) &&
		  write_kbuild(K, B, dir, true) &&
		  write_file(arena_printf(K->a, "%s/%s_src.c", dir, B->name), K->text.buf,
			     K->text.len);
	if (ok)
		ok = make_target(K, B, dir, "modules",
				 arena_printf(K->a, "%s/build.log", session_tmpdir(s)));
	const char *ko = arena_printf(K->a, "%s/%s.ko", dir, B->name);
	if (ok && !copy_file(ko, out_ko)) {
		diag_report(&s->diag, DIAG_ERROR, D_BUILD, NULL, "cannot copy %s to %s: %s", ko,
			    out_ko, strerror(errno));
		ok = false;
	}
	return ok;
}

static bool build_alone(struct kmod *K, struct kbuild *B, const char *out_ko)
{
	struct session *s = K->s;
	const char *dir = arena_printf(K->a, "%s/kbuild", session_tmpdir(s));
	if (mkdir_p(dir, 0755) != 0)
		return false;
	bool ok = write_kbuild(K, B, dir, false) &&
		  write_file(arena_printf(K->a, "%s/%s_src.c", dir, B->name), K->text.buf,
			     K->text.len);
	if (ok)
		ok = make_target(K, B, dir, "modules",
				 arena_printf(K->a, "%s/build.log", session_tmpdir(s)));
	if (ok && strcmp(arena_printf(K->a, "%s/%s.ko", dir, B->name), out_ko) != 0)
		ok = copy_file(arena_printf(K->a, "%s/%s.ko", dir, B->name), out_ko);
	return ok;
}

bool kbuild_module(struct kmod *K, struct kbuild *B)
{
	struct session *s = K->s;
	struct target *t = session_target(s);
	if (!t)
		return false;
	/* --poison-cache: rebuild, but still store the result */
	bool cache = !s->opts.disable_cache;
	const char *cdir = arena_printf(K->a, "%s/cache/%.2s", kbuild_systemtap_dir(s), B->key);
	if (cache) {
		B->ko = arena_printf(K->a, "%s/%s.ko", cdir, B->name);
		const char *src = arena_printf(K->a, "%s/%s.c", cdir, B->name);
		if (!s->opts.poison_cache && file_exists(B->ko) && file_exists(src)) {
			B->cache_hit = true;
			return true;
		}
		if (mkdir_p(cdir, 0755) != 0) {
			diag_report(&s->diag, DIAG_ERROR, D_BUILD, NULL, "cannot create %s: %s", cdir,
				    strerror(errno));
			return false;
		}
		if (!build_linked(K, B, B->ko))
			return false;
		/* the source last: an entry is complete when both exist */
		if (!copy_file(B->src, src)) {
			diag_report(&s->diag, DIAG_ERROR, D_BUILD, NULL, "cannot write %s: %s", src,
				    strerror(errno));
			return false;
		}
		return true;
	}
	B->ko = arena_printf(K->a, "%s/%s.ko", session_tmpdir(s), B->name);
	return build_alone(K, B, B->ko);
}

bool kbuild_keep_named(struct kmod *K, struct kbuild *B)
{
	struct session *s = K->s;
	const char *to = arena_printf(K->a, "%s.ko", B->name);
	if (copy_file(B->ko, to))
		return true;
	diag_report(&s->diag, DIAG_ERROR, D_BUILD, NULL,
		    "cannot copy the module to the current directory as %s: %s", to, strerror(errno));
	return false;
}

bool kbuild_check_tree(struct kmod *K, struct kbuild *B)
{
	struct session *s = K->s;
	const struct target_desc *d = s->target_desc;
	/* opening the target reports a release that is not installed */
	struct target *t = session_target(s);
	const char *dir = t ? d->build_dir : NULL;
	if (!dir) {
		dir = d->kbuild_dir;
		if (!dir_exists(dir)) {
			diag_report(&s->diag, DIAG_ERROR, D_BUILD, NULL,
				    "kernel build tree for %s not found at %s: install the kernel "
				    "headers for that release (e.g. linux-headers-%s)",
				    d->release, dir, d->release);
			return false;
		}
	}
	B->build_dir = dir;
	return true;
}
