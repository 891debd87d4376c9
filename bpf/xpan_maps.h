/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the dataplane, defined once and included by each program
 * object. All are pinned by name, so objects loaded with the same
 * pin_root_path share them, and keys and values carry BTF types from
 * xpan_shared.h so bpftool prints field names. User space (xpan-ctrld)
 * fills them; the dataplane only writes xpan_learned, xpan_port_rt and
 * xpan_counters.
 */
#ifndef XPAN_MAPS_H
#define XPAN_MAPS_H

#include "xpan_shared.h"

/* Node ports by host-side ifindex: MAC, VLAN, flags. Read on every frame. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPAN_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xpan_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_ports SEC(".maps");

/* Forwarding table: virtual MAC -> destination port and its VLAN. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPAN_MAX_BINDINGS);
	__type(key, struct xpan_mac_key);
	__type(value, struct xpan_fwd);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_macs SEC(".maps");

/* Configured bindings per VLAN (ARP answers, IP source guard); ctrld's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPAN_MAX_BINDINGS);
	__type(key, struct xpan_binding_key);
	__type(value, struct xpan_binding);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_bindings SEC(".maps");

/* VLAN id -> member ports, for flooding by cloning in TC mode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPAN_MAX_VLANS);
	__type(key, __u32);
	__type(value, struct xpan_vlan);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_vlans SEC(".maps");

/*
 * Broadcast targets for XDP mode, keyed by ifindex; each entry carries the
 * fd of xpan_flood_egress, which keeps copies inside the sender's VLAN.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XPAN_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_flood SEC(".maps");

/*
 * Learned bindings, apart from the configured ones in xpan_bindings, so a
 * tenant filling its quota never takes a configured address's room.
 * Preallocated: the dataplane inserts and must not allocate per frame.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPAN_MAX_LEARNED);
	__type(key, struct xpan_binding_key);
	__type(value, struct xpan_learned);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_learned SEC(".maps");

/* Per-port limits by slot, written by ctrld; read-only here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XPAN_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xpan_port_guard);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_port_guard SEC(".maps");

/*
 * Per-port runtime state by slot, shared by all CPUs (atomics, CAS):
 * learn quota in use, storm control state. Mappable so ctrld can give
 * quota back with an atomic decrement instead of a racy map update.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XPAN_MAX_PORTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xpan_port_rt);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_port_rt SEC(".maps");

/*
 * Per-CPU counters by port slot (struct xpan_port.slot), not by ifindex:
 * ifindexes grow with every link a host creates, slots stay below
 * XPAN_MAX_PORTS. The value is a fixed array indexed by enum
 * xpan_counter, so new counters and drop reasons take unused indexes and
 * the pinned map never changes layout. A frame on a port without an
 * xpan_ports entry is counted nowhere.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XPAN_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xpan_port_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_counters SEC(".maps");

/*
 * The storage network (xpan_shared.h): one entry, key 0, ctrld's. Read
 * by the port programs on every IPv4 and ARP frame (an inlined array
 * lookup) and by xpan_storage_in.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xpan_storage_net);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_storage SEC(".maps");

/* Nodes' storage addresses -> MAC and port; ctrld's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPAN_MAX_PORTS);
	__type(key, __be32);
	__type(value, struct xpan_storage_addr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_storage_addrs SEC(".maps");

#endif /* XPAN_MAPS_H */
