/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU port counters. The stats pointer may be NULL (a slot out of
 * range): every helper then does nothing, so callers need no checks.
 * Plain increments suffice, the value is per CPU and programs do not
 * migrate.
 */
#ifndef XPAN_COUNTERS_H
#define XPAN_COUNTERS_H

#include "xpan_maps.h"

/* NULL only for a slot beyond the array (a ctrld bug): count nothing. */
static __always_inline struct xpan_port_stats *stats_get(__u32 slot)
{
	return bpf_map_lookup_elem(&xpan_port_stats, &slot);
}

static __always_inline void stats_rx(struct xpan_port_stats *st, __u32 len)
{
	if (st) {
		st->rx_packets++;
		st->rx_bytes += len;
	}
}

static __always_inline void stats_drop(struct xpan_port_stats *st,
				       enum xpan_drop_reason reason)
{
	if (st && reason < XPAN_DROP_MAX)
		st->drops[reason]++;
}

static __always_inline void stats_drops(struct xpan_port_stats *st,
					enum xpan_drop_reason reason, __u32 n)
{
	if (st && n && reason < XPAN_DROP_MAX)
		st->drops[reason] += n;
}

#define stats_inc(st, field)			\
	do {					\
		if (st)				\
			(st)->field++;		\
	} while (0)

#endif /* XPAN_COUNTERS_H */
