// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One table of frames from port 0, run against both builds of
 * xpan_port_in, twice each:
 *   dp_run  BPF_PROG_TEST_RUN: verdict, output frame, counters, map
 *           effects; for TC also the flood copies, which
 *           bpf_clone_redirect really transmits during a test run.
 *   dp_live the program attached to dpt0 (clsact ingress or native XDP)
 *           and the frame sent from the node side (dpt0p): which peers
 *           receive what, and the counters again. This is where redirect
 *           targets, XDP_TX and the XDP devmap egress filter are seen,
 *           since a test run does not perform redirects.
 * Every case runs in its own process and network namespace.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "dataplane.h"
#include "dp_env.h"
#include "dp_frames.h"

enum dp_want {
	W_DROP,
	W_REDIRECT,	/* to port .to */
	W_TX,		/* back out of the ingress port, as .out */
	W_FLOOD,	/* to the other members of VLAN 10: ports 1 and 3 */
};

static const char *const want_name[] = {
	[W_DROP] = "drop", [W_REDIRECT] = "redirect", [W_TX] = "tx-back",
	[W_FLOOD] = "flood",
};

/* Expected counter changes at port 0; rx_packets/rx_bytes always count. */
struct dp_delta {
	__u64 fwd_unicast, flooded, arp_replies, learned;
	enum xpan_drop_reason drop;	/* XPAN_DROP_NONE: no drop */
};

struct dp_case {
	const char *name;
	const __u8 *in;
	size_t len;
	void (*setup)(void);
	enum dp_want want;
	int to;
	const __u8 *out;	/* expected output; NULL: input unchanged */
	size_t out_len;
	struct dp_delta d;
	void (*check)(void);
	bool no_stats;		/* port 0's frames are counted nowhere */
	/*
	 * The skb test run refuses this frame (it reads the IP header it
	 * names); dp_live feeds it to the TC build instead.
	 */
	bool skb_run_refused;
	/*
	 * Carries an 802.1Q/802.1ad tag: on a live TC port the stack has
	 * moved the tag into skb metadata, so skb->len is 4 bytes shorter.
	 */
	bool tagged;
};

/* Port 0's VLAN 10 has ports 1 and 3; port 2 is in VLAN 20. */
#define FLOOD_PEERS ((1 << 1) | (1 << 3))

#define FRAME(...) ((const __u8[]){ __VA_ARGS__ }), \
	sizeof((const __u8[]){ __VA_ARGS__ })

static const __u8 uni_p1[] = {
	ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_P0, IP_P1), UDP_DPT,
};

static void setup_port_missing(void)
{
	dp_port_del(0);
}

/* A slot beyond the slot arrays: what a damaged xpan_ports entry holds. */
static void setup_slot_out_of_range(void)
{
	struct xpan_port p;
	__u32 key = dp.ifindex[0];

	cr_assert_eq(bpf_map_lookup_elem(dp.ports_fd, &key, &p), 0,
		     "read xpan_ports[0]");
	p.slot = XPAN_MAX_PORTS;
	cr_assert_eq(bpf_map_update_elem(dp.ports_fd, &key, &p, BPF_ANY), 0,
		     "set xpan_ports[0].slot out of range");
}

static void setup_port_disabled(void)
{
	dp_port_set(0, 0);
}

static void check_counted_nowhere(void)
{
	int slot = dp_stats_nonzero_slot();

	cr_assert_eq(slot, -1, "nothing may be counted, slot %d was", slot);
}

static void check_binding(const char *ip, int port, __u16 flags)
{
	struct xpan_binding b;

	cr_assert(dp_binding_get(10, ip, &b), "binding VLAN 10 %s exists", ip);
	cr_assert_arr_eq(b.mac, dp_port_mac[port], 6, "binding %s MAC", ip);
	cr_assert_eq(b.flags, flags, "binding %s flags", ip);
	cr_assert_eq(b.ifindex, (__u32)dp.ifindex[port], "binding %s ifindex",
		     ip);
}

