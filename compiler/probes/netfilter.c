/*
 * netfilter: netfilter.hook("HOOK").pf("PF")[.priority("P")] and
 * netfilter.pf("PF").hook("HOOK")[.priority("P")] (probes.md §2.10).
 *
 * Outside guru mode the protocol family, the hook (per family) and a
 * named priority must be ones the kernel defines; a numeric priority is
 * always fine.  pp() keeps the order the script wrote.
 */
#include "probes/netfilter.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "elab/elab.h"
#include "elab/typeinfo.h"
#include "session.h"
#include "target/target.h"
#include "util/arena.h"

static const char *const patterns[] = {
	"netfilter.hook(string).pf(string)",
	"netfilter.hook(string).pf(string).priority(string)",
	"netfilter.pf(string).hook(string)",
	"netfilter.pf(string).hook(string).priority(string)",
	NULL,
};

struct named { const char *name; int64_t value; };

static const struct named families[] = {
	{ "NFPROTO_IPV4", 2 }, { "NFPROTO_ARP", 3 }, { "NFPROTO_BRIDGE", 7 },
	{ "NFPROTO_IPV6", 10 }, { NULL, 0 },
};

static const struct named inet_hooks[] = {
	{ "NF_INET_PRE_ROUTING", 0 }, { "NF_INET_LOCAL_IN", 1 }, { "NF_INET_FORWARD", 2 },
	{ "NF_INET_LOCAL_OUT", 3 }, { "NF_INET_POST_ROUTING", 4 },
	{ "NF_IP_PRE_ROUTING", 0 }, { "NF_IP_LOCAL_IN", 1 }, { "NF_IP_FORWARD", 2 },
	{ "NF_IP_LOCAL_OUT", 3 }, { "NF_IP_POST_ROUTING", 4 }, { NULL, 0 },
};
static const struct named ip6_hooks[] = {
	{ "NF_IP6_PRE_ROUTING", 0 }, { "NF_IP6_LOCAL_IN", 1 }, { "NF_IP6_FORWARD", 2 },
	{ "NF_IP6_LOCAL_OUT", 3 }, { "NF_IP6_POST_ROUTING", 4 }, { NULL, 0 },
};
static const struct named arp_hooks[] = {
	{ "NF_ARP_IN", 0 }, { "NF_ARP_OUT", 1 }, { "NF_ARP_FORWARD", 2 }, { NULL, 0 },
};
static const struct named br_hooks[] = {
	{ "NF_BR_PRE_ROUTING", 0 }, { "NF_BR_LOCAL_IN", 1 }, { "NF_BR_FORWARD", 2 },
	{ "NF_BR_LOCAL_OUT", 3 }, { "NF_BR_POST_ROUTING", 4 }, { "NF_BR_BROUTING", 5 },
	{ NULL, 0 },
};

