/*
 * target/tracepoints: the target's tracepoints, whichever source fills the
 * table (tracefs.c for the running kernel, trace_headers.c for -r
 * releases, fixture.c for tests), loaded on the first tracepoint question.
 *
 * Output: matches sorted by system then name; each tracepoint's TP_PROTO
 * arguments, typed from BTF's btf_trace_<name> typedef (a pointer to a
 * function prototype whose first parameter is the tracepoint's `void *__data`,
 * the rest TP_PROTO's, with names) and, for the running kernel, the record
 * fields of its tracefs "format" file.  Arguments and fields are resolved
 * per matching tracepoint, on demand: listing names costs no BTF.
 *
 * syscalls:sys_enter_* / sys_exit_* are ftrace events built on the
 * raw_syscalls tracepoints, not tracepoints of their own; they are listed
 * (BPF attaches to them through perf) with `syscall` set, so a kernel-module
 * back end can refuse them or map them to raw_syscalls.
 */
#include "target/target_internal.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "util/arena.h"
#include "util/fileutil.h"

static bool load(struct target *t)
{
	if (t->tps_tried)
		return t->tps_found;
	t->tps_tried = true;
	bool ok;
	if (t->d->fixture_dir)
		ok = fixture_load_tracepoints(t);
	else if (t->d->running && tracefs_load(t))
		ok = true;
	else
		ok = trace_headers_load(t);
	if (ok)
		tptable_finish(&t->tps);
	t->tps_found = ok;
	return ok;
}

/* Names of TP_PROTO's parameters, in order: the last identifier of each
 * top-level comma-separated declaration ("struct task_struct *prev" ->
 * "prev"; "void (*fn)(void *)" -> "fn").  Applied only when the count
 * agrees with BTF's. */
static void name_args_from_proto(struct target *t, struct target_tracepoint *tp,
				 const char *proto)
{
	if (!proto)
		return;
	const char *p = strchr(proto, '(');
	const char *names[64];
	size_t lens[64];
	uint32_t n = 0;
	int depth = 0;
	const char *last = NULL;
	size_t last_len = 0;
	for (p = p ? p + 1 : proto; *p && n < 64; p++) {
		if (*p == '(' || *p == '[') {
			depth++;
		} else if ((*p == ')' || *p == ']') && depth > 0) {
			depth--;
		} else if ((*p == ',' && depth == 0) || (*p == ')' && depth == 0)) {
			names[n] = last;
			lens[n++] = last_len;
			last = NULL;
			if (*p == ')')
				break;
		} else if ((isalpha((unsigned char)*p) || *p == '_') && (depth == 0 || p[-1] == '*')) {
			size_t k = 0;
			while (isalnum((unsigned char)p[k]) || p[k] == '_')
				k++;
			last = p;
			last_len = k;
			p += k - 1;
		}
	}
	if (n != tp->nargs)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (names[i])
			tp->args[i].name = arena_strndup(t->arena, names[i], lens[i]);
}

/* Whether FUNC fn's parameters after the first have the types of proto's
 * after the first (both: void *__data, then TP_PROTO). */