/* Learned by port 0: in xpan_learned, never in xpan_bindings. */
static void check_learned(const char *ip, __u32 count)
{
	struct xpan_learned l;
	struct xpan_binding b;
	struct xpan_port_rt rt;

	cr_assert(dp_learned_get(10, ip, &l), "xpan_learned has VLAN 10 %s",
		  ip);
	cr_assert_arr_eq(l.mac, dp_port_mac[0], 6, "learned %s MAC", ip);
	cr_assert_eq(l.flags, XPAN_BIND_F_LEARNED, "learned %s flags", ip);
	cr_assert_eq(l.ifindex, (__u32)dp.ifindex[0], "learned %s ifindex", ip);
	cr_assert_eq(l.slot, dp_port_slot[0], "learned %s slot", ip);
	cr_assert_gt(l.last_seen, 0, "learned %s last_seen", ip);
	cr_assert(!dp_binding_get(10, ip, &b),
		  "%s is not learned into xpan_bindings", ip);
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, count, "port 0's learn count");
}

static void check_learned_new(void)
{
	check_learned("10.10.0.50", 1);
}

static void check_nothing_learned(void)
{
	struct xpan_learned l;
	struct xpan_port_rt rt;

	cr_assert(!dp_learned_get(10, "10.10.0.50", &l),
		  "10.10.0.50 not learned");
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, 0, "port 0's learn count stays 0");
}

/* Port 0 may learn up to 4 addresses. */
static void setup_learning(void)
{
	dp_guard_set(0, 4, 0, 0);
}

/* Port 0 at its quota of 2 (entries elsewhere in the table). */
static void setup_quota_full(void)
{
	struct xpan_port_rt rt = { .learned = 2 };

	dp_guard_set(0, 2, 0, 0);
	dp_rt_set(0, &rt);
}

static void check_quota_kept(void)
{
	struct xpan_learned l;
	struct xpan_port_rt rt;

	cr_assert(!dp_learned_get(10, "10.10.0.50", &l),
		  "10.10.0.50 not learned past the quota");
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, 2, "learn count stays at the quota");
}

/* 10.10.0.50 learned by port 3, same VLAN; port 0 may learn. */
static void setup_learned_by_p3(void)
{
	dp_guard_set(0, 4, 0, 0);
	dp_learned_put(3, "10.10.0.50", xpan_dp_now_ns());
}

static void check_p3_keeps_it(void)
{
	struct xpan_learned l;
	struct xpan_port_rt rt;

	cr_assert(dp_learned_get(10, "10.10.0.50", &l), "entry still there");
	cr_assert_eq(l.ifindex, (__u32)dp.ifindex[3],
		     "10.10.0.50 stays port 3's");
	cr_assert_arr_eq(l.mac, dp_port_mac[3], 6, "with port 3's MAC");
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, 0, "port 0 took no quota");
}

/* 10.10.0.50 learned by port 0 itself, long ago (last_seen 1 ns). */
static void setup_learned_old(void)
{
	dp_learned_put(0, "10.10.0.50", 1);
}

static void check_refreshed(void)
{
	struct xpan_learned l;

	cr_assert(dp_learned_get(10, "10.10.0.50", &l), "entry still there");
	cr_assert_gt(l.last_seen, 1, "last_seen refreshed");
	cr_assert_eq(l.ifindex, (__u32)dp.ifindex[0], "still port 0's");
}

/* Storm budget used up: the next flood conforms 10 s from now. */
static void setup_storm_spent(void)
{
	struct xpan_port_rt rt = {
		.flood_tat = xpan_dp_now_ns() + 10000000000ULL,
	};

	dp_guard_set(0, 0, 1000, 1);
	dp_rt_set(0, &rt);
}

static void check_static_kept(void)
{
	check_binding("10.10.0.2", 1, XPAN_BIND_F_STATIC);
}

