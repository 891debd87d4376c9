/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the dataplane, defined once and included by each program
 * object. All are pinned by name, so objects loaded with the same
 * pin_root_path share them, and keys and values carry BTF types from
 * xpan_shared.h so bpftool prints field names. User space (xpan-ctrld)
 * fills them; the dataplane only writes learned bindings and counters.
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

/*
 * ARP table per VLAN. Preallocated (no BPF_F_NO_PREALLOC) because the
 * dataplane inserts learned entries and must not allocate per frame.
 */
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
 * Per-CPU counters by port slot (struct xpan_port.slot), not by ifindex:
 * ifindexes grow with every link a host creates, slots stay below
 * XPAN_MAX_PORTS. A frame on a port without an xpan_ports entry is
 * counted nowhere.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XPAN_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xpan_port_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpan_port_stats SEC(".maps");

#endif /* XPAN_MAPS_H */