/* include/uapi/linux/netfilter_ipv4.h, netfilter_ipv6.h, netfilter_bridge.h */
static const struct named ip_prios[] = {
	{ "NF_IP_PRI_FIRST", INT_MIN }, { "NF_IP_PRI_RAW_BEFORE_DEFRAG", -450 },
	{ "NF_IP_PRI_CONNTRACK_DEFRAG", -400 }, { "NF_IP_PRI_RAW", -300 },
	{ "NF_IP_PRI_SELINUX_FIRST", -225 }, { "NF_IP_PRI_CONNTRACK", -200 },
	{ "NF_IP_PRI_MANGLE", -150 }, { "NF_IP_PRI_NAT_DST", -100 }, { "NF_IP_PRI_FILTER", 0 },
	{ "NF_IP_PRI_SECURITY", 50 }, { "NF_IP_PRI_NAT_SRC", 100 },
	{ "NF_IP_PRI_SELINUX_LAST", 225 }, { "NF_IP_PRI_CONNTRACK_HELPER", 300 },
	{ "NF_IP_PRI_CONNTRACK_CONFIRM", INT_MAX }, { "NF_IP_PRI_LAST", INT_MAX }, { NULL, 0 },
};
static const struct named ip6_prios[] = {
	{ "NF_IP6_PRI_FIRST", INT_MIN }, { "NF_IP6_PRI_RAW_BEFORE_DEFRAG", -450 },
	{ "NF_IP6_PRI_CONNTRACK_DEFRAG", -400 }, { "NF_IP6_PRI_RAW", -300 },
	{ "NF_IP6_PRI_SELINUX_FIRST", -225 }, { "NF_IP6_PRI_CONNTRACK", -200 },
	{ "NF_IP6_PRI_MANGLE", -150 }, { "NF_IP6_PRI_NAT_DST", -100 },
	{ "NF_IP6_PRI_FILTER", 0 }, { "NF_IP6_PRI_SECURITY", 50 },
	{ "NF_IP6_PRI_NAT_SRC", 100 }, { "NF_IP6_PRI_SELINUX_LAST", 225 },
	{ "NF_IP6_PRI_CONNTRACK_HELPER", 300 }, { "NF_IP6_PRI_LAST", INT_MAX }, { NULL, 0 },
};
static const struct named br_prios[] = {
	{ "NF_BR_PRI_FIRST", INT_MIN }, { "NF_BR_PRI_NAT_DST_BRIDGED", -300 },
	{ "NF_BR_PRI_FILTER_BRIDGED", -200 }, { "NF_BR_PRI_BRNF", 0 },
	{ "NF_BR_PRI_NAT_DST_OTHER", 100 }, { "NF_BR_PRI_FILTER_OTHER", 200 },
	{ "NF_BR_PRI_NAT_SRC", 300 }, { "NF_BR_PRI_LAST", INT_MAX }, { NULL, 0 },
};

static const struct named *lookup(const struct named *t, const char *name)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static bool parse_int(const char *s, int64_t *v)
{
	if (!*s)
		return false;
	errno = 0;
	char *end;
	long long x = strtoll(s, &end, 0);
	if (*end || errno || x < INT_MIN || x > INT_MAX)
		return false;
	*v = x;
	return true;
}

static int build(struct derive_ctx *ctx, const struct pp_match *m)
{
	struct elab *E = ctx->E;
	bool guru = E->s->opts.guru;
	struct netfilter_data *d = arena_new_obj(E->arena, struct netfilter_data);
	d->hook = pp_match_str(m, "hook");
	d->pf = pp_match_str(m, "pf");
	d->priority = pp_match_has(m, "priority") ? pp_match_str(m, "priority") : "0";

	const struct named *pf = lookup(families, d->pf);
	const struct named *hooks = NULL, *prios = NULL;
	if (pf) {
		switch (pf->value) {
		case 2: hooks = inet_hooks; prios = ip_prios; break;
		case 10: hooks = ip6_hooks; prios = ip6_prios; break;
		case 3: hooks = arp_hooks; break;
		case 7: hooks = br_hooks; prios = br_prios; break;
		}
	}
	const struct named *hook = lookup(hooks, d->hook);
	const struct named *prio = lookup(prios, d->priority);
	int64_t pnum = 0;
	bool prio_ok = prio || parse_int(d->priority, &pnum);
	if (prio)
		pnum = prio->value;
	d->known = pf && hook && prio_ok;
	if (d->known) {
		d->pf_num = (int)pf->value;
		d->hooknum = (int)hook->value;
		d->priority_num = pnum;
	}
	if (!guru) {
		if (!pf) {
			elab_point_error(E, m, NULL,
					 "unsupported netfilter protocol family \"%s\"; need stap -g",
					 d->pf);
			return -1;
		}
		if (!hook) {
			elab_point_error(E, m, NULL,
					 "unsupported netfilter hook \"%s\" for protocol family "
					 "\"%lld\"; need stap -g", d->hook, (long long)pf->value);
			return -1;
		}
		if (!prio_ok) {
			elab_point_error(E, m, NULL,
					 "unsupported netfilter priority \"%s\" for protocol family "
					 "\"%lld\"; need stap -g", d->priority, (long long)pf->value);
			return -1;
		}
	}
	struct expr *args[PP_MAX_COMPS] = { 0 };
	for (unsigned i = 0; i < m->ncomps; i++)
		args[i] = m->args[i] ? ast_expr_copy(E->arena, m->args[i]) : NULL;
	struct probe_point *pp = elab_make_point(E, m->point, m->ncomps, m->functors, args);
	elab_add_probe(ctx, &netfilter_family, pp, d);
	return 1;
}

