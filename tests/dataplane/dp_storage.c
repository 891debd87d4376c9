// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The storage network (bpf/storage.h): a node reaches the portal from its
 * own storage address through its own port and nothing else crosses the
 * subnet; the storage port (dpst1) answers the host's ARP for nodes and
 * delivers portal -> node frames to the right port. Node side through
 * both builds, storage side through the TC program; counters by reason on
 * the right slot; the same through lib/dataplane.c, with the upgrade of
 * pins from a build before the storage network.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "dataplane.h"
#include "dp_env.h"
#include "dp_frames.h"
#include "dp_internal.h"

#define MAC_PORTAL	0x02, 0x00, 0x07, 0xff, 0x00, 0x01
#define IP_PORTAL	100, 64, 0, 1
#define SIP_P0		100, 64, 1, 1		/* port 0's storage address */
#define SIP_P1		100, 64, 1, 2		/* port 1's */
#define SIP_UNKNOWN	100, 64, 1, 99		/* in the subnet, nobody's */
#define SIP_BCAST	100, 64, 255, 255
#define IP_OTHER_HOST	100, 64, 0, 2		/* a host address, not the portal */

static __u32 v_redirect(enum dp_hook hook)
{
	return hook == DP_XDP ? XDP_REDIRECT : TC_ACT_REDIRECT;
}

static __u32 v_drop(enum dp_hook hook)
{
	return hook == DP_XDP ? XDP_DROP : TC_ACT_SHOT;
}

/* Runs a frame from port through hook; the verdict. out may be NULL. */
static __u32 run(enum dp_hook hook, int port, const void *in, size_t len,
		 void *out, __u32 *out_len)
{
	__u8 buf[512];
	__u32 blen = sizeof(buf), retval = ~0U;
	int err;

	err = dp_run(hook, port, in, len, out ? out : buf,
		     out ? out_len : &blen, &retval);
	cr_assert_eq(err, 0, "[%s] test run: %s", dp_hook_name(hook),
		     strerror(-err));
	return retval;
}

static __u32 run_storage(int ifindex, const void *in, size_t len, void *out,
			 __u32 *out_len)
{
	__u8 buf[512];
	__u32 blen = sizeof(buf), retval = ~0U;
	int err;

	err = dp_run_storage(ifindex, in, len, out ? out : buf,
			     out ? out_len : &blen, &retval);
	cr_assert_eq(err, 0, "storage test run: %s", strerror(-err));
	return retval;
}

static __u64 slot_stat(__u32 slot, unsigned int idx)
{
	struct xpan_port_counters s;

	dp_stats_read_slot(slot, &s);
	return s.v[idx];
}

#define DROPS(port, reason) dp_stat(port, XPAN_CNT_DROP(reason))
#define SDROPS(reason) slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_DROP(reason))

/* Every slot but these two counted nothing. */
static void only_slots(__u32 a, __u32 b, const char *h)
{
	static const struct xpan_port_counters zero;
	struct xpan_port_counters s;

	for (__u32 slot = 0; slot < XPAN_MAX_PORTS; slot++) {
		if (slot == a || slot == b)
			continue;
		dp_stats_read_slot(slot, &s);
		cr_assert_arr_eq(&s, &zero, sizeof(s),
				 "[%s] slot %u counted nothing", h, slot);
	}
}

/* ---- node side ---- */