static void check_probe_not_learned(void)
{
	struct xpan_binding b;

	cr_assert(!dp_binding_get(10, "0.0.0.0", &b),
		  "0.0.0.0 from an ARP probe is not learned");
	check_binding("10.10.0.1", 0, XPAN_BIND_F_STATIC);
}

#define TRUNC_ETH(n)							\
	{ "truncated Ethernet, " #n " bytes", uni_p1, n,		\
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } }

static const struct dp_case cases[] = {
	{ "unicast IPv4 same VLAN redirected to the destination port",
	  uni_p1, sizeof(uni_p1), .want = W_REDIRECT, .to = 1,
	  .d = { .fwd_unicast = 1 } },
	{ "unicast IPv6 same VLAN redirected",
	  FRAME(ETH_IP6(MAC_P3, MAC_P0), IP6_UDP(IP6_LL_P0, IP6_P3), UDP_DPT),
	  .want = W_REDIRECT, .to = 3, .d = { .fwd_unicast = 1 } },
	{ "unicast IPv4 with options (ihl 6) redirected",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), 0x46, 0, 0, 0x24, 0, 0, 0x40, 0,
		0x40, 0x11, 0, 0, IP_P0, IP_P1, 1, 1, 1, 0, UDP_DPT),
	  .want = W_REDIRECT, .to = 1, .d = { .fwd_unicast = 1 } },
	{ "unicast other EtherType (0x88b5) redirected",
	  FRAME(ETH(MAC_P1, MAC_P0, 0x88, 0xb5), 'd', 'p', 't', '!'),
	  .want = W_REDIRECT, .to = 1, .d = { .fwd_unicast = 1 } },
	{ "unicast ARP reply takes the unicast path",
	  FRAME(ETH_ARP(MAC_P1, MAC_P0), ARP(2, MAC_P0, IP_P0, MAC_P1, IP_P1),
		PAD18),
	  .want = W_REDIRECT, .to = 1, .d = { .fwd_unicast = 1 } },
	{ "unicast to another VLAN dropped",
	  FRAME(ETH_IP4(MAC_P2, MAC_P0), IP4_UDP(IP_P0, IP_P2), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_OTHER_VLAN } },
	{ "spoofed source MAC dropped",
	  FRAME(ETH_IP4(MAC_P3, MAC_P1), IP4_UDP(IP_P1, IP_P0), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_SRC } },
	{ "unicast to the ingress port itself dropped",
	  FRAME(ETH_IP4(MAC_P0, MAC_P0), IP4_UDP(IP_P0, IP_P0), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_HAIRPIN } },
	{ "unknown internal unicast dropped as UNKNOWN_DST",
	  FRAME(ETH_IP4(MAC_UNKNOWN, MAC_P0), IP4_UDP(IP_P0, IP_P1), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_UNKNOWN_DST } },
	{ "external unicast dropped as NO_UPLINK",
	  FRAME(ETH_IP4(MAC_EXTERNAL, MAC_P0), IP4_UDP(IP_P0, IP_P1), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_NO_UPLINK } },
	{ "IPv4 broadcast flooded to the VLAN only",
	  FRAME(ETH_IP4(MAC_BCAST, MAC_P0), IP4_UDP(IP_P0, IP_BCAST10),
		UDP_DPT),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "IPv6 multicast flooded to the VLAN only",
	  FRAME(ETH_IP6(MAC_V6_ALLNODES, MAC_P0), IP6_UDP(IP6_LL_P0, IP6_ALLNODES),
		UDP_DPT),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "ARP request for a known IP answered from the bindings",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_P1), PAD18),
	  .want = W_TX,
	  .out = FRAME(ETH_ARP(MAC_P0, MAC_P1),
		       ARP(2, MAC_P1, IP_P1, MAC_P0, IP_P0), PAD18),
	  .d = { .arp_replies = 1 } },
	{ "ARP probe (sender 0.0.0.0) for a taken IP answered, not learned",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_ANY, MAC_ZERO, IP_P1), PAD18),
	  .want = W_TX,
	  .out = FRAME(ETH_ARP(MAC_P0, MAC_P1),
		       ARP(2, MAC_P1, IP_P1, MAC_P0, IP_ANY), PAD18),
	  .d = { .arp_replies = 1 }, .check = check_probe_not_learned },
	{ "ARP probe for the port's own IP flooded, not answered",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_ANY, MAC_ZERO, IP_P0), PAD18),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "ARP request for an unknown IP flooded",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_UNKNOWN), PAD18),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "ARP request for an IP bound in another VLAN flooded",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_P2), PAD18),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "gratuitous ARP flooded",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_P0), PAD18),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "gratuitous ARP for a new IP flooded and learned",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_NEW, MAC_ZERO, IP_NEW), PAD18),
	  .setup = setup_learning,
	  .want = W_FLOOD, .d = { .flooded = 1, .learned = 1 },
	  .check = check_learned_new },
	{ "gratuitous ARP for a new IP, learning off: spoofed_ip",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_NEW, MAC_ZERO, IP_NEW), PAD18),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP },
	  .check = check_nothing_learned },
	{ "ARP claiming another node's static IP dropped as spoofed_ip",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P1, MAC_ZERO, IP_P1), PAD18),
	  .setup = setup_learning,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP },
	  .check = check_static_kept },
	{ "ARP request with a sender another port learned dropped",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_NEW, MAC_ZERO, IP_P1), PAD18),
	  .setup = setup_learned_by_p3,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP },
	  .check = check_p3_keeps_it },
	{ "ARP request for an address another port learned answered",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_NEW), PAD18),
	  .setup = setup_learned_by_p3,
	  .want = W_TX,
	  .out = FRAME(ETH_ARP(MAC_P0, MAC_P3),
		       ARP(2, MAC_P3, IP_NEW, MAC_P0, IP_P0), PAD18),
	  .d = { .arp_replies = 1 } },
	{ "ARP for an unknown IP over the storm limit dropped as storm",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_UNKNOWN), PAD18),
	  .setup = setup_storm_spent,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_STORM } },
	{ "ARP for a known IP over the storm limit still answered",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, IP_P0, MAC_ZERO, IP_P1), PAD18),
	  .setup = setup_storm_spent,
	  .want = W_TX,
	  .out = FRAME(ETH_ARP(MAC_P0, MAC_P1),
		       ARP(2, MAC_P1, IP_P1, MAC_P0, IP_P0), PAD18),
	  .d = { .arp_replies = 1 } },
	{ "IPv4 broadcast over the storm limit dropped as storm",
	  FRAME(ETH_IP4(MAC_BCAST, MAC_P0), IP4_UDP(IP_P0, IP_BCAST10),
		UDP_DPT),
	  .setup = setup_storm_spent,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_STORM } },
	{ "IPv6 multicast over the storm limit dropped as storm",
	  FRAME(ETH_IP6(MAC_V6_ALLNODES, MAC_P0),
		IP6_UDP(IP6_LL_P0, IP6_ALLNODES), UDP_DPT),
	  .setup = setup_storm_spent,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_STORM } },
	{ "unicast over the storm limit forwarded (not a flood)",
	  uni_p1, sizeof(uni_p1), .setup = setup_storm_spent,
	  .want = W_REDIRECT, .to = 1, .d = { .fwd_unicast = 1 } },
	{ "IPv4 source of another port's static address: spoofed_ip",
	  FRAME(ETH_IP4(MAC_P3, MAC_P0), IP4_UDP(IP_P1, IP_NEW), UDP_DPT),
	  .setup = setup_learning,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP },
	  .check = check_static_kept },
	{ "IPv4 source of another VLAN's static address: spoofed_ip",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_P2, IP_P1), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP } },
	{ "IPv4 unbound source, learning off: spoofed_ip, nothing learned",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_NEW, IP_P1), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP },
	  .check = check_nothing_learned },
	{ "IPv4 unbound source within the quota learned and forwarded",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_NEW, IP_P1), UDP_DPT),
	  .setup = setup_learning,
	  .want = W_REDIRECT, .to = 1, .d = { .fwd_unicast = 1, .learned = 1 },
	  .check = check_learned_new },
	{ "IPv4 unbound source past the quota: learn_quota, count stays",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_NEW, IP_P1), UDP_DPT),
	  .setup = setup_quota_full,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_LEARN_QUOTA },
	  .check = check_quota_kept },
	{ "IPv4 source another port learned: spoofed_ip, not taken over",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_NEW, IP_P1), UDP_DPT),
	  .setup = setup_learned_by_p3,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP },
	  .check = check_p3_keeps_it },
	{ "IPv4 source learned by this port forwarded, last_seen refreshed",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_NEW, IP_P1), UDP_DPT),
	  .setup = setup_learned_old,
	  .want = W_REDIRECT, .to = 1, .d = { .fwd_unicast = 1 },
	  .check = check_refreshed },
	{ "IPv4 from 0.0.0.0 (DHCP discover) flooded",
	  FRAME(ETH_IP4(MAC_BCAST, MAC_P0),
		IP4_UDP(IP_ANY, IP_BCAST), UDP_DPT),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "IPv6 from :: (duplicate address detection) flooded",
	  FRAME(ETH_IP6(MAC_V6_ALLNODES, MAC_P0),
		IP6_UDP(IP6_ANY, IP6_ALLNODES), UDP_DPT),
	  .want = W_FLOOD, .d = { .flooded = 1 } },
	{ "IPv6 from another port's link-local address: spoofed_ip",
	  FRAME(ETH_IP6(MAC_P3, MAC_P0), IP6_UDP(IP6_LL_P1, IP6_P3), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP } },
	{ "IPv6 from fe80::1 (not the port's EUI-64): spoofed_ip",
	  FRAME(ETH_IP6(MAC_V6_ALLNODES, MAC_P0),
		IP6_UDP(IP6_P3, IP6_ALLNODES), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP } },
	{ "IPv6 from the EUI-64 without the u/l flip: spoofed_ip",
	  FRAME(ETH_IP6(MAC_P3, MAC_P0),
		IP6_UDP(IP6_LL_P0_NOFLIP, IP6_P3), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP } },
	{ "IPv6 from a global address (none configurable yet): spoofed_ip",
	  FRAME(ETH_IP6(MAC_P3, MAC_P0), IP6_UDP(IP6_GLOBAL, IP6_P3), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_SPOOFED_IP } },
	{ "ARP with a forged sender MAC dropped",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P1, IP_P1, MAC_ZERO, IP_P0), PAD18),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_ARP_SPOOF },
	  .check = check_static_kept },
	{ "truncated ARP dropped",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0), 0x00, 0x01, 0x08, 0x00, 6, 4, 0,
		1, MAC_P0, IP_P0),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } },
	{ "ARP for IPv6 protocol type dropped",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0), 0x00, 0x01, 0x86, 0xdd, 6, 4, 0,
		1, MAC_P0, IP_P0, MAC_ZERO, IP_P1, PAD18),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } },
	{ "ARP with hardware length 8 dropped",
	  FRAME(ETH_ARP(MAC_BCAST, MAC_P0), 0x00, 0x01, 0x08, 0x00, 8, 4, 0,
		1, MAC_P0, IP_P0, MAC_ZERO, IP_P1, PAD18),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } },
	{ "IPv4 with ihl 4 dropped",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), 0x44, 0, 0, 0x20, 0, 0, 0x40, 0,
		0x40, 0x11, 0, 0, IP_P0, IP_P1, UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } },
	{ "IPv4 with ihl 15 beyond the frame dropped",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), 0x4f, 0, 0, 0x20, 0, 0, 0x40, 0,
		0x40, 0x11, 0, 0, IP_P0, IP_P1, UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } },
	{ "IPv4 header cut at 19 bytes dropped",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), 0x45, 0, 0, 0x20, 0, 0, 0x40, 0,
		0x40, 0x11, 0, 0, IP_P0, 10, 10, 0),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED },
	  .skb_run_refused = true },
	{ "IPv4 EtherType carrying version 6 dropped",
	  FRAME(ETH_IP4(MAC_P1, MAC_P0), 0x65, 0, 0, 0x20, 0, 0, 0x40, 0,
		0x40, 0x11, 0, 0, IP_P0, IP_P1, UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } },
	{ "IPv6 header cut at 39 bytes dropped",
	  FRAME(ETH_IP6(MAC_P3, MAC_P0), 0x60, 0, 0, 0, 0, 0x0c, 0x11, 0x40,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED },
	  .skb_run_refused = true },
	{ "IPv6 EtherType carrying version 4 dropped",
	  FRAME(ETH_IP6(MAC_P3, MAC_P0), 0x40, 0, 0, 0, 0, 0x0c, 0x11, 0x40,
		IP6_ALLNODES, IP6_P3, UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_MALFORMED } },
	{ "802.1Q tagged frame from a node dropped",
	  FRAME(ETH(MAC_P1, MAC_P0, 0x81, 0x00), 0x00, 0x0a, 0x08, 0x00,
		IP4_UDP(IP_P0, IP_P1), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_TAGGED }, .tagged = true },
	{ "802.1ad tagged frame from a node dropped",
	  FRAME(ETH(MAC_P1, MAC_P0, 0x88, 0xa8), 0x00, 0x0a, 0x08, 0x00,
		IP4_UDP(IP_P0, IP_P1), UDP_DPT),
	  .want = W_DROP, .d = { .drop = XPAN_DROP_TAGGED }, .tagged = true },
	{ "port missing from xpan_ports dropped, counted in no slot",
	  uni_p1, sizeof(uni_p1), .setup = setup_port_missing,
	  .want = W_DROP, .no_stats = true, .check = check_counted_nowhere },
	{ "port slot beyond the counters forwards, counted in no slot",
	  uni_p1, sizeof(uni_p1), .setup = setup_slot_out_of_range,
	  .want = W_REDIRECT, .to = 1, .no_stats = true,
	  .check = check_counted_nowhere },
	{ "disabled port drops everything",
	  uni_p1, sizeof(uni_p1), .setup = setup_port_disabled,
	  .want = W_DROP, .d = { .drop = XPAN_DROP_PORT_DISABLED } },
	TRUNC_ETH(0), TRUNC_ETH(1), TRUNC_ETH(2), TRUNC_ETH(3), TRUNC_ETH(4),
	TRUNC_ETH(5), TRUNC_ETH(6), TRUNC_ETH(7), TRUNC_ETH(8), TRUNC_ETH(9),
	TRUNC_ETH(10), TRUNC_ETH(11), TRUNC_ETH(12), TRUNC_ETH(13),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static __u32 verdict_of(enum dp_hook hook, enum dp_want want)
{
	if (hook == DP_XDP) {
		switch (want) {
		case W_DROP: return XDP_DROP;
		case W_TX: return XDP_REDIRECT;	/* tx-back: bpf_redirect(self) */
		case W_REDIRECT:
		case W_FLOOD: return XDP_REDIRECT;	/* flood: devmap broadcast */
		}
	}
	switch (want) {
	case W_DROP: return TC_ACT_SHOT;
	case W_FLOOD: return TC_ACT_STOLEN;	/* original consumed after clones */
	case W_REDIRECT:
	case W_TX: return TC_ACT_REDIRECT;	/* tx-back: bpf_redirect(self) */
	}
	return ~0U;
}

