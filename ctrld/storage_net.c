// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The storage network's control side (docs/storage-network.md): the
 * storage port, a veth pair whose host end holds the portal address
 * (where xpan-iod listens) and whose dataplane end runs xpan_storage_in;
 * the xpan_storage and xpan_storage_addrs maps; each node's route to the
 * portal; and the nudge that makes xpan-iod re-check whose sessions it
 * holds when an address changed hands.
 *
 * The xpan_storage entry is the record of the pair ctrld made: its
 * ifindex survives restarts in the pinned map, so a pair left over from a
 * renamed or switched-off network is found and removed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/ethtool.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include <jansson.h>

#include "api.h"
#include "apiserver.h"
#include "bpf/xpan_shared.h"
#include "ctrld.h"
#include "dataplane.h"
#include "log.h"

/* How long ctrld waits for xpan-iod to answer a refresh. */
#define IOD_NOTIFY_TIMEOUT_MS 500

static void storage_problem(struct ctrld *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void storage_problem(struct ctrld *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->storage_note, sizeof(c->storage_note), fmt, ap);
	va_end(ap);
	pr_warn("storage network: %s\n", c->storage_note);
	c->failures++;
}

static struct nl_sock *route_sock(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/*
 * The pair exists (made now if neither end did): 0, or -1 with err when
 * a name is taken by something that is not our pair.
 */
static int ensure_pair(const struct xpan_cfg_storage_net *net, char *err,
		       size_t errlen)
{
	int host = (int)if_nametoindex(net->host_port);
	int dp = (int)if_nametoindex(net->dp_port);
	struct rtnl_link *l = NULL;
	struct nl_sock *sk;
	int rc = 0, peer;

	if (!host != !dp) {
		snprintf(err, errlen,
			 "%s exists but %s does not; remove it, or name the pair's ends in storage.network.host_port and dp_port",
			 host ? net->host_port : net->dp_port,
			 host ? net->dp_port : net->host_port);
		return -1;
	}
	sk = route_sock();
	if (!sk) {
		snprintf(err, errlen, "cannot open a netlink socket");
		return -1;
	}
	if (!host) {
		rc = rtnl_link_veth_add(sk, net->host_port, net->dp_port,
					getpid());
		if (rc)
			snprintf(err, errlen, "creating veth pair %s/%s: %s",
				 net->host_port, net->dp_port, nl_geterror(rc));
		else
			pr_info("storage network: created veth pair %s (portal) / %s (dataplane)\n",
				net->host_port, net->dp_port);
		goto out;
	}
	rc = rtnl_link_get_kernel(sk, dp, NULL, &l);
	if (rc) {
		snprintf(err, errlen, "%s: %s", net->dp_port, nl_geterror(rc));
		goto out;
	}
	peer = rtnl_link_get_link(l);
	if (!rtnl_link_get_type(l) || strcmp(rtnl_link_get_type(l), "veth") ||
	    peer != host) {
		snprintf(err, errlen,
			 "%s and %s exist but are not the two ends of one veth pair; remove them, or name other ends in storage.network.host_port and dp_port",
			 net->host_port, net->dp_port);
		rc = -1;
	}
	rtnl_link_put(l);
out:
	nl_socket_free(sk);
	return rc ? -1 : 0;
}

struct addr_scan {
	int ifindex;
	uint32_t want;			/* network byte order */
	uint8_t prefix;
	bool present;
	struct rtnl_addr *stale[8];
	int n_stale;
};

static void addr_scan(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct addr_scan *w = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);

	if (rtnl_addr_get_ifindex(a) != w->ifindex ||
	    rtnl_addr_get_family(a) != AF_INET || !local ||
	    nl_addr_get_len(local) != 4)
		return;
	if (!memcmp(nl_addr_get_binary_addr(local), &w->want, 4) &&
	    rtnl_addr_get_prefixlen(a) == w->prefix) {
		w->present = true;
		return;
	}
	if (w->n_stale < (int)(sizeof(w->stale) / sizeof(w->stale[0]))) {
		nl_object_get(obj);
		w->stale[w->n_stale++] = a;
	}
}

/*
 * The host end holds portal_ip/prefix and nothing else, so the host's
 * route to the whole subnet goes through it and an old portal address
 * (the subnet changed) does not linger.
 */