static void arp_portal_answered(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	const __u8 req[] = {
		ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, SIP_P0, MAC_ZERO, IP_PORTAL), PAD18,
	};
	const __u8 reply[] = {
		ETH_ARP(MAC_P0, MAC_PORTAL),
		ARP(2, MAC_PORTAL, IP_PORTAL, MAC_P0, SIP_P0), PAD18,
	};
	/* Neighbour refresh: unicast to the portal's MAC; a probe (0.0.0.0). */
	const __u8 probe[] = {
		ETH_ARP(MAC_PORTAL, MAC_P0),
		ARP(1, MAC_P0, IP_ANY, MAC_PORTAL, IP_PORTAL), PAD18,
	};
	const __u8 probe_reply[] = {
		ETH_ARP(MAC_P0, MAC_PORTAL),
		ARP(2, MAC_PORTAL, IP_PORTAL, MAC_P0, IP_ANY), PAD18,
	};
	__u8 out[256];
	__u32 out_len = sizeof(out);

	cr_assert_eq(run(hook, 0, req, sizeof(req), out, &out_len),
		     v_redirect(hook), "[%s] ARP for the portal sent back", h);
	cr_assert_eq(out_len, sizeof(reply), "[%s] reply length", h);
	cr_assert_arr_eq(out, reply, sizeof(reply),
			 "[%s] answered with the portal's MAC", h);
	out_len = sizeof(out);
	cr_assert_eq(run(hook, 0, probe, sizeof(probe), out, &out_len),
		     v_redirect(hook), "[%s] unicast probe answered", h);
	cr_assert_arr_eq(out, probe_reply, sizeof(probe_reply),
			 "[%s] probe reply", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_ARP_REPLIES), 2, "[%s] arp_replies", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_FLOODED), 0, "[%s] nothing flooded", h);
	for (int r = 0; r < XPAN_DROP_MAX; r++)
		cr_assert_eq(DROPS(0, r), 0, "[%s] no drop (reason %d)", h, r);
}

DP_TEST_BOTH_HOOKS(dp_storage, node_arp_for_portal_answered, arp_portal_answered)

static void arp_subnet_dropped(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	const __u8 dst[][60] = {
		/* another node's storage address */
		{ ETH_ARP(MAC_BCAST, MAC_P0),
		  ARP(1, MAC_P0, SIP_P0, MAC_ZERO, SIP_P1), PAD18 },
		/* gratuitous, own address */
		{ ETH_ARP(MAC_BCAST, MAC_P0),
		  ARP(1, MAC_P0, SIP_P0, MAC_ZERO, SIP_P0), PAD18 },
		/* a reply to the portal */
		{ ETH_ARP(MAC_PORTAL, MAC_P0),
		  ARP(2, MAC_P0, SIP_P0, MAC_PORTAL, IP_PORTAL), PAD18 },
		/* probe for another node's address */
		{ ETH_ARP(MAC_BCAST, MAC_P0),
		  ARP(1, MAC_P0, IP_ANY, MAC_ZERO, SIP_P1), PAD18 },
		/* from the storage address into the VLAN */
		{ ETH_ARP(MAC_BCAST, MAC_P0),
		  ARP(1, MAC_P0, SIP_P0, MAC_ZERO, IP_P1), PAD18 },
	};
	const __u8 src[][60] = {
		/* as port 1's storage address */
		{ ETH_ARP(MAC_BCAST, MAC_P0),
		  ARP(1, MAC_P0, SIP_P1, MAC_ZERO, IP_PORTAL), PAD18 },
		/* as nobody's */
		{ ETH_ARP(MAC_BCAST, MAC_P0),
		  ARP(1, MAC_P0, SIP_UNKNOWN, MAC_ZERO, IP_PORTAL), PAD18 },
		/* a VLAN address towards another node's storage address */
		{ ETH_ARP(MAC_BCAST, MAC_P0),
		  ARP(1, MAC_P0, IP_P0, MAC_ZERO, SIP_P1), PAD18 },
	};
	size_t i;

	for (i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
		cr_assert_eq(run(hook, 0, dst[i], 60, NULL, NULL), v_drop(hook),
			     "[%s] ARP %zu towards the subnet dropped", h, i);
	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		cr_assert_eq(run(hook, 0, src[i], 60, NULL, NULL), v_drop(hook),
			     "[%s] ARP %zu from a foreign address dropped", h,
			     i);
	cr_assert_eq(DROPS(0, XPAN_DROP_STORAGE_DST), 5, "[%s] storage_dst", h);
	cr_assert_eq(DROPS(0, XPAN_DROP_STORAGE_SRC), 3, "[%s] storage_src", h);
	cr_assert_eq(DROPS(0, XPAN_DROP_SPOOFED_IP), 0, "[%s] not spoofed_ip", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_ARP_REPLIES), 0, "[%s] nothing answered",
		     h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_FLOODED), 0, "[%s] nothing flooded", h);
}

DP_TEST_BOTH_HOOKS(dp_storage, node_arp_in_subnet_dropped, arp_subnet_dropped)

static const __u8 to_portal[] = {
	ETH_IP4(MAC_PORTAL, MAC_P0), IP4_UDP(SIP_P0, IP_PORTAL), UDP_DPT,
};

