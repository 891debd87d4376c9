/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Answering an ARP request in place, shared by the VLAN logic
 * (port_logic.h) and the storage network (storage.h).
 */
#ifndef XPAN_ARP_H
#define XPAN_ARP_H

#include "parse.h"

/* Turn the request into the reply in place; the caller sends it back. */
static __always_inline void arp_make_reply(struct ethhdr *eth,
					   struct arp_eth_ip4 *arp,
					   const __u8 *bound_mac,
					   __be32 spa, __be32 tpa)
{
	mac_copy(eth->h_dest, eth->h_source);
	mac_copy(eth->h_source, bound_mac);
	arp->op = bpf_htons(ARPOP_REPLY_);
	mac_copy(arp->tha, arp->sha);
	mac_copy(arp->sha, bound_mac);
	ip4_store(arp->spa, tpa);
	ip4_store(arp->tpa, spa);
}

#endif /* XPAN_ARP_H */