static int portal_address(const struct xpan_cfg_storage_net *net, int ifindex,
			  char *err, size_t errlen)
{
	struct addr_scan w = { .ifindex = ifindex, .want = net->portal_ip,
			       .prefix = net->prefix };
	struct nl_addr *local = NULL;
	struct rtnl_addr *a = NULL;
	struct nl_cache *cache;
	struct nl_sock *sk;
	int rc;

	sk = route_sock();
	if (!sk) {
		snprintf(err, errlen, "cannot open a netlink socket");
		return -1;
	}
	rc = rtnl_addr_alloc_cache(sk, &cache);
	if (rc) {
		snprintf(err, errlen, "listing addresses: %s", nl_geterror(rc));
		goto out;
	}
	nl_cache_foreach(cache, addr_scan, &w);
	nl_cache_free(cache);
	for (int i = 0; i < w.n_stale; i++) {
		rtnl_addr_delete(sk, w.stale[i], 0);
		rtnl_addr_put(w.stale[i]);
	}
	if (w.present)
		goto out;
	a = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &net->portal_ip, 4);
	if (!a || !local) {
		rc = -NLE_NOMEM;
	} else {
		nl_addr_set_prefixlen(local, net->prefix);
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_prefixlen(a, net->prefix);
		rc = rtnl_addr_add(sk, a, 0);
		if (rc == -NLE_EXIST)
			rc = 0;
	}
	if (rc)
		snprintf(err, errlen, "adding the portal address to %s: %s",
			 net->host_port, nl_geterror(rc));
out:
	if (local)
		nl_addr_put(local);
	if (a)
		rtnl_addr_put(a);
	nl_socket_free(sk);
	return rc ? -1 : 0;
}

/* Stop forwarding through the old pair, then remove it. */
static void retire_pair(struct ctrld *c, __u32 ifindex)
{
	const struct xpan_dp_maps *m = xpan_dp_maps(c->dp);
	struct xpan_storage_net off = {};
	char name[IF_NAMESIZE] = "?";
	__u32 zero = 0;

	if (bpf_map_update_elem(m->storage, &zero, &off, BPF_ANY))
		pr_warn("storage network: cannot clear %s: %s\n",
			XPAN_MAP_STORAGE, strerror(errno));
	if (!if_indextoname(ifindex, name))
		return;
	xpan_dp_detach_storage(c->dp, (int)ifindex);
	if (!xpan_dp_delete_storage_port((int)ifindex))
		pr_info("storage network: removed the old storage port %s\n",
			name);
}

void storage_net_links(struct ctrld *c)
{
	const struct xpan_cfg_storage_net *net = &c->cfg.storage.net;
	const struct xpan_dp_maps *m = xpan_dp_maps(c->dp);
	struct xpan_storage_net cur = {};
	char err[320];
	__u32 zero = 0;
	int dp, host, rc;

	c->storage_note[0] = '\0';
	c->storage_ifindex = 0;
	bpf_map_lookup_elem(m->storage, &zero, &cur);
	dp = net->enabled ? (int)if_nametoindex(net->dp_port) : 0;
	if (cur.ifindex && (int)cur.ifindex != dp)
		retire_pair(c, cur.ifindex);
	if (!net->enabled)
		return;
	if (ensure_pair(net, err, sizeof(err))) {
		storage_problem(c, "%s", err);
		return;
	}
	host = (int)if_nametoindex(net->host_port);
	dp = (int)if_nametoindex(net->dp_port);
	if (!host || !dp) {
		storage_problem(c, "%s or %s vanished while being set up (retried)",
				net->host_port, net->dp_port);
		return;
	}
	if (nodenet_link_setup(net->host_port, c->storage_mac.mac, err,
			       sizeof(err)) ||
	    nodenet_link_setup(net->dp_port, NULL, err, sizeof(err))) {
		storage_problem(c, "%s (retried)", err);
		return;
	}
	/*
	 * XDP node ports redirect into the dataplane end; veth accepts
	 * such frames only with NAPI on at its peer, the host end. Once up
	 * (GRO turned on while down leaves NAPI off).
	 */
	if (nodenet_ethtool_feature(net->host_port, ETHTOOL_GGRO, ETHTOOL_SGRO,
				    1, err, sizeof(err)) ||
	    portal_address(net, host, err, sizeof(err))) {
		storage_problem(c, "%s (retried)", err);
		return;
	}
	rc = xpan_dp_attach_storage(c->dp, dp);
	if (rc) {
		storage_problem(c, "attaching xpan_storage_in to %s: %s (retried)",
				net->dp_port, strerror(-rc));
		return;
	}
	c->storage_ifindex = dp;
}

static void addrs_prune(struct ctrld *c, int fd, bool all, int *changes)
{
	__u32 *keys = calloc(XPAN_MAX_PORTS * 2, sizeof(*keys));
	int n;

	if (!keys)
		return;
	n = map_keys(fd, keys, sizeof(*keys), XPAN_MAX_PORTS * 2);
	for (int k = 0; k < n; k++) {
		bool keep = false;

		for (size_t i = 0; !all && i < c->cfg.n_nodes && !keep; i++)
			keep = c->rt[i].storage_ip == keys[k] &&
			       c->rt[i].slot >= 0;
		if (keep)
			continue;
		if (bpf_map_delete_elem(fd, &keys[k]) && errno != ENOENT) {
			pr_warn("storage network: cannot delete from %s: %s (retried)\n",
				XPAN_MAP_STORAGE_ADDRS, strerror(errno));
			c->failures++;
		} else {
			(*changes)++;
		}
	}
	free(keys);
}

