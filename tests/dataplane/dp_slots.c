// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Counters are indexed by the port's slot (xpan_ports[ifindex].slot), not
 * by ifindex: two ports sending different numbers of frames must find
 * exactly their own counts in their own slots, and every other slot must
 * stay zero. The fixture's slots (dp_port_slot) differ from the port
 * numbers on purpose.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "dp_env.h"
#include "dp_frames.h"

static const __u8 uni_p0_to_p1[] = {
	ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_P0, IP_P1), UDP_DPT,
};

static const __u8 uni_p1_to_p0[] = {
	ETH_IP4(MAC_P0, MAC_P1), IP4_UDP(IP_P1, IP_P0), UDP_DPT,
};

/* What port 0 (one frame) and port 1 (two frames) must have counted. */
static void check_own_slots(const char *h)
{
	static const struct xpan_port_counters zero;
	struct xpan_port_counters s;
	__u32 slot;

	dp_stats_read(0, &s);
	cr_assert_eq(s.v[XPAN_CNT_RX_PACKETS], 1, "[%s] port 0 rx_packets in slot %u", h,
		     dp_port_slot[0]);
	cr_assert_eq(s.v[XPAN_CNT_RX_BYTES], sizeof(uni_p0_to_p1), "[%s] port 0 rx_bytes",
		     h);
	cr_assert_eq(s.v[XPAN_CNT_FWD_UNICAST], 1, "[%s] port 0 fwd_unicast", h);
	dp_stats_read(1, &s);
	cr_assert_eq(s.v[XPAN_CNT_RX_PACKETS], 2, "[%s] port 1 rx_packets in slot %u", h,
		     dp_port_slot[1]);
	cr_assert_eq(s.v[XPAN_CNT_RX_BYTES], 2 * sizeof(uni_p1_to_p0),
		     "[%s] port 1 rx_bytes", h);
	cr_assert_eq(s.v[XPAN_CNT_FWD_UNICAST], 2, "[%s] port 1 fwd_unicast", h);
	for (slot = 0; slot < XPAN_MAX_PORTS; slot++) {
		if (slot == dp_port_slot[0] || slot == dp_port_slot[1])
			continue;
		dp_stats_read_slot(slot, &s);
		cr_assert_arr_eq(&s, &zero, sizeof(s),
				 "[%s] slot %u counted nothing", h, slot);
	}
}

static void run_two_ports(enum dp_hook hook)
{
	__u32 redirect = hook == DP_XDP ? XDP_REDIRECT : TC_ACT_REDIRECT;
	__u8 out[256];
	__u32 out_len, retval;
	int i, err;

	out_len = sizeof(out);
	err = dp_run(hook, 0, uni_p0_to_p1, sizeof(uni_p0_to_p1), out,
		     &out_len, &retval);
	cr_assert_eq(err, 0, "test run from port 0: %s", strerror(-err));
	cr_assert_eq(retval, redirect, "port 0's frame redirected");
	for (i = 0; i < 2; i++) {
		out_len = sizeof(out);
		err = dp_run(hook, 1, uni_p1_to_p0, sizeof(uni_p1_to_p0), out,
			     &out_len, &retval);
		cr_assert_eq(err, 0, "test run from port 1: %s",
			     strerror(-err));
		cr_assert_eq(retval, redirect, "port 1's frame redirected");
	}
	check_own_slots(dp_hook_name(hook));
}

DP_TEST_BOTH_HOOKS(dp_slots, two_ports_count_in_own_slots, run_two_ports)

/* The same with live frames through attached XDP programs. */
Test(dp_slots, xdp_live_two_ports_count_in_own_slots, .init = dp_setup,
     .fini = dp_teardown)
{
	int i;

	dp_attach(DP_XDP, 0);
	dp_attach(DP_XDP, 1);
	dp_sock_drain();
	cr_assert_eq(dp_sock_send(0, uni_p0_to_p1, sizeof(uni_p0_to_p1)), 0,
		     "send from dpt0p");
	cr_assert(dp_sock_expect(1, uni_p0_to_p1, sizeof(uni_p0_to_p1)),
		  "port 0's frame arrives on dpt1p");
	for (i = 0; i < 2; i++) {
		cr_assert_eq(dp_sock_send(1, uni_p1_to_p0,
					  sizeof(uni_p1_to_p0)), 0,
			     "send from dpt1p");
		cr_assert(dp_sock_expect(0, uni_p1_to_p0,
					 sizeof(uni_p1_to_p0)),
			  "port 1's frame arrives on dpt0p");
	}
	check_own_slots("xdp live");
}
