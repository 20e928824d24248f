/*
 * interp_builtin: user-space implementations of BPF builtins (builtin.h),
 * for handlers the stap process runs (begin/end/error, interval timers).
 *
 * Context builtins answer for the stap process itself, as SystemTap's
 * begin/end probes answer for staprun (pid(), execname(), cpu()...).
 */
#include "bpf/interp_int.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/escape.h"
#include "session.h"
#include "util/signals.h"

#define ARGS struct interp *I, const struct expr *call, struct ival *a, uint32_t n, struct ival *out
#define UNUSED_ARGS (void)I, (void)call, (void)a, (void)n

typedef bool (*interp_builtin_fn)(ARGS);

static bool u_exit(ARGS)
{
	UNUSED_ARGS;
	urt_request_exit(I->u);
	*out = (struct ival){ 0 };
	return true;
}

static bool u_abort(ARGS)
{
	UNUSED_ARGS;
	(void)out;
	urt_request_exit(I->u);
	interp_error(I, NULL, "abort");
	I->err_uncatchable = true;
	I->aborted = true;
	return false;
}

static bool u_error(ARGS)
{
	(void)call, (void)n, (void)out;
	struct ival m = interp_str(I, a[0].s, a[0].len);
	return interp_error(I, NULL, m.s);
}

static bool u_warn(ARGS)
{
	(void)call, (void)n;
	urt_warn(I->u, a[0].s, a[0].len);
	*out = (struct ival){ 0 };
	return true;
}

static bool u_log(ARGS)
{
	(void)call, (void)n;
	outbuf_put(urt_out(I->u), a[0].s, a[0].len);
	outbuf_putc(urt_out(I->u), '\n');
	*out = (struct ival){ 0 };
	return true;
}

static bool u_pid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = getpid() }; return true; }
static bool u_tid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = (int64_t)syscall(SYS_gettid) }; return true; }
static bool u_ppid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = getppid() }; return true; }
static bool u_uid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = getuid() }; return true; }
static bool u_euid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = geteuid() }; return true; }
static bool u_gid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = getgid() }; return true; }
static bool u_egid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = getegid() }; return true; }

static bool u_cpu(ARGS)
{
	UNUSED_ARGS;
	int c = sched_getcpu();
	*out = (struct ival){ .n = c < 0 ? 0 : c };
	return true;
}

static bool u_execname(ARGS)
{
	UNUSED_ARGS;
	char comm[32] = "stap";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	*out = interp_cstr(I, comm);
	return true;
}

static bool u_target(ARGS)
{
	UNUSED_ARGS;
	*out = (struct ival){ .n = (int64_t)I->u->head->target };
	return true;
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool u_time_ns(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = clock_ns(CLOCK_REALTIME) }; return true; }
static bool u_time_us(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = clock_ns(CLOCK_REALTIME) / 1000 }; return true; }
static bool u_time_ms(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = clock_ns(CLOCK_REALTIME) / 1000000 }; return true; }
static bool u_time_s(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = clock_ns(CLOCK_REALTIME) / 1000000000 }; return true; }
static bool u_mono_ns(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = clock_ns(CLOCK_MONOTONIC) }; return true; }

static bool u_jiffies(ARGS)
{
	UNUSED_ARGS;
	*out = (struct ival){ .n = clock_ns(CLOCK_MONOTONIC) / (1000000000LL / I->pl->hz) };
	return true;
}

static bool u_hz(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = I->pl->hz }; return true; }
static bool u_page_size(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = RT_PAGE_SIZE }; return true; }

/* _ustack_print(style) where no task is probed: nothing to unwind */
static bool u_ustack_print(ARGS)
{
	(void)call, (void)n, (void)out;
	if (a[0].n != 5) {
		char line[1024];
		snprintf(line, sizeof(line), "<no user backtrace at %s>\n", I->bp->dp->pp);
		outbuf_puts(urt_out(I->u), line);
	}
	return true;
}

static bool u_pp(ARGS)
{
	UNUSED_ARGS;
	*out = interp_cstr(I, I->bp->dp->pp);
	return true;
}

static bool u_tz_gmtoff(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = I->pl->tz_gmtoff }; return true; }

static bool u_tz_name(ARGS)
{
	UNUSED_ARGS;
	*out = interp_cstr(I, I->pl->tz_name);
	return true;
}

static bool u_stp_pid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = getpid() }; return true; }
static bool u_session_uid(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = getuid() }; return true; }

