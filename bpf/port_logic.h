/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Forwarding logic of a node port, written once over ctx.h and compiled by
 * port_tc.bpf.c and port_xdp.bpf.c. Every frame comes from the node behind
 * the port: check the port and the source MAC, hand storage-network
 * frames to storage.h, check the source IP, answer or flood ARP, flood
 * broadcasts and multicasts inside the VLAN (within the port's storm
 * limit), redirect unicast to the destination port. Every drop is counted
 * by reason.
 */
#ifndef XPAN_PORT_LOGIC_H
#define XPAN_PORT_LOGIC_H

#include "ctx.h"
#include "parse.h"
#include "arp.h"
#include "counters.h"
#include "port_state.h"
#include "source_guard.h"
#include "storm.h"
#include "storage.h"

/* First byte of the internal (xpan virtual) MAC format 02:SS:SS:CC:CC:CC. */
#define XPAN_MAC_INTERNAL_BYTE0	0x02

static __always_inline int port_drop(const struct port_state *ps,
				     enum xpan_drop_reason reason)
{
	stats_drop(ps->st, reason);
	return CTX_DROP;
}

static __always_inline int port_flood(struct xpan_ctx *ctx,
				      const struct port_state *ps)
{
	__u32 failed;
	int verdict;

	if (!storm_admit(ps))
		return port_drop(ps, XPAN_DROP_STORM);
	verdict = ctx_flood(ctx, ps->port->vlan, ps->ingress, &failed);
	stats_inc(ps->st, XPAN_CNT_FLOODED);
	stats_drops(ps->st, XPAN_DROP_REDIRECT, failed);
	return verdict;
}

/* MAC bound to (VLAN, ip): configured first, then learned; NULL if none. */
static __always_inline const __u8 *bound_mac(__u16 vlan, __be32 ip)
{
	struct xpan_binding_key key = { .vlan = vlan, .ip4 = ip };
	struct xpan_binding *b;
	struct xpan_learned *l;

	b = bpf_map_lookup_elem(&xpan_bindings, &key);
	if (b)
		return b->mac;
	l = bpf_map_lookup_elem(&xpan_learned, &key);
	return l ? l->mac : NULL;
}

/*
 * A broadcast ARP request is answered when the target is bound, else
 * flooded. Not answered: gratuitous ARP (spa == tpa, an announcement) and
 * a target bound to the asking port itself (duplicate address detection
 * would see its own address as taken).
 */
static __always_inline int arp_broadcast(struct xpan_ctx *ctx,
					 struct ethhdr *eth,
					 struct arp_eth_ip4 *arp,
					 const struct port_state *ps,
					 __be32 spa, __be32 tpa)
{
	const __u8 *mac;

	if (arp->op != bpf_htons(ARPOP_REQUEST_) || spa == tpa)
		return port_flood(ctx, ps);
	mac = bound_mac(ps->port->vlan, tpa);
	if (!mac || mac_eq(mac, ps->port->mac))
		return port_flood(ctx, ps);
	arp_make_reply(eth, arp, mac, spa, tpa);
	stats_inc(ps->st, XPAN_CNT_ARP_REPLIES);
	return ctx_tx_back(ctx);
}

/*
 * The destination port of a unicast frame, or 0 once the drop is counted.
 * Checked before the source IP, so a frame that goes nowhere teaches
 * nothing, and a forged address towards another VLAN is reported as
 * other_vlan.
 */
static __always_inline __u32 unicast_dst(const struct ethhdr *eth,
					 const struct port_state *ps)
{
	struct xpan_mac_key key = {};
	struct xpan_fwd *fwd;

	mac_copy(key.mac, eth->h_dest);
	fwd = bpf_map_lookup_elem(&xpan_macs, &key);
	if (!fwd) {
		/* Not one of ours: an outside MAC would go to the uplink. */
		if (eth->h_dest[0] == XPAN_MAC_INTERNAL_BYTE0)
			stats_drop(ps->st, XPAN_DROP_UNKNOWN_DST);
		else
			stats_drop(ps->st, XPAN_DROP_NO_UPLINK);
		return 0;
	}
	if (fwd->ifindex == ps->ingress) {
		stats_drop(ps->st, XPAN_DROP_HAIRPIN);
		return 0;
	}
	if (fwd->vlan != ps->port->vlan) {
		stats_drop(ps->st, XPAN_DROP_OTHER_VLAN);
		return 0;
	}
	return fwd->ifindex;
}

static __always_inline int port_unicast(struct xpan_ctx *ctx,
					const struct port_state *ps, __u32 to)
{
	stats_inc(ps->st, XPAN_CNT_FWD_UNICAST);
	return ctx_redirect(ctx, to);
}

