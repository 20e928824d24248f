/*
 * record: acting on kernel records in user space (see record.h).
 *
 * A record may hold several items back to back (a handler that prints
 * more than once batches its output so that one hit's output stays
 * contiguous, as the kernel-module runtime's per-CPU print buffer keeps
 * it); every item starts with a struct rt_rec whose site fixes the length
 * of what follows.
 */
#include "bpf/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/translation.h"
#include "bpf/interp.h"
#include "bpf/keptstr.h"
#include "bpf/loop.h"
#include "bpf/rtdata.h"
#include "bpf/urt.h"
#include "bpf/ustack.h"
#include "common/format.h"
#include "common/hist_print.h"
#include "session.h"
#include "util/arena.h"
#include "util/signals.h"

struct record_printer {
	struct urt *u;
	struct interp *I;             /* deferred arguments (psite_arg.defer_fn) */
	struct bpf_translation *t;
	int64_t *buckets;
	uint32_t nbuckets;
	struct ustack *us;            /* made at the first user stack */
};

struct record_printer *record_printer_new(struct urt *u, struct bpf_translation *t)
{
	struct record_printer *rp = xcalloc(1, sizeof(*rp));
	rp->u = u;
	rp->t = t;
	rp->I = interp_new(u);
	return rp;
}

void record_printer_free(struct record_printer *rp)
{
	if (!rp)
		return;
	free(rp->buckets);
	ustack_free(rp->us);
	interp_free(rp->I);
	free(rp);
}

static struct fmt_arg payload_arg(struct record_printer *rp, const struct psite_arg *a,
				  const uint8_t *p)
{
	if (a->defer_fn && rp) {
		int64_t v[8];
		uint32_t n = a->defer_nargs < 8 ? a->defer_nargs : 8;
		memcpy(v, p + a->off, 8 * n);
		struct ival r;
		interp_apply(rp->I, a->defer_fn, v, n, &r);
		return fmt_arg_strn(r.s, r.len);
	}
	if (a->type == TYPE_STRING) {
		const char *s = (const char *)p + a->off;
		return fmt_arg_strn(s, (uint32_t)strnlen(s, a->width));
	}
	int64_t v;
	memcpy(&v, p + a->off, 8);
	return fmt_arg_long(v);
}

static void do_print(struct record_printer *rp, const struct psite *ps, const uint8_t *p)
{
	struct fmt_arg args[64];
	char *made[64];
	uint32_t n = ps->nargs > 64 ? 64 : ps->nargs;
	for (uint32_t i = 0; i < n; i++) {
		made[i] = NULL;
		const struct psite_arg *a = &ps->args[i];
		if (!a->ustack) {
			args[i] = payload_arg(rp, a, p);
			continue;
		}
		/* a user stack or symbol, made here (ustack.h) */
		uint32_t cap = rp->t->pl->lim.maxstringlen;
		if (!rp->us)
			rp->us = ustack_new(rp->u, rp->t);
		made[i] = xmalloc(cap);
		uint32_t len = ustack_string(rp->us, a->ustack, p + a->off, a->width, made[i], cap);
		args[i] = fmt_arg_strn(made[i], len);
	}
	urt_expand_args(rp->u, args, n); /* addresses the handler left to name */
	uint64_t fault;
	urt_format(urt_out(rp->u), ps->e->u.print, args, n, &fault);
	for (uint32_t i = 0; i < n; i++)
		free(made[i]);
	interp_release(rp->I);
}

/* An RTR_UKEEP record: the text made now, while the process is there,
 * and kept under the handle its string carries (keptstr.h). */
static void keep_ustack(struct record_printer *rp, uint32_t op, const uint8_t *p, uint32_t size)
{
	uint64_t handle;
	memcpy(&handle, p, 8);
	uint32_t cap = rp->t->pl->lim.maxstringlen;
	if (!rp->us)
		rp->us = ustack_new(rp->u, rp->t);
	char *text = xmalloc(cap);
	uint32_t len = ustack_string(rp->us, op, p + 8, size - 8, text, cap);
	keptstr_put(&rp->u->syms.kept, handle, text, len);
	free(text);
}

static void do_hist(struct record_printer *rp, const struct psite *ps, const uint8_t *p)
{
	struct urt *u = rp->u;
	struct expr *op = ps->hist->u.hist.operand;
	const struct bvar *v;
	uint8_t key[4096];
	const void *kp = NULL;
	if (op->kind == EXPR_INDEX) {
		v = plan_var(op->u.index.base->u.sym.decl);
		struct ival keys[BPF_MAX_KEYS];
		for (uint32_t i = 0; i < v->nkeys && i < ps->nargs; i++) {
			struct fmt_arg a = payload_arg(rp, &ps->args[i], p);
			keys[i] = (struct ival){ .n = a.num, .s = a.str, .len = a.len };
		}
		if (v->key_size > sizeof(key) || !urt_key(v, keys, key))
			return;
		kp = key;
	} else {
		v = plan_var(op->u.sym.decl);
	}
	if (v->hist_bad)
		return;
	if (rp->nbuckets < v->sdesc.nbuckets) {
		rp->buckets = xrealloc(rp->buckets, 8 * v->sdesc.nbuckets);
		rp->nbuckets = v->sdesc.nbuckets;
	}
	struct stats_agg g;
	if (!urt_stats_get(u, v, kp, &g, rp->buckets))
		stats_agg_init(&v->sdesc, &g, rp->buckets);
	if (stats_count(&g) == 0) {
		urt_error(u, "empty aggregate", 15, ps->hist->tok, true);
		return;
	}
	struct hist_params hp = { u->pl->lim.hist_width, u->pl->lim.hist_elision };
	hist_print(urt_out(u), &v->sdesc, &g, &hp);
}