/* remote_id(), remote_uri(): a BPF session is never one host of --remote */
static bool u_remote_id(ARGS) { UNUSED_ARGS; *out = (struct ival){ .n = -1 }; return true; }

static bool u_remote_uri(ARGS)
{
	UNUSED_ARGS;
	*out = interp_cstr(I, "");
	return true;
}

static bool u_pn(ARGS)
{
	UNUSED_ARGS;
	*out = interp_cstr(I, I->bp->dp->pn);
	return true;
}

static bool u_value(ARGS)
{
	(void)I, (void)call, (void)n;
	*out = (struct ival){ .n = a[0].n };
	return true;
}

static bool u_strlen(ARGS)
{
	(void)I, (void)call, (void)n;
	*out = (struct ival){ .n = a[0].len };
	return true;
}

static bool u_substr(ARGS)
{
	(void)call, (void)n;
	int64_t start = a[1].n, len = a[2].n;
	if (start < 0 || start >= a[0].len || len <= 0) {
		*out = (struct ival){ .s = "", .len = 0 };
		return true;
	}
	if (len > a[0].len - start)
		len = a[0].len - start;
	*out = interp_str(I, a[0].s + start, (uint32_t)len);
	return true;
}

static bool u_isinstr(ARGS)
{
	(void)I, (void)call, (void)n;
	bool found = a[1].len == 0;
	for (uint32_t i = 0; !found && i + a[1].len <= a[0].len; i++)
		found = !memcmp(a[0].s + i, a[1].s, a[1].len);
	*out = (struct ival){ .n = found };
	return true;
}

static bool u_strtol(ARGS)
{
	(void)call, (void)n;
	struct ival s = interp_str(I, a[0].s, a[0].len);
	int64_t base = a[1].n;
	if (base != 0 && (base < 2 || base > 36)) {
		*out = (struct ival){ 0 };
		return true;
	}
	*out = (struct ival){ .n = strtoll(s.s, NULL, (int)base) };
	return true;
}

/* tokenize(input, delim) / tokenize(delim): strsep over delim bytes,
 * skipping empty tokens; state per interpreter (one handler at a time) */
static bool u_tokenize(ARGS)
{
	(void)call;
	const struct ival *delim = &a[n - 1];
	if (n == 2 && a[0].len) {
		free(I->tok_buf);
		I->tok_buf = malloc(a[0].len + 1);
		memcpy(I->tok_buf, a[0].s, a[0].len);
		I->tok_buf[a[0].len] = 0;
		I->tok_len = a[0].len;
		I->tok_pos = 0;
	}
	while (I->tok_buf && I->tok_pos < I->tok_len) {
		uint32_t start = I->tok_pos, end = start;
		while (end < I->tok_len && !memchr(delim->s, I->tok_buf[end], delim->len))
			end++;
		I->tok_pos = end < I->tok_len ? end + 1 : end;
		if (end > start) {
			*out = interp_str(I, I->tok_buf + start, end - start);
			return true;
		}
	}
	*out = (struct ival){ .s = "", .len = 0 };
	return true;
}

static bool u_matched(ARGS)
{
	(void)call, (void)n;
	int64_t g = a[0].n;
	if (I->match_groups < 0)
		return interp_errorf(I, NULL, "Attempted to get subexpression %lld from failed match",
				     (long long)g);
	if (g < 0 || g >= I->match_groups)
		return interp_errorf(I, NULL, "Attempted to get nonexistent subexpression %lld",
				     (long long)g);
	int16_t from = 2 * g + 1 < SUBMATCH_MAX_SLOTS ? I->match_slot[2 * g] : -1;
	int16_t to = 2 * g + 1 < SUBMATCH_MAX_SLOTS ? I->match_slot[2 * g + 1] : -1;
	if (from < 0 || to < from || (uint32_t)to > I->match_len)
		*out = (struct ival){ .s = "", .len = 0 };
	else
		*out = interp_str(I, I->match_subject + from, (uint32_t)(to - from));
	return true;
}

static bool u_ngroups(ARGS)
{
	UNUSED_ARGS;
	if (I->match_groups < 0)
		return interp_error(I, NULL, "Attempted to get subexpression count from failed match");
	*out = (struct ival){ .n = I->match_groups };
	return true;
}

static bool u_system(ARGS)
{
	(void)call, (void)n;
	struct ival cmd = interp_str(I, a[0].s, a[0].len);
	urt_system(I->u, cmd.s);
	*out = (struct ival){ 0 };
	return true;
}

