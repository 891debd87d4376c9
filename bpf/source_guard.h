/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IP source guard and learning. An IPv4 source (or ARP sender address) a
 * node uses must be bound to its port: configured (xpan_bindings, ifindex
 * of this port), learned by this port (xpan_learned), or learnable now,
 * within the port's quota (xpan_port_guard.max_learned, counted in
 * xpan_port_rt.learned). Everything else is dropped: spoofed_ip when the
 * address is another port's or learning is off, learn_quota when the
 * quota is used up. 0.0.0.0 is always allowed (ARP probes, DHCP).
 *
 * IPv6: the configuration has no IPv6 addresses yet, so a node may use
 * only :: (duplicate address detection) and the link-local address
 * derived from its port's MAC (EUI-64), which is what neighbour discovery
 * and MLD need.
 */
#ifndef XPAN_SOURCE_GUARD_H
#define XPAN_SOURCE_GUARD_H

#include "port_state.h"
#include "parse.h"

/* last_seen of a learned entry is rewritten at most this often. */
#define LEARN_REFRESH_NS	1000000000ULL

static __always_inline void learned_refresh(struct xpan_learned *l)
{
	__u64 now = bpf_ktime_get_ns();

	if (now - l->last_seen > LEARN_REFRESH_NS)
		l->last_seen = now;
}

/*
 * Takes one unit of the port's quota and inserts the entry. The count is
 * exact: a CPU that takes the unit past max gives it back, as does a
 * failed insert, so learned never stays above max_learned.
 */
static __always_inline enum xpan_drop_reason
learn(const struct port_state *ps, const struct xpan_binding_key *key)
{
	struct xpan_learned val = {
		.flags = XPAN_BIND_F_LEARNED,
		.ifindex = ps->ingress,
		.slot = ps->slot,
	};
	struct xpan_port_rt *rt = ps->rt;
	struct xpan_learned *l;
	__u32 max, n;
	long err;

	max = ps->guard ? ps->guard->max_learned : 0;
	if (!max || !rt)
		return XPAN_DROP_SPOOFED_IP;
	/* A port at its quota (the flood case) costs no atomic. */
	if (*(volatile __u32 *)&rt->learned >= max)
		return XPAN_DROP_LEARN_QUOTA;
	n = __sync_fetch_and_add(&rt->learned, 1);
	if (n >= max) {
		__sync_fetch_and_sub(&rt->learned, 1);
		return XPAN_DROP_LEARN_QUOTA;
	}
	mac_copy(val.mac, ps->port->mac);
	val.last_seen = bpf_ktime_get_ns();
	err = bpf_map_update_elem(&xpan_learned, key, &val, BPF_NOEXIST);
	if (err) {
		__sync_fetch_and_sub(&rt->learned, 1);
		/* -EEXIST: another CPU learned it first, maybe for us. */
		l = bpf_map_lookup_elem(&xpan_learned, key);
		if (l)
			return l->ifindex == ps->ingress ?
			       XPAN_DROP_NONE : XPAN_DROP_SPOOFED_IP;
		/* The table is full: ctrld's sum of quotas was exceeded. */
		return XPAN_DROP_LEARN_QUOTA;
	}
	stats_inc(ps->st, XPAN_CNT_LEARNED);
	return XPAN_DROP_NONE;
}

/* XPAN_DROP_NONE when the port may use src, else why not. */
static __always_inline enum xpan_drop_reason
ip4_src_check(const struct port_state *ps, __be32 src)
{
	struct xpan_binding_key key = { .vlan = ps->port->vlan, .ip4 = src };
	struct xpan_binding *b;
	struct xpan_learned *l;

	if (!src)
		return XPAN_DROP_NONE;
	/* Configured first: a learned entry never overrides one. */
	b = bpf_map_lookup_elem(&xpan_bindings, &key);
	if (b)
		return b->ifindex == ps->ingress ? XPAN_DROP_NONE :
						   XPAN_DROP_SPOOFED_IP;
	l = bpf_map_lookup_elem(&xpan_learned, &key);
	if (l) {
		if (l->ifindex != ps->ingress)
			return XPAN_DROP_SPOOFED_IP;
		learned_refresh(l);
		return XPAN_DROP_NONE;
	}
	return learn(ps, &key);
}

/*
 * :: or fe80::/64 with the interface id of the port's MAC (EUI-64: the
 * universal/local bit flipped, ff:fe in the middle).
 */
static __always_inline enum xpan_drop_reason
ip6_src_check(const struct port_state *ps, const struct ipv6hdr *ip6h)
{
	const __u8 *m = ps->port->mac;
	__u8 iid[8] = { m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4],
			m[5] };
	__u64 hi, lo, want;

	__builtin_memcpy(&hi, &ip6h->saddr, 8);
	__builtin_memcpy(&lo, (const __u8 *)&ip6h->saddr + 8, 8);
	if (!(hi | lo))
		return XPAN_DROP_NONE;
	__builtin_memcpy(&want, iid, 8);
	if (hi == bpf_cpu_to_be64(0xfe80000000000000ULL) && lo == want)
		return XPAN_DROP_NONE;
	return XPAN_DROP_SPOOFED_IP;
}

#endif /* XPAN_SOURCE_GUARD_H */
