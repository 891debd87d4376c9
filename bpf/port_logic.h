/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Forwarding logic of a node port, written once over ctx.h and compiled by
 * port_tc.bpf.c and port_xdp.bpf.c. Every frame comes from the node behind
 * the port: check the port and the source, answer or flood ARP, flood
 * broadcasts and multicasts inside the VLAN, redirect unicast to the
 * destination port. Every drop is counted by reason.
 */
#ifndef XPAN_PORT_LOGIC_H
#define XPAN_PORT_LOGIC_H

#include "ctx.h"
#include "parse.h"
#include "counters.h"

/* First byte of the internal (xpan virtual) MAC format 02:SS:SS:CC:CC:CC. */
#define XPAN_MAC_INTERNAL_BYTE0	0x02

static __always_inline int port_drop(struct xpan_port_stats *st,
				     enum xpan_drop_reason reason)
{
	stats_drop(st, reason);
	return CTX_DROP;
}

static __always_inline int port_flood(struct xpan_ctx *ctx,
				      const struct xpan_port *port,
				      __u32 ingress, struct xpan_port_stats *st)
{
	__u32 failed;
	int verdict;

	verdict = ctx_flood(ctx, port->vlan, ingress, &failed);
	stats_inc(st, flooded);
	stats_drops(st, XPAN_DROP_REDIRECT, failed);
	return verdict;
}

/*
 * Learn the sender's address the first time it is seen in the port's VLAN.
 * BPF_NOEXIST keeps static (ctrld) and earlier entries: a node cannot take
 * over an address someone else holds. 0.0.0.0 is a probe, not an address.
 */
static __always_inline void arp_learn(const struct xpan_port *port,
				      __u32 ingress, __be32 spa,
				      struct xpan_port_stats *st)
{
	struct xpan_binding_key key = { .vlan = port->vlan, .ip4 = spa };
	struct xpan_binding val = {
		.flags = XPAN_BIND_F_LEARNED,
		.ifindex = ingress,
	};

	if (!spa || bpf_map_lookup_elem(&xpan_bindings, &key))
		return;
	mac_copy(val.mac, port->mac);
	if (!bpf_map_update_elem(&xpan_bindings, &key, &val, BPF_NOEXIST))
		stats_inc(st, learned);
}

/* Turn the request into the reply in place; the caller sends it back. */
static __always_inline void arp_make_reply(struct ethhdr *eth,
					   struct arp_eth_ip4 *arp,
					   const __u8 *bound_mac,
					   __be32 spa, __be32 tpa)
{
	mac_copy(eth->h_dest, eth->h_source);
	mac_copy(eth->h_source, bound_mac);
	arp->op = bpf_htons(ARPOP_REPLY_);
	mac_copy(arp->tha, arp->sha);
	mac_copy(arp->sha, bound_mac);
	ip4_store(arp->spa, tpa);
	ip4_store(arp->tpa, spa);
}

/*
 * A broadcast ARP request is answered from xpan_bindings when the target
 * is known, else flooded. Not answered: gratuitous ARP (spa == tpa, an
 * announcement) and a target bound to the asking port itself (duplicate
 * address detection would see its own address as taken).
 */
static __always_inline int arp_broadcast(struct xpan_ctx *ctx,
					 struct ethhdr *eth,
					 struct arp_eth_ip4 *arp,
					 const struct xpan_port *port,
					 __u32 ingress, __be32 spa, __be32 tpa,
					 struct xpan_port_stats *st)
{
	struct xpan_binding_key key = { .vlan = port->vlan, .ip4 = tpa };
	struct xpan_binding *b;

	if (arp->op != bpf_htons(ARPOP_REQUEST_) || spa == tpa)
		return port_flood(ctx, port, ingress, st);
	b = bpf_map_lookup_elem(&xpan_bindings, &key);
	if (!b || mac_eq(b->mac, port->mac))
		return port_flood(ctx, port, ingress, st);
	arp_make_reply(eth, arp, b->mac, spa, tpa);
	stats_inc(st, arp_replies);
	return ctx_tx_back(ctx);
}