static bool u_randint(ARGS)
{
	(void)call, (void)n;
	if (a[0].n <= 0 || a[0].n > 0xffffffffLL)
		return interp_error(I, NULL, "handler shouldn't be called with n <= 0");
	*out = (struct ival){ .n = (int64_t)((uint64_t)random() % (uint64_t)a[0].n) };
	return true;
}

static bool u_zero(ARGS) { UNUSED_ARGS; *out = (struct ival){ 0 }; return true; }
static bool u_empty(ARGS) { UNUSED_ARGS; *out = (struct ival){ .s = "", .len = 0 }; return true; }

static bool u_maxstringlen(ARGS)
{
	UNUSED_ARGS;
	*out = (struct ival){ .n = I->pl->lim.maxstringlen };
	return true;
}

static bool u_random_u32(ARGS)
{
	UNUSED_ARGS;
	*out = (struct ival){ .n = (int64_t)(((uint64_t)random() << 1 ^ (uint64_t)random()) & 0xffffffffu) };
	return true;
}

static bool u_register(ARGS)
{
	(void)a, (void)n, (void)out;
	return interp_errorf(I, call->tok, "register: no registers are saved at %s", I->bp->dp->pp);
}

/* _sym_format(addr, style) in user space: the kernel's symbols (ksyms.h) */
static bool u_sym_format(ARGS)
{
	(void)n;
	char buf[640];
	I->u->syms.maxstringlen = I->pl->lim.maxstringlen;
	symdefer_format(&I->u->syms, buf, sizeof(buf), (uint64_t)a[0].n, (int)a[1].n);
	*out = interp_cstr(I, buf);
	return true;
}

static bool u_mem_fault(ARGS)
{
	(void)n, (void)out;
	return interp_errorf(I, call->tok, "read fault [man error::fault] at 0x%llx",
			     (unsigned long long)a[0].n);
}

/* kernel_string_n / user_string_n / buffer_quoted: the stap process has no
 * probed context; only a zero-length read succeeds */
static bool u_kstring_fault(ARGS)
{
	if (n >= 2 && a[1].n <= 0) {
		*out = (struct ival){ .s = "", .len = 0 };
		return true;
	}
	return interp_errorf(I, call->tok, "kernel string copy fault at 0x%llx [man error::fault]",
			     (unsigned long long)a[0].n);
}

static bool u_ustring_fault(ARGS)
{
	if (n >= 2 && a[1].n <= 0) {
		*out = (struct ival){ .s = "", .len = 0 };
		return true;
	}
	return interp_errorf(I, call->tok, "user string copy fault -14 at 0x%llx [man error::fault]",
			     (unsigned long long)a[0].n);
}

static bool u_cpu_clock(ARGS)
{
	(void)n;
	if (a[0].n < 0 || a[0].n >= I->pl->ncpus)
		return interp_errorf(I, call->tok, "cpu_clock_ns: no CPU %lld", (long long)a[0].n);
	*out = (struct ival){ .n = clock_ns(CLOCK_MONOTONIC) };
	return true;
}

static bool u_str_find(ARGS)
{
	(void)I, (void)call, (void)n;
	int64_t start = a[2].n;
	*out = (struct ival){ .n = -1 };
	if (start < 0 || start > a[0].len)
		return true;
	for (int64_t i = start; i + a[1].len <= a[0].len; i++)
		if (!memcmp(a[0].s + i, a[1].s, a[1].len)) {
			out->n = i;
			break;
		}
	return true;
}

static bool u_text_strn(ARGS)
{
	(void)call, (void)n;
	uint32_t msl = I->pl->lim.maxstringlen;
	char *buf = interp_alloc(I, msl + 1);
	struct ival in = interp_str(I, a[0].s, a[0].len);
	uint32_t len = escape_text(buf, in.s, 0, a[1].n, a[2].n ? ESCAPE_F_QUOTED : 0, msl);
	*out = (struct ival){ .s = buf, .len = len };
	return true;
}

static bool u_stringat_err(ARGS)
{
	(void)call, (void)n;
	if (a[1].n < 0 || a[1].n >= a[0].len)
		return interp_errorf(I, NULL, "stringat: position %lld is outside the string (length %u)",
				     (long long)a[1].n, a[0].len);
	*out = (struct ival){ .n = (unsigned char)a[0].s[a[1].n] };
	return true;
}
/* _argv_text: the array is unreadable from here, which renders as its
 * address */
