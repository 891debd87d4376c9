/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internals shared by lib/dataplane.c (load, pin, unload), lib/dp_attach.c
 * (attach, detach) and lib/dp_migrate.c (upgrade of a pinned dataplane of
 * an older layout).
 * Not part of the library's interface: include dataplane.h elsewhere.
 */
#ifndef XPAN_DP_INTERNAL_H
#define XPAN_DP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>

#include "dataplane.h"

#define BPFFS_ROOT "/sys/fs/bpf"

#define PIN_PROG_TC	"prog_port_tc"
#define PIN_PROG_XDP	"prog_port_xdp"
#define PIN_PROG_EGRESS	"prog_flood_egress"
#define PIN_PROG_STORAGE "prog_storage_tc"
/*
 * An empty directory under bpffs (bpffs holds no plain files) that an
 * upgrade creates before it loads and removes once every port runs the
 * new programs: a crash in between leaves it, and the next open upgrades
 * again although the pinned programs are already the new ones.
 */
#define DP_UPGRADE_MARK	"upgrade_pending"

/* The name every build of the port program carries (bpf_prog_info.name). */
#define PORT_PROG_NAME	"xpan_port_in"
/* And of the storage port's program. */
#define STORAGE_PROG_NAME "xpan_storage_in"

/*
 * One fixed TC filter slot per port, so attaching again replaces our own
 * filter instead of stacking a second one, and detach finds it without
 * guessing. "xp" in the handle makes it recognisable in `tc filter show`.
 */
#define XPAN_TC_HANDLE	0x7870
#define XPAN_TC_PRIO	0x7870

struct xpan_dp {
	char bpffs[PATH_MAX];
	struct xpan_dp_maps maps;
	int prog_tc;
	int prog_xdp;
	int prog_egress;
	int prog_storage;
	struct xpan_port_rt *port_rt;	/* mmap of maps.port_rt, or NULL */
	size_t port_rt_len;
};

struct xdp_state {
	__u32 id;		/* what the hook runs (program or dispatcher) */
	__u32 mode_flag;	/* XDP_FLAGS_*_MODE it is attached in */
	__u32 ours_id;		/* our program's id, 0 when not there */
	bool dispatcher;	/* ours runs under libxdp's dispatcher */
};

/* fd of a pinned object, or -errno (-ENOENT when the pin is missing). */
int get_pinned(const char *dir, const char *name);
bool is_bpffs(const char *path);
void dp_close_fds(struct xpan_dp *dp);
/* Opens every pin that exists; how many are missing, or -errno. */
int dp_open_pins(struct xpan_dp *dp, int *missing_maps);
/* Loads (and pins) what is missing; both objects when missing_maps. */
int dp_create(struct xpan_dp *dp, int missing_maps);

int prog_id_is_ours(__u32 id, __u32 map_id);
/* The same for xpan_storage_in. */
int prog_id_is_storage(__u32 id, __u32 map_id);
/* Detach this instance's xpan_storage_in (map_id: its xpan_ports; 0 =
 * any) from ifindex. 0 or -errno. */
int detach_storage(int ifindex, __u32 map_id);
/* Whether the program behind fd uses the map with id map_id (not 0). */
bool prog_uses_map(int fd, __u32 map_id);
__u32 prog_fd_id(int fd);
__u32 tc_query_id(int ifindex);
int tc_attach(int ifindex, int prog_fd);
int xdp_state(int ifindex, __u32 map_id, struct xdp_state *st);
int xdp_attach(int ifindex, int prog_fd, const char *bpffs);
/* Detach both hooks' programs of one instance (map_id: its xpan_ports;
 * 0 = any) and the port's xpan_flood entry. 0 or the first -errno. */
int detach_port(int flood_fd, int ifindex, __u32 map_id);
void rmdir_libxdp_state(void);

/*
 * Whether the pins under dp->bpffs are a dataplane of an older layout
 * (xpan_port_stats pinned, or a pinned program that does not use the
 * pinned xpan_counters, or a port program that does not use the pinned
 * xpan_storage). dp holds the pins that exist.
 */
bool dp_old_layout(const struct xpan_dp *dp);
/*
 * Upgrades it in place without a forwarding gap (lib/dp_migrate.c). The
 * caller holds the bpffs directory lock and reopens the pins afterwards.
 * 0 or -errno; safe to run again after a failure or a crash.
 */
int dp_migrate(struct xpan_dp *dp);

#endif
