/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xpan-ctrld's state in memory and the functions the daemon's files share:
 * apply (MACs, maps, node interfaces), the map reconciler, node interface
 * setup inside namespaces, and the API verbs.
 */
#ifndef XPAN_CTRLD_H
#define XPAN_CTRLD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "config.h"
#include "state.h"

/* What ctrld knows about one configured node at run time. */
struct node_rt {
	struct xpan_assignment mac;	/* held MAC; mac.id is the node_id */
	uint32_t storage_ip;		/* network byte order, 0 = none */
	int ifindex;			/* host port, 0 when it is missing */
	int slot;			/* its xpan_ports slot, -1 when none */
	char note[320];			/* problems of the last apply, "; "-joined */
};

struct xpan_port_rt;
struct nl_sock;
struct api_conn;
struct pollfd;

/* API clients served at once (apiconn.c); more wait in the backlog. */
#define API_MAX_CONNS 16

struct ctrld {
	char cfg_path[PATH_MAX];
	char sock_path[108];
	struct xpan_config cfg;
	struct node_rt *rt;		/* parallel to cfg.nodes */
	struct xpan_state *st;
	struct xpan_dp *dp;
	__u32 ports_map_id;		/* our xpan_ports, to tell instances apart */
	struct xpan_port_rt *port_rt;	/* xpan_port_rt mapped (owned by dp) */
	struct nl_sock *link_nl;	/* RTNLGRP_LINK events */
	int lock_fd;
	int pin_lock_fd;		/* <bpffs>/ctrld_lock, one daemon per bpffs */
	int listen_fd;
	struct api_conn *conns;		/* API_MAX_CONNS client slots */
	int sig_fd;
	int failures;			/* updates the last apply could not do */
	unsigned long link_events;	/* batches of port link events handled */
	bool check_only;
	/* The storage network: the portal's MAC, xpan-iod's control socket,
	 * and a digest of the (node, address) pairs xpan-iod last heard. */
	struct xpan_assignment storage_mac;
	char iod_sock[108];
	uint64_t storage_digest;
	bool storage_told;
	int storage_ifindex;		/* dataplane end, 0 when none */
	char storage_note[256];		/* problem of the last apply, or "" */
};

/* Learned addresses kept: what the aging pass did. */
struct learn_sweep {
	int aged;			/* older than learn_timeout */
	int stale;			/* port gone, moved, or address configured */
	int failed;			/* deletes that failed */
};

/*
 * Bring cfg/rt into effect: assign MACs (releasing nodes no longer
 * configured), reconcile the maps, attach programs, set up node
 * interfaces. Problems with single nodes are logged and noted, not fatal;
 * -1 with err only when the state database or dataplane fails.
 */
int ctrld_apply(struct ctrld *c, char *err, size_t errlen);

/*
 * Parse and validate the config file again and apply it. A bad file
 * leaves everything as it was. 0 or -1 with "FILE:LINE: ..." in err.
 */
int ctrld_reload(struct ctrld *c, char *err, size_t errlen);

/* True when a port's ifindex differs from what the last apply saw. */
bool ctrld_ports_changed(const struct ctrld *c);

/* Runtime state of n nodes before the first apply (no slot yet); NULL
 * when out of memory. */