static bool u_argv_text(ARGS)
{
	(void)n;
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)a[0].n);
	*out = interp_str(I, buf, (uint32_t)len);
	return true;
}

/* _argv_count: unreadable from here */
static bool u_argv_count(ARGS)
{
	UNUSED_ARGS;
	*out = (struct ival){ .n = -1 };
	return true;
}

static const struct {
	const char *name;
	interp_builtin_fn fn;
	/* user space only stands in (a zero, a fault): the value lives in
	 * the probed context, which a handler in the kernel has */
	bool kernel;
} table[] = {
	{ "current_task", u_zero, true },
	{ "pid2task", u_zero, true },
	{ "task_pt_regs", u_zero, true },
	{ "is_return", u_zero },
	{ "registers_valid", u_zero, true },
	{ "register", u_register, true },
	{ "kernel_read", u_mem_fault, true },
	{ "user_read", u_mem_fault, true },
	{ "kernel_string_n", u_kstring_fault, true },
	{ "user_string_n", u_ustring_fault, true },
	{ "buffer_quoted", u_kstring_fault, true },
	{ "argv_text", u_argv_text, true },
	{ "argv_count", u_argv_count, true },
	{ "maxstringlen", u_maxstringlen },
	{ "str_find", u_str_find },
	{ "text_strn", u_text_strn },
	{ "random_u32", u_random_u32 },
	{ "hz", u_hz },
	{ "page_size", u_page_size },
	{ "cpu_clock_ns", u_cpu_clock },
	{ "stack_addrs", u_empty, true },
	{ "sym_format", u_sym_format },
	{ "ustack_print", u_ustack_print, true },
	{ "exit", u_exit },
	{ "abort", u_abort },
	{ "error", u_error },
	{ "warn", u_warn },
	{ "log", u_log },
	{ "pid", u_pid },
	{ "tid", u_tid },
	{ "ppid", u_ppid },
	{ "uid", u_uid },
	{ "euid", u_euid },
	{ "gid", u_gid },
	{ "egid", u_egid },
	{ "cpu", u_cpu },
	{ "execname", u_execname },
	{ "target", u_target },
	{ "gettimeofday_ns", u_time_ns },
	{ "gettimeofday_us", u_time_us },
	{ "gettimeofday_ms", u_time_ms },
	{ "gettimeofday_s", u_time_s },
	{ "local_clock_ns", u_mono_ns },
	{ "cpu_clock_ns", u_mono_ns },
	{ "ktime_get_ns", u_mono_ns },
	{ "jiffies", u_jiffies },
	{ "HZ", u_hz },
	{ "tz_gmtoff", u_tz_gmtoff },
	{ "tz_name", u_tz_name },
	{ "remote_id", u_remote_id },
	{ "stp_pid", u_stp_pid },
	{ "session_uid", u_session_uid },
	{ "remote_uri", u_remote_uri },
	{ "pp", u_pp },
	{ "pn", u_pn },
	{ "strlen", u_strlen },
	{ "value", u_value },
	{ "substr", u_substr },
	{ "isinstr", u_isinstr },
	{ "strtol", u_strtol },
	{ "stringat", u_stringat_err },
	{ "tokenize", u_tokenize },
	{ "matched", u_matched },
	{ "ngroups", u_ngroups },
	{ "system", u_system },
	{ "randint", u_randint },
};

static int table_index(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return (int)i;
	return -1;
}

static interp_builtin_fn user_impl(const char *name)
{
	int i = table_index(name);
	return i < 0 ? NULL : table[i].fn;
}

bool interp_builtin(struct interp *I, struct expr *call, struct ival *args, uint32_t nargs,
		    struct ival *out)
{
	struct functiondecl *fn = call->u.call.decl;
	interp_builtin_fn impl = fn->bpf_builtin ? user_impl(fn->bpf_builtin) : NULL;
	if (!impl)
		return interp_errorf(I, call->tok, "function '%s' is not available here", fn->name);
	*out = fn->type == TYPE_STRING ? (struct ival){ .s = "", .len = 0 } : (struct ival){ 0 };
	return impl(I, call, args, nargs, out);
}

bool interp_builtin_available(const char *name)
{
	return user_impl(name) != NULL;
}

bool interp_builtin_wants_kernel(const char *name)
{
	int i = table_index(name);
	return i < 0 || table[i].kernel;
}
