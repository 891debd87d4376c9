/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Structs and constants shared by the dataplane (bpf/) and user space
 * (lib/, loader/, ctrld/, tests/). Plain __u32-style types, explicit
 * padding, no bitfields: every key and value here is part of a pinned map
 * and therefore an API. Change a layout by adding a new map name (_v2) and
 * migrating in ctrld, never in place.
 */
#ifndef XPAN_SHARED_H
#define XPAN_SHARED_H

#ifdef __BPF__
/* vmlinux.h already provides __u8.. __u64 and __be16/__be32. */
#else
#include <linux/types.h>
#endif

#ifndef XPAN_MAX_PORTS
#define XPAN_MAX_PORTS 1024
#endif
#ifndef XPAN_MAX_BINDINGS
#define XPAN_MAX_BINDINGS 16384
#endif
/* Members one VLAN can flood to in TC mode (bpf_clone_redirect loop). */
#ifndef XPAN_VLAN_MAX_MEMBERS
#define XPAN_VLAN_MAX_MEMBERS 64
#endif
#ifndef XPAN_MAX_VLANS
#define XPAN_MAX_VLANS 4096
#endif

#define XPAN_ETH_ALEN 6

/* Map names, pinned as <bpffs>/<name>. */
#define XPAN_MAP_PORTS      "xpan_ports"
#define XPAN_MAP_MACS       "xpan_macs"
#define XPAN_MAP_BINDINGS   "xpan_bindings"
#define XPAN_MAP_VLANS      "xpan_vlans"
#define XPAN_MAP_FLOOD      "xpan_flood"
#define XPAN_MAP_PORT_STATS "xpan_port_stats"

/* Datapath a port runs (struct xpan_port.datapath). */
enum xpan_datapath {
	XPAN_DP_TC = 0,
	XPAN_DP_XDP = 1,
};

/* struct xpan_port.flags */
#define XPAN_PORT_F_ENABLED   (1U << 0)	/* forward; cleared = drop everything */
#define XPAN_PORT_F_PROMISC   (1U << 1)	/* reserved: promiscuous listener */

/*
 * xpan_ports: key = host-side port ifindex (__u32). One entry per node port,
 * written by ctrld. The port program looks up its own ingress ifindex.
 * slot is dense (ctrld hands out the lowest free one and keeps it while the
 * entry exists) so that the counters can live in an array: an array lookup
 * is inlined by the verifier, a second hash lookup per frame is not.
 */
struct xpan_port {
	__u8  mac[XPAN_ETH_ALEN];	/* the node's assigned virtual MAC */
	__u16 vlan;			/* VLAN id the port belongs to */
	__u32 flags;			/* XPAN_PORT_F_* */
	__u32 datapath;			/* enum xpan_datapath */
	__u32 node_id;			/* ctrld's node row id, for joins */
	__u32 slot;			/* xpan_port_stats index, 0..XPAN_MAX_PORTS-1 */
};

/* xpan_macs: forwarding table, virtual MAC -> port. */
struct xpan_mac_key {
	__u8  mac[XPAN_ETH_ALEN];
	__u16 pad;
};

struct xpan_fwd {
	__u32 ifindex;			/* destination port */
	__u16 vlan;			/* VLAN of that port */
	__u16 flags;			/* reserved, 0 */
};

/* xpan_bindings: ARP table, (VLAN, IPv4) -> MAC, for ARP answers. */
struct xpan_binding_key {
	__u16 vlan;
	__u16 pad;
	__be32 ip4;			/* network byte order */
};

#define XPAN_BIND_F_STATIC  (1U << 0)	/* configured by ctrld */
#define XPAN_BIND_F_LEARNED (1U << 1)	/* learned from a node's ARP */

struct xpan_binding {
	__u8  mac[XPAN_ETH_ALEN];
	__u16 flags;			/* XPAN_BIND_F_* */
	__u32 ifindex;			/* port that owns the address */
};

/*
 * xpan_vlans: key = VLAN id (__u32), value = the VLAN's member ports, for
 * flooding broadcasts, multicasts and unknown ARP targets in TC mode.
 * XDP mode floods through the xpan_flood devmap plus an egress filter.
 */
struct xpan_vlan {
	__u32 count;			/* valid entries in ifindex[] */
	__u32 pad;
	__u32 ifindex[XPAN_VLAN_MAX_MEMBERS];
};

/*
 * Drop reasons. Numbers are API (counters are indexed by them): a retired
 * value is never reused, new ones go at the end before XPAN_DROP_MAX.
 */
enum xpan_drop_reason {
	XPAN_DROP_NONE = 0,
	XPAN_DROP_MALFORMED = 1,	/* truncated or invalid header */
	XPAN_DROP_NO_PORT = 2,		/* ingress port not configured */
	XPAN_DROP_PORT_DISABLED = 3,
	XPAN_DROP_SPOOFED_SRC = 4,	/* source MAC is not the port's MAC */
	XPAN_DROP_ARP_SPOOF = 5,	/* ARP sender MAC is not the port's MAC */
	XPAN_DROP_OTHER_VLAN = 6,	/* destination belongs to another VLAN */
	XPAN_DROP_UNKNOWN_DST = 7,	/* unicast to an unknown MAC */
	XPAN_DROP_NO_UPLINK = 8,	/* external destination, no uplink yet */
	XPAN_DROP_REDIRECT = 9,		/* redirect or clone failed */
	XPAN_DROP_FLOOD_FILTER = 10,	/* flood copy filtered at egress */
	XPAN_DROP_TAGGED = 11,		/* 802.1Q/802.1ad frame from a node */
	XPAN_DROP_HAIRPIN = 12,		/* destination is the ingress port */
	XPAN_DROP_MAX,
};

/*
 * xpan_port_stats: per-CPU array, key = xpan_ports[ifindex].slot (__u32).
 * User space sums the CPUs. Packet counters; bytes only where they help
 * rate checks. Array entries always exist: ctrld zeroes a slot when it
 * gives it to a port, so a previous owner's counts never show.
 */
struct xpan_port_stats {
	__u64 rx_packets;		/* frames seen at the port */
	__u64 rx_bytes;
	__u64 fwd_unicast;		/* redirected to another port */
	__u64 flooded;			/* broadcast/multicast/unknown floods */
	__u64 arp_replies;		/* ARP requests answered by the dataplane */
	__u64 learned;			/* bindings learned from ARP */
	__u64 drops[XPAN_DROP_MAX];	/* indexed by enum xpan_drop_reason */
};

#endif /* XPAN_SHARED_H */
