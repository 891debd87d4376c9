// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Node interfaces: the host-side port (up, no IPv6 chatter) and, for nodes
 * with a netns, the node's own interface inside that namespace (virtual
 * MAC, IPv4 addresses, offloads the XDP path needs, up). Namespace work
 * runs on the calling thread between enter_netns() and leave_netns(): the
 * daemon is single-threaded, and every socket used there is created after
 * entering so it belongs to the node's namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "bpf/xpan_shared.h"
#include "ctrld.h"
#include "log.h"
#include "macalloc.h"

static int enter_netns(const char *name, int *saved, char *err, size_t errlen)
{
	char path[64 + XPAN_CFG_NAME_MAX];
	int fd;

	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0) {
		snprintf(err, errlen, "cannot open own netns: %s",
			 strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		goto out_close;
	}
	if (setns(fd, CLONE_NEWNET)) {
		snprintf(err, errlen, "cannot enter netns %s: %s", name,
			 strerror(errno));
		close(fd);
		goto out_close;
	}
	close(fd);
	return 0;

out_close:
	close(*saved);
	return -1;
}

static void leave_netns(int saved)
{
	/*
	 * Staying in a node's namespace would make every later map, link and
	 * socket operation hit the wrong network: better to stop.
	 */
	if (setns(saved, CLONE_NEWNET)) {
		pr_warn("cannot return to the daemon's netns: %s; exiting\n",
			strerror(errno));
		_exit(1);
	}
	close(saved);
}

static struct nl_sock *nl_open(char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (ret) {
		snprintf(err, errlen, "netlink: %s", nl_geterror(ret));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int link_set_up(struct nl_sock *sk, struct rtnl_link *link, bool up)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int ret;

	if (!change)
		return -NLE_NOMEM;
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	ret = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	return ret;
}

static bool link_has_mac(struct rtnl_link *link, const uint8_t mac[6])
{
	struct nl_addr *a = rtnl_link_get_addr(link);

	return a && nl_addr_get_len(a) == 6 &&
	       memcmp(nl_addr_get_binary_addr(a), mac, 6) == 0;
}

static int link_set_mac(struct nl_sock *sk, struct rtnl_link *link,
			const uint8_t mac[6])
{
	struct rtnl_link *change = rtnl_link_alloc();
	struct nl_addr *addr = nl_addr_build(AF_LLC, mac, 6);
	int ret = -NLE_NOMEM;

	if (!change || !addr)
		goto out_put;
	rtnl_link_set_addr(change, addr);
	ret = rtnl_link_change(sk, link, change, 0);
	/* Devices without live address change want to be down for it. */
	if (ret == -NLE_BUSY && (rtnl_link_get_flags(link) & IFF_UP)) {
		ret = link_set_up(sk, link, false);
		if (!ret)
			ret = rtnl_link_change(sk, link, change, 0);
	}
out_put:
	nl_addr_put(addr);
	if (change)
		rtnl_link_put(change);
	return ret;
}

struct addr_walk {
	int ifindex;
	const struct xpan_cfg_node *node;
	uint32_t storage_ip;		/* /32, 0 = none */
	bool storage_present;
	bool present[XPAN_CFG_NODE_MAX_IPS];
	struct rtnl_addr *stale[64];
	int n_stale;
};

static void addr_visit(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct addr_walk *w = arg;
	struct nl_addr *local;
	bool wanted = false;

	if (rtnl_addr_get_ifindex(a) != w->ifindex ||
	    rtnl_addr_get_family(a) != AF_INET)
		return;
	local = rtnl_addr_get_local(a);
	if (!local || nl_addr_get_len(local) != 4)
		return;
	if (w->storage_ip && rtnl_addr_get_prefixlen(a) == 32 &&
	    memcmp(nl_addr_get_binary_addr(local), &w->storage_ip, 4) == 0) {
		w->storage_present = true;
		wanted = true;
	}
	for (size_t i = 0; i < w->node->n_ips; i++) {
		const struct xpan_cfg_ip *ip = &w->node->ips[i];

		if (memcmp(nl_addr_get_binary_addr(local), &ip->addr, 4) == 0 &&
		    rtnl_addr_get_prefixlen(a) == ip->prefix) {
			w->present[i] = true;
			wanted = true;
		}
	}
	/* Only global addresses: the config owns those, nothing else. */
	if (!wanted && rtnl_addr_get_scope(a) == RT_SCOPE_UNIVERSE &&
	    w->n_stale < (int)(sizeof(w->stale) / sizeof(w->stale[0]))) {
		nl_object_get(obj);
		w->stale[w->n_stale++] = a;
	}
}

static int add_addr(struct nl_sock *sk, int ifindex,
		    const struct xpan_cfg_ip *ip)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	uint32_t mask = ip->prefix ? htonl(~0u << (32 - ip->prefix)) : 0;
	uint32_t bcast = ip->addr | ~mask;
	struct nl_addr *local = nl_addr_build(AF_INET, &ip->addr, 4);
	struct nl_addr *brd = nl_addr_build(AF_INET, &bcast, 4);
	int ret = -NLE_NOMEM;

	if (!a || !local || !brd)
		goto out_put;
	nl_addr_set_prefixlen(local, ip->prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, ip->prefix);
	if (ip->prefix < 31)
		rtnl_addr_set_broadcast(a, brd);
	ret = rtnl_addr_add(sk, a, 0);
	if (ret == -NLE_EXIST)
		ret = 0;
out_put:
	nl_addr_put(local);
	nl_addr_put(brd);
	if (a)
		rtnl_addr_put(a);
	return ret;
}