static void ip4_to_portal(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	__u8 out[256];
	__u32 out_len = sizeof(out);

	cr_assert_eq(run(hook, 0, to_portal, sizeof(to_portal), out, &out_len),
		     v_redirect(hook), "[%s] to the portal: redirected", h);
	cr_assert_arr_eq(out, to_portal, sizeof(to_portal),
			 "[%s] the frame is not changed", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_STORAGE), 1, "[%s] storage counted", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_FWD_UNICAST), 0,
		     "[%s] not VLAN forwarding", h);

	/* Live: it leaves through the storage veth, to the host end only. */
	dp_attach(hook, 0);
	dp_sock_drain();
	cr_assert_eq(dp_sock_send(0, to_portal, sizeof(to_portal)), 0,
		     "[%s] send from dpt0p", h);
	cr_assert(dp_portal_expect(to_portal, sizeof(to_portal)),
		  "[%s] the frame reached the portal's end dpst0", h);
	for (int p = 1; p < DP_NPORTS; p++)
		cr_assert_eq(dp_sock_pending(p), 0, "[%s] nothing on port %d",
			     h, p);
	cr_assert_eq(dp_stat(0, XPAN_CNT_STORAGE), 2, "[%s] storage counted",
		     h);
}

DP_TEST_BOTH_HOOKS(dp_storage, node_ip4_to_portal_redirected, ip4_to_portal)

static void ip4_wrong_src(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	const __u8 frames[][46] = {
		/* port 1's storage address */
		{ ETH_IP4(MAC_PORTAL, MAC_P0), IP4_UDP(SIP_P1, IP_PORTAL),
		  UDP_DPT },
		/* nobody's */
		{ ETH_IP4(MAC_PORTAL, MAC_P0), IP4_UDP(SIP_UNKNOWN, IP_PORTAL),
		  UDP_DPT },
		/* its VLAN address, to the portal */
		{ ETH_IP4(MAC_PORTAL, MAC_P0), IP4_UDP(IP_P0, IP_PORTAL),
		  UDP_DPT },
		/* its VLAN address, to another node's storage address */
		{ ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_P0, SIP_P1), UDP_DPT },
		/* VLAN addresses only, at the portal's MAC */
		{ ETH_IP4(MAC_PORTAL, MAC_P0), IP4_UDP(IP_P0, IP_P1), UDP_DPT },
	};

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		cr_assert_eq(run(hook, 0, frames[i], sizeof(frames[i]), NULL,
				 NULL), v_drop(hook),
			     "[%s] frame %zu from a foreign source dropped", h,
			     i);
	cr_assert_eq(DROPS(0, XPAN_DROP_STORAGE_SRC), 5, "[%s] storage_src", h);
	cr_assert_eq(DROPS(0, XPAN_DROP_STORAGE_DST), 0, "[%s] storage_dst", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_STORAGE), 0, "[%s] nothing forwarded",
		     h);
}

DP_TEST_BOTH_HOOKS(dp_storage, node_ip4_foreign_source_dropped, ip4_wrong_src)

static void ip4_wrong_dst(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	const __u8 frames[][46] = {
		/* another node */
		{ ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(SIP_P0, SIP_P1), UDP_DPT },
		/* the portal's address behind another node's MAC */
		{ ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(SIP_P0, IP_PORTAL), UDP_DPT },
		/* the subnet's broadcast */
		{ ETH_IP4(MAC_BCAST, MAC_P0), IP4_UDP(SIP_P0, SIP_BCAST),
		  UDP_DPT },
		/* another host address at the portal's MAC */
		{ ETH_IP4(MAC_PORTAL, MAC_P0), IP4_UDP(SIP_P0, IP_OTHER_HOST),
		  UDP_DPT },
		/* out of the subnet, from the storage address */
		{ ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(SIP_P0, IP_P1), UDP_DPT },
	};

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		cr_assert_eq(run(hook, 0, frames[i], sizeof(frames[i]), NULL,
				 NULL), v_drop(hook),
			     "[%s] frame %zu not to the portal dropped", h, i);
	cr_assert_eq(DROPS(0, XPAN_DROP_STORAGE_DST), 5, "[%s] storage_dst", h);
	cr_assert_eq(DROPS(0, XPAN_DROP_STORAGE_SRC), 0, "[%s] storage_src", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_FLOODED), 0, "[%s] nothing flooded", h);
}

