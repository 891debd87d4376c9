/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Storm control: the frames a port may flood (broadcasts, multicasts,
 * unanswered ARP) are limited to xpan_port_guard.flood_pps per second
 * with a burst of flood_burst, by GCRA (the virtual-scheduling form of a
 * token bucket): one timestamp per port, the theoretical arrival time
 * (TAT) of the next conforming frame, advanced by 1/rate per frame. A
 * frame conforms while TAT - now stays within burst/rate. The TAT lives
 * in xpan_port_rt, shared by all CPUs, and moves by compare-and-swap, so
 * the limit holds for the port as a whole without a lock.
 */
#ifndef XPAN_STORM_H
#define XPAN_STORM_H

#include "port_state.h"

#define XPAN_NSEC_PER_SEC	1000000000ULL
/* CAS attempts before a contended frame counts as excess. */
#define STORM_CAS_TRIES		4

/* Whether the port may flood one more frame now; consumes it if so. */
static __always_inline bool storm_admit(const struct port_state *ps)
{
	const struct xpan_port_guard *g = ps->guard;
	struct xpan_port_rt *rt = ps->rt;
	__u64 now, step, tau, tat, next;
	__u32 pps, burst;
	int i;

	if (!g || !rt)
		return true;
	pps = g->flood_pps;
	if (!pps)
		return true;
	burst = g->flood_burst ? g->flood_burst : 1;
	step = XPAN_NSEC_PER_SEC / pps;
	tau = step * burst;
	now = bpf_ktime_get_ns();
#pragma unroll
	for (i = 0; i < STORM_CAS_TRIES; i++) {
		tat = *(volatile __u64 *)&rt->flood_tat;
		next = (tat > now ? tat : now) + step;
		if (next - now > tau)
			return false;
		if (__sync_val_compare_and_swap(&rt->flood_tat, tat, next) ==
		    tat)
			return true;
	}
	/* Other CPUs won every round, each with a frame of this budget. */
	return false;
}

#endif /* XPAN_STORM_H */