static int sync_addrs(struct nl_sock *sk, int ifindex,
		      const struct xpan_cfg_node *n,
		      const struct nodenet_storage *sn, char *err,
		      size_t errlen)
{
	struct addr_walk w = { .ifindex = ifindex, .node = n,
			       .storage_ip = sn ? sn->ip : 0 };
	struct nl_cache *cache;
	int ret;

	ret = rtnl_addr_alloc_cache(sk, &cache);
	if (ret) {
		snprintf(err, errlen, "listing addresses: %s", nl_geterror(ret));
		return -1;
	}
	nl_cache_foreach(cache, addr_visit, &w);
	for (int i = 0; i < w.n_stale; i++) {
		char buf[64];

		nl_addr2str(rtnl_addr_get_local(w.stale[i]), buf, sizeof(buf));
		ret = rtnl_addr_delete(sk, w.stale[i], 0);
		if (ret && ret != -NLE_OBJ_NOTFOUND)
			pr_warn("node %s: cannot remove %s: %s\n", n->name, buf,
				nl_geterror(ret));
		else
			pr_info("node %s: removed address %s (not in config)\n",
				n->name, buf);
		rtnl_addr_put(w.stale[i]);
	}
	nl_cache_free(cache);

	for (size_t i = 0; i < n->n_ips; i++) {
		char buf[32];

		if (w.present[i])
			continue;
		ret = add_addr(sk, ifindex, &n->ips[i]);
		if (ret) {
			snprintf(err, errlen, "adding %s: %s",
				 xpan_cfg_ip_str(&n->ips[i], buf, sizeof(buf)),
				 nl_geterror(ret));
			return -1;
		}
		pr_info("node %s: added %s on %s\n", n->name,
			xpan_cfg_ip_str(&n->ips[i], buf, sizeof(buf)),
			n->ifname);
	}
	if (w.storage_ip) {
		struct xpan_cfg_ip sip = { .addr = w.storage_ip, .prefix = 32 };
		char buf[32];

		xpan_cfg_ip_str(&sip, buf, sizeof(buf));
		if (!w.storage_present) {
			ret = add_addr(sk, ifindex, &sip);
			if (ret) {
				snprintf(err, errlen,
					 "adding storage address %s: %s", buf,
					 nl_geterror(ret));
				return -1;
			}
			pr_info("node %s: added storage address %s on %s\n",
				n->name, buf, n->ifname);
		}
		/* After the address: the route names it as its source. */
		if (storage_route_to_portal(sk, ifindex, sn, err, errlen))
			return -1;
	}
	return 0;
}