DP_TEST_BOTH_HOOKS(dp_storage, node_ip4_not_to_portal_dropped, ip4_wrong_dst)

static void never_learned(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	const __u8 arp[] = {
		ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, SIP_P0, MAC_ZERO, IP_PORTAL), PAD18,
	};
	const __u8 arp_other[] = {
		ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, SIP_P0, MAC_ZERO, SIP_P1), PAD18,
	};
	const __u8 arp_vlan[] = {
		ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, SIP_P0, MAC_ZERO, IP_P1), PAD18,
	};
	const __u8 to_vlan[] = {
		ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(SIP_P0, IP_P1), UDP_DPT,
	};
	const __u8 from_other[] = {
		ETH_IP4(MAC_PORTAL, MAC_P0), IP4_UDP(SIP_P1, IP_PORTAL), UDP_DPT,
	};
	const __u8 vlan_new[] = {
		ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_NEW, IP_P1), UDP_DPT,
	};
	struct xpan_learned l;
	struct xpan_port_rt rt;

	dp_guard_set(0, 8, 0, 0);
	run(hook, 0, to_portal, sizeof(to_portal), NULL, NULL);
	run(hook, 0, arp, sizeof(arp), NULL, NULL);
	run(hook, 0, arp_other, sizeof(arp_other), NULL, NULL);
	run(hook, 0, arp_vlan, sizeof(arp_vlan), NULL, NULL);
	run(hook, 0, to_vlan, sizeof(to_vlan), NULL, NULL);
	run(hook, 0, from_other, sizeof(from_other), NULL, NULL);
	cr_assert(!dp_learned_get(10, "100.64.1.1", &l),
		  "[%s] own storage address not learned", h);
	cr_assert(!dp_learned_get(10, "100.64.1.2", &l),
		  "[%s] another node's storage address not learned", h);
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, 0, "[%s] no quota used", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_LEARNED), 0, "[%s] learned counter", h);
	/* Learning was on all along. */
	cr_assert_eq(run(hook, 0, vlan_new, sizeof(vlan_new), NULL, NULL),
		     v_redirect(hook), "[%s] a VLAN source is learned", h);
	cr_assert(dp_learned_get(10, "10.10.0.50", &l), "[%s] learned", h);
}

DP_TEST_BOTH_HOOKS(dp_storage, storage_address_never_learned, never_learned)

/* flags 0: the subnet is VLAN traffic as before the storage network. */
static void disabled(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	const __u8 arp[] = {
		ETH_ARP(MAC_BCAST, MAC_P0),
		ARP(1, MAC_P0, SIP_P0, MAC_ZERO, IP_PORTAL), PAD18,
	};
	struct xpan_learned l;

	dp_storage_set(0);
	dp_guard_set(0, 8, 0, 0);
	run(hook, 0, arp, sizeof(arp), NULL, NULL);
	cr_assert_eq(dp_stat(0, XPAN_CNT_FLOODED), 1,
		     "[%s] ARP for the portal flooded in the VLAN", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_ARP_REPLIES), 0, "[%s] not answered",
		     h);
	cr_assert(dp_learned_get(10, "100.64.1.1", &l),
		  "[%s] the address is learned as a VLAN address", h);
	cr_assert_eq(run(hook, 0, to_portal, sizeof(to_portal), NULL, NULL),
		     v_drop(hook), "[%s] the portal's MAC is unknown", h);
	cr_assert_eq(DROPS(0, XPAN_DROP_UNKNOWN_DST), 1, "[%s] unknown_dst", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_STORAGE), 0, "[%s] storage", h);
	cr_assert_eq(DROPS(0, XPAN_DROP_STORAGE_SRC) +
		     DROPS(0, XPAN_DROP_STORAGE_DST), 0, "[%s] storage drops", h);
}

DP_TEST_BOTH_HOOKS(dp_storage, disabled_is_vlan_traffic, disabled)

/* ---- storage port ---- */

