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
/*
 * Learned (not configured) IPv4 bindings, platform-wide. ctrld refuses a
 * config whose per-port quotas (nodes[].max_learned) add up to more, so a
 * port that is under its quota always finds room: no tenant can fill the
 * table for another.
 */
#ifndef XPAN_MAX_LEARNED
#define XPAN_MAX_LEARNED 16384
#endif
/* Upper bound of nodes[].max_learned. */
#define XPAN_MAX_LEARNED_PER_PORT 256

#define XPAN_ETH_ALEN 6

/* Map names, pinned as <bpffs>/<name>. */
#define XPAN_MAP_PORTS      "xpan_ports"
#define XPAN_MAP_MACS       "xpan_macs"
#define XPAN_MAP_BINDINGS   "xpan_bindings"
#define XPAN_MAP_VLANS      "xpan_vlans"
#define XPAN_MAP_FLOOD      "xpan_flood"
#define XPAN_MAP_LEARNED    "xpan_learned"
#define XPAN_MAP_GUARD      "xpan_port_guard"
#define XPAN_MAP_PORT_RT    "xpan_port_rt"
#define XPAN_MAP_COUNTERS   "xpan_counters"
#define XPAN_MAP_STORAGE    "xpan_storage"
#define XPAN_MAP_STORAGE_ADDRS "xpan_storage_addrs"
/* Retired: the counters of the first layout; ctrld migrates it away. */
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
	__u32 slot;			/* counters/guard/rt index, 0..XPAN_MAX_PORTS-1 */
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

/*
 * xpan_bindings: configured addresses, (VLAN, IPv4) -> MAC, for ARP
 * answers and the IP source guard. Only ctrld writes it; what the
 * dataplane learns goes to xpan_learned, so configured addresses never
 * compete with learned ones for space.
 */
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
 * xpan_learned: key struct xpan_binding_key, addresses the dataplane
 * learned from a node's ARP or IPv4 source, within its port's quota.
 * last_seen is bpf_ktime_get_ns() (CLOCK_MONOTONIC), refreshed by the
 * dataplane at most about once a second per entry; ctrld deletes entries
 * older than platform.learn_timeout and gives the quota back
 * (xpan_port_rt[slot].learned).
 */
struct xpan_learned {
	__u8  mac[XPAN_ETH_ALEN];
	__u16 flags;			/* XPAN_BIND_F_LEARNED */
	__u32 ifindex;			/* port that learned it */
	__u32 slot;			/* that port's slot, for the quota */
	__u32 pad;
	__u64 last_seen;		/* ns, CLOCK_MONOTONIC */
};

/*
 * xpan_port_guard: ARRAY keyed by slot, the per-port limits ctrld sets
 * (written before the xpan_ports entry points at the slot). All zero =
 * no learning, no storm limit.
 */
struct xpan_port_guard {
	__u32 max_learned;		/* learned bindings this port may hold */
	__u32 flood_pps;		/* flooded frames per second, 0 = unlimited */
	__u32 flood_burst;		/* frames the bucket holds */
	__u32 flags;			/* reserved, 0 */
};

/*
 * xpan_port_rt: ARRAY keyed by slot, BPF_F_MMAPABLE, state the dataplane
 * keeps per port. ctrld maps it to give quota back with an atomic
 * decrement when it ages out a learned entry, and zeroes a slot when it
 * hands the slot to a port.
 */
struct xpan_port_rt {
	__u32 learned;			/* entries in xpan_learned held */
	__u32 pad;
	__u64 flood_tat;		/* storm control: GCRA theoretical arrival, ns */
	__u64 last_seen;		/* ns of the port's last frame (failover) */
	__u64 reserved[5];
};

/*
 * The storage network (docs/storage-network.md). Every node has a storage
 * address in one IPv4 subnet and reaches the portal (xpan-iod, on the
 * host) only through its own port. The host side is a veth pair made by
 * ctrld: the host end holds portal_ip and portal_mac, the dataplane end
 * (xpan_storage.ifindex) runs xpan_storage_in at TC ingress. A node's
 * port program sends node -> portal frames into the dataplane end; the
 * storage program sends portal -> node frames to the node's port.
 *
 * xpan_storage: ARRAY of one entry (key 0), the network. flags 0 = off:
 * then storage subnet traffic is plain VLAN traffic as before.
 */