/*
 * Reads /proc/sys/net/ipv6/conf/<ifname>/<key> of the current netns (the
 * sysctl tree follows the opener's namespace) into buf. 0 or -errno.
 */
static int ipv6_conf_read(const char *ifname, const char *key, char *buf,
			  size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname,
		 key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int ipv6_conf_write(const char *ifname, const char *key,
			   const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname,
		 key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

/* IPv6 is off on the interface (or in the kernel): no link-local at all. */
static bool ipv6_off(const char *ifname)
{
	char v[16];

	return ipv6_conf_read(ifname, "disable_ipv6", v, sizeof(v)) ||
	       strcmp(v, "1") == 0;
}

/*
 * The dataplane's IPv6 source guard accepts the node's link-local address
 * fe80::/64 + EUI-64 of its virtual MAC: addr_gen_mode 0 makes the kernel
 * derive exactly that (not a stable-privacy or random one). For an
 * interface with IPv6 on.
 */
static int set_eui64_mode(const struct xpan_cfg_node *n, char *err,
			  size_t errlen)
{
	char v[16];
	int ret;

	ret = ipv6_conf_read(n->ifname, "addr_gen_mode", v, sizeof(v));
	if (!ret && strcmp(v, "0") == 0)
		return 0;
	ret = ipv6_conf_write(n->ifname, "addr_gen_mode", "0");
	if (ret) {
		snprintf(err, errlen,
			 "setting net.ipv6.conf.%s.addr_gen_mode=0: %s",
			 n->ifname, strerror(-ret));
		return -1;
	}
	pr_info("node %s: IPv6 link-local of %s from its MAC (addr_gen_mode 0)\n",
		n->name, n->ifname);
	return 0;
}

struct ll_walk {
	int ifindex;
	uint8_t want[16];
	bool found;
	struct rtnl_addr *stale[8];
	int n_stale;
};

static void ll_visit(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct ll_walk *w = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);
	const uint8_t *b;

	if (rtnl_addr_get_ifindex(a) != w->ifindex ||
	    rtnl_addr_get_family(a) != AF_INET6 || !local ||
	    nl_addr_get_len(local) != 16)
		return;
	b = nl_addr_get_binary_addr(local);
	if (memcmp(b, w->want, 16) == 0) {
		w->found = true;
		return;
	}
	/* fe80::/64 of another MAC (the one the interface had before). */
	if (memcmp(b, w->want, 8) == 0 &&
	    w->n_stale < (int)(sizeof(w->stale) / sizeof(w->stale[0]))) {
		nl_object_get(obj);
		w->stale[w->n_stale++] = a;
	}
}

/*
 * The interface holds fe80:: + EUI-64 of mac, and no other fe80::/64
 * address. A link that was up when its MAC changed keeps the link-local
 * address of the old MAC (the kernel derives it only when the link comes
 * up): replace it in place, without taking the node's link down.
 */
static int sync_ll(struct nl_sock *sk, const struct xpan_cfg_node *n,
		   int ifindex, const uint8_t mac[6], char *err, size_t errlen)
{
	struct ll_walk w = { .ifindex = ifindex };
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL;
	struct nl_cache *cache;
	int ret = 0;

	w.want[0] = 0xfe;
	w.want[1] = 0x80;
	w.want[8] = mac[0] ^ 0x02;
	w.want[9] = mac[1];
	w.want[10] = mac[2];
	w.want[11] = 0xff;
	w.want[12] = 0xfe;
	w.want[13] = mac[3];
	w.want[14] = mac[4];
	w.want[15] = mac[5];
	ret = rtnl_addr_alloc_cache(sk, &cache);
	if (ret) {
		snprintf(err, errlen, "listing IPv6 addresses: %s",
			 nl_geterror(ret));
		return -1;
	}
	nl_cache_foreach(cache, ll_visit, &w);
	nl_cache_free(cache);
	if (!w.found) {
		a = rtnl_addr_alloc();
		local = nl_addr_build(AF_INET6, w.want, 16);
		ret = -NLE_NOMEM;
		if (a && local) {
			nl_addr_set_prefixlen(local, 64);
			rtnl_addr_set_ifindex(a, ifindex);
			rtnl_addr_set_local(a, local);
			rtnl_addr_set_prefixlen(a, 64);
			rtnl_addr_set_scope(a, RT_SCOPE_LINK);
			ret = rtnl_addr_add(sk, a, 0);
		}
		if (ret == -NLE_EXIST)
			ret = 0;
		nl_addr_put(local);
		if (a)
			rtnl_addr_put(a);
		if (ret) {
			snprintf(err, errlen, "adding the link-local address of its MAC: %s",
				 nl_geterror(ret));
			goto out_put;
		}
		pr_info("node %s: link-local address of its MAC on %s\n",
			n->name, n->ifname);
	}
	for (int i = 0; i < w.n_stale; i++) {
		int rc = rtnl_addr_delete(sk, w.stale[i], 0);

		if (rc && rc != -NLE_OBJ_NOTFOUND)
			pr_warn("node %s: cannot remove a stale link-local address: %s\n",
				n->name, nl_geterror(rc));
	}
out_put:
	for (int i = 0; i < w.n_stale; i++)
		rtnl_addr_put(w.stale[i]);
	return ret ? -1 : 0;
}

/* Legacy ethtool get/set of one feature; changes it only when needed. */
int nodenet_ethtool_feature(const char *ifname, __u32 get, __u32 set,
			   __u32 want, char *err, size_t errlen)
{
	struct ethtool_value ev = { .cmd = get };
	struct ifreq ifr = {};
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && ev.data == want)
		goto out_close;
	ev.cmd = set;
	ev.data = want;
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		snprintf(err, errlen, "ethtool on %s: %s", ifname,
			 strerror(errno));
		ret = -1;
	}
