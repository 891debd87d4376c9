/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The storage network (struct xpan_storage_net in xpan_shared.h): every
 * node reaches the portal (xpan-iod on the host) from its own storage
 * address, through its own port, and nothing else crosses the subnet.
 *
 * Node side (storage_node_ip4, storage_node_arp), called by port_in before
 * the VLAN logic: frames that touch the subnet never reach the VLAN
 * forwarding or the source guard, so a storage address is never learned
 * as a VLAN address and no node reaches another through the subnet. The
 * node's ARP for the portal is answered here; its frames to the portal go
 * to the dataplane end of the storage veth.
 *
 * Storage port side (storage_in, TC at the dataplane end's ingress):
 * frames the host sends towards nodes. The host's ARP for a node's
 * storage address is answered with the node's MAC; portal -> node IPv4 is
 * sent to the node's port.
 *
 * Written over ctx.h like the port logic; the node side is compiled for
 * both hooks, storage_in only for TC (see docs/dataplane.md for why).
 */
#ifndef XPAN_STORAGE_H
#define XPAN_STORAGE_H

#include "ctx.h"
#include "parse.h"
#include "arp.h"
#include "counters.h"
#include "port_state.h"

/* The network, or NULL when it is off (then storage is VLAN traffic). */
static __always_inline const struct xpan_storage_net *storage_net(void)
{
	struct xpan_storage_net *sn;
	__u32 key = 0;

	sn = bpf_map_lookup_elem(&xpan_storage, &key);
	if (!sn || !(sn->flags & XPAN_STORAGE_F_ENABLED))
		return NULL;
	return sn;
}

static __always_inline bool storage_in_subnet(const struct xpan_storage_net *sn,
					      __be32 ip)
{
	return (ip & sn->mask) == sn->subnet;
}

static __always_inline struct xpan_storage_addr *storage_addr(__be32 ip)
{
	__be32 key = ip;

	return bpf_map_lookup_elem(&xpan_storage_addrs, &key);
}

static __always_inline int storage_drop(struct xpan_port_counters *st,
					enum xpan_drop_reason reason)
{
	stats_drop(st, reason);
	return CTX_DROP;
}

/*
 * Whether an IPv4 frame from a node is storage traffic: it touches the
 * subnet, or it is addressed to the portal's MAC (whatever its IPs, so
 * the portal cannot be reached around the checks with a foreign address).
 */
static __always_inline bool storage_ip4_is(const struct xpan_storage_net *sn,
					   const struct ethhdr *eth,
					   const struct iphdr *iph)
{
	return storage_in_subnet(sn, iph->daddr) ||
	       storage_in_subnet(sn, iph->saddr) ||
	       mac_eq(eth->h_dest, sn->portal_mac);
}

/* Node -> portal: from the port's own storage address to the portal. */
static __always_inline int storage_node_ip4(struct xpan_ctx *ctx,
					    const struct port_state *ps,
					    const struct xpan_storage_net *sn,
					    const struct ethhdr *eth,
					    const struct iphdr *iph)
{
	struct xpan_storage_addr *a = storage_addr(iph->saddr);

	if (!a || a->ifindex != ps->ingress)
		return storage_drop(ps->st, XPAN_DROP_STORAGE_SRC);
	if (iph->daddr != sn->portal_ip || !mac_eq(eth->h_dest, sn->portal_mac))
		return storage_drop(ps->st, XPAN_DROP_STORAGE_DST);
	stats_inc(ps->st, XPAN_CNT_STORAGE);
	return ctx_redirect(ctx, sn->ifindex);
}

static __always_inline bool storage_arp_is(const struct xpan_storage_net *sn,
					   __be32 spa, __be32 tpa)
{
	return storage_in_subnet(sn, tpa) || storage_in_subnet(sn, spa);
}

/*
 * A node's ARP in the subnet. Only one kind is legitimate: a request for
 * the portal from the port's own address (or 0.0.0.0, a probe), answered
 * here whether broadcast or unicast (a neighbour entry is refreshed with
 * unicast requests). Nobody else in the subnet is to be found, so every
 * other request, reply or announcement goes nowhere.
 */
static __always_inline int storage_node_arp(struct xpan_ctx *ctx,
					    const struct port_state *ps,
					    const struct xpan_storage_net *sn,
					    struct ethhdr *eth,
					    struct arp_eth_ip4 *arp,
					    __be32 spa, __be32 tpa)
{
	struct xpan_storage_addr *a;

	if (spa) {
		a = storage_addr(spa);
		if (!a || a->ifindex != ps->ingress)
			return storage_drop(ps->st, XPAN_DROP_STORAGE_SRC);
	}
	if (arp->op != bpf_htons(ARPOP_REQUEST_) || tpa != sn->portal_ip)
		return storage_drop(ps->st, XPAN_DROP_STORAGE_DST);
	arp_make_reply(eth, arp, sn->portal_mac, spa, tpa);
	stats_inc(ps->st, XPAN_CNT_ARP_REPLIES);
	return ctx_tx_back(ctx);
}

/* The host's ARP request for a node's storage address. */
static __always_inline int storage_host_arp(struct xpan_ctx *ctx,
					    struct xpan_port_counters *st,
					    struct ethhdr *eth,
					    struct arp_eth_ip4 *arp)
{
	__be32 spa = ip4_load(arp->spa), tpa = ip4_load(arp->tpa);
	struct xpan_storage_addr *a;

	if (arp->op != bpf_htons(ARPOP_REQUEST_))
		return storage_drop(st, XPAN_DROP_STORAGE_IN);
	a = storage_addr(tpa);
	if (!a)
		return storage_drop(st, XPAN_DROP_STORAGE_IN);
	arp_make_reply(eth, arp, a->mac, spa, tpa);
	stats_inc(st, XPAN_CNT_ARP_REPLIES);
	return ctx_tx_back(ctx);
}

/*
 * Portal -> node. The destination MAC is rewritten from xpan_storage_addrs:
 * the host's neighbour entry can still name the MAC of a node that had
 * the address before, and the frame must reach the node that has it now.
 */
static __always_inline int storage_host_ip4(struct xpan_ctx *ctx,
					    struct xpan_port_counters *st,
					    const struct xpan_storage_net *sn,
					    struct ethhdr *eth,
					    const struct iphdr *iph)
{
	struct xpan_storage_addr *a;

	if (iph->saddr != sn->portal_ip)
		return storage_drop(st, XPAN_DROP_STORAGE_IN);
	a = storage_addr(iph->daddr);
	if (!a)
		return storage_drop(st, XPAN_DROP_STORAGE_IN);
	mac_copy(eth->h_dest, a->mac);
	stats_inc(st, XPAN_CNT_STORAGE);
	return ctx_redirect(ctx, a->ifindex);
}

/* xpan_storage_in: frames from the host end, counted on XPAN_STORAGE_SLOT. */
static __always_inline int storage_in(struct xpan_ctx *ctx)
{
	struct xpan_port_counters *st = stats_get(XPAN_STORAGE_SLOT);
	const struct xpan_storage_net *sn = storage_net();
	struct arp_eth_ip4 *arp;
	struct hdr_cursor cur;
	struct ethhdr *eth;
	struct iphdr *iph;
	void *end;
	int proto;

	stats_rx(st, ctx_len(ctx));
	/* Attached somewhere else, or the network is off: forward nothing. */
	if (!sn || sn->ifindex != ctx_ingress_ifindex(ctx))
		return storage_drop(st, XPAN_DROP_STORAGE_IN);
	if (ctx_vlan_offloaded(ctx))
		return storage_drop(st, XPAN_DROP_STORAGE_IN);

	ctx_pull_headers(ctx);
	cur.pos = ctx_data(ctx);
	end = ctx_data_end(ctx);
	proto = parse_ethhdr(&cur, end, &eth);
	if (proto < 0)
		return storage_drop(st, XPAN_DROP_MALFORMED);
	if (proto == bpf_htons(ETH_P_ARP)) {
		if (parse_arp(&cur, end, &arp) < 0)
			return storage_drop(st, XPAN_DROP_MALFORMED);
		return storage_host_arp(ctx, st, eth, arp);
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		if (parse_iphdr(&cur, end, &iph) < 0)
			return storage_drop(st, XPAN_DROP_MALFORMED);
		return storage_host_ip4(ctx, st, sn, eth, iph);
	}
	return storage_drop(st, XPAN_DROP_STORAGE_IN);
}

#endif /* XPAN_STORAGE_H */