#define XPAN_STORAGE_F_ENABLED	(1U << 0)

struct xpan_storage_net {
	__be32 subnet;			/* network address, network byte order */
	__be32 mask;			/* netmask, network byte order */
	__be32 portal_ip;		/* the host end's address */
	__u32 ifindex;			/* dataplane end of the storage veth */
	__u8  portal_mac[XPAN_ETH_ALEN]; /* the host end's MAC */
	__u16 flags;			/* XPAN_STORAGE_F_* */
	__u32 pad;
};

/*
 * xpan_storage_addrs: key = a node's storage address (__be32), value =
 * where it lives. One per node; ctrld writes it.
 */
struct xpan_storage_addr {
	__u8  mac[XPAN_ETH_ALEN];	/* the node's virtual MAC */
	__u16 pad;
	__u32 ifindex;			/* the node's port */
	__u32 slot;			/* that port's slot */
	__u32 node_id;			/* ctrld's node row id */
};

/*
 * Counter slot of the storage port (xpan_counters): the last one, which
 * ctrld never hands to a node port.
 */
#define XPAN_STORAGE_SLOT	(XPAN_MAX_PORTS - 1)

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
	XPAN_DROP_SPOOFED_IP = 13,	/* IP source / ARP sender not bound to the port */
	XPAN_DROP_LEARN_QUOTA = 14,	/* unbound source, port's learn quota used up */
	XPAN_DROP_STORM = 15,		/* flood over the port's flood_pps */
	XPAN_DROP_STORAGE_SRC = 16,	/* storage-subnet source not the port's own */
	XPAN_DROP_STORAGE_DST = 17,	/* storage traffic not node <-> portal */
	XPAN_DROP_STORAGE_IN = 18,	/* at the storage port: not for a node's address */
	XPAN_DROP_MAX,
};

/*
 * xpan_counters: PERCPU_ARRAY keyed by slot; value struct
 * xpan_port_counters, a fixed array indexed by enum xpan_counter. Reasons
 * and counters are added by giving them an unused index, never by
 * changing the value's size, so the pinned map survives every upgrade.
 */
#define XPAN_CNT_SLOTS 64
enum xpan_counter {
	XPAN_CNT_RX_PACKETS = 0,	/* frames seen at the port */
	XPAN_CNT_RX_BYTES = 1,
	XPAN_CNT_FWD_UNICAST = 2,	/* redirected to another port */
	XPAN_CNT_FLOODED = 3,		/* broadcast/multicast/unknown floods */
	XPAN_CNT_ARP_REPLIES = 4,	/* ARP requests answered by the dataplane */
	XPAN_CNT_LEARNED = 5,		/* bindings learned */
	XPAN_CNT_STORAGE = 6,		/* frames forwarded on the storage network */
	/* 7..15: further non-drop counters */
	XPAN_CNT_DROP_BASE = 16,	/* + enum xpan_drop_reason */
};
#define XPAN_CNT_DROP(reason)	(XPAN_CNT_DROP_BASE + (reason))
#define XPAN_DROP_LIMIT		(XPAN_CNT_SLOTS - XPAN_CNT_DROP_BASE)

struct xpan_port_counters {
	__u64 v[XPAN_CNT_SLOTS];
};
_Static_assert(XPAN_DROP_MAX <= XPAN_DROP_LIMIT,
	       "drop reasons beyond the counter slots: take an unused index");

/*
 * The value of xpan_port_stats, the retired first counter layout (drops
 * inside the value, so a new reason changed its size). Frozen: only the
 * migration to xpan_counters reads it.
 */
#define XPAN_V1_DROP_MAX 13
struct xpan_port_stats_v1 {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 fwd_unicast;
	__u64 flooded;
	__u64 arp_replies;
	__u64 learned;
	__u64 drops[XPAN_V1_DROP_MAX];
};

#endif /* XPAN_SHARED_H */