static bool same_signature(const struct btf *btf, uint32_t fn, const struct btf_type *proto)
{
	const struct btf_type *f = btf__type_by_id(btf, fn);
	const struct btf_type *fp = f ? btf__type_by_id(btf, f->type) : NULL;
	if (!fp || btf_kind(fp) != BTF_KIND_FUNC_PROTO || btf_vlen(fp) != btf_vlen(proto))
		return false;
	for (uint16_t i = 1; i < btf_vlen(fp); i++)
		if (btf_params(fp)[i].type != btf_params(proto)[i].type)
			return false;
	return true;
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;
	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/* Names from the __bpf_trace_<class> function BPF_PROG glue defines for
 * each event class (its parameters keep their names even where pahole
 * left the btf_trace_ prototype unnamed).  The class of a DEFINE_EVENT
 * is not recorded anywhere: take __bpf_trace_<name> if it exists, else
 * the same-typed class whose name shares the longest prefix with the
 * event's ("sched_wakeup" -> sched_wakeup_template). */
static void name_args_from_glue(struct target *t, struct target_tracepoint *tp,
				const struct btf_type *proto)
{
	uint32_t best = 0;
	size_t best_len = 0;
	for (uint32_t i = 0; i < t->nbpf_trace_funcs; i++) {
		uint32_t fn = t->bpf_trace_funcs[i];
		const char *cls = btf__name_by_offset(t->btf, btf__type_by_id(t->btf, fn)->name_off) + 12;
		size_t len = strcmp(cls, tp->name) == 0 ? SIZE_MAX : common_prefix(cls, tp->name);
		if ((!best || len > best_len) && same_signature(t->btf, fn, proto)) {
			best = fn;
			best_len = len;
		}
	}
	if (!best)
		return;
	const struct btf_type *fp = btf__type_by_id(t->btf, btf__type_by_id(t->btf, best)->type);
	for (uint32_t i = 0; i < tp->nargs; i++) {
		const char *n = btf__name_by_offset(t->btf, btf_params(fp)[i + 1].name_off);
		if (n && *n)
			tp->args[i].name = arena_strdup(t->arena, n);
	}
}

/* TP_PROTO arguments from btf_trace_<name>: typedef -> ptr -> func_proto. */
static void resolve_args(struct target *t, struct tp_entry *e)
{
	e->args_done = true;
	/* syscalls:* events are ftrace events on raw_syscalls, with no
	 * btf_trace_ typedef: their arguments are the format's fields (and
	 * not loading BTF for them is a third of a syscall script's pass 2) */
	if (e->tp.syscall || !btf_load(t))
		return;
	btf_index_traces(t);
	int32_t id = (int32_t)(uintptr_t)namemap_get(&t->btf_traces, e->tp.name);
	if (!id)
		return;
	const struct btf_type *td = btf__type_by_id(t->btf, (uint32_t)id);
	const struct btf_type *ptr = td ? btf__type_by_id(t->btf, td->type) : NULL;
	if (!ptr || btf_kind(ptr) != BTF_KIND_PTR)
		return;
	e->tp.nargs = btf_params_of(t, (int32_t)ptr->type, 1, &e->tp.args);
	e->tp.args_known = true;
	/* older pahole leaves these prototypes' parameters unnamed: the
	 * release's own TP_PROTO text first (-r), then the BPF glue */
	if (e->tp.nargs && !*e->tp.args[0].name)
		name_args_from_proto(t, &e->tp, e->proto_text);
	if (e->tp.nargs && !*e->tp.args[0].name)
		name_args_from_glue(t, &e->tp, btf__type_by_id(t->btf, ptr->type));
}

static void resolve(struct target *t, struct tp_entry *e)
{
	if (!e->args_done)
		resolve_args(t, e);
	if (!e->fields_done) {
		e->fields_done = true;
		if (t->d->running)
			tracefs_load_fields(t, &e->tp);
	}
}

int target_tracepoints_match(struct target *t, const char *system_glob, const char *name_glob,
			     void (*cb)(void *ctx, const struct target_tracepoint *tp), void *ctx)
{
	if (!load(t))
		return -1;
	int count = 0;
	for (uint32_t i = 0; i < t->tps.n; i++) {
		struct tp_entry *e = &t->tps.e[i];
		if (system_glob && fnmatch(system_glob, e->tp.system, 0) != 0)
			continue;
		if (fnmatch(name_glob ? name_glob : "*", e->tp.name, 0) != 0)
			continue;
		count++;
		if (cb) {
			resolve(t, e);
			cb(ctx, &e->tp);
		}
	}
	return count;
}

const struct target_tracepoint *target_tracepoint(struct target *t, const char *system,
						  const char *name)
{
	if (!load(t))
		return NULL;
	struct tp_entry *e = tptable_find(&t->tps, system, name);
	if (!e)
		return NULL;
	resolve(t, e);
	return &e->tp;
}

bool target_has_tracepoints(struct target *t)
{
	return load(t);
}

const char *target_tracepoints_source(struct target *t)
{
	return load(t) ? t->tps_source : NULL;
}

const char *target_tracepoints_missing(struct target *t)
{
	load(t);
	return t->tps_why;
}
