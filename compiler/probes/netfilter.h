/*
 * netfilter: the data of netfilter.hook("HOOK").pf("PF")[.priority("P")]
 * derived probes (probes.md §2.10).
 *
 * Names are kept as written (the kernel-module back end can use them as C
 * identifiers, which is what guru mode's arbitrary names are for); the
 * numbers are filled in for the names ctap knows (`known`), which is every
 * name accepted outside guru mode.
 */
#ifndef CTAP_PROBES_NETFILTER_H
#define CTAP_PROBES_NETFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "elab/family.h"

/* ACCESS_FAMILY values: the nf_hookfn arguments */
enum netfilter_var {
	NETFILTER_VAR_HOOKNUM,   /* $hooknum: long */
	NETFILTER_VAR_SKB,       /* $skb: struct sk_buff* */
	NETFILTER_VAR_IN,        /* $in: struct net_device* (may be 0) */
	NETFILTER_VAR_OUT,       /* $out: struct net_device* (may be 0) */
	NETFILTER_VAR_VERDICT,   /* $verdict: long, guru only, writable there;
	                          * starts as NF_ACCEPT (1); 0 = NF_DROP */
};

struct netfilter_data {
	const char *hook;        /* "NF_INET_PRE_ROUTING" */
	const char *pf;          /* "NFPROTO_IPV4" */
	const char *priority;    /* "0", "-1", "NF_IP_PRI_FIRST" */
	bool known;              /* the numbers below are valid */
	int hooknum;             /* NF_INET_PRE_ROUTING = 0 ... */
	int pf_num;              /* NFPROTO_IPV4 = 2, IPV6 = 10, ARP = 3, BRIDGE = 7 */
	int64_t priority_num;
};

extern const struct probe_family netfilter_family;

#endif
