/*
 * urt: the user-space run-time of the BPF back end (see urt.h).
 */
#include "bpf/urt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpfmc/ir.h"
#include "bpf/load.h"
#include "output/outfile.h"
#include "bpf/loop.h"
#include "common/format.h"
#include "diag/diag.h"
#include "session.h"
#include "util/arena.h"
#include "util/strbuf.h"

#define OUT_BUF (64u << 10)

static uint32_t align8(uint32_t x)
{
	return (x + 7) & ~7u;
}

/* ------------------------------------------------------------ output */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int out_flush_hook(struct outbuf *ob)
{
	struct urt *u = ob->flush_arg;
	if (ob->len)
		outfile_write(&u->out, ob->buf, ob->len);
	ob->len = 0;
	return 0;
}

struct outbuf *urt_out(struct urt *u)
{
	return &u->ob;
}

void urt_flush(struct urt *u)
{
	out_flush_hook(&u->ob);
}

static bool open_output(struct urt *u)
{
	const struct options *o = &u->s->opts;
	char msg[PATH_MAX + 128];
	if (!outfile_open(&u->out, o->output_file, o->file_switch_mb, o->file_switch_keep, msg,
			  sizeof(msg))) {
		diag_report(&u->s->diag, DIAG_ERROR, D_RUN, NULL, "%s", msg);
		return false;
	}
	u->ocap = OUT_BUF;
	u->obuf = xmalloc(u->ocap);
	outbuf_init(&u->ob, u->obuf, u->ocap);
	u->ob.flush = out_flush_hook;
	u->ob.flush_arg = u;
	return true;
}

static int mem_unreadable(void *arg, void *dst, uint64_t addr, uint32_t len, int user)
{
	(void)arg, (void)dst, (void)addr, (void)len, (void)user;
	return 1;
}

int urt_format(struct outbuf *ob, const struct print_format *pf, const struct fmt_arg *args,
	       uint32_t n, uint64_t *fault_addr)
{
	if (pf->flags & PRINT_FORMAT) {
		struct format_mem mem = { mem_unreadable, NULL, 0 };
		int rc = format_printf(ob, pf->format, pf->format_len, args, n, &mem);
		*fault_addr = mem.fault_addr;
		return rc;
	}
	format_print(ob, args, n, pf->delim, pf->delim ? pf->delim_len : 0,
		     (pf->flags & PRINT_NEWLINE) != 0);
	return FORMAT_OK;
}

void urt_expand_args(struct urt *u, struct fmt_arg *args, uint32_t n)
{
	uint32_t used = 0;
	for (uint32_t i = 0; i < n && used < URT_EXPAND_MAX; i++) {
		if (args[i].kind != FMT_ARG_STRING || !memchr(args[i].str, SYMDEFER_MARK, args[i].len))
			continue;
		if (!u->expanded)
			u->expanded = xcalloc(URT_EXPAND_MAX, sizeof(*u->expanded));
		u->syms.maxstringlen = u->pl->lim.maxstringlen;
		struct strbuf *x = &u->expanded[used++];
		strbuf_reset(x);
		symdefer_expand(&u->syms, args[i].str, args[i].len, x);
		args[i] = fmt_arg_strn(x->buf ? x->buf : "", (uint32_t)x->len);
	}
}

/* ------------------------------------------------------------ open/close */

struct urt *urt_open(struct bpf_plan *pl, struct load_ctx *lc)
{
	struct urt *u = xcalloc(1, sizeof(*u));
	u->pl = pl;
	u->s = pl->s;
	u->lc = lc;
	if (!open_output(u)) {
		free(u);
		return NULL;
	}
	if (load_map(lc, pl->gmap) < 0) {
		urt_close(u);
		return NULL;
	}
	long page = sysconf(_SC_PAGESIZE);
	u->gmem_len = ((size_t)align8(pl->globals_size) + (size_t)page - 1) & ~((size_t)page - 1);
	void *m = mmap(NULL, u->gmem_len, PROT_READ | PROT_WRITE, MAP_SHARED, pl->gmap->fd, 0);
	if (m == MAP_FAILED) {
		diag_report(&u->s->diag, DIAG_ERROR, D_RUN, NULL,
			    "cannot map the globals of the script: %s", strerror(errno));
		u->gmem_len = 0;
		urt_close(u);
		return NULL;
	}
	u->gmem = m;
	u->head = m;
	if (pl->smap && load_map(lc, pl->smap) < 0) {
		urt_close(u);
		return NULL;
	}
	vec_foreach(&pl->globals, i) {
		struct bvar *v = pl->globals.items[i];
		if (v->kind == BV_ARRAY && load_map(lc, v->map) < 0) {
			urt_close(u);
			return NULL;
		}
	}
	size_t biggest = align8(pl->stats_size);
	vec_foreach(&pl->globals, i) {
		struct bvar *v = pl->globals.items[i];
		if (v->kind == BV_ARRAY && align8(v->value_size) > biggest)
			biggest = align8(v->value_size);
	}
	u->pcpu_len = biggest * (size_t)pl->ncpus + 8;
	u->pcpu = xcalloc(1, u->pcpu_len);
	return u;
}