/* Every counter index, by enum xpan_counter: what this case must add. */
static __u64 want_delta(const struct dp_case *c, enum dp_hook hook,
			unsigned int k, __u64 filtered, bool live)
{
	switch (k) {
	case XPAN_CNT_RX_PACKETS: return 1;
	case XPAN_CNT_RX_BYTES:
		return c->len - (hook == DP_TC && c->tagged && live ? 4 : 0);
	case XPAN_CNT_FWD_UNICAST: return c->d.fwd_unicast;
	case XPAN_CNT_FLOODED: return c->d.flooded;
	case XPAN_CNT_ARP_REPLIES: return c->d.arp_replies;
	case XPAN_CNT_LEARNED: return c->d.learned;
	case XPAN_CNT_DROP(XPAN_DROP_FLOOD_FILTER): return filtered;
	}
	if (c->d.drop != XPAN_DROP_NONE && k == XPAN_CNT_DROP(c->d.drop))
		return 1;
	return 0;
}

static void check_delta(const struct dp_case *c, enum dp_hook hook,
			const struct xpan_port_counters *a,
			const struct xpan_port_counters *b, __u64 filtered,
			const char *phase)
{
	const char *h = dp_hook_name(hook);
	bool live = !strcmp(phase, "live");
	unsigned int k;

	if (c->no_stats)
		return;
	for (k = 0; k < XPAN_CNT_SLOTS; k++)
		cr_assert_eq(b->v[k] - a->v[k],
			     want_delta(c, hook, k, filtered, live),
			     "[%s %s] %s: counter %u%s", h, phase, c->name, k,
			     k >= XPAN_CNT_DROP_BASE ? " (a drop reason)" : "");
}

