// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpf/xpan_shared.h"
#include "config.h"
#include "config_internal.h"
#include "yamldoc.h"

#define NETNS_RUN_DIR "/run/netns"

static const char *const top_keys[] = { "platform", "vlans", "nodes",
					"storage", NULL };
static const char *const platform_keys[] = { "serial", "state", "bpffs",
					     "learn_timeout", NULL };
static const char *const vlan_keys[] = { "name", "id", "learn", NULL };
/* initiators and chap: config_storage.c parses them. */
static const char *const node_keys[] = { "name", "port", "netns", "ifname",
					 "vlan", "ips", "datapath",
					 "max_learned", "flood_limit",
					 "initiators", "chap", "storage_ip",
					 NULL };

const char *xpan_datapath_name(int datapath)
{
	return datapath == XPAN_DP_XDP ? "xdp" : "tc";
}

uint32_t xpan_cfg_node_quota(const struct xpan_config *cfg,
			     const struct xpan_cfg_node *n)
{
	if (n->vlan == XPAN_CFG_NO_VLAN)
		return 0;
	return cfg->vlans[n->vlan].learn ? n->max_learned : 0;
}

uint32_t xpan_cfg_flood_burst(uint32_t flood_limit)
{
	uint32_t b = flood_limit / 10;

	if (!flood_limit)
		return 0;
	return b < 10 ? 10 : b;
}

char *xpan_cfg_ip_str(const struct xpan_cfg_ip *ip, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ip->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, ip->prefix);
	return buf;
}

const struct xpan_cfg_node *xpan_config_node(const struct xpan_config *cfg,
					     const char *name)
{
	for (size_t i = 0; i < cfg->n_nodes; i++)
		if (strcmp(cfg->nodes[i].name, name) == 0)
			return &cfg->nodes[i];
	return NULL;
}

void xpan_config_free(struct xpan_config *cfg)
{
	free(cfg->vlans);
	free(cfg->nodes);
	xpan_cfg_storage_free(&cfg->storage);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * libyaml keeps both values of a repeated key and lookups see only the
 * first, so a repeated key would silently lose the second: refuse it.
 */
static int check_dup_keys(struct ydoc *d, yaml_node_t *map, char *err,
			  size_t errlen)
{
	size_t n = ydoc_map_len(map);

	for (size_t i = 1; i < n; i++) {
		yaml_node_t *ki = ydoc_map_key(d, map, i);
		const char *a = ydoc_scalar(ki);

		for (size_t j = 0; a && j < i; j++) {
			const char *b = ydoc_scalar(ydoc_map_key(d, map, j));

			if (b && strcmp(a, b) == 0) {
				if (ydoc_soft_err(d, ki, err, errlen,
						  "key '%s' given twice", a))
					return -1;
				break;
			}
		}
	}
	return 0;
}

/* Collecting, -1 only when n is not a mapping (nothing to look into). */
int xpan_cfg_check_map(struct ydoc *d, yaml_node_t *n,
		       const char *const *allowed, const char *what,
		       char *err, size_t errlen)
{
	if (!ydoc_is_map(n))
		return ydoc_err(d, n, err, errlen, "%s must be a mapping", what);
	if (check_dup_keys(d, n, err, errlen))
		return -1;
	return ydoc_check_keys(d, n, allowed, what, err, errlen);
}

int xpan_cfg_get_str(struct ydoc *d, yaml_node_t *n, char *buf, size_t len,
		     const char *what, char *err, size_t errlen)
{
	const char *s;

	if (ydoc_str(d, n, &s, what, err, errlen))
		return -1;
	if (strlen(s) >= len)
		return ydoc_err(d, n, err, errlen,
				"%s '%s' is too long (at most %zu characters)",
				what, s, len - 1);
	strcpy(buf, s);
	return 0;
}

/* Node and VLAN names end up in tables, logs and iSCSI names. */
static int check_name(struct ydoc *d, yaml_node_t *n, const char *s,
		      const char *what, char *err, size_t errlen)
{
	for (const char *p = s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.')
			continue;
		return ydoc_err(d, n, err, errlen,
				"%s '%s' may only hold letters, digits, '-', '_' and '.'",
				what, s);
	}
	return 0;
}

/* Interface names: what the kernel's dev_valid_name() accepts. */
static int check_ifname(struct ydoc *d, yaml_node_t *n, const char *s,
			const char *what, char *err, size_t errlen)
{
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strchr(s, '/') ||
	    strchr(s, ':') || strpbrk(s, " \t\n"))
		return ydoc_err(d, n, err, errlen,
				"%s '%s' is not a valid interface name", what, s);
	return 0;
}