static void urt_orders_free(struct urt *u);

void urt_close(struct urt *u)
{
	if (!u)
		return;
	if (u->obuf)
		urt_flush(u);
	if (u->gmem)
		munmap(u->gmem, u->gmem_len);
	outfile_close(&u->out, u->s->opts.suppress_warnings && !u->out.err ? NULL : stderr);
	vec_foreach(&u->warned, i)
		free(u->warned.items[i]);
	vec_free_heap(&u->warned);
	vec_foreach(&u->system_held, i)
		free(u->system_held.items[i]);
	vec_free_heap(&u->system_held);
	free(u->obuf);
	free(u->pcpu);
	urt_orders_free(u);
	symdefer_close(&u->syms);
	if (u->expanded)
		for (int i = 0; i < URT_EXPAND_MAX; i++)
			strbuf_free(&u->expanded[i]);
	free(u->expanded);
	free(u);
}

/* ------------------------------------------------------------ messages */

enum rt_state urt_state(const struct urt *u)
{
	return (enum rt_state)__atomic_load_n(&u->head->state, __ATOMIC_ACQUIRE);
}

void urt_set_state(struct urt *u, enum rt_state st)
{
	__atomic_store_n(&u->head->state, (uint64_t)st, __ATOMIC_RELEASE);
}