/* IPv4 and IPv6: destination, then source, then out. */
static __always_inline int port_ip(struct xpan_ctx *ctx,
				   const struct port_state *ps,
				   enum xpan_drop_reason src_verdict, __u32 to)
{
	if (src_verdict != XPAN_DROP_NONE)
		return port_drop(ps, src_verdict);
	if (!to)
		return port_flood(ctx, ps);
	return port_unicast(ctx, ps, to);
}

static __always_inline int port_in(struct xpan_ctx *ctx)
{
	__u32 ingress = ctx_ingress_ifindex(ctx), to = 0;
	const struct xpan_storage_net *sn;
	struct port_state ps;
	struct arp_eth_ip4 *arp;
	struct hdr_cursor cur;
	struct xpan_port *port;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	struct ethhdr *eth;
	__be32 spa, tpa;
	enum xpan_drop_reason r;
	bool group;
	void *end;
	int proto;

	/* The counters' slot is in the port entry: no entry, no counting. */
	port = bpf_map_lookup_elem(&xpan_ports, &ingress);
	if (!port)
		return CTX_DROP;
	port_state_init(&ps, port, ingress);
	stats_rx(ps.st, ctx_len(ctx));
	if (!(port->flags & XPAN_PORT_F_ENABLED))
		return port_drop(&ps, XPAN_DROP_PORT_DISABLED);

	ctx_pull_headers(ctx);
	cur.pos = ctx_data(ctx);
	end = ctx_data_end(ctx);

	proto = parse_ethhdr(&cur, end, &eth);
	if (proto < 0)
		return port_drop(&ps, XPAN_DROP_MALFORMED);
	if (!mac_eq(eth->h_source, port->mac))
		return port_drop(&ps, XPAN_DROP_SPOOFED_SRC);
	/* Nodes send untagged; the VLAN is the port's, not theirs. */
	if (ctx_vlan_offloaded(ctx))
		return port_drop(&ps, XPAN_DROP_TAGGED);
	group = mac_is_multicast(eth->h_dest);

	if (proto == bpf_htons(ETH_P_IP)) {
		if (parse_iphdr(&cur, end, &iph) < 0)
			return port_drop(&ps, XPAN_DROP_MALFORMED);
		sn = storage_net();
		if (sn && storage_ip4_is(sn, eth, iph))
			return storage_node_ip4(ctx, &ps, sn, eth, iph);
		if (!group && !(to = unicast_dst(eth, &ps)))
			return CTX_DROP;
		r = ip4_src_check(&ps, iph->saddr);
		return port_ip(ctx, &ps, r, to);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (parse_ip6hdr(&cur, end, &ip6h) < 0)
			return port_drop(&ps, XPAN_DROP_MALFORMED);
		if (!group && !(to = unicast_dst(eth, &ps)))
			return CTX_DROP;
		r = ip6_src_check(&ps, ip6h);
		return port_ip(ctx, &ps, r, to);
	} else if (proto == bpf_htons(ETH_P_ARP)) {
		if (parse_arp(&cur, end, &arp) < 0)
			return port_drop(&ps, XPAN_DROP_MALFORMED);
		if (!mac_eq(arp->sha, port->mac))
			return port_drop(&ps, XPAN_DROP_ARP_SPOOF);
		spa = ip4_load(arp->spa);
		tpa = ip4_load(arp->tpa);
		/* Before the source guard: a storage address must never be
		 * learned as a VLAN address. */
		sn = storage_net();
		if (sn && storage_arp_is(sn, spa, tpa))
			return storage_node_arp(ctx, &ps, sn, eth, arp, spa,
						tpa);
		/* Before anything is answered or flooded: a forged sender
		 * would poison the neighbours' caches. */
		r = ip4_src_check(&ps, spa);
		if (r != XPAN_DROP_NONE)
			return port_drop(&ps, r);
		if (group)
			return arp_broadcast(ctx, eth, arp, &ps, spa, tpa);
		to = unicast_dst(eth, &ps);
		return to ? port_unicast(ctx, &ps, to) : CTX_DROP;
	} else if (proto == bpf_htons(ETH_P_8021Q) ||
		   proto == bpf_htons(ETH_P_8021AD)) {
		return port_drop(&ps, XPAN_DROP_TAGGED);
	}

	if (group)
		return port_flood(ctx, &ps);
	to = unicast_dst(eth, &ps);
	return to ? port_unicast(ctx, &ps, to) : CTX_DROP;
}

#endif /* XPAN_PORT_LOGIC_H */
