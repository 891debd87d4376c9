/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading, pinning, attaching and detaching the port programs. Used by both
 * `xpan` (load/unload/status) and `xpan-ctrld` (attach on start, reconcile).
 *
 * Pins live under one bpffs directory (default /sys/fs/bpf/xpan):
 *   <bpffs>/xpan_*            maps (names in bpf/xpan_shared.h)
 *   <bpffs>/prog_port_tc      the TC build of xpan_port_in
 *   <bpffs>/prog_port_xdp     the XDP build of xpan_port_in
 *   <bpffs>/prog_flood_egress the devmap egress filter for XDP flooding
 *   <bpffs>/prog_storage_tc   xpan_storage_in, for the storage veth
 * Loading again with existing pins reuses them (programs and maps), so a
 * restarted daemon never rebuilds the dataplane from empty.
 */
#ifndef XPAN_DATAPLANE_H
#define XPAN_DATAPLANE_H

#include <stdbool.h>
#include <linux/types.h>

#define XPAN_DEFAULT_BPFFS "/sys/fs/bpf/xpan"
/*
 * xpan-ctrld's one-daemon-per-platform lock: an empty directory under
 * bpffs that the running daemon holds an flock on; unload removes it.
 */
#define XPAN_DP_CTRLD_LOCK "ctrld_lock"

struct xpan_dp;

/* Map fds of a loaded dataplane; owned by struct xpan_dp. */
struct xpan_dp_maps {
	int ports;		/* xpan_ports */
	int macs;		/* xpan_macs */
	int bindings;		/* xpan_bindings */
	int vlans;		/* xpan_vlans */
	int flood;		/* xpan_flood (devmap hash) */
	int learned;		/* xpan_learned */
	int guard;		/* xpan_port_guard */
	int port_rt;		/* xpan_port_rt (BPF_F_MMAPABLE) */
	int counters;		/* xpan_counters */
	int storage;		/* xpan_storage (array of 1, key 0) */
	int storage_addrs;	/* xpan_storage_addrs */
};

/*
 * xpan_port_rt mapped into this process (MAP_SHARED), XPAN_MAX_PORTS
 * entries, so ctrld can give learn quota back with an atomic decrement
 * that races correctly with the dataplane's increments. NULL on error.
 */
struct xpan_port_rt *xpan_dp_port_rt(struct xpan_dp *dp);

/* Mounts bpffs at /sys/fs/bpf when missing, creates dir. 0 or -errno. */
int xpan_dp_prepare_bpffs(const char *bpffs);

/*
 * Opens the pinned dataplane under bpffs, loading and pinning it first when
 * create is true and no pins exist. Returns 0 or -errno (-ENOENT: not
 * loaded and create is false). Messages go through the log in lib/log.h.
 */
int xpan_dp_open(const char *bpffs, bool create, struct xpan_dp **out);
void xpan_dp_close(struct xpan_dp *dp);
const struct xpan_dp_maps *xpan_dp_maps(const struct xpan_dp *dp);

/*
 * Attach xpan_port_in to a port with the given datapath (enum
 * xpan_datapath), replacing whatever xpan program was there and removing
 * the other hook's xpan program. Either datapath also puts the port into
 * xpan_flood with its egress filter: XDP ports flood through that devmap
 * only, and their broadcasts must reach the TC ports of their VLAN too.
 * Idempotent. 0 or -errno.
 */
int xpan_dp_attach(struct xpan_dp *dp, int ifindex, int datapath);
/* Is the port an entry of xpan_flood (as every attached port should be)? */
bool xpan_dp_in_flood(const struct xpan_dp *dp, int ifindex);
/* Remove xpan programs from a port (both hooks) and its xpan_flood entry. */
int xpan_dp_detach(struct xpan_dp *dp, int ifindex);

/*
 * Attach xpan_storage_in at TC ingress of the dataplane end of the
 * storage veth (the end that does not hold portal_ip), replacing an older
 * xpan program there (either build's storage or port program). Idempotent.
 * The program forwards only once xpan_storage names this ifindex and is
 * enabled. 0 or -errno.
 */
int xpan_dp_attach_storage(struct xpan_dp *dp, int ifindex);
/*
 * Delete the storage veth pair (both ends) by one end's ifindex; gone
 * already is not an error. 0 or -EIO (the reason is logged).
 */
int xpan_dp_delete_storage_port(int ifindex);
/* Remove this instance's xpan_storage_in from ifindex; 0 when none. */
int xpan_dp_detach_storage(struct xpan_dp *dp, int ifindex);
/* Whether this instance's current xpan_storage_in runs on ifindex. */
bool xpan_dp_storage_attached(const struct xpan_dp *dp, int ifindex);

/* What is attached on a port. */
struct xpan_dp_port_state {
	bool tc;		/* xpan_port_in on clsact ingress */
	bool xdp;		/* xpan_port_in as the XDP program */
	__u32 tc_prog_id;
	__u32 xdp_prog_id;
};
int xpan_dp_query(int ifindex, struct xpan_dp_port_state *st);
/*
 * The same, counting only programs of one dataplane instance: those using
 * the map with id ports_map_id (its xpan_ports; 0 = any instance). Tests
 * and hosts may run several instances in one netns.
 */
int xpan_dp_query_owned(int ifindex, __u32 ports_map_id,
			struct xpan_dp_port_state *st);
/* Kernel id of a map (e.g. xpan_dp_maps()->ports), 0 on error. */
__u32 xpan_dp_map_id(int map_fd);
/* Now on the dataplane's clock (bpf_ktime_get_ns(), CLOCK_MONOTONIC), as
 * in xpan_learned's last_seen. */
__u64 xpan_dp_now_ns(void);

/*
 * Detach from every interface that carries an xpan program (found through
 * the xpan_ports map and, failing that, every interface in this netns) and
 * remove every pin under bpffs. Works without a loaded struct xpan_dp.
 * Only this instance's programs are detached (see xpan_dp_unload_all).
 */
int xpan_dp_unload(const char *bpffs);
/*
 * The interface scan only detaches programs of this instance (using its
 * pinned xpan_ports), so other instances in the netns keep running; with
 * all, every xpan_port_in in the netns is detached (recovery after the
 * pins were lost).
 */
int xpan_dp_unload_all(const char *bpffs, bool all);

#endif