void urt_request_exit(struct urt *u)
{
	uint64_t st = __atomic_load_n(&u->head->state, __ATOMIC_ACQUIRE);
	if (st == RT_RUNNING || st == RT_STARTING)
		__atomic_compare_exchange_n(&u->head->state, &st, RT_STOPPING, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	if (u->lp)
		loop_request_exit(u->lp);
}

static void put_message(struct urt *u, const char *prefix, const char *msg, uint32_t len,
			const struct token *tok)
{
	urt_flush(u);
	/* kernel addresses a BPF handler left in the text (symdefer.h) */
	struct strbuf x = STRBUF_INIT;
	u->syms.maxstringlen = u->pl->lim.maxstringlen;
	if (symdefer_expand(&u->syms, msg, len, &x)) {
		msg = x.buf ? x.buf : "";
		len = (uint32_t)x.len;
	}
	char where[512] = "";
	if (tok)
		diag_describe_token_full(&u->s->diag, tok, where, sizeof(where));
	size_t n = strlen(prefix) + len + strlen(where) + 16;
	char *line = xmalloc(n);
	size_t k = (size_t)snprintf(line, n, "%s%.*s%s%s\n", prefix, (int)len, msg,
				    tok ? " near " : "", where);
	write_all(2, line, k < n ? k : n - 1);
	free(line);
	strbuf_free(&x);
}

void urt_error(struct urt *u, const char *msg, uint32_t len, const struct token *tok, bool count)
{
	if (!u->s->opts.suppress_handler_errors)
		put_message(u, "ERROR: ", msg, len, tok);
	if (!count)
		return;
	uint64_t n = __atomic_add_fetch(&u->head->errors, 1, __ATOMIC_ACQ_REL);
	if (!u->s->opts.suppress_handler_errors && (int64_t)n > u->pl->lim.maxerrors) {
		urt_set_state(u, RT_ERROR);
		if (u->lp)
			loop_request_exit(u->lp);
	}
}

void urt_warn(struct urt *u, const char *msg, uint32_t len)
{
	if (u->s->opts.suppress_warnings)
		return;
	if (!options_verbose(&u->s->opts, 5)) {
		vec_foreach(&u->warned, i) {
			const char *w = u->warned.items[i];
			if (strlen(w) == len && !memcmp(w, msg, len))
				return;
		}
		if (u->warned.len < 1024) {
			char *c = xmalloc(len + 1);
			memcpy(c, msg, len);
			c[len] = 0;
			vec_push_heap(&u->warned, c);
		}
	}
	put_message(u, "WARNING: ", msg, len, NULL);
}

/* ------------------------------------------------------------ scalars */

int64_t urt_get_long(struct urt *u, const struct bvar *v)
{
	return __atomic_load_n((int64_t *)(u->gmem + v->off), __ATOMIC_RELAXED);
}

void urt_set_long(struct urt *u, const struct bvar *v, int64_t x)
{
	__atomic_store_n((int64_t *)(u->gmem + v->off), x, __ATOMIC_RELAXED);
}

int64_t urt_add_long(struct urt *u, const struct bvar *v, int64_t x)
{
	return (int64_t)__atomic_add_fetch((uint64_t *)(u->gmem + v->off), (uint64_t)x,
					   __ATOMIC_RELAXED);
}

const char *urt_get_string(struct urt *u, const struct bvar *v, uint32_t *len)
{
	const char *p = (const char *)u->gmem + v->off;
	*len = (uint32_t)strnlen(p, v->width);
	return p;
}

void urt_set_string(struct urt *u, const struct bvar *v, const char *s, uint32_t len)
{
	char *p = (char *)u->gmem + v->off;
	if (len > v->width - 1)
		len = v->width - 1;
	memmove(p, s, len);
	memset(p + len, 0, v->width - len);
}

static int64_t parse_long(const char *t, bool *ok)
{
	char *end;
	errno = 0;
	long long x = strtoll(t, &end, 0);
	if (errno == ERANGE) {
		unsigned long long y = strtoull(t, &end, 0);
		x = (long long)y;
		errno = 0;
	}
	*ok = !errno && *end == 0 && end != t;
	return x;
}

bool urt_init_globals(struct urt *u)
{
	memset(u->gmem, 0, u->pl->globals_size);
	vec_foreach(&u->pl->globals, i) {
		struct bvar *v = u->pl->globals.items[i];
		const struct expr *init = v->decl->init;
		if (v->kind == BV_LONG) {
			int64_t x = init && init->kind == EXPR_NUMBER ? init->u.num : 0;
			if (v->init_text) {
				bool ok;
				x = parse_long(v->init_text, &ok);
				if (!ok) {
					diag_report(&u->s->diag, DIAG_ERROR, D_RUN, NULL,
						    "invalid value '%s' for global '%s' (-G): not a number",
						    v->init_text, v->decl->name);
					return false;
				}
			}
			urt_set_long(u, v, x);
		} else if (v->kind == BV_STRING) {
			if (v->init_text)
				urt_set_string(u, v, v->init_text, (uint32_t)strlen(v->init_text));
			else if (init && init->kind == EXPR_STRING)
				urt_set_string(u, v, init->u.str.val, init->u.str.len);
		} else if (v->init_text) {
			diag_report(&u->s->diag, DIAG_ERROR, D_RUN, NULL,
				    "global '%s' cannot be set with -G: it is not a scalar",
				    v->decl->name);
			return false;
		}
	}
	vec_foreach(&u->s->opts.globals_set, i) {
		const char *g = u->s->opts.globals_set.items[i];
		const char *eq = strchr(g, '=');
		bool found = false;
		vec_foreach(&u->pl->globals, j) {
			const char *n = u->pl->globals.items[j]->decl->name;
			if (eq && strlen(n) == (size_t)(eq - g) && !strncmp(n, g, (size_t)(eq - g)))
				found = true;
		}
		if (!found) {
			char msg[256];
			int n = snprintf(msg, sizeof(msg), "global variable '%.*s' not found (-G)",
					 eq ? (int)(eq - g) : (int)strlen(g), g);
			urt_warn(u, msg, (uint32_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1));
		}
	}
	return true;
}

/* ------------------------------------------------------------ per-CPU values */

static uint8_t *percpu_lookup(struct urt *u, int fd, const void *key, uint32_t value_size)
{
	size_t need = (size_t)align8(value_size) * (size_t)u->pl->ncpus;
	if (need > u->pcpu_len) {
		u->pcpu = xrealloc(u->pcpu, need);
		u->pcpu_len = need;
	}
	if (bpf_map_lookup_elem(fd, key, u->pcpu))
		return NULL;
	return u->pcpu;
}

/* User-space handlers accumulate in CPU 0's slot: one handler's samples
 * stay on one CPU, as they do in a kernel handler (and @variance, which
 * depends on how samples spread over CPUs, stays reproducible). */
static int this_cpu(struct urt *u)
{
	(void)u;
	return 0;
}

bool urt_stats_get(struct urt *u, const struct bvar *v, const void *key, struct stats_agg *g,
		   int64_t *buckets)
{
	stats_agg_init(&v->sdesc, g, buckets);
	uint32_t zero = 0;
	int fd = key ? v->map->fd : u->pl->smap->fd;
	uint32_t vs = key ? v->value_size : u->pl->stats_size;
	uint8_t *all = percpu_lookup(u, fd, key ? key : &zero, vs);
	if (!all)
		return false;
	uint32_t off = key ? BV_VALUE_OFF : v->off;
	for (int c = 0; c < u->pl->ncpus; c++) {
		const struct stats_acc *a = (const void *)(all + (size_t)c * align8(vs) + off);
		stats_agg_add(&v->sdesc, g, a);
	}
	return true;
}

int urt_stats_add(struct urt *u, const struct bvar *v, const void *key, int64_t n)
{
	uint32_t zero = 0;
	int fd = key ? v->map->fd : u->pl->smap->fd;
	uint32_t vs = key ? v->value_size : u->pl->stats_size;
	size_t stride = align8(vs);
	uint8_t *all = percpu_lookup(u, fd, key ? key : &zero, vs);
	bool fresh = false;
	if (!all) {
		all = u->pcpu;
		memset(all, 0, stride * (size_t)u->pl->ncpus);
		fresh = true;
	}
	int c = this_cpu(u);
	uint8_t *mine = all + (size_t)c * stride;
	if (fresh && key)
		*(uint64_t *)mine = __atomic_add_fetch(&u->head->seq, 1, __ATOMIC_RELAXED);
	stats_add(&v->sdesc, (struct stats_acc *)(mine + (key ? BV_VALUE_OFF : v->off)), n);
	if (bpf_map_update_elem(fd, key ? key : &zero, all, BPF_ANY))
		return -errno;
	return 0;
}

void urt_stats_clear(struct urt *u, const struct bvar *v)
{
	uint32_t zero = 0;
	uint8_t *all = percpu_lookup(u, u->pl->smap->fd, &zero, u->pl->stats_size);
	if (!all)
		return;
	size_t stride = align8(u->pl->stats_size);
	for (int c = 0; c < u->pl->ncpus; c++)
		memset(all + (size_t)c * stride + v->off, 0, stats_acc_size(&v->sdesc));
	bpf_map_update_elem(u->pl->smap->fd, &zero, all, BPF_ANY);
}

/* ------------------------------------------------------------ arrays */

bool urt_key(const struct bvar *v, const struct ival *keys, uint8_t *buf)
{
	memset(buf, 0, v->key_size);
	for (uint32_t i = 0; i < v->nkeys; i++) {
		if (v->ktype[i] == TYPE_STRING) {
			if (keys[i].len >= v->kwidth[i])
				return false;
			memcpy(buf + v->koff[i], keys[i].s, keys[i].len);
		} else {
			memcpy(buf + v->koff[i], &keys[i].n, 8);
		}
	}
	return true;
}

struct ival urt_key_col(const struct bvar *v, const uint8_t *key, uint32_t i)
{
	struct ival r = { 0 };
	if (v->ktype[i] == TYPE_STRING) {
		r.s = (const char *)key + v->koff[i];
		r.len = (uint32_t)strnlen(r.s, v->kwidth[i]);
	} else {
		memcpy(&r.n, key + v->koff[i], 8);
	}
	return r;
}

static struct ival decode_value(const struct bvar *v, const uint8_t *val)
{
	struct ival r = { 0 };
	if (v->type == TYPE_STRING) {
		r.s = (const char *)val + BV_VALUE_OFF;
		r.len = (uint32_t)strnlen(r.s, v->width);
	} else {
		memcpy(&r.n, val + BV_VALUE_OFF, 8);
	}
	return r;
}

bool urt_elem_get(struct urt *u, const struct bvar *v, const uint8_t *key, struct ival *out)
{
	uint8_t *val = u->pcpu;
	if (bpf_map_lookup_elem(v->map->fd, key, val))
		return false;
	*out = decode_value(v, val);
	return true;
}

bool urt_elem_exists(struct urt *u, const struct bvar *v, const uint8_t *key)
{
	if (v->percpu)
		return percpu_lookup(u, v->map->fd, key, v->value_size) != NULL;
	return bpf_map_lookup_elem(v->map->fd, key, u->pcpu) == 0;
}

static bool evict_oldest(struct urt *u, const struct bvar *v)
{
	uint8_t *cur = xmalloc(v->key_size), *next = xmalloc(v->key_size);
	uint8_t *best = xmalloc(v->key_size);
	uint64_t best_seq = UINT64_MAX;
	bool have = false, first = true;
	while (bpf_map_get_next_key(v->map->fd, first ? NULL : cur, next) == 0) {
		first = false;
		memcpy(cur, next, v->key_size);
		uint64_t seq;
		if (bpf_map_lookup_elem(v->map->fd, cur, u->pcpu))
			continue;
		memcpy(&seq, u->pcpu, 8);
		if (seq < best_seq) {
			best_seq = seq;
			memcpy(best, cur, v->key_size);
			have = true;
		}
	}
	if (have)
		bpf_map_delete_elem(v->map->fd, best);
	free(cur);
	free(next);
	free(best);
	return have;
}

int urt_elem_set(struct urt *u, const struct bvar *v, const uint8_t *key, const struct ival *val)
{
	uint32_t vs = v->value_size;
	uint8_t *buf = xcalloc(1, vs);
	int err = 0;
	uint64_t seq = 0;
	if (bpf_map_lookup_elem(v->map->fd, key, u->pcpu) == 0)
		memcpy(&seq, u->pcpu, 8);
	if (v->type == TYPE_STRING) {
		uint32_t n = val->len < v->width - 1 ? val->len : v->width - 1;
		memcpy(buf + BV_VALUE_OFF, val->s, n);
	} else {
		memcpy(buf + BV_VALUE_OFF, &val->n, 8);
	}
	if (seq) {
		memcpy(buf, &seq, 8);
		if (bpf_map_update_elem(v->map->fd, key, buf, BPF_ANY))
			err = -errno;
		goto out;
	}
	seq = __atomic_add_fetch(&u->head->seq, 1, __ATOMIC_RELAXED);
	memcpy(buf, &seq, 8);
	for (int tries = 0; tries < 4; tries++) {
		if (bpf_map_update_elem(v->map->fd, key, buf, BPF_ANY) == 0) {
			err = 0;
			break;
		}
		err = -errno;
		if (err != -E2BIG || !v->wrap || !evict_oldest(u, v))
			break;
	}
out:
	free(buf);
	return err;
}

void urt_elem_delete(struct urt *u, const struct bvar *v, const uint8_t *key)
{
	(void)u;
	bpf_map_delete_elem(v->map->fd, key);
}

void urt_array_clear(struct urt *u, const struct bvar *v)
{
	(void)u;
	uint8_t *k = xmalloc(v->key_size);
	while (bpf_map_get_next_key(v->map->fd, NULL, k) == 0)
		if (bpf_map_delete_elem(v->map->fd, k))
			break;
	free(k);
}

const char *urt_overflow_msg(const struct bvar *v, char *buf, size_t size)
{
	if (v->sized)
		snprintf(buf, size, "Array overflow, check size limit (%u)", v->capacity);
	else
		snprintf(buf, size, "Array overflow, check MAXMAPENTRIES");
	return buf;
}

static int by_order(const void *a, const void *b)
{
	const struct urt_elem *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* ------------------------------------------------------------ array order */

/* An array's order after a sort: (insertion number, position) pairs
 * sorted by insertion number.  Insertion numbers are never reused, so a
 * deleted and re-inserted key is "inserted later". */
struct urt_rank {
	uint64_t seq;
	uint64_t pos;
};

struct urt_order {
	const struct bvar *v;
	struct urt_rank *ranks;
	uint32_t n;
};

static void urt_orders_free(struct urt *u)
{
	vec_foreach(&u->orders, i) {
		free(u->orders.items[i]->ranks);
		free(u->orders.items[i]);
	}
	vec_free_heap(&u->orders);
}

static struct urt_order *order_of(struct urt *u, const struct bvar *v)
{
	vec_foreach(&u->orders, i)
		if (u->orders.items[i]->v == v)
			return u->orders.items[i];
	return NULL;
}

static int by_rank_seq(const void *a, const void *b)
{
	const struct urt_rank *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void urt_set_order(struct urt *u, const struct bvar *v, const uint64_t *seqs, uint32_t n)
{
	struct urt_order *o = order_of(u, v);
	if (!o) {
		o = xcalloc(1, sizeof(*o));
		o->v = v;
		vec_push_heap(&u->orders, o);
	}
	free(o->ranks);
	o->ranks = xmalloc(sizeof(*o->ranks) * (n + 1));
	for (uint32_t i = 0; i < n; i++)
		o->ranks[i] = (struct urt_rank){ .seq = seqs[i], .pos = i };
	qsort(o->ranks, n, sizeof(*o->ranks), by_rank_seq);
	o->n = n;
}

/* Position: the rank a sort gave it, else after every ranked element in
 * insertion order. */
static uint64_t order_pos(const struct urt_order *o, uint64_t seq)
{
	if (!o)
		return seq;
	uint32_t lo = 0, hi = o->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (o->ranks[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < o->n && o->ranks[lo].seq == seq)
		return o->ranks[lo].pos;
	return o->n + seq;
}

bool urt_snapshot(struct urt *u, const struct bvar *v, struct urt_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	uint32_t cap = 64, n = 0;
	size_t ksz = v->key_size;
	size_t vsz = align8(v->value_size);
	uint32_t nb = v->percpu ? v->sdesc.nbuckets : 0;
	size_t per = align8((uint32_t)ksz) + (v->percpu ? nb * 8 : vsz);
	uint8_t *mem = xmalloc(per * cap);
	uint8_t *cur = xmalloc(ksz);
	bool first = true;
	struct urt_elem *el = xmalloc(sizeof(*el) * cap);
	while (bpf_map_get_next_key(v->map->fd, first ? NULL : cur, cur) == 0) {
		first = false;
		if (n == cap) {
			cap *= 2;
			uint8_t *nm = xrealloc(mem, per * cap);
			/* rebase pointers into the moved block */
			for (uint32_t i = 0; i < n; i++) {
				el[i].key = nm + (el[i].key - mem);
				if (el[i].buckets)
					el[i].buckets = (int64_t *)(nm + ((uint8_t *)el[i].buckets - mem));
				if (el[i].val.s)
					el[i].val.s = (const char *)nm + (el[i].val.s - (const char *)mem);
			}
			mem = nm;
			el = xrealloc(el, sizeof(*el) * cap);
		}
		uint8_t *slot = mem + per * n;
		struct urt_elem *e = &el[n];
		memset(e, 0, sizeof(*e));
		memcpy(slot, cur, ksz);
		e->key = slot;
		uint8_t *vbuf = slot + align8((uint32_t)ksz);
		if (v->percpu) {
			e->buckets = nb ? (int64_t *)vbuf : NULL;
			stats_agg_init(&v->sdesc, &e->agg, e->buckets);
			uint8_t *all = percpu_lookup(u, v->map->fd, cur, v->value_size);
			if (!all)
				continue;
			for (int c = 0; c < u->pl->ncpus; c++) {
				const uint8_t *pc = all + (size_t)c * vsz;
				uint64_t s;
				memcpy(&s, pc, 8);
				if (s > e->seq)
					e->seq = s;
				stats_agg_add(&v->sdesc, &e->agg,
					      (const struct stats_acc *)(pc + BV_VALUE_OFF));
			}
		} else {
			if (bpf_map_lookup_elem(v->map->fd, cur, vbuf))
				continue;
			memcpy(&e->seq, vbuf, 8);
			e->val = decode_value(v, vbuf);
		}
		n++;
	}
	free(cur);
	const struct urt_order *o = v->percpu ? NULL : order_of(u, v);
	for (uint32_t i = 0; i < n; i++)
		el[i].order = order_pos(o, el[i].seq);
	qsort(el, n, sizeof(*el), by_order);
	snap->elems = el;
	snap->n = n;
	snap->mem = mem;
	return true;
}

void urt_snapshot_free(struct urt_snapshot *snap)
{
	free(snap->elems);
	free(snap->mem);
	memset(snap, 0, sizeof(*snap));
}
