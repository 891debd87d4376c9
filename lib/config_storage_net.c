// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * storage.network and nodes[].storage_ip (config_storage.h): the subnet
 * through which every node reaches the portal over its own port. The
 * dataplane trusts a storage address to name a node, so everything that
 * could make two nodes share one, or a storage address look like a VLAN
 * address, is refused here, with the line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

uint32_t xpan_storage_net_mask(const struct xpan_cfg_storage_net *n)
{
	return n->prefix ? htonl(~0u << (32 - n->prefix)) : 0;
}

bool xpan_storage_net_contains(const struct xpan_cfg_storage_net *n,
			       uint32_t ip)
{
	uint32_t mask = xpan_storage_net_mask(n);

	return (ip & mask) == (n->subnet & mask);
}

bool xpan_storage_net_host(const struct xpan_cfg_storage_net *n, uint32_t ip)
{
	uint32_t mask = xpan_storage_net_mask(n);

	return xpan_storage_net_contains(n, ip) && (ip & ~mask) != 0 &&
	       (ip & ~mask) != ~mask;
}

void xpan_cfg_storage_net_defaults(struct xpan_cfg_storage_net *net)
{
	struct in_addr a;

	memset(net, 0, sizeof(*net));
	inet_pton(AF_INET, "100.64.0.0", &a);
	net->subnet = a.s_addr;
	net->prefix = 16;
	inet_pton(AF_INET, XPAN_STORAGE_NET_DEFAULT_PORTAL, &a);
	net->portal_ip = a.s_addr;
	net->port = XPAN_STORAGE_NET_DEFAULT_PORT;
	strcpy(net->host_port, XPAN_STORAGE_NET_HOST_PORT);
	strcpy(net->dp_port, XPAN_STORAGE_NET_DP_PORT);
}

static int parse_ip4(struct ydoc *d, yaml_node_t *v, const char *what,
		     uint32_t *out, char *err, size_t errlen)
{
	const char *s;
	struct in_addr a;

	if (ydoc_str(d, v, &s, what, err, errlen))
		return -1;
	if (inet_pton(AF_INET, s, &a) != 1)
		return ydoc_err(d, v, err, errlen,
				"%s '%s' is not an IPv4 address (like 100.64.0.1; the storage network is IPv4 only)",
				what, s);
	*out = a.s_addr;
	return 0;
}

static int parse_subnet(struct ydoc *d, yaml_node_t *v,
			struct xpan_cfg_storage_net *net, char *err,
			size_t errlen)
{
	char buf[32], *slash, *end;
	const char *s;
	struct in_addr a;
	long prefix;

	if (ydoc_str(d, v, &s, "storage.network.subnet", err, errlen))
		return -1;
	if (strlen(s) >= sizeof(buf) || !(slash = strchr(strcpy(buf, s), '/')))
		return ydoc_err(d, v, err, errlen,
				"storage.network.subnet '%s' must be an IPv4 network with its prefix, like 100.64.0.0/16",
				s);
	*slash = '\0';
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, buf, &a) != 1 || errno || end == slash + 1 ||
	    *end)
		return ydoc_err(d, v, err, errlen,
				"storage.network.subnet '%s' must be an IPv4 network with its prefix, like 100.64.0.0/16",
				s);
	if (prefix < 8 || prefix > XPAN_STORAGE_NET_MAX_PREFIX)
		return ydoc_err(d, v, err, errlen,
				"storage.network.subnet '%s': the prefix must be between /8 and /%d (room for the portal and the nodes)",
				s, XPAN_STORAGE_NET_MAX_PREFIX);
	net->subnet = a.s_addr;
	net->prefix = (uint8_t)prefix;
	if (net->subnet & ~xpan_storage_net_mask(net))
		return ydoc_err(d, v, err, errlen,
				"storage.network.subnet '%s' has host bits set; write the network address (like 100.64.0.0/16)",
				s);
	return 0;
}

static int check_ifname(struct ydoc *d, yaml_node_t *v, const char *what,
			char *dst, char *err, size_t errlen)
{
	if (xpan_cfg_get_str(d, v, dst, 16, what, err, errlen))
		return -1;
	if (strpbrk(dst, "/: \t") || !strcmp(dst, ".") || !strcmp(dst, ".."))
		return ydoc_err(d, v, err, errlen,
				"%s '%s' is not a valid interface name", what,
				dst);
	return 0;
}