/* The message template with {err} (first value, decimal), {addr} (second
 * value, hex) and {len} (second value, decimal) filled in. */
static int expand(char *out, size_t size, const char *tmpl, int64_t err, uint64_t addr)
{
	size_t n = 0;
	for (const char *t = tmpl; *t && n + 32 < size;) {
		if (!strncmp(t, "{addr}", 6)) {
			n += (size_t)snprintf(out + n, size - n, "0x%llx", (unsigned long long)addr);
			t += 6;
		} else if (!strncmp(t, "{len}", 5)) {
			n += (size_t)snprintf(out + n, size - n, "%lld", (long long)addr);
			t += 5;
		} else if (!strncmp(t, "{err}", 5)) {
			n += (size_t)snprintf(out + n, size - n, "%lld", (long long)err);
			t += 5;
		} else {
			out[n++] = *t++;
		}
	}
	out[n] = 0;
	return (int)n;
}

static void do_error(struct record_printer *rp, const struct esite *es, const uint8_t *p,
		     size_t avail)
{
	char msg[1024];
	int n = 0;
	uint64_t x = 0;
	switch (es->detail) {
	case ES_NONE:
		n = snprintf(msg, sizeof(msg), "%s", es->msg);
		break;
	case ES_ADDR:
	case ES_ERRNO_ADDR: {
		int64_t err = 0;
		if (es->detail == ES_ERRNO_ADDR && avail >= 16) {
			memcpy(&err, p, 8);
			memcpy(&x, p + 8, 8);
		} else if (avail >= 8) {
			memcpy(&x, p, 8);
		}
		n = expand(msg, sizeof(msg), es->msg, err, x);
		break;
	}
	case ES_STRING:
		n = snprintf(msg, sizeof(msg), "%.*s", (int)strnlen((const char *)p,
								  avail < es->width ? avail : es->width),
			     (const char *)p);
		break;
	}
	if (n < 0)
		n = 0;
	if (n >= (int)sizeof(msg))
		n = sizeof(msg) - 1;
	urt_error(rp->u, msg, (uint32_t)n, es->tok, false);
	if (urt_state(rp->u) == RT_ERROR && rp->u->lp)
		loop_request_exit(rp->u->lp);
}

void record_print(struct record_printer *rp, const void *data, size_t size)
{
	const uint8_t *p = data, *end = p + size;
	struct bpf_translation *t = rp->t;
	while (p + RT_REC_HDR <= end) {
		struct rt_rec h;
		memcpy(&h, p, sizeof(h));
		p += RT_REC_HDR;
		size_t avail = (size_t)(end - p);
		switch (h.kind) {
		case RTR_PRINT:
		case RTR_HIST: {
			if (!t || h.site >= t->psites.len)
				return;
			const struct psite *ps = t->psites.items[h.site];
			if (ps->size > avail)
				return;
			if (h.kind == RTR_PRINT)
				do_print(rp, ps, p);
			else
				do_hist(rp, ps, p);
			p += ps->size;
			break;
		}
		case RTR_ERROR: {
			if (!t || h.site >= t->esites.len)
				return;
			const struct esite *es = t->esites.items[h.site];
			do_error(rp, es, p, avail);
			return; /* an error ends the handler: nothing follows */
		}
		case RTR_EXIT:
			urt_request_exit(rp->u);
			break;
		case RTR_WARN:
		case RTR_SYSTEM: {
			uint32_t w = h.site;
			if (w > avail)
				return;
			char *s = xmalloc(w + 1);
			memcpy(s, p, w);
			s[w] = 0;
			if (h.kind == RTR_WARN)
				urt_warn(rp->u, s, (uint32_t)strlen(s));
			else {
				urt_system(rp->u, s);
			}
			free(s);
			p += (w + 7) & ~7u;
			break;
		}
		case RTR_USTACK: {
			if (!t)
				return;
			if (!rp->us)
				rp->us = ustack_new(rp->u, t);
			ustack_record(rp->us, h.site, p, avail);
			p += (RT_USTACK_HEAD + t->pl->lim.ustack_size + 7) & ~7u;
			break;
		}
		case RTR_UKEEP: {
			uint32_t need = 8 + rt_ustack_payload(h.site & 0xff, t ? t->pl->lim.ustack_size : 0);
			if (!t || need > avail)
				return;
			keep_ustack(rp, h.site & 0xff, p, need);
			p += (need + 7) & ~7u;
			break;
		}
		default:
			return;
		}
	}
}