static int parse_ip(struct ydoc *d, yaml_node_t *n, struct xpan_cfg_ip *ip,
		    char *err, size_t errlen)
{
	const char *s = ydoc_scalar(n);
	char buf[32], *slash, *end;
	struct in_addr a;
	long prefix;

	if (!s || strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return ydoc_err(d, n, err, errlen,
				"IP '%s' needs a prefix length, e.g. %s/24",
				s, s);
	*slash = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		goto bad;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || prefix < 1 || prefix > 32)
		return ydoc_err(d, n, err, errlen,
				"IP '%s' has a bad prefix length (1..32)", s);
	/* 0.0.0.0/8, multicast and class E are never a host's address. */
	if ((ntohl(a.s_addr) >> 24) == 0 || (ntohl(a.s_addr) >> 28) >= 0xe)
		return ydoc_err(d, n, err, errlen,
				"IP '%s' is not a unicast host address", s);
	ip->addr = a.s_addr;
	ip->prefix = (uint8_t)prefix;
	ip->line = ydoc_line(n);
	return 0;
bad:
	return ydoc_err(d, n, err, errlen,
			"'%s' is not an IPv4 address with prefix (like 10.0.0.1/24)",
			s ? s : "(not a scalar)");
}

static int parse_platform(struct ydoc *d, yaml_node_t *root,
			  enum xpan_cfg_reader reader, struct xpan_config *cfg,
			  char *err, size_t errlen)
{
	yaml_node_t *p = ydoc_get(d, root, "platform"), *n;
	uint64_t v = 0;

	strcpy(cfg->state, XPAN_DEFAULT_STATE);
	strcpy(cfg->bpffs, "/sys/fs/bpf/xpan");
	cfg->learn_timeout = XPAN_CFG_LEARN_TIMEOUT_DEFAULT;
	if (!p && reader == XPAN_CFG_STORAGE)
		return 0;
	if (!p)
		return ydoc_err(d, root, err, errlen,
				"missing 'platform:' section (serial is required)");
	if (xpan_cfg_check_map(d, p, platform_keys, "platform", err, errlen))
		return -1;

	n = ydoc_get(d, p, "serial");
	if (!n && reader == XPAN_CFG_NETWORK &&
	    ydoc_soft_err(d, p, err, errlen,
			  "platform.serial is required (0..65535); it is part of every virtual MAC"))
		return -1;
	if (n && ydoc_u64(d, n, 65535, &v, "platform.serial", err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	cfg->serial = n ? (uint16_t)v : 0;

	n = ydoc_get(d, p, "state");
	if (n && xpan_cfg_get_str(d, n, cfg->state, sizeof(cfg->state),
				  "platform.state", err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (cfg->state[0] != '/' &&
	    ydoc_soft_err(d, n, err, errlen,
			  "platform.state '%s' must be an absolute path",
			  cfg->state))
		return -1;

	n = ydoc_get(d, p, "bpffs");
	if (n && xpan_cfg_get_str(d, n, cfg->bpffs, sizeof(cfg->bpffs),
				  "platform.bpffs", err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (cfg->bpffs[0] != '/' &&
	    ydoc_soft_err(d, n, err, errlen,
			  "platform.bpffs '%s' must be an absolute path",
			  cfg->bpffs))
		return -1;

	n = ydoc_get(d, p, "learn_timeout");
	if (n) {
		if (ydoc_u64(d, n, XPAN_CFG_LEARN_TIMEOUT_MAX, &v,
			     "platform.learn_timeout", err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
		} else if (v < 1) {
			if (ydoc_soft_err(d, n, err, errlen,
					  "platform.learn_timeout must be at least 1 (seconds); to stop learning set nodes[].max_learned or vlans[].learn"))
				return -1;
		} else {
			cfg->learn_timeout = (uint32_t)v;
		}
	}
	return 0;
}

static int parse_vlans(struct ydoc *d, yaml_node_t *root,
		       struct xpan_config *cfg, char *err, size_t errlen)
{
	yaml_node_t *seq = ydoc_get(d, root, "vlans");
	size_t n;

	if (!seq)
		return 0;
	if (!ydoc_is_seq(seq))
		return ydoc_err(d, seq, err, errlen,
				"vlans must be a list of { name, id }");
	n = ydoc_seq_len(seq);
	if (n > XPAN_MAX_VLANS)
		return ydoc_err(d, seq, err, errlen,
				"too many VLANs (%zu, at most %d)", n,
				XPAN_MAX_VLANS);
	cfg->vlans = calloc(n ? n : 1, sizeof(*cfg->vlans));
	if (!cfg->vlans)
		return ydoc_err(d, seq, err, errlen, "out of memory");

	for (size_t i = 0; i < n; i++) {
		yaml_node_t *m = ydoc_seq_at(d, seq, i), *kn, *ln;
		/* Collecting, entries that failed are left out (n_vlans). */
		struct xpan_cfg_vlan *v = &cfg->vlans[cfg->n_vlans];
		uint64_t id = 0;

		if (xpan_cfg_check_map(d, m, vlan_keys, "vlan", err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
			continue;
		}
		v->line = ydoc_line(m);
		kn = ydoc_get(d, m, "name");
		if (!kn) {
			if (ydoc_soft_err(d, m, err, errlen, "vlan needs a name"))
				return -1;
			continue;
		}
		if (xpan_cfg_get_str(d, kn, v->name, sizeof(v->name),
				     "vlan name", err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
			continue;
		}
		if (check_name(d, kn, v->name, "vlan name", err, errlen) &&
		    !ydoc_collecting(d))
			return -1;
		kn = ydoc_get(d, m, "id");
		if (!kn) {
			if (ydoc_soft_err(d, m, err, errlen,
					  "vlan '%s' needs an id (1..4094)",
					  v->name))
				return -1;
		} else if (ydoc_u64(d, kn, UINT64_MAX, &id, "vlan id", err,
				    errlen)) {
			if (!ydoc_collecting(d))
				return -1;
		} else if ((id < 1 || id > 4094) &&
			   ydoc_soft_err(d, kn, err, errlen,
					 "vlan id %llu is out of range (1..4094)",
					 (unsigned long long)id)) {
			return -1;
		}
		/* 0: no valid id, left out of the duplicate check. */
		v->id = id >= 1 && id <= 4094 ? (uint16_t)id : 0;
		v->learn = true;
		ln = ydoc_get(d, m, "learn");
		if (ln && ydoc_bool(d, ln, &v->learn, "vlan learn", err,
				    errlen) &&
		    !ydoc_collecting(d))
			return -1;
		for (size_t j = 0; j < cfg->n_vlans; j++) {
			if (strcmp(cfg->vlans[j].name, v->name) == 0 &&
			    ydoc_soft_err(d, ydoc_get(d, m, "name"), err,
					  errlen,
					  "duplicate vlan name '%s' (first at line %d)",
					  v->name, cfg->vlans[j].line))
				return -1;
			if (v->id && cfg->vlans[j].id == v->id &&
			    ydoc_soft_err(d, kn, err, errlen,
					  "duplicate vlan id %u ('%s' and '%s', first at line %d)",
					  v->id, cfg->vlans[j].name,
					  v->name, cfg->vlans[j].line))
				return -1;
		}
		cfg->n_vlans++;
	}
	return 0;
}

static int parse_node_ips(struct ydoc *d, yaml_node_t *seq,
			  struct xpan_cfg_node *node, char *err, size_t errlen)
{
	size_t n;

	if (!ydoc_is_seq(seq))
		return ydoc_err(d, seq, err, errlen,
				"ips must be a list, e.g. [10.0.0.1/24]");
	n = ydoc_seq_len(seq);
	if (n > XPAN_CFG_NODE_MAX_IPS)
		return ydoc_err(d, seq, err, errlen,
				"node '%s' has %zu IPs, at most %d", node->name,
				n, XPAN_CFG_NODE_MAX_IPS);
	for (size_t i = 0; i < n; i++) {
		if (parse_ip(d, ydoc_seq_at(d, seq, i),
			     &node->ips[node->n_ips], err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
			continue;
		}
		node->n_ips++;
	}
	return 0;
}

/* Number key of mapping m, at most max; def when the key is absent. */
static int opt_u32(struct ydoc *d, yaml_node_t *m, const char *key,
		   uint32_t max, uint32_t def, uint32_t *out, char *err,
		   size_t errlen)
{
	yaml_node_t *n = ydoc_get(d, m, key);
	uint64_t v;

	*out = def;
	if (!n)
		return 0;
	if (ydoc_u64(d, n, max, &v, key, err, errlen))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_node(struct ydoc *d, yaml_node_t *m,
		      enum xpan_cfg_reader reader, struct xpan_config *cfg,
		      struct xpan_cfg_node *node, char *err, size_t errlen)
{
	yaml_node_t *kn;
	const char *s;
	bool found = false;

	if (xpan_cfg_check_map(d, m, node_keys, "node", err, errlen))
		return -1;
	node->line = ydoc_line(m);

	/* Collecting, a node with a bad name still has its keys checked. */
	kn = ydoc_get(d, m, "name");
	if (!kn) {
		if (ydoc_soft_err(d, m, err, errlen, "node needs a name"))
			return -1;
	} else if ((xpan_cfg_get_str(d, kn, node->name, sizeof(node->name),
				     "node name", err, errlen) ||
		    check_name(d, kn, node->name, "node name", err,
			       errlen)) &&
		   !ydoc_collecting(d)) {
		return -1;
	}

	kn = ydoc_get(d, m, "port");
	if (!kn && reader == XPAN_CFG_NETWORK &&
	    ydoc_soft_err(d, m, err, errlen,
			  "node '%s' needs a port (its host-side interface)",
			  node->name))
		return -1;
	if (kn && (xpan_cfg_get_str(d, kn, node->port, sizeof(node->port),
				    "port", err, errlen) ||
		   check_ifname(d, kn, node->port, "port", err, errlen)) &&
	    !ydoc_collecting(d))
		return -1;
	node->port_line = kn ? ydoc_line(kn) : node->line;

	kn = ydoc_get(d, m, "netns");
	if (kn) {
		if (xpan_cfg_get_str(d, kn, node->netns, sizeof(node->netns),
				     "netns", err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
		} else if (strchr(node->netns, '/') ||
			   strcmp(node->netns, ".") == 0 ||
			   strcmp(node->netns, "..") == 0) {
			if (ydoc_soft_err(d, kn, err, errlen,
					  "netns '%s' must be a name under %s, not a path",
					  node->netns, NETNS_RUN_DIR))
				return -1;
			/* Not looked up by the system checks. */
			node->netns[0] = '\0';
		}
		node->netns_line = ydoc_line(kn);
	}

	strcpy(node->ifname, XPAN_DEFAULT_IFNAME);
	kn = ydoc_get(d, m, "ifname");
	if (kn && (xpan_cfg_get_str(d, kn, node->ifname,
				    sizeof(node->ifname), "ifname", err,
				    errlen) ||
		   check_ifname(d, kn, node->ifname, "ifname", err, errlen)) &&
	    !ydoc_collecting(d))
		return -1;

	node->vlan = XPAN_CFG_NO_VLAN;
	kn = ydoc_get(d, m, "vlan");
	if (!kn && reader == XPAN_CFG_NETWORK &&
	    ydoc_soft_err(d, m, err, errlen, "node '%s' needs a vlan",
			  node->name))
		return -1;
	if (kn && ydoc_str(d, kn, &s, "vlan", err, errlen)) {
		if (!ydoc_collecting(d))
			return -1;
	} else if (kn) {
		for (size_t i = 0; i < cfg->n_vlans; i++) {
			if (strcmp(cfg->vlans[i].name, s) == 0) {
				node->vlan = i;
				found = true;
			}
		}
		if (!found &&
		    ydoc_soft_err(d, kn, err, errlen,
				  "node '%s' names unknown vlan '%s' (define it under vlans:)",
				  node->name, s))
			return -1;
	}

	node->datapath = XPAN_DP_TC;
	kn = ydoc_get(d, m, "datapath");
	if (kn) {
		if (ydoc_str(d, kn, &s, "datapath", err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
		} else if (strcmp(s, "xdp") == 0) {
			node->datapath = XPAN_DP_XDP;
		} else if (strcmp(s, "tc") != 0 &&
			   ydoc_soft_err(d, kn, err, errlen,
					 "datapath '%s' is not tc or xdp", s)) {
			return -1;
		}
	}

	kn = ydoc_get(d, m, "ips");
	if (kn && parse_node_ips(d, kn, node, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;

	/* opt_u32() leaves the default on a bad value. */
	if (opt_u32(d, m, "max_learned", XPAN_MAX_LEARNED_PER_PORT,
		    XPAN_CFG_MAX_LEARNED_DEFAULT, &node->max_learned, err,
		    errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (opt_u32(d, m, "flood_limit", XPAN_CFG_FLOOD_LIMIT_MAX,
		    XPAN_CFG_FLOOD_LIMIT_DEFAULT, &node->flood_limit, err,
		    errlen) &&
	    !ydoc_collecting(d))
		return -1;
	kn = ydoc_get(d, m, "max_learned");
	node->max_learned_line = kn ? ydoc_line(kn) : node->line;
	if (xpan_cfg_parse_node_storage_ip(d, m, node, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (xpan_cfg_parse_iscsi(d, m, node->name, &node->iscsi, err,
				 errlen) &&
	    !ydoc_collecting(d))
		return -1;
	return 0;
}

/* Rules across nodes: unique names, ports and IPs per VLAN; VLAN size.
 * a is cfg->nodes[i], m its mapping. */
static int check_nodes(struct ydoc *d, yaml_node_t *m,
		       const struct xpan_config *cfg, size_t i, char *err,
		       size_t errlen)
{
	const struct xpan_cfg_node *a = &cfg->nodes[i];
	size_t members = 1;
	char buf[32];

	for (size_t j = 0; j < i; j++) {
		const struct xpan_cfg_node *b = &cfg->nodes[j];

		if (a->name[0] && strcmp(a->name, b->name) == 0 &&
		    ydoc_soft_err(d, ydoc_get(d, m, "name"), err, errlen,
				  "duplicate node name '%s' (first at line %d)",
				  a->name, b->line))
			return -1;
		if (a->port[0] && strcmp(a->port, b->port) == 0 &&
		    ydoc_soft_err(d, ydoc_get(d, m, "port"), err, errlen,
				  "port '%s' of node '%s' is already used by node '%s' (line %d)",
				  a->port, a->name, b->name, b->port_line))
			return -1;
		if (a->vlan == XPAN_CFG_NO_VLAN || a->vlan != b->vlan)
			continue;
		members++;
		for (size_t x = 0; x < a->n_ips; x++)
			for (size_t y = 0; y < b->n_ips; y++)
				if (a->ips[x].addr == b->ips[y].addr &&
				    ydoc_soft_err_line(d, a->ips[x].line, err, errlen,
						       "IP %s of node '%s' is already used in vlan '%s' by node '%s' (line %d)",
						       xpan_cfg_ip_str(&a->ips[x], buf, sizeof(buf)),
						       a->name, cfg->vlans[a->vlan].name,
						       b->name, b->ips[y].line))
					return -1;
	}
	for (size_t x = 0; x < a->n_ips; x++)
		for (size_t y = 0; y < x; y++)
			if (a->ips[x].addr == a->ips[y].addr &&
			    ydoc_soft_err(d, m, err, errlen,
					  "node '%s' lists IP on line %d twice",
					  a->name, a->ips[x].line))
				return -1;
	/* == not >: said once, at the node that goes past the limit. */
	if (a->vlan != XPAN_CFG_NO_VLAN && members == XPAN_VLAN_MAX_MEMBERS + 1 &&
	    ydoc_soft_err(d, m, err, errlen,
			  "vlan '%s' has more than %d members",
			  cfg->vlans[a->vlan].name, XPAN_VLAN_MAX_MEMBERS))
		return -1;
	return 0;
}

static int parse_nodes(struct ydoc *d, yaml_node_t *root,
		       enum xpan_cfg_reader reader, struct xpan_config *cfg,
		       char *err, size_t errlen)
{
	yaml_node_t *seq = ydoc_get(d, root, "nodes");
	uint64_t quota = 0;
	bool over_quota = false;
	size_t n;

	if (!seq)
		return 0;
	if (!ydoc_is_seq(seq))
		return ydoc_err(d, seq, err, errlen, "nodes must be a list");
	n = ydoc_seq_len(seq);
	if (n > XPAN_MAX_PORTS)
		return ydoc_err(d, seq, err, errlen,
				"too many nodes (%zu, at most %d)", n,
				XPAN_MAX_PORTS);
	cfg->nodes = calloc(n ? n : 1, sizeof(*cfg->nodes));
	if (!cfg->nodes)
		return ydoc_err(d, seq, err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		/* Collecting, a node that is not a mapping is left out. */
		struct xpan_cfg_node *node = &cfg->nodes[cfg->n_nodes];
		yaml_node_t *m = ydoc_seq_at(d, seq, i);

		if (parse_node(d, m, reader, cfg, node, err, errlen)) {
			if (!ydoc_collecting(d))
				return -1;
			memset(node, 0, sizeof(*node));
			continue;
		}
		cfg->n_nodes++;
		if (check_nodes(d, m, cfg, cfg->n_nodes - 1, err, errlen))
			return -1;
		/*
		 * The quotas must fit xpan_learned together, so a port under
		 * its quota always finds room whatever the others learn.
		 */
		quota += xpan_cfg_node_quota(cfg, node);
		if (quota > XPAN_MAX_LEARNED && !over_quota) {
			over_quota = true;
			if (ydoc_soft_err_line(d, node->max_learned_line, err, errlen,
					       "node '%s': max_learned of the nodes so far add up to %llu, more than the %d learned addresses the dataplane holds; lower max_learned (default %d) or set learn: false on a VLAN",
					       node->name, (unsigned long long)quota,
					       XPAN_MAX_LEARNED,
					       XPAN_CFG_MAX_LEARNED_DEFAULT))
				return -1;
		}
	}
	return 0;
}

/*
 * One pass over the whole file, in the same order for every reader, so a
 * file with more than one mistake gets the same first complaint from
 * xpan-ctrld and xpan-iod.
 */
static int parse_doc(struct ydoc *d, enum xpan_cfg_reader reader,
		     struct xpan_config *cfg, char *err, size_t errlen)
{
	yaml_node_t *root = ydoc_root(d), *st;

	xpan_cfg_storage_defaults(&cfg->storage);
	if (!root && reader == XPAN_CFG_STORAGE)
		return parse_platform(d, root, reader, cfg, err, errlen);
	if (!root)
		return ydoc_err(d, NULL, err, errlen,
				"the file is empty; it needs at least platform: { serial: N }");
	/* Collecting, every section is read even after one failed, and the
	 * checks across sections run on what was read. */
	if (xpan_cfg_check_map(d, root, top_keys, "the top level", err,
			       errlen))
		return -1;
	if (parse_platform(d, root, reader, cfg, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (parse_vlans(d, root, cfg, err, errlen) && !ydoc_collecting(d))
		return -1;
	if (parse_nodes(d, root, reader, cfg, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	st = ydoc_get(d, root, "storage");
	if (st && xpan_cfg_parse_storage(d, st, &cfg->storage, err, errlen) &&
	    !ydoc_collecting(d))
		return -1;
	if (xpan_cfg_check_storage(d, cfg, err, errlen) ||
	    xpan_cfg_check_storage_net(d, cfg, err, errlen))
		return -1;
	return ydoc_collecting(d) && d->errs->total ? -1 : 0;
}

static int load_doc(struct ydoc *d, enum xpan_cfg_reader reader,
		    struct xpan_config *cfg, char *err, size_t errlen)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", d->path);
	ret = parse_doc(d, reader, cfg, err, errlen);
	ydoc_free(d);
	if (ret)
		xpan_config_free(cfg);
	return ret;
}

int xpan_config_read(const char *path, enum xpan_cfg_reader reader,
		     struct xpan_config *cfg, char *err, size_t errlen)
{
	struct ydoc d;

	memset(cfg, 0, sizeof(*cfg));
	if (ydoc_load(&d, path, err, errlen))
		return -1;
	return load_doc(&d, reader, cfg, err, errlen);
}

int xpan_config_read_string(const char *name, const char *buf, size_t len,
			    enum xpan_cfg_reader reader,
			    struct xpan_config *cfg, char *err, size_t errlen)
{
	struct ydoc d;

	memset(cfg, 0, sizeof(*cfg));
	if (ydoc_load_string(&d, name, buf, len, err, errlen))
		return -1;
	return load_doc(&d, reader, cfg, err, errlen);
}

int xpan_config_load(const char *path, struct xpan_config *cfg, char *err,
		     size_t errlen)
{
	return xpan_config_read(path, XPAN_CFG_NETWORK, cfg, err, errlen);
}

int xpan_config_load_string(const char *name, const char *buf, size_t len,
			    struct xpan_config *cfg, char *err, size_t errlen)
{
	return xpan_config_read_string(name, buf, len, XPAN_CFG_NETWORK, cfg,
				       err, errlen);
}

/* errs NULL: stop at the first missing port or namespace. */
static int validate_system(const struct xpan_config *cfg,
			   struct xpan_cfg_errors *errs, char *err,
			   size_t errlen)
{
	for (size_t i = 0; i < cfg->n_nodes; i++) {
		const struct xpan_cfg_node *n = &cfg->nodes[i];
		char path[sizeof(NETNS_RUN_DIR) + XPAN_CFG_NAME_MAX + 1];
		struct stat st;

		/* Collecting, a node whose port did not parse has none. */
		if (n->port[0] && !if_nametoindex(n->port)) {
			snprintf(err, errlen,
				 "%s:%d: port '%s' of node '%s' does not exist (create the veth/tap first, e.g. ip link add %s type veth peer name ...)",
				 cfg->path, n->port_line, n->port, n->name,
				 n->port);
			if (!errs)
				return -1;
			xpan_cfg_errors_add(errs, n->port_line, err);
		}
		if (!n->netns[0])
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, n->netns);
		if (stat(path, &st)) {
			snprintf(err, errlen,
				 "%s:%d: netns '%s' of node '%s' does not exist (%s: %s; create it with ip netns add %s)",
				 cfg->path, n->netns_line, n->netns, n->name,
				 path, strerror(errno), n->netns);
			if (!errs)
				return -1;
			xpan_cfg_errors_add(errs, n->netns_line, err);
		}
	}
	return errs && errs->total ? -1 : 0;
}

int xpan_config_validate_system(const struct xpan_config *cfg, char *err,
				size_t errlen)
{
	return validate_system(cfg, NULL, err, errlen);
}

/* d is loaded, or not when loading failed with err. */
static int check_all(struct ydoc *d, int load_ret, const char *err_in,
		     enum xpan_cfg_reader reader, bool system,
		     struct xpan_config *cfg, struct xpan_cfg_errors *errs)
{
	char err[XPAN_CFG_ERROR_LEN];

	memset(errs, 0, sizeof(*errs));
	if (load_ret) {
		/* A YAML syntax error leaves no document to look into. */
		xpan_cfg_errors_add(errs, 0, err_in);
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", d->path);
	d->errs = errs;
	parse_doc(d, reader, cfg, err, sizeof(err));
	ydoc_free(d);
	/* The system checks come after the file's, in their own order. */
	xpan_cfg_errors_sort(errs);
	if (system)
		validate_system(cfg, errs, err, sizeof(err));
	if (errs->total) {
		xpan_config_free(cfg);
		return -1;
	}
	return 0;
}

int xpan_config_check_all(const char *path, enum xpan_cfg_reader reader,
			  bool system, struct xpan_config *cfg,
			  struct xpan_cfg_errors *errs)
{
	char err[XPAN_CFG_ERROR_LEN];
	struct ydoc d;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	ret = ydoc_load(&d, path, err, sizeof(err));
	return check_all(&d, ret, err, reader, system, cfg, errs);
}

int xpan_config_check_all_string(const char *name, const char *buf,
				 size_t len, enum xpan_cfg_reader reader,
				 bool system, struct xpan_config *cfg,
				 struct xpan_cfg_errors *errs)
{
	char err[XPAN_CFG_ERROR_LEN];
	struct ydoc d;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	ret = ydoc_load_string(&d, name, buf, len, err, sizeof(err));
	return check_all(&d, ret, err, reader, system, cfg, errs);
}