static __always_inline int port_unicast(struct xpan_ctx *ctx,
					const struct ethhdr *eth,
					const struct xpan_port *port,
					__u32 ingress, struct xpan_port_stats *st)
{
	struct xpan_mac_key key = {};
	struct xpan_fwd *fwd;

	mac_copy(key.mac, eth->h_dest);
	fwd = bpf_map_lookup_elem(&xpan_macs, &key);
	if (!fwd) {
		/* Not one of ours: an outside MAC would go to the uplink. */
		if (eth->h_dest[0] == XPAN_MAC_INTERNAL_BYTE0)
			return port_drop(st, XPAN_DROP_UNKNOWN_DST);
		return port_drop(st, XPAN_DROP_NO_UPLINK);
	}
	if (fwd->ifindex == ingress)
		return port_drop(st, XPAN_DROP_HAIRPIN);
	if (fwd->vlan != port->vlan)
		return port_drop(st, XPAN_DROP_OTHER_VLAN);
	stats_inc(st, fwd_unicast);
	return ctx_redirect(ctx, fwd->ifindex);
}

static __always_inline int port_in(struct xpan_ctx *ctx)
{
	__u32 ingress = ctx_ingress_ifindex(ctx);
	struct xpan_port_stats *st;
	struct arp_eth_ip4 *arp;
	struct hdr_cursor cur;
	struct xpan_port *port;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	struct ethhdr *eth;
	__be32 spa, tpa;
	void *end;
	int proto;

	/* The counters' slot is in the port entry: no entry, no counting. */
	port = bpf_map_lookup_elem(&xpan_ports, &ingress);
	if (!port)
		return CTX_DROP;
	st = stats_get(port->slot);
	stats_rx(st, ctx_len(ctx));
	if (!(port->flags & XPAN_PORT_F_ENABLED))
		return port_drop(st, XPAN_DROP_PORT_DISABLED);

	ctx_pull_headers(ctx, XPAN_HDR_MAX);
	cur.pos = ctx_data(ctx);
	end = ctx_data_end(ctx);

	proto = parse_ethhdr(&cur, end, &eth);
	if (proto < 0)
		return port_drop(st, XPAN_DROP_MALFORMED);
	if (!mac_eq(eth->h_source, port->mac))
		return port_drop(st, XPAN_DROP_SPOOFED_SRC);
	/* Nodes send untagged; the VLAN is the port's, not theirs. */
	if (ctx_vlan_offloaded(ctx))
		return port_drop(st, XPAN_DROP_TAGGED);

	if (proto == bpf_htons(ETH_P_IP)) {
		if (parse_iphdr(&cur, end, &iph) < 0)
			return port_drop(st, XPAN_DROP_MALFORMED);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (parse_ip6hdr(&cur, end, &ip6h) < 0)
			return port_drop(st, XPAN_DROP_MALFORMED);
	} else if (proto == bpf_htons(ETH_P_ARP)) {
		if (parse_arp(&cur, end, &arp) < 0)
			return port_drop(st, XPAN_DROP_MALFORMED);
		if (!mac_eq(arp->sha, port->mac))
			return port_drop(st, XPAN_DROP_ARP_SPOOF);
		spa = ip4_load(arp->spa);
		tpa = ip4_load(arp->tpa);
		arp_learn(port, ingress, spa, st);
		if (mac_is_multicast(eth->h_dest))
			return arp_broadcast(ctx, eth, arp, port, ingress,
					     spa, tpa, st);
		return port_unicast(ctx, eth, port, ingress, st);
	} else if (proto == bpf_htons(ETH_P_8021Q) ||
		   proto == bpf_htons(ETH_P_8021AD)) {
		return port_drop(st, XPAN_DROP_TAGGED);
	}

	if (mac_is_multicast(eth->h_dest))
		return port_flood(ctx, port, ingress, st);
	return port_unicast(ctx, eth, port, ingress, st);
}

#endif /* XPAN_PORT_LOGIC_H */