out_close:
	close(fd);
	return ret;
}

static int configure_inside(const struct xpan_cfg_node *n,
			    const uint8_t mac[6], bool want_gro,
			    const struct nodenet_storage *sn, char *err,
			    size_t errlen)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	char macs[XPAN_MAC_STRLEN];
	int ifindex, ret = -1, rc;
	bool ipv6;

	sk = nl_open(err, errlen);
	if (!sk)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, n->ifname, &link);
	if (rc) {
		snprintf(err, errlen, "no interface %s there (%s); check ifname",
			 n->ifname, nl_geterror(rc));
		goto out_free;
	}
	ifindex = rtnl_link_get_ifindex(link);
	xpan_mac_str(mac, macs, sizeof(macs));
	ipv6 = !ipv6_off(n->ifname);
	/* Before the link (re)gains its MAC and goes up. */
	if (ipv6 && set_eui64_mode(n, err, errlen))
		goto out_put;
	if (!link_has_mac(link, mac)) {
		rc = link_set_mac(sk, link, mac);
		if (rc) {
			snprintf(err, errlen, "setting MAC %s on %s: %s", macs,
				 n->ifname, nl_geterror(rc));
			goto out_put;
		}
		pr_info("node %s: set MAC %s on %s in netns %s\n", n->name,
			macs, n->ifname, n->netns);
	}
	/* The XDP path loses the sender's CHECKSUM_PARTIAL: sum in the node. */
	if (n->datapath == XPAN_DP_XDP &&
	    nodenet_ethtool_feature(n->ifname, ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM, 0,
			    err, errlen))
		goto out_put;
	/* Fresh state: the MAC change may have taken the link down. */
	rtnl_link_put(link);
	link = NULL;
	rc = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (!rc && !(rtnl_link_get_flags(link) & IFF_UP))
		rc = link_set_up(sk, link, true);
	if (rc) {
		snprintf(err, errlen, "bringing %s up: %s", n->ifname,
			 nl_geterror(rc));
		goto out_put;
	}
	/*
	 * A veth takes XDP-redirected frames only with NAPI (GRO) on, and
	 * GRO switched on while the link is down leaves NAPI off (seen on
	 * 6.18 with a port created after the node's netns): only once up.
	 */
	if (want_gro &&
	    nodenet_ethtool_feature(n->ifname, ETHTOOL_GGRO, ETHTOOL_SGRO, 1, err,
			    errlen))
		goto out_put;
	if (sync_addrs(sk, ifindex, n, sn, err, errlen))
		goto out_put;
	if (ipv6 && sync_ll(sk, n, ifindex, mac, err, errlen))
		goto out_put;
	ret = 0;
