// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flooding from the one member of VLAN 20 (port 2): nobody may receive
 * it. In XDP the devmap broadcast makes a copy for each other XDP port and
 * xpan_flood_egress must drop all three; in TC the clone loop finds no
 * other member. Also pins down why the egress filter is tested through
 * live frames: the kernel has no test run for devmap programs.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include "dp_env.h"
#include "dp_frames.h"
#include "port_xdp.skel.h"

static const __u8 bcast_from_p2[] = {
	ETH_IP4(MAC_BCAST, MAC_P2), IP4_UDP(IP_P2, IP_BCAST20), UDP_DPT,
};

static void flood_alone(enum dp_hook hook, __u64 filtered)
{
	struct xpan_port_stats a, b;
	int p;

	dp_attach(hook, 2);
	dp_sock_drain();
	dp_stats_read(2, &a);
	cr_assert_eq(dp_sock_send(2, bcast_from_p2, sizeof(bcast_from_p2)), 0,
		     "send broadcast from dpt2p");
	cr_assert(dp_wait_rx(2, a.rx_packets), "program counted the frame");
	dp_stats_read(2, &b);
	cr_assert_eq(b.flooded - a.flooded, 1, "flooded");
	cr_assert_eq(b.drops[XPAN_DROP_FLOOD_FILTER] -
		     a.drops[XPAN_DROP_FLOOD_FILTER], filtered,
		     "copies stopped by the egress filter");
	cr_assert_eq(b.drops[XPAN_DROP_REDIRECT] - a.drops[XPAN_DROP_REDIRECT],
		     0, "no failed clones");
	for (p = 0; p < DP_NPORTS; p++)
		cr_assert_eq(dp_sock_pending(p), 0, "nothing on dpt%dp", p);
}

Test(dp_flood, xdp_lone_member_all_copies_filtered, .init = dp_setup,
     .fini = dp_teardown)
{
	flood_alone(DP_XDP, DP_NPORTS - 1);
}

Test(dp_flood, tc_lone_member_no_clones, .init = dp_setup,
     .fini = dp_teardown)
{
	flood_alone(DP_TC, 0);
}

Test(dp_flood, devmap_program_has_no_test_run, .init = dp_setup,
     .fini = dp_teardown)
{
	__u8 out[128];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = bcast_from_p2,
		    .data_size_in = sizeof(bcast_from_p2), .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(
		bpf_program__fd(dp.xdp->progs.xpan_flood_egress), &opts);
	cr_assert_eq(err ? -errno : 0, -EINVAL,
		     "kernel refuses test runs of devmap egress programs");
}