Test(dp_storage, host_arp_for_node_answered, .init = dp_setup,
     .fini = dp_teardown)
{
	const __u8 req[] = {
		ETH_ARP(MAC_BCAST, MAC_PORTAL),
		ARP(1, MAC_PORTAL, IP_PORTAL, MAC_ZERO, SIP_P1), PAD18,
	};
	const __u8 reply[] = {
		ETH_ARP(MAC_PORTAL, MAC_P1),
		ARP(2, MAC_P1, SIP_P1, MAC_PORTAL, IP_PORTAL), PAD18,
	};
	__u8 out[256];
	__u32 out_len = sizeof(out);

	cr_assert_eq(run_storage(0, req, sizeof(req), out, &out_len),
		     TC_ACT_REDIRECT, "sent back to the host");
	cr_assert_eq(out_len, sizeof(reply), "reply length");
	cr_assert_arr_eq(out, reply, sizeof(reply),
			 "answered with port 1's MAC");
	cr_assert_eq(slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_ARP_REPLIES), 1,
		     "arp_replies on the storage slot");
	cr_assert_eq(slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_RX_PACKETS), 1,
		     "rx_packets on the storage slot");
	only_slots(XPAN_STORAGE_SLOT, XPAN_STORAGE_SLOT, "storage arp");
}

/* The host still has port 1's MAC for port 0's address (it moved). */
static const __u8 to_node_stale[] = {
	ETH_IP4(MAC_P1, MAC_PORTAL), IP4_UDP(IP_PORTAL, SIP_P0), UDP_DPT,
};
static const __u8 to_node[] = {
	ETH_IP4(MAC_P0, MAC_PORTAL), IP4_UDP(IP_PORTAL, SIP_P0), UDP_DPT,
};

Test(dp_storage, portal_to_node_delivered, .init = dp_setup,
     .fini = dp_teardown)
{
	__u8 out[256];
	__u32 out_len = sizeof(out);

	cr_assert_eq(run_storage(0, to_node_stale, sizeof(to_node_stale), out,
				 &out_len), TC_ACT_REDIRECT, "redirected");
	cr_assert_arr_eq(out, to_node, sizeof(to_node),
			 "destination MAC rewritten to port 0's");

	dp_attach_storage();
	dp_sock_drain();
	cr_assert_eq(dp_portal_send(to_node_stale, sizeof(to_node_stale)), 0,
		     "send from dpst0");
	cr_assert(dp_sock_expect(0, to_node, sizeof(to_node)),
		  "port 0's node got it, with its own MAC");
	for (int p = 1; p < DP_NPORTS; p++)
		cr_assert_eq(dp_sock_pending(p), 0, "nothing on port %d", p);
	cr_assert_eq(slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_STORAGE), 2,
		     "storage counted on the storage slot");
	only_slots(XPAN_STORAGE_SLOT, XPAN_STORAGE_SLOT, "portal to node");
}

Test(dp_storage, storage_port_drops, .init = dp_setup, .fini = dp_teardown)
{
	const __u8 frames[][66] = {
		/* unknown address */
		{ ETH_IP4(MAC_P0, MAC_PORTAL), IP4_UDP(IP_PORTAL, SIP_UNKNOWN),
		  UDP_DPT },
		/* not from the portal */
		{ ETH_IP4(MAC_P0, MAC_PORTAL), IP4_UDP(IP_OTHER_HOST, SIP_P0),
		  UDP_DPT },
		/* to a VLAN address */
		{ ETH_IP4(MAC_P0, MAC_PORTAL), IP4_UDP(IP_PORTAL, IP_P0),
		  UDP_DPT },
		/* IPv6 */
		{ ETH_IP6(MAC_P0, MAC_PORTAL), IP6_UDP(IP6_GLOBAL, IP6_LL_P0),
		  UDP_DPT },
		/* ARP for nobody */
		{ ETH_ARP(MAC_BCAST, MAC_PORTAL),
		  ARP(1, MAC_PORTAL, IP_PORTAL, MAC_ZERO, SIP_UNKNOWN), PAD18 },
		/* an ARP reply */
		{ ETH_ARP(MAC_P0, MAC_PORTAL),
		  ARP(2, MAC_PORTAL, IP_PORTAL, MAC_P0, SIP_P0), PAD18 },
	};
	const size_t len[] = { 46, 46, 46, 66, 60, 60 };
	size_t i, n = sizeof(frames) / sizeof(frames[0]);

	for (i = 0; i < n; i++)
		cr_assert_eq(run_storage(0, frames[i], len[i], NULL, NULL),
			     TC_ACT_SHOT, "frame %zu dropped", i);
	cr_assert_eq(SDROPS(XPAN_DROP_STORAGE_IN), n, "storage_in");

	/* Somewhere else than the storage port: nothing forwarded. */
	cr_assert_eq(run_storage(dp.ifindex[1], to_node, sizeof(to_node), NULL,
				 NULL), TC_ACT_SHOT, "wrong ingress dropped");
	cr_assert_eq(SDROPS(XPAN_DROP_STORAGE_IN), n + 1, "storage_in");
	/* Network off. */
	dp_storage_set(0);
	cr_assert_eq(run_storage(0, to_node, sizeof(to_node), NULL, NULL),
		     TC_ACT_SHOT, "network off: dropped");
	cr_assert_eq(SDROPS(XPAN_DROP_STORAGE_IN), n + 2, "storage_in");
	cr_assert_eq(slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_RX_PACKETS), n + 2,
		     "rx_packets");
	cr_assert_eq(slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_STORAGE), 0,
		     "nothing forwarded");
	only_slots(XPAN_STORAGE_SLOT, XPAN_STORAGE_SLOT, "storage drops");
}