out_put:
	if (link)
		rtnl_link_put(link);
out_free:
	nl_socket_free(sk);
	return ret;
}

int nodenet_configure(const struct xpan_cfg_node *n, const uint8_t mac[6],
		      bool want_gro, const struct nodenet_storage *sn,
		      char *err, size_t errlen)
{
	int saved, ret;

	if (enter_netns(n->netns, &saved, err, errlen))
		return -1;
	ret = configure_inside(n, mac, want_gro, sn, err, errlen);
	leave_netns(saved);
	return ret;
}

static void disable_ipv6(const char *port)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 port);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		/* No IPv6 in this kernel: nothing to silence. */
		if (errno != ENOENT)
			pr_warn("cannot open %s: %s\n", path, strerror(errno));
		return;
	}
	if (write(fd, "1", 1) != 1)
		pr_warn("cannot write %s: %s\n", path, strerror(errno));
	close(fd);
}

int nodenet_link_setup(const char *ifname, const uint8_t mac[6], char *err,
		       size_t errlen)
{
	struct rtnl_link *link;
	struct nl_sock *sk;
	int rc;

	disable_ipv6(ifname);
	sk = nl_open(err, errlen);
	if (!sk)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (rc) {
		snprintf(err, errlen, "%s: %s", ifname, nl_geterror(rc));
		nl_socket_free(sk);
		return -1;
	}
	if (mac && !link_has_mac(link, mac)) {
		rc = link_set_mac(sk, link, mac);
		if (rc) {
			snprintf(err, errlen, "setting the MAC of %s: %s",
				 ifname, nl_geterror(rc));
			goto out;
		}
		rtnl_link_put(link);
		rc = rtnl_link_get_kernel(sk, 0, ifname, &link);
		if (rc) {
			snprintf(err, errlen, "%s: %s", ifname, nl_geterror(rc));
			nl_socket_free(sk);
			return -1;
		}
	}
	if (!(rtnl_link_get_flags(link) & IFF_UP)) {
		rc = link_set_up(sk, link, true);
		if (rc)
			snprintf(err, errlen, "bringing %s up: %s", ifname,
				 nl_geterror(rc));
	}
out:
	rtnl_link_put(link);
	nl_socket_free(sk);
	return rc ? -1 : 0;
}

int nodenet_prepare_port(const char *port, char *err, size_t errlen)
{
	struct rtnl_link *link;
	struct nl_sock *sk;
	int rc, ret = 0;

	/* Before up, so the port never sends router solicitations. */
	disable_ipv6(port);
	sk = nl_open(err, errlen);
	if (!sk)
		return -1;
	rc = rtnl_link_get_kernel(sk, 0, port, &link);
	if (rc) {
		snprintf(err, errlen, "port %s: %s", port, nl_geterror(rc));
		nl_socket_free(sk);
		return -1;
	}
	if (!(rtnl_link_get_flags(link) & IFF_UP)) {
		rc = link_set_up(sk, link, true);
		if (rc) {
			snprintf(err, errlen, "bringing port %s up: %s", port,
				 nl_geterror(rc));
			ret = -1;
		}
	}
	rtnl_link_put(link);
	nl_socket_free(sk);
	return ret;
}
