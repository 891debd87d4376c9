// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The port program built for XDP, plus the devmap egress filter that keeps
 * its broadcast copies inside the sender's VLAN.
 *
 * Both are frags-aware: the kernel lets a program use a devmap only when it
 * and every program in the devmap's entries agree on frags support
 * (bpf_prog_map_compatible), so the egress program must be
 * xdp.frags/devmap because xpan_port_in is xdp.frags.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define XPAN_CTX_XDP
#include "port_logic.h"

SEC("xdp.frags")
int xpan_port_in(struct xdp_md *ctx)
{
	return port_in(ctx);
}

/*
 * Runs once per copy of a broadcast, before it leaves egress_ifindex. The
 * devmap holds every attached port of every VLAN, TC ones included; only
 * ports of the sender's VLAN may see the copy. A port missing from
 * xpan_ports is in no VLAN.
 */
SEC("xdp.frags/devmap")
int xpan_flood_egress(struct xdp_md *ctx)
{
	__u32 in = ctx->ingress_ifindex, out = ctx->egress_ifindex;
	struct xpan_port *src, *dst;

	src = bpf_map_lookup_elem(&xpan_ports, &in);
	dst = bpf_map_lookup_elem(&xpan_ports, &out);
	if (src && dst && src->vlan == dst->vlan)
		return XDP_PASS;
	/* Counted on the sender's slot; a sender without an entry has none. */
	if (src)
		stats_drop(stats_get(src->slot), XPAN_DROP_FLOOD_FILTER);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