int xpan_cfg_parse_storage_net(struct ydoc *d, yaml_node_t *s,
			       struct xpan_cfg_storage_net *net, char *err,
			       size_t errlen)
{
	static const char *const keys[] = { "subnet", "portal_ip", "port",
					    "host_port", "dp_port", NULL };
	yaml_node_t *n = ydoc_get(d, s, "network"), *v, *pv;
	bool subnet_ok = true;
	const char *str;
	uint64_t u;

	xpan_cfg_storage_net_defaults(net);
	net->enabled = true;
	if (!n)
		return 0;
	net->line = ydoc_line(n);
	str = ydoc_scalar(n);
	if (str) {
		if (!strcmp(str, "off") || !strcmp(str, "false")) {
			net->enabled = false;
			return 0;
		}
		return ydoc_err(d, n, err, errlen,
				"storage.network must be a mapping { subnet, portal_ip, port } or off, not '%s'",
				str);
	}
	if (xpan_cfg_check_map(d, n, keys, "storage.network", err, errlen))
		return -1;
	/* Collecting, the portal is checked against a subnet that parsed. */
	v = ydoc_get(d, n, "subnet");
	if (v && parse_subnet(d, v, net, err, errlen)) {
		if (!ydoc_collecting(d))
			return -1;
		subnet_ok = false;
	}
	pv = ydoc_get(d, n, "portal_ip");
	if (pv) {
		if (parse_ip4(d, pv, "storage.network.portal_ip",
			      &net->portal_ip, err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
			subnet_ok = false;
		}
	} else if (v) {
		/* The first host address of a subnet given without a portal. */
		net->portal_ip = htonl(ntohl(net->subnet) + 1);
	}
	if (subnet_ok && !xpan_storage_net_host(net, net->portal_ip)) {
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &net->portal_ip, a, sizeof(a));
		inet_ntop(AF_INET, &net->subnet, b, sizeof(b));
		if (ydoc_soft_err(d, pv ? pv : v, err, errlen,
				  "storage.network.portal_ip %s is not a host address of the subnet %s/%u",
				  a, b, net->prefix))
			return -1;
	}
	v = ydoc_get(d, n, "port");
	if (v) {
		if (ydoc_u64(d, v, 65535, &u, "storage.network.port", err,
			     errlen)) {
			if (!ydoc_collecting(d))
				return -1;
		} else if (!u) {
			if (ydoc_soft_err(d, v, err, errlen,
					  "storage.network.port must be a TCP port (1..65535)"))
				return -1;
		} else {
			net->port = (uint16_t)u;
		}
	}
	v = ydoc_get(d, n, "host_port");
	if (v && check_ifname(d, v, "storage.network.host_port",
			      net->host_port, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	v = ydoc_get(d, n, "dp_port");
	if (v && check_ifname(d, v, "storage.network.dp_port", net->dp_port,
			      err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (!strcmp(net->host_port, net->dp_port))
		return ydoc_err(d, v, err, errlen,
				"storage.network.host_port and dp_port are both '%s'; they name the two ends of one veth pair",
				net->dp_port);
	return 0;
}

int xpan_cfg_parse_node_storage_ip(struct ydoc *d, yaml_node_t *m,
				   struct xpan_cfg_node *node, char *err,
				   size_t errlen)
{
	yaml_node_t *v = ydoc_get(d, m, "storage_ip");

	node->storage_ip = 0;
	node->storage_ip_line = node->line;
	if (!v)
		return 0;
	node->storage_ip_line = ydoc_line(v);
	return parse_ip4(d, v, "storage_ip", &node->storage_ip, err, errlen);
}

int xpan_cfg_check_storage_net(struct ydoc *d, const struct xpan_config *cfg,
			       char *err, size_t errlen)
{
	const struct xpan_cfg_storage_net *net = &cfg->storage.net;
	char a[INET_ADDRSTRLEN], sub[INET_ADDRSTRLEN], portal[INET_ADDRSTRLEN];
	char ip[32];
	size_t i, j, k;

	inet_ntop(AF_INET, &net->subnet, sub, sizeof(sub));
	inet_ntop(AF_INET, &net->portal_ip, portal, sizeof(portal));
	for (i = 0; i < cfg->n_nodes; i++) {
		const struct xpan_cfg_node *n = &cfg->nodes[i];

		if (n->storage_ip && !net->enabled &&
		    ydoc_soft_err_line(d, n->storage_ip_line, err, errlen,
				       "node '%s' has a storage_ip but the storage network is off (add a storage: section, or remove storage_ip)",
				       n->name))
			return -1;
		if (!net->enabled)
			continue;
		inet_ntop(AF_INET, &n->storage_ip, a, sizeof(a));
		if (n->storage_ip && (!xpan_storage_net_host(net, n->storage_ip) ||
				      n->storage_ip == net->portal_ip) &&
		    ydoc_soft_err_line(d, n->storage_ip_line, err, errlen,
				       "node '%s': storage_ip %s is not a free host address of the storage subnet %s/%u (the portal is %s)",
				       n->name, a, sub, net->prefix, portal))
			return -1;
		for (j = 0; n->storage_ip && j < i; j++)
			if (cfg->nodes[j].storage_ip == n->storage_ip &&
			    ydoc_soft_err_line(d, n->storage_ip_line, err, errlen,
					       "node '%s': storage_ip %s is also node '%s''s (line %d); a storage address names one node",
					       n->name, a, cfg->nodes[j].name,
					       cfg->nodes[j].storage_ip_line))
				return -1;
		/* The dataplane sorts frames by address: a VLAN address in
		 * the storage subnet would be taken for storage traffic. */
		for (k = 0; k < n->n_ips; k++)
			if (xpan_storage_net_contains(net, n->ips[k].addr) &&
			    ydoc_soft_err_line(d, n->ips[k].line, err, errlen,
					       "node '%s': IP %s is inside the storage subnet %s/%u; pick another address or move storage.network.subnet",
					       n->name,
					       xpan_cfg_ip_str(&n->ips[k], ip,
							       sizeof(ip)),
					       sub, net->prefix))
				return -1;
	}
	return 0;
}