/* Each direction counts on its own slot, and only there. */
static void slots(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);

	run(hook, 0, to_portal, sizeof(to_portal), NULL, NULL);
	run_storage(0, to_node, sizeof(to_node), NULL, NULL);
	cr_assert_eq(dp_stat(0, XPAN_CNT_RX_PACKETS), 1, "[%s] port 0 rx", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_STORAGE), 1, "[%s] port 0 storage", h);
	cr_assert_eq(slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_RX_PACKETS), 1,
		     "[%s] storage port rx", h);
	cr_assert_eq(slot_stat(XPAN_STORAGE_SLOT, XPAN_CNT_STORAGE), 1,
		     "[%s] storage port storage", h);
	only_slots(dp_port_slot[0], XPAN_STORAGE_SLOT, h);
}

DP_TEST_BOTH_HOOKS(dp_storage, counted_on_own_slots, slots)

/* ---- through lib/dataplane.c ---- */

static char lib_bpffs[64];
static struct xpan_dp *lib_dp;

static void lib_teardown(void)
{
	if (lib_dp)
		xpan_dp_close(lib_dp);
	if (lib_bpffs[0])
		xpan_dp_unload(lib_bpffs);
	rmdir(lib_bpffs);
	dp_teardown();
}

static void lib_open(bool create)
{
	int err;

	if (lib_dp)
		xpan_dp_close(lib_dp);
	lib_dp = NULL;
	err = xpan_dp_open(lib_bpffs, create, &lib_dp);
	cr_assert_eq(err, 0, "open the dataplane under %s (create %d): %s",
		     lib_bpffs, create, strerror(-err));
}

static __u32 pinned_id(const char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", lib_bpffs, name);
	fd = bpf_obj_get(path);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0, "info");
	close(fd);
	return info.id;
}

static __u32 tc_id(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XPAN_TC_HANDLE,
		    .priority = XPAN_TC_PRIO);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

static void unpin(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", lib_bpffs, name);
	cr_assert_eq(unlink(path), 0, "unlink %s: %s", path, strerror(errno));
}

/*
 * Attach is idempotent and detach/unload take the program away; pins of
 * a build before the storage network (simulated: its storage pins
 * removed, so the pinned port programs use maps no longer pinned) are
 * usable read-only and upgraded on the next load, the running port and
 * storage programs swapped for the new ones.
 */