/* Which peers must receive a frame for this case. */
static unsigned int receivers(const struct dp_case *c)
{
	switch (c->want) {
	case W_REDIRECT: return 1U << c->to;
	case W_TX: return 1U << 0;
	case W_FLOOD: return FLOOD_PEERS;
	case W_DROP: break;
	}
	return 0;
}

static void check_deliveries(const struct dp_case *c, enum dp_hook hook,
			     unsigned int expect, const char *phase)
{
	const __u8 *frame = c->out ? c->out : c->in;
	size_t len = c->out ? c->out_len : c->len;
	int p;

	for (p = 0; p < DP_NPORTS; p++)
		if (expect & (1U << p))
			cr_assert(dp_sock_expect(p, frame, len),
				  "[%s %s] %s: frame arrives on dpt%dp",
				  dp_hook_name(hook), phase, c->name, p);
	/*
	 * Copies to other peers would have been sent in the same batch as
	 * the expected ones, so they would be queued by now.
	 */
	for (p = 0; p < DP_NPORTS; p++)
		if (!(expect & (1U << p)))
			cr_assert_eq(dp_sock_pending(p), 0,
				     "[%s %s] %s: nothing arrives on dpt%dp",
				     dp_hook_name(hook), phase, c->name, p);
}

static void run_case(const struct dp_case *c, enum dp_hook hook)
{
	struct xpan_port_counters before, after;
	__u8 out[4096];
	__u32 out_len = sizeof(out), retval = ~0U;
	const __u8 *want_out = c->out ? c->out : c->in;
	size_t want_len = c->out ? c->out_len : c->len;
	const char *h = dp_hook_name(hook);
	int err;

	if (c->setup)
		c->setup();
	dp_sock_drain();
	dp_stats_read(0, &before);
	err = dp_run(hook, 0, c->in, c->len, out, &out_len, &retval);
	if (c->len < 14) {
		/*
		 * Test runs of both hooks refuse frames shorter than an
		 * Ethernet header, and no device hands one to a program;
		 * dp_parse checks parse_ethhdr on these lengths instead.
		 */
		cr_assert_eq(err, -EINVAL,
			     "[%s] %s: kernel refuses frames under 14 bytes",
			     h, c->name);
		return;
	}
	if (hook == DP_TC && c->skb_run_refused) {
		cr_assert_eq(err, -EINVAL, "[tc] %s: skb test run refuses it",
			     c->name);
		return;
	}
	cr_assert_eq(err, 0, "[%s] %s: test run: %s", h, c->name,
		     strerror(-err));
	cr_assert_eq(retval, verdict_of(hook, c->want),
		     "[%s] %s: verdict %s", h, c->name, want_name[c->want]);
	cr_assert_eq(out_len, want_len, "[%s] %s: output length", h, c->name);
	cr_assert_arr_eq(out, want_out, want_len, "[%s] %s: output frame", h,
			 c->name);
	dp_stats_read(0, &after);
	check_delta(c, hook, &before, &after, 0, "run");
	if (c->check)
		c->check();
	/* Only TC clones leave during a test run; XDP's copies wait for dp_live. */
	if (hook == DP_TC && c->want == W_FLOOD)
		check_deliveries(c, hook, FLOOD_PEERS, "run");
}

