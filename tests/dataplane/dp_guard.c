// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Limits that need more than one frame: the learn quota filled by real
 * learning (the count never passes max_learned, later sources are
 * learn_quota drops, a learned source keeps working), and storm control
 * (within one instant only the burst passes). Both builds.
 *
 * Storm control depends on the clock; to stay exact without timing, the
 * rate is 1 frame/s, so the budget cannot refill while the few frames
 * run unless the whole loop took a second (then it is run again).
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "dataplane.h"
#include "dp_env.h"
#include "dp_frames.h"

#define QUOTA		3
#define SOURCES		6	/* > QUOTA */
#define BURST		3
#define STORM_FRAMES	8	/* > BURST */

static __u32 verdict_redirect(enum dp_hook hook)
{
	return hook == DP_XDP ? XDP_REDIRECT : TC_ACT_REDIRECT;
}

static __u32 verdict_drop(enum dp_hook hook)
{
	return hook == DP_XDP ? XDP_DROP : TC_ACT_SHOT;
}

/* Port 0 to port 1, from 10.10.0.(100 + i). */
static __u32 send_from(enum dp_hook hook, int i)
{
	const char *h = dp_hook_name(hook);
	__u8 frame[] = {
		ETH_IP4(MAC_P1, MAC_P0), IP4_UDP(IP_LEARN0, IP_P1),
		UDP_DPT,
	};
	__u8 out[256];
	__u32 out_len = sizeof(out), retval = ~0U;
	int err;

	frame[14 + 15] = (__u8)(100 + i);	/* last byte of the source */
	err = dp_run(hook, 0, frame, sizeof(frame), out, &out_len, &retval);
	cr_assert_eq(err, 0, "[%s] test run: %s", h, strerror(-err));
	return retval;
}

static void quota_fills(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	struct xpan_port_rt rt;
	int i, learned = 0;

	dp_guard_set(0, QUOTA, 0, 0);
	for (i = 0; i < SOURCES; i++) {
		__u32 v = send_from(hook, i);

		if (i < QUOTA) {
			cr_assert_eq(v, verdict_redirect(hook),
				     "[%s] source %d within the quota forwarded",
				     h, i);
			learned++;
		} else {
			cr_assert_eq(v, verdict_drop(hook),
				     "[%s] source %d past the quota dropped",
				     h, i);
		}
		dp_rt_get(0, &rt);
		cr_assert_eq(rt.learned, (__u32)learned,
			     "[%s] learn count after source %d", h, i);
	}
	cr_assert_eq(dp_stat(0, XPAN_CNT_LEARNED), QUOTA, "[%s] learned",
		     h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_DROP(XPAN_DROP_LEARN_QUOTA)),
		     SOURCES - QUOTA, "[%s] learn_quota drops", h);
	cr_assert_eq(dp_stat(0, XPAN_CNT_DROP(XPAN_DROP_SPOOFED_IP)), 0,
		     "[%s] no spoofed_ip drops", h);
	/* A learned source keeps working at the quota, costs nothing more. */
	cr_assert_eq(send_from(hook, 0), verdict_redirect(hook),
		     "[%s] a learned source still forwards at the quota",
		     h);
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, QUOTA, "[%s] count stays at max",
		     h);
	/* ctrld ages one out and gives its unit back: room for one more. */
	{
		struct xpan_binding_key key = { .vlan = 10 };
		__u8 ip[4] = { 10, 10, 0, 100 };

		memcpy(&key.ip4, ip, 4);
		cr_assert_eq(bpf_map_delete_elem(dp.learned_fd, &key), 0,
			     "age 10.10.0.100 out");
		rt.learned--;
		dp_rt_set(0, &rt);
	}
	cr_assert_eq(send_from(hook, SOURCES), verdict_redirect(hook),
		     "[%s] after aging one out, a new source is learned",
		     h);
	cr_assert_eq(send_from(hook, SOURCES + 1), verdict_drop(hook),
		     "[%s] and the next is over the quota again", h);
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, QUOTA, "[%s] count back at max", h);
}

DP_TEST_BOTH_HOOKS(dp_guard, learn_quota_fills_exactly, quota_fills)

/* Another port's quota is its own: port 3 learns while port 0 is full. */
Test(dp_guard, quotas_are_per_port, .init = dp_setup, .fini = dp_teardown)
{
	__u8 frame[] = {
		ETH_IP4(MAC_P1, MAC_P3), IP4_UDP(IP_NEW2, IP_P1), UDP_DPT,
	};
	struct xpan_port_rt full = { .learned = QUOTA }, rt;
	__u8 out[256];
	__u32 out_len = sizeof(out), retval = ~0U;

	dp_guard_set(0, QUOTA, 0, 0);
	dp_rt_set(0, &full);
	dp_guard_set(3, 1, 0, 0);
	cr_assert_eq(send_from(DP_TC, 0), TC_ACT_SHOT, "port 0 is full");
	cr_assert_eq(dp_run(DP_TC, 3, frame, sizeof(frame), out, &out_len,
			    &retval), 0, "test run from port 3");
	cr_assert_eq(retval, TC_ACT_REDIRECT, "port 3 learns within its own");
	dp_rt_get(3, &rt);
	cr_assert_eq(rt.learned, 1, "port 3's count");
	dp_rt_get(0, &rt);
	cr_assert_eq(rt.learned, QUOTA, "port 0's count unchanged");
}

