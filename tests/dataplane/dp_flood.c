// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flooding from the one member of VLAN 20 (port 2): nobody may receive
 * it. In XDP the devmap broadcast makes a copy for each other port in
 * xpan_flood and xpan_flood_egress must drop all three; in TC the clone
 * loop finds no other member. Also pins down why the egress filter is
 * tested through live frames: the kernel has no test run for devmap
 * programs.
 *
 * Mixed VLANs: a broadcast from an XDP port must reach the TC-mode
 * members of its VLAN (XDP floods only through xpan_flood, so they must be
 * in it) and not another VLAN's TC port; once with the fixture's maps, and
 * once through lib/dataplane.c's attach, which is what puts ports into
 * xpan_flood on a real host.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include "config.h"
#include "dataplane.h"
#include "dp_env.h"
#include "dp_frames.h"
#include "port_xdp.skel.h"

static const __u8 bcast_from_p2[] = {
	ETH_IP4(MAC_BCAST, MAC_P2), IP4_UDP(IP_P2, IP_BCAST20), UDP_DPT,
};

static void flood_alone(enum dp_hook hook, __u64 filtered)
{
	struct xpan_port_counters a, b;
	int p;

	dp_attach(hook, 2);
	dp_sock_drain();
	dp_stats_read(2, &a);
	cr_assert_eq(dp_sock_send(2, bcast_from_p2, sizeof(bcast_from_p2)), 0,
		     "send broadcast from dpt2p");
	cr_assert(dp_wait_rx(2, a.v[XPAN_CNT_RX_PACKETS]), "program counted the frame");
	dp_stats_read(2, &b);
	cr_assert_eq(b.v[XPAN_CNT_FLOODED] - a.v[XPAN_CNT_FLOODED], 1, "flooded");
	cr_assert_eq(b.v[XPAN_CNT_DROP(XPAN_DROP_FLOOD_FILTER)] -
		     a.v[XPAN_CNT_DROP(XPAN_DROP_FLOOD_FILTER)], filtered,
		     "copies stopped by the egress filter");
	cr_assert_eq(b.v[XPAN_CNT_DROP(XPAN_DROP_REDIRECT)] -
		     a.v[XPAN_CNT_DROP(XPAN_DROP_REDIRECT)],
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

static const __u8 bcast_from_p0[] = {
	ETH_IP4(MAC_BCAST, MAC_P0), IP4_UDP(IP_P0, IP_BCAST10), UDP_DPT,
};

/*
 * Port 0 runs XDP, ports 1 and 2 run TC, port 3 XDP. VLAN 10 is ports 0,
 * 1 and 3; port 2 is VLAN 20: its copy is the one filtered.
 */
static void xdp_flood_to_mixed_vlan(void)
{
	struct xpan_port_counters a, b;

	dp_sock_drain();
	dp_stats_read(0, &a);
	cr_assert_eq(dp_sock_send(0, bcast_from_p0, sizeof(bcast_from_p0)), 0,
		     "send broadcast from dpt0p");
	cr_assert(dp_sock_expect(1, bcast_from_p0, sizeof(bcast_from_p0)),
		  "the TC-mode member of VLAN 10 (dpt1p) gets the broadcast");
	cr_assert(dp_sock_expect(3, bcast_from_p0, sizeof(bcast_from_p0)),
		  "the XDP-mode member of VLAN 10 (dpt3p) gets the broadcast");
	/* The other copies left in the same devmap flush as those two. */
	cr_assert_eq(dp_sock_pending(2), 0,
		     "the TC-mode port of VLAN 20 (dpt2p) gets nothing");
	cr_assert_eq(dp_sock_pending(0), 0, "nothing back to the sender");
	dp_stats_read(0, &b);
	cr_assert_eq(b.v[XPAN_CNT_FLOODED] - a.v[XPAN_CNT_FLOODED], 1, "flooded");
	cr_assert_eq(b.v[XPAN_CNT_DROP(XPAN_DROP_FLOOD_FILTER)] -
		     a.v[XPAN_CNT_DROP(XPAN_DROP_FLOOD_FILTER)], 1,
		     "only VLAN 20's copy stopped by the egress filter");
}

Test(dp_flood, xdp_broadcast_reaches_tc_member_of_its_vlan,
     .init = dp_setup, .fini = dp_teardown)
{
	dp_attach(DP_XDP, 0);
	dp_attach(DP_TC, 1);
	dp_attach(DP_TC, 2);
	dp_attach(DP_XDP, 3);
	xdp_flood_to_mixed_vlan();
}

static char lib_bpffs[128];
static struct xpan_dp *lib_dp;

static void lib_teardown(void)
{
	if (lib_dp)
		xpan_dp_close(lib_dp);
	/* Pins outlive the namespace: remove them, also after a failure. */
	if (lib_bpffs[0])
		xpan_dp_unload(lib_bpffs);
	rmdir(lib_bpffs);
	dp_teardown();
}

/*
 * The same through lib/dataplane.c: its own pinned maps and programs,
 * xpan_flood left empty by the fill, every port put there (or not) by
 * xpan_dp_attach alone. Switching a port's datapath keeps it in.
 */
Test(dp_flood, lib_attach_puts_tc_ports_into_xpan_flood, .init = dp_setup,
     .fini = lib_teardown)
{
	static const int mode[DP_NPORTS] = {
		XPAN_DP_XDP, XPAN_DP_TC, XPAN_DP_TC, XPAN_DP_XDP,
	};
	const struct xpan_dp_maps *m;
	int i, err;

	snprintf(lib_bpffs, sizeof(lib_bpffs), "/sys/fs/bpf/xpan-t-dpflood-%d",
		 (int)getpid());
	cr_assert_eq(xpan_dp_prepare_bpffs(lib_bpffs), 0, "bpffs %s",
		     lib_bpffs);
	err = xpan_dp_open(lib_bpffs, true, &lib_dp);
	cr_assert_eq(err, 0, "load the dataplane under %s: %s", lib_bpffs,
		     strerror(-err));
	m = xpan_dp_maps(lib_dp);
	dp.ports_fd = m->ports;
	dp.macs_fd = m->macs;
	dp.bindings_fd = m->bindings;
	dp.vlans_fd = m->vlans;
	dp.flood_fd = m->flood;
	dp.stats_fd = m->counters;
	dp.learned_fd = m->learned;
	dp.guard_fd = m->guard;
	dp.rt_fd = m->port_rt;
	dp_fill_maps(false);
	for (i = 0; i < DP_NPORTS; i++) {
		err = xpan_dp_attach(lib_dp, dp.ifindex[i], mode[i]);
		cr_assert_eq(err, 0, "xpan_dp_attach dpt%d (%s): %s", i,
			     xpan_datapath_name(mode[i]), strerror(-err));
		cr_assert(xpan_dp_in_flood(lib_dp, dp.ifindex[i]),
			  "dpt%d (%s) is in xpan_flood", i,
			  xpan_datapath_name(mode[i]));
	}
	xdp_flood_to_mixed_vlan();

	/* XDP -> TC -> back: in xpan_flood all along. */
	cr_assert_eq(xpan_dp_attach(lib_dp, dp.ifindex[3], XPAN_DP_TC), 0,
		     "switch dpt3 to TC");
	cr_assert(xpan_dp_in_flood(lib_dp, dp.ifindex[3]),
		  "dpt3 stays in xpan_flood as a TC port");
	xdp_flood_to_mixed_vlan();
	cr_assert_eq(xpan_dp_detach(lib_dp, dp.ifindex[1]), 0, "detach dpt1");
	cr_assert(!xpan_dp_in_flood(lib_dp, dp.ifindex[1]),
		  "a detached port leaves xpan_flood");
}