static void live_case(const struct dp_case *c, enum dp_hook hook)
{
	struct xpan_port_counters before, after;
	const char *h = dp_hook_name(hook);
	__u64 filtered = 0;
	int err;

	if (c->setup)
		c->setup();
	dp_attach(hook, 0);
	dp_sock_drain();
	dp_stats_read(0, &before);
	err = dp_sock_send(0, c->in, c->len);
	cr_assert_eq(err, 0, "[%s live] %s: send from dpt0p: %s", h, c->name,
		     strerror(-err));
	cr_assert(dp_wait_rx(0, before.v[XPAN_CNT_RX_PACKETS]),
		  "[%s live] %s: program counted the frame", h, c->name);
	check_deliveries(c, hook, receivers(c), "live");
	/* XDP floods to every devmap port; the egress filter drops dpt2's copy. */
	if (hook == DP_XDP && c->want == W_FLOOD)
		filtered = 1;
	dp_stats_read(0, &after);
	check_delta(c, hook, &before, &after, filtered, "live");
	if (c->check)
		c->check();
}

static int *case_indexes(void)
{
	static int idx[NCASES];
	size_t i;

	for (i = 0; i < NCASES; i++)
		idx[i] = (int)i;
	return idx;
}

ParameterizedTestParameters(dp_run, tc)
{
	return cr_make_param_array(int, case_indexes(), NCASES);
}