struct node_rt *node_rt_alloc(size_t n);
/* Adds to node i's note ("; "-joined) and logs it. */
void node_note(struct ctrld *c, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * reconcile.c: make the maps match cfg/rt; never clears a map wholesale.
 * Never stops at one failed update: each is logged, noted on its node and
 * counted in c->failures (the event loop retries), everything else is
 * still applied. Returns the number of entries changed.
 */
int reconcile_maps(struct ctrld *c);
/* Writes key -> val unless the map holds it already: 1 written, 0 same,
 * -errno. */
int map_update_if_changed(int fd, const void *key, const void *val,
			  size_t vsize);
/* Every key of a map (hash maps: next_key walk). Returns count or -errno. */
int map_keys(int fd, void *keys, size_t key_size, size_t max);
/* qsort/bsearch order of struct xpan_binding_key (or a struct starting
 * with one). */
int binding_key_cmp(const void *a, const void *b);

/*
 * learned.c: delete xpan_learned entries that are stale (their port is no
 * longer a node port of that VLAN, or the address is configured now) and,
 * with age, those not refreshed for learn_timeout; each deleted entry
 * gives its port's quota back.
 */
void learned_sweep(struct ctrld *c, bool age, struct learn_sweep *out);
/* Learned entries a node's port holds now (its xpan_port_rt counter). */
unsigned int learned_count(const struct ctrld *c, size_t i);

/* apiconn.c: API clients without blocking the event loop. */
long long ctrld_now_ms(void);
int apiconn_init(struct ctrld *c);
void apiconn_close_all(struct ctrld *c);
bool apiconn_can_accept(const struct ctrld *c);
void apiconn_accept(struct ctrld *c);
/* Poll entries of the open connections; slot[] maps them back. Count. */
int apiconn_pollfds(const struct ctrld *c, struct pollfd *pfd, int *slot);
void apiconn_io(struct ctrld *c, const struct pollfd *pfd, const int *slot,
		int n);
/* Ends connections past their deadline; returns the next deadline (ms). */
long long apiconn_expire(struct ctrld *c, long long now);

/* pinlock.c: one daemon per bpffs. fd, or -1 with err. */
int pinlock_take(const char *bpffs, char *err, size_t errlen);

/* linkwatch.c: RTNLGRP_LINK subscription. */
enum link_change {
	LINK_NONE,		/* nothing about a configured port */
	LINK_STATE,		/* a port's flags/carrier changed */
	LINK_PORTS,		/* a port appeared, vanished or was remade */
};
int linkwatch_open(struct ctrld *c, char *err, size_t errlen);
int linkwatch_fd(const struct ctrld *c);
/* Reads pending events; the biggest change among them. */
enum link_change linkwatch_read(struct ctrld *c);
void linkwatch_close(struct ctrld *c);
/*
 * Is this dataplane instance's xpan_port_in (the one using our xpan_ports)
 * attached on the hook the datapath names?
 */
bool port_attached(const struct ctrld *c, int ifindex, int datapath);

/* nodenet.c */
/* A node's storage address and where it leads (network byte order). */
struct nodenet_storage {
	uint32_t ip;			/* put on the node's interface as /32 */
	uint32_t portal;		/* routed through that interface */
};
int nodenet_prepare_port(const char *port, char *err, size_t errlen);
/* sn NULL (or sn->ip 0): no storage address, a stale one is removed. */
int nodenet_configure(const struct xpan_cfg_node *n, const uint8_t mac[6],
		      bool want_gro, const struct nodenet_storage *sn,
		      char *err, size_t errlen);
/* An interface of this netns: no IPv6, the MAC (NULL: as it is), up. */
int nodenet_link_setup(const char *ifname, const uint8_t mac[6], char *err,
		       size_t errlen);
/* Legacy ethtool get/set of one feature (ETHTOOL_G*, ETHTOOL_S*). */
int nodenet_ethtool_feature(const char *ifname, __u32 get, __u32 set,
			    __u32 want, char *err, size_t errlen);

/* storage_net.c: the storage network's host side and node routes. */
/* The storage port (veth pair), its address, program; before the maps. */
void storage_net_links(struct ctrld *c);
/* xpan_storage_addrs and xpan_storage; after the ports have slots. */
void storage_net_sync_maps(struct ctrld *c, int *changes);
/* Tells xpan-iod to re-check its sessions when the addresses changed. */
void storage_net_notify(struct ctrld *c);
/* Inside a node's netns: route to the portal from its storage address. */
int storage_route_to_portal(struct nl_sock *sk, int ifindex,
			    const struct nodenet_storage *sn, char *err,
			    size_t errlen);

/* commands.c: one complete API request (lib/apiserver.h) to the reply's
 * bytes, malloc'd into *out. 0, or -ENOMEM. */
int ctrld_api_serve(struct ctrld *c, const char *req, size_t len,
		    char **out, size_t *outlen);

#endif
