/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the port logic knows about the ingress port while it handles one
 * frame: its xpan_ports entry and the per-slot state that goes with it.
 * Looked up once per frame; the three slot maps are arrays, whose lookups
 * the verifier inlines, so this costs one hash lookup (xpan_ports).
 */
#ifndef XPAN_PORT_STATE_H
#define XPAN_PORT_STATE_H

#include "counters.h"

struct port_state {
	const struct xpan_port *port;
	__u32 ingress;				/* ifindex */
	__u32 slot;
	struct xpan_port_counters *st;		/* NULL: count nothing */
	const struct xpan_port_guard *guard;	/* NULL: all limits zero */
	struct xpan_port_rt *rt;		/* NULL: no learning, no limit */
};

/*
 * A slot beyond the arrays (a damaged xpan_ports entry) leaves the
 * pointers NULL: the port forwards, counts nothing, learns nothing.
 */
static __always_inline void port_state_init(struct port_state *ps,
					    const struct xpan_port *port,
					    __u32 ingress)
{
	__u32 slot = port->slot;

	ps->port = port;
	ps->ingress = ingress;
	ps->slot = slot;
	ps->st = stats_get(slot);
	ps->guard = bpf_map_lookup_elem(&xpan_port_guard, &slot);
	ps->rt = bpf_map_lookup_elem(&xpan_port_rt, &slot);
}

#endif /* XPAN_PORT_STATE_H */