void storage_net_sync_maps(struct ctrld *c, int *changes)
{
	const struct xpan_cfg_storage_net *net = &c->cfg.storage.net;
	const struct xpan_dp_maps *m = xpan_dp_maps(c->dp);
	struct xpan_storage_net want = {};
	__u32 zero = 0;
	int ret;

	if (!net->enabled || !c->storage_ifindex) {
		/* Off first, so no frame follows an entry being removed. */
		ret = map_update_if_changed(m->storage, &zero, &want,
					    sizeof(want));
		if (ret > 0)
			(*changes)++;
		addrs_prune(c, m->storage_addrs, true, changes);
		return;
	}
	/* Addresses before the network entry that makes them reachable. */
	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const struct node_rt *rt = &c->rt[i];
		struct xpan_storage_addr a = {};

		if (!rt->storage_ip || !rt->ifindex || rt->slot < 0)
			continue;
		memcpy(a.mac, rt->mac.mac, XPAN_ETH_ALEN);
		a.ifindex = (__u32)rt->ifindex;
		a.slot = (__u32)rt->slot;
		a.node_id = (__u32)rt->mac.id;
		ret = map_update_if_changed(m->storage_addrs, &rt->storage_ip,
					    &a, sizeof(a));
		if (ret < 0) {
			node_note(c, i, "cannot write its storage address to %s: %s (retried)",
				  XPAN_MAP_STORAGE_ADDRS, strerror(-ret));
			c->failures++;
		} else {
			*changes += ret;
		}
	}
	addrs_prune(c, m->storage_addrs, false, changes);
	want.subnet = net->subnet;
	want.mask = xpan_storage_net_mask(net);
	want.portal_ip = net->portal_ip;
	want.ifindex = (__u32)c->storage_ifindex;
	memcpy(want.portal_mac, c->storage_mac.mac, XPAN_ETH_ALEN);
	want.flags = XPAN_STORAGE_F_ENABLED;
	ret = map_update_if_changed(m->storage, &zero, &want, sizeof(want));
	if (ret < 0)
		storage_problem(c, "cannot write %s: %s (retried)",
				XPAN_MAP_STORAGE, strerror(-ret));
	else
		*changes += ret;
}

/* FNV-1a over the (node, address) pairs: what xpan-iod must know. */
static uint64_t addrs_digest(const struct ctrld *c)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < c->cfg.n_nodes; i++) {
		const unsigned char *p = (const unsigned char *)c->cfg.nodes[i].name;
		uint32_t ip = c->cfg.storage.net.enabled ? c->rt[i].storage_ip : 0;

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		for (int b = 0; b < 4; b++)
			h = (h ^ ((ip >> (8 * b)) & 0xff)) * 1099511628211ull;
	}
	return h;
}

void storage_net_notify(struct ctrld *c)
{
	uint64_t d = addrs_digest(c);
	struct xpan_api_err err = {};
	json_t *res = NULL;
	int rc;

	if (c->storage_told && d == c->storage_digest)
		return;
	if (!c->iod_sock[0])
		return;
	rc = xpan_api_request(c->iod_sock, "storage refresh", NULL,
			      IOD_NOTIFY_TIMEOUT_MS, &res, &err);
	json_decref(res);
	/* Not running: it reads the addresses when it starts. Its own timer
	 * re-checks every few seconds, so a lost nudge only delays. */
	if (rc < 0)
		pr_debug("storage network: xpan-iod at %s not told: %s\n",
			 c->iod_sock, strerror(-rc));
	else if (rc > 0)
		pr_warn("storage network: xpan-iod refused refresh: %s: %s\n",
			err.code ? err.code : "?", err.msg);
	else
		pr_info("storage network: told xpan-iod at %s to re-check its sessions\n",
			c->iod_sock);
	c->storage_digest = d;
	c->storage_told = true;
}

/*
 * Inside the node's netns: portal/32 through the node's interface, from
 * its storage address (replace: the address may have changed).
 */
int storage_route_to_portal(struct nl_sock *sk, int ifindex,
			    const struct nodenet_storage *sn, char *err,
			    size_t errlen)
{
	struct nl_addr *dst = nl_addr_build(AF_INET, &sn->portal, 4);
	struct nl_addr *src = nl_addr_build(AF_INET, &sn->ip, 4);
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int rc = -NLE_NOMEM;

	if (!dst || !src || !r || !nh)
		goto out;
	nl_addr_set_prefixlen(dst, 32);
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_pref_src(r, src);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);
	nh = NULL;			/* the route owns it now */
	rc = rtnl_route_add(sk, r, NLM_F_REPLACE);
out:
	if (rc) {
		char p[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &sn->portal, p, sizeof(p));
		snprintf(err, errlen, "adding the route to the portal %s: %s",
			 p, nl_geterror(rc));
	}
	if (nh)
		rtnl_route_nh_free(nh);
	if (r)
		rtnl_route_put(r);
	if (src)
		nl_addr_put(src);
	if (dst)
		nl_addr_put(dst);
	return rc ? -1 : 0;
}
