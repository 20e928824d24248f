#include "bpf/sessions.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fileutil.h"

static const char *sessions_dir(void)
{
	const char *d = getenv("CTAP_SESSIONS_DIR");
	return d && *d ? d : "/run/ctap/sessions";
}

/* One line of text: newlines of an -e script would break the file's lines */
static void put_line(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s=", key);
	for (const char *c = value ? value : ""; *c; c++)
		fputc(*c == '\n' || *c == '\t' ? ' ' : *c, f);
	fputc('\n', f);
}

int sessions_register(const char *script, const char *output)
{
	const char *dir = sessions_dir();
	if (mkdir_p(dir, 0755) != 0)
		return -errno;
	char tmp[640], path[600];
	snprintf(path, sizeof(path), "%s/%d", dir, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "started=%lld\n", (long long)time(NULL));
	put_line(f, "script", script);
	put_line(f, "output", output);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

void sessions_unregister(void)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%d", sessions_dir(), (int)getpid());
	unlink(path);
}

/* Whether pid is still a ctap session: alive, and not a reused pid */
static bool live(int pid)
{
	if (kill(pid, 0) != 0 && errno != EPERM)
		return false;
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) && !strncmp(comm, "stap", 4);
	fclose(f);
	return ok;
}

static void value_of(const char *text, const char *key, char *dst, size_t size)
{
	size_t klen = strlen(key);
	dst[0] = '\0';
	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");
		if (len > klen && !strncmp(l, key, klen) && l[klen] == '=') {
			size_t n = len - klen - 1;
			if (n >= size)
				n = size - 1;
			memcpy(dst, l + klen + 1, n);
			dst[n] = '\0';
			return;
		}
		l += len + (l[len] == '\n');
	}
}

bool sessions_list(FILE *out)
{
	const char *dir = sessions_dir();
	DIR *d = opendir(dir);
	if (!d && errno != ENOENT) {
		fprintf(stderr, "ERROR: cannot read %s: %s\n", dir, strerror(errno));
		return false;
	}
	fprintf(out, "%-8s %-19s %-24s %s\n", "PID", "STARTED", "OUTPUT", "SCRIPT");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!live((int)pid)) {
			unlink(path);
			continue;
		}
		char text[2048] = "";
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		char started[32], script[256], output[256], when[32] = "?";
		value_of(text, "started", started, sizeof(started));
		value_of(text, "script", script, sizeof(script));
		value_of(text, "output", output, sizeof(output));
		time_t t = (time_t)strtoll(started, NULL, 10);
		struct tm tm;
		if (t && localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(out, "%-8ld %-19s %-24s %s\n", pid, when, output, script);
	}
	if (d)
		closedir(d);
	return true;
}
