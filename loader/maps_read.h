/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading the pinned maps for `xpan show` and `xpan status`, without a
 * loaded struct xpan_dp and without xpan-ctrld: each map is opened from
 * its pin, and a missing pin becomes a message that says what to do.
 */
#ifndef XPAN_LOADER_MAPS_READ_H
#define XPAN_LOADER_MAPS_READ_H

#include <stddef.h>
#include <linux/types.h>

#include "bpf/xpan_shared.h"

/* fd of <bpffs>/<name>, or -errno after printing why and how to fix it. */
int xpan_open_pinned_map(const char *bpffs, const char *name);

struct port_entry {
	__u32 ifindex;
	struct xpan_port port;
};

/* All entries of xpan_ports sorted by ifindex; *out is malloc'd. Returns
 * the count or -errno. */
int xpan_read_ports(int fd, struct port_entry **out);

/*
 * Every entry of a hash map: keys (ksz bytes each, the map's own key size)
 * and values (vsz bytes each, copied up to the map's value size, zero
 * filled) in two malloc'd arrays. Returns the count or -errno.
 */
int xpan_read_entries(int fd, size_t ksz, size_t vsz, void **keys,
		      void **vals);

/*
 * Sums one slot (xpan_ports[ifindex].slot) of the per-CPU xpan_counters
 * over all CPUs. 0, -ENOENT (slot beyond the map), or -errno.
 */
int xpan_read_counters(int fd, __u32 slot, struct xpan_port_counters *sum);

/* "02:00:00:00:00:01" */
void xpan_fmt_mac(const __u8 *mac, char *buf, size_t len);

#endif
