/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test environment for the port programs: a private network namespace with
 * four veth pairs (dpt0..dpt3, node-side peers dpt0p..dpt3p), both port
 * objects loaded unpinned and sharing their maps, the maps filled with a
 * small topology, and packet sockets on the peers to see what leaves a
 * port. The namespace dies with the test process, devices and all.
 *
 * Topology (ingress of every table case is port 0):
 *   port 0  dpt0  02:00:07:00:00:01  VLAN 10  10.10.0.1 (static binding)
 *   port 1  dpt1  02:00:07:00:00:02  VLAN 10  10.10.0.2 (static binding)
 *   port 2  dpt2  02:00:07:00:00:03  VLAN 20  10.20.0.3 (static binding)
 *   port 3  dpt3  02:00:07:00:00:04  VLAN 10  no binding
 * Counter slots: see dp_port_slot.
 *
 * Storage network (enabled by dp_fill_maps, so every test runs with it):
 * veth dpst0 (host end, the portal: DP_PORTAL_IP, dp_portal_mac, with a
 * packet socket) / dpst1 (dataplane end, xpan_storage.ifindex), subnet
 * 100.64.0.0/16; storage addresses 100.64.1.1 (port 0) and 100.64.1.2
 * (port 1), none for ports 2 and 3.
 */
#ifndef DP_ENV_H
#define DP_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bpf/xpan_shared.h"

#define DP_NPORTS 4
#define DP_PORTAL_IP "100.64.0.1"

enum dp_hook {
	DP_TC,
	DP_XDP,
};

static inline const char *dp_hook_name(enum dp_hook hook)
{
	return hook == DP_XDP ? "xdp" : "tc";
}

/*
 * Two Criterion tests, suite.tc_name and suite.xdp_name, each running
 * fn(hook) in the standard environment (files including criterion.h).
 */
#define DP_TEST_BOTH_HOOKS(suite, name, fn)				\
	Test(suite, tc_##name, .init = dp_setup, .fini = dp_teardown)	\
	{								\
		fn(DP_TC);						\
	}								\
	Test(suite, xdp_##name, .init = dp_setup, .fini = dp_teardown)	\
	{								\
		fn(DP_XDP);						\
	}

struct dp_env {
	struct xpan_port_tc *tc;
	struct xpan_port_xdp *xdp;
	int ifindex[DP_NPORTS];		/* host-side ports dptN */
	int peer_ifindex[DP_NPORTS];	/* node-side peers dptNp */
	int sock[DP_NPORTS];		/* AF_PACKET on each peer */
	int pass_fd;			/* XDP_PASS program on the peers */
	int ports_fd, macs_fd, bindings_fd, vlans_fd, flood_fd, stats_fd;
	int learned_fd, guard_fd, rt_fd;
	int storage_fd, storage_addrs_fd;
	int portal_ifindex;		/* dpst0, the host end */
	int storage_ifindex;		/* dpst1, the dataplane end */
	int portal_sock;		/* AF_PACKET on dpst0 */
};

extern struct dp_env dp;
extern const __u8 dp_port_mac[DP_NPORTS][6];
/* xpan_ports[port].slot: where each port's counters are. */
extern const __u32 dp_port_slot[DP_NPORTS];
extern const __u8 dp_portal_mac[6];
/* Storage address of each port, NULL for none. */
extern const char *const dp_storage_ip[DP_NPORTS];

/* Criterion fixtures: build and tear down everything above. */
void dp_setup(void);
void dp_teardown(void);

/*
 * Fill the maps behind dp.*_fd with the topology above (ports with their
 * slots, zeroed counters, MACs, bindings, VLANs), and xpan_flood with
 * every port when flood is true. dp_setup does it with flood.
 */
void dp_fill_maps(bool flood);

/* Map helpers; all assert on failure. */
void dp_port_set(int port, __u32 flags);
void dp_port_del(int port);
/* Counters of a port (through dp_port_slot) or of any slot, summed. */
void dp_stats_read(int port, struct xpan_port_counters *sum);
void dp_stats_read_slot(__u32 slot, struct xpan_port_counters *sum);
/* Counter idx (enum xpan_counter) of a port, summed over CPUs. */
__u64 dp_stat(int port, unsigned int idx);
/* First slot with any non-zero counter, -1 when all are zero. */
int dp_stats_nonzero_slot(void);
bool dp_binding_get(__u16 vlan, const char *ip, struct xpan_binding *out);
bool dp_learned_get(__u16 vlan, const char *ip, struct xpan_learned *out);
/* An xpan_learned entry for ip in port's VLAN, as if port had learned it. */
void dp_learned_put(int port, const char *ip, __u64 last_seen);
/* xpan_port_guard and xpan_port_rt of a port's slot. */
void dp_guard_set(int port, __u32 max_learned, __u32 flood_pps,
		  __u32 flood_burst);
void dp_rt_get(int port, struct xpan_port_rt *rt);
void dp_rt_set(int port, const struct xpan_port_rt *rt);
/* xpan_storage[0] with these flags (the fixture's network otherwise). */
void dp_storage_set(__u16 flags);
/* xpan_storage_addrs[ip] = port's MAC, ifindex and slot. */
void dp_storage_addr_put(int port, const char *ip);

/* BPF_PROG_TEST_RUN of xpan_port_in with port's ifindex as ingress. */
int dp_run(enum dp_hook hook, int port, const void *in, size_t in_len,
	   void *out, __u32 *out_len, __u32 *retval);

/*
 * BPF_PROG_TEST_RUN of xpan_storage_in (TC) with ingress ifindex (0: the
 * storage port dpst1).
 */
int dp_run_storage(int ifindex, const void *in, size_t in_len, void *out,
		   __u32 *out_len, __u32 *retval);

/* Attach xpan_port_in of the given hook to port's host-side device. */
void dp_attach(enum dp_hook hook, int port);
/* Attach xpan_storage_in at TC ingress of dpst1. */
void dp_attach_storage(void);

/* Packet sockets on the peers. */
void dp_sock_drain(void);
int dp_sock_send(int port, const void *frame, size_t len);
/*
 * Waits (up to a generous cap, so a broken program fails instead of
 * hanging) for a frame received on port's peer that equals want.
 * Returns true when it came. Frames the peer itself sent are ignored.
 */
bool dp_sock_expect(int port, const void *want, size_t len);
/* Frames received on port's peer right now, without waiting. */
int dp_sock_pending(int port);
/* The same on the portal's side, dpst0. */
int dp_portal_send(const void *frame, size_t len);
bool dp_portal_expect(const void *want, size_t len);
int dp_portal_pending(void);

/* Waits until port's rx_packets counter differs from before. */
bool dp_wait_rx(int port, __u64 before);

#endif