static const char *const var_names[] = { "$hooknum", "$skb", "$in", "$out", "$verdict" };
static const char *const var_types[] = { "long", "struct sk_buff", "struct net_device",
					 "struct net_device", "long" };

static bool is_written(struct stmt *body, const struct expr *e);

static bool target_var(struct elab *E, struct derived_probe *dp, struct expr *e)
{
	if (e->kind != EXPR_TARGET)
		return false;
	int v = -1;
	for (int i = 0; i < 5 && !e->u.target.is_at_var; i++)
		if (!strcmp(e->u.target.name, var_names[i]))
			v = i;
	if (v < 0) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok, "unsupported context variable");
		return true;
	}
	bool written = is_written(dp->body, e);
	if (v == NETFILTER_VAR_VERDICT && !E->s->opts.guru) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "write to netfilter verdict requires guru mode; need stap -g");
		return true;
	}
	if (written && v != NETFILTER_VAR_VERDICT) {
		if (!E->quiet_targets)
			diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
				   "write to netfilter parameter not permitted");
		return true;
	}
	struct target_access *acc = arena_new_obj(E->arena, struct target_access);
	acc->base = ACCESS_FAMILY;
	acc->index = v;
	acc->base_size = 8;
	acc->base_signed = v == NETFILTER_VAR_HOOKNUM || v == NETFILTER_VAR_VERDICT;
	acc->ctype = v == NETFILTER_VAR_HOOKNUM || v == NETFILTER_VAR_VERDICT
			     ? "long"
			     : arena_printf(E->arena, "%s*", var_types[v]);
	if (e->u.target.comps.len || e->u.target.addressof) {
		struct target *t = elab_target(E);
		struct btf *btf = t ? target_btf(t) : NULL;
		int32_t id = 0;
		if (btf && (v == NETFILTER_VAR_SKB || v == NETFILTER_VAR_IN || v == NETFILTER_VAR_OUT))
			id = typeinfo_find_type(btf, var_types[v]);
		if (e->u.target.addressof && !e->u.target.comps.len) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "cannot take the address of netfilter variable '%s'",
					   var_names[v]);
			return true;
		}
		if (!id) {
			if (!E->quiet_targets)
				diag_error(E->diag, D_SEM_TARGET_VAR, e->tok,
					   "no type information (BTF) for '%s'", var_names[v]);
			return true;
		}
		/* $skb is a pointer: walk from the object it points to */
		if (!typeinfo_walk(E, btf, id, true, e, acc))
			return true;
	}
	if (acc->is_string)
		e->type = TYPE_STRING;
	e->u.target.resolved = acc;
	return true;
}

struct written {
	const struct expr *e;
	bool found;
};

static enum walk_result find_write(struct ast_walker *w, struct expr *x)
{
	struct written *f = w->data;
	if ((x->kind == EXPR_ASSIGN && x->u.assign.lhs == f->e) ||
	    (x->kind == EXPR_INCDEC && x->u.incdec.operand == f->e))
		f->found = true;
	return WALK_NEXT;
}

static bool is_written(struct stmt *body, const struct expr *e)
{
	struct written f = { e, false };
	struct ast_walker w = { .expr_pre = find_write, .data = &f };
	ast_walk_stmt(&w, body);
	return f.found;
}

static void list_vars(struct elab *E, struct derived_probe *dp, struct strbuf *out)
{
	(void)E;
	(void)dp;
	(void)out; /* SystemTap's -L lists none for netfilter probes */
}

const struct probe_family netfilter_family = {
	.name = "netfilter",
	.patterns = patterns,
	.build = build,
	.target_var = target_var,
	.list_vars = list_vars,
};
