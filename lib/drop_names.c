// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "drop_names.h"

struct drop_name {
	const char *name;
	const char *desc;
};

/* Indexed by reason. A reason added to the enum without a name here still
 * prints (as "reason_N"), and tests/unit/test_cli.c fails until it is named. */
static const struct drop_name drop_names[] = {
	[XPAN_DROP_NONE]	  = { "none", "not dropped" },
	[XPAN_DROP_MALFORMED]	  = { "malformed", "truncated or invalid header" },
	[XPAN_DROP_NO_PORT]	  = { "no_port", "ingress port not configured" },
	[XPAN_DROP_PORT_DISABLED] = { "port_disabled", "port is disabled" },
	[XPAN_DROP_SPOOFED_SRC]	  = { "spoofed_src", "source MAC is not the port's MAC" },
	[XPAN_DROP_ARP_SPOOF]	  = { "arp_spoof", "ARP sender MAC is not the port's MAC" },
	[XPAN_DROP_OTHER_VLAN]	  = { "other_vlan", "destination belongs to another VLAN" },
	[XPAN_DROP_UNKNOWN_DST]	  = { "unknown_dst", "unicast to an unknown MAC" },
	[XPAN_DROP_NO_UPLINK]	  = { "no_uplink", "external destination, no uplink" },
	[XPAN_DROP_REDIRECT]	  = { "redirect_failed", "redirect or clone failed" },
	[XPAN_DROP_FLOOD_FILTER]  = { "flood_filter", "flood copy filtered at egress" },
	[XPAN_DROP_TAGGED]	  = { "tagged", "802.1Q/802.1ad frame from a node" },
	[XPAN_DROP_HAIRPIN]	  = { "hairpin", "destination is the ingress port" },
	[XPAN_DROP_SPOOFED_IP]	  = { "spoofed_ip", "IP source or ARP sender address not bound to the port" },
	[XPAN_DROP_LEARN_QUOTA]	  = { "learn_quota", "unbound source address, the port's learn quota is used up" },
	[XPAN_DROP_STORM]	  = { "storm", "broadcast/multicast/flood over the port's flood limit" },
	[XPAN_DROP_STORAGE_SRC]	  = { "storage_src", "storage-subnet source or ARP sender is not the port's storage address" },
	[XPAN_DROP_STORAGE_DST]	  = { "storage_dst", "storage-subnet traffic not between the node and the portal" },
	[XPAN_DROP_STORAGE_IN]	  = { "storage_in", "frame at the storage port not from the portal to a node's storage address" },
};

#define N_NAMED (sizeof(drop_names) / sizeof(drop_names[0]))

const char *xpan_drop_name(unsigned int reason)
{
	if (reason >= XPAN_DROP_MAX || reason >= N_NAMED)
		return NULL;
	return drop_names[reason].name;
}

const char *xpan_drop_desc(unsigned int reason)
{
	if (reason >= XPAN_DROP_MAX || reason >= N_NAMED)
		return NULL;
	return drop_names[reason].desc;
}

const char *xpan_drop_label(unsigned int reason, char *buf, size_t len)
{
	const char *name = xpan_drop_name(reason);

	if (name)
		return name;
	snprintf(buf, len, "reason_%u", reason);
	return buf;
}

int xpan_drop_from_name(const char *name)
{
	for (unsigned int i = 0; i < XPAN_DROP_MAX && i < N_NAMED; i++)
		if (drop_names[i].name && !strcmp(drop_names[i].name, name))
			return (int)i;
	return -1;
}