ParameterizedTest(int *i, dp_run, tc, .init = dp_setup, .fini = dp_teardown)
{
	run_case(&cases[*i], DP_TC);
}

ParameterizedTestParameters(dp_run, xdp)
{
	return cr_make_param_array(int, case_indexes(), NCASES);
}

ParameterizedTest(int *i, dp_run, xdp, .init = dp_setup, .fini = dp_teardown)
{
	run_case(&cases[*i], DP_XDP);
}

/* Live runs need a frame a node can send and counters to wait on. */
static int *live_indexes(size_t *n)
{
	static int idx[NCASES];
	size_t i;

	*n = 0;
	for (i = 0; i < NCASES; i++)
		if (cases[i].len >= 14 && !cases[i].no_stats)
			idx[(*n)++] = (int)i;
	return idx;
}

ParameterizedTestParameters(dp_live, tc)
{
	size_t n;
	int *idx = live_indexes(&n);

	return cr_make_param_array(int, idx, n);
}

ParameterizedTest(int *i, dp_live, tc, .init = dp_setup, .fini = dp_teardown)
{
	live_case(&cases[*i], DP_TC);
}

ParameterizedTestParameters(dp_live, xdp)
{
	size_t n;
	int *idx = live_indexes(&n);

	return cr_make_param_array(int, idx, n);
}

ParameterizedTest(int *i, dp_live, xdp, .init = dp_setup, .fini = dp_teardown)
{
	live_case(&cases[*i], DP_XDP);
}
