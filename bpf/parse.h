/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsing with a cursor. Each helper checks the header fits before
 * the frame's end, advances the cursor past it and returns the next
 * protocol (or 0 for success), or -1 when the header is truncated or
 * invalid. Nothing here depends on the hook: pointers come from ctx.h.
 */
#ifndef XPAN_PARSE_H
#define XPAN_PARSE_H

/* Macros from uapi headers that vmlinux.h cannot carry. */
#ifndef ETH_P_IP
#define ETH_P_IP	0x0800
#endif
#ifndef ETH_P_ARP
#define ETH_P_ARP	0x0806
#endif
#ifndef ETH_P_8021Q
#define ETH_P_8021Q	0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD	0x88A8
#endif
#ifndef ETH_P_IPV6
#define ETH_P_IPV6	0x86DD
#endif
#define ARPHRD_ETHER_	1
#define ARPOP_REQUEST_	1
#define ARPOP_REPLY_	2

/* Longest header chain the port logic reads: Ethernet plus IPv4 options. */
#define XPAN_HDR_MAX	(14 + 60)

/*
 * Bytes of headers the port logic reads in this frame, judged from its
 * first 15 bytes (XPAN_HDR_MAX when fewer are at hand): Ethernet, then
 * the IPv4 header with its options, the IPv6 fixed header or the ARP
 * body. Nothing past them: L4 is not read.
 */
static __always_inline __u32 hdr_len_wanted(void *data, void *end)
{
	struct ethhdr *eth = data;
	__u8 *vihl = (__u8 *)(eth + 1);
	__u32 ihl;

	if ((void *)(vihl + 1) > end)
		return XPAN_HDR_MAX;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		ihl = *vihl & 0xf;
		return 14 + (ihl > 5 ? ihl : 5) * 4;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return 14 + 40;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return 14 + 28;
	return 14;
}

struct hdr_cursor {
	void *pos;
};

/* ARP for Ethernet and IPv4, the only kind the dataplane understands. */
struct arp_eth_ip4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[6];
	__u8 spa[4];
	__u8 tha[6];
	__u8 tpa[4];
} __attribute__((packed));

/*
 * MACs inside Ethernet and ARP headers sit at even offsets, so three 16-bit
 * loads compare them without a byte loop.
 */
static __always_inline bool mac_eq(const __u8 *a, const __u8 *b)
{
	const __u16 *x = (const __u16 *)a, *y = (const __u16 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]));
}

static __always_inline void mac_copy(__u8 *dst, const __u8 *src)
{
	__u16 *d = (__u16 *)dst;
	const __u16 *s = (const __u16 *)src;

	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

/* Group bit: broadcast and every multicast address. */
static __always_inline bool mac_is_multicast(const __u8 *mac)
{
	return mac[0] & 1;
}

/* Returns the EtherType in network byte order, or -1 when truncated. */
static __always_inline int parse_ethhdr(struct hdr_cursor *c, void *end,
					struct ethhdr **eth)
{
	struct ethhdr *h = c->pos;

	if ((void *)(h + 1) > end)
		return -1;
	c->pos = h + 1;
	*eth = h;
	return h->h_proto;
}

/* Ethernet/IPv4 ARP with the matching address lengths, else -1. */
static __always_inline int parse_arp(struct hdr_cursor *c, void *end,
				     struct arp_eth_ip4 **arp)
{
	struct arp_eth_ip4 *a = c->pos;

	if ((void *)(a + 1) > end)
		return -1;
	if (a->htype != bpf_htons(ARPHRD_ETHER_) ||
	    a->ptype != bpf_htons(ETH_P_IP) || a->hlen != 6 || a->plen != 4)
		return -1;
	c->pos = a + 1;
	*arp = a;
	return 0;
}

/* IPv4 header with its options; returns the L4 protocol or -1. */
static __always_inline int parse_iphdr(struct hdr_cursor *c, void *end,
				       struct iphdr **iph)
{
	struct iphdr *h = c->pos;
	__u32 hlen;

	if ((void *)(h + 1) > end)
		return -1;
	if (h->version != 4 || h->ihl < 5)
		return -1;
	hlen = h->ihl * 4;
	if (c->pos + hlen > end)
		return -1;
	c->pos += hlen;
	*iph = h;
	return h->protocol;
}

/* IPv6 fixed header; returns the next header or -1. */
static __always_inline int parse_ip6hdr(struct hdr_cursor *c, void *end,
					struct ipv6hdr **ip6h)
{
	struct ipv6hdr *h = c->pos;

	if ((void *)(h + 1) > end)
		return -1;
	if (h->version != 6)
		return -1;
	c->pos = h + 1;
	*ip6h = h;
	return h->nexthdr;
}

static __always_inline __be32 ip4_load(const __u8 *p)
{
	__be32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static __always_inline void ip4_store(__u8 *p, __be32 v)
{
	__builtin_memcpy(p, &v, 4);
}

#endif /* XPAN_PARSE_H */