static const __u8 bcast[] = {
	ETH_IP4(MAC_BCAST, MAC_P0), IP4_UDP(IP_P0, IP_BCAST10), UDP_DPT,
};

static __u32 flood_verdict(enum dp_hook hook)
{
	return hook == DP_XDP ? XDP_REDIRECT : TC_ACT_STOLEN;
}

/* Frames that passed out of STORM_FRAMES sent at once; 0 when the loop
 * took so long that the budget may have refilled. */
static int storm_round(enum dp_hook hook, int *passed)
{
	const char *h = dp_hook_name(hook);
	struct xpan_port_rt rt = { 0 };
	__u64 t0, t1;
	int i;

	dp_rt_set(0, &rt);
	*passed = 0;
	t0 = xpan_dp_now_ns();
	for (i = 0; i < STORM_FRAMES; i++) {
		__u8 out[256];
		__u32 out_len = sizeof(out), retval = ~0U;
		int err;

		err = dp_run(hook, 0, bcast, sizeof(bcast), out, &out_len,
			     &retval);
		cr_assert_eq(err, 0, "[%s] test run: %s", h,
			     strerror(-err));
		if (retval == flood_verdict(hook))
			(*passed)++;
		else
			cr_assert_eq(retval, verdict_drop(hook),
				     "[%s] frame %d flooded or dropped",
				     h, i);
	}
	t1 = xpan_dp_now_ns();
	return t1 - t0 < 1000000000ULL;
}

static void storm_burst(enum dp_hook hook)
{
	const char *h = dp_hook_name(hook);
	struct xpan_port_counters a, b;
	int passed = 0, round;

	dp_guard_set(0, 0, 1, BURST);
	for (round = 0; round < 3; round++) {
		dp_stats_read(0, &a);
		if (storm_round(hook, &passed))
			break;
	}
	cr_assert_lt(round, 3, "[%s] three rounds took a second each",
		     h);
	dp_stats_read(0, &b);
	cr_assert_eq(passed, BURST, "[%s] only the burst passes", h);
	cr_assert_eq(b.v[XPAN_CNT_FLOODED] - a.v[XPAN_CNT_FLOODED], BURST,
		     "[%s] flooded", h);
	cr_assert_eq(b.v[XPAN_CNT_DROP(XPAN_DROP_STORM)] -
		     a.v[XPAN_CNT_DROP(XPAN_DROP_STORM)],
		     STORM_FRAMES - BURST, "[%s] storm drops", h);
}

DP_TEST_BOTH_HOOKS(dp_guard, storm_only_burst_passes, storm_burst)

/* flood_pps 0 is unlimited, whatever the state says. */
Test(dp_guard, storm_zero_is_unlimited, .init = dp_setup,
     .fini = dp_teardown)
{
	struct xpan_port_rt rt = {
		.flood_tat = xpan_dp_now_ns() + 10000000000ULL,
	};
	int passed = 0;

	dp_guard_set(0, 0, 0, 1);
	dp_rt_set(0, &rt);
	for (int i = 0; i < STORM_FRAMES; i++) {
		__u8 out[256];
		__u32 out_len = sizeof(out), retval = ~0U;

		cr_assert_eq(dp_run(DP_XDP, 0, bcast, sizeof(bcast), out,
				    &out_len, &retval), 0, "test run");
		passed += retval == XDP_REDIRECT;
	}
	cr_assert_eq(passed, STORM_FRAMES, "every broadcast flooded");
}

/* Each drop reason is counted at XPAN_CNT_DROP(reason), by number. */
Test(dp_guard, drop_counters_at_their_indexes, .init = dp_setup,
     .fini = dp_teardown)
{
	cr_assert_eq(XPAN_CNT_DROP(XPAN_DROP_SPOOFED_IP), 16 + 13);
	cr_assert_eq(XPAN_CNT_DROP(XPAN_DROP_LEARN_QUOTA), 16 + 14);
	cr_assert_eq(XPAN_CNT_DROP(XPAN_DROP_STORM), 16 + 15);
	cr_assert_eq(sizeof(struct xpan_port_counters), 64 * 8,
		     "the value never changes size");
	dp_guard_set(0, 0, 0, 0);
	cr_assert_eq(send_from(DP_XDP, 0), XDP_DROP, "unbound, no learning");
	cr_assert_eq(dp_stat(0, 29), 1, "spoofed_ip counted at index 29");
}
