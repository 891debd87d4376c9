/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU port counters, indexed by enum xpan_counter. The pointer may be
 * NULL (a slot out of range): every helper then does nothing, so callers
 * need no checks. Plain increments suffice, the value is per CPU and
 * programs do not migrate.
 */
#ifndef XPAN_COUNTERS_H
#define XPAN_COUNTERS_H

#include "xpan_maps.h"

/* NULL only for a slot beyond the array (a ctrld bug): count nothing. */
static __always_inline struct xpan_port_counters *stats_get(__u32 slot)
{
	return bpf_map_lookup_elem(&xpan_counters, &slot);
}

static __always_inline void stats_rx(struct xpan_port_counters *st, __u32 len)
{
	if (st) {
		st->v[XPAN_CNT_RX_PACKETS]++;
		st->v[XPAN_CNT_RX_BYTES] += len;
	}
}

/* Constant indexes only: the verifier then needs no bounds check. */
#define stats_inc(st, idx)			\
	do {					\
		if (st)				\
			(st)->v[(idx)]++;	\
	} while (0)

static __always_inline void stats_drop(struct xpan_port_counters *st,
				       enum xpan_drop_reason reason)
{
	if (st && reason < XPAN_DROP_LIMIT)
		st->v[XPAN_CNT_DROP(reason)]++;
}

static __always_inline void stats_drops(struct xpan_port_counters *st,
					enum xpan_drop_reason reason, __u32 n)
{
	if (st && n && reason < XPAN_DROP_LIMIT)
		st->v[XPAN_CNT_DROP(reason)] += n;
}

#endif /* XPAN_COUNTERS_H */