Test(dp_storage, lib_attach_and_upgrade, .init = dp_setup,
     .fini = lib_teardown)
{
	struct xpan_dp_port_state ps;
	__u32 old_port, old_storage;
	int err;

	snprintf(lib_bpffs, sizeof(lib_bpffs), "/sys/fs/bpf/xpan-t-dpstor-%d",
		 (int)getpid());
	cr_assert_eq(xpan_dp_prepare_bpffs(lib_bpffs), 0, "bpffs");
	lib_open(true);
	cr_assert_geq(xpan_dp_maps(lib_dp)->storage, 0, "xpan_storage fd");
	cr_assert_geq(xpan_dp_maps(lib_dp)->storage_addrs, 0,
		      "xpan_storage_addrs fd");

	err = xpan_dp_attach_storage(lib_dp, dp.storage_ifindex);
	cr_assert_eq(err, 0, "attach storage: %s", strerror(-err));
	cr_assert_eq(tc_id(dp.storage_ifindex), pinned_id("prog_storage_tc"),
		     "prog_storage_tc runs on dpst1");
	cr_assert_eq(xpan_dp_attach_storage(lib_dp, dp.storage_ifindex), 0,
		     "attach again");
	cr_assert(xpan_dp_storage_attached(lib_dp, dp.storage_ifindex),
		  "still attached");
	cr_assert_eq(xpan_dp_detach_storage(lib_dp, dp.storage_ifindex), 0,
		     "detach");
	cr_assert_eq(tc_id(dp.storage_ifindex), 0, "detached");
	cr_assert_eq(xpan_dp_detach_storage(lib_dp, dp.storage_ifindex), 0,
		     "detach again");

	cr_assert_eq(xpan_dp_attach_storage(lib_dp, dp.storage_ifindex), 0,
		     "attach storage");
	cr_assert_eq(xpan_dp_attach(lib_dp, dp.ifindex[0], XPAN_DP_TC), 0,
		     "attach port 0 (tc)");
	cr_assert_eq(xpan_dp_attach(lib_dp, dp.ifindex[1], XPAN_DP_XDP), 0,
		     "attach port 1 (xdp)");
	old_port = pinned_id("prog_port_tc");
	old_storage = pinned_id("prog_storage_tc");

	/* An older build's pins. */
	xpan_dp_close(lib_dp);
	lib_dp = NULL;
	unpin("xpan_storage");
	unpin("xpan_storage_addrs");
	unpin("prog_storage_tc");
	lib_open(false);
	cr_assert_lt(xpan_dp_maps(lib_dp)->storage, 0,
		     "read-only open: no xpan_storage yet");
	xpan_dp_close(lib_dp);
	lib_dp = NULL;
	/* A crash after loading, before the swap: the next open swaps. */
	setenv("XPAN_UPGRADE_ABORT_AFTER", "load", 1);
	err = xpan_dp_open(lib_bpffs, true, &lib_dp);
	unsetenv("XPAN_UPGRADE_ABORT_AFTER");
	cr_assert_eq(err, -ECANCELED, "upgrade stopped after loading: %s",
		     strerror(-err));
	cr_assert_neq(pinned_id("prog_port_tc"), old_port,
		      "new prog_port_tc pinned");
	cr_assert_eq(tc_id(dp.ifindex[0]), old_port,
		     "port 0 still runs the old program");
	lib_open(true);
	cr_assert_geq(xpan_dp_maps(lib_dp)->storage, 0, "xpan_storage pinned");
	cr_assert_neq(pinned_id("prog_port_tc"), old_port,
		      "prog_port_tc reloaded");
	cr_assert_neq(pinned_id("prog_storage_tc"), old_storage,
		      "prog_storage_tc reloaded");
	cr_assert_eq(xpan_dp_query(dp.ifindex[0], &ps), 0, "query port 0");
	cr_assert_eq(ps.tc_prog_id, pinned_id("prog_port_tc"),
		     "port 0 runs the new TC program");
	cr_assert_eq(xpan_dp_query(dp.ifindex[1], &ps), 0, "query port 1");
	cr_assert_eq(ps.xdp_prog_id, pinned_id("prog_port_xdp"),
		     "port 1 runs the new XDP program");
	cr_assert_eq(tc_id(dp.storage_ifindex), pinned_id("prog_storage_tc"),
		     "dpst1 runs the new storage program");
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/upgrade_pending", lib_bpffs);
		cr_assert_neq(access(path, F_OK), 0,
			      "the upgrade mark is gone once complete");
	}

	xpan_dp_close(lib_dp);
	lib_dp = NULL;
	cr_assert_eq(xpan_dp_unload(lib_bpffs), 0, "unload");
	lib_bpffs[0] = '\0';
	cr_assert_eq(tc_id(dp.storage_ifindex), 0,
		     "unload took xpan_storage_in off dpst1");
	cr_assert_eq(tc_id(dp.ifindex[0]), 0, "and xpan_port_in off dpt0");
}
