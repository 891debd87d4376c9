// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Multi-buffer XDP frames: rx_bytes must count the whole frame, fragments
 * included, also when the first buffer is short. The XDP test run builds
 * such a frame when ctx.data_end (the linear part) is below data_size_in;
 * the rest goes into fragments.
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

#define FRAGS_LEN 3000

static void run_frags(__u32 linear)
{
	static __u8 frame[FRAGS_LEN];
	static const __u8 head[] = {
		ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_P0, IP_P1), UDP_DPT,
	};
	struct xdp_md ctx = {
		.ingress_ifindex = dp.ifindex[0],
		.data_end = linear,
	};
	struct xpan_port_counters a, b;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = sizeof(frame), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	/* Headers of a unicast frame to port 1; the lengths in them do not
	 * matter to the port program. */
	memcpy(frame, head, sizeof(head));
	dp_stats_read(0, &a);
	err = bpf_prog_test_run_opts(
		bpf_program__fd(dp.xdp->progs.xpan_port_in), &opts);
	cr_assert_eq(err ? -errno : 0, 0,
		     "test run of a %d-byte frame with a %u-byte first buffer: %s",
		     FRAGS_LEN, linear, strerror(errno));
	cr_assert_eq(opts.retval, XDP_REDIRECT, "unicast redirected");
	dp_stats_read(0, &b);
	cr_assert_eq(b.v[XPAN_CNT_RX_PACKETS] - a.v[XPAN_CNT_RX_PACKETS], 1, "rx_packets");
	cr_assert_eq(b.v[XPAN_CNT_RX_BYTES] - a.v[XPAN_CNT_RX_BYTES], FRAGS_LEN,
		     "rx_bytes counts fragments too (first buffer %u bytes)",
		     linear);
	cr_assert_eq(b.v[XPAN_CNT_FWD_UNICAST] - a.v[XPAN_CNT_FWD_UNICAST], 1, "fwd_unicast");
}

Test(dp_frags, xdp_short_first_buffer_counts_whole_frame,
     .init = dp_setup, .fini = dp_teardown)
{
	run_frags(64);
}

Test(dp_frags, xdp_long_first_buffer_counts_whole_frame,
     .init = dp_setup, .fini = dp_teardown)
{
	run_frags(2048);
}
